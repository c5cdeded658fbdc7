//! `SSL` entry points: creation, attributes, negotiated facts.

use super::handle::{self, ssl_into};
use super::types::*;
use super::{bytes, cstr};
use crate::consts::*;
use crate::entry;
use crate::libcrypto::reasons::*;
use crate::libcrypto::stack::{PtrStack, X509Stack};
use crate::tls::ciphers::{self, CipherInfo};
use crate::tls::error::Error;
use crate::tls::ssl::{HsState, Side, Ssl};
use openssl_sys::X509;
use rustls::ProtocolVersion;
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::sync::Arc;

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_new(ctx: *mut ssl_ctx_st) -> *mut ssl_st {
    entry!(SSL_new, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx_clone(ctx) }.map_err(|_| Error::ssl(SSL_R_NULL_SSL_CTX))?;
        let ssl = Arc::new(Ssl::new(c));
        let p = ssl_into(ssl.clone());
        ssl.ex_data.init(crate::libcrypto::HostPtr::from_ptr(p));
        Ok(p)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_free(s: *mut ssl_st) {
    entry!(SSL_free, {
        // SAFETY: the caller gives up its reference (NULL is a no-op).
        unsafe { handle::ssl_free(s) };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_up_ref(s: *mut ssl_st) -> c_int {
    entry!(SSL_up_ref, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl_up_ref(s) }?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_SSL_CTX(s: *const ssl_st) -> *mut ssl_ctx_st {
    // SAFETY: live handle per the caller; the ctx stays referenced by the SSL.
    entry!(SSL_get_SSL_CTX, { Ok(handle::ctx_ptr(&unsafe { handle::ssl(s) }?.ctx())) })
}

/// Switches the connection to another context (the SNI vhost switch).
/// Returns the new context; NULL `ctx` means the connection's initial one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_SSL_CTX(s: *mut ssl_st, ctx: *mut ssl_ctx_st) -> *mut ssl_ctx_st {
    entry!(SSL_set_SSL_CTX, {
        // SAFETY: live handles per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: a live handle from the C caller (NULL is refused).
        let new = if ctx.is_null() { ssl.lock().initial_ctx.clone() } else { unsafe { handle::ctx_clone(ctx) }? };
        let p = handle::ctx_ptr(&new);
        ssl.set_ctx(new);
        Ok(p)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_ex_data(s: *mut ssl_st, idx: c_int, data: *mut c_void) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_set_ex_data, { Ok(c_int::from(unsafe { handle::ssl(s) }?.ex_data.set(idx, crate::libcrypto::HostPtr::from_ptr(data)))) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_ex_data(s: *const ssl_st, idx: c_int) -> *mut c_void {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_ex_data, { Ok(unsafe { handle::ssl(s) }?.ex_data.get(idx)) })
}

#[unsafe(no_mangle)]
pub extern "C" fn SSL_get_ex_data_X509_STORE_CTX_idx() -> c_int {
    entry!(SSL_get_ex_data_X509_STORE_CTX_idx, fail = -1, { Ok(crate::libcrypto::verify::ssl_ex_index()) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_options(s: *mut ssl_st, op: u64) -> u64 {
    entry!(SSL_set_options, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let mut g = ssl.lock();
        g.options |= op;
        Ok(g.options)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_clear_options(s: *mut ssl_st, op: u64) -> u64 {
    entry!(SSL_clear_options, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let mut g = ssl.lock();
        g.options &= !op;
        Ok(g.options)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_options(s: *const ssl_st) -> u64 {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_options, { Ok(unsafe { handle::ssl(s) }?.lock().options) })
}

// ---- verification -----------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_verify(s: *mut ssl_st, mode: c_int, cb: VerifyCb) {
    entry!(SSL_set_verify, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let mut g = ssl.lock();
        g.verify.mode = mode;
        if cb.is_some() {
            g.verify.cb = cb;
        }
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_mode(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_verify_mode, { Ok(unsafe { handle::ssl(s) }?.lock().verify.mode) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_verify_depth(s: *mut ssl_st, depth: c_int) {
    entry!(SSL_set_verify_depth, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?.lock().verify.depth = depth;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_depth(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_verify_depth, fail = -1, { Ok(unsafe { handle::ssl(s) }?.lock().verify.depth) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_verify_result(s: *const ssl_st) -> c_long {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_verify_result, fail = X509_V_ERR_UNSPECIFIED, { Ok(unsafe { handle::ssl(s) }?.verify_result()) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_verify_result(s: *mut ssl_st, v: c_long) {
    entry!(SSL_set_verify_result, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?.set_verify_result(v);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_session_id_context(s: *mut ssl_st, sid_ctx: *const c_uchar, len: c_uint) -> c_int {
    entry!(SSL_set_session_id_context, {
        // SAFETY: live handle; `sid_ctx` readable for `len` bytes.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: the C caller's buffer is readable for the given length (NULL only with length 0).
        let b = unsafe { bytes(sid_ctx, len as usize) }?;
        if b.len() > SSL_MAX_SID_CTX_LENGTH {
            return Err(Error::ssl(SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG));
        }
        ssl.lock().sid_ctx = b.to_vec();
        Ok(1)
    })
}

// ---- names, ALPN, ciphers -------------------------------------------------------

/// Server: the SNI the client sent (valid for the connection's life).
/// Client: the name set with `SSL_set_tlsext_host_name`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_servername(s: *const ssl_st, typ: c_int) -> *const c_char {
    entry!(SSL_get_servername, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        if typ != TLSEXT_NAMETYPE_HOST_NAME {
            return Ok(std::ptr::null());
        }
        Ok(ssl.servername_cstr())
    })
}

/// Client ALPN list. Returns 0 on success (OpenSSL's inverted convention).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_alpn_protos(s: *mut ssl_st, protos: *const c_uchar, len: c_uint) -> c_int {
    entry!(SSL_set_alpn_protos, fail = 1, {
        // SAFETY: live handle; `protos` readable for `len` bytes.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: the C caller's buffer is readable for the given length (NULL only with length 0).
        let b = unsafe { bytes(protos, len as usize) }?;
        if crate::tls::config::parse_alpn_wire(b).iter().map(|p| p.len() + 1).sum::<usize>() != b.len() {
            return Err(Error::invalid_arg("malformed ALPN protocol list"));
        }
        ssl.lock().alpn_protos = Some(b.to_vec());
        Ok(0)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get0_alpn_selected(s: *const ssl_st, data: *mut *const c_uchar, len: *mut c_uint) {
    entry!(SSL_get0_alpn_selected, {
        // SAFETY: live handle; out-parameters valid or null.
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        let (p, n) = match &g.facts.alpn {
            Some(a) => (a.as_ptr(), a.len() as c_uint),
            None => (std::ptr::null(), 0),
        };
        // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
        unsafe {
            if !data.is_null() {
                *data = p;
            }
            if !len.is_null() {
                *len = n;
            }
        }
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_cipher_list(s: *mut ssl_st, str: *const c_char) -> c_int {
    entry!(SSL_set_cipher_list, {
        // SAFETY: live handle and C string per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let st = unsafe { cstr(str) }?;
        let list = ciphers::parse_cipher_list(st).map_err(|e| Error::ssl(SSL_R_NO_CIPHER_MATCH).with_detail(e.to_string()))?;
        let mut g = ssl.lock();
        if g.facts.state != HsState::Before {
            // The suites of a running connection cannot change (no
            // renegotiation): accept only a list that keeps the current one.
            if let Some(cur) = g.facts.cipher {
                if !cur.is_tls13() && !list.suites.iter().any(|c| std::ptr::eq(*c, cur)) {
                    return Err(Error::ssl(SSL_R_NO_RENEGOTIATION)
                        .with_detail("the negotiated cipher is not in the new list and renegotiation is not supported"));
                }
            }
        }
        g.cipher_list = Some(list.suites);
        g.handed.ciphers = None;
        Ok(1)
    })
}

fn cipher_stack(list: &[&'static CipherInfo]) -> Option<PtrStack> {
    let ptrs: Vec<*const c_void> = list.iter().map(|c| handle::cipher_ptr(c).cast()).collect();
    PtrStack::new(&ptrs)
}

/// The enabled suites (TLS 1.3 first, then the TLS 1.2 list), as a stack of
/// stable `SSL_CIPHER*` (pointer identity holds across calls).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_ciphers(s: *const ssl_st) -> *mut stack_st_SSL_CIPHER {
    entry!(SSL_get_ciphers, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let mut g = ssl.lock();
        if g.handed.ciphers.is_none() {
            let ctx = g.ctx.clone();
            let st = ctx.settings();
            let mut all: Vec<&'static CipherInfo> = st.tls13_suites.clone();
            all.extend(g.cipher_list.clone().unwrap_or_else(|| st.cipher_list.clone()));
            drop(st);
            g.handed.ciphers = cipher_stack(&all);
        }
        Ok(g.handed.ciphers.as_ref().map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut stack_st_SSL_CIPHER))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_current_cipher(s: *const ssl_st) -> *const ssl_cipher_st {
    entry!(SSL_get_current_cipher, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        Ok(ssl.lock().facts.cipher.map_or(std::ptr::null(), handle::cipher_ptr))
    })
}

fn version_name(v: Option<ProtocolVersion>) -> &'static std::ffi::CStr {
    match v {
        Some(ProtocolVersion::TLSv1_3) => c"TLSv1.3",
        Some(ProtocolVersion::TLSv1_2) => c"TLSv1.2",
        Some(_) => c"unknown",
        None => c"TLSv1.3",
    }
}

/// "TLSv1.2"/"TLSv1.3" (before the handshake, the highest enabled version,
/// as OpenSSL reports).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_version(s: *const ssl_st) -> *const c_char {
    entry!(SSL_get_version, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let v = ssl.lock().facts.version;
        Ok(version_name(v).as_ptr())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_version(s: *const ssl_st) -> c_int {
    entry!(SSL_version, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let v = ssl.lock().facts.version;
        Ok(match v {
            Some(ProtocolVersion::TLSv1_2) => TLS1_2_VERSION,
            Some(ProtocolVersion::TLSv1_3) | None => TLS1_3_VERSION,
            Some(o) => c_int::from(u16::from(o)),
        })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_is_server(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_is_server, { Ok(c_int::from(unsafe { handle::ssl(s) }?.side() != Some(Side::Client))) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_in_init(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_in_init, {
        // SAFETY: a live handle from the C caller (NULL is refused).
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        Ok(c_int::from(g.facts.state != HsState::Done || g.reneg_refused))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_is_init_finished(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_is_init_finished, {
        // SAFETY: a live handle from the C caller (NULL is refused).
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        Ok(c_int::from(g.facts.state == HsState::Done && !g.reneg_refused))
    })
}

// ---- peer certificates ------------------------------------------------------------

/// The peer's certificate, with a new reference (caller frees).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get1_peer_certificate(s: *const ssl_st) -> *mut X509 {
    entry!(SSL_get1_peer_certificate, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        Ok(g.facts.peer_chain.first().map_or(std::ptr::null_mut(), |c| c.clone().into_ptr()))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get0_peer_certificate(s: *const ssl_st) -> *mut X509 {
    entry!(SSL_get0_peer_certificate, {
        // SAFETY: live handle per the caller; owned by the connection.
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        Ok(g.facts.peer_chain.first().map_or(std::ptr::null_mut(), |c| c.as_ptr()))
    })
}

/// The chain the peer sent: on a server without the leaf, on a client with
/// it (OpenSSL's historical asymmetry).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_peer_cert_chain(s: *const ssl_st) -> *mut stack_st_X509 {
    entry!(SSL_get_peer_cert_chain, {
        // SAFETY: live handle per the caller; the stack stays owned by the SSL.
        let ssl = unsafe { handle::ssl(s) }?;
        let mut g = ssl.lock();
        if g.facts.peer_chain.is_empty() {
            return Ok(std::ptr::null_mut());
        }
        if g.handed.peer_chain.is_none() {
            let skip = usize::from(g.side != Some(Side::Client));
            let certs: Vec<_> = g.facts.peer_chain.iter().skip(skip).cloned().collect();
            g.handed.peer_chain = X509Stack::new(&certs);
        }
        Ok(g.handed.peer_chain.as_ref().map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut stack_st_X509))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get0_verified_chain(s: *const ssl_st) -> *mut stack_st_X509 {
    entry!(SSL_get0_verified_chain, {
        // SAFETY: live handle per the caller; the stack stays owned by the SSL.
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        Ok(g.handed.verified_chain.as_ref().map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut stack_st_X509))
    })
}

/// Server: the CA names we send; client: the names the server asked for.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_client_CA_list(s: *const ssl_st) -> *mut stack_st_X509_NAME {
    entry!(SSL_get_client_CA_list, {
        // SAFETY: live handle; the stack stays owned by the ctx or SSL.
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        if let Some(st) = &g.handed.client_ca {
            return Ok(st.as_ptr() as *mut stack_st_X509_NAME);
        }
        let ctx = g.ctx.clone();
        let st = ctx.settings();
        Ok(st.client_ca.as_ref().map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut stack_st_X509_NAME))
    })
}

/// An extension of the ClientHello, valid only inside the client hello
/// callback (as in OpenSSL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_client_hello_get0_ext(s: *mut ssl_st, typ: c_uint, out: *mut *const c_uchar, outlen: *mut usize) -> c_int {
    entry!(SSL_client_hello_get0_ext, {
        // SAFETY: live handle; out-parameters valid or null.
        let ssl = unsafe { handle::ssl(s) }?;
        let hello = ssl.lock().hello.clone();
        let Some(h) = hello else { return Ok(0) };
        let Ok(t) = u16::try_from(typ) else { return Ok(0) };
        let Some(e) = h.ext(t) else { return Ok(0) };
        // The pointer stays valid while the handshake runs: the hello is
        // kept alive by the connection until the handshake finishes.
        // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
        unsafe {
            if !out.is_null() {
                *out = e.as_ptr();
            }
            if !outlen.is_null() {
                *outlen = e.len();
            }
        }
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_quiet_shutdown(s: *mut ssl_st, mode: c_int) {
    entry!(SSL_set_quiet_shutdown, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?.lock().quiet_shutdown = mode != 0;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_info_callback(s: *mut ssl_st, cb: InfoCb) {
    entry!(SSL_set_info_callback, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?.lock().info_cb = cb;
        Ok(())
    })
}

// ---- strings for tracing ------------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_state_string_long(s: *const ssl_st) -> *const c_char {
    entry!(SSL_state_string_long, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        {
            let g = ssl.lock();
            if let Some(t) = &g.state_text {
                // Valid while the info callback that reads it runs.
                return Ok(t.as_ptr());
            }
        }
        Ok(match ssl.handshake_state() {
            HsState::Before => c"before SSL initialization",
            HsState::InHandshake => c"SSL negotiation in progress (rustls)",
            HsState::Done => c"SSL negotiation finished successfully",
            HsState::Failed => c"error",
        }
        .as_ptr())
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn SSL_alert_type_string_long(value: c_int) -> *const c_char {
    match value >> 8 {
        1 => c"warning",
        2 => c"fatal",
        _ => c"unknown",
    }
    .as_ptr()
}

#[unsafe(no_mangle)]
pub extern "C" fn SSL_alert_desc_string_long(value: c_int) -> *const c_char {
    match value & 0xff {
        0 => c"close notify",
        10 => c"unexpected_message",
        20 => c"bad record mac",
        21 => c"decryption failed",
        22 => c"record overflow",
        30 => c"decompression failure",
        40 => c"handshake failure",
        41 => c"no certificate",
        42 => c"bad certificate",
        43 => c"unsupported certificate",
        44 => c"certificate revoked",
        45 => c"certificate expired",
        46 => c"certificate unknown",
        47 => c"illegal parameter",
        48 => c"unknown CA",
        49 => c"access denied",
        50 => c"decode error",
        51 => c"decrypt error",
        60 => c"export restriction",
        70 => c"protocol version",
        71 => c"insufficient security",
        80 => c"internal error",
        86 => c"inappropriate fallback",
        90 => c"user canceled",
        100 => c"no renegotiation",
        109 => c"missing extension",
        110 => c"unsupported extension",
        111 => c"certificate unobtainable",
        112 => c"unrecognized name",
        113 => c"bad certificate status response",
        114 => c"bad certificate hash value",
        115 => c"unknown PSK identity",
        116 => c"certificate required",
        120 => c"no application protocol",
        _ => c"unknown",
    }
    .as_ptr()
}

/// `SSL_select_next_proto`: OpenSSL's NPN/ALPN helper (nginx uses it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_select_next_proto(
    out: *mut *mut c_uchar,
    outlen: *mut c_uchar,
    server: *const c_uchar,
    server_len: c_uint,
    client: *const c_uchar,
    client_len: c_uint,
) -> c_int {
    const OPENSSL_NPN_NEGOTIATED: c_int = 1;
    const OPENSSL_NPN_NO_OVERLAP: c_int = 2;
    entry!(SSL_select_next_proto, fail = OPENSSL_NPN_NO_OVERLAP, {
        if out.is_null() || outlen.is_null() {
            return Err(Error::null_arg());
        }
        // SAFETY: the buffers are readable for their lengths per the caller.
        let srv = unsafe { bytes(server, server_len as usize) }?;
        // SAFETY: the C caller's buffer is readable for the given length (NULL only with length 0).
        let cli = unsafe { bytes(client, client_len as usize) }?;
        let walk = |mut b: &[u8]| {
            let mut v = Vec::new();
            while let Some((&n, rest)) = b.split_first() {
                let n = usize::from(n);
                if n == 0 || rest.len() < n {
                    break;
                }
                v.push((b.as_ptr(), n));
                b = &rest[n..];
            }
            v
        };
        let cl = walk(cli);
        for (sp, sn) in walk(srv) {
            // SAFETY: each entry points into `srv` with its length.
            let sname = unsafe { std::slice::from_raw_parts(sp.add(1), sn) };
            // SAFETY: pointer arguments are valid per this entry point's C contract.
            if cl.iter().any(|(cp, cn)| *cn == sn && unsafe { std::slice::from_raw_parts(cp.add(1), *cn) } == sname) {
                // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
                unsafe {
                    *out = sp.add(1) as *mut c_uchar;
                    *outlen = sn as c_uchar;
                }
                return Ok(OPENSSL_NPN_NEGOTIATED);
            }
        }
        // No overlap: the client's first protocol (OpenSSL's fallback).
        if let Some((cp, cn)) = cl.first() {
            // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
            unsafe {
                *out = cp.add(1) as *mut c_uchar;
                *outlen = *cn as c_uchar;
            }
        } else {
            // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
            unsafe {
                *out = std::ptr::null_mut();
                *outlen = 0;
            }
        }
        Ok(OPENSSL_NPN_NO_OVERLAP)
    })
}
