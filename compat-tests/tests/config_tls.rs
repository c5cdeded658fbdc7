//! mod_ssl configuration over rustls, part A (issue 3, items 3-5): `SSLProtocol`,
//! `SSLCipherSuite` (TLS 1.2 strings and `TLSv1.3`), `SSLHonorCipherOrder`,
//! `SSLOpenSSLConfCmd`, and configurations that must not start.
//!
//! Every test runs the same httpd configuration over the system OpenSSL (the reference) and
//! over our library ([`compare_modes`]), probes it with the same `openssl s_client` offers and
//! compares the outcomes probe by probe. Client offers stay within the suites rustls has
//! (ECDHE with AES-GCM or ChaCha20-Poly1305; TLS 1.3's three suites), so "what OpenSSL would
//! negotiate" is something we can negotiate too.
//!
//! TLS 1.2 cipher strings are probed against an RSA-only and an ECDSA-only server, so the
//! certificate cannot influence the choice (the translated order shows); the usual dual
//! RSA+ECDSA setup has its own test (`dual_certificates_cipher_choice`). Tables mark a
//! differing alert for an otherwise equal refusal `~a` where the alert is checked by
//! `no_shared_cipher_alert` instead.
//!
//! Deliberate differences (marked `~~` or asserted as such; README material):
//! * a configuration that leaves only SSLv3/TLS 1.0/TLS 1.1: OpenSSL starts and then fails
//!   every handshake; sslshim must refuse to start, naming the problem;
//! * a configuration that lets OpenSSL negotiate TLS 1.0/1.1 (mod_ssl's default
//!   `SSLProtocol all`, `all -TLSv1.3`, `MaxProtocol TLSv1.2`...): a TLS 1.0/1.1 client gets
//!   `internal_error` from OpenSSL (no signature algorithm at its security level) and
//!   `protocol_version` from sslshim;
//! * an `SSLCipherSuite` that selects only TLS 1.2 suites OpenSSL has but rustls has not
//!   (CBC, plain RSA, DHE...): OpenSSL starts; sslshim refuses to start ("no cipher match").
//!
//! Run: `CARGO_TARGET_DIR=... cargo test --release -p compat-tests --test config_tls --
//! --nocapture` (prints each comparison table). `SSLSHIM_MODE` does not apply: every test
//! runs both modes.

use compat_tests::{Mode, SClient};

mod config_common;
use config_common::*;

// The six TLS 1.2 suites rustls has.
const E256: &str = "ECDHE-ECDSA-AES256-GCM-SHA384";
const R256: &str = "ECDHE-RSA-AES256-GCM-SHA384";
const ECHA: &str = "ECDHE-ECDSA-CHACHA20-POLY1305";
const RCHA: &str = "ECDHE-RSA-CHACHA20-POLY1305";
const E128: &str = "ECDHE-ECDSA-AES128-GCM-SHA256";
const R128: &str = "ECDHE-RSA-AES128-GCM-SHA256";

/// Client order A / B (the reverse of A) of all six suites, then each suite alone.
fn tls12_probes() -> Vec<Probe<'static>> {
    const A: &str = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:\
ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-CHACHA20-POLY1305";
    const B: &str = "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:\
ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:\
ECDHE-RSA-AES128-GCM-SHA256";
    let mut v: Vec<Probe> = vec![
        ("tls1_2 all six, order A", vec!["-tls1_2", "-cipher", A]),
        ("tls1_2 all six, order B", vec!["-tls1_2", "-cipher", B]),
    ];
    for s in [E256, R256, ECHA, RCHA, E128, R128] {
        v.push((s, vec!["-tls1_2", "-cipher", s]));
    }
    v
}

// ---- 3. SSLProtocol ---------------------------------------------------------------------

