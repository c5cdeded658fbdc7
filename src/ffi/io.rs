//! Connection I/O: BIOs, handshake, read/write, errors, shutdown.

use super::handle;
use super::types::*;
use crate::consts::*;
use crate::entry;
use crate::libcrypto::bio::Bio;
use crate::libcrypto::err;
use crate::libcrypto::reasons::*;
use crate::libcrypto::sys;
use crate::tls::engine::Stop;
use crate::tls::error::Error;
use crate::tls::ssl::{Last, Side, Ssl};
use openssl_sys::BIO;
use std::ffi::{c_int, c_void};
use std::sync::Arc;

/// Maps a driving call's outcome to OpenSSL's return value: `Ok(n)` -> n,
/// `ZeroReturn` -> 0, anything else -> -1; fatal errors go on the queue.
fn io_result(r: Result<usize, Stop>) -> Result<c_int, Error> {
    match r {
        Ok(n) => Ok(c_int::try_from(n).unwrap_or(c_int::MAX)),
        Err(Stop::ZeroReturn) => Ok(0),
        Err(Stop::Fatal(e)) => Err(e),
        Err(_) => Ok(-1),
    }
}

// ---- BIOs -------------------------------------------------------------------------

/// # Safety
/// `b` is null or a valid BIO whose reference is given to us.
unsafe fn adopt(b: *mut BIO) -> Option<Arc<Bio>> {
    // SAFETY: per the caller.
    unsafe { Bio::from_owned(b) }.map(Arc::new)
}

