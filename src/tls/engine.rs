//! The engine: drives a rustls connection over the host's BIOs with
//! OpenSSL's I/O semantics.
//!
//! * Every handshake flight, alert and close_notify is followed by
//!   `BIO_flush` (mod_ssl's output BIO sends only on flush); application
//!   data is not flushed, as in OpenSSL.
//! * `SSL_write` either takes the bytes or reports a retry without having
//!   taken them -- except when the BIO blocks *after* bytes were taken: then
//!   the count is remembered and the caller's retry (OpenSSL requires the
//!   same buffer) completes the write and reports it, never queuing twice.
//! * A BIO's retry flag means WANT_READ/WANT_WRITE; EOF without close_notify
//!   is `SSL_R_UNEXPECTED_EOF_WHILE_READING`, or a clean close with
//!   `SSL_OP_IGNORE_UNEXPECTED_EOF` (mod_ssl sets it).

use super::config::{Variant, VerifyClass, version_mask};
use super::error::Error;
use super::hello::{RawHello, looks_like_http};
use super::ssl::{HsState, Last, Side, Ssl};
use crate::callbacks;
use crate::consts::*;
use crate::libcrypto::bio::{Bio, BioReader, BioWriter, ReadOutcome, RecordLimit};
use crate::libcrypto::reasons::*;
use crate::libcrypto::x509::X509;
use rustls::server::{Accepted, Acceptor};
use rustls::{Connection, HandshakeKind};
use std::ffi::c_int;
use std::io::{self, BufRead, Read, Write};
use std::sync::Arc;

/// Why a driving call stopped without completing.
#[derive(Debug)]
pub enum Stop {
    WantRead,
    WantWrite,
    /// The peer closed cleanly (close_notify, or EOF with IGNORE_UNEXPECTED_EOF).
    ZeroReturn,
    /// The BIO failed without a retry flag (an I/O error or timeout).
    Syscall(String),
    /// A TLS failure: goes on the error queue.
    Fatal(Error),
}

impl Stop {
    pub fn last(&self) -> Last {
        match self {
            Stop::WantRead => Last::WantRead,
            Stop::WantWrite => Last::WantWrite,
            Stop::ZeroReturn => Last::ZeroReturn,
            Stop::Syscall(_) => Last::Syscall,
            Stop::Fatal(_) => Last::Ssl,
        }
    }
}

type R<T> = std::result::Result<T, Stop>;

/// What a driving call needs from the connection's shared state.
pub struct Io {
    /// `SSL_CTX_set_read_ahead`: take everything the BIO has.
    pub read_ahead: bool,
    pub rbio: Option<Arc<Bio>>,
    pub wbio: Option<Arc<Bio>>,
    pub options: u64,
    pub mode: u32,
    pub side: Option<Side>,
}

impl Io {
    fn rbio(&self) -> R<&Bio> {
        self.rbio.as_deref().ok_or_else(|| Stop::Fatal(Error::ssl(SSL_R_BIO_NOT_SET)))
    }
    fn wbio(&self) -> R<&Bio> {
        self.wbio.as_deref().ok_or_else(|| Stop::Fatal(Error::ssl(SSL_R_BIO_NOT_SET)))
    }
}

enum Conn {
    Fresh,
    Accepting { acceptor: Box<Acceptor>, raw: Vec<u8> },
    Tls(Box<Connection>),
    Dead,
}

pub struct Engine {
    conn: Conn,
    /// Bytes an interrupted `SSL_write` already handed to rustls.
    pending_write: usize,
    /// A `BIO_flush` is owed (a flight was written, the flush would block).
    need_flush: bool,
    /// How the input stream ended, once it has.
    ended: Option<ReadOutcome>,
    /// Sticky fatal error: later calls fail the same way.
    fatal: Option<Error>,
    /// Record boundaries of the input (no read-ahead).
    limit: RecordLimit,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    pub fn new() -> Engine {
        Engine { conn: Conn::Fresh, pending_write: 0, need_flush: false, ended: None, fatal: None, limit: RecordLimit::default() }
    }

    fn sticky(&self) -> Stop {
        Stop::Fatal(self.fatal.clone().unwrap_or_else(|| Error::ssl(SSL_R_PROTOCOL_IS_SHUTDOWN)))
    }

