//! `SSL_CTX`: configuration shared by every connection made from it.
//!
//! Settings are written at configuration time (httpd's parent, before it
//! forks) behind an `RwLock`; the rustls configurations derived from them
//! are built once, lazily, on the first connection, and cached until a
//! setter changes something (see [`super::config::Built`]).

use super::cert::Certs;
use super::ciphers::{self, CipherInfo};
use super::config::Built;
use super::error::{Error, Result};
use crate::consts::*;
use crate::ffi::types::*;
use crate::libcrypto::exdata::ExData;
use crate::libcrypto::pem::Password;
use crate::libcrypto::stack::{NameStack, X509Stack};
use crate::libcrypto::store::Store;
use crate::libcrypto::sys::CRYPTO_EX_INDEX_SSL_CTX;
use crate::libcrypto::HostPtr;
use rustls::NamedGroup;
use rustls::server::ServerSessionMemoryCache;
use std::ffi::{c_int, c_long};
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};

/// Entries in the internal server session cache.
const INTERNAL_SESSION_CACHE_SIZE: usize = 1024;

/// What the `SSL_METHOD` allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Server,
    Client,
    /// `TLS_method`: decided per connection by `SSL_set_accept_state` /
    /// `SSL_set_connect_state` / `SSL_accept` / `SSL_connect`.
    Any,
}

/// A C callback and its argument.
#[derive(Clone, Copy, Debug)]
pub struct Cb<F: Copy> {
    pub f: F,
    pub arg: HostPtr,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Callbacks {
    pub servername: Option<ServernameFn>,
    pub servername_arg: HostPtr,
    pub client_hello: Option<Cb<ClientHelloFn>>,
    pub alpn_select: Option<Cb<AlpnSelectFn>>,
    pub status: Option<StatusFn>,
    pub status_arg: HostPtr,
    pub info: Option<InfoFn>,
    pub keylog: Option<KeylogFn>,
    pub new_session: Option<NewSessionFn>,
    pub get_session: Option<GetSessionFn>,
    pub remove_session: Option<RemoveSessionFn>,
    pub ticket_key_evp: Option<TicketKeyEvpFn>,
    pub ticket_key_hmac: Option<crate::ffi::types::TicketKeyHmacFn>,
    pub client_cert: Option<ClientCertFn>,
    pub cert: Option<Cb<CertFn>>,
    pub msg: Option<MsgFn>,
    pub msg_arg: HostPtr,
    pub srp_username: Option<SrpUsernameFn>,
    pub srp_arg: HostPtr,
}

/// `SSL_VERIFY_*` mode, callback and depth.
#[derive(Clone, Copy, Debug)]
pub struct Verify {
    pub mode: c_int,
    pub cb: Option<VerifyFn>,
    pub depth: c_int,
}

impl Default for Verify {
    fn default() -> Self {
        Verify { mode: SSL_VERIFY_NONE, cb: None, depth: -1 }
    }
}

#[derive(Debug)]
pub struct Settings {
    pub options: u64,
    pub mode: u32,
    pub min_version: c_int,
    pub max_version: c_int,
    /// TLS 1.2 suites, in preference order (`SSL_CTX_set_cipher_list`).
    pub cipher_list: Vec<&'static CipherInfo>,
    /// The string the list came from (for error messages and get_cipher_list).
    pub cipher_string: String,
    /// TLS 1.3 suites (`SSL_CTX_set_ciphersuites`).
    pub tls13_suites: Vec<&'static CipherInfo>,
    /// Key exchange groups in preference order; `None` = rustls' default
    /// (X25519MLKEM768 first).
    pub groups: Option<Vec<NamedGroup>>,
    /// Signature schemes we sign with and accept (`SignatureAlgorithms`).
    pub sigalgs: Option<Vec<rustls::SignatureScheme>>,
    /// Schemes asked of clients in CertificateRequest (`ClientSignatureAlgorithms`).
    pub client_sigalgs: Option<Vec<rustls::SignatureScheme>>,
    pub certs: Certs,
    pub verify: Verify,
    pub store: Store,
    pub client_ca: Option<NameStack>,
    pub password: Password,
    pub sess_cache_mode: c_long,
    pub timeout: c_long,
    pub sid_ctx: Vec<u8>,
    pub cbs: Callbacks,
    /// Client side: ALPN protocols offered (wire format).
    pub alpn_protos: Vec<u8>,
    pub quiet_shutdown: bool,
    pub max_early_data: u32,
    pub post_handshake_auth: bool,
    pub read_ahead: bool,
    /// TLS 1.3 tickets sent after a full handshake (`NumTickets`).
    pub num_tickets: usize,
    /// Settings we accepted but cannot honour: reported once at build time.
    pub notes: Vec<String>,
}

pub struct Ctx {
    pub role: Role,
    settings: RwLock<Settings>,
    built: Mutex<Option<Arc<Built>>>,
    pub ex_data: ExData,
    /// Created with the context (in httpd's parent, before fork) so that
    /// every child process seals and opens tickets with the same keys.
    pub ticketer: Arc<super::ticket::EpochTicketer>,
    /// Stacks handed out by `get_extra_chain_certs`, valid until the next call.
    pub handed_out: Mutex<Option<X509Stack>>,
    /// OpenSSL's internal server session cache: made on first use (in each
    /// process) and kept for the context's life, so rebuilt configurations
    /// and `SSL_CTX_remove_session` see the same cache.
    internal_sessions: OnceLock<Arc<ServerSessionMemoryCache>>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("role", &self.role).finish_non_exhaustive()
    }
}

