//! libcrypto functions and layouts that `openssl-sys` does not declare.
//! Prototypes are OpenSSL 3.0's (checked against <openssl/*.h>).
#![allow(non_camel_case_types)]

use openssl_sys::{
    BIO, BIO_METHOD, ERR_STRING_DATA, EVP_PKEY, OPENSSL_STACK, PKCS8_PRIV_KEY_INFO, X509,
    X509_NAME, X509_STORE, X509_STORE_CTX, X509_VERIFY_PARAM, pem_password_cb,
};
use std::ffi::{c_char, c_int, c_ulong, c_void};

/// `struct crypto_ex_data_st` in OpenSSL 3.0 (`include/openssl/crypto.h`
/// names it; `crypto/ex_data.c` defines it as `{ OSSL_LIB_CTX *ctx; STACK_OF(void) *sk; }`).
#[repr(C)]
pub struct CRYPTO_EX_DATA {
    pub ctx: *mut c_void,
    pub sk: *mut c_void,
}

pub const CRYPTO_EX_INDEX_SSL: c_int = 0;
pub const CRYPTO_EX_INDEX_SSL_CTX: c_int = 1;
pub const CRYPTO_EX_INDEX_SSL_SESSION: c_int = 2;
pub const CRYPTO_EX_INDEX_X509_STORE_CTX: c_int = 5;

pub const BIO_FLAGS_READ: c_int = 0x01;
pub const BIO_FLAGS_WRITE: c_int = 0x02;
pub const BIO_FLAGS_IO_SPECIAL: c_int = 0x04;
pub const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;
pub const BIO_CTRL_EOF: c_int = 2;
pub const BIO_CTRL_PENDING: c_int = 10;
pub const BIO_CTRL_FLUSH: c_int = 11;
pub const BIO_CTRL_WPENDING: c_int = 13;
pub const BIO_NOCLOSE: c_int = 0;
pub const BIO_C_GET_FD: c_int = 105;

pub type X509_STORE_CTX_verify_cb = Option<unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int>;

unsafe extern "C" {
    pub fn ERR_set_mark() -> c_int;
    /// `size_t HMAC_size(const HMAC_CTX *ctx)` (0 until a digest is set).
    pub fn HMAC_size(ctx: *const openssl_sys::HMAC_CTX) -> usize;
    pub fn ERR_pop_to_mark() -> c_int;
    /// `STACK_OF(X509_EXTENSION) *d2i_X509_EXTENSIONS(STACK_OF(X509_EXTENSION) **a, const unsigned char **in, long len)`.
    pub fn d2i_X509_EXTENSIONS(a: *mut *mut OPENSSL_STACK, input: *mut *const u8, len: std::ffi::c_long) -> *mut OPENSSL_STACK;

    pub fn OPENSSL_init_crypto(opts: u64, settings: *const c_void) -> c_int;

    pub fn CRYPTO_new_ex_data(class_index: c_int, obj: *mut c_void, ad: *mut CRYPTO_EX_DATA) -> c_int;
    pub fn CRYPTO_free_ex_data(class_index: c_int, obj: *mut c_void, ad: *mut CRYPTO_EX_DATA);
    pub fn CRYPTO_set_ex_data(ad: *mut CRYPTO_EX_DATA, idx: c_int, val: *mut c_void) -> c_int;
    pub fn CRYPTO_get_ex_data(ad: *const CRYPTO_EX_DATA, idx: c_int) -> *mut c_void;

    pub fn ERR_load_strings_const(str: *const ERR_STRING_DATA) -> c_int;
    pub fn ERR_peek_error() -> c_ulong;

    pub fn BIO_test_flags(b: *const BIO, flags: c_int) -> c_int;
    pub fn BIO_free(b: *mut BIO) -> c_int;
    pub fn BIO_up_ref(b: *mut BIO) -> c_int;
    pub fn BIO_new_file(filename: *const c_char, mode: *const c_char) -> *mut BIO;
    pub fn BIO_new_socket(sock: c_int, close_flag: c_int) -> *mut BIO;
    pub fn BIO_s_socket() -> *const BIO_METHOD;
    pub fn BIO_method_type(b: *const BIO) -> c_int;

    pub fn PEM_read_bio_X509_AUX(bp: *mut BIO, x: *mut *mut X509, cb: pem_password_cb, u: *mut c_void) -> *mut X509;
    pub fn d2i_PrivateKey_bio(bp: *mut BIO, a: *mut *mut EVP_PKEY) -> *mut EVP_PKEY;
    pub fn d2i_X509_bio(bp: *mut BIO, x: *mut *mut X509) -> *mut X509;

    pub fn X509_get0_pubkey(x: *const X509) -> *mut EVP_PKEY;
    pub fn X509_check_private_key(x: *const X509, k: *const EVP_PKEY) -> c_int;
    pub fn X509_NAME_dup(n: *const X509_NAME) -> *mut X509_NAME;

    pub fn i2d_PKCS8_PRIV_KEY_INFO(a: *const PKCS8_PRIV_KEY_INFO, out: *mut *mut u8) -> c_int;
    pub fn EVP_PKEY_get_base_id(pkey: *const EVP_PKEY) -> c_int;
    pub fn EVP_PKEY_get_bits(pkey: *const EVP_PKEY) -> c_int;

    pub fn X509_STORE_up_ref(s: *mut X509_STORE) -> c_int;
    pub fn X509_STORE_load_file(s: *mut X509_STORE, file: *const c_char) -> c_int;
    pub fn X509_STORE_load_path(s: *mut X509_STORE, path: *const c_char) -> c_int;

    pub fn X509_STORE_CTX_set_ex_data(ctx: *mut X509_STORE_CTX, idx: c_int, data: *mut c_void) -> c_int;
    pub fn X509_STORE_CTX_set_verify_cb(ctx: *mut X509_STORE_CTX, cb: X509_STORE_CTX_verify_cb);
    pub fn X509_STORE_CTX_set_default(ctx: *mut X509_STORE_CTX, name: *const c_char) -> c_int;
    pub fn X509_STORE_CTX_get0_param(ctx: *const X509_STORE_CTX) -> *mut X509_VERIFY_PARAM;
    pub fn X509_STORE_CTX_get1_chain(ctx: *const X509_STORE_CTX) -> *mut OPENSSL_STACK;

    pub fn OPENSSL_sk_find(sk: *mut OPENSSL_STACK, data: *const c_void) -> c_int;
    pub fn OPENSSL_sk_dup(sk: *const OPENSSL_STACK) -> *mut OPENSSL_STACK;
    pub fn OPENSSL_sk_set(sk: *mut OPENSSL_STACK, i: c_int, data: *const c_void) -> *mut c_void;

    pub fn OPENSSL_cleanse(ptr: *mut c_void, len: usize);

    pub fn EVP_MAC_fetch(libctx: *mut c_void, algorithm: *const c_char, properties: *const c_char) -> *mut c_void;
    pub fn EVP_MAC_free(mac: *mut c_void);
    pub fn EVP_MAC_CTX_new(mac: *mut c_void) -> *mut c_void;
    pub fn EVP_MAC_CTX_free(ctx: *mut c_void);
    pub fn EVP_MAC_CTX_get_mac_size(ctx: *mut c_void) -> usize;
    pub fn EVP_MAC_update(ctx: *mut c_void, data: *const u8, datalen: usize) -> c_int;
    pub fn EVP_MAC_final(ctx: *mut c_void, out: *mut u8, outl: *mut usize, outsize: usize) -> c_int;
    pub fn EVP_CIPHER_CTX_get_iv_length(ctx: *const openssl_sys::EVP_CIPHER_CTX) -> c_int;
    pub fn EVP_CIPHER_CTX_get_block_size(ctx: *const openssl_sys::EVP_CIPHER_CTX) -> c_int;
    pub fn CRYPTO_memcmp(a: *const c_void, b: *const c_void, len: usize) -> c_int;
    pub fn RAND_bytes(buf: *mut u8, num: c_int) -> c_int;

    pub fn EVP_PKEY_CTX_set_rsa_padding(ctx: *mut openssl_sys::EVP_PKEY_CTX, pad: c_int) -> c_int;
    pub fn EVP_PKEY_CTX_set_rsa_pss_saltlen(
        ctx: *mut openssl_sys::EVP_PKEY_CTX,
        len: c_int,
    ) -> c_int;
    pub fn EVP_PKEY_get_group_name(
        pkey: *const EVP_PKEY,
        name: *mut c_char,
        size: usize,
        len: *mut usize,
    ) -> c_int;
}