    /// Marks the connection failed after a fatal error.
    fn fail(&mut self, ssl: &Arc<Ssl>, mut stop: Stop) -> Stop {
        if let Stop::Fatal(e) = &mut stop {
            if e.reason == SSL_R_NO_SHARED_GROUPS && ssl.side() == Some(Side::Server) {
                // OpenSSL's reasons, which hosts (nginx) treat as the
                // client's doing and log quietly: TLS 1.3 finds no suitable
                // key share; TLS 1.2 finds no ECDHE suite it can use.
                let g = ssl.lock();
                let tls13 = match g.facts.version {
                    Some(v) => v == rustls::ProtocolVersion::TLSv1_3,
                    None => g.hello.as_ref().is_some_and(|h| h.offers_tls13()) && (g.max_version == 0 || g.max_version >= TLS1_3_VERSION),
                };
                e.reason = if tls13 { SSL_R_NO_SUITABLE_KEY_SHARE } else { SSL_R_NO_SHARED_CIPHER };
            }
            // Alerts the peer sent us are reported as OpenSSL does (reason
            // 1000 + alert): tell the info callback too.
            if e.reason > 1000 && e.reason < 1256 {
                ssl.info(SSL_CB_READ_ALERT, (2 << 8) | (e.reason - 1000));
            }
            if let Some(a) = e.alert {
                ssl.info_state(SSL_CB_WRITE_ALERT, (2 << 8) | c_int::from(a), "error");
            }
            self.fatal = Some(e.clone());
            let was_handshaking = !matches!(self.conn, Conn::Tls(ref c) if !c.is_handshaking());
            self.conn = Conn::Dead;
            {
                let mut g = ssl.lock();
                if g.facts.state != HsState::Done || was_handshaking {
                    g.facts.state = HsState::Failed;
                }
                g.hello = None;
            }
            let side = if ssl.side() == Some(Side::Server) { SSL_CB_ACCEPT_EXIT } else { SSL_CB_CONNECT_EXIT };
            ssl.info(side, -1);
        }
        stop
    }

    // ---- handshake -------------------------------------------------------

    pub fn handshake(&mut self, ssl: &Arc<Ssl>, io: &Io) -> R<()> {
        if self.fatal.is_some() || matches!(self.conn, Conn::Dead) {
            return Err(self.sticky());
        }
        match self.handshake_inner(ssl, io) {
            Err(s @ Stop::Fatal(_)) => Err(self.fail(ssl, s)),
            r => r,
        }
    }

