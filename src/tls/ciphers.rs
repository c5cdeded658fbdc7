//! OpenSSL cipher names and cipher strings, for the suites rustls (aws-lc-rs) can negotiate.
//!
//! `parse_cipher_list` is a port of OpenSSL 3.0's rule engine (`ssl/ssl_ciph.c`:
//! `ssl_create_cipher_list`, `ssl_cipher_process_rulestr`, `ssl_cipher_apply_rule`), run on
//! the TLS 1.2 suites in [`SUPPORTED`] only. Every step of that engine either keeps or
//! changes the order of the ciphers that one predicate matches (stable moves to the head or
//! tail, deletions), so running it on a subset gives OpenSSL's answer filtered to that subset.
//! The differential tests at the bottom check that against the system `openssl ciphers`.
//!
//! To tell "known to OpenSSL but selects none of ours" from "unknown" (OpenSSL ignores both;
//! only the latter goes to [`CipherList::ignored`]), the module knows every alias and every
//! cipher name that Debian's OpenSSL 3.0 build accepts (no weak ciphers, no GOST, no
//! legacy-provider ciphers such as RC4/IDEA/SEED: those names are unknown there too).
//!
//! Side effects OpenSSL has and the caller must reproduce (`SSL_CTX_set_cipher_list`):
//! on `NoCipherMatch` OpenSSL returns 0 but has *already replaced* the context's list (its
//! TLS 1.2 part is now empty); on `Syntax` nothing changes. A Suite B keyword also turns on
//! Suite B mode, which OpenSSL keeps for later cipher strings of the same context.

#![forbid(unsafe_code)]

use std::fmt;

use rustls::CipherSuite;

// Algorithm bits of OpenSSL 3.0 (ssl/ssl_local.h). The exact values matter: the parts of
// an `A+B` rule are AND-ed per category, and an empty intersection voids the rule.
const K_RSA: u32 = 0x001;
const K_DHE: u32 = 0x002;
const K_ECDHE: u32 = 0x004;
const K_PSK: u32 = 0x008;
const K_SRP: u32 = 0x020;
const K_RSAPSK: u32 = 0x040;
const K_ECDHEPSK: u32 = 0x080;
const K_DHEPSK: u32 = 0x100;
const K_ANY_PSK: u32 = K_PSK | K_RSAPSK | K_ECDHEPSK | K_DHEPSK;

const A_RSA: u32 = 0x01;
const A_DSS: u32 = 0x02;
const A_NULL: u32 = 0x04;
const A_ECDSA: u32 = 0x08;
const A_PSK: u32 = 0x10;
const A_SRP: u32 = 0x40;

const E_DES: u32 = 0x1;
const E_3DES: u32 = 0x2;
const E_RC4: u32 = 0x4;
const E_RC2: u32 = 0x8;
const E_IDEA: u32 = 0x10;
const E_NULL: u32 = 0x20;
const E_AES128: u32 = 0x40;
const E_AES256: u32 = 0x80;
const E_CAMELLIA128: u32 = 0x100;
const E_CAMELLIA256: u32 = 0x200;
const E_SEED: u32 = 0x800;
const E_AES128GCM: u32 = 0x1000;
const E_AES256GCM: u32 = 0x2000;
const E_AES128CCM: u32 = 0x4000;
const E_AES256CCM: u32 = 0x8000;
const E_AES128CCM8: u32 = 0x10000;
const E_AES256CCM8: u32 = 0x20000;
const E_CHACHA20: u32 = 0x80000;
const E_ARIA128GCM: u32 = 0x100000;
const E_ARIA256GCM: u32 = 0x200000;
const E_AESGCM: u32 = E_AES128GCM | E_AES256GCM;
const E_AESCCM8: u32 = E_AES128CCM8 | E_AES256CCM8;
const E_AESCCM: u32 = E_AES128CCM | E_AES256CCM | E_AESCCM8;
const E_AES: u32 = E_AES128 | E_AES256 | E_AESGCM | E_AESCCM;
const E_CBC: u32 =
    E_DES | E_3DES | E_RC2 | E_IDEA | E_AES128 | E_AES256 | E_CAMELLIA128 | E_CAMELLIA256 | E_SEED;

const M_MD5: u32 = 0x01;
const M_SHA1: u32 = 0x02;
const M_SHA256: u32 = 0x10;
const M_SHA384: u32 = 0x20;
const M_AEAD: u32 = 0x40;

const S_LOW: u32 = 0x02;
const S_MEDIUM: u32 = 0x04;
const S_HIGH: u32 = 0x08;
const S_FIPS: u32 = 0x10;
const S_NOT_DEFAULT: u32 = 0x20;
const STRONG_MASK: u32 = 0x1f;
const DEFAULT_MASK: u32 = 0x20;

const SSL3: u16 = 0x0300;
const TLS1: u16 = 0x0301;
const TLS12: u16 = 0x0303;
const TLS13: u16 = 0x0304;

/// One cipher suite as OpenSSL 3.0 knows it.
#[derive(Debug, PartialEq, Eq)]
pub struct CipherInfo {
    /// OpenSSL name, e.g. "ECDHE-RSA-AES128-GCM-SHA256" or "TLS_AES_128_GCM_SHA256".
    pub name: &'static str,
    /// IANA/RFC name, e.g. "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".
    pub std_name: &'static str,
    /// OpenSSL cipher id (`SSL_CIPHER_get_id`): 0x03000000 | IANA code.
    pub id: u32,
    /// Lowest protocol version the suite works with: 0x0303 (TLS 1.2) or 0x0304 (TLS 1.3).
    pub version: u16,
    /// `Kx=` of `openssl ciphers -v`.
    pub kx: &'static str,
    /// `Au=` of `openssl ciphers -v`.
    pub au: &'static str,
    /// `Enc=` of `openssl ciphers -v`.
    pub enc: &'static str,
    /// `Mac=` of `openssl ciphers -v`.
    pub mac: &'static str,
    /// Return value of `SSL_CIPHER_get_bits`.
    pub strength_bits: i32,
    /// `*alg_bits` of `SSL_CIPHER_get_bits`.
    pub alg_bits: i32,
    /// The IANA code as rustls' enum.
    pub suite: CipherSuite,
    alg_mkey: u32,
    alg_auth: u32,
    alg_enc: u32,
    alg_mac: u32,
    algo_strength: u32,
}

impl CipherInfo {
    /// `SSL_CIPHER_get_version` / the version column of `openssl ciphers -v`.
    pub fn version_str(&self) -> &'static str {
        if self.version == TLS13 {
            "TLSv1.3"
        } else {
            "TLSv1.2"
        }
    }

    /// `SSL_CIPHER_get_protocol_id`: the two-byte IANA code.
    pub fn protocol_id(&self) -> u16 {
        (self.id & 0xffff) as u16
    }

    /// True for the TLS 1.3 suites (which only `parse_ciphersuites` selects).
    pub fn is_tls13(&self) -> bool {
        self.version == TLS13
    }
}

#[rustfmt::skip]
#[allow(clippy::too_many_arguments)]
const fn suite(
    name: &'static str, std_name: &'static str, suite: CipherSuite, code: u16, version: u16,
    au: &'static str, enc: &'static str, bits: i32, (alg_mkey, alg_auth, alg_enc): (u32, u32, u32),
    algo_strength: u32,
) -> CipherInfo {
    let tls13 = version == TLS13;
    CipherInfo {
        name, std_name, id: 0x0300_0000 | code as u32, version,
        kx: if tls13 { "any" } else { "ECDH" }, au, enc, mac: "AEAD",
        strength_bits: bits, alg_bits: bits, suite,
        alg_mkey, alg_auth, alg_enc, alg_mac: M_AEAD, algo_strength,
    }
}

