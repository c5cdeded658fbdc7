//! The info callback (`SSL_CTX_set_info_callback`, `SSL_set_info_callback`).

use super::ssl_ptr;
use crate::ffi::types::InfoFn;
use crate::tls::ssl::Ssl;
use std::ffi::c_int;
use std::sync::Arc;

pub fn call(cb: InfoFn, ssl: &Arc<Ssl>, where_: c_int, ret: c_int) {
    // SAFETY: the host registered `cb` with this signature; the SSL is live.
    unsafe { cb(ssl_ptr(ssl), where_, ret) }
}
