//! `SSL_CTX_ctrl`, `SSL_ctrl` and `SSL_CTX_callback_ctrl`: the commands
//! behind OpenSSL's macros. Every command a known host sends is handled;
//! an unknown one returns 0 with an error on the queue naming it.

use super::handle;
use super::types::*;
use crate::consts::*;
use crate::entry;
use crate::libcrypto::reasons::*;
use crate::libcrypto::stack::{X509Stack, borrowed_x509s};
use crate::libcrypto::x509::X509;
use crate::libcrypto::HostPtr;
use crate::tls::cert::Certs;
use crate::tls::ctx::Ctx;
use crate::tls::error::Error;
use crate::tls::groups::{self, Lookup};
use crate::tls::log::warn_once;
use crate::tls::ssl::Ssl;
use openssl_sys::OPENSSL_STACK;
use std::ffi::{CStr, c_char, c_int, c_long, c_void};
use std::sync::Arc;

pub const SSL_CTRL_SET_TMP_DH: c_int = 3;
pub const SSL_CTRL_SET_TMP_ECDH: c_int = 4;
pub const SSL_CTRL_GET_NUM_RENEGOTIATIONS: c_int = 10;
pub const SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS: c_int = 11;
pub const SSL_CTRL_GET_TOTAL_RENEGOTIATIONS: c_int = 12;
pub const SSL_CTRL_EXTRA_CHAIN_CERT: c_int = 14;
pub const SSL_CTRL_SET_MSG_CALLBACK_ARG: c_int = 16;
pub const SSL_CTRL_SESS_NUMBER: c_int = 20;
pub const SSL_CTRL_SESS_TIMEOUTS: c_int = 30;
pub const SSL_CTRL_SESS_CACHE_FULL: c_int = 31;
pub const SSL_CTRL_MODE: c_int = 33;
pub const SSL_CTRL_GET_READ_AHEAD: c_int = 40;
pub const SSL_CTRL_SET_READ_AHEAD: c_int = 41;
pub const SSL_CTRL_SET_SESS_CACHE_SIZE: c_int = 42;
pub const SSL_CTRL_GET_SESS_CACHE_SIZE: c_int = 43;
pub const SSL_CTRL_SET_SESS_CACHE_MODE: c_int = 44;
pub const SSL_CTRL_GET_SESS_CACHE_MODE: c_int = 45;
pub const SSL_CTRL_SET_MAX_SEND_FRAGMENT: c_int = 52;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_CB: c_int = 53;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG: c_int = 54;
pub const SSL_CTRL_SET_TLSEXT_HOSTNAME: c_int = 55;
pub const SSL_CTRL_GET_TLSEXT_TICKET_KEYS: c_int = 58;
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEYS: c_int = 59;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB: c_int = 63;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG: c_int = 64;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE: c_int = 65;
pub const SSL_CTRL_GET_TLSEXT_STATUS_REQ_EXTS: c_int = 66;
pub const SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP: c_int = 70;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP: c_int = 71;
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB: c_int = 72;
pub const SSL_CTRL_GET_RI_SUPPORT: c_int = 76;
pub const SSL_CTRL_CLEAR_MODE: c_int = 78;
pub const SSL_CTRL_SET_NOT_RESUMABLE_SESS_CB: c_int = 79;
pub const SSL_CTRL_GET_EXTRA_CHAIN_CERTS: c_int = 82;
pub const SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS: c_int = 83;
pub const SSL_CTRL_CHAIN: c_int = 88;
pub const SSL_CTRL_CHAIN_CERT: c_int = 89;
pub const SSL_CTRL_GET_GROUPS: c_int = 90;
pub const SSL_CTRL_SET_GROUPS: c_int = 91;
pub const SSL_CTRL_SET_GROUPS_LIST: c_int = 92;
pub const SSL_CTRL_SET_SIGALGS_LIST: c_int = 98;
pub const SSL_CTRL_SET_CLIENT_SIGALGS_LIST: c_int = 102;
pub const SSL_CTRL_GET_RAW_CIPHERLIST: c_int = 110;
pub const SSL_CTRL_GET_CHAIN_CERTS: c_int = 115;
pub const SSL_CTRL_SELECT_CURRENT_CERT: c_int = 116;
pub const SSL_CTRL_SET_CURRENT_CERT: c_int = 117;
pub const SSL_CTRL_SET_DH_AUTO: c_int = 118;
pub const SSL_CTRL_SET_MIN_PROTO_VERSION: c_int = 123;
pub const SSL_CTRL_SET_MAX_PROTO_VERSION: c_int = 124;
pub const SSL_CTRL_SET_SPLIT_SEND_FRAGMENT: c_int = 125;
pub const SSL_CTRL_SET_MAX_PIPELINES: c_int = 126;
pub const SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE: c_int = 127;
pub const SSL_CTRL_GET_MIN_PROTO_VERSION: c_int = 130;
pub const SSL_CTRL_GET_MAX_PROTO_VERSION: c_int = 131;
pub const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;
pub const SSL_CERT_SET_FIRST: c_long = 1;
pub const SSL_CERT_SET_NEXT: c_long = 2;