/// Every suite sslshim can negotiate with rustls + aws-lc-rs, in OpenSSL's default
/// preference order (TLS 1.3 first, as `openssl ciphers -v DEFAULT` prints them).
#[rustfmt::skip]
pub static SUPPORTED: &[CipherInfo] = &[
    suite("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", CipherSuite::TLS13_AES_256_GCM_SHA384,
        0x1302, TLS13, "any", "AESGCM(256)", 256, (0, 0, E_AES256GCM), S_HIGH),
    suite("TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256, 0x1303, TLS13, "any", "CHACHA20/POLY1305(256)",
        256, (0, 0, E_CHACHA20), S_HIGH),
    suite("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", CipherSuite::TLS13_AES_128_GCM_SHA256,
        0x1301, TLS13, "any", "AESGCM(128)", 128, (0, 0, E_AES128GCM), S_HIGH),
    suite("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 0xC02C, TLS12, "ECDSA", "AESGCM(256)",
        256, (K_ECDHE, A_ECDSA, E_AES256GCM), S_HIGH | S_FIPS),
    suite("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0xC030, TLS12, "RSA", "AESGCM(256)",
        256, (K_ECDHE, A_RSA, E_AES256GCM), S_HIGH | S_FIPS),
    suite("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0xCCA9, TLS12, "ECDSA",
        "CHACHA20/POLY1305(256)", 256, (K_ECDHE, A_ECDSA, E_CHACHA20), S_HIGH),
    suite("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0xCCA8, TLS12, "RSA",
        "CHACHA20/POLY1305(256)", 256, (K_ECDHE, A_RSA, E_CHACHA20), S_HIGH),
    suite("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0xC02B, TLS12, "ECDSA", "AESGCM(128)",
        128, (K_ECDHE, A_ECDSA, E_AES128GCM), S_HIGH | S_FIPS),
    suite("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0xC02F, TLS12, "RSA", "AESGCM(128)",
        128, (K_ECDHE, A_RSA, E_AES128GCM), S_HIGH | S_FIPS),
];

/// Order in which OpenSSL's table (ssl3_ciphers, read backwards) first lists our TLS 1.2 suites.
const TABLE_ORDER: [u16; 6] = [0xCCA9, 0xCCA8, 0xC030, 0xC02F, 0xC02C, 0xC02B];

/// OpenSSL 3.0's `OSSL_default_cipher_list()`, what a leading `DEFAULT` stands for.
pub const DEFAULT_CIPHER_LIST: &str = "ALL:!COMPLEMENTOFDEFAULT:!eNULL";
/// OpenSSL 3.0's `OSSL_default_ciphersuites()`.
pub const DEFAULT_TLS13_CIPHERSUITES: &str =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

/// A group keyword of `cipher_aliases[]` (ssl_ciph.c): masks per category, 0 = any.
struct Alias {
    name: &'static str,
    mkey: u32,
    auth: u32,
    enc: u32,
    mac: u32,
    min_tls: u16,
    strength: u32,
}

#[rustfmt::skip]
const fn al(name: &'static str, mkey: u32, auth: u32, enc: u32, mac: u32, min_tls: u16, strength: u32) -> Alias {
    Alias { name, mkey, auth, enc, mac, min_tls, strength }
}

/// OpenSSL 3.0's aliases, less those it drops because all their algorithms are unavailable
/// (GOST*, RC4, RC2, IDEA, SEED without the legacy provider / GOST engine).
#[rustfmt::skip]
static ALIASES: &[Alias] = &[
    al("ALL", 0, 0, !E_NULL, 0, 0, 0),
    al("COMPLEMENTOFALL", 0, 0, E_NULL, 0, 0, 0),
    al("COMPLEMENTOFDEFAULT", 0, 0, 0, 0, 0, S_NOT_DEFAULT),
    al("kRSA", K_RSA, 0, 0, 0, 0, 0),
    al("kEDH", K_DHE, 0, 0, 0, 0, 0),
    al("kDHE", K_DHE, 0, 0, 0, 0, 0),
    al("DH", K_DHE, 0, 0, 0, 0, 0),
    al("kEECDH", K_ECDHE, 0, 0, 0, 0, 0),
    al("kECDHE", K_ECDHE, 0, 0, 0, 0, 0),
    al("ECDH", K_ECDHE, 0, 0, 0, 0, 0),
    al("kPSK", K_PSK, 0, 0, 0, 0, 0),
    al("kRSAPSK", K_RSAPSK, 0, 0, 0, 0, 0),
    al("kECDHEPSK", K_ECDHEPSK, 0, 0, 0, 0, 0),
    al("kDHEPSK", K_DHEPSK, 0, 0, 0, 0, 0),
    al("kSRP", K_SRP, 0, 0, 0, 0, 0),
    al("aRSA", 0, A_RSA, 0, 0, 0, 0),
    al("aDSS", 0, A_DSS, 0, 0, 0, 0),
    al("DSS", 0, A_DSS, 0, 0, 0, 0),
    al("aNULL", 0, A_NULL, 0, 0, 0, 0),
    al("aECDSA", 0, A_ECDSA, 0, 0, 0, 0),
    al("ECDSA", 0, A_ECDSA, 0, 0, 0, 0),
    al("aPSK", 0, A_PSK, 0, 0, 0, 0),
    al("aSRP", 0, A_SRP, 0, 0, 0, 0),
    al("EDH", K_DHE, !A_NULL, 0, 0, 0, 0),
    al("DHE", K_DHE, !A_NULL, 0, 0, 0, 0),
    al("EECDH", K_ECDHE, !A_NULL, 0, 0, 0, 0),
    al("ECDHE", K_ECDHE, !A_NULL, 0, 0, 0, 0),
    al("NULL", 0, 0, E_NULL, 0, 0, 0),
    al("RSA", K_RSA, A_RSA, 0, 0, 0, 0),
    al("ADH", K_DHE, A_NULL, 0, 0, 0, 0),
    al("AECDH", K_ECDHE, A_NULL, 0, 0, 0, 0),
    al("PSK", K_ANY_PSK, 0, 0, 0, 0, 0),
    al("SRP", K_SRP, 0, 0, 0, 0, 0),
    al("3DES", 0, 0, E_3DES, 0, 0, 0),
    al("eNULL", 0, 0, E_NULL, 0, 0, 0),
    al("AES128", 0, 0, E_AES128 | E_AES128GCM | E_AES128CCM | E_AES128CCM8, 0, 0, 0),
    al("AES256", 0, 0, E_AES256 | E_AES256GCM | E_AES256CCM | E_AES256CCM8, 0, 0, 0),
    al("AES", 0, 0, E_AES, 0, 0, 0),
    al("AESGCM", 0, 0, E_AESGCM, 0, 0, 0),
    al("AESCCM", 0, 0, E_AESCCM, 0, 0, 0),
    al("AESCCM8", 0, 0, E_AESCCM8, 0, 0, 0),
    al("CAMELLIA128", 0, 0, E_CAMELLIA128, 0, 0, 0),
    al("CAMELLIA256", 0, 0, E_CAMELLIA256, 0, 0, 0),
    al("CAMELLIA", 0, 0, E_CAMELLIA128 | E_CAMELLIA256, 0, 0, 0),
    al("CHACHA20", 0, 0, E_CHACHA20, 0, 0, 0),
    al("ARIA", 0, 0, E_ARIA128GCM | E_ARIA256GCM, 0, 0, 0),
    al("ARIAGCM", 0, 0, E_ARIA128GCM | E_ARIA256GCM, 0, 0, 0),
    al("ARIA128", 0, 0, E_ARIA128GCM, 0, 0, 0),
    al("ARIA256", 0, 0, E_ARIA256GCM, 0, 0, 0),
    al("CBC", 0, 0, E_CBC, 0, 0, 0),
    al("MD5", 0, 0, 0, M_MD5, 0, 0),
    al("SHA1", 0, 0, 0, M_SHA1, 0, 0),
    al("SHA", 0, 0, 0, M_SHA1, 0, 0),
    al("SHA256", 0, 0, 0, M_SHA256, 0, 0),
    al("SHA384", 0, 0, 0, M_SHA384, 0, 0),
    al("SSLv3", 0, 0, 0, 0, SSL3, 0),
    al("TLSv1", 0, 0, 0, 0, TLS1, 0),
    al("TLSv1.0", 0, 0, 0, 0, TLS1, 0),
    al("TLSv1.2", 0, 0, 0, 0, TLS12, 0),
    al("LOW", 0, 0, 0, 0, 0, S_LOW),
    al("MEDIUM", 0, 0, 0, 0, 0, S_MEDIUM),
    al("HIGH", 0, 0, 0, 0, 0, S_HIGH),
    al("FIPS", 0, 0, !E_NULL, 0, 0, S_FIPS),
    al("EDH-DSS-DES-CBC3-SHA", K_DHE, A_DSS, E_3DES, M_SHA1, 0, S_HIGH | S_FIPS),
    al("EDH-RSA-DES-CBC3-SHA", K_DHE, A_RSA, E_3DES, M_SHA1, 0, S_HIGH | S_FIPS),
];

