//! The OCSP status callback (`SSL_CTX_set_tlsext_status_cb`), server side.

use super::ssl_ptr;
use crate::consts::*;
use crate::ffi::types::StatusFn;
use crate::libcrypto::HostPtr;
use crate::tls::ssl::Ssl;
use std::sync::Arc;

pub enum Outcome {
    /// Staple this DER OCSP response.
    Staple(Vec<u8>),
    /// No staple (`SSL_TLSEXT_ERR_NOACK`, or OK without a response).
    None,
    /// Abort the handshake (`SSL_TLSEXT_ERR_ALERT_FATAL`).
    Fatal,
}

pub fn call(cb: StatusFn, arg: HostPtr, ssl: &Arc<Ssl>) -> Outcome {
    ssl.lock().ocsp_response = None;
    // SAFETY: the host registered `cb` for this signature; the SSL is live.
    // It hands the response back through SSL_set_tlsext_status_ocsp_resp.
    let r = unsafe { cb(ssl_ptr(ssl), arg.as_ptr()) };
    match r {
        SSL_TLSEXT_ERR_OK => match ssl.lock().ocsp_response.take() {
            Some(resp) if !resp.is_empty() => Outcome::Staple(resp),
            _ => Outcome::None,
        },
        SSL_TLSEXT_ERR_ALERT_FATAL => Outcome::Fatal,
        _ => Outcome::None,
    }
}
