//! The ALPN select callback.

use super::ssl_ptr;
use crate::consts::*;
use crate::ffi::types::AlpnSelectFn;
use crate::tls::ctx::Cb;
use crate::tls::ssl::Ssl;
use std::ffi::{c_uchar, c_uint};
use std::sync::Arc;

pub enum Outcome {
    Selected(Vec<u8>),
    NoAck,
    Fatal,
}

/// Calls the callback with the client's list (wire format without the
/// outer length, as OpenSSL does) and copies its answer.
pub fn select(cb: Cb<AlpnSelectFn>, ssl: &Arc<Ssl>, offered: &[u8]) -> Outcome {
    let mut out: *const c_uchar = std::ptr::null();
    let mut outlen: c_uchar = 0;
    let Ok(inlen) = c_uint::try_from(offered.len()) else { return Outcome::Fatal };
    // SAFETY: the host registered `cb` with this signature; `offered` is
    // readable for `inlen` bytes and outlives the call; `out`/`outlen` are
    // valid out-parameters.
    let r = unsafe { (cb.f)(ssl_ptr(ssl), &mut out, &mut outlen, offered.as_ptr(), inlen, cb.arg.as_ptr()) };
    match r {
        SSL_TLSEXT_ERR_OK if !out.is_null() && outlen > 0 => {
            // SAFETY: the callback points `out` at `outlen` readable bytes
            // (in `offered` or its own memory), valid at least until it
            // returns; we copy them at once.
            let chosen = unsafe { std::slice::from_raw_parts(out, usize::from(outlen)) };
            Outcome::Selected(chosen.to_vec())
        }
        SSL_TLSEXT_ERR_OK | SSL_TLSEXT_ERR_NOACK | SSL_TLSEXT_ERR_ALERT_WARNING => Outcome::NoAck,
        _ => Outcome::Fatal,
    }
}
