//! libcrypto interop: the one place that calls into OpenSSL's libcrypto.
//!
//! Every libcrypto object we hold is wrapped in an owning type here
//! ([`x509::X509`], [`pkey::PKey`], [`bio::Bio`], [`store::Store`], ...), built
//! on [`Raw`], which carries the crate's single `unsafe impl Send/Sync`.

pub mod bio;
pub mod err;
pub mod exdata;
pub mod pem;
pub mod pkey;
pub mod reasons;
pub mod sign;
pub mod stack;
pub mod store;
pub mod sys;
pub mod ticket;
pub mod verify;
pub mod x509;

use std::ptr::NonNull;

/// A non-null pointer to a libcrypto object that we own a reference to (or
/// that is otherwise valid for as long as the holder lives).
///
/// This is the crate's only `unsafe impl Send`/`Sync`.
pub struct Raw<T>(NonNull<T>);

impl<T> Raw<T> {
    pub fn new(p: *mut T) -> Option<Self> {
        NonNull::new(p).map(Raw)
    }

    pub fn as_ptr(&self) -> *mut T {
        self.0.as_ptr()
    }
}

impl<T> std::fmt::Debug for Raw<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:p}", self.0)
    }
}

// SAFETY: the objects behind `Raw` are libcrypto objects (X509, EVP_PKEY,
// X509_STORE, X509_NAME, BIO, CRYPTO_EX_DATA) or host-provided opaque
// pointers. OpenSSL documents these as safe to share between threads for
// concurrent read-only use, with atomic reference counts (`*_up_ref`/`*_free`),
// and that is how libssl itself uses them from many threads under httpd's
// event MPM. Mutation of an object (a BIO's I/O, an ex_data slot) happens only
// through `&mut` access or under a `Mutex` in the owning Rust type, and a host
// pointer (callback argument) is only ever handed back to the host, which owns
// its thread-safety (the same contract OpenSSL's libssl gives).
unsafe impl<T> Send for Raw<T> {}
// SAFETY: see above.
unsafe impl<T> Sync for Raw<T> {}

/// An opaque pointer the host gave us (a callback argument, app data) that we
/// only hand back to it. Null is allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostPtr(pub usize);

impl HostPtr {
    pub const NULL: HostPtr = HostPtr(0);
    pub fn from_ptr<T>(p: *mut T) -> Self {
        HostPtr(p as usize)
    }
    pub fn as_ptr<T>(self) -> *mut T {
        self.0 as *mut T
    }
    pub fn is_null(self) -> bool {
        self.0 == 0
    }
}
