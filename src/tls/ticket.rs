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

/// What a ticket carries besides rustls' session value: OpenSSL keeps these
/// in the session it seals, and checks/restores them on resumption.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    pub issued: i64,
    pub verify_result: i64,
    pub sid_ctx: Vec<u8>,
}

/// `issued (8) | verify_result (8) | sid_ctx length (1) | sid_ctx | plain`.
pub fn stamp(st: &Stamp, plain: &[u8]) -> Vec<u8> {
    let ctx = &st.sid_ctx[..st.sid_ctx.len().min(32)];
    let mut v = Vec::with_capacity(17 + ctx.len() + plain.len());
    v.extend_from_slice(&st.issued.to_be_bytes());
    v.extend_from_slice(&st.verify_result.to_be_bytes());
    v.push(ctx.len() as u8);
    v.extend_from_slice(ctx);
    v.extend_from_slice(plain);
    v
}

/// Splits a stamped plaintext; `None` if malformed or older than `lifetime`.
pub fn unstamp(data: &[u8], lifetime: u32) -> Option<(Stamp, Vec<u8>)> {
    let issued = i64::from_be_bytes(data.get(..8)?.try_into().ok()?);
    let verify_result = i64::from_be_bytes(data.get(8..16)?.try_into().ok()?);
    let n = usize::from(*data.get(16)?);
    let sid_ctx = data.get(17..17 + n)?.to_vec();
    let age = super::session::now() - issued;
    if age < -60 || age > i64::from(lifetime) {
        return None;
    }
    Some((Stamp { issued, verify_result, sid_ctx }, data[17 + n..].to_vec()))
}

/// The context's ticketer with the context's session timeout; the
/// connection-dependent parts go through `callbacks::session`.
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
        self.inner.encrypt(&stamp(&crate::callbacks::session::stamp_now(), plain))
    }
    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        let (st, plain) = unstamp(&self.inner.decrypt(cipher)?, self.lifetime)?;
        crate::callbacks::session::accept_stamp(&st).then_some(plain)
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
    fn stamps_round_trip_and_expire() {
        let st = Stamp { issued: crate::tls::session::now(), verify_result: 19, sid_ctx: b"vhost-a".to_vec() };
        let (back, plain) = unstamp(&stamp(&st, b"v"), 300).unwrap();
        assert_eq!((back, plain.as_slice()), (st.clone(), &b"v"[..]));
        let old = Stamp { issued: st.issued - 301, ..st };
        assert!(unstamp(&stamp(&old, b"v"), 300).is_none());
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