/// The other TLS <= 1.2 cipher names OpenSSL 3.0 accepts (`openssl ciphers ALL:COMPLEMENTOFALL`
/// on Debian): known, but none of them is one of ours, so a rule naming one selects nothing.
const OTHER_OPENSSL_CIPHERS: &str = "
    ADH-AES128-GCM-SHA256 ADH-AES128-SHA ADH-AES128-SHA256 ADH-AES256-GCM-SHA384 ADH-AES256-SHA
    ADH-AES256-SHA256 ADH-CAMELLIA128-SHA ADH-CAMELLIA128-SHA256 ADH-CAMELLIA256-SHA
    ADH-CAMELLIA256-SHA256 AECDH-AES128-SHA AECDH-AES256-SHA AECDH-NULL-SHA AES128-CCM AES128-CCM8
    AES128-GCM-SHA256 AES128-SHA AES128-SHA256 AES256-CCM AES256-CCM8 AES256-GCM-SHA384
    AES256-SHA AES256-SHA256 ARIA128-GCM-SHA256 ARIA256-GCM-SHA384 CAMELLIA128-SHA
    CAMELLIA128-SHA256 CAMELLIA256-SHA CAMELLIA256-SHA256 DHE-DSS-AES128-GCM-SHA256
    DHE-DSS-AES128-SHA DHE-DSS-AES128-SHA256 DHE-DSS-AES256-GCM-SHA384 DHE-DSS-AES256-SHA
    DHE-DSS-AES256-SHA256 DHE-DSS-ARIA128-GCM-SHA256 DHE-DSS-ARIA256-GCM-SHA384
    DHE-DSS-CAMELLIA128-SHA DHE-DSS-CAMELLIA128-SHA256 DHE-DSS-CAMELLIA256-SHA
    DHE-DSS-CAMELLIA256-SHA256 DHE-PSK-AES128-CBC-SHA DHE-PSK-AES128-CBC-SHA256 DHE-PSK-AES128-CCM
    DHE-PSK-AES128-CCM8 DHE-PSK-AES128-GCM-SHA256 DHE-PSK-AES256-CBC-SHA DHE-PSK-AES256-CBC-SHA384
    DHE-PSK-AES256-CCM DHE-PSK-AES256-CCM8 DHE-PSK-AES256-GCM-SHA384 DHE-PSK-ARIA128-GCM-SHA256
    DHE-PSK-ARIA256-GCM-SHA384 DHE-PSK-CAMELLIA128-SHA256 DHE-PSK-CAMELLIA256-SHA384
    DHE-PSK-CHACHA20-POLY1305 DHE-PSK-NULL-SHA DHE-PSK-NULL-SHA256 DHE-PSK-NULL-SHA384
    DHE-RSA-AES128-CCM DHE-RSA-AES128-CCM8 DHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES128-SHA
    DHE-RSA-AES128-SHA256 DHE-RSA-AES256-CCM DHE-RSA-AES256-CCM8 DHE-RSA-AES256-GCM-SHA384
    DHE-RSA-AES256-SHA DHE-RSA-AES256-SHA256 DHE-RSA-ARIA128-GCM-SHA256 DHE-RSA-ARIA256-GCM-SHA384
    DHE-RSA-CAMELLIA128-SHA DHE-RSA-CAMELLIA128-SHA256 DHE-RSA-CAMELLIA256-SHA
    DHE-RSA-CAMELLIA256-SHA256 DHE-RSA-CHACHA20-POLY1305 ECDHE-ARIA128-GCM-SHA256
    ECDHE-ARIA256-GCM-SHA384 ECDHE-ECDSA-AES128-CCM ECDHE-ECDSA-AES128-CCM8 ECDHE-ECDSA-AES128-SHA
    ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-CCM ECDHE-ECDSA-AES256-CCM8 ECDHE-ECDSA-AES256-SHA
    ECDHE-ECDSA-AES256-SHA384 ECDHE-ECDSA-ARIA128-GCM-SHA256 ECDHE-ECDSA-ARIA256-GCM-SHA384
    ECDHE-ECDSA-CAMELLIA128-SHA256 ECDHE-ECDSA-CAMELLIA256-SHA384 ECDHE-ECDSA-NULL-SHA
    ECDHE-PSK-AES128-CBC-SHA ECDHE-PSK-AES128-CBC-SHA256 ECDHE-PSK-AES256-CBC-SHA
    ECDHE-PSK-AES256-CBC-SHA384 ECDHE-PSK-CAMELLIA128-SHA256 ECDHE-PSK-CAMELLIA256-SHA384
    ECDHE-PSK-CHACHA20-POLY1305 ECDHE-PSK-NULL-SHA ECDHE-PSK-NULL-SHA256 ECDHE-PSK-NULL-SHA384
    ECDHE-RSA-AES128-SHA ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-SHA ECDHE-RSA-AES256-SHA384
    ECDHE-RSA-CAMELLIA128-SHA256 ECDHE-RSA-CAMELLIA256-SHA384 ECDHE-RSA-NULL-SHA NULL-MD5
    NULL-SHA NULL-SHA256 PSK-AES128-CBC-SHA PSK-AES128-CBC-SHA256 PSK-AES128-CCM PSK-AES128-CCM8
    PSK-AES128-GCM-SHA256 PSK-AES256-CBC-SHA PSK-AES256-CBC-SHA384 PSK-AES256-CCM PSK-AES256-CCM8
    PSK-AES256-GCM-SHA384 PSK-ARIA128-GCM-SHA256 PSK-ARIA256-GCM-SHA384 PSK-CAMELLIA128-SHA256
    PSK-CAMELLIA256-SHA384 PSK-CHACHA20-POLY1305 PSK-NULL-SHA PSK-NULL-SHA256 PSK-NULL-SHA384
    RSA-PSK-AES128-CBC-SHA RSA-PSK-AES128-CBC-SHA256 RSA-PSK-AES128-GCM-SHA256
    RSA-PSK-AES256-CBC-SHA RSA-PSK-AES256-CBC-SHA384 RSA-PSK-AES256-GCM-SHA384
    RSA-PSK-ARIA128-GCM-SHA256 RSA-PSK-ARIA256-GCM-SHA384 RSA-PSK-CAMELLIA128-SHA256
    RSA-PSK-CAMELLIA256-SHA384 RSA-PSK-CHACHA20-POLY1305 RSA-PSK-NULL-SHA RSA-PSK-NULL-SHA256
    RSA-PSK-NULL-SHA384 SRP-AES-128-CBC-SHA SRP-AES-256-CBC-SHA SRP-DSS-AES-128-CBC-SHA
    SRP-DSS-AES-256-CBC-SHA SRP-RSA-AES-128-CBC-SHA SRP-RSA-AES-256-CBC-SHA";

/// TLS 1.3 suites OpenSSL knows but rustls + aws-lc-rs cannot negotiate.
const OTHER_TLS13_SUITES: [&str; 2] = ["TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256"];

