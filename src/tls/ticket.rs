//! The default session-ticket sealer (no `SSLSessionTicketKeyFile`).
//!
//! httpd configures in its parent and then forks children that serve
//! connections; a ticket issued by one child must open in another. rustls'
//! own rotating ticketer would create fresh keys independently in every
//! child after its first rotation. Instead, a random master secret is made
//! when the `SSL_CTX` is created (in the parent, before fork) and every key
//! is derived from it for a time epoch: all children derive the same keys,
//! keys still rotate, and a restart (new contexts) invalidates old tickets
//! exactly as with OpenSSL.

#![forbid(unsafe_code)]

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use rustls::server::ProducesTickets;
use std::time::{SystemTime, UNIX_EPOCH};

/// Keys change every 6 hours; tickets open for up to two epochs.
const EPOCH_SECS: u64 = 6 * 3600;
const LIFETIME: u32 = 12 * 3600;
const MAGIC: &[u8; 4] = b"sst1";

pub struct EpochTicketer {
    master: [u8; 32],
}

/// Prefixes the ticket plaintext with its issue time, so that opening can
/// enforce the session timeout (`SSLSessionCacheTimeout`) as OpenSSL does.
pub fn stamp(plain: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + plain.len());
    v.extend_from_slice(&super::session::now().to_be_bytes());
    v.extend_from_slice(plain);
    v
}

/// The plaintext of a stamped ticket no older than `lifetime` seconds.
pub fn unstamp(data: &[u8], lifetime: u32) -> Option<Vec<u8>> {
    let issued = i64::from_be_bytes(data.get(..8)?.try_into().ok()?);
    let age = super::session::now() - issued;
    if age < -60 || age > i64::from(lifetime) {
        return None;
    }
    Some(data[8..].to_vec())
}

/// The context's ticketer with the context's session timeout.
#[derive(Debug)]
pub struct Timed {
    pub inner: std::sync::Arc<EpochTicketer>,
    pub lifetime: u32,
}

impl ProducesTickets for Timed {
    fn enabled(&self) -> bool {
        true
    }
    fn lifetime(&self) -> u32 {
        self.lifetime
    }
    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.inner.encrypt(&stamp(plain))
    }
    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        unstamp(&self.inner.decrypt(cipher)?, self.lifetime)
    }
}

impl std::fmt::Debug for EpochTicketer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EpochTicketer")
    }
}

impl EpochTicketer {
    pub fn new() -> Option<EpochTicketer> {
        let mut master = [0u8; 32];
        SystemRandom::new().fill(&mut master).ok()?;
        Some(EpochTicketer { master })
    }

    fn epoch_now() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) / EPOCH_SECS
    }

    fn key(&self, epoch: u64) -> Option<LessSafeKey> {
        struct Len(usize);
        impl aws_lc_rs::hkdf::KeyType for Len {
            fn len(&self) -> usize {
                self.0
            }
        }
        let prk = Salt::new(HKDF_SHA256, b"sslshim ticket key").extract(&self.master);
        let info = epoch.to_be_bytes();
        let info_parts = [&info[..]];
        let okm = prk.expand(&info_parts, Len(32)).ok()?;
        let mut k = [0u8; 32];
        okm.fill(&mut k).ok()?;
        UnboundKey::new(&AES_256_GCM, &k).ok().map(LessSafeKey::new)
    }
}

impl ProducesTickets for EpochTicketer {
    fn enabled(&self) -> bool {
        true
    }

    fn lifetime(&self) -> u32 {
        LIFETIME
    }

    /// `magic | epoch (8) | nonce (12) | AES-256-GCM(plain) | tag`, the
    /// header authenticated as associated data.
    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let epoch = Self::epoch_now();
        let key = self.key(epoch)?;
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).ok()?;
        let mut out = Vec::with_capacity(4 + 8 + NONCE_LEN + plain.len() + 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&epoch.to_be_bytes());
        out.extend_from_slice(&nonce);
        let header_len = out.len();
        let mut body = plain.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&out[..header_len]), &mut body).ok()?;
        out.extend_from_slice(&body);
        Some(out)
    }

    fn decrypt(&self, ticket: &[u8]) -> Option<Vec<u8>> {
        let header_len = 4 + 8 + NONCE_LEN;
        if ticket.len() < header_len + 16 || &ticket[..4] != MAGIC {
            return None;
        }
        let epoch = u64::from_be_bytes(ticket[4..12].try_into().ok()?);
        let now = Self::epoch_now();
        if epoch > now || now - epoch > 1 {
            return None;
        }
        let key = self.key(epoch)?;
        let nonce = Nonce::try_assume_unique_for_key(&ticket[12..header_len]).ok()?;
        let mut body = ticket[header_len..].to_vec();
        let plain = key.open_in_place(nonce, Aad::from(&ticket[..header_len]), &mut body).ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let t = EpochTicketer::new().unwrap();
        let sealed = t.encrypt(b"session state").unwrap();
        assert_eq!(t.decrypt(&sealed).unwrap(), b"session state");
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(t.decrypt(&bad).is_none(), "byte {i}");
        }
        assert!(t.decrypt(&sealed[..sealed.len() - 1]).is_none());
        assert!(t.decrypt(b"").is_none());
        let other = EpochTicketer::new().unwrap();
        assert!(other.decrypt(&sealed).is_none());
    }

    #[test]
    fn stamps_expire() {
        let t = Timed { inner: std::sync::Arc::new(EpochTicketer::new().unwrap()), lifetime: 300 };
        assert_eq!(t.decrypt(&t.encrypt(b"v").unwrap()).unwrap(), b"v");
        let mut old = stamp(b"v");
        old[..8].copy_from_slice(&(crate::tls::session::now() - 301).to_be_bytes());
        assert!(unstamp(&old, 300).is_none());
        assert!(unstamp(b"short", 300).is_none());
    }

    #[test]
    fn same_master_same_keys() {
        // What fork gives: two copies of one ticketer open each other's tickets.
        let a = EpochTicketer::new().unwrap();
        let b = EpochTicketer { master: a.master };
        assert_eq!(b.decrypt(&a.encrypt(b"x").unwrap()).unwrap(), b"x");
    }
}
