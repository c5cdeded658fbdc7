//! The crate's error type and the one total mapping from `rustls::Error` to
//! OpenSSL's reason codes and alerts.

use crate::libcrypto::err;
use crate::libcrypto::reasons::*;
use crate::libcrypto::sys::{
    ERR_LIB_SSL, ERR_R_INTERNAL_ERROR, ERR_R_PASSED_INVALID_ARGUMENT, ERR_R_PASSED_NULL_PARAMETER,
    ERR_R_UNSUPPORTED,
};
use rustls::{CertificateError, Error as RustlsError, InvalidMessage, PeerIncompatible, PeerMisbehaved};
use std::ffi::{CStr, c_int};
use std::fmt;

/// An error to report through libcrypto's queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub lib: c_int,
    pub reason: c_int,
    pub detail: Option<String>,
    /// libcrypto already queued the reason (PEM, X509 errors): push nothing.
    pub queued: bool,
    /// The fatal alert rustls sent for this error, if any (info callback).
    pub alert: Option<u8>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn ssl(reason: c_int) -> Self {
        Error { lib: ERR_LIB_SSL, reason, detail: None, queued: false, alert: None }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// libcrypto has put the reason on the queue already.
    pub fn queued() -> Self {
        Error { lib: ERR_LIB_SSL, reason: 0, detail: None, queued: true, alert: None }
    }

    pub fn null_arg() -> Self {
        Error::ssl(ERR_R_PASSED_NULL_PARAMETER)
    }

    pub fn invalid_arg(what: impl Into<String>) -> Self {
        Error::ssl(ERR_R_PASSED_INVALID_ARGUMENT).with_detail(what)
    }

    pub fn internal(what: impl Into<String>) -> Self {
        Error::ssl(ERR_R_INTERNAL_ERROR).with_detail(what)
    }

    /// Something OpenSSL can do and rustls cannot: named, never silent.
    pub fn unsupported(what: impl Into<String>) -> Self {
        Error::ssl(ERR_R_UNSUPPORTED).with_detail(format!("{} (not supported by sslshim/rustls)", what.into()))
    }

    /// Pushes the error onto this thread's queue; `func` is the entry point.
    pub fn raise(&self, func: &CStr) {
        if !self.queued {
            err::push(self.lib, self.reason, func, self.detail.as_deref());
        }
    }

    /// The TLS error for a rustls failure, with OpenSSL's reason.
    pub fn from_rustls(e: &RustlsError) -> Self {
        let mut err = Error::ssl(reason_for(e)).with_detail(e.to_string());
        err.alert = alert_for(e);
        err
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lib {} reason {}", self.lib, self.reason)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// OpenSSL's `SSL_R_*` for a rustls error (the closest one OpenSSL itself
/// would report for the same condition).
pub fn reason_for(e: &RustlsError) -> c_int {
    match e {
        RustlsError::InappropriateMessage { .. } | RustlsError::InappropriateHandshakeMessage { .. } => {
            SSL_R_UNEXPECTED_MESSAGE
        }
        RustlsError::InvalidEncryptedClientHello(_) => SSL_R_BAD_EXTENSION,
        RustlsError::InvalidMessage(m) => match m {
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion => SSL_R_WRONG_VERSION_NUMBER,
            InvalidMessage::MessageTooLarge
            | InvalidMessage::HandshakePayloadTooLarge
            | InvalidMessage::CertificatePayloadTooLarge => SSL_R_PACKET_LENGTH_TOO_LONG,
            InvalidMessage::MessageTooShort | InvalidMessage::MissingData(_) => SSL_R_LENGTH_TOO_SHORT,
            InvalidMessage::TrailingData(_) => SSL_R_EXTRA_DATA_IN_MESSAGE,
            InvalidMessage::InvalidCcs => SSL_R_INVALID_CCS_MESSAGE,
            InvalidMessage::UnsupportedCompression => SSL_R_UNSUPPORTED_COMPRESSION_ALGORITHM,
            InvalidMessage::DuplicateExtension(_)
            | InvalidMessage::PreSharedKeyIsNotFinalExtension
            | InvalidMessage::UnknownHelloRetryRequestExtension
            | InvalidMessage::UnknownCertificateExtension
            | InvalidMessage::InvalidServerName => SSL_R_BAD_EXTENSION,
            InvalidMessage::InvalidKeyUpdate => SSL_R_BAD_KEY_UPDATE,
            InvalidMessage::UnexpectedMessage(_) => SSL_R_UNEXPECTED_MESSAGE,
            _ => SSL_R_BAD_PACKET,
        },
        RustlsError::NoCertificatesPresented => SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE,
        RustlsError::UnsupportedNameType => SSL_R_BAD_EXTENSION,
        RustlsError::DecryptError => SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
        RustlsError::EncryptError => ERR_R_INTERNAL_ERROR,
        RustlsError::PeerIncompatible(p) => match p {
            PeerIncompatible::NoCipherSuitesInCommon => SSL_R_NO_SHARED_CIPHER,
            PeerIncompatible::NoKxGroupsInCommon | PeerIncompatible::NamedGroupsExtensionRequired => {
                SSL_R_NO_SHARED_GROUPS
            }
            PeerIncompatible::KeyShareExtensionRequired => SSL_R_NO_SUITABLE_KEY_SHARE,
            PeerIncompatible::NoSignatureSchemesInCommon
            | PeerIncompatible::NoCertificateRequestSignatureSchemesInCommon => SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS,
            PeerIncompatible::SignatureAlgorithmsExtensionRequired => SSL_R_MISSING_SIGALGS_EXTENSION,
            PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig => SSL_R_UNSUPPORTED_PROTOCOL,
            PeerIncompatible::NullCompressionRequired => SSL_R_UNSUPPORTED_COMPRESSION_ALGORITHM,
            _ => SSL_R_BAD_EXTENSION,
        },
        // OpenSSL's reasons for a server answering with what was not offered.
        RustlsError::PeerMisbehaved(PeerMisbehaved::SelectedUnofferedApplicationProtocol) => SSL_R_BAD_EXTENSION,
        RustlsError::PeerMisbehaved(PeerMisbehaved::UnsolicitedServerHelloExtension | PeerMisbehaved::UnsolicitedEncryptedExtension) => {
            SSL_R_UNSOLICITED_EXTENSION
        }
        RustlsError::PeerMisbehaved(_) => SSL_R_BAD_HANDSHAKE_STATE,
        RustlsError::AlertReceived(a) => 1000 + c_int::from(u8::from(*a)),
        RustlsError::InvalidCertificate(c) => match c {
            CertificateError::BadEncoding => SSL_R_BAD_PACKET,
            _ => SSL_R_CERTIFICATE_VERIFY_FAILED,
        },
        RustlsError::InvalidCertRevocationList(_) => SSL_R_CERTIFICATE_VERIFY_FAILED,
        RustlsError::General(_) | RustlsError::Other(_) => ERR_R_INTERNAL_ERROR,
        RustlsError::FailedToGetCurrentTime | RustlsError::FailedToGetRandomBytes => ERR_R_INTERNAL_ERROR,
        RustlsError::HandshakeNotComplete => SSL_R_UNINITIALIZED,
        RustlsError::PeerSentOversizedRecord => SSL_R_PACKET_LENGTH_TOO_LONG,
        RustlsError::NoApplicationProtocol => SSL_R_NO_APPLICATION_PROTOCOL,
        RustlsError::BadMaxFragmentSize => ERR_R_INTERNAL_ERROR,
        RustlsError::InconsistentKeys(_) => SSL_R_PRIVATE_KEY_MISMATCH,
        _ => ERR_R_INTERNAL_ERROR,
    }
}

/// The alert rustls sends for an error it fails a connection with (its own
/// choices, mirrored for the info callback); `None` when none is sent.
pub fn alert_for(e: &RustlsError) -> Option<u8> {
    Some(match e {
        RustlsError::AlertReceived(_) => return None,
        RustlsError::InappropriateMessage { .. } | RustlsError::InappropriateHandshakeMessage { .. } => 10,
        RustlsError::InvalidMessage(_) => 50,
        RustlsError::DecryptError => 20,
        RustlsError::PeerSentOversizedRecord => 22,
        RustlsError::InvalidCertificate(c) => u8::from(rustls::AlertDescription::from(c.clone())),
        RustlsError::PeerMisbehaved(_) => 47,
        RustlsError::PeerIncompatible(p) => match p {
            PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled => 70,
            _ => 40,
        },
        RustlsError::NoCertificatesPresented => 116,
        RustlsError::NoApplicationProtocol => 120,
        RustlsError::General(_) => 40,
        _ => 80,
    })
}

/// `ERR_R_UNSUPPORTED` is a common reason libcrypto already has a string for.
pub const UNSUPPORTED: c_int = ERR_R_UNSUPPORTED;

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::AlertDescription;

    #[test]
    fn alerts_map_to_openssl_alert_reasons() {
        assert_eq!(reason_for(&RustlsError::AlertReceived(AlertDescription::HandshakeFailure)), SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
        assert_eq!(reason_for(&RustlsError::AlertReceived(AlertDescription::ProtocolVersion)), SSL_R_TLSV1_ALERT_PROTOCOL_VERSION);
    }

    #[test]
    fn common_failures() {
        assert_eq!(reason_for(&RustlsError::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon)), SSL_R_NO_SHARED_CIPHER);
        assert_eq!(reason_for(&RustlsError::InvalidCertificate(CertificateError::Expired)), SSL_R_CERTIFICATE_VERIFY_FAILED);
        assert_eq!(reason_for(&RustlsError::DecryptError), SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC);
        assert_eq!(reason_for(&RustlsError::InvalidMessage(InvalidMessage::InvalidContentType)), SSL_R_WRONG_VERSION_NUMBER);
        assert_eq!(reason_for(&RustlsError::PeerSentOversizedRecord), SSL_R_PACKET_LENGTH_TOO_LONG);
    }
}