/// Looks a suite up by OpenSSL name or IANA name (exact, case-sensitive, as OpenSSL does).
pub fn find_by_name(name: &str) -> Option<&'static CipherInfo> {
    SUPPORTED
        .iter()
        .find(|c| c.name == name || c.std_name == name)
}

/// Looks a suite up by its rustls enum value.
pub fn find_by_suite(s: CipherSuite) -> Option<&'static CipherInfo> {
    SUPPORTED.iter().find(|c| c.suite == s)
}

/// Looks a suite up by OpenSSL id (0x0300nnnn) or by bare two-byte IANA code (0x0000nnnn).
pub fn find_by_id(id: u32) -> Option<&'static CipherInfo> {
    let id = if id <= 0xffff { 0x0300_0000 | id } else { id };
    SUPPORTED.iter().find(|c| c.id == id)
}

/// `SSL_CIPHER_description`: one line of `openssl ciphers -v`, newline included.
pub fn description(c: &CipherInfo) -> String {
    format!(
        "{:<30} {:<7} Kx={:<8} Au={:<5} Enc={:<22} Mac={:<4}\n",
        c.name,
        c.version_str(),
        c.kx,
        c.au,
        c.enc,
        c.mac
    )
}

/// Result of parsing a cipher string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherList {
    /// The selected suites, most preferred first.
    pub suites: Vec<&'static CipherInfo>,
    /// Words OpenSSL does not know at all and so ignored (the caller may log them).
    pub ignored: Vec<String>,
    /// Remarks worth logging (Suite B mode, suites rustls cannot do, misplaced names...).
    pub warnings: Vec<String>,
    /// Level of the last `@SECLEVEL=n` (0..=5) in the string, if any.
    pub sec_level: Option<u8>,
    /// The Suite B keyword (`SUITEB128`, `SUITEB128ONLY`, `SUITEB128C2`, `SUITEB192`) that
    /// started the string: OpenSSL then replaces the whole string with a fixed one.
    pub suite_b: Option<&'static str>,
}

impl CipherList {
    fn empty() -> Self {
        CipherList {
            suites: Vec::new(),
            ignored: Vec::new(),
            warnings: Vec::new(),
            sec_level: None,
            suite_b: None,
        }
    }

    /// The OpenSSL names of the suites, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.suites.iter().map(|c| c.name).collect()
    }
}

/// Why a cipher string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CipherStringError {
    /// The string selects no usable suite (OpenSSL: "no cipher match").
    NoCipherMatch { input: String, ignored: Vec<String> },
    /// The string has a piece OpenSSL refuses outright (OpenSSL: "invalid command").
    Syntax { input: String, at: String },
}

impl fmt::Display for CipherStringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CipherStringError::NoCipherMatch { input, ignored } => {
                write!(
                    f,
                    "no cipher match: \"{input}\" selects no cipher suite sslshim supports"
                )?;
                if !ignored.is_empty() {
                    write!(
                        f,
                        " (unknown cipher keywords ignored: {})",
                        ignored.join(", ")
                    )?;
                }
                Ok(())
            }
            CipherStringError::Syntax { input, at } => {
                write!(
                    f,
                    "invalid cipher string \"{input}\": invalid command at \"{at}\""
                )
            }
        }
    }
}

impl std::error::Error for CipherStringError {}

/// The selection pattern of one rule (the `alg_*`/`cipher_id` locals of OpenSSL's parser).
#[derive(Default)]
struct Pattern {
    cipher_id: u32,
    mkey: u32,
    auth: u32,
    enc: u32,
    mac: u32,
    min_tls: u16,
    strength: u32,
    /// The rule names a cipher that is not one of ours, so it selects none of ours. OpenSSL
    /// would also AND that cipher's masks in, which we do not have: the one visible
    /// difference is that `AES128-SHA+SHA256+@STRENGTH` (masks clash, then a bad part) is
    /// a syntax error here while OpenSSL stops at the clash and ignores the rule.
    foreign: bool,
}

fn narrow_mask(cur: &mut u32, v: u32) -> bool {
    if v != 0 {
        *cur = if *cur == 0 { v } else { *cur & v };
    }
    v == 0 || *cur != 0
}

impl Pattern {
    /// AND one part of `A+B+...` into the pattern; false if a category became empty.
    fn narrow(&mut self, mkey: u32, auth: u32, enc: u32, mac: u32, strength: u32) -> bool {
        if !(narrow_mask(&mut self.mkey, mkey)
            && narrow_mask(&mut self.auth, auth)
            && narrow_mask(&mut self.enc, enc)
            && narrow_mask(&mut self.mac, mac))
        {
            return false;
        }
        let strong = strength & STRONG_MASK;
        if strong != 0 {
            if self.strength & STRONG_MASK != 0 {
                self.strength &= strong | !STRONG_MASK;
                if self.strength & STRONG_MASK == 0 {
                    return false;
                }
            } else {
                // Plain assignment, as in OpenSSL: this drops a COMPLEMENTOFDEFAULT bit set
                // by an earlier part, so `COMPLEMENTOFDEFAULT+HIGH` means `HIGH`.
                self.strength = strong;
            }
        }
        let def = strength & DEFAULT_MASK;
        if def != 0 {
            if self.strength & DEFAULT_MASK != 0 {
                self.strength &= def | !DEFAULT_MASK;
                if self.strength & DEFAULT_MASK == 0 {
                    return false;
                }
            } else {
                self.strength |= def;
            }
        }
        true
    }

    fn matches(&self, c: &CipherInfo) -> bool {
        let hit = |want: u32, have: u32| want == 0 || want & have != 0;
        !self.foreign
            && (self.cipher_id == 0 || self.cipher_id == c.id)
            && hit(self.mkey, c.alg_mkey)
            && hit(self.auth, c.alg_auth)
            && hit(self.enc, c.alg_enc)
            && hit(self.mac, c.alg_mac)
            && (self.min_tls == 0 || self.min_tls == c.version)
            && hit(self.strength & STRONG_MASK, c.algo_strength & STRONG_MASK)
            && hit(self.strength & DEFAULT_MASK, c.algo_strength & DEFAULT_MASK)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    /// Plain word: append matching inactive ciphers at the end, active.
    Add,
    /// `!`: remove matching ciphers for good.
    Kill,
    /// `-`: deactivate matching active ciphers, moving them to the head, so that a later
    /// add appends them (in their old order) ahead of other inactive ones.
    Del,
    /// `+`: move matching active ciphers to the end.
    Ord,
    /// Internal: move matching active ciphers to the head.
    Bump,
}

#[derive(Clone, Copy)]
struct Slot {
    c: &'static CipherInfo,
    active: bool,
}

/// `ssl_cipher_apply_rule` on a plain list; each branch is a stable partition.
fn apply(list: &mut Vec<Slot>, op: Op, pred: &dyn Fn(&CipherInfo) -> bool) {
    if op == Op::Kill {
        list.retain(|s| !pred(s.c));
        return;
    }
    let wants_active = op != Op::Add;
    let (mut moved, kept): (Vec<Slot>, Vec<Slot>) = list
        .iter()
        .partition(|s| pred(s.c) && s.active == wants_active);
    for s in &mut moved {
        s.active = op != Op::Del;
    }
    *list = match op {
        Op::Add | Op::Ord => kept.into_iter().chain(moved).collect(),
        _ => moved.into_iter().chain(kept).collect(),
    };
}

/// `ssl_cipher_strength_sort`: stable sort of the active ciphers by strength, descending.
fn strength_sort(list: &mut Vec<Slot>) {
    let mut bits: Vec<i32> = list
        .iter()
        .filter(|s| s.active)
        .map(|s| s.c.strength_bits)
        .collect();
    bits.sort_unstable_by(|a, b| b.cmp(a));
    bits.dedup();
    for b in bits {
        apply(list, Op::Ord, &|c| c.strength_bits == b);
    }
}

/// The list as `ssl_create_cipher_list` has it before reading the rule string: all our TLS
/// 1.2 suites, inactive, in OpenSSL's built-in preference order.
#[rustfmt::skip]
fn initial_list() -> Vec<Slot> {
    let mut list: Vec<Slot> = TABLE_ORDER
        .iter()
        .map(|&code| Slot { c: find_by_id(code.into()).expect("table"), active: false })
        .collect();
    let rule = |list: &mut Vec<Slot>, op, p: Pattern| apply(list, op, &|c| p.matches(c));
    let pat = Pattern::default;
    rule(&mut list, Op::Add, Pattern { mkey: K_ECDHE, auth: A_ECDSA, ..pat() });
    rule(&mut list, Op::Add, Pattern { mkey: K_ECDHE, ..pat() });
    rule(&mut list, Op::Del, Pattern { mkey: K_ECDHE, ..pat() });
    rule(&mut list, Op::Add, Pattern { enc: E_AESGCM, ..pat() });
    rule(&mut list, Op::Add, Pattern { enc: E_CHACHA20, ..pat() });
    rule(&mut list, Op::Add, Pattern { enc: E_AES ^ E_AESGCM, ..pat() });
    rule(&mut list, Op::Add, pat());
    rule(&mut list, Op::Ord, Pattern { mac: M_MD5, ..pat() });
    rule(&mut list, Op::Ord, Pattern { auth: A_NULL, ..pat() });
    rule(&mut list, Op::Ord, Pattern { mkey: K_RSA, ..pat() });
    rule(&mut list, Op::Ord, Pattern { mkey: K_PSK, ..pat() });
    rule(&mut list, Op::Ord, Pattern { enc: E_RC4, ..pat() });
    strength_sort(&mut list);
    rule(&mut list, Op::Bump, Pattern { min_tls: TLS12, ..pat() });
    rule(&mut list, Op::Bump, Pattern { mac: M_AEAD, ..pat() });
    rule(&mut list, Op::Bump, Pattern { mkey: K_DHE | K_ECDHE, ..pat() });
    rule(&mut list, Op::Bump, Pattern { mkey: K_DHE | K_ECDHE, mac: M_AEAD, ..pat() });
    rule(&mut list, Op::Del, pat());
    list
}

fn is_sep(b: u8) -> bool {
    matches!(b, b':' | b' ' | b';' | b',')
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'=')
}

