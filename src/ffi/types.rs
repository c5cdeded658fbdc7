//! C-facing types: opaque handles named after OpenSSL's struct tags (so the
//! generated header's prototypes are compatible with <openssl/ssl.h>'s
//! typedefs) and the callback function-pointer types.
#![allow(non_camel_case_types)]

use openssl_sys::{EVP_CIPHER_CTX, EVP_PKEY, X509, X509_STORE_CTX};
use std::ffi::{c_char, c_int, c_uchar, c_uint, c_void};

// Opaque handles, spelled out (cbindgen does not expand macros).
/// `SSL`: an `Arc<tls::ssl::Ssl>` handed out with `Arc::into_raw`.
pub struct ssl_st {
    _private: [u8; 0],
}

/// `SSL_CTX`: an `Arc<tls::ctx::Ctx>`.
pub struct ssl_ctx_st {
    _private: [u8; 0],
}

/// `SSL_METHOD`: a static.
pub struct ssl_method_st {
    _private: [u8; 0],
}

/// `SSL_SESSION`: an `Arc<tls::session::Session>`.
pub struct ssl_session_st {
    _private: [u8; 0],
}

/// `SSL_CIPHER`: a static `tls::ciphers::CipherInfo`.
pub struct ssl_cipher_st {
    _private: [u8; 0],
}

/// `SSL_CONF_CTX`: a `Box<tls::conf::ConfCtx>`.
pub struct ssl_conf_ctx_st {
    _private: [u8; 0],
}

/// `SSL_COMP` (never instantiated: no compression).
pub struct ssl_comp_st {
    _private: [u8; 0],
}

/// `STACK_OF(X509)`.
pub struct stack_st_X509 {
    _private: [u8; 0],
}

/// `STACK_OF(X509_NAME)`.
pub struct stack_st_X509_NAME {
    _private: [u8; 0],
}

/// `STACK_OF(SSL_CIPHER)`.
pub struct stack_st_SSL_CIPHER {
    _private: [u8; 0],
}

/// `STACK_OF(SSL_COMP)`.
pub struct stack_st_SSL_COMP {
    _private: [u8; 0],
}

/// `EVP_MAC_CTX` (libcrypto; not in openssl-sys).
pub struct evp_mac_ctx_st {
    _private: [u8; 0],
}

// Callback types: `XxxFn` is the non-null function pointer we store and
// call; `XxxCb` is the nullable C parameter type (cbindgen writes it as a
// function-pointer typedef).
/// SSL_verify_cb
pub type VerifyFn = unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int;
/// SSL_verify_cb, nullable.
pub type VerifyCb = Option<unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int>;

/// servername callback (`SSL_CTRL_SET_TLSEXT_SERVERNAME_CB`)
pub type ServernameFn = unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int;
/// servername callback (`SSL_CTRL_SET_TLSEXT_SERVERNAME_CB`), nullable.
pub type ServernameCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int>;

/// `SSL_client_hello_cb_fn`
pub type ClientHelloFn = unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int;
/// `SSL_client_hello_cb_fn`, nullable.
pub type ClientHelloCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int>;

/// ALPN select callback
pub type AlpnSelectFn = unsafe extern "C" fn(*mut ssl_st, *mut *const c_uchar, *mut c_uchar, *const c_uchar, c_uint, *mut c_void) -> c_int;
/// ALPN select callback, nullable.
pub type AlpnSelectCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut *const c_uchar, *mut c_uchar, *const c_uchar, c_uint, *mut c_void) -> c_int>;

/// info callback
pub type InfoFn = unsafe extern "C" fn(*const ssl_st, c_int, c_int);
/// info callback, nullable.
pub type InfoCb = Option<unsafe extern "C" fn(*const ssl_st, c_int, c_int)>;

/// `SSL_CTX_keylog_cb_func`
pub type KeylogFn = unsafe extern "C" fn(*const ssl_st, *const c_char);
/// `SSL_CTX_keylog_cb_func`, nullable.
pub type KeylogCb = Option<unsafe extern "C" fn(*const ssl_st, *const c_char)>;

