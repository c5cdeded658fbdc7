//! Certificate/key slots with OpenSSL's semantics (one slot per key type, a
//! "current" slot, per-slot chains and the context-wide extra chain), and
//! the conversion of a slot into a rustls `CertifiedKey`.

use super::error::{Error, Result};
use crate::libcrypto::pkey::{KeyType, PKey};
use crate::libcrypto::reasons::*;
use crate::libcrypto::x509::X509;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::sign::CertifiedKey;
use std::sync::Arc;

/// Number of OpenSSL key slots (`SSL_PKEY_NUM`).
pub const SLOTS: usize = 9;

#[derive(Clone, Debug, Default)]
pub struct Slot {
    pub cert: Option<X509>,
    pub key: Option<PKey>,
    /// The slot's own chain (`SSL_CTX_use_certificate_chain_file`, `set0_chain`).
    pub chain: Vec<X509>,
}

#[derive(Clone, Debug, Default)]
pub struct Certs {
    pub slots: [Slot; SLOTS],
    pub current: Option<usize>,
    /// `SSL_CTX_add_extra_chain_cert`: sent for slots without their own chain.
    pub extra_chain: Vec<X509>,
}

impl Certs {
    /// `SSL_CTX_use_certificate`: picks the slot by key type; drops a key
    /// already in the slot that does not match (as OpenSSL's `ssl_set_cert`).
    pub fn use_certificate(&mut self, cert: X509) -> Result<()> {
        let slot = cert
            .key_type()
            .slot()
            .ok_or_else(|| Error::ssl(SSL_R_UNKNOWN_CERTIFICATE_TYPE))?;
        let s = &mut self.slots[slot];
        if let Some(k) = &s.key {
            if !cert.matches_key(k) {
                s.key = None;
                crate::libcrypto::err::clear();
            }
        }
        s.cert = Some(cert);
        self.current = Some(slot);
        Ok(())
    }

    /// `SSL_CTX_use_PrivateKey`: fails (libcrypto's mismatch reason queued)
    /// if the slot's certificate does not match.
    pub fn use_private_key(&mut self, key: PKey) -> Result<()> {
        let slot = key
            .key_type()
            .slot()
            .ok_or_else(|| Error::ssl(SSL_R_UNKNOWN_CERTIFICATE_TYPE))?;
        let s = &mut self.slots[slot];
        if let Some(c) = &s.cert {
            if !c.matches_key(&key) {
                return Err(Error::queued());
            }
        }
        s.key = Some(key);
        self.current = Some(slot);
        Ok(())
    }

    pub fn current(&self) -> Option<&Slot> {
        self.current.map(|i| &self.slots[i])
    }

    pub fn current_mut(&mut self) -> Option<&mut Slot> {
        self.current.map(move |i| &mut self.slots[i])
    }

    /// `SSL_CTX_check_private_key`.
    pub fn check_private_key(&self) -> Result<()> {
        let s = self.current().ok_or_else(|| Error::ssl(SSL_R_NO_CERTIFICATE_ASSIGNED))?;
        let c = s.cert.as_ref().ok_or_else(|| Error::ssl(SSL_R_NO_CERTIFICATE_ASSIGNED))?;
        let k = s.key.as_ref().ok_or_else(|| Error::ssl(SSL_R_NO_PRIVATE_KEY_ASSIGNED))?;
        if c.matches_key(k) { Ok(()) } else { Err(Error::queued()) }
    }

    /// `SSL_CTX_set_current_cert(FIRST|NEXT)`: the next slot with both a
    /// certificate and a key becomes current.
    pub fn set_current(&mut self, first: bool) -> bool {
        let start = if first { 0 } else { self.current.map_or(SLOTS, |c| c + 1) };
        for i in start..SLOTS {
            if self.slots[i].cert.is_some() && self.slots[i].key.is_some() {
                self.current = Some(i);
                return true;
            }
        }
        false
    }