struct Parser<'a> {
    input: &'a str,
    list: Vec<Slot>,
    out: CipherList,
}

impl Parser<'_> {
    fn syntax(&self, rules: &str, from: usize) -> CipherStringError {
        let rest = &rules[from..];
        let end = rest.find([':', ' ', ';', ',']).unwrap_or(rest.len());
        CipherStringError::Syntax {
            input: self.input.to_string(),
            at: rest[..end].to_string(),
        }
    }

    /// `ssl_cipher_process_rulestr`, byte for byte.
    fn process(&mut self, rules: &str) -> Result<(), CipherStringError> {
        let b = rules.as_bytes();
        let mut l = 0;
        while l < b.len() {
            let start = l;
            let (op, special) = match b[l] {
                b'-' => (Op::Del, false),
                b'+' => (Op::Ord, false),
                b'!' => (Op::Kill, false),
                b'@' => (Op::Add, true),
                c if is_sep(c) => {
                    l += 1;
                    continue;
                }
                _ => (Op::Add, false),
            };
            if matches!(b[l], b'-' | b'+' | b'!' | b'@') {
                l += 1;
            }
            let mut pat = Pattern::default();
            let mut found = false;
            let word = loop {
                let w0 = l;
                while l < b.len() && is_word(b[l]) {
                    l += 1;
                }
                if l == w0 {
                    return Err(self.syntax(rules, start));
                }
                let word = &rules[w0..l];
                if special {
                    break word;
                }
                let multi = b.get(l) == Some(&b'+');
                if multi {
                    l += 1;
                }
                // For the log: an unknown word with what sticks to it ("TLS_AES_128_GCM_SHA256"
                // stops at '_' for OpenSSL, so it is the unknown word "TLS").
                let rest = &rules[w0..];
                let token = &rest[..rest.find([':', ' ', ';', ',', '+']).unwrap_or(rest.len())];
                found = self.add_part(&mut pat, word, token);
                if !found || !multi {
                    break word;
                }
            };
            if special {
                if !self.special(word) {
                    return Err(self.syntax(rules, start));
                }
            } else if found {
                apply(&mut self.list, op, &|c| pat.matches(c));
                continue;
            }
            // Ignored rule, or the tail of an `@` command: skip to the next separator.
            while l < b.len() && !is_sep(b[l]) {
                l += 1;
            }
        }
        Ok(())
    }

    /// Handle one word of a rule; false means the whole rule is ignored.
    fn add_part(&mut self, pat: &mut Pattern, word: &str, token: &str) -> bool {
        pat.cipher_id = 0;
        if let Some(c) = find_by_name(word).filter(|c| c.name == word && !c.is_tls13()) {
            let ok = pat.narrow(
                c.alg_mkey,
                c.alg_auth,
                c.alg_enc,
                c.alg_mac,
                c.algo_strength,
            );
            pat.cipher_id = c.id;
            return ok;
        }
        if OTHER_OPENSSL_CIPHERS
            .split_ascii_whitespace()
            .any(|n| n == word)
        {
            pat.foreign = true;
            return true;
        }
        if let Some(a) = ALIASES.iter().find(|a| a.name == word) {
            if !pat.narrow(a.mkey, a.auth, a.enc, a.mac, a.strength) {
                return false;
            }
            if a.min_tls != 0 {
                if pat.min_tls != 0 && pat.min_tls != a.min_tls {
                    return false;
                }
                pat.min_tls = a.min_tls;
            }
            return true;
        }
        if find_by_name(token).is_some_and(CipherInfo::is_tls13)
            || OTHER_TLS13_SUITES.contains(&token)
        {
            self.out.warnings.push(format!(
                "{token} is a TLS 1.3 suite: it has no effect in a cipher list \
                 (TLS 1.3 suites are set with SSL_CTX_set_ciphersuites / SSLCipherSuite TLSv1.3)"
            ));
        } else if let Some(c) = find_by_name(token) {
            self.out.warnings.push(format!(
                "{token} is an IANA name: OpenSSL cipher lists only take OpenSSL names ({})",
                c.name
            ));
        }
        if !self.out.ignored.iter().any(|w| w == token) {
            self.out.ignored.push(token.to_string());
        }
        false
    }

    /// `@STRENGTH` and `@SECLEVEL=n`; false for anything else.
    fn special(&mut self, word: &str) -> bool {
        if word == "STRENGTH" {
            strength_sort(&mut self.list);
            return true;
        }
        match word.strip_prefix("SECLEVEL=").map(str::as_bytes) {
            Some([d @ b'0'..=b'5']) => {
                self.out.sec_level = Some(d - b'0');
                true
            }
            _ => false,
        }
    }
}

/// `check_suiteb_cipher_list`: a string *starting* with a Suite B keyword is replaced whole.
fn suite_b(s: &str) -> Option<(&'static str, &'static str)> {
    const B128: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
    [
        ("SUITEB128ONLY", "ECDHE-ECDSA-AES128-GCM-SHA256"),
        ("SUITEB128C2", "ECDHE-ECDSA-AES256-GCM-SHA384"),
        ("SUITEB128", B128),
        ("SUITEB192", "ECDHE-ECDSA-AES256-GCM-SHA384"),
    ]
    .into_iter()
    .find(|(k, _)| s.starts_with(k))
}

