//! `X509_STORE`: the trust store of a context (CA files, CRLs, flags).

use super::{Raw, sys};
use openssl_sys as ffi;
use std::ffi::CString;

/// One reference to a libcrypto `X509_STORE`.
#[derive(Debug)]
pub struct Store(Raw<ffi::X509_STORE>);

impl Store {
    pub fn new() -> Option<Self> {
        // SAFETY: allocates a new store we own.
        Raw::new(unsafe { ffi::X509_STORE_new() }).map(Store)
    }

    /// # Safety
    /// `p` is null or a valid `X509_STORE*` whose reference is transferred.
    pub unsafe fn from_owned(p: *mut ffi::X509_STORE) -> Option<Self> {
        Raw::new(p).map(Store)
    }

    pub fn as_ptr(&self) -> *mut ffi::X509_STORE {
        self.0.as_ptr()
    }

    /// `X509_STORE_load_file`; libcrypto queues the reason on failure.
    pub fn load_file(&self, path: &CString) -> bool {
        // SAFETY: valid store and NUL-terminated path.
        unsafe { sys::X509_STORE_load_file(self.as_ptr(), path.as_ptr()) == 1 }
    }

    /// `X509_STORE_load_path`.
    pub fn load_path(&self, path: &CString) -> bool {
        // SAFETY: valid store and NUL-terminated path.
        unsafe { sys::X509_STORE_load_path(self.as_ptr(), path.as_ptr()) == 1 }
    }

    /// `X509_STORE_set_default_paths`.
    pub fn set_default_paths(&self) -> bool {
        // SAFETY: valid store.
        unsafe { ffi::X509_STORE_set_default_paths(self.as_ptr()) == 1 }
    }
}

impl Clone for Store {
    fn clone(&self) -> Self {
        // SAFETY: our reference keeps it alive.
        unsafe { sys::X509_STORE_up_ref(self.as_ptr()) };
        Store(Raw::new(self.as_ptr()).expect("non-null"))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { ffi::X509_STORE_free(self.as_ptr()) }
    }
}
