//! Peer certificate verification: rustls verifier traits whose decisions
//! are libcrypto's `X509_verify_cert` with the host's verify callback, on
//! the connection's current context's `X509_STORE`. The handshake
//! signatures (CertificateVerify, ServerKeyExchange) are still checked by
//! rustls.

use super::{scope, ssl_ptr};
use crate::consts::*;
use crate::libcrypto::verify::{Purpose, verify_chain};
use crate::libcrypto::x509::X509;
use crate::tls::ssl::Ssl;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, Error, OtherError, SignatureScheme};
use std::ffi::c_long;
use std::sync::Arc;

/// OpenSSL's X509 verification error -> TLS alert table
/// (`ssl_x509err2alert` in OpenSSL 3.0's statem_lib.c).
pub fn alert_for_x509_error(e: c_long) -> u8 {
    match e {
        50 => 40,                                         // APPLICATION_VERIFICATION: handshake_failure
        10 | 12 => 45,                                    // CERT/CRL_HAS_EXPIRED: certificate_expired
        23 => 44,                                         // CERT_REVOKED: certificate_revoked
        7 | 8 => 51,                                      // CERT/CRL_SIGNATURE_FAILURE: decrypt_error
        26 => 43,                                         // INVALID_PURPOSE: unsupported_certificate
        2 | 3 | 18 | 19 | 20 | 21 | 22 | 25 | 33 | 79 => 48, // unknown issuer/CRL, self-signed, chain or path too long, INVALID_CA: unknown_ca
        1 | 17 | 69 | 70 => 80,                           // UNSPECIFIED, OUT_OF_MEM, INVALID_CALL, STORE_LOOKUP: internal_error
        4 | 5 | 6 | 9 | 11 | 13 | 14 | 15 | 16 | 27 | 28 | 62 | 63 | 64 | 65 | 66 | 67 | 68 => 42, // bad_certificate
        _ => 46,                                          // certificate_unknown
    }
}

#[derive(Debug)]
struct VerifyFailed(c_long);

impl std::fmt::Display for VerifyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "certificate verify failed (X509 error {})", self.0)
    }
}

impl std::error::Error for VerifyFailed {}

/// The rustls error whose alert is OpenSSL's for this verify result. The
/// libcrypto reason itself is recorded on the connection for the log.
fn cert_error(e: c_long) -> Error {
    let other = || CertificateError::Other(OtherError(Arc::new(VerifyFailed(e))));
    match alert_for_x509_error(e) {
        40 | 80 => Error::General(format!("certificate verify failed (X509 error {e})")),
        45 => Error::InvalidCertificate(CertificateError::Expired),
        44 => Error::InvalidCertificate(CertificateError::Revoked),
        51 => Error::InvalidCertificate(CertificateError::BadSignature),
        43 => Error::InvalidCertificate(CertificateError::InvalidPurpose),
        48 => Error::InvalidCertificate(CertificateError::UnknownIssuer),
        42 => Error::InvalidCertificate(CertificateError::BadEncoding),
        _ => Error::InvalidCertificate(other()),
    }
}

fn decode_chain(end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Result<(X509, Vec<X509>), Error> {
    let leaf = X509::from_der(end_entity).ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let mut rest = Vec::with_capacity(intermediates.len());
    for c in intermediates {
        rest.push(X509::from_der(c).ok_or(Error::InvalidCertificate(CertificateError::BadEncoding))?);
    }
    Ok((leaf, rest))
}

/// Verifies with libcrypto and records the verify result and peer chain on
/// the connection. Returns whether the handshake may continue.
fn run(ssl: &Arc<Ssl>, leaf: X509, rest: Vec<X509>, purpose: Purpose) -> (bool, c_long) {
    let (store, verify) = {
        let g = ssl.lock();
        let store = g.ctx.settings().store.clone();
        (store, g.verify)
    };
    let out = verify_chain(&store, &leaf, &rest, purpose, verify.depth, verify.cb, crate::libcrypto::HostPtr::from_ptr(ssl_ptr(ssl)));
    let mut g = ssl.lock();
    g.verify_result = out.error;
    if !out.ok {
        g.verify_failure = Some(crate::libcrypto::verify::error_string(out.error));
    }
    let mut chain = Vec::with_capacity(1 + rest.len());
    chain.push(leaf);
    chain.extend(rest);
    g.facts.peer_chain = chain;
    g.handed.verified_chain = crate::libcrypto::stack::X509Stack::new(&out.chain);
    (out.ok, out.error)
}

/// Server side: client certificates (`SSLVerifyClient`).
#[derive(Debug)]
pub struct ClientVerifier {
    mandatory: bool,
    hints: Vec<DistinguishedName>,
    algs: WebPkiSupportedAlgorithms,
    /// `SignatureAlgorithms`/`ClientSignatureAlgorithms`: the only schemes
    /// asked for and accepted in the client's CertificateVerify.
    allowed: Option<Vec<SignatureScheme>>,
}

impl ClientVerifier {
    pub fn new(mandatory: bool, client_ca: &[Vec<u8>], algs: WebPkiSupportedAlgorithms, allowed: Option<Vec<SignatureScheme>>) -> Self {
        ClientVerifier {
            mandatory,
            hints: client_ca.iter().map(|d| DistinguishedName::from(d.clone())).collect(),
            algs,
            allowed,
        }
    }

    fn check_scheme(&self, dss: &DigitallySignedStruct) -> Result<(), Error> {
        match &self.allowed {
            Some(a) if !a.contains(&dss.scheme) => Err(Error::PeerMisbehaved(rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme)),
            _ => Ok(()),
        }
    }
}

impl ClientCertVerifier for ClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(&self, end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>], _now: UnixTime) -> Result<ClientCertVerified, Error> {
        let ssl = scope::current().ok_or_else(|| Error::General("no connection in scope".into()))?;
        let (leaf, rest) = decode_chain(end_entity, intermediates)?;
        let (ok, err) = run(&ssl, leaf, rest, Purpose::SslClient);
        if ok { Ok(ClientCertVerified::assertion()) } else { Err(cert_error(err)) }
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.check_scheme(dss)?;
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        self.check_scheme(dss)?;
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let all = self.algs.supported_schemes();
        match &self.allowed {
            Some(a) => a.iter().copied().filter(|s| all.contains(s)).collect(),
            None => all,
        }
    }
}

/// Client side: the server's certificate. No hostname check here (OpenSSL
/// does none unless asked; curl and mod_ssl check names themselves). With
/// `SSL_VERIFY_NONE` the result is recorded and the handshake continues.
#[derive(Debug)]
pub struct ServerVerifier {
    pub algs: WebPkiSupportedAlgorithms,
}

impl ServerVerifier {
    /// One verifier for every context (see `ClientCertResolver::shared`):
    /// it holds no per-context state, the connection in scope supplies it.
    pub fn shared() -> Arc<ServerVerifier> {
        static SHARED: std::sync::OnceLock<Arc<ServerVerifier>> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(|| Arc::new(ServerVerifier { algs: rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms }))
            .clone()
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(&self, end_entity: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>], _name: &ServerName<'_>, _ocsp: &[u8], _now: UnixTime) -> Result<ServerCertVerified, Error> {
        let ssl = scope::current().ok_or_else(|| Error::General("no connection in scope".into()))?;
        let (leaf, rest) = decode_chain(end_entity, intermediates)?;
        let (ok, err) = run(&ssl, leaf, rest, Purpose::SslServer);
        let mode = ssl.lock().verify.mode;
        if ok || mode & SSL_VERIFY_PEER == 0 { Ok(ServerCertVerified::assertion()) } else { Err(cert_error(err)) }
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}