fn protocol_probes() -> Vec<Probe<'static>> {
    vec![
        ("default client", vec![]),
        ("-tls1_3", vec!["-tls1_3"]),
        ("-tls1_2", vec!["-tls1_2"]),
        ("-no_tls1_3 (max 1.2)", vec!["-no_tls1_3"]),
        (
            "-no_tls1_2 (1.3, 1.1, 1.0)",
            vec!["-no_tls1_2", "-cipher", "DEFAULT@SECLEVEL=0"],
        ),
        ("-tls1_1", vec!["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]),
        ("-tls1", vec!["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]),
    ]
}

/// `SSLProtocol` settings that leave TLS 1.2 and/or 1.3: the same protocol (or the same
/// refusal) for every client.
#[test]
fn protocol_settings() {
    timed("protocol_settings", || {
        let probes = protocol_probes();
        let mut tables = Vec::new();
        for conf in [
            "SSLProtocol all -TLSv1 -TLSv1.1",
            "SSLProtocol TLSv1.3",
            "SSLProtocol TLSv1.2",
            "SSLProtocol -all +TLSv1.2",
            "SSLProtocol -all +TLSv1.2 +TLSv1.3",
            "SSLProtocol all -TLSv1.3",
            // A hole: mod_ssl takes the highest version and goes down without gaps (1.3 only).
            "SSLProtocol TLSv1.1 TLSv1.3",
        ] {
            let both = probe_both(Keys::Both, conf, &probes, proto_cipher);
            tables.push(table(conf, conf, Alerts::Exact, &both));
        }
        assert_no_diffs(&tables);
    })
}

/// `SSLProtocol` that leaves only TLS 1.0/1.1. OpenSSL 3.0 starts (mod_ssl sets the min/max
/// versions and ignores the outcome) and then fails every handshake: `protocol_version`
/// for TLS 1.2/1.3 clients, `internal_error` for TLS 1.0/1.1 ones (no signature algorithm
/// its security level allows). sslshim cannot speak TLS 1.0/1.1 at all and must refuse to
/// start, naming the problem (issue 3, item 3).
#[test]
fn protocol_legacy_only_is_startup_error() {
    timed("protocol_legacy_only_is_startup_error", || {
        let mut problems = Vec::new();
        for conf in [
            "SSLProtocol TLSv1",
            "SSLProtocol TLSv1.1",
            "SSLProtocol -all +TLSv1 +TLSv1.1",
        ] {
            let sys = builder(Mode::System, Keys::Both)
                .vhost_conf(conf)
                .try_start();
            match &sys {
                Ok(h) => {
                    let r = run_probes(h, &protocol_probes(), proto_cipher);
                    eprintln!("== {conf}: OpenSSL starts; probes:");
                    for (n, o) in &r {
                        eprintln!("   {n:<28} {o}");
                    }
                    assert!(
                        r.iter().all(|(_, o)| o.starts_with("refused")),
                        "OpenSSL reference served a client with `{conf}`: {r:?}"
                    );
                }
                Err(e) => eprintln!("== {conf}: OpenSSL does not start:\n{}", log_part(e)),
            }
            drop(sys);
            match builder(Mode::Shim, Keys::Both).vhost_conf(conf).try_start() {
                Ok(h) => {
                    let r = run_probes(&h, &protocol_probes(), proto_cipher);
                    let log = h.error_log();
                    let why: Vec<&str> = log
                        .lines()
                        .filter(|l| l.contains("SSL Library Error"))
                        .take(1)
                        .collect();
                    problems.push(format!(
                        "`{conf}`: sslshim started (expected a startup error naming the protocol \
                         setting); every client is refused at handshake time instead: {r:?}\n  \
                         first handshake error: {}",
                        why.join("")
                    ));
                }
                Err(e) => {
                    let log = log_part(&e);
                    eprintln!("-- shim refuses `{conf}`:\n{}", error_lines(&log));
                    // Only the error lines count (info lines such as AH01914 "Configuring
                    // server ... for SSL protocol" always mention "protocol").
                    let errors = log
                        .lines()
                        .filter(|l| {
                            l.contains(":emerg]") || l.contains(":error]") || l.contains("AH00526")
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                        .to_ascii_lowercase();
                    if !["protocol", "tlsv1", "tls 1.0", "tls 1.1"]
                        .iter()
                        .any(|n| errors.contains(n))
                    {
                        problems.push(format!(
                            "`{conf}`: sslshim's startup error does not name the protocol problem:\n{log}"
                        ));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    })
}

/// `SSLProtocol SSLv3` / `+SSLv2` / an unknown name are rejected by mod_ssl's parser
/// (Debian's OpenSSL has no SSLv3), whichever libssl is loaded.
#[test]
fn protocol_parse_errors() {
    timed("protocol_parse_errors", || {
        for (conf, needle) in [
            ("SSLProtocol SSLv3", "SSLv3 not supported"),
            ("SSLProtocol +SSLv2", "SSLv2 is no longer supported"),
            ("SSLProtocol TLSv1.4", "Illegal protocol 'TLSv1.4'"),
        ] {
            let r = start_both(conf, "");
            let log = assert_both_fail(conf, &r);
            assert_mentions(conf, &log, &[needle]);
        }
    })
}

// ---- 4. SSLCipherSuite / SSLHonorCipherOrder --------------------------------------------

const MOZILLA_INTERMEDIATE: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:\
ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:\
DHE-RSA-CHACHA20-POLY1305";

/// Runs `conf` with an RSA-only and an ECDSA-only server (so that the certificate cannot
/// influence the choice: only the translated cipher order can), alerts compared elsewhere.
fn per_key_tables(what: &str, conf: &str, probes: &[Probe], out: &mut Vec<(String, Vec<String>)>) {
    for keys in [Keys::Rsa, Keys::Ecdsa] {
        let both = probe_both(keys, conf, probes, proto_cipher);
        out.push(table(
            &format!("{what} [{}]", keys.name()),
            conf,
            Alerts::Elsewhere,
            &both,
        ));
    }
}

/// TLS 1.2 cipher strings in OpenSSL's language, with the server's order honoured so the
/// translated order shows: for every offer the server picks what OpenSSL picks.
#[test]
fn cipher_strings_server_order() {
    timed("cipher_strings_server_order", || {
        let probes = tls12_probes();
        let mut tables = Vec::new();
        for s in [
            "HIGH:!aNULL:!MD5",
            "ECDHE+AESGCM",
            "HIGH:!aNULL:!MD5:@STRENGTH",
            "ECDHE+AESGCM:ECDHE+CHACHA20:@STRENGTH",
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE:+AES128:!ECDHE-RSA-CHACHA20-POLY1305",
            "ECDHE:-AESGCM:ECDHE+AES256",
            "aECDSA+AESGCM:aRSA+CHACHA20",
            "kECDHE+AESGCM:!AES256:+aECDSA",
            "HIGH:!aNULL:NOSUCHKEYWORD",
            MOZILLA_INTERMEDIATE,
        ] {
            let conf = format!("SSLHonorCipherOrder on\nSSLCipherSuite {s}");
            per_key_tables(
                &format!("SSLCipherSuite {s} (honor order)"),
                &conf,
                &probes,
                &mut tables,
            );
        }
        assert_no_diffs(&tables);
    })
}

/// mod_ssl's default cipher list and Mozilla's intermediate setup in client order (the
/// default `SSLHonorCipherOrder off`), and Mozilla's modern (TLS 1.3 only) setup.
#[test]
fn cipher_strings_client_order_and_mozilla() {
    timed("cipher_strings_client_order_and_mozilla", || {
        let mut probes = tls12_probes();
        probes.push(("default client", vec![]));
        probes.push((
            "-tls1_3 AES128 only",
            vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"],
        ));
        let mut tables = Vec::new();
        for (what, conf) in [
            ("mod_ssl default (no SSLCipherSuite)", String::new()),
            (
                "Mozilla intermediate",
                format!(
                    "SSLProtocol -all +TLSv1.2 +TLSv1.3\nSSLCipherSuite {MOZILLA_INTERMEDIATE}\n\
                     SSLHonorCipherOrder off\nSSLSessionTickets off"
                ),
            ),
            (
                "Mozilla modern",
                "SSLProtocol -all +TLSv1.3\nSSLHonorCipherOrder off\nSSLSessionTickets off".into(),
            ),
        ] {
            per_key_tables(what, &conf, &probes, &mut tables);
        }
        assert_no_diffs(&tables);
    })
}

/// With both an RSA and an ECDSA certificate (the usual dual setup), OpenSSL chooses the
/// cipher first (client or server order) and then the certificate that suite needs; in TLS
/// 1.2 it also skips an ECDSA certificate whose curve the client did not list in
/// supported_groups (RFC 8422 5.1).
#[test]
fn dual_certificates_cipher_choice() {
    timed("dual_certificates_cipher_choice", || {
        let mut probes: Vec<Probe> = vec![
            (
                "1.2 client RSA-CHACHA then ECDSA-AES256",
                vec![
                    "-tls1_2",
                    "-cipher",
                    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384",
                ],
            ),
            (
                "1.2 client ECDSA-AES128 then RSA-AES256",
                vec![
                    "-tls1_2",
                    "-cipher",
                    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
                ],
            ),
            (
                "1.2 client groups X25519 only",
                vec![
                    "-tls1_2",
                    "-groups",
                    "X25519",
                    "-cipher",
                    "ECDHE+AESGCM:ECDHE+CHACHA20",
                ],
            ),
            (
                "1.2 client groups X25519:P-384",
                vec![
                    "-tls1_2",
                    "-groups",
                    "X25519:P-384",
                    "-cipher",
                    "ECDHE+AESGCM:ECDHE+CHACHA20",
                ],
            ),
            (
                "1.3 client groups X25519 only",
                vec!["-tls1_3", "-groups", "X25519"],
            ),
        ];
        probes.extend(tls12_probes().into_iter().take(2));
        let mut tables = Vec::new();
        for conf in [
            "",
            "SSLHonorCipherOrder on\nSSLCipherSuite ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE+AESGCM",
            &format!("SSLProtocol -all +TLSv1.2 +TLSv1.3\nSSLCipherSuite {MOZILLA_INTERMEDIATE}"),
        ] {
            let both = probe_both(Keys::Both, conf, &probes, proto_cipher);
            let what = if conf.is_empty() { "(default)" } else { conf };
            tables.push(table(
                &format!("{what} [RSA+ECDSA certs]"),
                conf,
                Alerts::Elsewhere,
                &both,
            ));
        }
        assert_no_diffs(&tables);
    })
}

/// `SSLHonorCipherOrder`: the client offers two suites in some order; with `on` the server's
/// order wins, with `off` the client's, for TLS 1.2 (`SSLCipherSuite`) and TLS 1.3
/// (`SSLCipherSuite TLSv1.3`) alike.
#[test]
fn honor_cipher_order() {
    timed("honor_cipher_order", || {
        let probes: Vec<Probe> = vec![
            (
                "1.2 client AES128 then AES256",
                vec![
                    "-tls1_2",
                    "-cipher",
                    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
                ],
            ),
            (
                "1.2 client AES256 then AES128",
                vec![
                    "-tls1_2",
                    "-cipher",
                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256",
                ],
            ),
            (
                "1.2 client CHACHA then AES128",
                vec![
                    "-tls1_2",
                    "-cipher",
                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256",
                ],
            ),
            (
                "1.3 client AES128 then CHACHA",
                vec![
                    "-tls1_3",
                    "-ciphersuites",
                    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
                ],
            ),
            (
                "1.3 client CHACHA then AES128",
                vec![
                    "-tls1_3",
                    "-ciphersuites",
                    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
                ],
            ),
            (
                "1.3 client AES128 then AES256",
                vec![
                    "-tls1_3",
                    "-ciphersuites",
                    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
                ],
            ),
        ];
        let mut tables = Vec::new();
        for honor in ["on", "off"] {
            let conf = format!(
                "SSLHonorCipherOrder {honor}\n\
                 SSLCipherSuite ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256\n\
                 SSLCipherSuite TLSv1.3 TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"
            );
            let both = probe_both(Keys::Ecdsa, &conf, &probes, proto_cipher);
            // The expectation, independent of either library.
            if let Ok(sys) = &both.system {
                let got = |i: usize| sys[i].1.clone();
                if honor == "on" {
                    assert!(
                        got(0).ends_with(E256) && got(1).ends_with(E256) && got(2).ends_with(ECHA),
                        "reference: {sys:?}"
                    );
                    assert!(
                        got(3).ends_with("TLS_CHACHA20_POLY1305_SHA256"),
                        "reference: {sys:?}"
                    );
                    assert!(
                        got(5).ends_with("TLS_AES_256_GCM_SHA384"),
                        "reference: {sys:?}"
                    );
                } else {
                    assert!(
                        got(0).ends_with(E128) && got(1).ends_with(E256) && got(2).ends_with(ECHA),
                        "reference: {sys:?}"
                    );
                    assert!(
                        got(3).ends_with("TLS_AES_128_GCM_SHA256"),
                        "reference: {sys:?}"
                    );
                    assert!(
                        got(5).ends_with("TLS_AES_128_GCM_SHA256"),
                        "reference: {sys:?}"
                    );
                }
            }
            tables.push(table(
                &format!("SSLHonorCipherOrder {honor} [ECDSA cert]"),
                &conf,
                Alerts::Exact,
                &both,
            ));
        }
        assert_no_diffs(&tables);
    })
}

/// `SSLCipherSuite TLSv1.3 ...` (`SSL_CTX_set_ciphersuites`).
#[test]
fn tls13_ciphersuites() {
    timed("tls13_ciphersuites", || {
        let probes: Vec<Probe> = vec![
            ("-tls1_3 default offer", vec!["-tls1_3"]),
            (
                "-tls1_3 AES256 only",
                vec!["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
            ),
            (
                "-tls1_3 CHACHA only",
                vec!["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
            ),
            (
                "-tls1_3 AES128 only",
                vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"],
            ),
            ("-tls1_2 default offer", vec!["-tls1_2"]),
        ];
        let mut tables = Vec::new();
        for conf in [
            "SSLCipherSuite TLSv1.3 TLS_AES_128_GCM_SHA256",
            "SSLCipherSuite TLSv1.3 TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
            // OpenSSL's list parser skips names it does not know.
            "SSLCipherSuite TLSv1.3 TLS_NO_SUCH_SUITE:TLS_AES_256_GCM_SHA384",
            // CCM is known to OpenSSL (not in its default list); rustls has no CCM.
            "SSLCipherSuite TLSv1.3 TLS_AES_128_CCM_SHA256:TLS_AES_256_GCM_SHA384",
        ] {
            let both = probe_both(Keys::Both, conf, &probes, proto_cipher);
            tables.push(table(conf, conf, Alerts::Elsewhere, &both));
        }
        assert_no_diffs(&tables);
    })
}

/// No suite in common: OpenSSL sends `handshake_failure` (40) ("no shared cipher"), for TLS
/// 1.2 and TLS 1.3, with one certificate or two.
#[test]
fn no_shared_cipher_alert() {
    timed("no_shared_cipher_alert", || {
        let probes: Vec<Probe> = vec![
            (
                "1.2 client RSA-CHACHA only",
                vec!["-tls1_2", "-cipher", RCHA],
            ),
            (
                "1.2 client ECDSA-AES128 only",
                vec!["-tls1_2", "-cipher", E128],
            ),
            (
                "1.3 client CHACHA only",
                vec!["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
            ),
        ];
        let conf = "SSLCipherSuite ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384\n\
                    SSLCipherSuite TLSv1.3 TLS_AES_256_GCM_SHA384";
        let mut tables = Vec::new();
        for keys in [Keys::Both, Keys::Rsa] {
            let both = probe_both(keys, conf, &probes, proto_cipher);
            if let Ok(sys) = &both.system {
                assert!(
                    sys.iter().all(|(_, o)| o == "refused (alert 40)"),
                    "reference: {sys:?}"
                );
            }
            tables.push(table(
                &format!("{conf} [{}]", keys.name()),
                conf,
                Alerts::Exact,
                &both,
            ));
        }
        assert_no_diffs(&tables);
    })
}

/// Cipher strings that select nothing: an unknown keyword is a startup error with OpenSSL
/// too ("no cipher match", AH01898); a string of suites OpenSSL has but rustls has not
/// starts with OpenSSL and must be a startup error with sslshim (deliberate difference).
#[test]
fn cipher_strings_without_usable_suite() {
    timed("cipher_strings_without_usable_suite", || {
        for conf in [
            "SSLCipherSuite NOSUCHKEYWORD",
            "SSLCipherSuite !ALL:FOO-BAR",
        ] {
            let r = start_both(conf, "");
            let log = assert_both_fail(conf, &r);
            assert_mentions(conf, &log, &["AH01898"]);
            assert_mentions(conf, &log, &["no cipher match"]);
        }
        let mut problems = Vec::new();
        for conf in [
            "SSLCipherSuite AES128-SHA:AES256-SHA",
            "SSLCipherSuite DHE-RSA-AES128-GCM-SHA256",
            "SSLCipherSuite ECDHE-RSA-AES128-SHA256:AES128-GCM-SHA256",
        ] {
            let sys = builder(Mode::System, Keys::Both)
                .vhost_conf(conf)
                .try_start();
            match &sys {
                Ok(h) => eprintln!(
                    "== {conf}: OpenSSL starts, TLS 1.2 client: {}",
                    proto_cipher(&s_client(h, &["-tls1_2"]))
                ),
                Err(e) => eprintln!("== {conf}: OpenSSL does not start:\n{}", log_part(e)),
            }
            drop(sys);
            match builder(Mode::Shim, Keys::Both).vhost_conf(conf).try_start() {
                Ok(h) => problems.push(format!(
                    "`{conf}`: sslshim started although no TLS 1.2 suite it has is selected; \
                     TLS 1.2 client: {}; TLS 1.3 client: {}",
                    proto_cipher(&s_client(&h, &["-tls1_2"])),
                    proto_cipher(&s_client(&h, &["-tls1_3"]))
                )),
                Err(e) => {
                    let log = log_part(&e);
                    eprintln!("-- shim refuses `{conf}`:\n{}", error_lines(&log));
                    if !log.contains("AH01898") {
                        problems.push(format!("`{conf}`: expected mod_ssl's AH01898:\n{log}"));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    })
}

// ---- 5. SSLOpenSSLConfCmd ----------------------------------------------------------------

/// `Curves`/`Groups`: the negotiated group ("Server Temp Key") for TLS 1.3 (with and without
/// a HelloRetryRequest) and TLS 1.2, for several client offers (RSA certificate, so that
/// the group cannot influence the certificate).
#[test]
fn ssl_conf_groups() {
    timed("ssl_conf_groups", || {
        const EC12: &str = "ECDHE+AESGCM:ECDHE+CHACHA20";
        let probes: Vec<Probe> = vec![
            ("1.3 default client (share X25519)", vec!["-tls1_3"]),
            ("1.2 default groups", vec!["-tls1_2", "-cipher", EC12]),
            (
                "1.3 client P-256:P-384",
                vec!["-tls1_3", "-groups", "P-256:P-384"],
            ),
            (
                "1.3 client P-384:X25519",
                vec!["-tls1_3", "-groups", "P-384:X25519"],
            ),
            (
                "1.3 client P-256:X25519:P-384",
                vec!["-tls1_3", "-groups", "P-256:X25519:P-384"],
            ),
            (
                "1.2 client P-384:P-256:X25519",
                vec!["-tls1_2", "-groups", "P-384:P-256:X25519", "-cipher", EC12],
            ),
            (
                "1.2 client X25519",
                vec!["-tls1_2", "-groups", "X25519", "-cipher", EC12],
            ),
        ];
        let mut tables = Vec::new();
        for conf in [
            "SSLOpenSSLConfCmd Curves X25519",
            "SSLOpenSSLConfCmd Groups P-256",
            "SSLOpenSSLConfCmd Groups P-384",
            "SSLOpenSSLConfCmd Groups P-384:X25519",
            "SSLOpenSSLConfCmd Curves secp384r1:prime256v1",
            "SSLOpenSSLConfCmd Groups P-384:P-256:X25519\nSSLOpenSSLConfCmd Options ServerPreference",
        ] {
            let both = probe_both(Keys::Rsa, conf, &probes, proto_group);
            tables.push(table(
                &format!("{conf} [RSA cert]"),
                conf,
                Alerts::Exact,
                &both,
            ));
        }
        assert_no_diffs(&tables);
    })
}

/// `MinProtocol`/`MaxProtocol`, `Ciphersuites`, `CipherString`, `Options ServerPreference`.
#[test]
fn ssl_conf_protocols_and_ciphers() {
    timed("ssl_conf_protocols_and_ciphers", || {
        let mut tables = Vec::new();
        let proto = protocol_probes();
        for conf in [
            "SSLOpenSSLConfCmd MinProtocol TLSv1.3",
            "SSLOpenSSLConfCmd MaxProtocol TLSv1.2",
            "SSLProtocol -all +TLSv1.3\nSSLOpenSSLConfCmd MinProtocol TLSv1.2",
            "SSLOpenSSLConfCmd Protocol -ALL,TLSv1.2",
        ] {
            let both = probe_both(Keys::Both, conf, &proto, proto_cipher);
            tables.push(table(conf, conf, Alerts::Exact, &both));
        }
        let mut ciph = tls12_probes();
        ciph.push(("-tls1_3 default offer", vec!["-tls1_3"]));
        ciph.push((
            "-tls1_3 AES128 then CHACHA",
            vec![
                "-tls1_3",
                "-ciphersuites",
                "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
            ],
        ));
        for conf in [
            "SSLOpenSSLConfCmd Ciphersuites TLS_CHACHA20_POLY1305_SHA256",
            "SSLOpenSSLConfCmd CipherString ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256",
            "SSLCipherSuite ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE+AESGCM\n\
             SSLOpenSSLConfCmd Options ServerPreference",
            "SSLOpenSSLConfCmd Options ServerPreference\n\
             SSLOpenSSLConfCmd Ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
        ] {
            per_key_tables(conf, conf, &ciph, &mut tables);
        }
        assert_no_diffs(&tables);
    })
}

/// TLS 1.2: does the server issue a session ticket ("TLS session ticket lifetime hint")?
fn ticket(s: &SClient) -> String {
    if !s.handshake_ok() {
        return format!("refused ({})", alert_of(s));
    }
    let hint = s.out.stdout.contains("TLS session ticket lifetime hint");
    format!("{} ticket={hint}", s.protocol.as_deref().unwrap_or("?"))
}

/// `Options -SessionTicket` (and `SessionTicket` back on over mod_ssl's own
/// `SSLSessionTickets off`): TLS 1.2 clients get a ticket exactly when OpenSSL gives one.
#[test]
fn ssl_conf_session_ticket_option() {
    timed("ssl_conf_session_ticket_option", || {
        let probes: Vec<Probe> = vec![("-tls1_2", vec!["-tls1_2"])];
        let mut tables = Vec::new();
        for conf in [
            "",
            "SSLOpenSSLConfCmd Options -SessionTicket",
            "SSLSessionTickets off",
            "SSLSessionTickets off\nSSLOpenSSLConfCmd Options SessionTicket",
        ] {
            let both = probe_both(Keys::Both, conf, &probes, ticket);
            if let (Ok(sys), "SSLOpenSSLConfCmd Options -SessionTicket") = (&both.system, conf) {
                assert_eq!(sys[0].1, "TLSv1.2 ticket=false", "reference");
            }
            tables.push(table(
                if conf.is_empty() { "(default)" } else { conf },
                conf,
                Alerts::Exact,
                &both,
            ));
        }
        assert_no_diffs(&tables);
    })
}

/// Unknown commands and wrong values: both refuse to start; the shim says why.
#[test]
fn ssl_conf_bad_commands_are_startup_errors() {
    timed("ssl_conf_bad_commands_are_startup_errors", || {
        // Rejected by mod_ssl's parser (SSL_CONF_cmd_value_type says unknown).
        for conf in [
            "SSLOpenSSLConfCmd NoSuchCommand foo",
            "SSLOpenSSLConfCmd ECDHParameterz auto",
        ] {
            let r = start_both(conf, "");
            let log = assert_both_fail(conf, &r);
            assert_mentions(conf, &log, &["invalid OpenSSL configuration command"]);
        }
        // Known command, wrong value: SSL_CONF_cmd fails at startup (AH02407), with the
        // library's reason on the following lines.
        let mut problems = Vec::new();
        for conf in [
            "SSLOpenSSLConfCmd Curves NoSuchCurve",
            "SSLOpenSSLConfCmd Groups X25519:P-999",
            "SSLOpenSSLConfCmd MinProtocol TLSv9",
            "SSLOpenSSLConfCmd MaxProtocol banana",
            "SSLOpenSSLConfCmd Options Frobnicate",
            "SSLOpenSSLConfCmd CipherString NOSUCHCIPHER",
            "SSLOpenSSLConfCmd Protocol -ALL,TLSv7",
            "SSLOpenSSLConfCmd NumTickets -1",
            // Unknown names are skipped, and then no TLS 1.3 suite is left.
            "SSLOpenSSLConfCmd Ciphersuites TLS_NO_SUCH_SUITE",
        ] {
            let r = start_both(conf, "");
            let log = assert_both_fail(conf, &r);
            assert_mentions(conf, &log, &["AH02407"]);
            let why = log.lines().any(|l| l.contains("SSL Library Error"));
            if !why {
                problems.push(format!(
                    "[{conf}] no library reason after AH02407:\n{}",
                    error_lines(&log)
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    })
}

/// Values OpenSSL accepts although they look wrong: `NumTickets many` / `2x` (OpenSSL's
/// `cmd_NumTickets` uses `atoi`: 0 and 2).
#[test]
fn ssl_conf_values_openssl_tolerates() {
    timed("ssl_conf_values_openssl_tolerates", || {
        let probes: Vec<Probe> = vec![("-tls1_3", vec!["-tls1_3"]), ("-tls1_2", vec!["-tls1_2"])];
        let mut tables = Vec::new();
        for conf in [
            "SSLOpenSSLConfCmd NumTickets many",
            "SSLOpenSSLConfCmd NumTickets 2x",
        ] {
            let both = probe_both(Keys::Both, conf, &probes, proto_cipher);
            tables.push(table(conf, conf, Alerts::Exact, &both));
        }
        assert_no_diffs(&tables);
    })
}

/// DH parameters, the two ways mod_ssl takes them: `DH PARAMETERS` appended to the
/// `SSLCertificateFile` (mod_ssl calls `SSL_CTX_set0_tmp_dh_pkey`) and `SSLOpenSSLConfCmd
/// DHParameters`. OpenSSL then also negotiates DHE suites; rustls has no finite-field DHE,
/// so sslshim starts, logs one warning naming the setting, and serves ECDHE and TLS 1.3
/// exactly as OpenSSL does; a client offering only DHE is refused (deliberate difference).
#[test]
fn dh_parameters_warn_and_fall_back_to_ecdhe() {
    timed("dh_parameters_warn_and_fall_back_to_ecdhe", || {
        let dir = compat_tests::TempDir::new("sslshim-dh-").expect("temp dir");
        let dh = dir.path().join("dh.pem");
        let mut cmd = compat_tests::clients::client_command("openssl");
        cmd.args(["genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out"]).arg(&dh);
        compat_tests::proc::run(cmd, None, std::time::Duration::from_secs(30)).assert_success();
        let rsa = compat_tests::certs().rsa.clone();
        let with_dh = dir.path().join("server-rsa+dh.crt");
        let text = std::fs::read_to_string(&rsa.cert).unwrap() + &std::fs::read_to_string(&dh).unwrap();
        std::fs::write(&with_dh, text).unwrap();
        for p in [dir.path(), dh.as_path(), with_dh.as_path()] {
            use std::os::unix::fs::PermissionsExt;
            let mode = if p.is_dir() { 0o755 } else { 0o644 };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let conf_cmd = format!("SSLOpenSSLConfCmd DHParameters \"{}\"", dh.display());
        let cases: Vec<(&str, Vec<compat_tests::certs::CertKey>, String)> = vec![
            ("DH PARAMETERS in SSLCertificateFile", vec![compat_tests::certs::CertKey { cert: with_dh.clone(), key: rsa.key.clone() }], String::new()),
            ("SSLOpenSSLConfCmd DHParameters", vec![rsa.clone()], conf_cmd),
        ];
        const DHE: &str = "DHE-RSA-AES128-GCM-SHA256";
        for (what, certs, conf) in cases {
            let both = compat_tests::compare_modes(|mode| {
                let h = builder(mode, Keys::Rsa).server_certs(certs.clone()).vhost_conf(&conf).start();
                let ecdhe = proto_cipher(&s_client(&h, &["-tls1_2", "-cipher", R128]));
                let tls13 = proto_cipher(&s_client(&h, &["-tls1_3"]));
                let dhe = s_client(&h, &["-tls1_2", "-cipher", DHE]);
                let warnings = h.error_log().lines().filter(|l| l.contains("DH parameters ignored")).count();
                (ecdhe, tls13, dhe.handshake_ok().then(|| dhe.cipher.clone().unwrap_or_default()), warnings, h.diagnostics())
            });
            let (s, o) = (&both.shim, &both.system);
            eprintln!("== {what}\n  system: {} | {} | DHE {:?}\n  shim:   {} | {} | DHE {:?} | warnings {}", o.0, o.1, o.2, s.0, s.1, s.2, s.3);
            assert_eq!((&s.0, &s.1), (&o.0, &o.1), "[{what}] ECDHE/TLS 1.3 differ from OpenSSL\n{}", s.4);
            assert_eq!(o.2.as_deref(), Some(DHE), "[{what}] OpenSSL reference did not negotiate DHE (test expectation wrong?)\n{}", o.4);
            assert_eq!(s.2, None, "[{what}] sslshim negotiated a DHE suite?\n{}", s.4);
            assert_eq!(s.3, 1, "[{what}] sslshim should log the DH warning once\n{}", s.4);
            assert_eq!(o.3, 0, "[{what}] OpenSSL logs no such warning\n{}", o.4);
        }
    })
}
