//! Key exchange groups: OpenSSL's names and NIDs <-> rustls `NamedGroup`.

#![forbid(unsafe_code)]

use super::config::kx_group;
use rustls::NamedGroup;
use std::ffi::c_int;

pub const NID_X9_62_PRIME256V1: c_int = 415;
pub const NID_SECP384R1: c_int = 715;
pub const NID_SECP521R1: c_int = 716;
pub const NID_X25519: c_int = 1034;
pub const NID_X448: c_int = 1035;

/// What a group name means to us.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    Supported(NamedGroup),
    /// OpenSSL knows it, rustls cannot do it (P-521, X448, FFDHE).
    Unsupported(&'static str),
    Unknown,
}

pub fn by_name(name: &str) -> Lookup {
    let n = name.trim();
    let g = match n.to_ascii_lowercase().as_str() {
        "x25519" => NamedGroup::X25519,
        "p-256" | "prime256v1" | "secp256r1" => NamedGroup::secp256r1,
        "p-384" | "secp384r1" => NamedGroup::secp384r1,
        "x25519mlkem768" => NamedGroup::X25519MLKEM768,
        "secp256r1mlkem768" => NamedGroup::secp256r1MLKEM768,
        "mlkem768" => NamedGroup::MLKEM768,
        "mlkem1024" => NamedGroup::MLKEM1024,
        "p-521" | "secp521r1" => return Lookup::Unsupported("P-521"),
        "x448" => return Lookup::Unsupported("X448"),
        "ffdhe2048" | "ffdhe3072" | "ffdhe4096" | "ffdhe6144" | "ffdhe8192" => return Lookup::Unsupported("FFDHE"),
        "p-224" | "secp224r1" | "brainpoolp256r1" | "brainpoolp384r1" | "brainpoolp512r1" | "secp256k1" => {
            return Lookup::Unsupported("this curve");
        }
        _ => return Lookup::Unknown,
    };
    if kx_group(g).is_some() { Lookup::Supported(g) } else { Lookup::Unsupported("this group") }
}

pub fn by_nid(nid: c_int) -> Lookup {
    match nid {
        NID_X9_62_PRIME256V1 => Lookup::Supported(NamedGroup::secp256r1),
        NID_SECP384R1 => Lookup::Supported(NamedGroup::secp384r1),
        NID_X25519 => Lookup::Supported(NamedGroup::X25519),
        NID_SECP521R1 => Lookup::Unsupported("P-521"),
        NID_X448 => Lookup::Unsupported("X448"),
        _ => Lookup::Unknown,
    }
}

pub fn nid(g: NamedGroup) -> c_int {
    match g {
        NamedGroup::secp256r1 => NID_X9_62_PRIME256V1,
        NamedGroup::secp384r1 => NID_SECP384R1,
        NamedGroup::secp521r1 => NID_SECP521R1,
        NamedGroup::X25519 => NID_X25519,
        NamedGroup::X448 => NID_X448,
        _ => 0,
    }
}

/// OpenSSL-style name of a negotiated group (for logs and variables).
pub fn name(g: NamedGroup) -> String {
    match g {
        NamedGroup::secp256r1 => "prime256v1".into(),
        NamedGroup::secp384r1 => "secp384r1".into(),
        NamedGroup::X25519 => "X25519".into(),
        NamedGroup::X25519MLKEM768 => "X25519MLKEM768".into(),
        NamedGroup::secp256r1MLKEM768 => "SecP256r1MLKEM768".into(),
        NamedGroup::MLKEM768 => "MLKEM768".into(),
        other => format!("{other:?}"),
    }
}

/// Parses a colon-separated group list (`SSL_CTX_set1_groups_list`,
/// `SSL_CONF Groups/Curves`). Unknown names fail (as in OpenSSL); names
/// OpenSSL knows but rustls cannot use are dropped with a warning; an
/// empty result fails.
pub fn parse_list(list: &str) -> Result<(Vec<NamedGroup>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for name in list.split(':').map(str::trim).filter(|n| !n.is_empty()) {
        match by_name(name) {
            Lookup::Supported(g) => {
                if !out.contains(&g) {
                    out.push(g);
                }
            }
            Lookup::Unsupported(what) => warnings.push(format!("group {name} ignored: {what} is not supported by rustls")),
            Lookup::Unknown => return Err(format!("unknown group \"{name}\"")),
        }
    }
    if out.is_empty() {
        return Err(format!("no supported group in \"{list}\""));
    }
    Ok((out, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        let (g, w) = parse_list("X25519MLKEM768:X25519:P-256:P-384:P-521").unwrap();
        assert_eq!(g, vec![NamedGroup::X25519MLKEM768, NamedGroup::X25519, NamedGroup::secp256r1, NamedGroup::secp384r1]);
        assert_eq!(w.len(), 1);
        assert!(parse_list("X25519:bogus").is_err());
        assert!(parse_list("X448").is_err());
    }
}
