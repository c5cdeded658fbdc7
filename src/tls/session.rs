//! `SSL_SESSION`: what mod_ssl's session cache stores and looks up.
//!
//! A session carries OpenSSL's visible attributes (id, id context, times,
//! protocol, cipher, SNI) and rustls' opaque resumption value. It encodes
//! to a versioned, self-describing byte string (`i2d_SSL_SESSION`); a blob
//! that fails to decode is a cache miss, never a crash.

#![forbid(unsafe_code)]


use super::ciphers::{self, CipherInfo};
use crate::libcrypto::exdata::ExData;
use crate::libcrypto::sys::CRYPTO_EX_INDEX_SSL_SESSION;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    pub id: Vec<u8>,
    pub sid_ctx: Vec<u8>,
    pub time: i64,
    pub timeout: i64,
    pub version: u16,
    pub cipher_id: u32,
    pub hostname: Option<String>,
    /// The peer verification result of the handshake that made the session
    /// (`SSL_get_verify_result` after resuming, as OpenSSL restores it).
    pub verify_result: i64,
    /// rustls' opaque resumption value (server side), or empty.
    pub value: Vec<u8>,
}

/// rustls' client-side resumption state. It lives only in memory: an
/// encoded client session (`i2d_SSL_SESSION`) decodes to one that does not
/// resume, so clients that keep `SSL_SESSION*`s in memory (libcurl, nginx
/// upstreams) resume and ones that serialise them get full handshakes.
/// A TLS 1.3 ticket is used once (RFC 8446 appendix C.4; rustls' rule):
/// the resumed handshake brings new tickets, hence new sessions.
#[derive(Debug)]
pub enum ClientResume {
    Tls13(rustls::client::Tls13ClientSessionValue),
    Tls12(rustls::client::Tls12ClientSessionValue),
}

#[derive(Debug)]
pub struct Session {
    meta: Mutex<Meta>,
    /// Client sessions made from a server's ticket or session ID.
    client: Mutex<Option<ClientResume>>,
    /// Fixed copies for the pointers `SSL_SESSION_get_id` and
    /// `SSL_SESSION_get0_hostname` hand out (valid for the session's life).
    id: Vec<u8>,
    host: Option<std::ffi::CString>,
    pub ex_data: ExData,
}

/// A fresh 32-byte session ID (empty if the RNG fails: such a session is
/// simply never found again).
pub fn random_id() -> Vec<u8> {
    let mut id = vec![0u8; 32];
    if aws_lc_rs::rand::fill(&mut id).is_err() {
        id.clear();
    }
    id
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Session {
    pub fn new(meta: Meta) -> Session {
        let id = meta.id.clone();
        let host = meta.hostname.as_deref().and_then(|h| std::ffi::CString::new(h).ok());
        Session { meta: Mutex::new(meta), client: Mutex::new(None), id, host, ex_data: ExData::new(CRYPTO_EX_INDEX_SSL_SESSION) }
    }

    /// A client session that resumes with `value` when offered again.
    pub fn new_client(meta: Meta, value: ClientResume) -> Session {
        let s = Session::new(meta);
        *s.client.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
        s
    }

    /// The client resumption state for a handshake offering this session:
    /// a TLS 1.2 session (ID or ticket) stays reusable, a TLS 1.3 ticket
    /// is taken.
    pub fn client_resume(&self, tls13: bool) -> Option<ClientResume> {
        let mut c = self.client.lock().unwrap_or_else(|e| e.into_inner());
        match &*c {
            Some(ClientResume::Tls12(v)) if !tls13 => Some(ClientResume::Tls12(v.clone())),
            Some(ClientResume::Tls13(_)) if tls13 => c.take(),
            _ => None,
        }
    }

    /// `SSL_SESSION_is_resumable`.
    pub fn is_resumable(&self) -> bool {
        self.client.lock().unwrap_or_else(|e| e.into_inner()).is_some() || self.with(|m| !m.value.is_empty())
    }

    pub fn id_ptr(&self) -> (*const u8, usize) {
        (self.id.as_ptr(), self.id.len())
    }

    pub fn hostname_ptr(&self) -> *const std::ffi::c_char {
        self.host.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
    }

    pub fn meta(&self) -> Meta {
        self.meta.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Meta) -> R) -> R {
        f(&mut self.meta.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn cipher(&self) -> Option<&'static CipherInfo> {
        let id = self.with(|m| m.cipher_id);
        ciphers::find_by_id(id)
    }

    pub fn encode(&self) -> Vec<u8> {
        encode(&self.meta())
    }
}

const MAGIC: &[u8; 8] = b"SSLSHIM\x02";

/// Version 2 layout: magic, then length-prefixed fields (u16 lengths,
/// big-endian numbers).
pub fn encode(m: &Meta) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + m.value.len());
    out.extend_from_slice(MAGIC);
    put(&mut out, &m.id);
    put(&mut out, &m.sid_ctx);
    out.extend_from_slice(&m.time.to_be_bytes());
    out.extend_from_slice(&m.timeout.to_be_bytes());
    out.extend_from_slice(&m.version.to_be_bytes());
    out.extend_from_slice(&m.cipher_id.to_be_bytes());
    out.extend_from_slice(&m.verify_result.to_be_bytes());
    put(&mut out, m.hostname.as_deref().unwrap_or("").as_bytes());
    put(&mut out, &m.value);
    out
}

