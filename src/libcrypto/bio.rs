//! `BIO`s: all TLS bytes go through the host's BIOs with `BIO_read`,
//! `BIO_write` and `BIO_ctrl`, honouring their retry flags, so any libcrypto
//! BIO works (mod_ssl's APR filter BIOs, sockets, memory BIOs, pairs).

use super::{Raw, sys};
use openssl_sys as ffi;
use std::ffi::c_int;
use std::io;

/// One reference to a libcrypto `BIO` (freed with `BIO_free_all`, as
/// `SSL_free` does).
#[derive(Debug)]
pub struct Bio(Raw<ffi::BIO>);

impl Bio {
    /// # Safety
    /// `p` is null or a valid `BIO*` whose reference is transferred.
    pub unsafe fn from_owned(p: *mut ffi::BIO) -> Option<Self> {
        Raw::new(p).map(Bio)
    }

    pub fn as_ptr(&self) -> *mut ffi::BIO {
        self.0.as_ptr()
    }

    /// A new socket BIO on `fd` that does not close it (`SSL_set_fd`).
    pub fn socket(fd: c_int) -> Option<Self> {
        // SAFETY: BIO_new_socket only records the descriptor.
        unsafe { Bio::from_owned(sys::BIO_new_socket(fd, sys::BIO_NOCLOSE)) }
    }

    /// The descriptor of a socket/fd BIO (`BIO_get_fd`), or -1.
    pub fn fd(&self) -> c_int {
        let mut fd: c_int = -1;
        // SAFETY: BIO_C_GET_FD writes an int through the pointer when the BIO
        // has a descriptor and returns it; other BIOs return <= 0.
        let r = unsafe { ffi::BIO_ctrl(self.as_ptr(), sys::BIO_C_GET_FD, 0, (&mut fd as *mut c_int).cast()) };
        if r < 0 { -1 } else { r as c_int }
    }

    /// `BIO_read`, mapped onto the three outcomes the engine distinguishes.
    pub fn read(&self, buf: &mut [u8]) -> ReadOutcome {
        let len = buf.len().min(i32::MAX as usize) as c_int;
        // SAFETY: `buf` is writable for `len` bytes; the BIO is valid.
        let n = unsafe { ffi::BIO_read(self.as_ptr(), buf.as_mut_ptr().cast(), len) };
        if n > 0 {
            return ReadOutcome::Data(n as usize);
        }
        if self.should_retry() {
            return ReadOutcome::Retry;
        }
        // SAFETY: BIO_CTRL_EOF takes no argument.
        let eof = unsafe { ffi::BIO_ctrl(self.as_ptr(), sys::BIO_CTRL_EOF, 0, std::ptr::null_mut()) } > 0;
        if n == 0 || eof { ReadOutcome::Eof } else { ReadOutcome::Error }
    }

    /// `BIO_write`: the number of bytes taken, or a retry/error.
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let len = buf.len().min(i32::MAX as usize) as c_int;
        // SAFETY: `buf` is readable for `len` bytes; the BIO is valid.
        let n = unsafe { ffi::BIO_write(self.as_ptr(), buf.as_ptr().cast(), len) };
        if n > 0 {
            Ok(n as usize)
        } else if self.should_retry() {
            Err(io::ErrorKind::WouldBlock.into())
        } else {
            Err(io::Error::other("BIO_write failed"))
        }
    }

    /// `BIO_flush`.
    pub fn flush(&self) -> io::Result<()> {
        // SAFETY: BIO_CTRL_FLUSH takes no argument.
        let r = unsafe { ffi::BIO_ctrl(self.as_ptr(), sys::BIO_CTRL_FLUSH, 0, std::ptr::null_mut()) };
        if r > 0 {
            Ok(())
        } else if self.should_retry() {
            Err(io::ErrorKind::WouldBlock.into())
        } else {
            Err(io::Error::other("BIO_flush failed"))
        }
    }

    /// Bytes the BIO holds for reading (`BIO_pending`), 0 if unknown.
    pub fn pending(&self) -> usize {
        // SAFETY: BIO_CTRL_PENDING takes no argument.
        let r = unsafe { ffi::BIO_ctrl(self.as_ptr(), sys::BIO_CTRL_PENDING, 0, std::ptr::null_mut()) };
        r.max(0) as usize
    }

    pub fn should_retry(&self) -> bool {
        // SAFETY: reads the BIO's flags.
        unsafe { sys::BIO_test_flags(self.as_ptr(), sys::BIO_FLAGS_SHOULD_RETRY) != 0 }
    }

    pub fn should_read(&self) -> bool {
        // SAFETY: reads the BIO's flags.
        unsafe { sys::BIO_test_flags(self.as_ptr(), sys::BIO_FLAGS_READ) != 0 }
    }

    pub fn should_write(&self) -> bool {
        // SAFETY: reads the BIO's flags.
        unsafe { sys::BIO_test_flags(self.as_ptr(), sys::BIO_FLAGS_WRITE) != 0 }
    }
}

