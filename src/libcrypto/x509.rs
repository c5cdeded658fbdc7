//! `X509` certificates and `X509_NAME`s.

use super::pkey::{KeyType, PKey};
use super::{Raw, sys};
use openssl_sys as ffi;
use std::ffi::c_int;

/// One reference to a libcrypto `X509`.
#[derive(Debug)]
pub struct X509(Raw<ffi::X509>);

impl X509 {
    /// Takes over one reference the caller owns.
    ///
    /// # Safety
    /// `p` is null or a valid `X509*` whose reference is transferred.
    pub unsafe fn from_owned(p: *mut ffi::X509) -> Option<Self> {
        Raw::new(p).map(X509)
    }

    /// Takes a new reference to a borrowed `X509*`.
    ///
    /// # Safety
    /// `p` is null or a valid `X509*`.
    pub unsafe fn from_borrowed(p: *mut ffi::X509) -> Option<Self> {
        let r = Raw::new(p)?;
        // SAFETY: `p` is a valid X509 per the caller.
        unsafe { ffi::X509_up_ref(p) };
        Some(X509(r))
    }

    pub fn from_der(der: &[u8]) -> Option<Self> {
        let mut p = der.as_ptr();
        let len = der.len().min(i32::MAX as usize) as std::ffi::c_long;
        // SAFETY: `p` points at `len` readable bytes; d2i allocates a new X509.
        unsafe { Self::from_owned(ffi::d2i_X509(std::ptr::null_mut(), &mut p, len)) }
    }

    pub fn as_ptr(&self) -> *mut ffi::X509 {
        self.0.as_ptr()
    }

    /// Gives the reference to the caller (a `get1` result).
    pub fn into_ptr(self) -> *mut ffi::X509 {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }

    pub fn to_der(&self) -> Vec<u8> {
        // SAFETY: the X509 is valid; i2d with a null out pointer returns the
        // length, then writes exactly that many bytes into our buffer.
        unsafe {
            let n = ffi::i2d_X509(self.as_ptr(), std::ptr::null_mut());
            if n <= 0 {
                return Vec::new();
            }
            let mut buf = vec![0u8; n as usize];
            let mut out = buf.as_mut_ptr();
            let m = ffi::i2d_X509(self.as_ptr(), &mut out);
            buf.truncate(m.max(0) as usize);
            buf
        }
    }

    /// The type of the certificate's public key (selects the OpenSSL slot).
    pub fn key_type(&self) -> KeyType {
        // SAFETY: get0 returns a borrowed key owned by the certificate.
        let k = unsafe { sys::X509_get0_pubkey(self.as_ptr()) };
        if k.is_null() {
            return KeyType::Other(0);
        }
        // SAFETY: `k` is a valid EVP_PKEY borrowed from the certificate.
        KeyType::from_nid(unsafe { sys::EVP_PKEY_get_base_id(k) })
    }

    /// Public key size in bits (for logging and the ALGKEYSIZE-like facts).
    pub fn key_bits(&self) -> c_int {
        // SAFETY: as in `key_type`.
        unsafe {
            let k = sys::X509_get0_pubkey(self.as_ptr());
            if k.is_null() { 0 } else { sys::EVP_PKEY_get_bits(k) }
        }
    }

    /// `X509_check_private_key`: on mismatch libcrypto queues
    /// `X509_R_KEY_VALUES_MISMATCH`/`KEY_TYPE_MISMATCH`, which mod_ssl reads.
    pub fn matches_key(&self, key: &PKey) -> bool {
        // SAFETY: both objects are valid for the call.
        unsafe { sys::X509_check_private_key(self.as_ptr(), key.as_ptr()) == 1 }
    }

    /// DER of the subject name (for CA name lists).
    pub fn subject_der(&self) -> Vec<u8> {
        // SAFETY: the subject name is borrowed from the certificate.
        unsafe { name_to_der(ffi::X509_get_subject_name(self.as_ptr())) }
    }
}

impl Clone for X509 {
    fn clone(&self) -> Self {
        // SAFETY: our reference keeps the object alive; up_ref adds one.
        unsafe { ffi::X509_up_ref(self.as_ptr()) };
        X509(Raw::new(self.as_ptr()).expect("non-null"))
    }
}

impl Drop for X509 {
    fn drop(&mut self) {
        // SAFETY: we own exactly one reference.
        unsafe { ffi::X509_free(self.as_ptr()) }
    }
}

impl PartialEq for X509 {
    fn eq(&self, other: &Self) -> bool {
        // SAFETY: both valid.
        self.as_ptr() == other.as_ptr() || unsafe { ffi::X509_cmp(self.as_ptr(), other.as_ptr()) == 0 }
    }
}

/// DER encoding of an `X509_NAME` (empty on failure or null).
///
/// # Safety
/// `n` is null or a valid `X509_NAME*`.
pub unsafe fn name_to_der(n: *mut ffi::X509_NAME) -> Vec<u8> {
    if n.is_null() {
        return Vec::new();
    }
    // SAFETY: as in `X509::to_der`.
    unsafe {
        let len = ffi::i2d_X509_NAME(n, std::ptr::null_mut());
        if len <= 0 {
            return Vec::new();
        }
        let mut buf = vec![0u8; len as usize];
        let mut out = buf.as_mut_ptr();
        let m = ffi::i2d_X509_NAME(n, &mut out);
        buf.truncate(m.max(0) as usize);
        buf
    }
}

/// A new `X509_NAME*` decoded from DER (owned by the caller), or null.
pub fn name_from_der(der: &[u8]) -> *mut ffi::X509_NAME {
    let mut p = der.as_ptr();
    // SAFETY: `p` points at `der.len()` readable bytes.
    unsafe { ffi::d2i_X509_NAME(std::ptr::null_mut(), &mut p, der.len() as std::ffi::c_long) }
}