/// `ERR_PACK(lib, 0, reason)` as OpenSSL 3.0 defines it.
pub const fn err_pack(lib: c_int, reason: c_int) -> c_ulong {
    (((lib as c_ulong) & 0xFF) << 23) | ((reason as c_ulong) & 0x7F_FFFF)
}

/// `ERR_GET_LIB(e)`.
pub const fn err_get_lib(e: c_ulong) -> c_int {
    if e & (1 << 31) != 0 { 2 /* ERR_LIB_SYS */ } else { ((e >> 23) & 0xFF) as c_int }
}

/// `ERR_GET_REASON(e)`.
pub const fn err_get_reason(e: c_ulong) -> c_int {
    if e & (1 << 31) != 0 { (e & 0x7FFF_FFFF) as c_int } else { (e & 0x7F_FFFF) as c_int }
}

pub const ERR_LIB_SYS: c_int = 2;
pub const ERR_LIB_PEM: c_int = 9;
pub const ERR_LIB_X509: c_int = 11;
pub const ERR_LIB_SSL: c_int = 20;
const ERR_RFLAG_FATAL: c_int = 0x1 << 18;
const ERR_RFLAG_COMMON: c_int = 0x2 << 18;
const ERR_R_FATAL: c_int = ERR_RFLAG_FATAL | ERR_RFLAG_COMMON;
pub const ERR_R_SYS_LIB: c_int = ERR_LIB_SYS | ERR_RFLAG_COMMON;
pub const ERR_R_PEM_LIB: c_int = ERR_LIB_PEM | ERR_RFLAG_COMMON;
pub const ERR_R_X509_LIB: c_int = ERR_LIB_X509 | ERR_RFLAG_COMMON;
pub const ERR_R_MALLOC_FAILURE: c_int = 256 | ERR_R_FATAL;
pub const ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED: c_int = 257 | ERR_R_FATAL;
pub const ERR_R_PASSED_NULL_PARAMETER: c_int = 258 | ERR_R_FATAL;
pub const ERR_R_INTERNAL_ERROR: c_int = 259 | ERR_R_FATAL;
pub const ERR_R_PASSED_INVALID_ARGUMENT: c_int = 262 | ERR_RFLAG_COMMON;
pub const ERR_R_OPERATION_FAIL: c_int = 263 | ERR_R_FATAL;
pub const ERR_R_UNSUPPORTED: c_int = 268 | ERR_RFLAG_COMMON;