    fn handshake_inner(&mut self, ssl: &Arc<Ssl>, io: &Io) -> R<()> {
        let rbio = io.rbio()?;
        let wbio = io.wbio()?;
        loop {
            match &mut self.conn {
                Conn::Fresh => {
                    ssl.lock().facts.state = HsState::InHandshake;
                    ssl.info(SSL_CB_HANDSHAKE_START, 1);
                    self.conn = match io.side {
                        Some(Side::Server) => {
                            ssl.info(SSL_CB_ACCEPT_LOOP, 1);
                            Conn::Accepting { acceptor: Box::default(), raw: Vec::new() }
                        }
                        Some(Side::Client) => {
                            ssl.info(SSL_CB_CONNECT_LOOP, 1);
                            Conn::Tls(Box::new(start_client(ssl, io)?))
                        }
                        None => return Err(Stop::Fatal(Error::ssl(SSL_R_CONNECTION_TYPE_NOT_SET))),
                    };
                }
                Conn::Accepting { acceptor, raw } => {
                    let limit = (!io.read_ahead).then_some(&mut self.limit);
                    let mut rd = BioReader { bio: rbio, capture: Some(raw), ended: None, limit };
                    match acceptor.read_tls(&mut rd) {
                        Ok(0) => {
                            self.ended = Some(rd.ended.unwrap_or(ReadOutcome::Eof));
                            return Err(eof_stop(self.ended, io, ssl));
                        }
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Stop::WantRead),
                        Err(e) => return Err(Stop::Syscall(e.to_string())),
                    }
                    match acceptor.accept() {
                        Ok(None) => {}
                        Ok(Some(accepted)) => {
                            let raw = std::mem::take(raw);
                            let conn = on_client_hello(ssl, io, accepted, &raw, wbio)?;
                            self.conn = Conn::Tls(Box::new(conn));
                        }
                        Err((err, mut alert)) => {
                            if let Some(http) = looks_like_http(raw) {
                                let reason = if http { SSL_R_HTTP_REQUEST } else { SSL_R_HTTPS_PROXY_REQUEST };
                                return Err(Stop::Fatal(Error::ssl(reason)));
                            }
                            if RawHello::from_records(raw).is_some_and(|h| h.offers_only_legacy_versions()) {
                                // SSLv3/TLS 1.0/1.1 only: say so, as OpenSSL does.
                                send_plain_alert(wbio, SSL_AD_PROTOCOL_VERSION);
                                return Err(Stop::Fatal(Error::ssl(SSL_R_UNSUPPORTED_PROTOCOL).with_detail(
                                    "the client offers only SSLv3/TLS 1.0/TLS 1.1; sslshim (rustls) supports TLS 1.2 and 1.3",
                                )));
                            }
                            if matches!(err, rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType | rustls::InvalidMessage::UnknownProtocolVersion)) {
                                // Not TLS at all: OpenSSL's "wrong version number", protocol_version.
                                send_plain_alert(wbio, SSL_AD_PROTOCOL_VERSION);
                                return Err(Stop::Fatal(Error::from_rustls(&err)));
                            }
                            if RawHello::from_records(raw).is_some_and(|h| h.sni_is_unusable()) {
                                // A NUL byte or over-long name: OpenSSL answers unrecognized_name.
                                send_plain_alert(wbio, SSL_AD_UNRECOGNIZED_NAME);
                                return Err(Stop::Fatal(Error::from_rustls(&err)));
                            }
                            if matches!(err, rustls::Error::PeerSentOversizedRecord | rustls::Error::InvalidMessage(rustls::InvalidMessage::MessageTooLarge)) {
                                // RFC 8446 5.1: record_overflow, as OpenSSL sends.
                                send_plain_alert(wbio, 22);
                                return Err(Stop::Fatal(Error::from_rustls(&err)));
                            }
                            let mut w = BioWriter { bio: wbio, written: 0 };
                            let _ = alert.write_all(&mut w);
                            let _ = wbio.flush();
                            return Err(Stop::Fatal(Error::from_rustls(&err)));
                        }
                    }
                }
                Conn::Tls(conn) => {
                    flush_tls(conn, wbio, &mut self.need_flush, true)?;
                    if !conn.is_handshaking() {
                        finish(ssl, conn);
                        return Ok(());
                    }
                    if self.ended.is_some() {
                        return Err(eof_stop(self.ended, io, ssl));
                    }
                    read_more(conn, rbio, wbio, &mut self.ended, (!io.read_ahead).then_some(&mut self.limit))?;
                }
                Conn::Dead => return Err(self.sticky()),
            }
        }
    }

    fn established(&mut self, ssl: &Arc<Ssl>, io: &Io) -> R<()> {
        match &self.conn {
            Conn::Tls(c) if !c.is_handshaking() => Ok(()),
            Conn::Dead => Err(self.sticky()),
            _ => self.handshake(ssl, io),
        }
    }

    // ---- application data ------------------------------------------------

    pub fn read(&mut self, ssl: &Arc<Ssl>, io: &Io, buf: &mut [u8], peek: bool) -> R<usize> {
        self.established(ssl, io)?;
        let r = self.read_inner(ssl, io, buf, peek);
        match r {
            Err(s @ Stop::Fatal(_)) => Err(self.fail(ssl, s)),
            r => r,
        }
    }

    fn read_inner(&mut self, ssl: &Arc<Ssl>, io: &Io, buf: &mut [u8], peek: bool) -> R<usize> {
        let rbio = io.rbio()?;
        let wbio = io.wbio()?;
        let Conn::Tls(conn) = &mut self.conn else { return Err(self.sticky()) };
        loop {
            let mut reader = conn.reader();
            match reader.fill_buf() {
                Ok([]) => {
                    let first = {
                        let mut g = ssl.lock();
                        let first = g.shutdown & SSL_RECEIVED_SHUTDOWN == 0;
                        g.shutdown |= SSL_RECEIVED_SHUTDOWN;
                        first
                    };
                    if first {
                        ssl.info(SSL_CB_READ_ALERT, 1 << 8);
                    }
                    return Err(Stop::ZeroReturn);
                }
                Ok(data) => {
                    let n = data.len().min(buf.len());
                    buf[..n].copy_from_slice(&data[..n]);
                    if !peek {
                        reader.consume(n);
                    }
                    if n > 0 || buf.is_empty() {
                        return Ok(n);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(eof_stop(self.ended, io, ssl)),
                Err(e) => return Err(Stop::Syscall(e.to_string())),
            }
            // Answer anything the peer's records asked for (key updates).
            flush_tls(conn, wbio, &mut self.need_flush, false)?;
            if self.ended.is_some() {
                return Err(eof_stop(self.ended, io, ssl));
            }
            read_more(conn, rbio, wbio, &mut self.ended, (!io.read_ahead).then_some(&mut self.limit))?;
        }
    }

    pub fn write(&mut self, ssl: &Arc<Ssl>, io: &Io, buf: &[u8]) -> R<usize> {
        self.established(ssl, io)?;
        let wbio = io.wbio()?;
        let partial = io.mode & SSL_MODE_ENABLE_PARTIAL_WRITE != 0;
        let Conn::Tls(conn) = &mut self.conn else { return Err(self.sticky()) };
        // Complete an interrupted write: its bytes are already in rustls.
        let mut done = std::mem::take(&mut self.pending_write);
        if let Err(s) = flush_tls(conn, wbio, &mut self.need_flush, false) {
            self.pending_write = done;
            return Err(s);
        }
        if done > 0 && (done >= buf.len() || partial) {
            return Ok(done.min(buf.len()));
        }
        while done < buf.len() {
            let n = match conn.writer().write(&buf[done..]) {
                Ok(n) => n,
                Err(e) => return Err(Stop::Fatal(Error::internal(format!("rustls refused data: {e}")))),
            };
            done += n;
            match flush_tls(conn, wbio, &mut self.need_flush, false) {
                Ok(()) => {}
                Err(Stop::WantWrite) if done > 0 => {
                    // The bytes are taken; the retry reports them.
                    self.pending_write = done;
                    return Err(Stop::WantWrite);
                }
                Err(s) => return Err(s),
            }
            if partial && done > 0 {
                break;
            }
            if n == 0 && !conn.wants_write() {
                return Err(Stop::Fatal(Error::internal("rustls accepted no data")));
            }
        }
        Ok(done)
    }

    // ---- shutdown --------------------------------------------------------

    pub fn shutdown(&mut self, ssl: &Arc<Ssl>, io: &Io) -> R<c_int> {
        let wbio = io.wbio()?;
        let rbio = io.rbio()?;
        let Conn::Tls(conn) = &mut self.conn else { return Err(self.sticky()) };
        let flags = ssl.lock().shutdown;
        if flags & SSL_SENT_SHUTDOWN == 0 {
            ssl.lock().shutdown |= SSL_SENT_SHUTDOWN;
            conn.send_close_notify();
            ssl.info(SSL_CB_WRITE_ALERT, 1 << 8);
            flush_tls(conn, wbio, &mut self.need_flush, true)?;
        } else if conn.wants_write() || self.need_flush {
            flush_tls(conn, wbio, &mut self.need_flush, true)?;
        } else if flags & SSL_RECEIVED_SHUTDOWN == 0 {
            // Wait for the peer's close_notify, discarding data.
            loop {
                let mut sink = [0u8; 4096];
                match conn.reader().read(&mut sink) {
                    Ok(0) => {
                        ssl.lock().shutdown |= SSL_RECEIVED_SHUTDOWN;
                        break;
                    }
                    Ok(_) => continue,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(_) => return Err(Stop::Syscall("EOF while waiting for close_notify".into())),
                }
                if self.ended.is_some() {
                    return Err(Stop::Syscall("EOF while waiting for close_notify".into()));
                }
                read_more(conn, rbio, wbio, &mut self.ended, (!io.read_ahead).then_some(&mut self.limit))?;
            }
        }
        let flags = ssl.lock().shutdown;
        Ok(if flags == SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN { 1 } else { 0 })
    }

    // ---- queries ---------------------------------------------------------

    pub fn pending(&mut self) -> usize {
        match &mut self.conn {
            Conn::Tls(c) => c.process_new_packets().map(|s| s.plaintext_bytes_to_read()).unwrap_or(0),
            _ => 0,
        }
    }

    pub fn has_pending(&mut self) -> bool {
        self.pending() > 0
    }
}

/// Writes everything rustls has queued, then `BIO_flush` if `flush` and
/// anything was written (or a flush is still owed).
fn flush_tls(conn: &mut Connection, wbio: &Bio, need_flush: &mut bool, flush: bool) -> R<()> {
    while conn.wants_write() {
        let mut w = BioWriter { bio: wbio, written: 0 };
        match conn.write_tls(&mut w) {
            Ok(0) => break,
            Ok(_) => *need_flush |= flush,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Stop::WantWrite),
            Err(e) => return Err(Stop::Syscall(e.to_string())),
        }
    }
    if *need_flush {
        match wbio.flush() {
            Ok(()) => *need_flush = false,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Stop::WantWrite),
            Err(e) => return Err(Stop::Syscall(e.to_string())),
        }
    }
    Ok(())
}