fn put(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len().min(u16::MAX as usize);
    out.extend_from_slice(&(n as u16).to_be_bytes());
    out.extend_from_slice(&b[..n]);
}

pub fn decode(mut b: &[u8]) -> Option<Meta> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if b.len() < n {
            return None;
        }
        let (h, t) = b.split_at(n);
        *b = t;
        Some(h)
    }
    fn field(b: &mut &[u8]) -> Option<Vec<u8>> {
        let n = take(b, 2)?;
        let n = usize::from(u16::from_be_bytes([n[0], n[1]]));
        take(b, n).map(<[u8]>::to_vec)
    }
    if take(&mut b, 8)? != MAGIC {
        return None;
    }
    let id = field(&mut b)?;
    let sid_ctx = field(&mut b)?;
    let time = i64::from_be_bytes(take(&mut b, 8)?.try_into().ok()?);
    let timeout = i64::from_be_bytes(take(&mut b, 8)?.try_into().ok()?);
    let version = u16::from_be_bytes(take(&mut b, 2)?.try_into().ok()?);
    let cipher_id = u32::from_be_bytes(take(&mut b, 4)?.try_into().ok()?);
    let verify_result = i64::from_be_bytes(take(&mut b, 8)?.try_into().ok()?);
    let host = field(&mut b)?;
    let value = field(&mut b)?;
    // Every field must be one we could have written: a blob damaged in the
    // cache (or written by someone else) is a miss, never trusted.
    let plausible = b.is_empty()
        && id.len() <= 32
        && sid_ctx.len() <= 32
        && time > 0
        && timeout >= 0
        && matches!(version, 0 | 0x0303 | 0x0304)
        && (cipher_id == 0 || ciphers::find_by_id(cipher_id).is_some())
        && (-1..=1000).contains(&verify_result);
    if !plausible {
        return None;
    }
    let hostname = if host.is_empty() { None } else { Some(String::from_utf8(host).ok()?) };
    Some(Meta { id, sid_ctx, time, timeout, version, cipher_id, hostname, verify_result, value })
}

impl Drop for Session {
    fn drop(&mut self) {
        let me = crate::libcrypto::HostPtr::from_ptr(self as *mut Session);
        self.ex_data.free(me);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let m = Meta { id: vec![1; 32], sid_ctx: b"ctx".to_vec(), time: 5, timeout: 300, version: 0x0303, cipher_id: 0x0300C02F, hostname: Some("a.test".into()), verify_result: 19, value: vec![9; 100] };
        assert_eq!(decode(&encode(&m)), Some(m));
    }

    #[test]
    fn garbage_and_truncation_are_misses() {
        let m = Meta { id: vec![1; 4], time: 1, ..Meta::default() };
        let e = encode(&m);
        for n in 0..e.len() {
            assert_eq!(decode(&e[..n]), None);
        }
        assert_eq!(decode(b"garbage"), None);
        let mut long = e.clone();
        long.push(0);
        assert_eq!(decode(&long), None);
        let bad_verify = Meta { verify_result: 0x0100_0000_0000, ..m.clone() };
        assert_eq!(decode(&encode(&bad_verify)), None);
        let bad_version = Meta { version: 0x0301, ..m };
        assert_eq!(decode(&encode(&bad_version)), None);
    }
}
