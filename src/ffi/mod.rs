//! The C boundary: the only home of `extern "C"` functions.
//!
//! Every entry point has the same shape:
//!
//! ```ignore
//! #[unsafe(no_mangle)]
//! pub unsafe extern "C" fn SSL_get_verify_result(ssl: *const ssl_st) -> c_long {
//!     entry!(SSL_get_verify_result, { Ok(handle::ssl(ssl)?.verify_result()) })
//! }
//! ```
//!
//! [`boundary`] runs the body, catches any panic (a panic never unwinds into
//! the host), and on `Err` pushes the error on libcrypto's queue (library
//! `SSL`, OpenSSL's reason, `ERR_set_debug` with the entry's name) and returns
//! the failure value OpenSSL documents for the return type ([`Failure`]).
//! Calls with their own conventions (`SSL_read`, `SSL_get_error`...) map
//! their outcomes themselves and return `Ok`.
#![allow(non_snake_case, non_camel_case_types, clippy::missing_safety_doc)]

pub mod cert;
pub mod cipher;
pub mod conf;
pub mod ctrl;
pub mod ctx;
pub mod handle;
pub mod io;
pub mod method;
pub mod refused;
pub mod session;
pub mod ssl;
pub mod types;

use crate::tls::error::Error;
use std::ffi::{CStr, c_int, c_long, c_uint, c_ulong};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

/// The value an entry point returns when it fails.
pub trait Failure {
    fn failure() -> Self;
}

macro_rules! zero_failure {
    ($($t:ty),*) => {$(impl Failure for $t { fn failure() -> Self { 0 } })*};
}
zero_failure!(c_int, c_long, c_uint, c_ulong, u16, u8, usize, isize);

impl Failure for () {
    fn failure() -> Self {}
}

impl<T> Failure for *mut T {
    fn failure() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> Failure for *const T {
    fn failure() -> Self {
        std::ptr::null()
    }
}

/// Returns -1 on failure (`SSL_read`-style calls, `SSL_get_fd`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct MinusOne(pub c_int);

/// One-time process setup: the `SSL routines` reason strings. Cheap after
/// the first call; starts no thread and keeps no lock (httpd forks later).
pub fn init_once() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        crate::libcrypto::err::load_strings();
        let _ = crate::libcrypto::verify::ssl_ex_index();
    });
}

/// The discipline of every entry point: see the module documentation.
pub fn boundary<R: Failure>(func: &'static CStr, f: impl FnOnce() -> Result<R, Error>) -> R {
    boundary_or(func, R::failure(), f)
}

/// [`boundary`] with an explicit failure value.
pub fn boundary_or<R>(func: &'static CStr, fail: R, f: impl FnOnce() -> Result<R, Error>) -> R {
    init_once();
    match catch_unwind(AssertUnwindSafe(|| {
        if panic_test(func) {
            panic!("SSLSHIM_PANIC_TEST={}", func.to_string_lossy());
        }
        f()
    })) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            e.raise(func);
            fail
        }
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Error::internal(format!("internal error in sslshim (panic: {what})")).raise(func);
            fail
        }
    }
}

/// Test hook: `SSLSHIM_PANIC_TEST=<entry name>` in the environment makes
/// that entry point panic inside the boundary, to prove a panic never
/// reaches the host. Read once; costs one comparison per call otherwise.
fn panic_test(func: &CStr) -> bool {
    static WHICH: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    match WHICH.get_or_init(|| std::env::var("SSLSHIM_PANIC_TEST").ok()) {
        Some(w) => w.as_bytes() == func.to_bytes(),
        None => false,
    }
}

/// `entry!(NAME, { body })`: runs `body` (a block evaluating to
/// `Result<T, Error>`) inside [`boundary`], naming the entry point `NAME`.
/// `entry!(NAME, fail = VALUE, { body })` uses an explicit failure value.
#[macro_export]
macro_rules! entry {
    ($name:ident, fail = $fail:expr, $body:block) => {{
        const NAME: &::std::ffi::CStr = match ::std::ffi::CStr::from_bytes_with_nul(concat!(stringify!($name), "\0").as_bytes()) {
            Ok(c) => c,
            Err(_) => panic!("bad entry name"),
        };
        $crate::ffi::boundary_or(NAME, $fail, || -> ::std::result::Result<_, $crate::tls::error::Error> { $body })
    }};
    ($name:ident, $body:block) => {{
        const NAME: &::std::ffi::CStr = match ::std::ffi::CStr::from_bytes_with_nul(concat!(stringify!($name), "\0").as_bytes()) {
            Ok(c) => c,
            Err(_) => panic!("bad entry name"),
        };
        $crate::ffi::boundary(NAME, || -> ::std::result::Result<_, $crate::tls::error::Error> { $body })
    }};
}

/// Converts a C string argument (NULL is an error).
///
/// # Safety
/// `p` is null or a valid NUL-terminated string.
pub unsafe fn cstr<'a>(p: *const std::ffi::c_char) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::null_arg());
    }
    // SAFETY: non-null, NUL-terminated per the caller.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| Error::invalid_arg("string is not UTF-8"))
}

/// A borrowed byte slice from a C pointer and length (NULL with length 0 is
/// an empty slice).
///
/// # Safety
/// `p` is null (then `len` must be 0) or readable for `len` bytes.
pub unsafe fn bytes<'a>(p: *const u8, len: usize) -> Result<&'a [u8], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::null_arg());
    }
    // SAFETY: readable for `len` bytes per the caller.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}