/// Reads what the BIO has and lets rustls process it. On a TLS error the
/// alert rustls queued is sent before the error is returned.
fn read_more(conn: &mut Connection, rbio: &Bio, wbio: &Bio, ended: &mut Option<ReadOutcome>, limit: Option<&mut RecordLimit>) -> R<()> {
    let mut rd = BioReader { bio: rbio, capture: None, ended: None, limit };
    match conn.read_tls(&mut rd) {
        Ok(0) => *ended = Some(rd.ended.unwrap_or(ReadOutcome::Eof)),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Stop::WantRead),
        // rustls' received-plaintext buffer is full: the caller drains it
        // first (only possible when reading ahead of SSL_read).
        Err(e) if e.kind() == io::ErrorKind::Other && e.to_string().contains("plaintext buffer full") => {}
        Err(e) => return Err(Stop::Syscall(e.to_string())),
    }
    if let Err(e) = conn.process_new_packets() {
        let ssl = callbacks::scope::current();
        let verify_why = ssl.as_ref().and_then(|s| s.lock().verify_failure.take());
        // During a TLS 1.2 handshake our side of the record layer is still in
        // the clear (until our ChangeCipherSpec): where OpenSSL would send a
        // different alert than rustls (or rustls sends none), send OpenSSL's.
        let clear = conn.is_handshaking() && conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_2);
        let openssl_alert = if clear {
            match &e {
                // The peer's own alert: nothing to send back.
                rustls::Error::AlertReceived(_) => None,
                rustls::Error::NoCertificatesPresented => Some(SSL_AD_HANDSHAKE_FAILURE),
                _ if verify_why.is_some() => {
                    let v = ssl.as_ref().map_or(0, |s| s.lock().verify_result);
                    Some(callbacks::verify::alert_for_x509_error(v))
                }
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType | rustls::InvalidMessage::UnknownProtocolVersion) => {
                    Some(SSL_AD_PROTOCOL_VERSION)
                }
                rustls::Error::InvalidCertificate(rustls::CertificateError::BadEncoding) if verify_why.is_none() => Some(SSL_AD_DECODE_ERROR),
                _ if !conn.wants_write() => Some(SSL_AD_UNEXPECTED_MESSAGE),
                _ => None,
            }
        } else {
            None
        };
        match openssl_alert {
            Some(a) => {
                let _ = conn.write_tls(&mut io::sink());
                send_plain_alert(wbio, a);
            }
            None => {
                let mut nf = true;
                let _ = flush_tls(conn, wbio, &mut nf, true);
            }
        }
        let mut err = Error::from_rustls(&e);
        if openssl_alert.is_some() {
            err.alert = None;
        }
        if let Some(why) = verify_why {
            // Peer verification failed: OpenSSL's reason and libcrypto's text.
            err.reason = SSL_R_CERTIFICATE_VERIFY_FAILED;
            err.detail = Some(why);
        }
        return Err(Stop::Fatal(err));
    }
    Ok(())
}