/// Parses an OpenSSL cipher string as `SSL_CTX_set_cipher_list` does, keeping the TLS 1.2
/// suites of [`SUPPORTED`] (TLS 1.3 suites never come from a cipher list).
pub fn parse_cipher_list(s: &str) -> Result<CipherList, CipherStringError> {
    let mut p = Parser {
        input: s,
        list: initial_list(),
        out: CipherList::empty(),
    };
    let mut rules = s;
    if let Some((keyword, replacement)) = suite_b(s) {
        p.out.suite_b = Some(keyword);
        p.out.warnings.push(format!(
            "{keyword}: Suite B mode, the cipher string is replaced by \"{replacement}\""
        ));
        rules = replacement;
    }
    // Only a *leading* DEFAULT is special; elsewhere it is an unknown word.
    if let Some(rest) = rules.strip_prefix("DEFAULT") {
        p.process(DEFAULT_CIPHER_LIST)?;
        rules = rest.strip_prefix(':').unwrap_or(rest);
    }
    p.process(rules)?;
    p.out.suites = p.list.iter().filter(|s| s.active).map(|s| s.c).collect();
    if p.out.suites.is_empty() {
        return Err(CipherStringError::NoCipherMatch {
            input: s.to_string(),
            ignored: p.out.ignored,
        });
    }
    Ok(p.out)
}

/// Parses a TLS 1.3 list as `SSL_CTX_set_ciphersuites` does: IANA names separated by `:`,
/// blanks around names trimmed, unknown names ignored; "" is valid and means no TLS 1.3.
/// Fails only when a non-empty string names nothing OpenSSL knows.
pub fn parse_ciphersuites(s: &str) -> Result<CipherList, CipherStringError> {
    let mut out = CipherList::empty();
    if s.is_empty() {
        return Ok(out);
    }
    let mut known = false;
    for elem in s.split(':') {
        let name = elem.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r'));
        if name.is_empty() {
            continue;
        }
        match SUPPORTED.iter().find(|c| c.std_name == name) {
            Some(c) if c.is_tls13() => {
                known = true;
                if !out.suites.contains(&c) {
                    out.suites.push(c);
                }
            }
            Some(_) => {
                known = true;
                out.warnings.push(format!(
                    "{name} is a TLS 1.2 suite: OpenSSL accepts it here and puts it ahead of \
                     the cipher list; sslshim ignores it"
                ));
            }
            None if OTHER_TLS13_SUITES.contains(&name) => {
                known = true;
                out.warnings
                    .push(format!("{name} is not supported by rustls; ignored"));
            }
            None => out.ignored.push(name.to_string()),
        }
    }
    if !known {
        return Err(CipherStringError::NoCipherMatch {
            input: s.to_string(),
            ignored: out.ignored,
        });
    }
    Ok(out)
}

/// OpenSSL's `DEFAULT` cipher list restricted to [`SUPPORTED`] TLS 1.2 suites.
pub fn default_cipher_list() -> CipherList {
    parse_cipher_list("DEFAULT").expect("DEFAULT selects every supported TLS 1.2 suite")
}

#[cfg(test)]
#[rustfmt::skip]
mod tests {
    use super::*;
    use std::process::Command;

    const MOZILLA_INTERMEDIATE: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
        ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
        ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:\
        DHE-RSA-CHACHA20-POLY1305";
    const MOZILLA_OLD: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
        ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
        ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:\
        DHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:\
        ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:\
        ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:\
        DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:\
        AES128-SHA:AES256-SHA:DES-CBC3-SHA";

    /// Cipher strings compared with `openssl ciphers -v`.
    const STRINGS: &[&str] = &[
        "DEFAULT", "ALL", "HIGH", "HIGH:!aNULL", "HIGH:!aNULL:!eNULL:!EXP",
        "ALL:!COMPLEMENTOFDEFAULT:!eNULL:!aNULL:!eNULL:!EXP", "DEFAULT:!aNULL:!eNULL:!EXP",
        "ECDHE+AESGCM", "ECDHE+AESGCM:ECDHE+CHACHA20", "@STRENGTH", "HIGH:@STRENGTH",
        "AES128:AES256", "CHACHA20:AESGCM", "-ECDSA:ALL", "ALL:-ECDSA:+ECDSA", "ALL:+AES128",
        "aRSA", "aECDSA", "kRSA", "RC4", "3DES", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384", MOZILLA_INTERMEDIATE,
        MOZILLA_OLD, "EECDH+AESGCM:EDH+AESGCM", "EECDH+AESGCM:EDH+AESGCM:AES256+EECDH:AES256+EDH",
        "HIGH:MEDIUM:!aNULL:!MD5", "HIGH:!aNULL:!MD5", "FOO:HIGH", "SUITEB128", "SUITEB128ONLY",
        "SUITEB192", "SUITEB128C2", "SUITEB128:HIGH", "HIGH:SUITEB128", "@SECLEVEL=0:ALL",
        "ALL@SECLEVEL=2", "DEFAULT:@SECLEVEL=3", "HIGH !aNULL", "HIGH, !aNULL ,+AES256",
        "ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256", "ALL;!ECDSA",
        "kEECDH+ECDSA+AES128:kEECDH+ECDSA+AES256:kEECDH+AES128:kEECDH+AES256:kEDH+AES128:\
         kEDH+AES256:DES-CBC3-SHA:+SHA:!aNULL:!eNULL:!LOW:!kECDH:!DSS:!MD5:!EXP:!PSK:!SRP:\
         !CAMELLIA:!SEED",
        "DEFAULT:!ECDSA", "DEFAULT!ECDSA", "DEFAULT,!ECDSA", "DEFAULTX", " DEFAULT", "HIGH:DEFAULT",
        "", "@SECLEVEL=x", "@FOO", "FOO", "@SECLEVEL=6", "ALL:@SECLEVEL=10", "ALL:@SECLEVEL=3x",
        "HIGH+", "HIGH++AES", "ALL:!", "ALL:+", "ALL:_x", "ALL:@STRENGTHX", "ALL:@STRENGTH+AES",
        "ALL @ ", "COMPLEMENTOFDEFAULT", "COMPLEMENTOFALL", "ALL:COMPLEMENTOFALL",
        "COMPLEMENTOFDEFAULT+HIGH", "HIGH+COMPLEMENTOFDEFAULT", "FIPS", "ALL:!FIPS", "CBC",
        "ECDHE-RSA-AES128-GCM-SHA256+AES256", "AES256+ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256+AES128", "DHE-RSA-AES128-GCM-SHA256+AESGCM",
        "AESGCM+DHE-RSA-AES128-GCM-SHA256", "TLSv1.2", "TLSv1", "TLSv1.0", "SSLv3", "TLSv1.1",
        "TLSv1.2+ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256+TLSv1",
        "TLSv1+ECDHE-RSA-AES128-GCM-SHA256", "ALL:-AES256:ALL", "ALL:!AES256:AES256",
        "-ALL:ECDHE-RSA-CHACHA20-POLY1305:ALL", "-ECDSA:ECDHE+AES128:ECDSA", "AESGCM:+AES256",
        "AES128:AES256:@STRENGTH", "CHACHA20:@STRENGTH:AES128", "+ECDSA:ALL", "aRSA:aECDSA",
        "SHA256", "SHA384", "AEAD", "MD5", "SHA", "PSK", "AECDH", "ADH", "aNULL", "eNULL", "NULL",
        "LOW:MEDIUM", "ARIA:CAMELLIA:3DES", "AESCCM", "AESCCM8", "kECDHE+aECDSA+AESGCM",
        "ECDHE+ECDSA", "EECDH+RSA", "ECDH+aRSA+AES256", "TLS_AES_128_GCM_SHA256:HIGH",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:aECDSA", "high", "PROFILE=SYSTEM",
        "ALL:!ECDHE-RSA-AES128-GCM-SHA256", "ALL:+ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256", "ALL+HIGH", "ALL+EXP:HIGH",
        "!aNULL:!eNULL:!EXP", "@STRENGTH:ALL", "ALL:-ECDSA:-CHACHA20:ECDSA:CHACHA20", "ALL:-ECDSA:ALL",
        "ALL:-ECDHE-ECDSA-AES256-GCM-SHA384:-ECDHE-RSA-CHACHA20-POLY1305:ALL", "ALL!aRSA",
        "ECDHE-ECDSA-CHACHA20-POLY1305+ECDSA+CHACHA20", "ALL:-CHACHA20:+AES128:CHACHA20:+AES256",
        "ALL:é", "ECDHE:!kECDHE+aRSA", "kEECDH:+kEECDH+CHACHA20:-AES128", "ECDHE:-AESGCM:+CHACHA20",
    ];

