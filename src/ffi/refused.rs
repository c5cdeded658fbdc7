//! Entry points for features rustls does not have. Each returns the
//! failure value OpenSSL documents and puts a clear error on the queue;
//! none pretends to succeed where security depends on it.

use super::handle;
use super::types::*;
use crate::entry;
use crate::libcrypto::reasons::*;
use crate::tls::error::Error;
use crate::tls::log::warn_once;
use openssl_sys::BIGNUM;
use std::ffi::{c_char, c_int, c_void};

/// Renegotiation does not exist in rustls. Returns 0 and marks the
/// connection so that the handshake mod_ssl then drives fails visibly
/// (`SSL_do_handshake` < 0, `SSL_is_init_finished` 0): a per-directory
/// `SSLVerifyClient` that needs it gets 403, never the resource.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_renegotiate(s: *mut ssl_st) -> c_int {
    entry!(SSL_renegotiate, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        ssl.lock().reneg_refused = true;
        Err(Error::ssl(SSL_R_NO_RENEGOTIATION)
            .with_detail("TLS renegotiation is not supported by sslshim (rustls); configure client authentication at the virtual host level"))
    })
}

/// TLS 1.3 post-handshake authentication does not exist in rustls.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_verify_client_post_handshake(s: *mut ssl_st) -> c_int {
    entry!(SSL_verify_client_post_handshake, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?;
        Err(Error::ssl(SSL_R_EXTENSION_NOT_RECEIVED).with_detail(
            "TLS 1.3 post-handshake client authentication is not supported by sslshim (rustls); configure SSLVerifyClient at the virtual host level",
        ))
    })
}

const SRP: &str = "SRP (SSLSRPVerifierFile) is not supported by sslshim (rustls): SRP logins cannot succeed";

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_username_callback(ctx: *mut ssl_ctx_st, _cb: SrpUsernameCb) -> c_int {
    entry!(SSL_CTX_set_srp_username_callback, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?;
        warn_once(SRP);
        Err(Error::unsupported("SRP"))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_cb_arg(ctx: *mut ssl_ctx_st, _arg: *mut c_void) -> c_int {
    entry!(SSL_CTX_set_srp_cb_arg, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?;
        warn_once(SRP);
        Err(Error::unsupported("SRP"))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_username(ctx: *mut ssl_ctx_st, _name: *mut c_char) -> c_int {
    entry!(SSL_CTX_set_srp_username, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?;
        Err(Error::unsupported("SRP"))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_set_srp_password(ctx: *mut ssl_ctx_st, _password: *mut c_char) -> c_int {
    entry!(SSL_CTX_set_srp_password, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?;
        Err(Error::unsupported("SRP"))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_srp_server_param(
    s: *mut ssl_st,
    _n: *const BIGNUM,
    _g: *const BIGNUM,
    _sa: *mut BIGNUM,
    _v: *mut BIGNUM,
    _info: *mut c_char,
) -> c_int {
    entry!(SSL_set_srp_server_param, fail = -1, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?;
        Err(Error::unsupported("SRP"))
    })
}

/// No SRP session can exist: NULL, without an error (mod_ssl asks on every
/// request and NULL is the truthful answer).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_srp_username(s: *mut ssl_st) -> *mut c_char {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_srp_username, {
        // SAFETY: a live handle from the C caller (NULL is refused).
        unsafe { handle::ssl(s) }?;
        Ok(std::ptr::null_mut())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_srp_userinfo(s: *mut ssl_st) -> *mut c_char {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_srp_userinfo, {
        // SAFETY: a live handle from the C caller (NULL is refused).
        unsafe { handle::ssl(s) }?;
        Ok(std::ptr::null_mut())
    })
}

/// Kernel TLS sendfile needs kTLS, which rustls does not drive for us.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_sendfile(s: *mut ssl_st, _fd: c_int, _offset: libc::off_t, _size: usize, _flags: c_int) -> isize {
    entry!(SSL_sendfile, fail = -1, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?;
        Err(Error::unsupported("SSL_sendfile (kernel TLS)"))
    })
}

/// SSL_READ_EARLY_DATA_ERROR = 0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_read_early_data(s: *mut ssl_st, _buf: *mut c_void, _num: usize, readbytes: *mut usize) -> c_int {
    entry!(SSL_read_early_data, {
        // SAFETY: live handle; out-parameter valid or null.
        unsafe { handle::ssl(s) }?;
        if !readbytes.is_null() {
            // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
            unsafe { *readbytes = 0 };
        }
        Err(Error::unsupported("TLS 1.3 early data (0-RTT)"))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_write_early_data(s: *mut ssl_st, _buf: *const c_void, _num: usize, written: *mut usize) -> c_int {
    entry!(SSL_write_early_data, {
        // SAFETY: live handle; out-parameter valid or null.
        unsafe { handle::ssl(s) }?;
        if !written.is_null() {
            // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
            unsafe { *written = 0 };
        }
        Err(Error::unsupported("TLS 1.3 early data (0-RTT)"))
    })
}
