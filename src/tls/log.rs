//! Warnings for the administrator. They go to stderr, which httpd sends to
//! its error log; each distinct message is printed once per process.

use std::collections::HashSet;
use std::sync::Mutex;

pub fn warn_once(msg: &str) {
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut g = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    let set = g.get_or_insert_with(HashSet::new);
    if set.len() < 1024 && set.insert(msg.to_string()) {
        eprintln!("[sslshim] warning: {msg}");
    }
}

/// DH parameters (`SSL_CTX_set0_tmp_dh_pkey`, `SSL_CTRL_SET_TMP_DH`, mod_ssl's
/// DH PARAMETERS in the certificate file, `SSLOpenSSLConfCmd DHParameters`) are
/// accepted with this warning: without DHE only the ECDHE and TLS 1.3 key
/// exchanges remain, which are stronger.
pub fn dh_params_ignored() {
    warn_once("DH parameters ignored: rustls has no finite-field DHE (DHE-* cipher suites); ECDHE and TLS 1.3 key exchange are used");
}

/// `SSL_CTX_set_max_early_data` with a non-zero size (nginx's `ssl_early_data on`).
pub const EARLY_DATA_DECLINED: &str =
    "TLS 1.3 early data (0-RTT) is not supported: it is declined (tickets allow no early data, clients send their request after the handshake)";
