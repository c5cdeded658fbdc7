//! `SSL`: one TLS connection.
//!
//! All state lives behind one `Mutex`, held only for short, non-reentrant
//! sections. A driving call (handshake, read, write, shutdown) *takes* the
//! engine (the rustls connection) out of that state, runs without holding the
//! lock -- so the host's callbacks can call back into `SSL_get_ex_data`,
//! `SSL_set_SSL_CTX`, `SSL_get_servername`... -- and puts it back on return.
//! Facts callbacks may ask about (version, cipher, ALPN, peer chain) are
//! published into the state as soon as they are known.

use super::cert::{Certs, ServerKey, build_server_keys};
use super::ciphers::CipherInfo;
use super::ctx::{Ctx, Role, Verify};
use super::engine::{Engine, Io, Stop};
use super::error::{Error, Result};
use super::hello::RawHello;
use super::session::Session;
use crate::callbacks::scope;
use crate::consts::*;
use crate::ffi::types::InfoFn;
use crate::libcrypto::bio::Bio;
use crate::libcrypto::exdata::ExData;
use crate::libcrypto::reasons::*;
use crate::libcrypto::sys::CRYPTO_EX_INDEX_SSL;
use crate::libcrypto::x509::X509;
use crate::libcrypto::stack::{NameStack, PtrStack, X509Stack};
use rustls::{NamedGroup, ProtocolVersion};
use std::ffi::{CString, c_char, c_int, c_long};
use std::sync::{Arc, Mutex, MutexGuard};

/// Which end of the connection we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Server,
    Client,
}

/// Where the handshake is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HsState {
    #[default]
    Before,
    InHandshake,
    Done,
    Failed,
}

/// What the last driving call ended with (for `SSL_get_error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Last {
    #[default]
    Nothing,
    WantRead,
    WantWrite,
    ZeroReturn,
    Syscall,
    Ssl,
}

/// Facts about the negotiated connection, published by the engine.
#[derive(Debug, Default)]
pub struct Facts {
    pub state: HsState,
    pub version: Option<ProtocolVersion>,
    pub cipher: Option<&'static CipherInfo>,
    pub alpn: Option<Vec<u8>>,
    pub group: Option<NamedGroup>,
    pub resumed: bool,
    /// Peer chain, leaf first, as libcrypto objects.
    pub peer_chain: Vec<X509>,
    /// Our certificate chosen for this handshake (slot, certificate).
    pub selected: Option<(usize, X509)>,
}

/// Stacks and buffers handed to the host that must outlive the call.
#[derive(Debug, Default)]
pub struct Handed {
    pub peer_chain: Option<X509Stack>,
    pub verified_chain: Option<X509Stack>,
    pub ciphers: Option<PtrStack>,
    pub client_ca: Option<NameStack>,
    pub alpn_cb_out: Vec<u8>,
    /// `SSL_get_tlsext_status_exts`: decoded once from the ClientHello.
    pub ocsp_exts: Option<Option<crate::libcrypto::stack::ExtensionStack>>,
}

#[derive(Debug)]
pub struct Inner {
    pub ctx: Arc<Ctx>,
    /// The context the connection was created from (OpenSSL's
    /// `session_ctx`): session cache callbacks stay with it.
    pub initial_ctx: Arc<Ctx>,
    pub side: Option<Side>,
    pub options: u64,
    pub mode: u32,
    pub min_version: c_int,
    pub max_version: c_int,
    pub verify: Verify,
    pub verify_result: c_long,
    pub sid_ctx: Vec<u8>,
    /// Server: the SNI the client sent. Client: the name to send.
    pub servername: Option<CString>,
    pub alpn_protos: Option<Vec<u8>>,
    pub rbio: Option<Arc<Bio>>,
    pub wbio: Option<Arc<Bio>>,
    pub shutdown: c_int,
    pub quiet_shutdown: bool,
    pub read_ahead: bool,
    /// `SSL_use_certificate`/`SSL_use_PrivateKey` on this connection.
    pub own_certs: Option<Certs>,
    own_keys: Option<Arc<Vec<ServerKey>>>,
    /// `SSL_set_cipher_list` on this connection.
    pub cipher_list: Option<Vec<&'static CipherInfo>>,
    pub info_cb: Option<InfoFn>,
    pub facts: Facts,
    pub last: Last,
    /// The raw ClientHello while the handshake callbacks run.
    pub hello: Option<Arc<RawHello>>,
    pub ocsp_response: Option<Vec<u8>>,
    /// Client: OCSP stapling requested (`SSL_set_tlsext_status_type`).
    pub status_type: c_int,
    /// `SSL_renegotiate` was refused: the handshake it asked for must be
    /// seen to fail (`SSL_is_init_finished` 0) until the next `SSL_accept`.
    pub reneg_refused: bool,
    /// The verify result stored with a session being resumed; applied when
    /// the handshake turns out resumed.
    pub resumed_verify_result: Option<c_long>,
    /// `SSL_state_string_long` while an info callback runs (set for the
    /// event, then cleared), so mod_ssl's trace log shows what happened.
    pub state_text: Option<CString>,
    /// libcrypto's reason when peer verification failed (for the log).
    pub verify_failure: Option<String>,
    /// The client signalled RFC 5746 (renegotiation_info or the SCSV).
    pub peer_secure_reneg: bool,
    pub handed: Handed,
    /// The session of this connection (`SSL_get_session`), or one offered
    /// with `SSL_set_session`.
    pub session: Option<Arc<Session>>,
    /// Client: `session` was made by this connection from a ticket or
    /// session ID the server sent (the handshake only completes it).
    pub client_session_new: bool,
    /// Client sessions for the host's new-session callback, called once
    /// the rustls call that made them returns.
    pub pending_sessions: Vec<Arc<Session>>,
    engine: Option<Box<Engine>>,
}

