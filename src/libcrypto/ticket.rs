//! Session tickets in OpenSSL's format, sealed with the keys the host's
//! ticket key callback sets up (mod_ssl's `SSLSessionTicketKeyFile` through
//! `SSL_CTX_set_tlsext_ticket_key_evp_cb`, nginx 1.22's
//! `ssl_session_ticket_key` through the legacy `HMAC_CTX` callback):
//! `key_name (16) | IV | ciphertext | HMAC`. Servers sharing a key file
//! open each other's tickets.

use super::sys;
use openssl_sys as ffi;
use std::ffi::c_int;

/// Maximum IV length (`EVP_MAX_IV_LENGTH`).
const MAX_IV: usize = 16;
const NAME_LEN: usize = 16;
const MAX_MAC: usize = 64;

/// Which MAC context the host's callback initialises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacKind {
    /// `EVP_MAC_CTX` (`SSL_CTX_set_tlsext_ticket_key_evp_cb`).
    Evp,
    /// `HMAC_CTX` (`SSL_CTX_set_tlsext_ticket_key_cb`).
    Hmac,
}

/// A cipher context and a MAC context for one callback call.
struct Ctxs {
    kind: MacKind,
    cipher: *mut ffi::EVP_CIPHER_CTX,
    mac: *mut std::ffi::c_void,
    /// `EVP_MAC_CTX*` or `HMAC_CTX*`, per `kind`.
    mac_ctx: *mut std::ffi::c_void,
}

impl Ctxs {
    fn new(kind: MacKind) -> Option<Ctxs> {
        // SAFETY: plain allocations, freed in Drop.
        unsafe {
            let cipher = ffi::EVP_CIPHER_CTX_new();
            let (mac, mac_ctx) = match kind {
                MacKind::Evp => {
                    let mac = sys::EVP_MAC_fetch(std::ptr::null_mut(), c"HMAC".as_ptr(), std::ptr::null());
                    (mac, if mac.is_null() { std::ptr::null_mut() } else { sys::EVP_MAC_CTX_new(mac) })
                }
                MacKind::Hmac => (std::ptr::null_mut(), ffi::HMAC_CTX_new().cast()),
            };
            let c = Ctxs { kind, cipher, mac, mac_ctx };
            if cipher.is_null() || mac_ctx.is_null() { None } else { Some(c) }
        }
    }

    /// The MAC's output size once the callback has set it up.
    fn mac_size(&self) -> usize {
        // SAFETY: a live context of `kind`.
        unsafe {
            match self.kind {
                MacKind::Evp => sys::EVP_MAC_CTX_get_mac_size(self.mac_ctx),
                MacKind::Hmac => sys::HMAC_size(self.mac_ctx.cast()),
            }
        }
    }
}

impl Drop for Ctxs {
    fn drop(&mut self) {
        // SAFETY: each pointer is null or ours.
        unsafe {
            if !self.cipher.is_null() {
                ffi::EVP_CIPHER_CTX_free(self.cipher);
            }
            if !self.mac_ctx.is_null() {
                match self.kind {
                    MacKind::Evp => sys::EVP_MAC_CTX_free(self.mac_ctx),
                    MacKind::Hmac => ffi::HMAC_CTX_free(self.mac_ctx.cast()),
                }
            }
            if !self.mac.is_null() {
                sys::EVP_MAC_free(self.mac);
            }
        }
    }
}

/// The callback, with the `SSL*` already bound:
/// `(key_name, iv, cipher_ctx, mac_ctx, enc) -> int`.
pub type Callback<'a> = &'a dyn Fn(*mut u8, *mut u8, *mut ffi::EVP_CIPHER_CTX, *mut std::ffi::c_void, c_int) -> c_int;

fn mac(c: &Ctxs, data: &[u8]) -> Option<Vec<u8>> {
    let mut out = [0u8; MAX_MAC];
    let n;
    // SAFETY: the callback initialised the MAC context (key and digest);
    // `out` holds any HMAC (at most EVP_MAX_MD_SIZE).
    unsafe {
        match c.kind {
            MacKind::Evp => {
                let mut len = 0usize;
                if sys::EVP_MAC_update(c.mac_ctx, data.as_ptr(), data.len()) != 1
                    || sys::EVP_MAC_final(c.mac_ctx, out.as_mut_ptr(), &mut len, out.len()) != 1
                {
                    return None;
                }
                n = len;
            }
            MacKind::Hmac => {
                if c.mac_size() == 0 || c.mac_size() > MAX_MAC {
                    return None;
                }
                let mut len: std::ffi::c_uint = 0;
                if ffi::HMAC_Update(c.mac_ctx.cast(), data.as_ptr(), data.len()) != 1
                    || ffi::HMAC_Final(c.mac_ctx.cast(), out.as_mut_ptr(), &mut len) != 1
                {
                    return None;
                }
                n = usize::try_from(len).ok()?;
            }
        }
    }
    out.get(..n).map(<[u8]>::to_vec)
}