/// The input ended: a clean close with `SSL_OP_IGNORE_UNEXPECTED_EOF`, else
/// OpenSSL 3's `unexpected eof while reading` (or SYSCALL for an I/O error).
fn eof_stop(ended: Option<ReadOutcome>, io: &Io, ssl: &Arc<Ssl>) -> Stop {
    if ended == Some(ReadOutcome::Error) {
        return Stop::Syscall("BIO read failed".into());
    }
    if io.options & SSL_OP_IGNORE_UNEXPECTED_EOF != 0 {
        ssl.lock().shutdown |= SSL_RECEIVED_SHUTDOWN;
        Stop::ZeroReturn
    } else {
        Stop::Fatal(Error::ssl(SSL_R_UNEXPECTED_EOF_WHILE_READING))
    }
}

/// Sends a fatal alert in the clear (before any keys exist) and flushes.
fn send_plain_alert(wbio: &Bio, desc: u8) {
    let _ = wbio.write(&[21, 3, 3, 0, 2, 2, desc]);
    let _ = wbio.flush();
    if let Some(ssl) = callbacks::scope::current() {
        ssl.info(SSL_CB_WRITE_ALERT, (2 << 8) | c_int::from(desc));
    }
}

/// The ClientHello is in: run the host's callbacks in OpenSSL's order
/// (client hello, servername, ALPN), then pick the rustls configuration
/// from the (possibly switched) context and continue the handshake.
fn on_client_hello(ssl: &Arc<Ssl>, io: &Io, accepted: Accepted, raw: &[u8], wbio: &Bio) -> R<Connection> {
    let hello = RawHello::from_records(raw).map(Arc::new);
    {
        let mut g = ssl.lock();
        g.servername = accepted.client_hello().server_name().and_then(|n| std::ffi::CString::new(n).ok());
        g.peer_secure_reneg = hello.as_ref().is_some_and(|h| {
            h.ext(0xff01).is_some() || h.cipher_suites().chunks(2).any(|c| c == [0x00, 0xff])
        });
        g.hello = hello.clone();
    }
    let fatal = |desc: u8, e: Error| {
        send_plain_alert(wbio, desc);
        Stop::Fatal(e)
    };

    let lp = SSL_CB_ACCEPT_LOOP;
    ssl.info_state(lp, 1, "SSLv3/TLS read client hello");

    // 1. client hello callback (mod_ssl switches the vhost here).
    let initial = ssl.ctx();
    let cbs = initial.settings().cbs;
    if let Some(cb) = cbs.client_hello {
        if let Err(al) = callbacks::hello::client_hello(cb, ssl) {
            return Err(fatal(al, Error::ssl(SSL_R_CALLBACK_FAILED).with_detail("client hello callback failed")));
        }
    }

    // 2. servername callback: the current context's, else the initial one's.
    let ctx = ssl.ctx();
    let cur = ctx.settings().cbs;
    let (sn_cb, sn_arg) = match cur.servername {
        Some(f) => (Some(f), cur.servername_arg),
        None => {
            let init = ssl.lock().initial_ctx.settings().cbs;
            (init.servername, init.servername_arg)
        }
    };
    if let Some(f) = sn_cb {
        if let Err(al) = callbacks::hello::servername(f, sn_arg, ssl) {
            return Err(fatal(al, Error::ssl(SSL_R_CALLBACK_FAILED).with_detail("servername callback refused the connection")));
        }
    }

    // 3. ALPN select callback, on the current context.
    let ctx = ssl.ctx();
    let built = ctx.built();
    let mut alpn = None;
    if let (Some(cb), Some(wire)) = (built.cbs.alpn_select, hello.as_ref().and_then(|h| h.alpn_wire())) {
        match callbacks::alpn::select(cb, ssl, wire) {
            callbacks::alpn::Outcome::Selected(p) => {
                if alpn_offered(wire, &p) {
                    alpn = Some(p);
                }
            }
            callbacks::alpn::Outcome::NoAck => {}
            callbacks::alpn::Outcome::Fatal => {
                return Err(fatal(SSL_AD_NO_APPLICATION_PROTOCOL, Error::ssl(SSL_R_NO_APPLICATION_PROTOCOL)));
            }
        }
    }

    // 4. the configuration variant for this connection.
    let (versions, verify) = {
        let g = ssl.lock();
        (version_mask(g.min_version, g.max_version, g.options), VerifyClass::from_mode(g.verify.mode))
    };
    let group = hello.as_ref().and_then(|h| {
        let server: Vec<rustls::NamedGroup> = built.provider.kx_groups.iter().map(|k| k.name()).collect();
        let tls13 = versions & super::config::V13 != 0 && h.offers_tls13();
        super::config::openssl_group(h, &server, built.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0, tls13).map(u16::from)
    });
    let cfg = match built.server_config(&Variant { versions, verify, alpn, group }) {
        Ok(c) => c,
        Err(e) => {
            let desc = if versions == 0 { SSL_AD_PROTOCOL_VERSION } else { SSL_AD_HANDSHAKE_FAILURE };
            return Err(fatal(desc, e));
        }
    };
    if built.server_keys.is_empty() && ssl.own_server_keys().is_none() {
        let detail = if built.problems.is_empty() { "no certificate and key configured".to_string() } else { built.problems.join("; ") };
        return Err(fatal(SSL_AD_HANDSHAKE_FAILURE, Error::ssl(SSL_R_NO_CERTIFICATE_ASSIGNED).with_detail(detail)));
    }

    // No cipher suite in common: OpenSSL's handshake_failure and
    // "no shared cipher" (rustls would find no certificate and say
    // access_denied).
    // OpenSSL settles the version first: no version in common is
    // protocol_version, before any cipher question.
    if let Some(h) = hello.as_ref() {
        let v13 = versions & super::config::V13 != 0 && h.offers_tls13();
        let v12 = versions & super::config::V12 != 0 && h.offers_tls12();
        if versions != 0 && !v13 && !v12 {
            return Err(fatal(
                SSL_AD_PROTOCOL_VERSION,
                Error::ssl(SSL_R_UNSUPPORTED_PROTOCOL).with_detail("no protocol version in common with the client"),
            ));
        }
    }
    {
        let offered: Vec<u16> = hello.as_ref().map_or(Vec::new(), |h| {
            h.cipher_suites().chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect()
        });
        let tls13 = versions & super::config::V13 != 0 && hello.as_ref().is_some_and(|h| h.offers_tls13());
        let tls12 = !tls13 && versions & super::config::V12 != 0;
        let common = built.provider.cipher_suites.iter().any(|cs| {
            let v13 = cs.version().version == rustls::ProtocolVersion::TLSv1_3;
            ((v13 && tls13) || (!v13 && tls12)) && offered.contains(&u16::from(cs.suite()))
        });
        if !offered.is_empty() && !common {
            return Err(fatal(SSL_AD_HANDSHAKE_FAILURE, Error::ssl(SSL_R_NO_SHARED_CIPHER)));
        }
    }

    // No certificate can sign with anything the client accepts: fail the
    // way OpenSSL does (handshake_failure) rather than rustls' access_denied.
    {
        let own = ssl.own_server_keys();
        let keys: &[super::cert::ServerKey] = match &own {
            Some(k) if !k.is_empty() => k,
            _ => &built.server_keys,
        };
        let offered = accepted.client_hello().signature_schemes().to_vec();
        if !keys.is_empty() && !keys.iter().any(|k| k.certified.key.choose_scheme(&offered).is_some()) {
            return Err(fatal(
                SSL_AD_HANDSHAKE_FAILURE,
                Error::ssl(SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS).with_detail("no certificate can sign with the client's signature algorithms"),
            ));
        }
    }

    // 5. continue with rustls (the certificate resolver runs in here).
    match accepted.into_connection(cfg) {
        Ok(c) => Ok(Connection::Server(c)),
        Err((e, mut alert)) => {
            let mut w = BioWriter { bio: wbio, written: 0 };
            let _ = alert.write_all(&mut w);
            let _ = wbio.flush();
            let _ = io;
            Err(Stop::Fatal(Error::from_rustls(&e)))
        }
    }
}