#[derive(Debug)]
pub struct Ssl {
    inner: Mutex<Inner>,
    pub ex_data: ExData,
}

impl Inner {
    /// Metadata for a new session of this connection: its session ID
    /// context, SNI, verify result, and the protocol and cipher once known.
    pub fn session_meta(&self, id: Vec<u8>, timeout: i64) -> super::session::Meta {
        super::session::Meta {
            id,
            sid_ctx: self.sid_ctx.clone(),
            time: super::session::now(),
            timeout,
            version: self.facts.version.map_or(0, u16::from),
            cipher_id: self.facts.cipher.map_or(0, |c| c.id),
            hostname: self.servername.as_ref().and_then(|c| c.to_str().ok()).map(str::to_owned),
            verify_result: self.verify_result,
            value: Vec::new(),
        }
    }
}

impl Ssl {
    /// `SSL_new`: copies the context's per-connection defaults.
    pub fn new(ctx: Arc<Ctx>) -> Ssl {
        let s = ctx.settings();
        let side = match ctx.role {
            Role::Server => Some(Side::Server),
            Role::Client => Some(Side::Client),
            Role::Any => None,
        };
        let inner = Inner {
            initial_ctx: ctx.clone(),
            side,
            options: s.options,
            mode: s.mode,
            min_version: s.min_version,
            max_version: s.max_version,
            verify: s.verify,
            verify_result: X509_V_OK,
            sid_ctx: s.sid_ctx.clone(),
            servername: None,
            alpn_protos: None,
            rbio: None,
            wbio: None,
            shutdown: 0,
            quiet_shutdown: s.quiet_shutdown,
            read_ahead: s.read_ahead,
            own_certs: None,
            own_keys: None,
            cipher_list: None,
            info_cb: None,
            facts: Facts::default(),
            last: Last::Nothing,
            hello: None,
            ocsp_response: None,
            status_type: -1,
            peer_secure_reneg: false,
            reneg_refused: false,
            resumed_verify_result: None,
            state_text: None,
            verify_failure: None,
            handed: Handed::default(),
            session: None,
            client_session_new: false,
            pending_sessions: Vec::new(),
            engine: Some(Box::new(Engine::new())),
            ctx: ctx.clone(),
        };
        drop(s);
        Ssl { inner: Mutex::new(inner), ex_data: ExData::new(CRYPTO_EX_INDEX_SSL) }
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn ctx(&self) -> Arc<Ctx> {
        self.lock().ctx.clone()
    }

    /// `SSL_set_SSL_CTX`: switch to another context's certificates,
    /// verification store, callbacks and ciphers (the SNI vhost switch).
    pub fn set_ctx(&self, ctx: Arc<Ctx>) {
        let mut g = self.lock();
        g.ctx = ctx;
        g.own_keys = None;
    }

    /// Keys set on this connection (`SSL_use_certificate`...), built for rustls.
    pub fn own_server_keys(&self) -> Option<Arc<Vec<ServerKey>>> {
        let mut g = self.lock();
        if let Some(k) = &g.own_keys {
            return Some(k.clone());
        }
        let certs = g.own_certs.as_ref()?;
        certs.complete().next()?;
        let built = g.ctx.clone().built();
        let mut problems = Vec::new();
        let keys = Arc::new(build_server_keys(certs, &built.provider, built.sigalgs.as_deref(), built.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0, built.auto_chain.then_some(&built.store), &mut problems));
        for p in problems {
            log::warn!("sslshim: {p}");
        }
        g.own_keys = Some(keys.clone());
        Some(keys)
    }

    pub fn invalidate_own_keys(&self) {
        self.lock().own_keys = None;
    }

    pub fn set_selected_cert(&self, slot: usize, cert: X509) {
        self.lock().facts.selected = Some((slot, cert));
    }

    pub fn set_bio(&self, rbio: Option<Arc<Bio>>, wbio: Option<Arc<Bio>>) {
        let mut g = self.lock();
        g.rbio = rbio;
        g.wbio = wbio;
    }

    pub fn handshake_state(&self) -> HsState {
        self.lock().facts.state
    }

    /// Runs `f` with the engine taken out of the shared state and this
    /// connection pushed as the callback scope. Records the outcome for
    /// `SSL_get_error`.
    fn drive<R>(self: &Arc<Self>, f: impl FnOnce(&mut Engine, &Io, &Arc<Ssl>) -> std::result::Result<R, Stop>) -> std::result::Result<R, Stop> {
        let _scope = scope::enter(self);
        let (mut engine, io) = {
            let mut g = self.lock();
            let Some(engine) = g.engine.take() else {
                return Err(Stop::Fatal(Error::internal("SSL object is already in use by another call")));
            };
            let io = Io {
                read_ahead: g.read_ahead,
                rbio: g.rbio.clone(),
                wbio: g.wbio.clone(),
                options: g.options,
                mode: g.mode,
                side: g.side,
            };
            (engine, io)
        };
        let r = f(&mut engine, &io, self);
        let pending = {
            let mut g = self.lock();
            g.engine = Some(engine);
            g.last = match &r {
                Ok(_) => Last::Nothing,
                Err(s) => s.last(),
            };
            std::mem::take(&mut g.pending_sessions)
        };
        if !pending.is_empty() {
            crate::callbacks::session::announce_client_sessions(self, pending);
        }
        r
    }

    /// `SSL_set_accept_state` / `SSL_set_connect_state`.
    pub fn set_side(&self, side: Side) {
        let mut g = self.lock();
        g.side = Some(side);
    }

    pub fn side(&self) -> Option<Side> {
        self.lock().side
    }

    /// `SSL_do_handshake` (and `SSL_accept`/`SSL_connect` after setting the side).
    pub fn handshake(self: &Arc<Self>) -> std::result::Result<(), Stop> {
        if self.side().is_none() {
            return Err(Stop::Fatal(Error::ssl(SSL_R_CONNECTION_TYPE_NOT_SET)));
        }
        self.drive(|e, io, ssl| e.handshake(ssl, io))
    }

    pub fn read(self: &Arc<Self>, buf: &mut [u8], peek: bool) -> std::result::Result<usize, Stop> {
        if self.side().is_none() {
            return Err(Stop::Fatal(Error::ssl(SSL_R_CONNECTION_TYPE_NOT_SET)));
        }
        self.drive(|e, io, ssl| e.read(ssl, io, buf, peek))
    }

    pub fn write(self: &Arc<Self>, buf: &[u8]) -> std::result::Result<usize, Stop> {
        if self.side().is_none() {
            return Err(Stop::Fatal(Error::ssl(SSL_R_CONNECTION_TYPE_NOT_SET)));
        }
        if self.lock().shutdown & SSL_SENT_SHUTDOWN != 0 {
            return Err(Stop::Fatal(Error::ssl(SSL_R_PROTOCOL_IS_SHUTDOWN)));
        }
        self.drive(|e, io, ssl| e.write(ssl, io, buf))
    }

    /// `SSL_shutdown`: 1 when both close_notify alerts are done, 0 when
    /// ours is sent and the peer's is still awaited.
    pub fn shutdown(self: &Arc<Self>) -> std::result::Result<c_int, Stop> {
        let (state, quiet, side) = {
            let g = self.lock();
            (g.facts.state, g.quiet_shutdown, g.side)
        };
        if side.is_none() {
            return Err(Stop::Fatal(Error::ssl(SSL_R_UNINITIALIZED)));
        }
        match state {
            HsState::Before => {
                self.lock().shutdown = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
                return Ok(1);
            }
            HsState::InHandshake => return Err(Stop::Fatal(Error::ssl(SSL_R_SHUTDOWN_WHILE_IN_INIT))),
            HsState::Failed => {
                let mut g = self.lock();
                if g.shutdown == SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN {
                    return Ok(1);
                }
                g.shutdown |= SSL_SENT_SHUTDOWN;
                return Err(Stop::Fatal(Error::ssl(SSL_R_PROTOCOL_IS_SHUTDOWN)));
            }
            HsState::Done => {}
        }
        if quiet {
            self.lock().shutdown = SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN;
            return Ok(1);
        }
        self.drive(|e, io, ssl| e.shutdown(ssl, io))
    }

    /// Plaintext bytes buffered and ready for `SSL_read` (`SSL_pending`).
    pub fn pending(&self) -> usize {
        let mut g = self.lock();
        g.engine.as_mut().map_or(0, |e| e.pending())
    }

    pub fn has_pending(&self) -> bool {
        let mut g = self.lock();
        let rbio_pending = g.rbio.as_ref().map_or(0, |b| b.pending());
        g.engine.as_mut().is_some_and(|e| e.has_pending()) || rbio_pending > 0
    }

    pub fn last(&self) -> Last {
        self.lock().last
    }

    /// An info callback event with a state text for its duration.
    pub fn info_state(self: &Arc<Self>, where_: c_int, ret: c_int, text: &str) {
        let has_cb = {
            let g = self.lock();
            g.info_cb.is_some() || g.ctx.settings().cbs.info.is_some()
        };
        if !has_cb {
            return;
        }
        self.lock().state_text = CString::new(text).ok();
        self.info(where_, ret);
        self.lock().state_text = None;
    }

    /// Calls the info callback (the connection's own, else its context's).
    pub fn info(self: &Arc<Self>, where_: c_int, ret: c_int) {
        let cb = {
            let g = self.lock();
            g.info_cb.or(g.ctx.settings().cbs.info)
        };
        if let Some(cb) = cb {
            crate::callbacks::info::call(cb, self, where_, ret);
        }
    }
}

impl Ssl {
    /// Current verify result (`SSL_get_verify_result`).
    pub fn verify_result(&self) -> c_long {
        self.lock().verify_result
    }

