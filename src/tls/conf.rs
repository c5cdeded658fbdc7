//! OpenSSL's `SSL_CONF` command language (httpd's `SSLOpenSSLConfCmd`),
//! applied to a context. Every command OpenSSL 3.0 knows is recognised; the
//! ones rustls cannot honour fail with a message naming them, never
//! silently.

#![forbid(unsafe_code)]

use super::ciphers;
use super::ctx::Ctx;
use super::error::{Error, Result};
use super::groups;
use super::log::warn_once;
use crate::consts::*;
use crate::libcrypto::reasons::*;
use std::ffi::c_int;
use std::sync::Arc;

pub const SSL_CONF_FLAG_CMDLINE: u32 = 0x1;
pub const SSL_CONF_FLAG_FILE: u32 = 0x2;
pub const SSL_CONF_FLAG_CLIENT: u32 = 0x4;
pub const SSL_CONF_FLAG_SERVER: u32 = 0x8;
pub const SSL_CONF_FLAG_SHOW_ERRORS: u32 = 0x10;
pub const SSL_CONF_FLAG_CERTIFICATE: u32 = 0x20;

pub const SSL_CONF_TYPE_UNKNOWN: c_int = 0;
pub const SSL_CONF_TYPE_STRING: c_int = 1;
pub const SSL_CONF_TYPE_FILE: c_int = 2;
pub const SSL_CONF_TYPE_DIR: c_int = 3;
pub const SSL_CONF_TYPE_NONE: c_int = 4;
pub const SSL_CONF_TYPE_STORE: c_int = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    SignatureAlgorithms,
    ClientSignatureAlgorithms,
    Groups,
    EcdhParameters,
    CipherString,
    Ciphersuites,
    Protocol,
    MinProtocol,
    MaxProtocol,
    Options,
    VerifyMode,
    Certificate,
    PrivateKey,
    ServerInfoFile,
    ChainCaPath,
    ChainCaFile,
    ChainCaStore,
    VerifyCaPath,
    VerifyCaFile,
    VerifyCaStore,
    RequestCaFile,
    RequestCaPath,
    RequestCaStore,
    DhParameters,
    RecordPadding,
    NumTickets,
}

/// (file name, command-line name, value type, needs flag).
const TABLE: &[(&str, &str, Cmd, c_int, u32)] = &[
    ("SignatureAlgorithms", "sigalgs", Cmd::SignatureAlgorithms, SSL_CONF_TYPE_STRING, 0),
    ("ClientSignatureAlgorithms", "client_sigalgs", Cmd::ClientSignatureAlgorithms, SSL_CONF_TYPE_STRING, 0),
    ("Curves", "curves", Cmd::Groups, SSL_CONF_TYPE_STRING, 0),
    ("Groups", "groups", Cmd::Groups, SSL_CONF_TYPE_STRING, 0),
    ("ECDHParameters", "named_curve", Cmd::EcdhParameters, SSL_CONF_TYPE_STRING, SSL_CONF_FLAG_SERVER),
    ("CipherString", "cipher", Cmd::CipherString, SSL_CONF_TYPE_STRING, 0),
    ("Ciphersuites", "ciphersuites", Cmd::Ciphersuites, SSL_CONF_TYPE_STRING, 0),
    ("Protocol", "", Cmd::Protocol, SSL_CONF_TYPE_STRING, 0),
    ("MinProtocol", "min_protocol", Cmd::MinProtocol, SSL_CONF_TYPE_STRING, 0),
    ("MaxProtocol", "max_protocol", Cmd::MaxProtocol, SSL_CONF_TYPE_STRING, 0),
    ("Options", "", Cmd::Options, SSL_CONF_TYPE_STRING, 0),
    ("VerifyMode", "", Cmd::VerifyMode, SSL_CONF_TYPE_STRING, 0),
    ("Certificate", "cert", Cmd::Certificate, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_CERTIFICATE),
    ("PrivateKey", "key", Cmd::PrivateKey, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_CERTIFICATE),
    ("ServerInfoFile", "", Cmd::ServerInfoFile, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE),
    ("ChainCAPath", "chainCApath", Cmd::ChainCaPath, SSL_CONF_TYPE_DIR, SSL_CONF_FLAG_CERTIFICATE),
    ("ChainCAFile", "chainCAfile", Cmd::ChainCaFile, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_CERTIFICATE),
    ("ChainCAStore", "chainCAstore", Cmd::ChainCaStore, SSL_CONF_TYPE_STORE, SSL_CONF_FLAG_CERTIFICATE),
    ("VerifyCAPath", "verifyCApath", Cmd::VerifyCaPath, SSL_CONF_TYPE_DIR, SSL_CONF_FLAG_CERTIFICATE),
    ("VerifyCAFile", "verifyCAfile", Cmd::VerifyCaFile, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_CERTIFICATE),
    ("VerifyCAStore", "verifyCAstore", Cmd::VerifyCaStore, SSL_CONF_TYPE_STORE, SSL_CONF_FLAG_CERTIFICATE),
    ("RequestCAFile", "requestCAFile", Cmd::RequestCaFile, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_CERTIFICATE),
    ("ClientCAFile", "", Cmd::RequestCaFile, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE),
    ("RequestCAPath", "", Cmd::RequestCaPath, SSL_CONF_TYPE_DIR, SSL_CONF_FLAG_CERTIFICATE),
    ("ClientCAPath", "", Cmd::RequestCaPath, SSL_CONF_TYPE_DIR, SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE),
    ("RequestCAStore", "requestCAstore", Cmd::RequestCaStore, SSL_CONF_TYPE_STORE, SSL_CONF_FLAG_CERTIFICATE),
    ("ClientCAStore", "", Cmd::RequestCaStore, SSL_CONF_TYPE_STORE, SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE),
    ("DHParameters", "dhparam", Cmd::DhParameters, SSL_CONF_TYPE_FILE, SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE),
    ("RecordPadding", "record_padding", Cmd::RecordPadding, SSL_CONF_TYPE_STRING, 0),
    ("NumTickets", "num_tickets", Cmd::NumTickets, SSL_CONF_TYPE_STRING, SSL_CONF_FLAG_SERVER),
];