/// Seals `plain`; `None` when the callback declines or fails (rustls then
/// sends no ticket and the handshake goes on).
pub fn seal(kind: MacKind, cb: Callback<'_>, plain: &[u8]) -> Option<Vec<u8>> {
    let c = Ctxs::new(kind)?;
    let mut name = [0u8; NAME_LEN];
    let mut iv = [0u8; MAX_IV];
    if cb(name.as_mut_ptr(), iv.as_mut_ptr(), c.cipher, c.mac_ctx, 1) != 1 {
        return None;
    }
    // SAFETY: the callback initialised the cipher context for encryption;
    // output buffers have room for the plaintext plus one block.
    unsafe {
        let iv_len = usize::try_from(sys::EVP_CIPHER_CTX_get_iv_length(c.cipher)).ok().filter(|l| *l <= MAX_IV)?;
        let block = usize::try_from(sys::EVP_CIPHER_CTX_get_block_size(c.cipher)).unwrap_or(16).max(1);
        let mut out = Vec::with_capacity(NAME_LEN + iv_len + plain.len() + block + MAX_MAC);
        out.extend_from_slice(&name);
        out.extend_from_slice(&iv[..iv_len]);
        let start = out.len();
        out.resize(start + plain.len() + block, 0);
        let mut n1: c_int = 0;
        let mut n2: c_int = 0;
        if ffi::EVP_EncryptUpdate(c.cipher, out.as_mut_ptr().add(start), &mut n1, plain.as_ptr(), c_int::try_from(plain.len()).ok()?) != 1 {
            return None;
        }
        let n1u = usize::try_from(n1).ok()?;
        if ffi::EVP_EncryptFinal_ex(c.cipher, out.as_mut_ptr().add(start + n1u), &mut n2) != 1 {
            return None;
        }
        out.truncate(start + n1u + usize::try_from(n2).ok()?);
        let tag = mac(&c, &out)?;
        out.extend_from_slice(&tag);
        Some(out)
    }
}

/// Opens a ticket; `None` for an unknown key name, a bad MAC or padding,
/// or anything malformed (the client then gets a full handshake).
pub fn open(kind: MacKind, cb: Callback<'_>, ticket: &[u8]) -> Option<Vec<u8>> {
    if ticket.len() < NAME_LEN + MAX_IV {
        return None;
    }
    let c = Ctxs::new(kind)?;
    let mut name = [0u8; NAME_LEN];
    name.copy_from_slice(&ticket[..NAME_LEN]);
    let mut iv = [0u8; MAX_IV];
    iv.copy_from_slice(&ticket[NAME_LEN..NAME_LEN + MAX_IV]);
    let r = cb(name.as_mut_ptr(), iv.as_mut_ptr(), c.cipher, c.mac_ctx, 0);
    if r != 1 && r != 2 {
        return None;
    }
    // SAFETY: the callback initialised both contexts for decryption.
    unsafe {
        let mac_len = c.mac_size();
        let iv_len = usize::try_from(sys::EVP_CIPHER_CTX_get_iv_length(c.cipher)).ok().filter(|l| *l <= MAX_IV)?;
        if mac_len == 0 || mac_len > MAX_MAC || ticket.len() < NAME_LEN + iv_len + mac_len {
            return None;
        }
        let (body, tag) = ticket.split_at(ticket.len() - mac_len);
        let expect = mac(&c, body)?;
        if expect.len() != mac_len || sys::CRYPTO_memcmp(expect.as_ptr().cast(), tag.as_ptr().cast(), mac_len) != 0 {
            return None;
        }
        let ct = &body[NAME_LEN + iv_len..];
        let mut out = vec![0u8; ct.len() + 32];
        let mut n1: c_int = 0;
        let mut n2: c_int = 0;
        if ffi::EVP_DecryptUpdate(c.cipher, out.as_mut_ptr(), &mut n1, ct.as_ptr(), c_int::try_from(ct.len()).ok()?) != 1 {
            return None;
        }
        let n1u = usize::try_from(n1).ok()?;
        if ffi::EVP_DecryptFinal_ex(c.cipher, out.as_mut_ptr().add(n1u), &mut n2) != 1 {
            ffi::ERR_clear_error();
            return None;
        }
        out.truncate(n1u + usize::try_from(n2).ok()?);
        Some(out)
    }
}
