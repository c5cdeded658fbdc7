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

// X509_V_ERR_* values (x509_vfy.h) that choose the alert.
const X509_V_ERR_CERT_NOT_YET_VALID: c_long = 9;
const X509_V_ERR_CERT_HAS_EXPIRED: c_long = 10;
const X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: c_long = 18;
const X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: c_long = 19;
const X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: c_long = 20;
const X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: c_long = 21;
const X509_V_ERR_CERT_REVOKED: c_long = 23;
const X509_V_ERR_INVALID_PURPOSE: c_long = 26;
const X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT: c_long = 2;

#[derive(Debug)]
struct VerifyFailed(c_long);

impl std::fmt::Display for VerifyFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "certificate verify failed (X509 error {})", self.0)
    }
}

impl std::error::Error for VerifyFailed {}

/// The rustls error (and so the alert) for a libcrypto verify result,
/// following OpenSSL's `ssl_x509err2alert`.
fn cert_error(e: c_long) -> Error {
    Error::InvalidCertificate(match e {
        X509_V_ERR_CERT_HAS_EXPIRED => CertificateError::Expired,
        X509_V_ERR_CERT_NOT_YET_VALID => CertificateError::NotValidYet,
        X509_V_ERR_CERT_REVOKED => CertificateError::Revoked,
        X509_V_ERR_INVALID_PURPOSE => CertificateError::InvalidPurpose,
        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        | X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        | X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT => CertificateError::UnknownIssuer,
        other => CertificateError::Other(OtherError(Arc::new(VerifyFailed(other)))),
    })
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
    let out = verify_chain(&store, &leaf, &rest, purpose, verify.depth, verify.cb, ssl_ptr(ssl).cast());
    let mut g = ssl.lock();
    g.verify_result = out.error;
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
