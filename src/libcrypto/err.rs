//! libcrypto's per-thread error queue: the only code that writes it.
//!
//! Entries are `ERR_LIB_SSL` with OpenSSL's own `SSL_R_*` reason numbers, so
//! hosts that branch on reasons (mod_ssl on `SSL_R_HTTP_REQUEST`, curl on
//! `SSL_R_CERTIFICATE_VERIFY_FAILED`) keep working, and `ERR_set_debug`
//! records the entry point, so httpd's log reads
//! `error:0A000086:SSL routines:SSL_do_handshake:certificate verify failed`.

use super::reasons;
use super::sys;
use openssl_sys as ffi;
use std::ffi::{CStr, CString, c_int, c_ulong};
use std::sync::OnceLock;

/// Pushes one entry. `func` is the C entry point's name; `detail` becomes
/// the entry's data string (shown after the reason by `ERR_print_errors`).
pub fn push(lib: c_int, reason: c_int, func: &CStr, detail: Option<&str>) {
    // SAFETY: ERR_new/ERR_set_debug/ERR_set_error only touch this thread's
    // error state; every pointer passed is a valid NUL-terminated string that
    // outlives the call (libcrypto copies the data string).
    unsafe {
        ffi::ERR_new();
        ffi::ERR_set_debug(c"sslshim".as_ptr(), 0, func.as_ptr());
        match detail.map(sanitize) {
            Some(d) => ffi::ERR_set_error(lib, reason, c"%s".as_ptr(), d.as_ptr()),
            None => ffi::ERR_set_error(lib, reason, std::ptr::null()),
        }
    }
}

fn sanitize(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// `ERR_peek_error()`: the earliest error on this thread's queue, or 0.
pub fn peek_error() -> c_ulong {
    // SAFETY: reads this thread's error queue.
    unsafe { sys::ERR_peek_error() }
}

/// `ERR_peek_last_error()`.
pub fn peek_last_error() -> c_ulong {
    // SAFETY: reads this thread's error queue.
    unsafe { ffi::ERR_peek_last_error() }
}

/// Errors libcrypto queues while this guard lives are discarded on drop
/// (`ERR_set_mark`/`ERR_pop_to_mark`); earlier entries stay.
pub struct Quiet(());

impl Quiet {
    pub fn new() -> Quiet {
        // SAFETY: marks this thread's error queue.
        unsafe { super::sys::ERR_set_mark() };
        Quiet(())
    }
}

impl Default for Quiet {
    fn default() -> Self {
        Quiet::new()
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        // SAFETY: pops to the mark set in `new` on this thread.
        unsafe { super::sys::ERR_pop_to_mark() };
    }
}

/// `ERR_clear_error()`.
pub fn clear() {
    // SAFETY: clears this thread's error queue.
    unsafe { ffi::ERR_clear_error() }
}

/// Registers the `SSL routines` reason strings with libcrypto (real libssl
/// does this in `OPENSSL_init_ssl`; libcrypto deliberately does not). Runs
/// once per process; later calls are free.
pub fn load_strings() {
    static TABLE: OnceLock<usize> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v: Vec<ffi::ERR_STRING_DATA> = reasons::STRINGS
            .iter()
            .map(|(r, s)| ffi::ERR_STRING_DATA {
                error: sys::err_pack(sys::ERR_LIB_SSL, *r),
                string: s.as_ptr().cast(),
            })
            .collect();
        v.push(ffi::ERR_STRING_DATA { error: 0, string: std::ptr::null() });
        let table: &'static mut [ffi::ERR_STRING_DATA] = v.leak();
        // SAFETY: the table is leaked (lives for the process), NUL-terminated
        // strings, terminated by a zero entry, as ERR_load_strings_const wants.
        unsafe { sys::ERR_load_strings_const(table.as_ptr()) };
        table.as_ptr() as usize
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_strings_are_nul_terminated_and_sorted() {
        let mut last = 0;
        for (r, s) in reasons::STRINGS {
            assert!(s.ends_with('\0'), "{r}");
            assert!(*r > last);
            last = *r;
        }
        assert!(reasons::STRINGS.iter().any(|(r, s)| *r == reasons::SSL_R_HTTP_REQUEST && *s == "http request\0"));
    }
}
