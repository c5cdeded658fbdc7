//! The rustls configurations derived from a context's settings.
//!
//! A [`Built`] is immutable and shared by every connection of the context.
//! Server configurations vary per connection only by protocol range, client
//! verification class and the ALPN answer; each variant is built once and
//! cached, so a handshake never builds a configuration from scratch.

use super::cert::{ServerKey, build_server_keys};
use super::ciphers::CipherInfo;
use super::ctx::{Callbacks, Ctx, Verify};
use super::error::{Error, Result};
use crate::callbacks;
use crate::consts::*;
use crate::libcrypto::reasons::*;
use crate::libcrypto::store::Store;
use rustls::crypto::{CryptoProvider, SupportedKxGroup, aws_lc_rs};
use rustls::server::{ClientHello, NoServerSessionStorage, ProducesTickets, ResolvesServerCert, StoresServerSessions};
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, NamedGroup, ServerConfig, SignatureScheme, SupportedProtocolVersion};
use std::collections::HashMap;
use std::ffi::{c_int, c_long};
use std::sync::{Arc, Mutex};

/// Protocol versions as a bit set.
pub const V12: u8 = 1;
pub const V13: u8 = 2;

/// How the server asks for client certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VerifyClass {
    None,
    Optional,
    Required,
}

impl VerifyClass {
    pub fn from_mode(mode: c_int) -> Self {
        if mode & SSL_VERIFY_PEER == 0 {
            VerifyClass::None
        } else if mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT != 0 {
            VerifyClass::Required
        } else {
            VerifyClass::Optional
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    pub versions: u8,
    pub verify: VerifyClass,
    pub alpn: Option<Vec<u8>>,
    /// The key exchange group OpenSSL would pick for this ClientHello (see
    /// `openssl_group`); `None` leaves the choice to rustls.
    pub group: Option<u16>,
}

/// The protocol versions a (min, max, options) triple leaves enabled.
/// SSLv3/TLS 1.0/1.1 are never available.
pub fn version_mask(min: c_int, max: c_int, options: u64) -> u8 {
    let lo = if min == 0 { TLS1_2_VERSION } else { min.max(TLS1_2_VERSION) };
    let hi = if max == 0 { TLS1_3_VERSION } else { max };
    let mut m = 0;
    if lo <= TLS1_2_VERSION && hi >= TLS1_2_VERSION && options & SSL_OP_NO_TLSV1_2 == 0 {
        m |= V12;
    }
    if lo <= TLS1_3_VERSION && hi >= TLS1_3_VERSION && options & SSL_OP_NO_TLSV1_3 == 0 {
        m |= V13;
    }
    m
}

fn versions_for(mask: u8) -> Vec<&'static SupportedProtocolVersion> {
    let mut v = Vec::new();
    if mask & V13 != 0 {
        v.push(&rustls::version::TLS13);
    }
    if mask & V12 != 0 {
        v.push(&rustls::version::TLS12);
    }
    v
}

/// Key exchange groups by IANA code, from everything aws-lc-rs offers.
pub fn kx_group(g: NamedGroup) -> Option<&'static dyn SupportedKxGroup> {
    aws_lc_rs::ALL_KX_GROUPS.iter().copied().find(|k| k.name() == g)
}

/// A provider with the context's suites (TLS 1.3 first, each list in its
/// configured order) and groups.
pub fn provider_for(tls13: &[&'static CipherInfo], tls12: &[&'static CipherInfo], groups: Option<&[NamedGroup]>) -> CryptoProvider {
    let base = aws_lc_rs::default_provider();
    let all = aws_lc_rs::ALL_CIPHER_SUITES;
    let pick = |c: &&'static CipherInfo| all.iter().copied().find(|s| s.suite() == c.suite);
    let mut suites: Vec<_> = tls13.iter().filter_map(pick).collect();
    suites.extend(tls12.iter().filter_map(pick));
    let kx_groups = match groups {
        Some(gs) => gs.iter().filter_map(|g| kx_group(*g)).collect(),
        None => base.kx_groups.clone(),
    };
    CryptoProvider { cipher_suites: suites, kx_groups, ..base }
}