fn alpn_offered(wire: &[u8], p: &[u8]) -> bool {
    let mut rest = wire;
    while let Some((&n, tail)) = rest.split_first() {
        let n = usize::from(n);
        if tail.len() < n {
            return false;
        }
        if &tail[..n] == p {
            return true;
        }
        rest = &tail[n..];
    }
    false
}

/// Starts a client connection from the context's client configuration.
fn start_client(ssl: &Arc<Ssl>, _io: &Io) -> R<Connection> {
    let (ctx, name, alpn, versions) = {
        let g = ssl.lock();
        let alpn = g.alpn_protos.clone().unwrap_or_else(|| g.ctx.settings().alpn_protos.clone());
        (g.ctx.clone(), g.servername.as_ref().and_then(|c| c.to_str().ok()).map(str::to_owned), alpn, version_mask(g.min_version, g.max_version, g.options))
    };
    let built = ctx.built();
    let cfg = built.client_config(versions, &alpn, name.is_some()).map_err(Stop::Fatal)?;
    let server_name = match name.as_deref().map(rustls::pki_types::ServerName::try_from) {
        Some(Ok(n)) => n.to_owned(),
        _ => rustls::pki_types::ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()),
    };
    rustls::ClientConnection::new(cfg, server_name)
        .map(Connection::Client)
        .map_err(|e| Stop::Fatal(Error::from_rustls(&e)))
}

