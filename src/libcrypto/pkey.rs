//! `EVP_PKEY` private keys.

use super::{Raw, sys};
use openssl_sys as ffi;
use std::ffi::c_int;

/// The key types OpenSSL gives their own certificate slot (`SSL_PKEY_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    Rsa,
    RsaPss,
    Dsa,
    Ec,
    Ed25519,
    Ed448,
    Other(c_int),
}

impl KeyType {
    pub fn from_nid(nid: c_int) -> Self {
        match nid {
            ffi::EVP_PKEY_RSA => KeyType::Rsa,
            ffi::EVP_PKEY_RSA_PSS => KeyType::RsaPss,
            ffi::EVP_PKEY_DSA => KeyType::Dsa,
            ffi::EVP_PKEY_EC => KeyType::Ec,
            ffi::EVP_PKEY_ED25519 => KeyType::Ed25519,
            ffi::EVP_PKEY_ED448 => KeyType::Ed448,
            n => KeyType::Other(n),
        }
    }

    /// OpenSSL's slot index (`SSL_PKEY_RSA` = 0 ... `SSL_PKEY_ED448` = 8).
    pub fn slot(self) -> Option<usize> {
        match self {
            KeyType::Rsa => Some(0),
            KeyType::RsaPss => Some(1),
            KeyType::Dsa => Some(2),
            KeyType::Ec => Some(3),
            KeyType::Ed25519 => Some(7),
            KeyType::Ed448 => Some(8),
            KeyType::Other(_) => None,
        }
    }

    /// `SSL_SERVER_A_KEY`-style name ("rsaEncryption", "id-ecPublicKey").
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::RsaPss => "RSA-PSS",
            KeyType::Dsa => "DSA",
            KeyType::Ec => "EC",
            KeyType::Ed25519 => "ED25519",
            KeyType::Ed448 => "ED448",
            KeyType::Other(_) => "unknown",
        }
    }
}

/// One reference to a libcrypto `EVP_PKEY`.
#[derive(Debug)]
pub struct PKey(Raw<ffi::EVP_PKEY>);

impl PKey {
    /// # Safety
    /// `p` is null or a valid `EVP_PKEY*` whose reference is transferred.
    pub unsafe fn from_owned(p: *mut ffi::EVP_PKEY) -> Option<Self> {
        Raw::new(p).map(PKey)
    }

    /// # Safety
    /// `p` is null or a valid `EVP_PKEY*`.
    pub unsafe fn from_borrowed(p: *mut ffi::EVP_PKEY) -> Option<Self> {
        let r = Raw::new(p)?;
        // SAFETY: valid per the caller.
        unsafe { ffi::EVP_PKEY_up_ref(p) };
        Some(PKey(r))
    }

    pub fn as_ptr(&self) -> *mut ffi::EVP_PKEY {
        self.0.as_ptr()
    }

    pub fn key_type(&self) -> KeyType {
        // SAFETY: valid key.
        KeyType::from_nid(unsafe { sys::EVP_PKEY_get_base_id(self.as_ptr()) })
    }

    pub fn bits(&self) -> c_int {
        // SAFETY: valid key.
        unsafe { sys::EVP_PKEY_get_bits(self.as_ptr()) }
    }

    /// The private key as PKCS#8 DER, or `None` when the key cannot be
    /// exported (a hardware or provider key).
    pub fn to_pkcs8_der(&self) -> Option<Vec<u8>> {
        // SAFETY: EVP_PKEY2PKCS8 allocates a new PKCS8 structure (freed
        // below); i2d writes into our buffer of the size it reported.
        unsafe {
            let p8 = ffi::EVP_PKEY2PKCS8(self.as_ptr());
            if p8.is_null() {
                ffi::ERR_clear_error();
                return None;
            }
            let n = sys::i2d_PKCS8_PRIV_KEY_INFO(p8, std::ptr::null_mut());
            let mut out = None;
            if n > 0 {
                let mut buf = vec![0u8; n as usize];
                let mut w = buf.as_mut_ptr();
                let m = sys::i2d_PKCS8_PRIV_KEY_INFO(p8, &mut w);
                if m == n {
                    out = Some(buf);
                } else {
                    sys::OPENSSL_cleanse(buf.as_mut_ptr().cast(), buf.len());
                }
            }
            ffi::PKCS8_PRIV_KEY_INFO_free(p8);
            out
        }
    }
}

impl Clone for PKey {
    fn clone(&self) -> Self {
        // SAFETY: our reference keeps it alive; up_ref adds one.
        unsafe { ffi::EVP_PKEY_up_ref(self.as_ptr()) };
        PKey(Raw::new(self.as_ptr()).expect("non-null"))
    }
}

impl Drop for PKey {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { ffi::EVP_PKEY_free(self.as_ptr()) }
    }
}
