//! `SSL_CIPHER` entry points (static descriptions; pointer identity holds).

use super::handle;
use super::types::*;
use crate::entry;
use crate::libcrypto::stack::PtrStack;
use crate::tls::ciphers;
use crate::tls::error::Error;
use std::ffi::{CString, c_char, c_int, c_uchar};
use std::sync::OnceLock;

/// Static NUL-terminated copies of each name (`SSL_CIPHER_get_name` returns
/// `const char*` that lives forever).
fn names() -> &'static [(CString, CString)] {
    static NAMES: OnceLock<Vec<(CString, CString)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        ciphers::SUPPORTED
            .iter()
            .map(|c| (CString::new(c.name).unwrap_or_default(), CString::new(c.std_name).unwrap_or_default()))
            .collect()
    })
}

fn index(c: &ciphers::CipherInfo) -> Option<usize> {
    ciphers::SUPPORTED.iter().position(|x| std::ptr::eq(x, c))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_get_name(c: *const ssl_cipher_st) -> *const c_char {
    if c.is_null() {
        // OpenSSL returns "(NONE)" for a NULL cipher.
        return c"(NONE)".as_ptr();
    }
    entry!(SSL_CIPHER_get_name, {
        // SAFETY: an SSL_CIPHER* we handed out.
        let ci = unsafe { handle::cipher(c) }?;
        Ok(index(ci).map_or(c"(NONE)".as_ptr(), |i| names()[i].0.as_ptr()))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_standard_name(c: *const ssl_cipher_st) -> *const c_char {
    entry!(SSL_CIPHER_standard_name, {
        // SAFETY: an SSL_CIPHER* we handed out.
        let ci = unsafe { handle::cipher(c) }?;
        Ok(index(ci).map_or(std::ptr::null(), |i| names()[i].1.as_ptr()))
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_get_bits(c: *const ssl_cipher_st, alg_bits: *mut c_int) -> c_int {
    entry!(SSL_CIPHER_get_bits, {
        // SAFETY: an SSL_CIPHER* we handed out; `alg_bits` valid or null.
        let ci = unsafe { handle::cipher(c) }?;
        if !alg_bits.is_null() {
            // SAFETY: out-parameters are valid or NULL (checked) per the C contract.
            unsafe { *alg_bits = ci.alg_bits };
        }
        Ok(ci.strength_bits)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_get_version(c: *const ssl_cipher_st) -> *const c_char {
    if c.is_null() {
        return c"(NONE)".as_ptr();
    }
    entry!(SSL_CIPHER_get_version, {
        // SAFETY: an SSL_CIPHER* we handed out.
        let ci = unsafe { handle::cipher(c) }?;
        Ok(if ci.is_tls13() { c"TLSv1.3".as_ptr() } else { c"TLSv1.2".as_ptr() })
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_get_id(c: *const ssl_cipher_st) -> u32 {
    // SAFETY: an SSL_CIPHER* we handed out.
    entry!(SSL_CIPHER_get_id, { Ok(unsafe { handle::cipher(c) }?.id) })
}

/// The `openssl ciphers -v` line for a cipher, into `buf` (or a new
/// `OPENSSL_malloc` buffer when `buf` is NULL, as OpenSSL does).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_description(c: *const ssl_cipher_st, buf: *mut c_char, size: c_int) -> *mut c_char {
    entry!(SSL_CIPHER_description, {
        // SAFETY: an SSL_CIPHER* we handed out.
        let ci = unsafe { handle::cipher(c) }?;
        let line = ciphers::description(ci);
        let bytes = line.as_bytes();
        // SAFETY: `buf` is writable for `size` bytes, or we allocate with
        // libcrypto's allocator (the caller frees with OPENSSL_free).
        unsafe {
            let (out, cap) = if buf.is_null() {
                let n = 128.max(bytes.len() + 1);
                (openssl_sys::CRYPTO_malloc(n, c"sslshim".as_ptr(), 0) as *mut c_char, n)
            } else {
                (buf, usize::try_from(size).unwrap_or(0))
            };
            if out.is_null() || cap < bytes.len() + 1 {
                return Err(Error::invalid_arg("buffer too small"));
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.cast(), bytes.len());
            *out.add(bytes.len()) = 0;
            Ok(out)
        }
    })
}

/// Looks a cipher up by its two-byte IANA code.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_CIPHER_find(s: *mut ssl_st, ptr: *const c_uchar) -> *const ssl_cipher_st {
    entry!(SSL_CIPHER_find, {
        // SAFETY: live handle; `ptr` readable for 2 bytes.
        let _ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: the C caller's buffer is readable for the given length (NULL only with length 0).
        let b = unsafe { super::bytes(ptr, 2) }?;
        let id = u32::from(u16::from_be_bytes([b[0], b[1]]));
        Ok(ciphers::find_by_id(id).map_or(std::ptr::null(), handle::cipher_ptr))
    })
}

/// The (empty) list of compression methods: compression is never available
/// (`SSLCompression on` is then a configuration error, as with Debian's
/// OpenSSL). The stack is static and must not be freed.
#[unsafe(no_mangle)]
pub extern "C" fn SSL_COMP_get_compression_methods() -> *mut stack_st_SSL_COMP {
    static EMPTY: OnceLock<Option<PtrStack>> = OnceLock::new();
    entry!(SSL_COMP_get_compression_methods, {
        Ok(EMPTY.get_or_init(|| PtrStack::new(&[])).as_ref().map_or(std::ptr::null_mut(), |s| s.as_ptr() as *mut stack_st_SSL_COMP))
    })
}
