//! Certificate chain verification with libcrypto's `X509_verify_cert`, so
//! trust anchors, CRL flags, purposes and the host's verify callback behave
//! exactly as under OpenSSL's libssl.

use super::stack::{X509Stack, borrowed_x509s};
use super::store::Store;
use super::x509::X509;
use super::sys;
use crate::ffi::types::VerifyFn;
use openssl_sys as ffi;
use std::ffi::{c_int, c_long, c_void};
use std::sync::OnceLock;

/// The `X509_STORE_CTX` ex_data index holding the `SSL*` during
/// verification (`SSL_get_ex_data_X509_STORE_CTX_idx`).
pub fn ssl_ex_index() -> c_int {
    static IDX: OnceLock<c_int> = OnceLock::new();
    *IDX.get_or_init(|| {
        // SAFETY: registers a new index with no callbacks; the argument
        // string is static, as OpenSSL's own libssl passes.
        unsafe {
            ffi::CRYPTO_get_ex_new_index(
                sys::CRYPTO_EX_INDEX_X509_STORE_CTX,
                0,
                c"SSL for verify callback".as_ptr() as *mut c_void,
                None,
                None,
                None,
            )
        }
    })
}

/// Which end we verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// We are a server verifying a client certificate ("ssl_client").
    SslClient,
    /// We are a client verifying a server certificate ("ssl_server").
    SslServer,
}

#[derive(Debug)]
pub struct Outcome {
    /// `X509_verify_cert` > 0 (after the callback had its say).
    pub ok: bool,
    /// `X509_STORE_CTX_get_error` (becomes `SSL_get_verify_result`).
    pub error: c_long,
    /// The verified chain (`X509_STORE_CTX_get1_chain`), leaf first.
    pub chain: Vec<X509>,
}

/// Runs `X509_verify_cert` for `leaf` + `untrusted` against `store`, with the
/// host's callback and the `SSL*` in the store context's ex_data.
pub fn verify_chain(
    store: &Store,
    leaf: &X509,
    untrusted: &[X509],
    purpose: Purpose,
    depth: c_int,
    cb: Option<VerifyFn>,
    ssl: super::HostPtr,
) -> Outcome {
    let fail = Outcome { ok: false, error: crate::consts::X509_V_ERR_UNSPECIFIED, chain: Vec::new() };
    let Some(sk) = X509Stack::new(untrusted) else { return fail };
    // SAFETY: every object passed is valid for the duration of the call;
    // the store context is created and freed here. The verify callback is
    // the host's, called by libcrypto as libssl would.
    unsafe {
        let ctx = ffi::X509_STORE_CTX_new();
        if ctx.is_null() {
            return fail;
        }
        if ffi::X509_STORE_CTX_init(ctx, store.as_ptr(), leaf.as_ptr(), sk.as_ptr().cast()) != 1 {
            ffi::X509_STORE_CTX_free(ctx);
            return fail;
        }
        sys::X509_STORE_CTX_set_ex_data(ctx, ssl_ex_index(), ssl.as_ptr());
        let name = match purpose {
            Purpose::SslClient => c"ssl_client",
            Purpose::SslServer => c"ssl_server",
        };
        sys::X509_STORE_CTX_set_default(ctx, name.as_ptr());
        if depth >= 0 {
            ffi::X509_VERIFY_PARAM_set_depth(sys::X509_STORE_CTX_get0_param(ctx), depth);
        }
        if let Some(cb) = cb {
            sys::X509_STORE_CTX_set_verify_cb(ctx, Some(cb));
        }
        let ok = ffi::X509_verify_cert(ctx) > 0;
        let error = c_long::from(ffi::X509_STORE_CTX_get_error(ctx));
        let chain_sk = sys::X509_STORE_CTX_get1_chain(ctx);
        let chain = borrowed_x509s(chain_sk);
        if !chain_sk.is_null() {
            drop(X509Stack::from_owned(chain_sk));
        }
        ffi::X509_STORE_CTX_free(ctx);
        Outcome { ok, error, chain }
    }
}

/// OpenSSL's automatic chain building (`ssl_add_cert_chain` without
/// `SSL_MODE_NO_AUTO_CHAIN`): as much of `leaf`'s chain as `store` can
/// build, without the leaf. Verification errors are deliberately ignored
/// and dropped from the error queue, as libssl does: a partial chain (or
/// none) is not a failure here.
pub fn auto_chain(store: &Store, leaf: &X509) -> Vec<X509> {
    let _quiet = super::err::Quiet::new();
    // SAFETY: the store and leaf are valid for the call; the store
    // context is created and freed here and no callback is installed.
    unsafe {
        let ctx = ffi::X509_STORE_CTX_new();
        if ctx.is_null() {
            return Vec::new();
        }
        let mut chain = Vec::new();
        if ffi::X509_STORE_CTX_init(ctx, store.as_ptr(), leaf.as_ptr(), std::ptr::null_mut()) == 1 {
            ffi::X509_verify_cert(ctx);
            let chain_sk = sys::X509_STORE_CTX_get1_chain(ctx);
            chain = borrowed_x509s(chain_sk);
            if !chain_sk.is_null() {
                drop(X509Stack::from_owned(chain_sk));
            }
        }
        ffi::X509_STORE_CTX_free(ctx);
        if !chain.is_empty() {
            chain.remove(0);
        }
        chain
    }
}

/// `X509_verify_cert_error_string`.
pub fn error_string(e: c_long) -> String {
    // SAFETY: returns a static string for any value.
    let p = unsafe { ffi::X509_verify_cert_error_string(e) };
    if p.is_null() {
        return format!("X509 error {e}");
    }
    // SAFETY: a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned()
}