/// An `SSL_CONF_CTX`.
#[derive(Debug, Default)]
pub struct ConfCtx {
    pub flags: u32,
    pub ctx: Option<Arc<Ctx>>,
}

/// Result of `SSL_CONF_cmd` in OpenSSL's numbers: 2 (value used), 1 (no
/// value used), -2 (unknown command), -3 (missing value), 0 (bad value).
pub enum CmdResult {
    Used,
    Unknown,
    MissingValue,
}

impl ConfCtx {
    fn lookup(&self, name: &str) -> Option<(Cmd, c_int, u32)> {
        let file = self.flags & SSL_CONF_FLAG_FILE != 0;
        let cmdline = self.flags & SSL_CONF_FLAG_CMDLINE != 0;
        let stripped = name.strip_prefix('-');
        for &(f, c, cmd, typ, need) in TABLE {
            let hit = (file && f.eq_ignore_ascii_case(name)) || (cmdline && !c.is_empty() && stripped == Some(c));
            if !hit {
                continue;
            }
            // Commands restricted to one side or to certificate handling.
            let side = need & (SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CLIENT);
            if side != 0 && self.flags & side == 0 {
                return None;
            }
            if need & SSL_CONF_FLAG_CERTIFICATE != 0 && self.flags & SSL_CONF_FLAG_CERTIFICATE == 0 {
                return None;
            }
            return Some((cmd, typ, need));
        }
        None
    }

    pub fn value_type(&self, name: &str) -> c_int {
        self.lookup(name).map_or(SSL_CONF_TYPE_UNKNOWN, |(_, t, _)| t)
    }

    /// Applies one command to the attached context.
    pub fn cmd(&self, name: &str, value: Option<&str>) -> Result<CmdResult> {
        let Some((cmd, _, _)) = self.lookup(name) else { return Ok(CmdResult::Unknown) };
        let Some(value) = value else { return Ok(CmdResult::MissingValue) };
        let Some(ctx) = &self.ctx else {
            // OpenSSL accepts commands with no context attached (they do
            // nothing); mod_ssl only does this to check syntax.
            return Ok(CmdResult::Used);
        };
        apply(ctx, cmd, name, value).map(|()| CmdResult::Used)
    }
}

