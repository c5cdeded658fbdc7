//! Raw TCP and hand-made TLS bytes for bad-input tests: ClientHellos, records, alerts,
//! and reading until the server closes.

use crate::Rng;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

pub const CT_CHANGE_CIPHER_SPEC: u8 = 20;
pub const CT_ALERT: u8 = 21;
pub const CT_HANDSHAKE: u8 = 22;
pub const CT_APPLICATION_DATA: u8 = 23;

pub const HS_CLIENT_HELLO: u8 = 1;
pub const HS_SERVER_HELLO: u8 = 2;

/// TLS 1.2 maximum plaintext record: 2^14.
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// TLS 1.2 maximum ciphertext record: 2^14 + 2048.
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 2048;

/// A ClientHello we build ourselves (so tests can cut it, send it slowly, or lie in it).
#[derive(Debug, Clone)]
pub struct ClientHello {
    /// Version in the record header (0x0301 as browsers send).
    pub record_version: u16,
    /// `legacy_version` in the ClientHello body.
    pub legacy_version: u16,
    pub cipher_suites: Vec<u16>,
    pub server_name: Option<String>,
    /// `supported_versions` extension; `None` leaves it out (a pre-TLS1.3 client).
    pub supported_versions: Option<Vec<u16>>,
    pub groups: Vec<u16>,
    /// `signature_algorithms`; `None` leaves it out (TLS 1.0/1.1 clients do).
    pub sig_algs: Option<Vec<u16>>,
    /// Add an X25519 key_share (with random bytes: fine for provoking a ServerHello).
    pub x25519_key_share: bool,
    pub alpn: Vec<String>,
    pub seed: u64,
}

impl ClientHello {
    /// A TLS 1.3 + 1.2 ClientHello like a modern client's (SNI localhost, X25519 key share).
    pub fn modern() -> ClientHello {
        ClientHello {
            record_version: 0x0301,
            legacy_version: 0x0303,
            cipher_suites: vec![
                0x1301, 0x1302, 0x1303, // TLS1.3 AES128-GCM, AES256-GCM, CHACHA20
                0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, // ECDHE GCM / CHACHA
            ],
            server_name: Some("localhost".into()),
            supported_versions: Some(vec![0x0304, 0x0303]),
            groups: vec![0x001d, 0x0017, 0x0018], // x25519, secp256r1, secp384r1
            sig_algs: Some(vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ]),
            x25519_key_share: true,
            alpn: vec![],
            seed: 1,
        }
    }

    /// A client that only speaks `version` (0x0301 TLS 1.0, 0x0302 TLS 1.1): no
    /// supported_versions, no signature_algorithms, CBC-SHA suites.
    pub fn legacy(version: u16) -> ClientHello {
        ClientHello {
            record_version: 0x0301,
            legacy_version: version,
            cipher_suites: vec![0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a],
            server_name: Some("localhost".into()),
            supported_versions: None,
            groups: vec![0x001d, 0x0017, 0x0018],
            sig_algs: None,
            x25519_key_share: false,
            alpn: vec![],
            seed: 2,
        }
    }

    /// The handshake message (type 1 + 24-bit length + body).
    pub fn handshake_message(&self) -> Vec<u8> {
        let mut rng = Rng::new(self.seed);
        let mut body = Vec::new();
        put_u16(&mut body, self.legacy_version);
        body.extend(rng.bytes(32)); // random
        body.push(32);
        body.extend(rng.bytes(32)); // legacy_session_id
        let mut suites = Vec::new();
        for s in &self.cipher_suites {
            put_u16(&mut suites, *s);
        }
        put_vec16(&mut body, &suites);
        body.extend([1, 0]); // compression: null only
        let mut exts = Vec::new();
        if let Some(name) = &self.server_name {
            let mut list = vec![0u8];
            put_vec16(&mut list, name.as_bytes());
            let mut sni = Vec::new();
            put_vec16(&mut sni, &list);
            ext(&mut exts, 0, &sni);
        }
        let mut groups = Vec::new();
        for g in &self.groups {
            put_u16(&mut groups, *g);
        }
        let mut g = Vec::new();
        put_vec16(&mut g, &groups);
        ext(&mut exts, 10, &g); // supported_groups
        ext(&mut exts, 11, &[1, 0]); // ec_point_formats: uncompressed
        if let Some(algs) = &self.sig_algs {
            let mut a = Vec::new();
            for s in algs {
                put_u16(&mut a, *s);
            }
            let mut v = Vec::new();
            put_vec16(&mut v, &a);
            ext(&mut exts, 13, &v);
        }
        if !self.alpn.is_empty() {
            let mut list = Vec::new();
            for p in &self.alpn {
                list.push(p.len() as u8);
                list.extend(p.as_bytes());
            }
            let mut v = Vec::new();
            put_vec16(&mut v, &list);
            ext(&mut exts, 16, &v);
        }
        ext(&mut exts, 23, &[]); // extended_master_secret
        ext(&mut exts, 0xff01, &[0]); // renegotiation_info (empty)
        if let Some(vers) = &self.supported_versions {
            let mut v = vec![(vers.len() * 2) as u8];
            for x in vers {
                put_u16(&mut v, *x);
            }
            ext(&mut exts, 43, &v);
            ext(&mut exts, 45, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
        }
        if self.x25519_key_share {
            let mut entry = Vec::new();
            put_u16(&mut entry, 0x001d);
            let mut key = rng.bytes(32);
            key[31] &= 0x7f;
            put_vec16(&mut entry, &key);
            let mut ks = Vec::new();
            put_vec16(&mut ks, &entry);
            ext(&mut exts, 51, &ks);
        }
        put_vec16(&mut body, &exts);
        let mut msg = vec![HS_CLIENT_HELLO];
        put_u24(&mut msg, body.len());
        msg.extend(body);
        msg
    }

    /// The ClientHello in one handshake record.
    pub fn to_record(&self) -> Vec<u8> {
        record(CT_HANDSHAKE, self.record_version, &self.handshake_message())
    }
}

