//! NSS key log lines through `SSL_CTX_set_keylog_callback`.

use super::{scope, ssl_ptr};
use rustls::KeyLog;
use std::ffi::CString;
use std::fmt::Write;

#[derive(Debug)]
pub struct KeyLogger;

impl KeyLog for KeyLogger {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let Some(ssl) = scope::current() else { return };
        let Some(cb) = ssl.ctx().settings().cbs.keylog else { return };
        let mut line = String::with_capacity(label.len() + 2 + 2 * (client_random.len() + secret.len()));
        line.push_str(label);
        line.push(' ');
        for b in client_random {
            let _ = write!(line, "{b:02x}");
        }
        line.push(' ');
        for b in secret {
            let _ = write!(line, "{b:02x}");
        }
        let Ok(c) = CString::new(line) else { return };
        // SAFETY: the host registered `cb` with this signature; the line is
        // a valid C string for the duration of the call.
        unsafe { cb(ssl_ptr(&ssl), c.as_ptr()) }
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}
