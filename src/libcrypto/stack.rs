//! libcrypto stacks (`STACK_OF(X509)`, `STACK_OF(X509_NAME)`) that we build
//! and hand out, or that the host hands to us.

use super::x509::{X509, name_from_der, name_to_der};
use super::Raw;
use openssl_sys as ffi;
use std::ffi::{c_int, c_void};

unsafe extern "C" fn free_x509(p: *mut c_void) {
    // SAFETY: elements of an X509 stack are X509 references we own.
    unsafe { ffi::X509_free(p.cast()) }
}

unsafe extern "C" fn free_name(p: *mut c_void) {
    // SAFETY: elements of a name stack are X509_NAMEs we own.
    unsafe { ffi::X509_NAME_free(p.cast()) }
}

/// An owned `STACK_OF(X509)`; each element holds one reference.
#[derive(Debug)]
pub struct X509Stack(Raw<ffi::OPENSSL_STACK>);

impl X509Stack {
    pub fn new(certs: &[X509]) -> Option<Self> {
        // SAFETY: a new empty stack we own; each pushed pointer carries a
        // reference we hand over to the stack (freed by `free_x509`).
        unsafe {
            let sk = Raw::new(ffi::OPENSSL_sk_new_null())?;
            for c in certs {
                let p = c.clone().into_ptr();
                if ffi::OPENSSL_sk_push(sk.as_ptr(), p.cast()) <= 0 {
                    ffi::X509_free(p);
                }
            }
            Some(X509Stack(sk))
        }
    }

    /// # Safety
    /// `p` is null or a valid `STACK_OF(X509)*` (ownership transferred).
    pub unsafe fn from_owned(p: *mut ffi::OPENSSL_STACK) -> Option<Self> {
        Raw::new(p).map(X509Stack)
    }

    pub fn as_ptr(&self) -> *mut ffi::OPENSSL_STACK {
        self.0.as_ptr()
    }

    pub fn to_vec(&self) -> Vec<X509> {
        // SAFETY: see `borrowed_x509s`.
        unsafe { borrowed_x509s(self.as_ptr()) }
    }
}

impl Drop for X509Stack {
    fn drop(&mut self) {
        // SAFETY: we own the stack and one reference per element.
        unsafe { ffi::OPENSSL_sk_pop_free(self.as_ptr(), Some(free_x509)) }
    }
}

/// New references to every certificate of a borrowed stack.
///
/// # Safety
/// `sk` is null or a valid `STACK_OF(X509)*`.
pub unsafe fn borrowed_x509s(sk: *const ffi::OPENSSL_STACK) -> Vec<X509> {
    let mut out = Vec::new();
    if sk.is_null() {
        return out;
    }
    // SAFETY: valid stack per the caller; elements are X509*.
    unsafe {
        let n = ffi::OPENSSL_sk_num(sk);
        for i in 0..n {
            if let Some(x) = X509::from_borrowed(ffi::OPENSSL_sk_value(sk, i).cast()) {
                out.push(x);
            }
        }
    }
    out
}

/// An owned `STACK_OF(X509_NAME)`.
#[derive(Debug)]
pub struct NameStack(Raw<ffi::OPENSSL_STACK>);

impl NameStack {
    /// # Safety
    /// `p` is null or a valid `STACK_OF(X509_NAME)*` (ownership transferred).
    pub unsafe fn from_owned(p: *mut ffi::OPENSSL_STACK) -> Option<Self> {
        Raw::new(p).map(NameStack)
    }

    pub fn from_ders(ders: &[Vec<u8>]) -> Option<Self> {
        // SAFETY: a new stack we own; each decoded name is owned by it.
        unsafe {
            let sk = Raw::new(ffi::OPENSSL_sk_new_null())?;
            for d in ders {
                let n = name_from_der(d);
                if !n.is_null() && ffi::OPENSSL_sk_push(sk.as_ptr(), n.cast()) <= 0 {
                    ffi::X509_NAME_free(n);
                }
            }
            Some(NameStack(sk))
        }
    }

    pub fn as_ptr(&self) -> *mut ffi::OPENSSL_STACK {
        self.0.as_ptr()
    }

    pub fn is_empty(&self) -> bool {
        self.len() <= 0
    }

    pub fn len(&self) -> c_int {
        // SAFETY: valid stack.
        unsafe { ffi::OPENSSL_sk_num(self.as_ptr()) }
    }

    /// DER encodings of every name (for rustls' CertificateRequest hints).
    pub fn to_ders(&self) -> Vec<Vec<u8>> {
        // SAFETY: valid stack of X509_NAME*.
        unsafe {
            (0..self.len())
                .map(|i| name_to_der(ffi::OPENSSL_sk_value(self.as_ptr(), i).cast()))
                .filter(|d| !d.is_empty())
                .collect()
        }
    }
}

impl Drop for NameStack {
    fn drop(&mut self) {
        // SAFETY: we own the stack and its names.
        unsafe { ffi::OPENSSL_sk_pop_free(self.as_ptr(), Some(free_name)) }
    }
}

/// A stack that holds borrowed pointers only (`SSL_get_ciphers`,
/// `SSL_COMP_get_compression_methods`): freeing it frees no element.
#[derive(Debug)]
pub struct PtrStack(Raw<ffi::OPENSSL_STACK>);

impl PtrStack {
    pub fn new(items: &[*const c_void]) -> Option<Self> {
        // SAFETY: a new stack we own; elements are not owned.
        unsafe {
            let sk = Raw::new(ffi::OPENSSL_sk_new_null())?;
            for p in items {
                ffi::OPENSSL_sk_push(sk.as_ptr(), *p);
            }
            Some(PtrStack(sk))
        }
    }

    pub fn as_ptr(&self) -> *mut ffi::OPENSSL_STACK {
        self.0.as_ptr()
    }
}

impl Drop for PtrStack {
    fn drop(&mut self) {
        // SAFETY: we own the stack, not its elements.
        unsafe { ffi::OPENSSL_sk_free(self.as_ptr()) }
    }
}

unsafe extern "C" fn free_extension(p: *mut c_void) {
    // SAFETY: elements of an extension stack are X509_EXTENSIONs we own.
    unsafe { ffi::X509_EXTENSION_free(p.cast()) }
}

/// An owned `STACK_OF(X509_EXTENSION)` (the OCSP request extensions of a
/// client's status_request, `SSL_get_tlsext_status_exts`).
#[derive(Debug)]
pub struct ExtensionStack(Raw<ffi::OPENSSL_STACK>);

impl ExtensionStack {
    /// `d2i_X509_EXTENSIONS` over all of `der`; `None` if it does not
    /// decode exactly (OpenSSL then refuses the ClientHello; we ignore it).
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let len = std::ffi::c_long::try_from(der.len()).ok()?;
        let mut p = der.as_ptr();
        let _quiet = super::err::Quiet::new();
        // SAFETY: `p` covers `len` readable bytes; the returned stack is
        // new and ours.
        let sk = unsafe { super::sys::d2i_X509_EXTENSIONS(std::ptr::null_mut(), &mut p, len) };
        let s = Raw::new(sk.cast()).map(ExtensionStack)?;
        // `p` was advanced within `der` by the decoder.
        (p == der.as_ptr().wrapping_add(der.len())).then_some(s)
    }

    pub fn as_ptr(&self) -> *mut ffi::OPENSSL_STACK {
        self.0.as_ptr()
    }
}

impl Drop for ExtensionStack {
    fn drop(&mut self) {
        // SAFETY: we own the stack and every element.
        unsafe { ffi::OPENSSL_sk_pop_free(self.as_ptr(), Some(free_extension)) }
    }
}
