//! Signature algorithm lists (`SSL_CONF SignatureAlgorithms` /
//! `ClientSignatureAlgorithms`, `SSL_CTX_set1_sigalgs_list`) in OpenSSL's
//! syntax, and the signing-key wrapper that enforces them.

#![forbid(unsafe_code)]

use rustls::SignatureAlgorithm;
use rustls::SignatureScheme;
use rustls::pki_types::SubjectPublicKeyInfoDer;
use rustls::sign::{Signer, SigningKey};
use std::sync::Arc;

fn by_name(name: &str) -> Option<SignatureScheme> {
    use SignatureScheme as S;
    let n = name.trim();
    // "ALG+HASH" form.
    if let Some((alg, hash)) = n.split_once('+') {
        let hash = hash.to_ascii_uppercase().replace('-', "");
        return Some(match (alg.to_ascii_uppercase().as_str(), hash.as_str()) {
            ("RSA", "SHA1") => S::RSA_PKCS1_SHA1,
            ("RSA", "SHA256") => S::RSA_PKCS1_SHA256,
            ("RSA", "SHA384") => S::RSA_PKCS1_SHA384,
            ("RSA", "SHA512") => S::RSA_PKCS1_SHA512,
            ("RSA-PSS" | "PSS", "SHA256") => S::RSA_PSS_SHA256,
            ("RSA-PSS" | "PSS", "SHA384") => S::RSA_PSS_SHA384,
            ("RSA-PSS" | "PSS", "SHA512") => S::RSA_PSS_SHA512,
            ("ECDSA", "SHA1") => S::ECDSA_SHA1_Legacy,
            ("ECDSA", "SHA256") => S::ECDSA_NISTP256_SHA256,
            ("ECDSA", "SHA384") => S::ECDSA_NISTP384_SHA384,
            ("ECDSA", "SHA512") => S::ECDSA_NISTP521_SHA512,
            _ => return None,
        });
    }
    Some(match n.to_ascii_lowercase().as_str() {
        "rsa_pkcs1_sha1" => S::RSA_PKCS1_SHA1,
        "rsa_pkcs1_sha256" => S::RSA_PKCS1_SHA256,
        "rsa_pkcs1_sha384" => S::RSA_PKCS1_SHA384,
        "rsa_pkcs1_sha512" => S::RSA_PKCS1_SHA512,
        "rsa_pss_rsae_sha256" => S::RSA_PSS_SHA256,
        "rsa_pss_rsae_sha384" => S::RSA_PSS_SHA384,
        "rsa_pss_rsae_sha512" => S::RSA_PSS_SHA512,
        "rsa_pss_pss_sha256" => S::Unknown(0x0809),
        "rsa_pss_pss_sha384" => S::Unknown(0x080a),
        "rsa_pss_pss_sha512" => S::Unknown(0x080b),
        "ecdsa_secp256r1_sha256" => S::ECDSA_NISTP256_SHA256,
        "ecdsa_secp384r1_sha384" => S::ECDSA_NISTP384_SHA384,
        "ecdsa_secp521r1_sha512" => S::ECDSA_NISTP521_SHA512,
        "ecdsa_sha1" => S::ECDSA_SHA1_Legacy,
        "ed25519" => S::ED25519,
        "ed448" => S::ED448,
        _ => return None,
    })
}

/// Parses a colon-separated list; an unknown name is an error (as in OpenSSL).
pub fn parse_list(list: &str) -> Result<Vec<SignatureScheme>, String> {
    let mut out = Vec::new();
    for item in list.split(':').map(str::trim).filter(|s| !s.is_empty()) {
        let s = by_name(item).ok_or_else(|| format!("unknown signature algorithm \"{item}\""))?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    if out.is_empty() {
        return Err("empty signature algorithm list".into());
    }
    Ok(out)
}

/// OpenSSL's default signature algorithm preference (`tls12_sigalgs` in
/// ssl/t1_lib.c), used when the server's preference rules
/// (`SSL_OP_CIPHER_SERVER_PREFERENCE`) and no list is configured.
pub const OPENSSL_DEFAULT_ORDER: &[SignatureScheme] = &[
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP521_SHA512,
    SignatureScheme::ED25519,
    SignatureScheme::ED448,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::ECDSA_SHA1_Legacy,
    SignatureScheme::RSA_PKCS1_SHA1,
];

/// A signing key that picks its scheme the way OpenSSL does: the first
/// scheme in the client's order (or in the server's, with server
/// preference) that the key supports, among the configured ones only.
/// (rustls' keys otherwise prefer their own order, e.g. RSA-PSS-SHA512.)
#[derive(Debug)]
pub struct SchemePolicy {
    pub inner: Arc<dyn SigningKey>,
    /// `SignatureAlgorithms`: the only schemes we sign with.
    pub allowed: Option<Vec<SignatureScheme>>,
    /// `Some`: the server's order; `None`: the client's.
    pub server_order: Option<Vec<SignatureScheme>>,
}

impl SigningKey for SchemePolicy {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let permitted = |s: &SignatureScheme| self.allowed.as_ref().is_none_or(|a| a.contains(s));
        let order: Vec<SignatureScheme> = match &self.server_order {
            Some(o) => o.iter().copied().filter(|s| offered.contains(s)).collect(),
            // The client's order: rustls hands TLS 1.2 keys its own order of
            // the suite's schemes, so take the order from the ClientHello.
            None => match crate::callbacks::scope::current().and_then(|s| s.lock().hello.clone()) {
                Some(h) => {
                    let mut o: Vec<SignatureScheme> =
                        h.sigalgs().into_iter().map(SignatureScheme::from).filter(|s| offered.contains(s)).collect();
                    let rest: Vec<SignatureScheme> = offered.iter().copied().filter(|s| !o.contains(s)).collect();
                    o.extend(rest);
                    o
                }
                None => offered.to_vec(),
            },
        };
        order
            .iter()
            .filter(|s| permitted(s))
            .find_map(|s| self.inner.choose_scheme(std::slice::from_ref(s)))
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        self.inner.public_key()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            parse_list("RSA+SHA256:ECDSA+SHA384:rsa_pss_rsae_sha256:ed25519").unwrap(),
            vec![SignatureScheme::RSA_PKCS1_SHA256, SignatureScheme::ECDSA_NISTP384_SHA384, SignatureScheme::RSA_PSS_SHA256, SignatureScheme::ED25519]
        );
        assert!(parse_list("RSA+MD5").is_err());
        assert!(parse_list("bogus").is_err());
        assert!(parse_list("").is_err());
    }
}