    pub fn set_verify_result(&self, v: c_long) {
        self.lock().verify_result = v;
    }

    pub fn session(&self) -> Option<Arc<Session>> {
        self.lock().session.clone()
    }

    pub fn set_session(&self, s: Option<Arc<Session>>) {
        self.lock().session = s;
    }

    /// `SSL_get_servername`'s pointer (valid until the name changes).
    pub fn servername_cstr(&self) -> *const c_char {
        self.lock().servername.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
    }

    pub fn servername(&self) -> Option<String> {
        self.lock().servername.as_ref().and_then(|c| c.to_str().ok()).map(str::to_owned)
    }

    pub fn set_servername(&self, name: Option<&str>) -> Result<()> {
        let c = match name {
            Some(n) => Some(CString::new(n).map_err(|_| Error::invalid_arg("host name contains NUL"))?),
            None => None,
        };
        self.lock().servername = c;
        Ok(())
    }

    /// `SSL_get_tlsext_status_exts`: the client's OCSP request extensions as
    /// a `STACK_OF(X509_EXTENSION)*` owned by the connection, or null.
    pub fn ocsp_request_extensions(&self) -> *mut openssl_sys::OPENSSL_STACK {
        let mut g = self.lock();
        if g.handed.ocsp_exts.is_none() {
            let decoded = g
                .hello
                .as_ref()
                .and_then(|h| h.ocsp_request_extensions())
                .and_then(crate::libcrypto::stack::ExtensionStack::from_der);
            // Only cache once the ClientHello has been seen.
            if g.hello.is_some() {
                g.handed.ocsp_exts = Some(decoded);
            } else {
                return std::ptr::null_mut();
            }
        }
        g.handed.ocsp_exts.as_ref().and_then(|e| e.as_ref()).map_or(std::ptr::null_mut(), |e| e.as_ptr())
    }
}

impl Drop for Ssl {
    fn drop(&mut self) {
        let me = crate::libcrypto::HostPtr::from_ptr(self as *mut Ssl);
        self.ex_data.free(me);
    }
}