/// Everything a connection needs from its context, fixed at build time.
pub struct Built {
    pub provider: Arc<CryptoProvider>,
    pub server_keys: Arc<Vec<ServerKey>>,
    /// Configuration problems (unusable keys...) for the error queue/log.
    pub problems: Vec<String>,
    pub options: u64,
    pub verify: Verify,
    pub store: Store,
    pub client_ca: Vec<Vec<u8>>,
    pub cbs: Callbacks,
    pub sess_cache_mode: c_long,
    pub timeout: c_long,
    pub min_version: c_int,
    pub max_version: c_int,
    pub num_tickets: usize,
    pub sigalgs: Option<Vec<rustls::SignatureScheme>>,
    pub client_sigalgs: Option<Vec<rustls::SignatureScheme>>,
    pub extra_chain: Vec<crate::libcrypto::x509::X509>,
    /// Chains may be completed from `store` (no `SSL_MODE_NO_AUTO_CHAIN`).
    pub auto_chain: bool,
    client_sessions: Arc<callbacks::session::ClientSessions>,
    ticketer: Arc<dyn ProducesTickets>,
    sessions: Arc<dyn StoresServerSessions>,
    server_configs: Mutex<HashMap<Variant, Arc<ServerConfig>>>,
    client_configs: Mutex<HashMap<ClientVariant, Arc<ClientConfig>>>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built").field("keys", &self.server_keys.len()).finish_non_exhaustive()
    }
}

/// Client configurations vary by protocol range, SNI on/off and ALPN list.
type ClientVariant = (u8, bool, Vec<Vec<u8>>);

/// Bound on cached configuration variants per context.
const MAX_VARIANTS: usize = 64;

impl Built {
    pub fn new(ctx: &Arc<Ctx>) -> Built {
        let s = ctx.settings();
        let provider = provider_for(&s.tls13_suites, &s.cipher_list, s.groups.as_deref());
        let mut problems = s.notes.clone();
        let server_keys = build_server_keys(
            &s.certs,
            &provider,
            s.sigalgs.as_deref(),
            s.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0,
            (s.mode & SSL_MODE_NO_AUTO_CHAIN == 0).then_some(&s.store),
            &mut problems,
        );
        // OpenSSL's server session cache: off, internal, and/or the host's
        // callbacks (mod_ssl's SSLSessionCache).
        let sessions: Arc<dyn StoresServerSessions> = if s.sess_cache_mode & SSL_SESS_CACHE_SERVER != 0 {
            let internal = (s.sess_cache_mode & SSL_SESS_CACHE_NO_INTERNAL_STORE == 0).then(|| ctx.internal_sessions());
            Arc::new(callbacks::session::SessionStore::new(
                s.sess_cache_mode,
                internal,
                s.timeout,
                s.cbs.new_session,
                s.cbs.get_session,
                s.cbs.remove_session,
            ))
        } else {
            Arc::new(NoServerSessionStorage {})
        };
        // Tickets: the host's key callback (SSLSessionTicketKeyFile), else
        // the context's own fork-safe ticketer.
        let lifetime = u32::try_from(s.timeout.max(1)).unwrap_or(u32::MAX);
        // The EVP callback wins when both are set, as in OpenSSL.
        let host_cb = match (s.cbs.ticket_key_evp, s.cbs.ticket_key_hmac) {
            (Some(cb), _) => Some(callbacks::ticket::KeyCallback::Evp(cb)),
            (None, Some(cb)) => Some(callbacks::ticket::KeyCallback::Hmac(cb)),
            (None, None) => None,
        };
        let ticketer: Arc<dyn ProducesTickets> = match host_cb {
            Some(cb) => Arc::new(callbacks::ticket::HostTicketer { cb, lifetime }),
            None => Arc::new(super::ticket::Timed { inner: ctx.ticketer.clone(), lifetime }),
        };
        Built {
            provider: Arc::new(provider),
            server_keys: Arc::new(server_keys),
            problems,
            options: s.options,
            verify: s.verify,
            store: s.store.clone(),
            client_ca: s.client_ca.as_ref().map(|c| c.to_ders()).unwrap_or_default(),
            cbs: s.cbs,
            sess_cache_mode: s.sess_cache_mode,
            timeout: s.timeout,
            min_version: s.min_version,
            max_version: s.max_version,
            num_tickets: s.num_tickets,
            sigalgs: s.sigalgs.clone(),
            client_sigalgs: s.client_sigalgs.clone(),
            extra_chain: s.certs.extra_chain.clone(),
            auto_chain: s.mode & SSL_MODE_NO_AUTO_CHAIN == 0,
            client_sessions: Arc::default(),
            ticketer,
            sessions,
            server_configs: Mutex::new(HashMap::new()),
            client_configs: Mutex::new(HashMap::new()),
        }
    }

