//! Client side: which certificate to present when a server asks. The
//! certificate set on the connection or context (`SSL_use_certificate`,
//! `SSL_CTX_use_certificate`: curl's `--cert`), else the host's
//! `SSL_CTX_set_client_cert_cb` callback (mod_ssl's
//! `SSLProxyMachineCertificateFile`), which reads the server's CA names with
//! `SSL_get_client_CA_list`.

use super::{scope, ssl_ptr};
use crate::libcrypto::pkey::PKey;
use crate::libcrypto::stack::NameStack;
use crate::libcrypto::x509::X509;
use crate::tls::cert::{ServerKey, certified_key};
use crate::tls::log::warn_once;
use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use std::sync::Arc;

/// Stateless: everything comes from the connection being driven and its
/// context, so one resolver (and one server verifier) serves every
/// `SSL_CTX`. rustls only resumes a session under the same verifier and
/// resolver objects that made it, and hosts (libcurl) make a new `SSL_CTX`
/// per connection while resuming across them, as OpenSSL allows.
#[derive(Debug)]
pub struct ClientCertResolver;

impl ClientCertResolver {
    pub fn shared() -> Arc<ClientCertResolver> {
        static SHARED: std::sync::OnceLock<Arc<ClientCertResolver>> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Arc::new(ClientCertResolver)).clone()
    }
}

impl ResolvesClientCert for ClientCertResolver {
    fn resolve(&self, root_hint_subjects: &[&[u8]], sigschemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        let ssl = scope::current()?;
        let names: Vec<Vec<u8>> = root_hint_subjects.iter().map(|n| n.to_vec()).collect();
        ssl.lock().handed.client_ca = NameStack::from_ders(&names);
        let ctx = ssl.lock().ctx.clone();
        let built = ctx.built();
        let own = ssl.own_server_keys();
        let keys: &[ServerKey] = match &own {
            Some(k) if !k.is_empty() => k,
            _ => &built.server_keys,
        };
        if let Some(k) = keys.iter().find(|k| k.certified.key.choose_scheme(sigschemes).is_some()) {
            return Some(k.certified.clone());
        }
        let cb = built.cbs.client_cert?;
        let mut x: *mut openssl_sys::X509 = std::ptr::null_mut();
        let mut k: *mut openssl_sys::EVP_PKEY = std::ptr::null_mut();
        // SAFETY: the host registered `cb` for this signature; on 1 it hands
        // us one reference to each object, which we take over.
        let r = unsafe { cb(ssl_ptr(&ssl), &mut x, &mut k) };
        // SAFETY: owned references (or null) per the callback's contract.
        let (cert, key) = unsafe { (X509::from_owned(x), PKey::from_owned(k)) };
        if r != 1 {
            return None;
        }
        let (cert, key) = (cert?, key?);
        if !cert.matches_key(&key) {
            crate::libcrypto::err::clear();
            warn_once("the client certificate callback returned a certificate and key that do not match: no certificate sent");
            return None;
        }
        let chain = if !built.extra_chain.is_empty() {
            built.extra_chain.clone()
        } else if built.auto_chain {
            crate::libcrypto::verify::auto_chain(&built.store, &cert)
        } else {
            Vec::new()
        };
        match certified_key(&cert, &chain, &key, &built.provider) {
            Ok(ck) if ck.key.choose_scheme(sigschemes).is_some() => Some(Arc::new(ck)),
            Ok(_) => None,
            Err(e) => {
                warn_once(&format!("client certificate from the callback cannot be used: {e}"));
                None
            }
        }
    }

    fn has_certs(&self) -> bool {
        true
    }
}