impl Drop for Bio {
    fn drop(&mut self) {
        // SAFETY: we own one reference to the head of the chain.
        unsafe { ffi::BIO_free_all(self.as_ptr()) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    Data(usize),
    /// No data now; the BIO set its retry flag (non-blocking I/O).
    Retry,
    /// End of stream (`BIO_eof` or a 0 return).
    Eof,
    /// Failure without retry and without EOF (an I/O error, a timeout).
    Error,
}

/// Where the input stands relative to TLS record boundaries.
///
/// Without read-ahead (OpenSSL's default), libssl never takes more from the
/// BIO than the record it is reading: what the peer sends next stays in the
/// socket, so a host that polls the socket when `SSL_pending()` is 0 (curl
/// does) is woken for it. rustls alone would read everything available.
#[derive(Clone, Copy, Debug, Default)]
pub struct RecordLimit {
    header: [u8; 5],
    header_len: usize,
    body_left: usize,
}

impl RecordLimit {
    /// How much may be read now without crossing the current record.
    fn allowance(&self) -> usize {
        if self.body_left > 0 { self.body_left } else { 5 - self.header_len }
    }

    fn consumed(&mut self, data: &[u8]) {
        if self.body_left > 0 {
            self.body_left -= data.len().min(self.body_left);
            return;
        }
        let n = data.len().min(5 - self.header_len);
        self.header[self.header_len..self.header_len + n].copy_from_slice(&data[..n]);
        self.header_len += n;
        if self.header_len == 5 {
            self.body_left = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
            self.header_len = 0;
        }
    }
}

/// `io::Read` over a BIO for rustls' `read_tls`. Records how the stream ended.
pub struct BioReader<'a> {
    pub bio: &'a Bio,
    /// When set, every byte read is appended (to parse the raw ClientHello).
    pub capture: Option<&'a mut Vec<u8>>,
    pub ended: Option<ReadOutcome>,
    /// Record-at-a-time reading (no read-ahead); `None` reads what is there.
    pub limit: Option<&'a mut RecordLimit>,
}

impl io::Read for BioReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let max = self.limit.as_deref().map_or(buf.len(), |l| l.allowance().min(buf.len()));
        let buf = &mut buf[..max];
        match self.bio.read(buf) {
            ReadOutcome::Data(n) => {
                if let Some(l) = self.limit.as_deref_mut() {
                    l.consumed(&buf[..n]);
                }
                if let Some(c) = self.capture.as_deref_mut() {
                    c.extend_from_slice(&buf[..n]);
                }
                Ok(n)
            }
            ReadOutcome::Retry => Err(io::ErrorKind::WouldBlock.into()),
            end => {
                self.ended = Some(end);
                Ok(0)
            }
        }
    }
}

/// `io::Write` over a BIO for rustls' `write_tls`. Several queued TLS
/// records are coalesced into one `BIO_write` (mod_ssl turns every write
/// into a bucket passed down httpd's filter chain, so fewer is cheaper).
/// The coalescing buffer is per thread, not per connection, so an idle
/// connection holds none of it.
pub struct BioWriter<'a> {
    pub bio: &'a Bio,
    pub written: usize,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

const COALESCE_LIMIT: usize = 64 * 1024;

impl io::Write for BioWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.bio.write(buf)?;
        self.written += n;
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let nonempty = bufs.iter().filter(|b| !b.is_empty()).count();
        if nonempty <= 1 {
            return match bufs.iter().find(|b| !b.is_empty()) {
                Some(b) => self.write(b),
                None => Ok(0),
            };
        }
        // Taken out of the thread-local for the call: a BIO that re-enters
        // the library on this thread finds an empty buffer of its own.
        let mut scratch = SCRATCH.with(|c| c.take());
        scratch.clear();
        for b in bufs {
            if !scratch.is_empty() && scratch.len() + b.len() > COALESCE_LIMIT {
                break;
            }
            scratch.extend_from_slice(b);
        }
        let r = self.bio.write(&scratch);
        SCRATCH.with(|c| c.set(scratch));
        let n = r?;
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.bio.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::RecordLimit;

    #[test]
    fn record_limit_walks_records() {
        let mut l = RecordLimit::default();
        assert_eq!(l.allowance(), 5);
        l.consumed(&[23, 3, 3]);
        assert_eq!(l.allowance(), 2);
        l.consumed(&[0, 10]);
        assert_eq!(l.allowance(), 10);
        l.consumed(&[0; 4]);
        assert_eq!(l.allowance(), 6);
        l.consumed(&[0; 6]);
        assert_eq!(l.allowance(), 5);
        l.consumed(&[21, 3, 3, 0, 0]);
        assert_eq!(l.allowance(), 5, "an empty record ends at its header");
    }
}