/// `SSL_set_bio` with OpenSSL's reference rules: the SSL takes one reference
/// per slot; when `rbio == wbio` the caller granted only one, so we add one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_bio(s: *mut ssl_st, rbio: *mut BIO, wbio: *mut BIO) {
    entry!(SSL_set_bio, {
        // SAFETY: live handle; BIO references handed to us per the man page.
        let ssl = unsafe { handle::ssl(s) }?;
        let (cur_r, cur_w) = {
            let g = ssl.lock();
            (g.rbio.as_ref().map(|b| b.as_ptr()), g.wbio.as_ref().map(|b| b.as_ptr()))
        };
        let cur_r = cur_r.unwrap_or(std::ptr::null_mut());
        let cur_w = cur_w.unwrap_or(std::ptr::null_mut());
        if rbio == cur_r && wbio == cur_w {
            return Ok(());
        }
        if !rbio.is_null() && rbio == wbio {
            // SAFETY: a valid BIO; the extra reference is the SSL's second slot.
            unsafe { sys::BIO_up_ref(rbio) };
        }
        if rbio == cur_r {
            // SAFETY: BIO references handed over per SSL_set_bio's contract.
            let w = unsafe { adopt(wbio) };
            ssl.lock().wbio = w;
            return Ok(());
        }
        if wbio == cur_w && cur_r != cur_w {
            // SAFETY: BIO references handed over per SSL_set_bio's contract.
            let r = unsafe { adopt(rbio) };
            ssl.lock().rbio = r;
            return Ok(());
        }
        // SAFETY: BIO references handed over per SSL_set_bio's contract.
        let (r, w) = unsafe { (adopt(rbio), adopt(wbio)) };
        ssl.set_bio(r, w);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set0_rbio(s: *mut ssl_st, rbio: *mut BIO) {
    entry!(SSL_set0_rbio, {
        // SAFETY: live handle; the reference moves to the SSL.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: BIO references handed over per SSL_set_bio's contract.
        let r = unsafe { adopt(rbio) };
        ssl.lock().rbio = r;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set0_wbio(s: *mut ssl_st, wbio: *mut BIO) {
    entry!(SSL_set0_wbio, {
        // SAFETY: live handle; the reference moves to the SSL.
        let ssl = unsafe { handle::ssl(s) }?;
        // SAFETY: BIO references handed over per SSL_set_bio's contract.
        let w = unsafe { adopt(wbio) };
        ssl.lock().wbio = w;
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_rbio(s: *const ssl_st) -> *mut BIO {
    // SAFETY: live handle; the BIO stays owned by the SSL.
    entry!(SSL_get_rbio, { Ok(unsafe { handle::ssl(s) }?.lock().rbio.as_ref().map_or(std::ptr::null_mut(), |b| b.as_ptr())) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_wbio(s: *const ssl_st) -> *mut BIO {
    // SAFETY: live handle; the BIO stays owned by the SSL.
    entry!(SSL_get_wbio, { Ok(unsafe { handle::ssl(s) }?.lock().wbio.as_ref().map_or(std::ptr::null_mut(), |b| b.as_ptr())) })
}

fn set_fd(s: *mut ssl_st, fd: c_int, read: bool, write: bool) -> Result<c_int, Error> {
    // SAFETY: live handle per the caller of the entry point.
    let ssl = unsafe { handle::ssl(s) }?;
    let bio = Arc::new(Bio::socket(fd).ok_or_else(|| Error::ssl(crate::libcrypto::sys::ERR_R_SYS_LIB))?);
    let mut g = ssl.lock();
    if read {
        g.rbio = Some(bio.clone());
    }
    if write {
        g.wbio = Some(bio);
    }
    Ok(1)
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_fd(s: *mut ssl_st, fd: c_int) -> c_int {
    entry!(SSL_set_fd, { set_fd(s, fd, true, true) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_rfd(s: *mut ssl_st, fd: c_int) -> c_int {
    entry!(SSL_set_rfd, { set_fd(s, fd, true, false) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_wfd(s: *mut ssl_st, fd: c_int) -> c_int {
    entry!(SSL_set_wfd, { set_fd(s, fd, false, true) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_fd(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_fd, fail = -1, { Ok(unsafe { handle::ssl(s) }?.lock().rbio.as_ref().map_or(-1, |b| b.fd())) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_rfd(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_rfd, fail = -1, { Ok(unsafe { handle::ssl(s) }?.lock().rbio.as_ref().map_or(-1, |b| b.fd())) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_wfd(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_wfd, fail = -1, { Ok(unsafe { handle::ssl(s) }?.lock().wbio.as_ref().map_or(-1, |b| b.fd())) })
}

// ---- handshake ----------------------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_accept_state(s: *mut ssl_st) {
    entry!(SSL_set_accept_state, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?.set_side(Side::Server);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_connect_state(s: *mut ssl_st) {
    entry!(SSL_set_connect_state, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?.set_side(Side::Client);
        Ok(())
    })
}

fn handshake(ssl: &Arc<Ssl>) -> Result<c_int, Error> {
    io_result(ssl.handshake().map(|()| 1))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_accept(s: *mut ssl_st) -> c_int {
    entry!(SSL_accept, fail = -1, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        if ssl.side().is_none() {
            ssl.set_side(Side::Server);
        }
        {
            // After a refused renegotiation the connection itself is intact:
            // let mod_ssl's output path send its 403 response.
            let mut g = ssl.lock();
            if g.reneg_refused && g.facts.state == crate::tls::ssl::HsState::Done {
                g.reneg_refused = false;
                return Ok(1);
            }
        }
        handshake(&ssl)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_connect(s: *mut ssl_st) -> c_int {
    entry!(SSL_connect, fail = -1, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        if ssl.side().is_none() {
            ssl.set_side(Side::Client);
        }
        handshake(&ssl)
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_do_handshake(s: *mut ssl_st) -> c_int {
    entry!(SSL_do_handshake, fail = -1, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        if ssl.lock().reneg_refused {
            return Err(Error::ssl(SSL_R_NO_RENEGOTIATION).with_detail("renegotiation is not supported by sslshim (rustls)"));
        }
        handshake(&ssl)
    })
}

// ---- data -------------------------------------------------------------------------

fn read_common(s: *mut ssl_st, buf: *mut c_void, num: c_int, peek: bool) -> Result<c_int, Error> {
    // SAFETY: live handle per the caller of the entry point.
    let ssl = unsafe { handle::ssl(s) }?;
    if num < 0 {
        return Err(Error::ssl(SSL_R_BAD_LENGTH));
    }
    if buf.is_null() && num > 0 {
        return Err(Error::null_arg());
    }
    let slice: &mut [u8] = if num == 0 {
        &mut []
    } else {
        // SAFETY: the caller's buffer is writable for `num` bytes.
        unsafe { std::slice::from_raw_parts_mut(buf.cast(), num as usize) }
    };
    io_result(ssl.read(slice, peek))
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_read(s: *mut ssl_st, buf: *mut c_void, num: c_int) -> c_int {
    entry!(SSL_read, fail = -1, { read_common(s, buf, num, false) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_peek(s: *mut ssl_st, buf: *mut c_void, num: c_int) -> c_int {
    entry!(SSL_peek, fail = -1, { read_common(s, buf, num, true) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_write(s: *mut ssl_st, buf: *const c_void, num: c_int) -> c_int {
    entry!(SSL_write, fail = -1, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        if num < 0 {
            return Err(Error::ssl(SSL_R_BAD_LENGTH));
        }
        if buf.is_null() && num > 0 {
            return Err(Error::null_arg());
        }
        let slice: &[u8] = if num == 0 {
            &[]
        } else {
            // SAFETY: the caller's buffer is readable for `num` bytes.
            unsafe { std::slice::from_raw_parts(buf.cast(), num as usize) }
        };
        match ssl.write(slice) {
            Ok(0) if num == 0 => Ok(0),
            r => io_result(r),
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_pending(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_pending, { Ok(c_int::try_from(unsafe { handle::ssl(s) }?.pending()).unwrap_or(c_int::MAX)) })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_has_pending(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_has_pending, { Ok(c_int::from(unsafe { handle::ssl(s) }?.has_pending())) })
}

/// OpenSSL's rule: a positive return is success; otherwise an error on
/// this thread's queue means SSL (or SYSCALL for system errors); otherwise
/// what the last call was waiting for.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_error(s: *const ssl_st, ret: c_int) -> c_int {
    entry!(SSL_get_error, fail = SSL_ERROR_SSL, {
        if ret > 0 {
            return Ok(SSL_ERROR_NONE);
        }
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        let e = err::peek_error();
        if e != 0 {
            return Ok(if sys::err_get_lib(e) == sys::ERR_LIB_SYS { SSL_ERROR_SYSCALL } else { SSL_ERROR_SSL });
        }
        Ok(match ssl.last() {
            Last::WantRead => SSL_ERROR_WANT_READ,
            Last::WantWrite => SSL_ERROR_WANT_WRITE,
            Last::ZeroReturn => SSL_ERROR_ZERO_RETURN,
            Last::Ssl => SSL_ERROR_SSL,
            Last::Syscall | Last::Nothing => {
                if ssl.lock().shutdown & SSL_RECEIVED_SHUTDOWN != 0 { SSL_ERROR_ZERO_RETURN } else { SSL_ERROR_SYSCALL }
            }
        })
    })
}

// ---- shutdown ---------------------------------------------------------------------

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_shutdown(s: *mut ssl_st) -> c_int {
    entry!(SSL_shutdown, fail = -1, {
        // SAFETY: live handle per the caller.
        let ssl = unsafe { handle::ssl(s) }?;
        match ssl.shutdown() {
            Ok(r) => Ok(r),
            Err(Stop::Fatal(e)) => Err(e),
            Err(_) => Ok(-1),
        }
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_set_shutdown(s: *mut ssl_st, mode: c_int) {
    entry!(SSL_set_shutdown, {
        // SAFETY: live handle per the caller.
        unsafe { handle::ssl(s) }?.lock().shutdown = mode & (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        Ok(())
    })
}

#[unsafe(no_mangle)]
pub unsafe extern "C" fn SSL_get_shutdown(s: *const ssl_st) -> c_int {
    // SAFETY: live handle per the caller.
    entry!(SSL_get_shutdown, { Ok(unsafe { handle::ssl(s) }?.lock().shutdown) })
}