    /// The server configuration for one variant (cached).
    pub fn server_config(&self, v: &Variant) -> Result<Arc<ServerConfig>> {
        if let Some(c) = self.server_configs.lock().unwrap_or_else(|e| e.into_inner()).get(v) {
            return Ok(c.clone());
        }
        let cfg = Arc::new(self.make_server_config(v)?);
        let mut cache = self.server_configs.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < MAX_VARIANTS {
            cache.insert(v.clone(), cfg.clone());
        }
        Ok(cfg)
    }

    fn make_server_config(&self, v: &Variant) -> Result<ServerConfig> {
        if v.versions == 0 {
            return Err(Error::ssl(SSL_R_NO_PROTOCOLS_AVAILABLE)
                .with_detail("only TLS 1.2 and TLS 1.3 are available (SSLv3, TLS 1.0 and 1.1 are not supported)"));
        }
        let verifier: Arc<dyn rustls::server::danger::ClientCertVerifier> = match v.verify {
            VerifyClass::None => rustls::server::WebPkiClientVerifier::no_client_auth(),
            class => Arc::new(callbacks::verify::ClientVerifier::new(
                class == VerifyClass::Required,
                &self.client_ca,
                self.provider.signature_verification_algorithms,
                self.client_sigalgs.clone().or_else(|| self.sigalgs.clone()),
            )),
        };
        let server_pref = self.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0;
        let resolver = Arc::new(SlotResolver {
            keys: self.server_keys.clone(),
            versions: v.versions,
            server_pref,
            tls12_suites: self
                .provider
                .cipher_suites
                .iter()
                .filter(|cs| cs.version().version == rustls::ProtocolVersion::TLSv1_2)
                .map(|cs| cs.suite())
                .collect(),
        });
        let provider = match v.group.map(NamedGroup::from).and_then(kx_group) {
            Some(g) => Arc::new(CryptoProvider { kx_groups: vec![g], ..(*self.provider).clone() }),
            None => self.provider.clone(),
        };
        let mut cfg = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&versions_for(v.versions))
            .map_err(|e| Error::ssl(SSL_R_NO_CIPHER_MATCH).with_detail(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(resolver);
        cfg.ignore_client_order = self.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0;
        cfg.alpn_protocols = v.alpn.iter().cloned().collect();
        cfg.ticketer = if self.options & SSL_OP_NO_TICKET != 0 { Arc::new(NoTickets) } else { self.ticketer.clone() };
        cfg.session_storage = self.sessions.clone();
        if self.cbs.keylog.is_some() {
            cfg.key_log = Arc::new(callbacks::keylog::KeyLogger);
        }
        cfg.max_early_data_size = 0;
        cfg.send_tls13_tickets = self.num_tickets;
        Ok(cfg)
    }
}

impl Built {
    /// The client configuration for a protocol range, ALPN list (wire
    /// format) and SNI on/off (cached per variant).
    pub fn client_config(&self, versions: u8, alpn_wire: &[u8], sni: bool) -> Result<Arc<ClientConfig>> {
        let alpn = parse_alpn_wire(alpn_wire);
        let key = (versions, sni, alpn.clone());
        if let Some(c) = self.client_configs.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(c.clone());
        }
        if versions == 0 {
            return Err(Error::ssl(SSL_R_NO_PROTOCOLS_AVAILABLE)
                .with_detail("only TLS 1.2 and TLS 1.3 are available (SSLv3, TLS 1.0 and 1.1 are not supported)"));
        }
        let verifier = callbacks::verify::ServerVerifier::shared();
        let mut cfg = ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&versions_for(versions))
            .map_err(|e| Error::ssl(SSL_R_NO_CIPHER_MATCH).with_detail(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_client_cert_resolver(callbacks::clientcert::ClientCertResolver::shared());
        cfg.alpn_protocols = alpn;
        cfg.enable_sni = sni;
        // OpenSSL's client model: resume only what the host offers with
        // SSL_set_session; new sessions go to the host (callbacks::session).
        cfg.resumption = rustls::client::Resumption::store(self.client_sessions.clone()).tls12_resumption(
            if self.options & SSL_OP_NO_TICKET != 0 {
                rustls::client::Tls12Resumption::SessionIdOnly
            } else {
                rustls::client::Tls12Resumption::SessionIdOrTickets
            },
        );
        if self.cbs.keylog.is_some() {
            cfg.key_log = Arc::new(callbacks::keylog::KeyLogger);
        }
        let cfg = Arc::new(cfg);
        let mut cache = self.client_configs.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() < MAX_VARIANTS {
            cache.insert(key, cfg.clone());
        }
        Ok(cfg)
    }
}

/// Splits an ALPN list in wire format (length-prefixed names).
pub fn parse_alpn_wire(mut wire: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some((&n, rest)) = wire.split_first() {
        let n = usize::from(n);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push(rest[..n].to_vec());
        wire = &rest[n..];
    }
    out
}

/// Tickets switched off (`SSL_OP_NO_TICKET`).
#[derive(Debug)]
pub struct NoTickets;

impl ProducesTickets for NoTickets {
    fn enabled(&self) -> bool {
        false
    }
    fn lifetime(&self) -> u32 {
        0
    }
    fn encrypt(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
    fn decrypt(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// Chooses among the context's certificate slots (or the connection's own
/// certificate, set by `SSL_use_certificate` from a callback) the way
/// OpenSSL does:
/// * TLS 1.3: the first signature scheme, in the client's order (or the
///   server's, with server preference), that some certificate can sign with;
/// * TLS 1.2: the cipher suite is chosen first (client's or server's
///   order) and the certificate follows its authentication type; an ECDSA
///   certificate only for clients whose supported groups include its curve.
///
/// rustls has already removed the schemes the common suites cannot use.
#[derive(Debug)]
pub struct SlotResolver {
    pub keys: Arc<Vec<ServerKey>>,
    pub versions: u8,
    pub server_pref: bool,
    pub tls12_suites: Vec<rustls::CipherSuite>,
}

impl SlotResolver {
    fn tls12_choice<'a>(&self, keys: &'a [ServerKey], hello: &ClientHello<'_>, client_groups: &[u16]) -> Option<&'a ServerKey> {
        let offered = hello.cipher_suites();
        let order: Vec<rustls::CipherSuite> = if self.server_pref {
            self.tls12_suites.iter().copied().filter(|s| offered.contains(s)).collect()
        } else {
            offered.iter().copied().filter(|s| self.tls12_suites.contains(s)).collect()
        };
        let usable = |k: &ServerKey| {
            k.certified.key.choose_scheme(hello.signature_schemes()).is_some()
                && k.curve.is_none_or(|c| client_groups.is_empty() || client_groups.contains(&u16::from(c)))
        };
        for suite in order {
            let ecdsa = super::ciphers::find_by_suite(suite).is_some_and(|c| c.au == "ECDSA");
            let fits = |k: &&ServerKey| match k.key_type {
                crate::libcrypto::pkey::KeyType::Ec | crate::libcrypto::pkey::KeyType::Ed25519 => ecdsa,
                crate::libcrypto::pkey::KeyType::Rsa | crate::libcrypto::pkey::KeyType::RsaPss => !ecdsa,
                _ => false,
            };
            if let Some(k) = keys.iter().filter(fits).find(|k| usable(k)) {
                return Some(k);
            }
        }
        None
    }
}

impl ResolvesServerCert for SlotResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let ssl = callbacks::scope::current();
        let own = ssl.as_ref().and_then(|s| s.own_server_keys());
        let keys: &[ServerKey] = match &own {
            Some(k) if !k.is_empty() => k,
            _ => &self.keys,
        };
        let raw = ssl.as_ref().and_then(|s| s.lock().hello.clone());
        let tls13 = self.versions & V13 != 0 && raw.as_ref().is_some_and(|h| h.offers_tls13());
        let chosen = if tls13 {
            choose(keys, hello.signature_schemes(), self.server_pref)?
        } else {
            let groups = raw.as_ref().map(|h| h.groups()).unwrap_or_default();
            match self.tls12_choice(keys, &hello, &groups) {
                Some(k) => k,
                None => choose(keys, hello.signature_schemes(), self.server_pref)?,
            }
        };
        let Some(ssl) = ssl else { return Some(chosen.certified.clone()) };
        ssl.set_selected_cert(chosen.slot, chosen.cert.clone());
        // OCSP stapling: the status callback runs after the certificate is
        // chosen (it reads SSL_get_certificate) and only when asked for.
        let (cb, arg, wants) = {
            let g = ssl.lock();
            let cbs = g.ctx.settings().cbs;
            (cbs.status, cbs.status_arg, g.hello.as_ref().is_some_and(|h| h.wants_ocsp()))
        };
        if let (Some(cb), true) = (cb, wants) {
            match callbacks::status::call(cb, arg, &ssl) {
                callbacks::status::Outcome::Staple(resp) => {
                    let mut ck = (*chosen.certified).clone();
                    ck.ocsp = Some(resp);
                    return Some(Arc::new(ck));
                }
                callbacks::status::Outcome::None => {}
                callbacks::status::Outcome::Fatal => return None,
            }
        }
        Some(chosen.certified.clone())
    }
}

/// The first scheme (client's order, or OpenSSL's default with server
/// preference) that some key can sign with.
fn choose<'a>(keys: &'a [ServerKey], schemes: &[SignatureScheme], server_pref: bool) -> Option<&'a ServerKey> {
    let order: Vec<SignatureScheme> = if server_pref {
        let mut o: Vec<SignatureScheme> = super::sigalgs::OPENSSL_DEFAULT_ORDER.iter().copied().filter(|s| schemes.contains(s)).collect();
        let rest: Vec<SignatureScheme> = schemes.iter().copied().filter(|s| !o.contains(s)).collect();
        o.extend(rest);
        o
    } else {
        schemes.to_vec()
    };
    for scheme in &order {
        for k in keys {
            if k.certified.key.choose_scheme(std::slice::from_ref(scheme)).is_some() {
                return Some(k);
            }
        }
    }
    None
}

