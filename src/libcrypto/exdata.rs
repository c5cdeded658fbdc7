//! `ex_data` for SSL, SSL_CTX and SSL_SESSION, kept in libcrypto's own
//! `CRYPTO_EX_DATA` so that indexes allocated by the host with
//! `CRYPTO_get_ex_new_index` (mod_ssl, nginx, curl) and their new/dup/free
//! callbacks behave exactly as with OpenSSL's libssl.

use super::{HostPtr, Raw};
use super::sys::{self, CRYPTO_EX_DATA};
use std::ffi::{c_int, c_void};
use std::sync::Mutex;

#[derive(Debug)]
pub struct ExData {
    class: c_int,
    /// Boxed so its address is stable; the Mutex makes concurrent
    /// set/get from different threads sound (libcrypto does no locking
    /// per object).
    ad: Mutex<Option<Raw<CRYPTO_EX_DATA>>>,
}

impl ExData {
    /// An empty slot set; call [`ExData::init`] once the owner's C pointer
    /// is known (the registered `new` callbacks receive it).
    pub fn new(class: c_int) -> Self {
        ExData { class, ad: Mutex::new(None) }
    }

    /// `CRYPTO_new_ex_data(class, owner, ad)`.
    pub fn init(&self, owner: HostPtr) -> bool {
        let boxed = Box::into_raw(Box::new(CRYPTO_EX_DATA { ctx: std::ptr::null_mut(), sk: std::ptr::null_mut() }));
        // SAFETY: `boxed` is a valid, zeroed CRYPTO_EX_DATA; `owner` is the
        // object's C pointer, only handed to the host's callbacks.
        let ok = unsafe { sys::CRYPTO_new_ex_data(self.class, owner.as_ptr(), boxed) } == 1;
        let mut g = self.ad.lock().unwrap_or_else(|e| e.into_inner());
        *g = Raw::new(boxed);
        ok
    }

    pub fn set(&self, idx: c_int, val: HostPtr) -> bool {
        let g = self.ad.lock().unwrap_or_else(|e| e.into_inner());
        match g.as_ref() {
            // SAFETY: the ex data block is valid while `self` lives; the
            // lock serialises access to it.
            Some(ad) => unsafe { sys::CRYPTO_set_ex_data(ad.as_ptr(), idx, val.as_ptr()) == 1 },
            None => false,
        }
    }

    pub fn get(&self, idx: c_int) -> *mut c_void {
        let g = self.ad.lock().unwrap_or_else(|e| e.into_inner());
        match g.as_ref() {
            // SAFETY: as in `set`.
            Some(ad) => unsafe { sys::CRYPTO_get_ex_data(ad.as_ptr(), idx) },
            None => std::ptr::null_mut(),
        }
    }

    /// `CRYPTO_free_ex_data`: runs the host's free callbacks. Called from the
    /// owner's `Drop` with the same owner pointer as `init`.
    pub fn free(&mut self, owner: HostPtr) {
        let taken = self.ad.get_mut().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(ad) = taken {
            // SAFETY: `ad` came from Box::into_raw in `init` and is freed
            // exactly once here, after libcrypto released its contents.
            unsafe {
                sys::CRYPTO_free_ex_data(self.class, owner.as_ptr(), ad.as_ptr());
                drop(Box::from_raw(ad.as_ptr()));
            }
        }
    }
}
