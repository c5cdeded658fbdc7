//! C-facing types: opaque handles named after OpenSSL's struct tags (so the
//! generated header's prototypes are compatible with <openssl/ssl.h>'s
//! typedefs) and the callback function-pointer types.
#![allow(non_camel_case_types)]

use openssl_sys::{EVP_CIPHER_CTX, EVP_PKEY, X509, X509_STORE_CTX};
use std::ffi::{c_char, c_int, c_uchar, c_uint, c_void};

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        pub struct $name {
            _private: [u8; 0],
        }
    )*};
}

opaque! {
    /// `SSL`: an `Arc<tls::ssl::Ssl>` handed out with `Arc::into_raw`.
    ssl_st,
    /// `SSL_CTX`: an `Arc<tls::ctx::Ctx>`.
    ssl_ctx_st,
    /// `SSL_METHOD`: a static.
    ssl_method_st,
    /// `SSL_SESSION`: an `Arc<tls::session::Session>`.
    ssl_session_st,
    /// `SSL_CIPHER`: a static `tls::ciphers::CipherInfo`.
    ssl_cipher_st,
    /// `SSL_CONF_CTX`: a `Box<tls::conf::ConfCtx>`.
    ssl_conf_ctx_st,
    /// `SSL_COMP` (never instantiated: no compression).
    ssl_comp_st,
    /// `STACK_OF(X509)`.
    stack_st_X509,
    /// `STACK_OF(X509_NAME)`.
    stack_st_X509_NAME,
    /// `STACK_OF(SSL_CIPHER)`.
    stack_st_SSL_CIPHER,
    /// `STACK_OF(SSL_COMP)`.
    stack_st_SSL_COMP,
    /// `EVP_MAC_CTX` (libcrypto; not in openssl-sys).
    evp_mac_ctx_st,
    /// `OSSL_LIB_CTX`.
    ossl_lib_ctx_st,
    /// `SRP_CTX` user info holder; never instantiated.
    srp_ctx_st,
}

pub type EVP_MAC_CTX = evp_mac_ctx_st;

/// `SSL_verify_cb` / `X509_STORE_CTX_verify_cb`.
pub type VerifyCb = unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int;
/// servername (`SSL_CTRL_SET_TLSEXT_SERVERNAME_CB`) and client-hello callbacks.
pub type ServernameCb = unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int;
pub type ClientHelloCb = unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int;
pub type AlpnSelectCb =
    unsafe extern "C" fn(*mut ssl_st, *mut *const c_uchar, *mut c_uchar, *const c_uchar, c_uint, *mut c_void) -> c_int;
pub type InfoCb = unsafe extern "C" fn(*const ssl_st, c_int, c_int);
pub type KeylogCb = unsafe extern "C" fn(*const ssl_st, *const c_char);
pub type NewSessionCb = unsafe extern "C" fn(*mut ssl_st, *mut ssl_session_st) -> c_int;
pub type GetSessionCb = unsafe extern "C" fn(*mut ssl_st, *const c_uchar, c_int, *mut c_int) -> *mut ssl_session_st;
pub type RemoveSessionCb = unsafe extern "C" fn(*mut ssl_ctx_st, *mut ssl_session_st);
pub type TicketKeyEvpCb =
    unsafe extern "C" fn(*mut ssl_st, *mut c_uchar, *mut c_uchar, *mut EVP_CIPHER_CTX, *mut EVP_MAC_CTX, c_int) -> c_int;
/// OCSP status callback (`SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB`).
pub type StatusCb = unsafe extern "C" fn(*mut ssl_st, *mut c_void) -> c_int;
pub type ClientCertCb = unsafe extern "C" fn(*mut ssl_st, *mut *mut X509, *mut *mut EVP_PKEY) -> c_int;
pub type CertCb = unsafe extern "C" fn(*mut ssl_st, *mut c_void) -> c_int;
pub type MsgCb = unsafe extern "C" fn(c_int, c_int, c_int, *const c_void, usize, *mut ssl_st, *mut c_void);
pub type SrpUsernameCb = unsafe extern "C" fn(*mut ssl_st, *mut c_int, *mut c_void) -> c_int;
/// `pem_password_cb`.
pub type PasswordCb = unsafe extern "C" fn(*mut c_char, c_int, c_int, *mut c_void) -> c_int;
/// `SSL_CTX_callback_ctrl`'s generic `void (*)(void)`.
pub type GenericCb = unsafe extern "C" fn();