fn put_u16(v: &mut Vec<u8>, x: u16) {
    v.extend(x.to_be_bytes());
}

fn put_u24(v: &mut Vec<u8>, x: usize) {
    v.extend(&(x as u32).to_be_bytes()[1..]);
}

fn put_vec16(v: &mut Vec<u8>, data: &[u8]) {
    put_u16(v, data.len() as u16);
    v.extend(data);
}

fn ext(v: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(v, kind);
    put_vec16(v, data);
}

/// A TLS record: header + payload.
pub fn record(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![content_type];
    put_u16(&mut v, version);
    put_u16(&mut v, payload.len() as u16);
    v.extend(payload);
    v
}

/// Just a record header announcing `len` bytes (may exceed what TLS allows).
pub fn record_header(content_type: u8, version: u16, len: u16) -> Vec<u8> {
    let mut v = vec![content_type];
    put_u16(&mut v, version);
    put_u16(&mut v, len);
    v
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub content_type: u8,
    pub version: u16,
    pub payload: Vec<u8>,
}

/// Splits `buf` into complete records; also returns how many trailing bytes were incomplete.
pub fn parse_records(buf: &[u8]) -> (Vec<Record>, usize) {
    let mut out = Vec::new();
    let mut i = 0;
    while buf.len() - i >= 5 {
        let len = u16::from_be_bytes([buf[i + 3], buf[i + 4]]) as usize;
        if buf.len() - i - 5 < len {
            break;
        }
        out.push(Record {
            content_type: buf[i],
            version: u16::from_be_bytes([buf[i + 1], buf[i + 2]]),
            payload: buf[i + 5..i + 5 + len].to_vec(),
        });
        i += 5 + len;
    }
    (out, buf.len() - i)
}

/// The first plaintext alert in `buf`: (level, description).
pub fn first_alert(buf: &[u8]) -> Option<(u8, u8)> {
    let (recs, _) = parse_records(buf);
    recs.iter()
        .find(|r| r.content_type == CT_ALERT && r.payload.len() == 2)
        .map(|r| (r.payload[0], r.payload[1]))
}

/// Handshake message types in the plaintext handshake records of `buf` (first one per record).
pub fn handshake_types(buf: &[u8]) -> Vec<u8> {
    let (recs, _) = parse_records(buf);
    recs.iter()
        .filter(|r| r.content_type == CT_HANDSHAKE && !r.payload.is_empty())
        .map(|r| r.payload[0])
        .collect()
}

pub fn alert_name(desc: u8) -> &'static str {
    match desc {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => "unknown",
    }
}

/// How a connection ended while we read from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Orderly close (read returned 0).
    Eof,
    /// Connection reset (or another read error).
    Reset,
    /// Still open when our deadline passed.
    StillOpen,
}

#[derive(Debug, Clone)]
pub struct ReadOutcome {
    pub data: Vec<u8>,
    pub end: End,
    pub elapsed: Duration,
}

impl ReadOutcome {
    /// The server closed the connection (EOF or reset) before the deadline.
    pub fn closed(&self) -> bool {
        self.end != End::StillOpen
    }

    pub fn alert(&self) -> Option<(u8, u8)> {
        first_alert(&self.data)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// A loopback TCP connection to the server port.
pub fn connect(port: u16) -> io::Result<TcpStream> {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_nodelay(true)?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    Ok(s)
}

/// Writes `data`; a server that already closed (EPIPE / reset) is not an error here: `Ok(false)`.
pub fn send(s: &mut TcpStream, data: &[u8]) -> io::Result<bool> {
    match s.write_all(data) {
        Ok(()) => Ok(true),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Reads until the server closes or `timeout` passes.
pub fn read_until_closed(s: &mut TcpStream, timeout: Duration) -> ReadOutcome {
    let start = Instant::now();
    let deadline = start + timeout;
    let mut data = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return ReadOutcome {
                data,
                end: End::StillOpen,
                elapsed: start.elapsed(),
            };
        }
        let _ = s.set_read_timeout(Some(left.max(Duration::from_millis(1))));
        match s.read(&mut buf) {
            Ok(0) => {
                return ReadOutcome {
                    data,
                    end: End::Eof,
                    elapsed: start.elapsed(),
                };
            }
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                return ReadOutcome {
                    data,
                    end: End::Reset,
                    elapsed: start.elapsed(),
                };
            }
        }
    }
}

/// Reads for up to `timeout` or until at least `min` bytes arrived (or the peer closed).
pub fn read_some(s: &mut TcpStream, min: usize, timeout: Duration) -> io::Result<Vec<u8>> {
    let deadline = Instant::now() + timeout;
    let mut data = Vec::new();
    let mut buf = [0u8; 16384];
    while data.len() < min {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        s.set_read_timeout(Some(left))?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(data)
}

/// Close with a TCP RST instead of a FIN (SO_LINGER 0), like a client that crashed.
pub fn close_with_reset(s: TcpStream) {
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: valid fd and a properly sized linger struct.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&l as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(s);
}

/// Half-close our sending side (the server reads EOF).
pub fn shutdown_write(s: &TcpStream) {
    let _ = s.shutdown(Shutdown::Write);
}