/// The handshake is complete: publish what callbacks and getters may ask.
fn finish(ssl: &Arc<Ssl>, conn: &Connection) {
    {
        let mut g = ssl.lock();
        g.facts.state = HsState::Done;
        g.facts.version = conn.protocol_version();
        g.facts.cipher = conn.negotiated_cipher_suite().and_then(|s| super::ciphers::find_by_suite(s.suite()));
        g.facts.alpn = conn.alpn_protocol().map(<[u8]>::to_vec);
        g.facts.group = conn.negotiated_key_exchange_group().map(|k| k.name());
        g.facts.resumed = conn.handshake_kind() == Some(HandshakeKind::Resumed);
        if let Some(v) = g.resumed_verify_result.take() {
            if g.facts.resumed {
                g.verify_result = v;
            }
        }
        if g.facts.peer_chain.is_empty() {
            if let Some(certs) = conn.peer_certificates() {
                g.facts.peer_chain = certs.iter().filter_map(|c| X509::from_der(c)).collect();
            }
        }
        let hello = g.hello.take();
        // Every established connection has a session (SSL_get_session):
        // the one stored or resumed through the cache, else a fresh one
        // with a random ID (TLS 1.3 tickets, or no cache), as OpenSSL does.
        // TLS 1.2 tickets: a full handshake has an empty ID (OpenSSL sends
        // none when it issues a ticket); a resumed one has the client's.
        let version = g.facts.version.map_or(0, u16::from);
        let cipher_id = g.facts.cipher.map_or(0, |c| c.id);
        match &g.session {
            Some(s) if g.side == Some(Side::Server) || g.facts.resumed || g.client_session_new => s.with(|m| {
                m.version = version;
                m.cipher_id = cipher_id;
            }),
            _ => {
                let tls12 = g.facts.version == Some(rustls::ProtocolVersion::TLSv1_2);
                let ticket = g.side == Some(Side::Server)
                    && g.options & SSL_OP_NO_TICKET == 0
                    && hello.as_ref().is_some_and(|h| h.offers_ticket());
                let id = if tls12 && ticket && g.facts.resumed {
                    hello.as_ref().map_or(Vec::new(), |h| h.session_id().to_vec())
                } else if tls12 && ticket {
                    Vec::new()
                } else {
                    super::session::random_id()
                };
                let meta = g.session_meta(id, g.ctx.settings().timeout);
                g.session = Some(Arc::new(super::session::Session::new(meta)));
            }
        }
    }
    let summary = {
        let g = ssl.lock();
        format!(
            "SSL negotiation finished successfully ({}, {}, key exchange {}{})",
            match g.facts.version {
                Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
                Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
                _ => "?",
            },
            g.facts.cipher.map_or("?", |c| c.name),
            g.facts.group.map_or("none".into(), super::groups::name),
            if g.facts.resumed { ", resumed" } else { "" },
        )
    };
    let lp = if ssl.side() == Some(Side::Server) { SSL_CB_ACCEPT_LOOP } else { SSL_CB_CONNECT_LOOP };
    ssl.info_state(lp, 1, &summary);
    ssl.info(SSL_CB_HANDSHAKE_DONE, 1);
    let exit = if ssl.side() == Some(Side::Server) { SSL_CB_ACCEPT_EXIT } else { SSL_CB_CONNECT_EXIT };
    ssl.info(exit, 1);
}
