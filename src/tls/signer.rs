//! A rustls signing key backed by a libcrypto `EVP_PKEY`: used when the key
//! cannot be exported to rustls' provider (hardware, engine and provider
//! keys), or everywhere with `SSLSHIM_SIGNER=libcrypto` (for testing).

#![forbid(unsafe_code)]

use crate::libcrypto::pkey::{KeyType, PKey};
use crate::libcrypto::sign::{Digest, Padding, ec_group_name, sign};
use rustls::sign::{Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};
use std::sync::Arc;

#[derive(Debug)]
pub struct LibcryptoKey {
    key: PKey,
    algorithm: SignatureAlgorithm,
    schemes: Vec<SignatureScheme>,
}

impl LibcryptoKey {
    /// `None` for key types rustls cannot use in TLS (DSA, Ed448...).
    pub fn new(key: PKey) -> Option<LibcryptoKey> {
        use SignatureScheme as S;
        let (algorithm, schemes) = match key.key_type() {
            KeyType::Rsa => (
                SignatureAlgorithm::RSA,
                vec![
                    S::RSA_PSS_SHA256,
                    S::RSA_PSS_SHA384,
                    S::RSA_PSS_SHA512,
                    S::RSA_PKCS1_SHA256,
                    S::RSA_PKCS1_SHA384,
                    S::RSA_PKCS1_SHA512,
                ],
            ),
            KeyType::Ec => {
                let s = match ec_group_name(&key)?.as_str() {
                    "prime256v1" | "P-256" => S::ECDSA_NISTP256_SHA256,
                    "secp384r1" | "P-384" => S::ECDSA_NISTP384_SHA384,
                    "secp521r1" | "P-521" => S::ECDSA_NISTP521_SHA512,
                    _ => return None,
                };
                (SignatureAlgorithm::ECDSA, vec![s])
            }
            KeyType::Ed25519 => (SignatureAlgorithm::ED25519, vec![S::ED25519]),
            _ => return None,
        };
        Some(LibcryptoKey {
            key,
            algorithm,
            schemes,
        })
    }

    /// Whether tests asked for libcrypto signing of every key.
    pub fn forced() -> bool {
        static FORCED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *FORCED.get_or_init(|| std::env::var("SSLSHIM_SIGNER").is_ok_and(|v| v == "libcrypto"))
    }
}

impl SigningKey for LibcryptoKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = self.schemes.iter().copied().find(|s| offered.contains(s))?;
        Some(Box::new(LibcryptoSigner {
            key: self.key.clone(),
            scheme,
        }))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }
}

#[derive(Debug)]
struct LibcryptoSigner {
    key: PKey,
    scheme: SignatureScheme,
}

impl Signer for LibcryptoSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        use SignatureScheme as S;
        let (digest, padding) = match self.scheme {
            S::RSA_PSS_SHA256 => (Digest::Sha256, Padding::Pss),
            S::RSA_PSS_SHA384 => (Digest::Sha384, Padding::Pss),
            S::RSA_PSS_SHA512 => (Digest::Sha512, Padding::Pss),
            S::RSA_PKCS1_SHA256 | S::ECDSA_NISTP256_SHA256 => (Digest::Sha256, Padding::Default),
            S::RSA_PKCS1_SHA384 | S::ECDSA_NISTP384_SHA384 => (Digest::Sha384, Padding::Default),
            S::RSA_PKCS1_SHA512 | S::ECDSA_NISTP521_SHA512 => (Digest::Sha512, Padding::Default),
            S::ED25519 => (Digest::None, Padding::Default),
            other => {
                return Err(Error::General(format!(
                    "libcrypto signer: unsupported scheme {other:?}"
                )));
            }
        };
        sign(&self.key, digest, padding, message)
            .ok_or_else(|| Error::General("libcrypto refused to sign".into()))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// The signing key for a libcrypto key: rustls' own (faster) when the key
/// can be exported, else libcrypto's.
pub fn signing_key(
    key: &PKey,
    provider: &rustls::crypto::CryptoProvider,
) -> Result<Arc<dyn SigningKey>, String> {
    if !LibcryptoKey::forced() {
        if let Some(der) = key.to_pkcs8_der() {
            if let Ok(k) = provider
                .key_provider
                .load_private_key(rustls::pki_types::PrivateKeyDer::Pkcs8(der.into()))
            {
                return Ok(k);
            }
        }
    }
    LibcryptoKey::new(key.clone())
        .map(|k| Arc::new(k) as Arc<dyn SigningKey>)
        .ok_or_else(|| {
            format!(
                "{} keys cannot be used for TLS by sslshim",
                key.key_type().name()
            )
        })
}
