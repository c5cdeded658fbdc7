//! Opaque C handles <-> Rust objects.
//!
//! `SSL_CTX*`, `SSL*` and `SSL_SESSION*` are `Arc::into_raw` pointers
//! (OpenSSL reference-counts them: `*_up_ref`/`*_free`); `SSL_METHOD*` and
//! `SSL_CIPHER*` point at statics. A borrowed handle is a `ManuallyDrop<Arc>`
//! that never changes the count.

use super::types::*;
use crate::tls::ciphers::CipherInfo;
use crate::tls::ctx::Ctx;
use crate::tls::error::Error;
use crate::tls::session::Session;
use crate::tls::ssl::Ssl;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::Arc;

/// An `Arc` borrowed from a C handle; dropping it does not release anything.
pub struct Borrowed<T>(ManuallyDrop<Arc<T>>);

impl<T> Deref for Borrowed<T> {
    type Target = Arc<T>;
    fn deref(&self) -> &Arc<T> {
        &self.0
    }
}

macro_rules! arc_handle {
    ($c:ty, $rust:ty, $borrow:ident, $into:ident, $free:ident, $up:ident, $clone:ident) => {
        /// Borrows the object behind a handle (NULL is an error).
        ///
        /// # Safety
        /// `p` is null or a live handle of this type.
        pub unsafe fn $borrow(p: *const $c) -> Result<Borrowed<$rust>, Error> {
            if p.is_null() {
                return Err(Error::null_arg());
            }
            // SAFETY: a live handle is an `Arc::into_raw` of this type; the
            // ManuallyDrop keeps the count unchanged.
            Ok(Borrowed(ManuallyDrop::new(unsafe { Arc::from_raw(p as *const $rust) })))
        }

        /// A new strong reference from a handle.
        ///
        /// # Safety
        /// As for the borrow function.
        pub unsafe fn $clone(p: *const $c) -> Result<Arc<$rust>, Error> {
            // SAFETY: as above.
            Ok(Arc::clone(&*unsafe { $borrow(p) }?))
        }

        /// Hands a reference to C.
        pub fn $into(a: Arc<$rust>) -> *mut $c {
            Arc::into_raw(a) as *mut $c
        }

        /// Releases the reference C holds.
        ///
        /// # Safety
        /// `p` is null or a live handle whose reference the caller gives up.
        pub unsafe fn $free(p: *const $c) {
            if !p.is_null() {
                // SAFETY: per the caller.
                drop(unsafe { Arc::from_raw(p as *const $rust) });
            }
        }

        /// Adds a reference for C.
        ///
        /// # Safety
        /// `p` is a live handle.
        pub unsafe fn $up(p: *const $c) -> Result<(), Error> {
            if p.is_null() {
                return Err(Error::null_arg());
            }
            // SAFETY: per the caller.
            unsafe { Arc::increment_strong_count(p as *const $rust) };
            Ok(())
        }
    };
}

arc_handle!(ssl_ctx_st, Ctx, ctx, ctx_into, ctx_free, ctx_up_ref, ctx_clone);
arc_handle!(ssl_st, Ssl, ssl, ssl_into, ssl_free, ssl_up_ref, ssl_clone);
arc_handle!(ssl_session_st, Session, session, session_into, session_free, session_up_ref, session_clone);

/// The C handle of a context (the pointer `SSL_CTX_new` returned).
pub fn ctx_ptr(c: &Arc<Ctx>) -> *mut ssl_ctx_st {
    Arc::as_ptr(c) as *mut ssl_ctx_st
}

pub fn ssl_ptr(s: &Arc<Ssl>) -> *mut ssl_st {
    Arc::as_ptr(s) as *mut ssl_st
}

pub fn session_ptr(s: &Arc<Session>) -> *mut ssl_session_st {
    Arc::as_ptr(s) as *mut ssl_session_st
}

/// An `SSL_CIPHER*` for a static cipher description.
pub fn cipher_ptr(c: &'static CipherInfo) -> *const ssl_cipher_st {
    c as *const CipherInfo as *const ssl_cipher_st
}

/// # Safety
/// `p` is null or an `SSL_CIPHER*` we handed out.
pub unsafe fn cipher(p: *const ssl_cipher_st) -> Result<&'static CipherInfo, Error> {
    if p.is_null() {
        return Err(Error::null_arg());
    }
    // SAFETY: every SSL_CIPHER* we hand out points into a static table.
    Ok(unsafe { &*(p as *const CipherInfo) })
}