    fn openssl(args: &[&str]) -> Option<(bool, String)> {
        // The real libssl and no site configuration (a shim under test must not answer).
        let o = Command::new("openssl").args(args).env_remove("LD_LIBRARY_PATH")
            .env_remove("LD_PRELOAD").env("OPENSSL_CONF", "/dev/null").output().ok()?;
        let text = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        Some((o.status.success(), text))
    }

    /// The differential tests need an OpenSSL 3.0 command line tool.
    fn have_openssl() -> bool {
        let ok = openssl(&["version"]).is_some_and(|(ok, v)| ok && v.starts_with("OpenSSL 3.0."));
        if !ok {
            eprintln!("NOTE: skipping comparison with OpenSSL: no OpenSSL 3.0 `openssl` binary");
        }
        ok
    }

    fn is_tls12_supported(name: &str) -> bool {
        SUPPORTED.iter().any(|c| !c.is_tls13() && c.name == name)
    }

    /// `openssl ciphers -v <s>` filtered to our TLS 1.2 suites, or the error text.
    fn openssl_list(s: &str) -> Result<Vec<String>, String> {
        let (ok, out) = openssl(&["ciphers", "-v", "--", s]).expect("openssl runs");
        if !ok {
            return Err(out);
        }
        Ok(out
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| is_tls12_supported(n))
            .map(String::from)
            .collect())
    }

    #[test]
    fn cipher_lists_match_openssl() {
        if !have_openssl() {
            return;
        }
        assert!(STRINGS.len() >= 40);
        let failures: Vec<String> = STRINGS.iter().filter_map(|s| disagreement(s)).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Compares `parse_cipher_list(s)` with `openssl ciphers -v s`; None when they agree.
    fn disagreement(s: &str) -> Option<String> {
        let ours = parse_cipher_list(s);
        let theirs = openssl_list(s);
        let agree = match (&ours, &theirs) {
            (Ok(list), Ok(names)) => !names.is_empty() && list.names() == *names,
            (Err(CipherStringError::NoCipherMatch { .. }), Ok(names)) => names.is_empty(),
            (Err(CipherStringError::NoCipherMatch { .. }), Err(e)) => e.contains("no cipher match"),
            (Err(CipherStringError::Syntax { .. }), Err(e)) => e.contains("invalid command"),
            _ => false,
        };
        (!agree).then(|| format!("{s:?}:\n  ours:    {ours:?}\n  openssl: {theirs:?}"))
    }

    /// Random rule strings (fixed seed) from words, operators and separators. A '+' is never
    /// followed by an `@` word: see the note on foreign cipher names in `Pattern`.
    #[test]
    fn random_cipher_lists_match_openssl() {
        if !have_openssl() {
            return;
        }
        let words = [
            "ALL", "HIGH", "MEDIUM", "DEFAULT", "COMPLEMENTOFDEFAULT", "ECDHE", "EECDH", "kECDHE",
            "ECDSA", "aECDSA", "aRSA", "RSA", "kRSA", "DHE", "AES", "AES128", "AES256", "AESGCM",
            "CHACHA20", "CAMELLIA", "SHA256", "SHA384", "SHA", "TLSv1.2", "TLSv1", "FIPS", "aNULL",
            "eNULL", "PSK", "EXP", "FOO", "3DES", "CBC", "@STRENGTH", "@SECLEVEL=1", "SUITEB128",
            "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "AES128-SHA",
            "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256",
        ];
        let (ops, seps) = (["", "", "", "!", "-", "+"], [":", ":", ",", " ", ";", "+", "+"]);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut pick = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut failures = Vec::new();
        for _ in 0..300 {
            let mut s = String::new();
            for i in 0..1 + pick(6) {
                if i > 0 {
                    s += seps[pick(seps.len())];
                }
                let after_plus = s.ends_with('+');
                if !after_plus {
                    s += ops[pick(ops.len())];
                }
                let mut w = words[pick(words.len())];
                while after_plus && w.starts_with('@') {
                    w = words[pick(words.len())];
                }
                s += w;
            }
            failures.extend(disagreement(&s));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// A rule `X+` is a syntax error exactly when OpenSSL knows `X`: the parser then goes on
    /// to an empty second part. So this checks the known/unknown split word by word.
    #[test]
    fn known_words_match_openssl() {
        if !have_openssl() {
            return;
        }
        let unknown = [
            "EXP", "EXPORT", "DEFAULT", "RC4", "IDEA", "SEED", "GOST89", "kGOST", "kECDH", "kDHr",
            "aDH", "TLSv1.1", "TLSv1.3", "DTLSv1", "DES", "DES-CBC3-SHA", "SUITEB128", "AEAD",
            "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "high", "FOO",
        ];
        let words = ALIASES.iter().map(|a| a.name)
            .chain(OTHER_OPENSSL_CIPHERS.split_ascii_whitespace())
            .chain(SUPPORTED.iter().map(|c| c.name))
            .chain(unknown);
        let mut failures = Vec::new();
        for w in words {
            let s = format!("ALL:{w}+");
            let ours = matches!(parse_cipher_list(&s), Err(CipherStringError::Syntax { .. }));
            let theirs = !openssl(&["ciphers", "--", &s]).expect("openssl runs").0;
            let listed = parse_cipher_list(&format!("ALL:{w}")).unwrap().ignored.is_empty();
            if ours != theirs || listed != theirs {
                failures.push(format!("{w}: openssl knows it: {theirs}, we do: {ours}/{listed}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn other_cipher_names_are_openssls() {
        if !have_openssl() {
            return;
        }
        let (ok, out) = openssl(&["ciphers", "-v", "ALL:COMPLEMENTOFALL"]).unwrap();
        assert!(ok);
        let mut theirs: Vec<&str> = out
            .lines()
            .filter(|l| !l.contains("TLSv1.3"))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| !is_tls12_supported(n))
            .collect();
        let mut ours: Vec<&str> = OTHER_OPENSSL_CIPHERS.split_ascii_whitespace().collect();
        theirs.sort_unstable();
        ours.sort_unstable();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn descriptions_names_and_ids_match_openssl() {
        if !have_openssl() {
            return;
        }
        let (ok, out) = openssl(&["ciphers", "-V", "-stdname", "-v", "ALL"]).unwrap();
        assert!(ok);
        for c in SUPPORTED {
            // "          0xC0,0x2F - TLS_ECDHE_RSA_..._SHA256 - ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 ..."
            let line = out
                .lines()
                .find(|l| l.split(" - ").nth(2).is_some_and(|d| d.starts_with(&format!("{} ", c.name))))
                .unwrap_or_else(|| panic!("{} not listed by openssl", c.name));
            let parts: Vec<&str> = line.split(" - ").collect();
            assert_eq!(format!("{}\n", parts[2]), description(c), "description of {}", c.name);
            assert_eq!(parts[1].trim(), c.std_name);
            assert_eq!(parts[0].trim(), format!("0x{:02X},0x{:02X}", c.id >> 8 & 0xff, c.id & 0xff));
            // SSL_CIPHER_get_bits: both values are the n of Enc=...(n) for these suites.
            let bits: i32 = c.enc.rsplit('(').next().unwrap().trim_end_matches(')').parse().unwrap();
            let enc = parts[2].split("Enc=").nth(1).unwrap().split_whitespace().next().unwrap();
            assert_eq!(enc, c.enc);
            assert_eq!((c.strength_bits, c.alg_bits), (bits, bits), "bits of {}", c.name);
        }
        // And the default order is OpenSSL's (TLS 1.3 first).
        let (_, out) = openssl(&["ciphers", "DEFAULT"]).unwrap();
        let theirs: Vec<&str> = out.trim().split(':').filter(|n| find_by_name(n).is_some()).collect();
        let ours: Vec<&str> = SUPPORTED.iter().map(|c| c.name).collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn ciphersuites_match_openssl() {
        if !have_openssl() {
            return;
        }
        let inputs = [
            "", DEFAULT_TLS13_CIPHERSUITES, "TLS_AES_128_GCM_SHA256:FOO", "FOO",
            " TLS_AES_128_GCM_SHA256 : TLS_AES_256_GCM_SHA384 ", "TLS_AES_128_CCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_8_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", ":::", "tls_aes_128_gcm_sha256",
            "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384::TLS_AES_128_GCM_SHA256:",
            "\tTLS_CHACHA20_POLY1305_SHA256\n",
        ];
        for s in inputs {
            let (ok, out) = openssl(&["ciphers", "-s", "-tls1_3", "-ciphersuites", s]).unwrap();
            match parse_ciphersuites(s) {
                Ok(list) => {
                    assert!(ok, "{s:?}: openssl refused it: {out}");
                    let theirs: Vec<&str> = out.trim().split(':').filter(|n| find_by_name(n).is_some()).collect();
                    assert_eq!(list.names(), theirs, "{s:?}");
                }
                Err(e) => assert!(!ok && out.contains("no cipher match"), "{s:?}: {e}, openssl: {out}"),
            }
        }
    }

    #[test]
    fn ciphersuites_details() {
        assert_eq!(parse_ciphersuites("").unwrap().suites, Vec::<&CipherInfo>::new());
        let l = parse_ciphersuites(DEFAULT_TLS13_CIPHERSUITES).unwrap();
        assert_eq!(l.names(), ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"]);
        let l = parse_ciphersuites("TLS_AES_128_GCM_SHA256:BOGUS:TLS_AES_128_GCM_SHA256").unwrap();
        assert_eq!((l.names(), l.ignored), (vec!["TLS_AES_128_GCM_SHA256"], vec!["BOGUS".to_string()]));
        let l = parse_ciphersuites("TLS_AES_128_CCM_SHA256").unwrap();
        assert!(l.suites.is_empty() && l.warnings.len() == 1);
        let e = parse_ciphersuites("BOGUS").unwrap_err();
        assert_eq!(e, CipherStringError::NoCipherMatch { input: "BOGUS".into(), ignored: vec!["BOGUS".into()] });
    }

    #[test]
    fn find_functions_and_ids() {
        let c = find_by_name("ECDHE-RSA-AES128-GCM-SHA256").unwrap();
        assert_eq!(c.id, 0x0300_C02F);
        assert_eq!(c.protocol_id(), 0xC02F);
        assert_eq!(c.suite, CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        assert_eq!((c.strength_bits, c.alg_bits), (128, 128));
        assert!(std::ptr::eq(find_by_name("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").unwrap(), c));
        assert!(std::ptr::eq(find_by_id(0x0300_C02F).unwrap(), c));
        assert!(std::ptr::eq(find_by_id(0xC02F).unwrap(), c));
        assert!(std::ptr::eq(find_by_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256).unwrap(), c));
        let t = find_by_id(0x1303).unwrap();
        assert_eq!((t.name, t.id, t.version, t.strength_bits), ("TLS_CHACHA20_POLY1305_SHA256", 0x0300_1303, 0x0304, 256));
        assert_eq!(description(t), "TLS_CHACHA20_POLY1305_SHA256   TLSv1.3 Kx=any      Au=any   \
            Enc=CHACHA20/POLY1305(256) Mac=AEAD\n");
        assert_eq!(description(c), "ECDHE-RSA-AES128-GCM-SHA256    TLSv1.2 Kx=ECDH     Au=RSA   \
            Enc=AESGCM(128)            Mac=AEAD\n");
        assert!(find_by_name("ecdhe-rsa-aes128-gcm-sha256").is_none());
        assert!(find_by_name("DHE-RSA-AES128-GCM-SHA256").is_none());
        assert!(find_by_id(0x0300_009E).is_none() && find_by_id(0x0301_C02F).is_none());
        assert!(find_by_suite(CipherSuite::TLS13_AES_128_CCM_SHA256).is_none());
        for c in SUPPORTED {
            assert_eq!(u16::from(c.suite), c.protocol_id(), "{}", c.name);
            assert_eq!(c.is_tls13(), c.name.starts_with("TLS_"));
        }
    }

    #[test]
    fn supported_is_what_rustls_offers() {
        let provider = rustls::crypto::aws_lc_rs::ALL_CIPHER_SUITES;
        assert_eq!(provider.len(), SUPPORTED.len());
        for s in provider {
            let c = find_by_suite(s.suite()).expect("every provider suite is listed");
            assert_eq!(c.is_tls13(), s.version() == &rustls::version::TLS13);
        }
    }

    #[test]
    fn default_list_and_keywords() {
        let d = default_cipher_list();
        assert_eq!(d.names(), SUPPORTED.iter().filter(|c| !c.is_tls13()).map(|c| c.name).collect::<Vec<_>>());
        assert!(d.ignored.is_empty() && d.warnings.is_empty() && d.sec_level.is_none());
        // mod_ssl appends "!aNULL:!eNULL:!EXP"; EXP is unknown to OpenSSL 3.0.
        let l = parse_cipher_list("HIGH:!aNULL:!eNULL:!EXP").unwrap();
        assert_eq!((l.suites.len(), l.ignored.clone()), (6, vec!["EXP".to_string()]));
        let l = parse_cipher_list("@SECLEVEL=0:ALL@SECLEVEL=2").unwrap();
        assert_eq!(l.sec_level, Some(2));
        let l = parse_cipher_list("SUITEB128:HIGH").unwrap();
        assert_eq!((l.suite_b, l.names()), (Some("SUITEB128"), vec!["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"]));
        let l = parse_cipher_list("TLS_AES_128_GCM_SHA256:HIGH").unwrap();
        assert_eq!(l.ignored, ["TLS_AES_128_GCM_SHA256"]);
        assert_eq!(l.warnings.len(), 1);
        // Known words that select nothing of ours are not "ignored".
        assert!(parse_cipher_list(MOZILLA_INTERMEDIATE).unwrap().ignored.is_empty());
        assert_eq!(parse_cipher_list(MOZILLA_OLD).unwrap().ignored, ["DES-CBC3-SHA"]);
        // `-` only affects active suites; deleted ones are re-added at the end by ALL.
        assert_eq!(parse_cipher_list("-ECDSA:ALL").unwrap(), d);
        assert_eq!(
            parse_cipher_list("ALL:-ECDSA:ALL").unwrap().names()[3..],
            ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-GCM-SHA256"]
        );
        // ...while `+` only moves active ones, so "+ECDSA" cannot bring them back.
        assert_eq!(
            parse_cipher_list("ALL:-ECDSA:+ECDSA").unwrap().names(),
            ["ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256"]
        );
    }

    #[test]
    fn errors_name_the_bad_piece() {
        let e = parse_cipher_list("").unwrap_err();
        assert_eq!(e, CipherStringError::NoCipherMatch { input: String::new(), ignored: vec![] });
        let e = parse_cipher_list("RC4:FOO+HIGH:kRSA").unwrap_err();
        assert_eq!(e, CipherStringError::NoCipherMatch { input: "RC4:FOO+HIGH:kRSA".into(), ignored: vec!["RC4".into(), "FOO".into()] });
        assert!(e.to_string().contains("RC4, FOO"), "{e}");
        for (s, at) in [("@SECLEVEL=x", "@SECLEVEL=x"), ("HIGH:@FOO:ALL", "@FOO"), ("ALL:HIGH+", "HIGH+"),
                        ("ALL:!", "!"), ("ALL_x:HIGH", "_x"), ("HIGH:@SECLEVEL=6", "@SECLEVEL=6")] {
            let e = parse_cipher_list(s).unwrap_err();
            assert_eq!(e, CipherStringError::Syntax { input: s.into(), at: at.into() });
            assert!(e.to_string().contains(&format!("\"{at}\"")), "{e}");
        }
    }
}
