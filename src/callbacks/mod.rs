//! Adapters that run the host's C callbacks from inside the handshake and
//! rustls' traits. The only place (besides `ffi` and `libcrypto`) that calls
//! host code; each call site documents the C contract it relies on.

pub mod alpn;
pub mod clientcert;
pub mod hello;
pub mod info;
pub mod keylog;
pub mod scope;
pub mod status;
pub mod session;
pub mod ticket;
pub mod verify;

use crate::ffi::types::ssl_st;
use crate::tls::ssl::Ssl;
use std::sync::Arc;

/// The `SSL*` the host knows this connection by (the pointer
/// `SSL_new` returned: `Arc::into_raw` and `Arc::as_ptr` agree).
pub fn ssl_ptr(ssl: &Arc<Ssl>) -> *mut ssl_st {
    Arc::as_ptr(ssl) as *mut ssl_st
}
