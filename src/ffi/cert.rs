//! Certificates and private keys on contexts and connections.

use super::handle;
use super::types::*;
use super::cstr;
use crate::entry;
use crate::libcrypto::pem::{self, Password};
use crate::libcrypto::pkey::PKey;
use crate::libcrypto::reasons::*;
use crate::libcrypto::sys::ERR_R_PEM_LIB;
use crate::libcrypto::x509::X509 as Cert;
use crate::tls::cert::Certs;
use crate::tls::error::Error;
use openssl_sys::{EVP_PKEY, OPENSSL_STACK, X509};
use std::ffi::{CString, c_char, c_int};

fn path(p: &str) -> Result<CString, Error> {
    CString::new(p).map_err(|_| Error::invalid_arg("path contains NUL"))
}

/// Refuses, at configuration time and by name, a key sslshim cannot sign
/// with (rustls' provider for exportable keys, else libcrypto itself).
fn check_key_usable(key: &PKey) -> Result<(), Error> {
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    crate::tls::signer::signing_key(key, &provider)
        .map(|_| ())
        .map_err(Error::unsupported)
}

// ---- SSL_CTX ------------------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate(ctx: *mut ssl_ctx_st, x: *mut X509) -> c_int {
    entry!(SSL_CTX_use_certificate, {
        // SAFETY: live handle; `x` is borrowed (we take our own reference).
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a valid libcrypto object (or NULL, refused) from the C caller; we take our own reference.
        let cert = unsafe { Cert::from_borrowed(x) }.ok_or_else(Error::null_arg)?;
        c.update(|s| s.certs.use_certificate(cert))?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate_file(ctx: *mut ssl_ctx_st, file: *const c_char, typ: c_int) -> c_int {
    entry!(SSL_CTX_use_certificate_file, {
        // SAFETY: live handle and C string per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let p = path(unsafe { cstr(file) }?)?;
        if typ != pem::SSL_FILETYPE_PEM && typ != pem::SSL_FILETYPE_ASN1 {
            return Err(Error::ssl(SSL_R_BAD_SSL_FILETYPE));
        }
        let pw = c.settings().password;
        let cert = pem::read_cert_file(&p, typ, pw).ok_or_else(|| Error::ssl(ERR_R_PEM_LIB))?;
        c.update(|s| s.certs.use_certificate(cert))?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_certificate_chain_file(ctx: *mut ssl_ctx_st, file: *const c_char) -> c_int {
    entry!(SSL_CTX_use_certificate_chain_file, {
        // SAFETY: live handle and C string per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let p = path(unsafe { cstr(file) }?)?;
        let pw: Password = c.settings().password;
        let (leaf, chain) = pem::read_chain_file(&p, pw).ok_or_else(|| Error::ssl(ERR_R_PEM_LIB))?;
        c.update(|s| {
            s.certs.use_certificate(leaf)?;
            if let Some(slot) = s.certs.current_mut() {
                slot.chain = chain;
            }
            Ok::<(), Error>(())
        })?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey(ctx: *mut ssl_ctx_st, pkey: *mut EVP_PKEY) -> c_int {
    entry!(SSL_CTX_use_PrivateKey, {
        // SAFETY: live handle; `pkey` borrowed (we take our own reference).
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a valid libcrypto object (or NULL, refused) from the C caller; we take our own reference.
        let key = unsafe { PKey::from_borrowed(pkey) }.ok_or_else(Error::null_arg)?;
        check_key_usable(&key)?;
        c.update(|s| s.certs.use_private_key(key))?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_use_PrivateKey_file(ctx: *mut ssl_ctx_st, file: *const c_char, typ: c_int) -> c_int {
    entry!(SSL_CTX_use_PrivateKey_file, {
        // SAFETY: live handle and C string per the caller.
        let c = unsafe { handle::ctx(ctx) }?;
        // SAFETY: a NUL-terminated string (or NULL, which is refused) from the C caller.
        let p = path(unsafe { cstr(file) }?)?;
        if typ != pem::SSL_FILETYPE_PEM && typ != pem::SSL_FILETYPE_ASN1 {
            return Err(Error::ssl(SSL_R_BAD_SSL_FILETYPE));
        }
        let pw = c.settings().password;
        // On failure the PEM/ASN1 reason is on the queue (mod_ssl reads it
        // to decide whether to ask for a pass phrase); add libssl's entry.
        let key = pem::read_key_file(&p, typ, pw).ok_or_else(|| Error::ssl(ERR_R_PEM_LIB))?;
        check_key_usable(&key)?;
        c.update(|s| s.certs.use_private_key(key))?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_check_private_key(ctx: *const ssl_ctx_st) -> c_int {
    entry!(SSL_CTX_check_private_key, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ctx(ctx) }?.settings().certs.check_private_key()?;
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get0_certificate(ctx: *const ssl_ctx_st) -> *mut X509 {
    entry!(SSL_CTX_get0_certificate, {
        // SAFETY: live handle; the certificate stays owned by the ctx.
        let c = unsafe { handle::ctx(ctx) }?;
        let s = c.settings();
        Ok(s.certs.current().and_then(|sl| sl.cert.as_ref()).map_or(std::ptr::null_mut(), Cert::as_ptr))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CTX_get0_privatekey(ctx: *const ssl_ctx_st) -> *mut EVP_PKEY {
    entry!(SSL_CTX_get0_privatekey, {
        // SAFETY: live handle; the key stays owned by the ctx.
        let c = unsafe { handle::ctx(ctx) }?;
        let s = c.settings();
        Ok(s.certs.current().and_then(|sl| sl.key.as_ref()).map_or(std::ptr::null_mut(), PKey::as_ptr))
    })
}

// ---- SSL ----------------------------------------------------------------------

fn own_certs(ssl: &crate::tls::ssl::Ssl) -> Certs {
    let g = ssl.lock();
    g.own_certs.clone().unwrap_or_else(|| g.ctx.settings().certs.clone())
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_use_certificate(s: *mut ssl_st, x: *mut X509) -> c_int {
    entry!(SSL_use_certificate, {
        // SAFETY: live handle; `x` borrowed.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: a valid libcrypto object (or NULL, refused) from the C caller; we take our own reference.
        let cert = unsafe { Cert::from_borrowed(x) }.ok_or_else(Error::null_arg)?;
        let mut certs = own_certs(&ssl);
        certs.use_certificate(cert)?;
        ssl.lock().own_certs = Some(certs);
        ssl.invalidate_own_keys();
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_use_PrivateKey(s: *mut ssl_st, pkey: *mut EVP_PKEY) -> c_int {
    entry!(SSL_use_PrivateKey, {
        // SAFETY: live handle; `pkey` borrowed.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: a valid libcrypto object (or NULL, refused) from the C caller; we take our own reference.
        let key = unsafe { PKey::from_borrowed(pkey) }.ok_or_else(Error::null_arg)?;
        check_key_usable(&key)?;
        let mut certs = own_certs(&ssl);
        certs.use_private_key(key)?;
        ssl.lock().own_certs = Some(certs);
        ssl.invalidate_own_keys();
        Ok(1)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_check_private_key(s: *const ssl_st) -> c_int {
    entry!(SSL_check_private_key, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        own_certs(&ssl).check_private_key()?;
        Ok(1)
    })
}

/// The certificate used (or to be used) by this connection: after the
/// handshake chose a slot, that one; before, the current slot.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_certificate(s: *const ssl_st) -> *mut X509 {
    entry!(SSL_get_certificate, {
        // SAFETY: live handle; pointers stay owned by the connection or ctx.
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        if let Some((_, c)) = &g.facts.selected {
            return Ok(c.as_ptr());
        }
        if let Some(own) = &g.own_certs {
            return Ok(own.current().and_then(|sl| sl.cert.as_ref()).map_or(std::ptr::null_mut(), Cert::as_ptr));
        }
        let s = g.ctx.settings();
        Ok(s.certs.current().and_then(|sl| sl.cert.as_ref()).map_or(std::ptr::null_mut(), Cert::as_ptr))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_privatekey(s: *const ssl_st) -> *mut EVP_PKEY {
    entry!(SSL_get_privatekey, {
        // SAFETY: live handle; pointers stay owned by the connection or ctx.
        let ssl = unsafe { handle::ssl(s) }?;
        let g = ssl.lock();
        let slot = g.facts.selected.as_ref().map(|(i, _)| *i);
        let pick = |c: &Certs| {
            let sl = match slot {
                Some(i) => Some(&c.slots[i]),
                None => c.current(),
            };
            sl.and_then(|sl| sl.key.as_ref()).map_or(std::ptr::null_mut(), PKey::as_ptr)
        };
        if let Some(own) = &g.own_certs {
            return Ok(pick(own));
        }
        let s = g.ctx.settings();
        Ok(pick(&s.certs))
    })
}

// ---- CA name lists ----------------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_load_client_CA_file(file: *const c_char) -> *mut stack_st_X509_NAME {
    entry!(SSL_load_client_CA_file, {
        // SAFETY: C string per the caller.
        let p = path(unsafe { cstr(file) }?)?;
        let mut names = pem::read_subjects_file(&p).ok_or_else(|| Error::ssl(ERR_R_PEM_LIB))?;
        names.dedup();
        let st = crate::libcrypto::stack::NameStack::from_ders(&names).ok_or_else(|| Error::internal("stack allocation failed"))?;
        let p = st.as_ptr();
        std::mem::forget(st);
        Ok(p as *mut stack_st_X509_NAME)
    })
}

/// Appends the subjects of every certificate in `file` that are not in the
/// stack yet (the stack stays the caller's).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_add_file_cert_subjects_to_stack(stack: *mut stack_st_X509_NAME, file: *const c_char) -> c_int {
    entry!(SSL_add_file_cert_subjects_to_stack, {
        if stack.is_null() {
            return Err(Error::null_arg());
        }
        // SAFETY: C string per the caller.
        let p = path(unsafe { cstr(file) }?)?;
        let names = pem::read_subjects_file(&p).ok_or_else(|| Error::ssl(ERR_R_PEM_LIB))?;
        let sk = stack as *mut OPENSSL_STACK;
        // SAFETY: `sk` is the caller's STACK_OF(X509_NAME); we read its
        // names and push new ones it will own.
        unsafe {
            let mut have: Vec<Vec<u8>> = (0..openssl_sys::OPENSSL_sk_num(sk))
                .map(|i| crate::libcrypto::x509::name_to_der(openssl_sys::OPENSSL_sk_value(sk, i).cast()))
                .collect();
            for n in names {
                if have.contains(&n) {
                    continue;
                }
                let name = crate::libcrypto::x509::name_from_der(&n);
                if !name.is_null() && openssl_sys::OPENSSL_sk_push(sk, name.cast()) <= 0 {
                    openssl_sys::X509_NAME_free(name);
                }
                have.push(n);
            }
        }
        Ok(1)
    })
}