fn unknown(cmd: c_int, what: &str) -> Error {
    Error::unsupported(format!("{what} command {cmd}"))
}

/// A protocol version as `SSL_set_min/max_proto_version` accepts it.
fn valid_version(v: c_long) -> bool {
    v == 0 || (c_long::from(SSL3_VERSION)..=c_long::from(TLS1_3_VERSION)).contains(&v)
}

fn set_groups_nids(nids: &[c_int]) -> Result<Vec<rustls::NamedGroup>, Error> {
    let mut out = Vec::new();
    for n in nids {
        match groups::by_nid(*n) {
            Lookup::Supported(g) => out.push(g),
            Lookup::Unsupported(w) => warn_once(&format!("key exchange group {w} ignored: not supported by rustls")),
            Lookup::Unknown => return Err(Error::ssl(SSL_R_UNSUPPORTED_ELLIPTIC_CURVE).with_detail(format!("group NID {n}"))),
        }
    }
    if out.is_empty() {
        return Err(Error::ssl(SSL_R_NO_SHARED_GROUPS).with_detail("no supported group left"));
    }
    Ok(out)
}

fn set_groups_list(list: &str) -> Result<Vec<rustls::NamedGroup>, Error> {
    let (g, warns) = groups::parse_list(list).map_err(|e| Error::ssl(SSL_R_UNSUPPORTED_ELLIPTIC_CURVE).with_detail(e))?;
    for w in warns {
        warn_once(&w);
    }
    Ok(g)
}

/// Commands on a certificate set (shared by CTX and SSL).
///
/// # Safety
/// `parg` is what the command's macro passes.
unsafe fn cert_ctrl(certs: &mut Certs, cmd: c_int, larg: c_long, parg: *mut c_void) -> Result<c_long, Error> {
    match cmd {
        SSL_CTRL_CHAIN => {
            // larg 0: set0 (take ownership), 1: set1 (our own references).
            let chain = if parg.is_null() {
                Vec::new()
            } else if larg == 0 {
                // SAFETY: a STACK_OF(X509) whose ownership moves to us.
                let st = unsafe { X509Stack::from_owned(parg as *mut OPENSSL_STACK) };
                st.map(|s| s.to_vec()).unwrap_or_default()
            } else {
                // SAFETY: a borrowed STACK_OF(X509).
                unsafe { borrowed_x509s(parg as *const OPENSSL_STACK) }
            };
            let slot = certs.current_mut().ok_or_else(|| Error::ssl(SSL_R_NO_CERTIFICATE_SET))?;
            slot.chain = chain;
            Ok(1)
        }
        SSL_CTRL_CHAIN_CERT => {
            // SAFETY: an X509*; add0 moves the caller's reference, add1 adds one.
            let x = if larg == 0 { unsafe { X509::from_owned(parg.cast()) } } else { unsafe { X509::from_borrowed(parg.cast()) } };
            let x = x.ok_or_else(Error::null_arg)?;
            let slot = certs.current_mut().ok_or_else(|| Error::ssl(SSL_R_NO_CERTIFICATE_SET))?;
            slot.chain.push(x);
            Ok(1)
        }
        SSL_CTRL_SET_CURRENT_CERT => match larg {
            SSL_CERT_SET_FIRST => Ok(c_long::from(certs.set_current(true))),
            SSL_CERT_SET_NEXT => Ok(c_long::from(certs.set_current(false))),
            _ => Ok(0),
        },
        SSL_CTRL_SELECT_CURRENT_CERT => {
            // SAFETY: a borrowed X509*.
            let x = unsafe { X509::from_borrowed(parg.cast()) }.ok_or_else(Error::null_arg)?;
            for i in 0..certs.slots.len() {
                if certs.slots[i].cert.as_ref() == Some(&x) {
                    certs.current = Some(i);
                    return Ok(1);
                }
            }
            Ok(0)
        }
        _ => Err(unknown(cmd, "certificate")),
    }
}