impl Ctx {
    pub fn new(role: Role) -> Result<Ctx> {
        let store = Store::new().ok_or_else(|| Error::internal("X509_STORE_new failed"))?;
        let ticketer = Arc::new(
            super::ticket::EpochTicketer::new().ok_or_else(|| Error::internal("cannot create the session ticket key"))?,
        );
        let settings = Settings {
            options: SSL_OP_DEFAULT,
            mode: SSL_MODE_DEFAULT,
            min_version: 0,
            max_version: 0,
            cipher_list: ciphers::default_cipher_list().suites,
            cipher_string: "DEFAULT".into(),
            tls13_suites: ciphers::parse_ciphersuites(ciphers::DEFAULT_TLS13_CIPHERSUITES)
                .map(|l| l.suites)
                .unwrap_or_default(),
            groups: None,
            sigalgs: None,
            client_sigalgs: None,
            certs: Certs::default(),
            verify: Verify::default(),
            store,
            client_ca: None,
            password: Password::default(),
            sess_cache_mode: SSL_SESS_CACHE_SERVER,
            timeout: 300,
            sid_ctx: Vec::new(),
            cbs: Callbacks::default(),
            alpn_protos: Vec::new(),
            quiet_shutdown: false,
            max_early_data: 0,
            post_handshake_auth: false,
            read_ahead: false,
            num_tickets: 2,
            notes: Vec::new(),
        };
        Ok(Ctx {
            role,
            settings: RwLock::new(settings),
            built: Mutex::new(None),
            ex_data: ExData::new(CRYPTO_EX_INDEX_SSL_CTX),
            ticketer,
            handed_out: Mutex::new(None),
            internal_sessions: OnceLock::new(),
        })
    }

    /// The internal server session cache (see the field).
    pub fn internal_sessions(&self) -> Arc<ServerSessionMemoryCache> {
        self.internal_sessions.get_or_init(|| ServerSessionMemoryCache::new(INTERNAL_SESSION_CACHE_SIZE)).clone()
    }

    /// The internal cache, if a configuration using it was ever built.
    pub fn internal_sessions_if_used(&self) -> Option<Arc<ServerSessionMemoryCache>> {
        self.internal_sessions.get().cloned()
    }

    pub fn settings(&self) -> RwLockReadGuard<'_, Settings> {
        self.settings.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes settings and drops the cached rustls configurations.
    pub fn update<R>(&self, f: impl FnOnce(&mut Settings) -> R) -> R {
        let r = {
            let mut s = self.settings.write().unwrap_or_else(|e| e.into_inner());
            f(&mut s)
        };
        *self.built.lock().unwrap_or_else(|e| e.into_inner()) = None;
        r
    }

    /// The rustls configurations for the current settings (built once).
    pub fn built(self: &Arc<Self>) -> Arc<Built> {
        let mut slot = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = slot.as_ref() {
            return b.clone();
        }
        let b = Arc::new(Built::new(self));
        *slot = Some(b.clone());
        b
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        let me = crate::libcrypto::HostPtr::from_ptr(self as *mut Ctx);
        self.ex_data.free(me);
    }
}
