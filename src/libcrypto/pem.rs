//! Reading certificates, chains, keys and CA names from files with
//! libcrypto, exactly as libssl's `*_file` functions do (same PEM readers,
//! same password callback, same errors left on the queue).

use super::pkey::PKey;
use super::x509::X509;
use super::{HostPtr, sys};
use openssl_sys as ffi;
use std::ffi::{CString, c_int};

pub const SSL_FILETYPE_PEM: c_int = 1;
pub const SSL_FILETYPE_ASN1: c_int = 2;
const PEM_R_NO_START_LINE: c_int = 108;

/// `SSL_CTX_set_default_passwd_cb` + `_userdata`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Password {
    pub cb: ffi::pem_password_cb,
    pub userdata: HostPtr,
}

struct File(*mut ffi::BIO);

impl File {
    fn open(path: &CString) -> Option<File> {
        // SAFETY: valid NUL-terminated strings; libcrypto queues the reason
        // (BIO_R_NO_SUCH_FILE, system error) on failure.
        let b = unsafe { sys::BIO_new_file(path.as_ptr(), c"r".as_ptr()) };
        if b.is_null() { None } else { Some(File(b)) }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // SAFETY: we own the file BIO.
        unsafe { sys::BIO_free(self.0) };
    }
}

/// Leaf certificate and its chain from a PEM file
/// (`SSL_CTX_use_certificate_chain_file`). On failure the reason is queued.
pub fn read_chain_file(path: &CString, pw: Password) -> Option<(X509, Vec<X509>)> {
    let f = File::open(path)?;
    // SAFETY: `f.0` is a valid BIO; the callback and its userdata are the
    // host's, used exactly as libssl uses them.
    unsafe {
        let leaf = X509::from_owned(sys::PEM_read_bio_X509_AUX(f.0, std::ptr::null_mut(), pw.cb, pw.userdata.as_ptr()))?;
        let mut chain = Vec::new();
        loop {
            let p = ffi::PEM_read_bio_X509(f.0, std::ptr::null_mut(), pw.cb, pw.userdata.as_ptr());
            match X509::from_owned(p) {
                Some(c) => chain.push(c),
                None => break,
            }
        }
        // Running out of PEM blocks ends the loop with NO_START_LINE: that
        // is success. Anything else is a broken chain file.
        let e = ffi::ERR_peek_last_error();
        if sys::err_get_lib(e) == sys::ERR_LIB_PEM && sys::err_get_reason(e) == PEM_R_NO_START_LINE {
            ffi::ERR_clear_error();
        } else if e != 0 {
            return None;
        }
        Some((leaf, chain))
    }
}

/// One certificate from a PEM or DER file (`SSL_CTX_use_certificate_file`).
pub fn read_cert_file(path: &CString, filetype: c_int, pw: Password) -> Option<X509> {
    let f = File::open(path)?;
    // SAFETY: as above.
    unsafe {
        match filetype {
            SSL_FILETYPE_PEM => X509::from_owned(ffi::PEM_read_bio_X509(f.0, std::ptr::null_mut(), pw.cb, pw.userdata.as_ptr())),
            SSL_FILETYPE_ASN1 => X509::from_owned(sys::d2i_X509_bio(f.0, std::ptr::null_mut())),
            _ => None,
        }
    }
}

/// A private key from a PEM or DER file (`SSL_CTX_use_PrivateKey_file`).
pub fn read_key_file(path: &CString, filetype: c_int, pw: Password) -> Option<PKey> {
    let f = File::open(path)?;
    // SAFETY: as above.
    unsafe {
        match filetype {
            SSL_FILETYPE_PEM => PKey::from_owned(ffi::PEM_read_bio_PrivateKey(f.0, std::ptr::null_mut(), pw.cb, pw.userdata.as_ptr())),
            SSL_FILETYPE_ASN1 => PKey::from_owned(sys::d2i_PrivateKey_bio(f.0, std::ptr::null_mut())),
            _ => None,
        }
    }
}

/// Subject names (DER) of every certificate in a PEM file
/// (`SSL_load_client_CA_file`, `SSL_add_file_cert_subjects_to_stack`).
/// `None` when the file cannot be read or holds no certificate.
pub fn read_subjects_file(path: &CString) -> Option<Vec<Vec<u8>>> {
    let f = File::open(path)?;
    let mut out = Vec::new();
    // SAFETY: as above; no password callback for CA files.
    unsafe {
        loop {
            let p = ffi::PEM_read_bio_X509(f.0, std::ptr::null_mut(), None, std::ptr::null_mut());
            match X509::from_owned(p) {
                Some(c) => out.push(c.subject_der()),
                None => break,
            }
        }
        let e = ffi::ERR_peek_last_error();
        if sys::err_get_lib(e) == sys::ERR_LIB_PEM && sys::err_get_reason(e) == PEM_R_NO_START_LINE && !out.is_empty() {
            ffi::ERR_clear_error();
        }
    }
    if out.is_empty() { None } else { Some(out) }
}
