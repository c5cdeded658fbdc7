//! rustls' server session store over the host's session cache callbacks
//! (`SSL_CTX_sess_set_new_cb`/`_get_cb`/`_remove_cb`): mod_ssl's
//! `SSLSessionCache` (shmcb, memcache, redis...) holds our sessions.
//!
//! OpenSSL's rules kept here: a session is only resumed in the session ID
//! context it was made in (`SSL_set_session_id_context`: one vhost's
//! session never resumes in another), an expired session is a miss (and is
//! removed), and a blob that does not decode is a miss, never a crash.

use super::{scope, ssl_ptr};
use crate::consts::*;
use crate::ffi::handle;
use crate::ffi::types::{GetSessionFn, NewSessionFn, RemoveSessionFn};
use crate::tls::log::warn_once;
use crate::tls::ctx::Ctx;
use crate::tls::session::{ClientResume, Meta, Session, decode, encode, now};
use crate::tls::ssl::Ssl;
use rustls::server::{ServerSessionMemoryCache, StoresServerSessions};
use std::ffi::{c_int, c_long};
use std::sync::Arc;

#[derive(Debug)]
pub struct SessionStore {
    pub new_cb: Option<NewSessionFn>,
    pub get_cb: Option<GetSessionFn>,
    pub remove_cb: Option<RemoveSessionFn>,
    /// OpenSSL's internal cache, unless `SSL_SESS_CACHE_NO_INTERNAL_*`.
    internal: Option<Arc<ServerSessionMemoryCache>>,
    lookup_internal: bool,
    timeout: i64,
}

impl SessionStore {
    /// `internal` is the context's internal cache, unless the mode says
    /// `SSL_SESS_CACHE_NO_INTERNAL_STORE`.
    pub fn new(
        mode: c_long,
        internal: Option<Arc<ServerSessionMemoryCache>>,
        timeout: c_long,
        new_cb: Option<NewSessionFn>,
        get_cb: Option<GetSessionFn>,
        remove_cb: Option<RemoveSessionFn>,
    ) -> Self {
        SessionStore {
            new_cb,
            get_cb,
            remove_cb,
            internal,
            lookup_internal: mode & SSL_SESS_CACHE_NO_INTERNAL_LOOKUP == 0,
            timeout: timeout.max(0),
        }
    }

    fn remove(&self, ssl: &Arc<Ssl>, sess: &Arc<Session>) {
        if let Some(cb) = self.remove_cb {
            let ctx = ssl.lock().initial_ctx.clone();
            // SAFETY: the host registered `cb`; both handles are live for
            // the call (we hold references).
            unsafe { cb(handle::ctx_ptr(&ctx), handle::session_ptr(sess)) };
        }
    }

    /// A session from the host's cache, checked like OpenSSL checks it.
    fn lookup_host(&self, ssl: &Arc<Ssl>, key: &[u8]) -> Option<Arc<Session>> {
        let cb = self.get_cb?;
        let len = c_int::try_from(key.len()).ok()?;
        let mut copy: c_int = 1;
        // SAFETY: the host registered `cb`; `key` is readable for `len`
        // bytes; `copy` is a valid out-parameter.
        let p = unsafe { cb(ssl_ptr(ssl), key.as_ptr(), len, &mut copy) };
        if p.is_null() {
            return None;
        }
        // With copy == 0 the reference the callback returned is ours (what
        // mod_ssl does); otherwise take one of our own.
        // SAFETY: `p` is a session handle the callback returned.
        unsafe {
            if copy == 0 { Some(Arc::from_raw(p as *const Session)) } else { handle::session_clone(p).ok() }
        }
    }

    fn lookup(&self, key: &[u8], take: bool) -> Option<Vec<u8>> {
        let ssl = scope::current()?;
        let sid_ctx = ssl.lock().sid_ctx.clone();
        let sess = match self.internal.as_ref().filter(|_| self.lookup_internal).and_then(|c| c.get(key)) {
            Some(blob) => Arc::new(Session::new(decode(&blob)?)),
            None => self.lookup_host(&ssl, key)?,
        };
        let m = sess.meta();
        if m.id != key || m.value.is_empty() {
            return None;
        }
        if m.sid_ctx != sid_ctx {
            // OpenSSL: "attempt to reuse session in different context": a miss.
            return None;
        }
        if m.timeout > 0 && now() > m.time.saturating_add(m.timeout) {
            self.remove(&ssl, &sess);
            if let Some(c) = &self.internal {
                c.take(key);
            }
            return None;
        }
        if take {
            self.remove(&ssl, &sess);
            if let Some(c) = &self.internal {
                c.take(key);
            }
        }
        ssl.lock().resumed_verify_result = Some(m.verify_result as std::ffi::c_long);
        ssl.set_session(Some(sess));
        Some(m.value)
    }
}

