//! The client-hello and servername (SNI) callbacks.

use super::ssl_ptr;
use crate::consts::*;
use crate::ffi::types::{ClientHelloFn, ServernameFn};
use crate::libcrypto::HostPtr;
use crate::tls::ctx::Cb;
use crate::tls::ssl::Ssl;
use std::ffi::c_int;
use std::sync::Arc;

/// `SSL_CTX_set_client_hello_cb`'s callback; `Err(alert)` to abort.
pub fn client_hello(cb: Cb<ClientHelloFn>, ssl: &Arc<Ssl>) -> Result<(), u8> {
    let mut al: c_int = c_int::from(SSL_AD_INTERNAL_ERROR);
    // SAFETY: the host registered `cb` for exactly this signature; the SSL
    // pointer is live for the call and `al` is a valid out-parameter.
    let r = unsafe { (cb.f)(ssl_ptr(ssl), &mut al, cb.arg.as_ptr()) };
    match r {
        SSL_CLIENT_HELLO_SUCCESS => Ok(()),
        // Suspending the handshake (SSL_CLIENT_HELLO_RETRY) is not supported.
        _ => Err(u8::try_from(al).unwrap_or(SSL_AD_INTERNAL_ERROR)),
    }
}

/// The servername callback: `Err(alert)` only for `SSL_TLSEXT_ERR_ALERT_FATAL`.
pub fn servername(f: ServernameFn, arg: HostPtr, ssl: &Arc<Ssl>) -> Result<(), u8> {
    let mut al: c_int = c_int::from(SSL_AD_UNRECOGNIZED_NAME);
    // SAFETY: as above.
    let r = unsafe { f(ssl_ptr(ssl), &mut al, arg.as_ptr()) };
    match r {
        SSL_TLSEXT_ERR_ALERT_FATAL => Err(u8::try_from(al).unwrap_or(SSL_AD_UNRECOGNIZED_NAME)),
        _ => Ok(()),
    }
}