fn bad(name: &str, value: &str, why: impl std::fmt::Display) -> Error {
    Error::ssl(SSL_R_BAD_VALUE).with_detail(format!("cmd={name}, value={value}: {why}"))
}

fn version_by_name(v: &str) -> Option<c_int> {
    Some(match v {
        "None" => 0,
        "SSLv3" => SSL3_VERSION,
        "TLSv1" => TLS1_VERSION,
        "TLSv1.1" => TLS1_1_VERSION,
        "TLSv1.2" => TLS1_2_VERSION,
        "TLSv1.3" => TLS1_3_VERSION,
        _ => return None,
    })
}

fn apply(ctx: &Arc<Ctx>, cmd: Cmd, name: &str, value: &str) -> Result<()> {
    match cmd {
        Cmd::CipherString => {
            let list = ciphers::parse_cipher_list(value).map_err(|e| Error::ssl(SSL_R_NO_CIPHER_MATCH).with_detail(e.to_string()))?;
            for w in &list.ignored {
                warn_once(&format!("SSLOpenSSLConfCmd CipherString: unknown cipher keyword \"{w}\" ignored"));
            }
            ctx.update(|s| {
                s.cipher_list = list.suites;
                s.cipher_string = value.to_string();
            });
        }
        Cmd::Ciphersuites => {
            let list = ciphers::parse_ciphersuites(value).map_err(|e| Error::ssl(SSL_R_NO_CIPHER_MATCH).with_detail(e.to_string()))?;
            ctx.update(|s| s.tls13_suites = list.suites);
        }
        Cmd::Groups => {
            let (g, warns) = groups::parse_list(value).map_err(|e| bad(name, value, e))?;
            for w in warns {
                warn_once(&w);
            }
            ctx.update(|s| s.groups = Some(g));
        }
        Cmd::EcdhParameters => {
            if !value.eq_ignore_ascii_case("auto") {
                let (g, _) = groups::parse_list(value).map_err(|e| bad(name, value, e))?;
                ctx.update(|s| s.groups = Some(g));
            }
        }
        Cmd::MinProtocol | Cmd::MaxProtocol => {
            let v = version_by_name(value).ok_or_else(|| bad(name, value, "unknown protocol version"))?;
            ctx.update(|s| if cmd == Cmd::MinProtocol { s.min_version = v } else { s.max_version = v });
        }
        Cmd::Protocol => {
            // "ALL,-TLSv1", "-ALL,+TLSv1.2": sets/clears SSL_OP_NO_* bits.
            let mut set = 0u64;
            let mut clear = 0u64;
            for item in value.split([',', ' ', ':']).filter(|s| !s.is_empty()) {
                let (neg, word) = match item.as_bytes()[0] {
                    b'-' => (true, &item[1..]),
                    b'+' => (false, &item[1..]),
                    _ => (false, item),
                };
                let bits = match word {
                    "ALL" => SSL_OP_NO_SSLV3 | SSL_OP_NO_TLSV1 | SSL_OP_NO_TLSV1_1 | SSL_OP_NO_TLSV1_2 | SSL_OP_NO_TLSV1_3,
                    "SSLv3" => SSL_OP_NO_SSLV3,
                    "TLSv1" => SSL_OP_NO_TLSV1,
                    "TLSv1.1" => SSL_OP_NO_TLSV1_1,
                    "TLSv1.2" => SSL_OP_NO_TLSV1_2,
                    "TLSv1.3" => SSL_OP_NO_TLSV1_3,
                    "SSLv2" => 0,
                    _ => return Err(bad(name, value, format!("unknown protocol \"{word}\""))),
                };
                // Enabling a protocol clears its NO_ bit.
                if neg {
                    set |= bits;
                    clear &= !bits;
                } else {
                    clear |= bits;
                    set &= !bits;
                }
            }
            ctx.update(|s| s.options = (s.options | set) & !clear);
        }
        Cmd::Options => {
            for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let (neg, word) = match item.strip_prefix('-') {
                    Some(w) => (true, w),
                    None => (false, item),
                };
                // (name, bit, inverted): an inverted option sets the bit when negated.
                let (bit, inverted): (u64, bool) = match word {
                    "SessionTicket" => (SSL_OP_NO_TICKET, true),
                    "Compression" => (SSL_OP_NO_COMPRESSION, true),
                    "EmptyFragments" => (SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS, true),
                    "Bugs" => (SSL_OP_ALL, false),
                    "DHSingle" | "ECDHSingle" => (0, false),
                    "ServerPreference" => (SSL_OP_CIPHER_SERVER_PREFERENCE, false),
                    "NoResumptionOnRenegotiation" => (SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION, false),
                    "NoRenegotiation" => (SSL_OP_NO_RENEGOTIATION, false),
                    "AllowNoDHEKEX" => (SSL_OP_ALLOW_NO_DHE_KEX, false),
                    "PrioritizeChaCha" => (SSL_OP_PRIORITIZE_CHACHA, false),
                    "MiddleboxCompat" => (SSL_OP_ENABLE_MIDDLEBOX_COMPAT, false),
                    "AntiReplay" => (SSL_OP_NO_ANTI_REPLAY, true),
                    "IgnoreUnexpectedEOF" => (SSL_OP_IGNORE_UNEXPECTED_EOF, false),
                    "CANames" => (SSL_OP_DISABLE_TLSEXT_CA_NAMES, true),
                    "EncryptThenMac" => (SSL_OP_NO_ENCRYPT_THEN_MAC, true),
                    "ExtendedMasterSecret" => (SSL_OP_NO_EXTENDED_MASTER_SECRET, true),
                    "AllowClientRenegotiation" => (SSL_OP_ALLOW_CLIENT_RENEGOTIATION, false),
                    "UnsafeLegacyRenegotiation" | "UnsafeLegacyServerConnect" => {
                        if neg {
                            continue;
                        }
                        return Err(Error::unsupported(format!("Options {word}: insecure legacy renegotiation")));
                    }
                    "KTLS" => {
                        if neg {
                            continue;
                        }
                        return Err(Error::unsupported("Options KTLS: kernel TLS offload"));
                    }
                    _ => return Err(bad(name, value, format!("unknown option \"{word}\""))),
                };
                let on = neg == inverted;
                ctx.update(|s| if on { s.options |= bit } else { s.options &= !bit });
            }
        }
        Cmd::VerifyMode => {
            let mut mode = SSL_VERIFY_NONE;
            for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                mode |= match item {
                    "Peer" | "Request" => SSL_VERIFY_PEER,
                    "Require" => SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                    "Once" => SSL_VERIFY_CLIENT_ONCE,
                    "RequestPostHandshake" | "RequirePostHandshake" => {
                        return Err(Error::unsupported("VerifyMode post-handshake authentication"));
                    }
                    _ => return Err(bad(name, value, format!("unknown verify mode \"{item}\""))),
                };
            }
            ctx.update(|s| s.verify.mode = mode);
        }
        Cmd::NumTickets => {
            // OpenSSL parses this with atoi() (leading sign and digits, else
            // 0) and refuses a negative number.
            let t = value.trim_start();
            let (neg, rest) = match t.as_bytes().first() {
                Some(b'-') => (true, &t[1..]),
                Some(b'+') => (false, &t[1..]),
                _ => (false, t),
            };
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if neg && !digits.trim_start_matches('0').is_empty() {
                return Err(bad(name, value, "negative number"));
            }
            let n: usize = digits.parse().unwrap_or(0);
            ctx.update(|s| s.num_tickets = n);
        }
        Cmd::Certificate | Cmd::PrivateKey | Cmd::ChainCaFile | Cmd::VerifyCaFile | Cmd::VerifyCaPath | Cmd::RequestCaFile | Cmd::DhParameters => {
            return Err(Error::ssl(crate::libcrypto::sys::ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED).with_detail("file command handled by the C layer"));
        }
        Cmd::SignatureAlgorithms | Cmd::ClientSignatureAlgorithms => {
            let list = super::sigalgs::parse_list(value).map_err(|e| bad(name, value, e))?;
            ctx.update(|s| if cmd == Cmd::SignatureAlgorithms { s.sigalgs = Some(list) } else { s.client_sigalgs = Some(list) });
        }
        Cmd::ServerInfoFile => return Err(Error::unsupported("SSL_CONF ServerInfoFile (custom extensions)")),
        Cmd::RecordPadding => return Err(Error::unsupported("SSL_CONF RecordPadding")),
        Cmd::ChainCaPath | Cmd::ChainCaStore | Cmd::VerifyCaStore | Cmd::RequestCaPath | Cmd::RequestCaStore => {
            return Err(Error::unsupported(format!("SSL_CONF {name}")));
        }
    }
    Ok(())
}

