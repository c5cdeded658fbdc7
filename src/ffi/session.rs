//! `SSL_SESSION` entry points.

use super::handle::{self, session_into};
use super::types::*;
use crate::entry;
use crate::tls::error::Error;
use crate::tls::session::{self, Session};
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint};
use std::sync::Arc;

/// Hands a new session to C (one reference) with its ex_data set up.
pub fn hand_out(s: Arc<Session>) -> *mut ssl_session_st {
    let p = session_into(s.clone());
    s.ex_data.init(crate::libcrypto::HostPtr::from_ptr(p));
    p
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_free(s: *mut ssl_session_st) {
    entry!(SSL_SESSION_free, {
        // SAFETY: the caller gives up its reference (NULL is a no-op).
        unsafe { handle::session_free(s) };
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_up_ref(s: *mut ssl_session_st) -> c_int {
    entry!(SSL_SESSION_up_ref, {
        // SAFETY: live handle per the caller.
        unsafe { handle::session_up_ref(s) }?;
        Ok(1)
    })
}

/// The session ID; the pointer stays valid while the session lives.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_id(s: *const ssl_session_st, len: *mut c_uint) -> *const c_uchar {
    entry!(SSL_SESSION_get_id, {
        // SAFETY: live handle; `len` valid or null.
        let sess = unsafe { handle::session(s) }?;
        let (p, n) = sess.id_ptr();
        if !len.is_null() {
            // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
            unsafe { *len = n as c_uint };
        }
        Ok(p)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_time(s: *const ssl_session_st) -> c_long {
    // SAFETY: live handle per the caller.
    entry!(SSL_SESSION_get_time, { Ok(unsafe { handle::session(s) }?.with(|m| m.time) as c_long) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_timeout(s: *const ssl_session_st) -> c_long {
    // SAFETY: live handle per the caller.
    entry!(SSL_SESSION_get_timeout, { Ok(unsafe { handle::session(s) }?.with(|m| m.timeout) as c_long) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_set_timeout(s: *mut ssl_session_st, t: c_long) -> c_long {
    entry!(SSL_SESSION_set_timeout, {
        // SAFETY: live handle per the caller.
        let sess = unsafe { handle::session(s) }?;
        if t < 0 {
            return Err(Error::invalid_arg("negative timeout"));
        }
        sess.with(|m| m.timeout = t);
        Ok(1)
    })
}

/// No compression method is ever used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get_compress_id(s: *const ssl_session_st) -> c_uint {
    entry!(SSL_SESSION_get_compress_id, {
        // SAFETY: live handle per the caller.
        unsafe { handle::session(s) }?;
        Ok(0)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_get0_hostname(s: *const ssl_session_st) -> *const c_char {
    // SAFETY: live handle per the caller.
    entry!(SSL_SESSION_get0_hostname, { Ok(unsafe { handle::session(s) }?.hostname_ptr()) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_SESSION_is_resumable(s: *const ssl_session_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_SESSION_is_resumable, { Ok(c_int::from(unsafe { handle::session(s) }?.is_resumable())) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_session(s: *const ssl_st) -> *mut ssl_session_st {
    entry!(SSL_get_session, {
        // SAFETY: live handle; the session stays referenced by the SSL.
        let ssl = unsafe { handle::ssl(s) }?;
        Ok(ssl.session().map_or(std::ptr::null_mut(), |s| handle::session_ptr(&s)))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get1_session(s: *mut ssl_st) -> *mut ssl_session_st {
    entry!(SSL_get1_session, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        Ok(ssl.session().map_or(std::ptr::null_mut(), session_into))
    })
}

/// Client side: offers a session for resumption in the next handshake, as
/// OpenSSL does (and only then: a client that never calls this never
/// resumes). Sessions come from `SSL_get1_session` or the new-session
/// callback with `SSL_SESS_CACHE_CLIENT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_session(s: *mut ssl_st, sess: *mut ssl_session_st) -> c_int {
    entry!(SSL_set_session, {
        // SAFETY: live handles per the caller (the session is borrowed).
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: a live handle from the C caller (NULL is refused).
        let sess = if sess.is_null() { None } else { Some(unsafe { handle::session_clone(sess) }?) };
        ssl.set_session(sess);
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_session_reused(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_session_reused, { Ok(c_int::from(unsafe { handle::ssl(s) }?.lock().facts.resumed)) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_remove_session(ctx: *mut ssl_ctx_st, sess: *mut ssl_session_st) -> c_int {
    entry!(SSL_CTX_remove_session, {
        // SAFETY: live handles per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a live handle from the C caller (NULL is refused).
        let s = unsafe { handle::session(sess) }?;
        Ok(c_int::from(crate::callbacks::session::remove_from_internal(&c, &s)))
    })
}

/// Encodes a session; with `pp` NULL returns the length only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn i2d_SSL_SESSION(s: *const ssl_session_st, pp: *mut *mut c_uchar) -> c_int {
    entry!(i2d_SSL_SESSION, {
        // SAFETY: live handle; `*pp` (if given) has room for the encoding,
        // as the i2d convention requires (callers size it with a NULL call).
        let sess = unsafe { handle::session(s) }?;
        let enc = sess.encode();
        let n = c_int::try_from(enc.len()).map_err(|_| Error::internal("session too large"))?;
        if !pp.is_null() {
            // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
            unsafe {
                if (*pp).is_null() {
                    return Err(Error::null_arg());
                }
                std::ptr::copy_nonoverlapping(enc.as_ptr(), *pp, enc.len());
                *pp = (*pp).add(enc.len());
            }
        }
        Ok(n)
    })
}

/// Decodes a session; a blob that is not ours or is damaged gives NULL
/// (mod_ssl treats that as a cache miss).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn d2i_SSL_SESSION(a: *mut *mut ssl_session_st, pp: *mut *const c_uchar, length: c_long) -> *mut ssl_session_st {
    entry!(d2i_SSL_SESSION, {
        if pp.is_null() || length < 0 {
            return Err(Error::null_arg());
        }
        // SAFETY: `*pp` is readable for `length` bytes per the caller.
        let data = unsafe { super::bytes(*pp, length as usize) }?;
        let meta = session::decode(data).ok_or_else(|| Error::ssl(crate::libcrypto::reasons::SSL_R_BAD_DATA).with_detail("not an sslshim session"))?;
        let p = hand_out(Arc::new(Session::new(meta)));
        // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
        unsafe {
            *pp = (*pp).add(length as usize);
            if !a.is_null() {
                handle::session_free(*a);
                *a = p;
            }
        }
        Ok(p)
    })
}