/// new session callback
pub type NewSessionFn = unsafe extern "C" fn(*mut ssl_st, *mut ssl_session_st) -> c_int;
/// new session callback, nullable.
pub type NewSessionCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut ssl_session_st) -> c_int>;

/// get session callback
pub type GetSessionFn = unsafe extern "C" fn(*mut ssl_st, *const c_uchar, c_int, *mut c_int) -> *mut ssl_session_st;
/// get session callback, nullable.
pub type GetSessionCb = Option<unsafe extern "C" fn(*mut ssl_st, *const c_uchar, c_int, *mut c_int) -> *mut ssl_session_st>;

/// remove session callback
pub type RemoveSessionFn = unsafe extern "C" fn(*mut ssl_ctx_st, *mut ssl_session_st);
/// remove session callback, nullable.
pub type RemoveSessionCb = Option<unsafe extern "C" fn(*mut ssl_ctx_st, *mut ssl_session_st)>;

/// ticket key callback (EVP form)
pub type TicketKeyEvpFn = unsafe extern "C" fn(*mut ssl_st, *mut c_uchar, *mut c_uchar, *mut EVP_CIPHER_CTX, *mut evp_mac_ctx_st, c_int) -> c_int;
/// ticket key callback (EVP form), nullable.
pub type TicketKeyEvpCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut c_uchar, *mut c_uchar, *mut EVP_CIPHER_CTX, *mut evp_mac_ctx_st, c_int) -> c_int>;
/// `SSL_CTX_set_tlsext_ticket_key_cb` (legacy, HMAC_CTX; nginx < 1.23).
pub type TicketKeyHmacFn = unsafe extern "C" fn(*mut ssl_st, *mut c_uchar, *mut c_uchar, *mut EVP_CIPHER_CTX, *mut openssl_sys::HMAC_CTX, c_int) -> c_int;

/// OCSP status callback (`SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB`)
pub type StatusFn = unsafe extern "C" fn(*mut ssl_st, *mut c_void) -> c_int;
/// OCSP status callback (`SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB`), nullable.
pub type StatusCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut c_void) -> c_int>;

/// client certificate callback
pub type ClientCertFn = unsafe extern "C" fn(*mut ssl_st, *mut *mut X509, *mut *mut EVP_PKEY) -> c_int;
/// client certificate callback, nullable.
pub type ClientCertCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut *mut X509, *mut *mut EVP_PKEY) -> c_int>;

/// certificate callback (`SSL_CTX_set_cert_cb`)
pub type CertFn = unsafe extern "C" fn(*mut ssl_st, *mut c_void) -> c_int;
/// certificate callback (`SSL_CTX_set_cert_cb`), nullable.
pub type CertCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut c_void) -> c_int>;

/// message callback
pub type MsgFn = unsafe extern "C" fn(c_int, c_int, c_int, *const c_void, usize, *mut ssl_st, *mut c_void);
/// message callback, nullable.
pub type MsgCb = Option<unsafe extern "C" fn(c_int, c_int, c_int, *const c_void, usize, *mut ssl_st, *mut c_void)>;

/// SRP username callback
pub type SrpUsernameFn = unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int;
/// SRP username callback, nullable.
pub type SrpUsernameCb = Option<unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int>;

/// `pem_password_cb`
pub type PasswordFn = unsafe extern "C" fn(*mut c_char, c_int, c_int, *mut c_void) -> c_int;
/// `pem_password_cb`, nullable.
pub type PasswordCb = Option<unsafe extern "C" fn(*mut c_char, c_int, c_int, *mut c_void) -> c_int>;

/// `SSL_CTX_callback_ctrl`'s `void (*)(void)`
pub type GenericFn = unsafe extern "C" fn();
/// `SSL_CTX_callback_ctrl`'s `void (*)(void)`, nullable.
pub type GenericCb = Option<unsafe extern "C" fn()>;

/// `OPENSSL_INIT_SETTINGS`.
pub struct ossl_init_settings_st {
    _private: [u8; 0],
}

pub type EVP_MAC_CTX = evp_mac_ctx_st;