/// File commands the C layer performs with libcrypto (`None` for others).
pub fn file_command(c: &ConfCtx, name: &str) -> Option<&'static str> {
    match c.lookup(name)?.0 {
        Cmd::Certificate => Some("Certificate"),
        Cmd::PrivateKey => Some("PrivateKey"),
        Cmd::ChainCaFile => Some("ChainCAFile"),
        Cmd::VerifyCaFile => Some("VerifyCAFile"),
        Cmd::VerifyCaPath => Some("VerifyCAPath"),
        Cmd::RequestCaFile => Some("RequestCAFile"),
        Cmd::DhParameters => Some("DHParameters"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> ConfCtx {
        ConfCtx { flags: SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_SERVER | SSL_CONF_FLAG_CERTIFICATE, ctx: None }
    }

    #[test]
    fn value_types_as_mod_ssl_sees_them() {
        let c = server();
        assert_eq!(c.value_type("CipherString"), SSL_CONF_TYPE_STRING);
        assert_eq!(c.value_type("curves"), SSL_CONF_TYPE_STRING);
        assert_eq!(c.value_type("Certificate"), SSL_CONF_TYPE_FILE);
        assert_eq!(c.value_type("ClientCAPath"), SSL_CONF_TYPE_DIR);
        assert_eq!(c.value_type("NoSuchCommand"), SSL_CONF_TYPE_UNKNOWN);
        let client = ConfCtx { flags: SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT, ctx: None };
        assert_eq!(client.value_type("NumTickets"), SSL_CONF_TYPE_UNKNOWN);
    }

    #[test]
    fn commands_apply() {
        let ctx = Arc::new(Ctx::new(crate::tls::ctx::Role::Server).unwrap());
        let c = ConfCtx { ctx: Some(ctx.clone()), ..server() };
        assert!(matches!(c.cmd("Curves", Some("X25519:P-256")), Ok(CmdResult::Used)));
        assert_eq!(ctx.settings().groups.as_ref().unwrap().len(), 2);
        assert!(c.cmd("Curves", Some("bogus")).is_err());
        assert!(matches!(c.cmd("MinProtocol", Some("TLSv1.3")), Ok(CmdResult::Used)));
        assert_eq!(ctx.settings().min_version, TLS1_3_VERSION);
        assert!(c.cmd("MinProtocol", Some("TLSv9")).is_err());
        assert!(matches!(c.cmd("Options", Some("-SessionTicket,ServerPreference")), Ok(CmdResult::Used)));
        let o = ctx.settings().options;
        assert!(o & SSL_OP_NO_TICKET != 0 && o & SSL_OP_CIPHER_SERVER_PREFERENCE != 0);
        assert!(matches!(c.cmd("Options", Some("SessionTicket")), Ok(CmdResult::Used)));
        assert!(ctx.settings().options & SSL_OP_NO_TICKET == 0);
        assert!(c.cmd("Options", Some("Frobnicate")).is_err());
        assert!(matches!(c.cmd("Protocol", Some("-ALL,TLSv1.2")), Ok(CmdResult::Used)));
        let o = ctx.settings().options;
        assert!(o & SSL_OP_NO_TLSV1_3 != 0 && o & SSL_OP_NO_TLSV1_2 == 0);
        assert!(matches!(c.cmd("SignatureAlgorithms", Some("ECDSA+SHA256:RSA-PSS+SHA256")), Ok(CmdResult::Used)));
        assert_eq!(ctx.settings().sigalgs.as_ref().unwrap().len(), 2);
        assert!(c.cmd("SignatureAlgorithms", Some("RSA+MD5")).is_err());
        assert!(matches!(c.cmd("Bogus", Some("x")), Ok(CmdResult::Unknown)));
        assert!(matches!(c.cmd("CipherString", None), Ok(CmdResult::MissingValue)));
    }
}