impl StoresServerSessions for SessionStore {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        let Some(ssl) = scope::current() else { return false };
        let ticket = {
            let g = ssl.lock();
            g.options & SSL_OP_NO_TICKET == 0 && g.hello.as_ref().is_some_and(|h| h.offers_ticket())
        };
        // Protocol and cipher are filled in when the handshake completes.
        let meta = Meta { value, ..ssl.lock().session_meta(key.clone(), self.timeout) };
        if ticket {
            // TLS 1.2 with a ticket: the ticket is the session. OpenSSL sends
            // an empty session ID then and caches nothing, so SSL_SESSION_ID
            // is unset; rustls still sends an ID, which we never cache.
            return false;
        }
        let sess = Arc::new(Session::new(meta));
        ssl.set_session(Some(sess.clone()));
        if let Some(c) = &self.internal {
            c.put(key, encode(&sess.meta()));
        }
        if let Some(cb) = self.new_cb {
            let p = crate::ffi::session::hand_out(sess.clone());
            // SAFETY: the host registered `cb`; it gets one reference, which
            // it keeps if it returns 1 (OpenSSL's rule) and we release if 0.
            let kept = unsafe { cb(ssl_ptr(&ssl), p) };
            if kept == 0 {
                // SAFETY: the reference handed out above.
                unsafe { handle::session_free(p) };
            }
            let size = encode(&sess.meta()).len();
            if size > 10240 {
                warn_once("a session is larger than mod_ssl's 10 KB cache limit and was not cached (client certificate chains are stored in sessions)");
            }
        }
        true
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.lookup(key, false)
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.lookup(key, true)
    }

    fn can_cache(&self) -> bool {
        self.new_cb.is_some() || self.internal.is_some()
    }
}

/// `SSL_CTX_remove_session`: drops `sess` from the context's internal
/// cache and, if it was there, tells the host's remove callback (OpenSSL's
/// rule). Returns whether it was cached. A session only the host's own
/// cache holds is the host's to remove (nginx removes it itself).
pub fn remove_from_internal(ctx: &Arc<Ctx>, sess: &Arc<Session>) -> bool {
    let id = sess.with(|m| m.id.clone());
    if id.is_empty() {
        return false;
    }
    let Some(cache) = ctx.internal_sessions_if_used() else { return false };
    if cache.take(&id).is_none() {
        return false;
    }
    let cb = ctx.settings().cbs.remove_session;
    if let Some(cb) = cb {
        // SAFETY: the host registered `cb`; both handles are live for the
        // call (the caller holds references).
        unsafe { cb(handle::ctx_ptr(ctx), handle::session_ptr(sess)) };
    }
    true
}

/// What the connection being driven puts into a ticket it issues.
pub fn stamp_now() -> crate::tls::ticket::Stamp {
    let mut st = crate::tls::ticket::Stamp { issued: now(), ..Default::default() };
    if let Some(ssl) = scope::current() {
        let g = ssl.lock();
        st.verify_result = g.verify_result;
        st.sid_ctx = g.sid_ctx.clone();
    }
    st
}

/// Whether a decrypted ticket may resume on the connection being driven:
/// only in the session ID context it was issued in (OpenSSL's rule). If it
/// may, its verify result is restored once the handshake proves resumed.
pub fn accept_stamp(st: &crate::tls::ticket::Stamp) -> bool {
    let Some(ssl) = scope::current() else { return false };
    let mut g = ssl.lock();
    if g.sid_ctx != st.sid_ctx {
        return false;
    }
    g.resumed_verify_result = Some(st.verify_result as std::ffi::c_long);
    true
}

/// Client side: rustls' session store over OpenSSL's client session model.
/// A connection resumes only the session the host offered it with
/// `SSL_set_session`; every ticket or session ID the server sends becomes
/// a new `SSL_SESSION` (`SSL_get1_session`), handed to the host's
/// new-session callback when the context has `SSL_SESS_CACHE_CLIENT`
/// (libcurl's and nginx's client session caches work this way). A client
/// that never offers a session (mod_ssl towards proxy backends) always
/// makes full handshakes, verifying the server every time, as with OpenSSL.
#[derive(Debug, Default)]
pub struct ClientSessions {
    /// rustls' key-share hint per server (which group to offer first); not
    /// a session, only spares a HelloRetryRequest. Bounded.
    kx_hints: std::sync::Mutex<std::collections::HashMap<rustls::pki_types::ServerName<'static>, rustls::NamedGroup>>,
}

const MAX_KX_HINTS: usize = 256;