/// The key exchange group OpenSSL 3.0 picks for a ClientHello, among the
/// server's groups: TLS 1.3 takes the client's first key share the server
/// supports, else (HelloRetryRequest) the server's first group the client
/// supports; TLS 1.2 the first shared group in the client's order, or the
/// server's with server preference.
pub fn openssl_group(hello: &super::hello::RawHello, server: &[NamedGroup], server_pref: bool, tls13: bool) -> Option<NamedGroup> {
    let client: Vec<NamedGroup> = hello.groups().into_iter().map(NamedGroup::from).collect();
    if client.is_empty() {
        return None;
    }
    if tls13 {
        if let Some(g) = hello.key_share_groups().into_iter().map(NamedGroup::from).find(|g| server.contains(g)) {
            return Some(g);
        }
        // HelloRetryRequest: OpenSSL 3.0 walks its own list (final_key_share).
        return server.iter().copied().find(|g| client.contains(g));
    }
    if server_pref {
        server.iter().copied().find(|g| client.contains(g))
    } else {
        client.iter().copied().find(|g| server.contains(g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_masks() {
        assert_eq!(version_mask(0, 0, 0), V12 | V13);
        assert_eq!(version_mask(TLS1_VERSION, 0, 0), V12 | V13);
        assert_eq!(version_mask(TLS1_3_VERSION, 0, 0), V13);
        assert_eq!(version_mask(0, TLS1_2_VERSION, 0), V12);
        assert_eq!(version_mask(TLS1_VERSION, TLS1_1_VERSION, 0), 0);
        assert_eq!(version_mask(0, 0, SSL_OP_NO_TLSV1_3), V12);
    }
}
