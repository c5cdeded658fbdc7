//! rustls' `ProducesTickets` over the host's ticket key callback:
//! `SSL_CTX_set_tlsext_ticket_key_evp_cb` (mod_ssl, nginx >= 1.23) or the
//! legacy `SSL_CTX_set_tlsext_ticket_key_cb` with an `HMAC_CTX` (nginx 1.22's
//! `ssl_session_ticket_key`).

use super::{scope, ssl_ptr};
use crate::ffi::types::{TicketKeyEvpFn, TicketKeyHmacFn};
use crate::libcrypto::ticket::{self, MacKind};
use rustls::server::ProducesTickets;

#[derive(Clone, Copy, Debug)]
pub enum KeyCallback {
    Evp(TicketKeyEvpFn),
    Hmac(TicketKeyHmacFn),
}

impl KeyCallback {
    /// The MAC context this callback initialises.
    fn mac_kind(self) -> MacKind {
        match self {
            KeyCallback::Evp(_) => MacKind::Evp,
            KeyCallback::Hmac(_) => MacKind::Hmac,
        }
    }
}

#[derive(Debug)]
pub struct HostTicketer {
    pub cb: KeyCallback,
    pub lifetime: u32,
}

impl HostTicketer {
    fn call(&self, enc: bool, plain: &[u8]) -> Option<Vec<u8>> {
        let ssl = scope::current()?;
        let p = ssl_ptr(&ssl);
        let (kind, cb) = (self.cb.mac_kind(), self.cb);
        let f = move |name: *mut u8, iv: *mut u8, cctx: *mut openssl_sys::EVP_CIPHER_CTX, mctx: *mut std::ffi::c_void, mode: std::ffi::c_int| {
            // SAFETY: the host registered `cb` with this signature; the
            // buffers are 16 bytes (name) and EVP_MAX_IV_LENGTH (iv), the
            // contexts fresh libcrypto objects of the kind the callback
            // expects (EVP_MAC_CTX or HMAC_CTX), as OpenSSL passes them.
            unsafe {
                match cb {
                    KeyCallback::Evp(cb) => cb(p, name, iv, cctx, mctx.cast(), mode),
                    KeyCallback::Hmac(cb) => cb(p, name, iv, cctx, mctx.cast(), mode),
                }
            }
        };
        if enc { ticket::seal(kind, &f, plain) } else { ticket::open(kind, &f, plain) }
    }
}

impl ProducesTickets for HostTicketer {
    fn enabled(&self) -> bool {
        true
    }

    fn lifetime(&self) -> u32 {
        self.lifetime
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.call(true, &crate::tls::ticket::stamp(&super::session::stamp_now(), plain))
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        let (st, plain) = crate::tls::ticket::unstamp(&self.call(false, cipher)?, self.lifetime)?;
        super::session::accept_stamp(&st).then_some(plain)
    }
}