impl ClientSessions {
    /// The resumption value of the session offered with `SSL_set_session`,
    /// if it is for this protocol version. Its verify result is restored if
    /// the handshake resumes.
    fn offered(&self, tls13: bool) -> Option<ClientResume> {
        let ssl = scope::current()?;
        let mut g = ssl.lock();
        let s = g.session.clone()?;
        let value = s.client_resume(tls13)?;
        g.resumed_verify_result = Some(s.with(|m| m.verify_result) as c_long);
        Some(value)
    }

    /// A new client session from what the server sent.
    fn made(&self, server_name: &rustls::pki_types::ServerName<'_>, version: u16, cipher_id: u32, value: ClientResume) {
        let Some(ssl) = scope::current() else { return };
        let mut g = ssl.lock();
        let mut meta = g.session_meta(crate::tls::session::random_id(), g.ctx.settings().timeout);
        (meta.version, meta.cipher_id) = (version, cipher_id);
        if meta.hostname.is_none() {
            if let rustls::pki_types::ServerName::DnsName(d) = server_name {
                meta.hostname = Some(d.as_ref().to_owned());
            }
        }
        let sess = Arc::new(Session::new_client(meta, value));
        g.session = Some(sess.clone());
        g.client_session_new = true;
        g.pending_sessions.push(sess);
    }
}

impl rustls::client::ClientSessionStore for ClientSessions {
    fn set_kx_hint(&self, server_name: rustls::pki_types::ServerName<'static>, group: rustls::NamedGroup) {
        let mut m = self.kx_hints.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= MAX_KX_HINTS && !m.contains_key(&server_name) {
            m.clear();
        }
        m.insert(server_name, group);
    }

    fn kx_hint(&self, server_name: &rustls::pki_types::ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.kx_hints.lock().unwrap_or_else(|e| e.into_inner()).get(server_name).copied()
    }

    fn set_tls12_session(&self, server_name: rustls::pki_types::ServerName<'static>, value: rustls::client::Tls12ClientSessionValue) {
        // The cipher is filled in when the handshake completes.
        self.made(&server_name, 0x0303, 0, ClientResume::Tls12(value));
    }

    fn tls12_session(&self, _server_name: &rustls::pki_types::ServerName<'_>) -> Option<rustls::client::Tls12ClientSessionValue> {
        match self.offered(false)? {
            ClientResume::Tls12(v) => Some(v),
            ClientResume::Tls13(_) => None,
        }
    }

    fn remove_tls12_session(&self, _server_name: &rustls::pki_types::ServerName<'static>) {
        // The host owns its cache; OpenSSL's client does not evict either.
    }

    fn insert_tls13_ticket(&self, server_name: rustls::pki_types::ServerName<'static>, value: rustls::client::Tls13ClientSessionValue) {
        let cipher_id = crate::tls::ciphers::find_by_suite(value.suite().common.suite).map_or(0, |c| c.id);
        self.made(&server_name, 0x0304, cipher_id, ClientResume::Tls13(value));
    }

    fn take_tls13_ticket(&self, _server_name: &rustls::pki_types::ServerName<'static>) -> Option<rustls::client::Tls13ClientSessionValue> {
        match self.offered(true)? {
            ClientResume::Tls13(v) => Some(v),
            ClientResume::Tls12(_) => None,
        }
    }
}

/// Hands client sessions made during a call to the host's new-session
/// callback (`SSL_CTX_sess_set_new_cb` with `SSL_SESS_CACHE_CLIENT` on the
/// connection's initial context), after the rustls call returned, with
/// the negotiated protocol and cipher filled in.
pub fn announce_client_sessions(ssl: &Arc<Ssl>, sessions: Vec<Arc<Session>>) {
    let (cb, version, cipher_id) = {
        let g = ssl.lock();
        let settings = g.initial_ctx.settings();
        let cb = settings.cbs.new_session.filter(|_| settings.sess_cache_mode & SSL_SESS_CACHE_CLIENT != 0);
        (cb, g.facts.version.map_or(0, u16::from), g.facts.cipher.map_or(0, |c| c.id))
    };
    for sess in sessions {
        sess.with(|m| {
            if m.version == 0 {
                m.version = version;
            }
            if m.cipher_id == 0 {
                m.cipher_id = cipher_id;
            }
        });
        let Some(cb) = cb else { continue };
        let p = crate::ffi::session::hand_out(sess);
        // SAFETY: the host registered `cb`; it gets one reference, which it
        // keeps if it returns 1 (OpenSSL's rule) and we release if 0.
        let kept = unsafe { cb(ssl_ptr(ssl), p) };
        if kept == 0 {
            // SAFETY: the reference handed out above.
            unsafe { handle::session_free(p) };
        }
    }
}