    /// Slots usable for a handshake (certificate and key).
    pub fn complete(&self) -> impl Iterator<Item = (usize, &Slot)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.cert.is_some() && s.key.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(|s| s.cert.is_none() && s.key.is_none())
    }
}

/// The chain sent after `cert`, as OpenSSL's `ssl_add_cert_chain` picks it:
/// the slot's own chain, else the context's extra chain certificates, else
/// (unless `SSL_MODE_NO_AUTO_CHAIN`, `auto_chain` = `None`) as much of the
/// chain as the trust store builds, so an intermediate kept only in
/// `SSLCACertificateFile`/`Path` is still sent.
fn chain_for(slot: &Slot, certs: &Certs, cert: &X509, auto_chain: Option<&crate::libcrypto::store::Store>) -> Vec<X509> {
    if !slot.chain.is_empty() {
        return slot.chain.clone();
    }
    if !certs.extra_chain.is_empty() {
        return certs.extra_chain.clone();
    }
    auto_chain.map(|store| crate::libcrypto::verify::auto_chain(store, cert)).unwrap_or_default()
}

/// A slot ready for rustls: the key type, OpenSSL slot index, the
/// certificate (for `SSL_get_certificate`) and the `CertifiedKey`.
#[derive(Debug)]
pub struct ServerKey {
    pub slot: usize,
    pub key_type: KeyType,
    /// For EC keys, the curve (TLS 1.2 only uses it with clients that list it).
    pub curve: Option<rustls::NamedGroup>,
    pub cert: X509,
    pub certified: Arc<CertifiedKey>,
}

/// Builds the rustls form of every complete slot. A key that cannot be
/// used (unsupported type, not exportable) is reported in `problems`.
pub fn build_server_keys(
    certs: &Certs,
    provider: &CryptoProvider,
    sigalgs: Option<&[rustls::SignatureScheme]>,
    server_pref: bool,
    auto_chain: Option<&crate::libcrypto::store::Store>,
    problems: &mut Vec<String>,
) -> Vec<ServerKey> {
    let mut out = Vec::new();
    for (i, s) in certs.complete() {
        let (Some(cert), Some(key)) = (&s.cert, &s.key) else { continue };
        let chain = chain_for(s, certs, cert, auto_chain);
        match certified_key(cert, &chain, key, provider) {
            Ok(mut ck) => {
                ck.key = Arc::new(super::sigalgs::SchemePolicy {
                    inner: ck.key.clone(),
                    allowed: sigalgs.map(<[_]>::to_vec),
                    server_order: server_pref.then(|| sigalgs.map_or_else(|| super::sigalgs::OPENSSL_DEFAULT_ORDER.to_vec(), <[_]>::to_vec)),
                });
                let curve = match (key.key_type(), key.bits()) {
                    (KeyType::Ec, 256) => Some(rustls::NamedGroup::secp256r1),
                    (KeyType::Ec, 384) => Some(rustls::NamedGroup::secp384r1),
                    (KeyType::Ec, 521) => Some(rustls::NamedGroup::secp521r1),
                    _ => None,
                };
                out.push(ServerKey { slot: i, key_type: key.key_type(), curve, cert: cert.clone(), certified: Arc::new(ck) })
            }
            Err(e) => problems.push(format!("certificate slot {i} ({}): {e}", key.key_type().name())),
        }
    }
    out
}

/// A rustls `CertifiedKey` from libcrypto objects: the leaf and chain as
/// DER, the private key loaded into the provider (PKCS#8) or, when it cannot
/// be exported, signing through libcrypto.
pub fn certified_key(cert: &X509, chain: &[X509], key: &PKey, provider: &CryptoProvider) -> std::result::Result<CertifiedKey, String> {
    let signing = super::signer::signing_key(key, provider)?;
    let mut certs: Vec<CertificateDer<'static>> = Vec::with_capacity(1 + chain.len());
    certs.push(CertificateDer::from(cert.to_der()));
    certs.extend(chain.iter().map(|c| CertificateDer::from(c.to_der())));
    Ok(CertifiedKey::new(certs, signing))
}
