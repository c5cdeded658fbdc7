//! Signing with a libcrypto `EVP_PKEY` (`EVP_DigestSign`), for keys that
//! cannot be exported to rustls' provider: PKCS#11, engine and provider
//! keys (mod_ssl's `SSLCertificateKeyFile pkcs11:...`). The key stays where
//! it is; libcrypto does the private-key operation as it would for libssl.

use super::pkey::PKey;
use super::sys;
use openssl_sys as ffi;
use std::ffi::{c_char, c_int};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    Sha256,
    Sha384,
    Sha512,
    /// Ed25519 (the algorithm hashes itself).
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// RSA PKCS#1 v1.5, or not RSA.
    Default,
    /// RSA-PSS with a salt as long as the digest (TLS 1.3's rule).
    Pss,
}

const RSA_PKCS1_PSS_PADDING: c_int = 6;
const RSA_PSS_SALTLEN_DIGEST: c_int = -1;

/// `EVP_DigestSign` over `msg`; `None` if libcrypto refuses (its reason is
/// left on the queue).
pub fn sign(key: &PKey, digest: Digest, padding: Padding, msg: &[u8]) -> Option<Vec<u8>> {
    // SAFETY: a fresh EVP_MD_CTX freed below; `key` is a valid EVP_PKEY
    // (concurrent signing with one EVP_PKEY is allowed); buffers sized from
    // libcrypto's own length query.
    unsafe {
        let ctx = ffi::EVP_MD_CTX_new();
        if ctx.is_null() {
            return None;
        }
        let md = match digest {
            Digest::Sha256 => ffi::EVP_sha256(),
            Digest::Sha384 => ffi::EVP_sha384(),
            Digest::Sha512 => ffi::EVP_sha512(),
            Digest::None => std::ptr::null(),
        };
        let mut pctx: *mut ffi::EVP_PKEY_CTX = std::ptr::null_mut();
        let mut out = None;
        if ffi::EVP_DigestSignInit(ctx, &mut pctx, md, std::ptr::null_mut(), key.as_ptr()) == 1
            && (padding == Padding::Default
                || (sys::EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0
                    && sys::EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0))
        {
            let mut len = 0usize;
            if ffi::EVP_DigestSign(ctx, std::ptr::null_mut(), &mut len, msg.as_ptr(), msg.len())
                == 1
            {
                let mut sig = vec![0u8; len];
                if ffi::EVP_DigestSign(ctx, sig.as_mut_ptr(), &mut len, msg.as_ptr(), msg.len())
                    == 1
                {
                    sig.truncate(len);
                    out = Some(sig);
                }
            }
        }
        ffi::EVP_MD_CTX_free(ctx);
        out
    }
}

/// The curve of an EC key ("prime256v1", "secp384r1", ...).
pub fn ec_group_name(key: &PKey) -> Option<String> {
    let mut buf = [0 as c_char; 64];
    let mut len = 0usize;
    // SAFETY: `buf` is writable for its length; a valid key.
    let ok = unsafe {
        sys::EVP_PKEY_get_group_name(key.as_ptr(), buf.as_mut_ptr(), buf.len(), &mut len)
    } == 1;
    if !ok {
        crate::libcrypto::err::clear();
        return None;
    }
    // SAFETY: libcrypto NUL-terminates within the buffer.
    Some(
        unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned(),
    )
}