fn ctx_ctrl(ctx: &Arc<Ctx>, cmd: c_int, larg: c_long, parg: *mut c_void) -> Result<c_long, Error> {
    match cmd {
        SSL_CTRL_EXTRA_CHAIN_CERT => {
            // SAFETY: the X509 reference moves to the context on success.
            let x = unsafe { X509::from_owned(parg.cast()) }.ok_or_else(Error::null_arg)?;
            ctx.update(|s| s.certs.extra_chain.push(x));
            Ok(1)
        }
        SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS => {
            ctx.update(|s| s.certs.extra_chain.clear());
            Ok(1)
        }
        SSL_CTRL_GET_EXTRA_CHAIN_CERTS => {
            if parg.is_null() {
                return Err(Error::null_arg());
            }
            let certs = {
                let s = ctx.settings();
                if s.certs.extra_chain.is_empty() && larg == 0 {
                    s.certs.current().map(|sl| sl.chain.clone()).unwrap_or_default()
                } else {
                    s.certs.extra_chain.clone()
                }
            };
            let mut handed = ctx.handed_out.lock().unwrap_or_else(|e| e.into_inner());
            *handed = if certs.is_empty() { None } else { X509Stack::new(&certs) };
            let p = handed.as_ref().map_or(std::ptr::null_mut(), |s| s.as_ptr());
            // SAFETY: `parg` is a STACK_OF(X509)** out-parameter.
            unsafe { *(parg as *mut *mut OPENSSL_STACK) = p };
            Ok(1)
        }
        SSL_CTRL_CHAIN | SSL_CTRL_CHAIN_CERT | SSL_CTRL_SET_CURRENT_CERT | SSL_CTRL_SELECT_CURRENT_CERT => {
            let mut r = Ok(0);
            // SAFETY: parg is what the command's macro passes.
            ctx.update(|s| r = unsafe { cert_ctrl(&mut s.certs, cmd, larg, parg) });
            r
        }
        SSL_CTRL_MODE => Ok(c_long::from(ctx.update(|s| {
            s.mode |= larg as u32;
            s.mode
        }))),
        SSL_CTRL_CLEAR_MODE => Ok(c_long::from(ctx.update(|s| {
            s.mode &= !(larg as u32);
            s.mode
        }))),
        SSL_CTRL_SET_MIN_PROTO_VERSION | SSL_CTRL_SET_MAX_PROTO_VERSION => {
            if !valid_version(larg) {
                return Ok(0);
            }
            ctx.update(|s| {
                if cmd == SSL_CTRL_SET_MIN_PROTO_VERSION { s.min_version = larg as c_int } else { s.max_version = larg as c_int }
            });
            Ok(1)
        }
        SSL_CTRL_GET_MIN_PROTO_VERSION => Ok(c_long::from(ctx.settings().min_version)),
        SSL_CTRL_GET_MAX_PROTO_VERSION => Ok(c_long::from(ctx.settings().max_version)),
        SSL_CTRL_SET_SESS_CACHE_MODE => Ok(ctx.update(|s| std::mem::replace(&mut s.sess_cache_mode, larg))),
        SSL_CTRL_GET_SESS_CACHE_MODE => Ok(ctx.settings().sess_cache_mode),
        SSL_CTRL_SET_SESS_CACHE_SIZE => Ok(20 * 1024),
        SSL_CTRL_GET_SESS_CACHE_SIZE => Ok(20 * 1024),
        SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG => {
            ctx.update(|s| s.cbs.servername_arg = HostPtr::from_ptr(parg));
            Ok(1)
        }
        SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG => {
            ctx.update(|s| s.cbs.status_arg = HostPtr::from_ptr(parg));
            Ok(1)
        }
        SSL_CTRL_SET_MSG_CALLBACK_ARG => {
            ctx.update(|s| s.cbs.msg_arg = HostPtr::from_ptr(parg));
            Ok(1)
        }
        SSL_CTRL_SET_GROUPS => {
            let n = usize::try_from(larg).map_err(|_| Error::invalid_arg("negative group count"))?;
            // SAFETY: `parg` is an int array of `larg` NIDs.
            let nids = unsafe { super::bytes(parg as *const u8, n * std::mem::size_of::<c_int>()) }?;
            let nids: Vec<c_int> = nids.chunks_exact(4).map(|c| c_int::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
            let g = set_groups_nids(&nids)?;
            ctx.update(|s| s.groups = Some(g));
            Ok(1)
        }
        SSL_CTRL_SET_GROUPS_LIST => {
            // SAFETY: a C string per the macro.
            let list = unsafe { super::cstr(parg as *const c_char) }?;
            let g = set_groups_list(list)?;
            ctx.update(|s| s.groups = Some(g));
            Ok(1)
        }
        SSL_CTRL_SET_SIGALGS_LIST | SSL_CTRL_SET_CLIENT_SIGALGS_LIST => {
            // SAFETY: a C string per the macro.
            let list = unsafe { super::cstr(parg as *const c_char) }?;
            let l = crate::tls::sigalgs::parse_list(list).map_err(|e| Error::ssl(SSL_R_BAD_VALUE).with_detail(e))?;
            ctx.update(|s| if cmd == SSL_CTRL_SET_SIGALGS_LIST { s.sigalgs = Some(l) } else { s.client_sigalgs = Some(l) });
            Ok(1)
        }
        // DH parameters and ECDH curves: rustls has no FFDHE and picks ECDHE
        // groups itself; accepting these cannot weaken anything.
        SSL_CTRL_SET_DH_AUTO | SSL_CTRL_SET_TMP_ECDH => Ok(1),
        SSL_CTRL_SET_TMP_DH => {
            crate::tls::log::dh_params_ignored();
            Ok(1)
        }
        SSL_CTRL_GET_READ_AHEAD => Ok(c_long::from(ctx.settings().read_ahead)),
        SSL_CTRL_SET_READ_AHEAD => Ok(c_long::from(ctx.update(|s| std::mem::replace(&mut s.read_ahead, larg != 0)))),
        SSL_CTRL_SET_MAX_SEND_FRAGMENT | SSL_CTRL_SET_SPLIT_SEND_FRAGMENT | SSL_CTRL_SET_MAX_PIPELINES => Ok(1),
        c if (SSL_CTRL_SESS_NUMBER..=SSL_CTRL_SESS_CACHE_FULL).contains(&c) => Ok(0),
        SSL_CTRL_SET_TLSEXT_TICKET_KEYS | SSL_CTRL_GET_TLSEXT_TICKET_KEYS => {
            Err(Error::unsupported("raw session ticket keys (SSL_CTX_set_tlsext_ticket_keys); use the ticket key callback"))
        }
        _ => Err(unknown(cmd, "SSL_CTX_ctrl")),
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_ctrl(ctx: *mut ssl_ctx_st, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    entry!(SSL_CTX_ctrl, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        ctx_ctrl(&c, cmd, larg, parg)
    })
}

fn ssl_ctrl(ssl: &Arc<Ssl>, cmd: c_int, larg: c_long, parg: *mut c_void) -> Result<c_long, Error> {
    match cmd {
        SSL_CTRL_SET_TLSEXT_HOSTNAME => {
            if larg != c_long::from(TLSEXT_NAMETYPE_HOST_NAME) {
                return Err(Error::ssl(SSL_R_UNSUPPORTED_SSL_VERSION).with_detail("only host_name SNI"));
            }
            if parg.is_null() {
                ssl.set_servername(None)?;
                return Ok(1);
            }
            // SAFETY: a C string per the macro.
            let name = unsafe { CStr::from_ptr(parg as *const c_char) };
            let n = name.to_str().map_err(|_| Error::ssl(SSL_R_SSL3_EXT_INVALID_SERVERNAME))?;
            if n.is_empty() || n.len() > 255 {
                return Err(Error::ssl(SSL_R_SSL3_EXT_INVALID_SERVERNAME));
            }
            ssl.set_servername(Some(n))?;
            Ok(1)
        }
        SSL_CTRL_GET_NUM_RENEGOTIATIONS | SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS | SSL_CTRL_GET_TOTAL_RENEGOTIATIONS => Ok(0),
        SSL_CTRL_GET_RI_SUPPORT => Ok(c_long::from(ssl.lock().peer_secure_reneg)),
        SSL_CTRL_GET_TLSEXT_STATUS_REQ_EXTS => {
            // The OCSP request extensions of the client's status_request
            // (a nonce, say), which mod_ssl copies into its OCSP request;
            // the stack stays owned by the connection, as in libssl.
            let exts = ssl.ocsp_request_extensions();
            if !parg.is_null() {
                // SAFETY: a STACK_OF(X509_EXTENSION)** out-parameter.
                unsafe { *(parg as *mut *mut c_void) = exts.cast() };
            }
            Ok(1)
        }
        SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP => {
            // Ownership of an OPENSSL_malloc'ed buffer passes to us.
            let resp = if parg.is_null() || larg <= 0 {
                None
            } else {
                // SAFETY: `parg` is readable for `larg` bytes; we free it
                // with libcrypto's allocator, as libssl does.
                unsafe {
                    let v = std::slice::from_raw_parts(parg as *const u8, larg as usize).to_vec();
                    openssl_sys::CRYPTO_free(parg, c"sslshim".as_ptr(), 0);
                    Some(v)
                }
            };
            ssl.lock().ocsp_response = resp;
            Ok(1)
        }
        SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP => {
            let g = ssl.lock();
            match (&g.ocsp_response, parg.is_null()) {
                (Some(r), false) => {
                    // SAFETY: an `unsigned char **` out-parameter; the buffer
                    // stays owned by the connection.
                    unsafe { *(parg as *mut *const u8) = r.as_ptr() };
                    Ok(r.len() as c_long)
                }
                _ => Ok(-1),
            }
        }
        SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE => {
            ssl.lock().status_type = larg as c_int;
            Ok(1)
        }
        SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE => Ok(c_long::from(ssl.lock().status_type)),
        SSL_CTRL_MODE => {
            let mut g = ssl.lock();
            g.mode |= larg as u32;
            Ok(c_long::from(g.mode))
        }
        SSL_CTRL_CLEAR_MODE => {
            let mut g = ssl.lock();
            g.mode &= !(larg as u32);
            Ok(c_long::from(g.mode))
        }
        SSL_CTRL_SET_MIN_PROTO_VERSION | SSL_CTRL_SET_MAX_PROTO_VERSION => {
            if !valid_version(larg) {
                return Ok(0);
            }
            let mut g = ssl.lock();
            if cmd == SSL_CTRL_SET_MIN_PROTO_VERSION { g.min_version = larg as c_int } else { g.max_version = larg as c_int }
            Ok(1)
        }
        SSL_CTRL_GET_MIN_PROTO_VERSION => Ok(c_long::from(ssl.lock().min_version)),
        SSL_CTRL_GET_MAX_PROTO_VERSION => Ok(c_long::from(ssl.lock().max_version)),
        SSL_CTRL_CHAIN | SSL_CTRL_CHAIN_CERT | SSL_CTRL_SET_CURRENT_CERT | SSL_CTRL_SELECT_CURRENT_CERT => {
            let mut certs = {
                let g = ssl.lock();
                g.own_certs.clone().unwrap_or_else(|| g.ctx.settings().certs.clone())
            };
            // SAFETY: parg is what the command's macro passes.
            let r = unsafe { cert_ctrl(&mut certs, cmd, larg, parg) }?;
            ssl.lock().own_certs = Some(certs);
            ssl.invalidate_own_keys();
            Ok(r)
        }
        SSL_CTRL_GET_NEGOTIATED_GROUP => Ok(c_long::from(ssl.lock().facts.group.map_or(0, groups::nid))),
        SSL_CTRL_GET_GROUPS | SSL_CTRL_GET_RAW_CIPHERLIST => Ok(0),
        SSL_CTRL_SET_MSG_CALLBACK_ARG | SSL_CTRL_SET_MAX_SEND_FRAGMENT | SSL_CTRL_SET_SPLIT_SEND_FRAGMENT | SSL_CTRL_SET_MAX_PIPELINES => Ok(1),
        SSL_CTRL_GET_READ_AHEAD => Ok(c_long::from(ssl.lock().read_ahead)),
        SSL_CTRL_SET_READ_AHEAD => {
            let mut g = ssl.lock();
            Ok(c_long::from(std::mem::replace(&mut g.read_ahead, larg != 0)))
        }
        SSL_CTRL_SET_DH_AUTO | SSL_CTRL_SET_TMP_ECDH => Ok(1),
        SSL_CTRL_SET_TMP_DH => {
            crate::tls::log::dh_params_ignored();
            Ok(1)
        }
        SSL_CTRL_SET_GROUPS_LIST | SSL_CTRL_SET_GROUPS => {
            Err(Error::unsupported("per-connection key exchange groups (set them on the SSL_CTX)"))
        }
        _ => Err(unknown(cmd, "SSL_ctrl")),
    }
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_ctrl(s: *mut ssl_st, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    entry!(SSL_ctrl, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        ssl_ctrl(&ssl, cmd, larg, parg)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_callback_ctrl(ctx: *mut ssl_ctx_st, cmd: c_int, fp: GenericCb) -> c_long {
    entry!(SSL_CTX_callback_ctrl, {
        // SAFETY: live handle per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        match cmd {
            SSL_CTRL_SET_TLSEXT_SERVERNAME_CB => {
                // SAFETY: OpenSSL's contract for this command: `fp` is an
                // `int (*)(SSL *, int *, void *)` cast to `void (*)(void)`.
                let cb = fp.map(|f| unsafe { std::mem::transmute::<GenericFn, ServernameFn>(f) });
                c.update(|s| s.cbs.servername = cb);
                Ok(1)
            }
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB => {
                // SAFETY: as above, `int (*)(SSL *, void *)`.
                let cb = fp.map(|f| unsafe { std::mem::transmute::<GenericFn, StatusFn>(f) });
                c.update(|s| s.cbs.status = cb);
                Ok(1)
            }
            SSL_CTRL_SET_NOT_RESUMABLE_SESS_CB => Ok(1),
            SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB => {
                // SAFETY: as above, `int (*)(SSL *, unsigned char *,
                // unsigned char *, EVP_CIPHER_CTX *, HMAC_CTX *, int)`.
                let cb = fp.map(|f| unsafe { std::mem::transmute::<GenericFn, crate::ffi::types::TicketKeyHmacFn>(f) });
                c.update(|s| s.cbs.ticket_key_hmac = cb);
                Ok(1)
            }
            _ => Err(unknown(cmd, "SSL_CTX_callback_ctrl")),
        }
    })
}
