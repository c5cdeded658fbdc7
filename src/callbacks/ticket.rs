//! rustls' `ProducesTickets` over the host's ticket key callback
//! (`SSL_CTX_set_tlsext_ticket_key_evp_cb`).

use super::{scope, ssl_ptr};
use crate::ffi::types::TicketKeyEvpFn;
use crate::libcrypto::ticket;
use rustls::server::ProducesTickets;

#[derive(Debug)]
pub struct EvpTicketer {
    pub cb: TicketKeyEvpFn,
    pub lifetime: u32,
}

impl EvpTicketer {
    fn call(&self, enc: bool, plain: &[u8]) -> Option<Vec<u8>> {
        let ssl = scope::current()?;
        let p = ssl_ptr(&ssl);
        let cb = self.cb;
        let f = move |name: *mut u8, iv: *mut u8, cctx: *mut openssl_sys::EVP_CIPHER_CTX, mctx: *mut std::ffi::c_void, mode: std::ffi::c_int| {
            // SAFETY: the host registered `cb` with this signature; the
            // buffers are 16 bytes (name) and EVP_MAX_IV_LENGTH (iv), the
            // contexts fresh libcrypto objects, as OpenSSL passes them.
            unsafe { cb(p, name, iv, cctx, mctx.cast(), mode) }
        };
        if enc { ticket::seal(&f, plain) } else { ticket::open(&f, plain) }
    }
}

impl ProducesTickets for EvpTicketer {
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
