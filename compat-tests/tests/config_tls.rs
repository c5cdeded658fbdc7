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
//! Deliberate differences (asserted as such, listed in the README):
//! * a configuration that leaves only SSLv3/TLS 1.0/TLS 1.1: OpenSSL starts and then fails
//!   every handshake; sslshim refuses to start, naming the problem;
//! * an `SSLCipherSuite` that selects TLS 1.2 suites OpenSSL has but rustls has not (CBC,
//!   plain RSA, DHE...): OpenSSL starts; sslshim refuses to start ("no cipher match").
//!
//! `--nocapture` prints each comparison table.

use compat_tests::{BothModes, Httpd, HttpdBuilder, Mode, SClient, StartError, compare_modes};
use std::time::Instant;

// ---- helpers -----------------------------------------------------------------------------

/// Which server certificates the main vhost has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keys {
    /// The harness default: RSA and ECDSA `localhost` (OpenSSL picks the certificate that
    /// fits the cipher it chose).
    Both,
    /// RSA only: only the `ECDHE-RSA-*` suites can be negotiated.
    Rsa,
    /// ECDSA (P-256) only: only the `ECDHE-ECDSA-*` suites.
    Ecdsa,
}

impl Keys {
    fn name(self) -> &'static str {
        match self {
            Keys::Both => "RSA+ECDSA certs",
            Keys::Rsa => "RSA cert",
            Keys::Ecdsa => "ECDSA cert",
        }
    }
}

/// The server every probe test uses: one child process, handshake failures logged (`info`).
fn builder(mode: Mode, keys: Keys) -> HttpdBuilder {
    let b = Httpd::builder().mode(mode).start_servers(1).log_level("info");
    let c = compat_tests::certs();
    match keys {
        Keys::Both => b,
        Keys::Rsa => b.server_certs(vec![c.rsa.clone()]),
        Keys::Ecdsa => b.server_certs(vec![c.ecdsa.clone()]),
    }
}

/// `openssl s_client` towards the server with `-servername localhost` (harness default).
fn s_client(h: &Httpd, args: &[&str]) -> SClient {
    h.s_client(args, b"")
}

/// The alert a refused `s_client` reports: `alert 40` from "SSL alert number 40".
fn alert_of(s: &SClient) -> String {
    let all = format!("{}\n{}", s.out.stdout, s.out.stderr);
    if let Some(i) = all.find("SSL alert number ") {
        let n: String = all[i + 17..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        return format!("alert {n}");
    }
    if all.contains("unexpected eof") || all.contains("errno=104") || all.contains("Connection reset") {
        return "closed, no alert".into();
    }
    "no alert".into()
}

/// One line per probe: protocol + cipher, or how it was refused.
fn proto_cipher(s: &SClient) -> String {
    if s.handshake_ok() {
        format!(
            "{} {}",
            s.protocol.as_deref().unwrap_or("?"),
            s.cipher.as_deref().unwrap_or("?")
        )
    } else {
        format!("refused ({})", alert_of(s))
    }
}

/// Protocol + cipher + the ephemeral key ("Server Temp Key").
fn proto_group(s: &SClient) -> String {
    if s.handshake_ok() {
        format!(
            "{} {} temp key [{}]",
            s.protocol.as_deref().unwrap_or("?"),
            s.cipher.as_deref().unwrap_or("?"),
            s.temp_key.as_deref().unwrap_or("none")
        )
    } else {
        format!("refused ({})", alert_of(s))
    }
}

type Probe<'a> = (&'a str, Vec<&'a str>);

/// Runs every probe (two at a time) and summarises each with `f`.
fn run_probes(h: &Httpd, probes: &[Probe], f: fn(&SClient) -> String) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), String::new()); probes.len()];
    for (chunk_i, chunk) in probes.chunks(2).enumerate() {
        std::thread::scope(|sc| {
            let hs: Vec<_> = chunk
                .iter()
                .map(|(name, args)| {
                    sc.spawn(move || (name.to_string(), f(&s_client(h, args))))
                })
                .collect();
            for (j, t) in hs.into_iter().enumerate() {
                out[chunk_i * 2 + j] = t.join().unwrap();
            }
        });
    }
    out
}

/// Starts the configuration in both modes and runs the same probes against each.
/// `Err` holds the error log of a server that did not start.
fn probe_both(
    keys: Keys,
    conf: &str,
    probes: &[Probe],
    f: fn(&SClient) -> String,
) -> BothModes<Result<Vec<(String, String)>, String>> {
    compare_modes(|mode| {
        let h = builder(mode, keys).vhost_conf(conf).try_start().map_err(|e| log_part(&e))?;
        let r = run_probes(&h, probes, f);
        let bad = h.error_log_unexpected(&[]);
        assert!(
            bad.is_empty(),
            "[{mode}] `{conf}`: unexpected error-log lines:\n{}\n{}",
            bad.join("\n"),
            h.diagnostics()
        );
        Ok(r)
    })
}

/// How strictly [`table`] compares refusals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Alerts {
    /// The alert must be the same too.
    Exact,
    /// Only "refused" must match; a different alert is shown (`~a`) but not counted here
    /// (the alert is checked by a dedicated test: `no_shared_cipher_alert`).
    Elsewhere,
}

fn strip_alert(o: &str) -> &str {
    if o.starts_with("refused") { "refused" } else { o }
}

/// The table of a comparison, and the probes whose outcomes differ.
fn table(
    what: &str,
    conf: &str,
    alerts: Alerts,
    both: &BothModes<Result<Vec<(String, String)>, String>>,
) -> (String, Vec<String>) {
    let mut t = format!("== {what}\n");
    let mut diffs = Vec::new();
    match (&both.system, &both.shim) {
        (Ok(sys), Ok(shim)) => {
            for ((name, a), (_, b)) in sys.iter().zip(shim) {
                let alert_only = alerts == Alerts::Elsewhere && a != b && strip_alert(a) == strip_alert(b);
                let accepted = if a == b || alert_only { None } else { deliberate(conf, a, b) };
                let mark = match (a == b, alert_only, accepted) {
                    (true, _, _) => "  ",
                    (false, true, _) => "~a",
                    (false, false, Some(_)) => "~~",
                    (false, false, None) => "!!",
                };
                t.push_str(&format!("{mark} {name:<34} system: {a:<52} shim: {b}\n"));
                if let Some(why) = accepted {
                    t.push_str(&format!("     (deliberate: {why})\n"));
                } else if a != b && !alert_only {
                    diffs.push(format!("[{what}] {name}: system `{a}`, shim `{b}`"));
                }
            }
        }
        (sys, shim) => {
            let show = |r: &Result<Vec<(String, String)>, String>| match r {
                Ok(_) => "started".to_string(),
                Err(log) => format!("did not start:\n{log}"),
            };
            let line = format!(
                "[{what}] startup differs: system {}, shim {}",
                show(sys),
                show(shim)
            );
            t.push_str(&line);
            if sys.is_ok() != shim.is_ok() || sys.is_ok() {
                diffs.push(line);
            }
        }
    }
    (t, diffs)
}

/// Differences that are deliberate (README): `Some(reason)`.
///
/// * The configuration lets OpenSSL negotiate TLS 1.0/1.1 (mod_ssl's lowest version is 1.0
///   or 1.1): OpenSSL picks that version for a client that offers it and then fails with
///   `internal_error` ("no suitable signature algorithm": SHA-1 is below its security
///   level); sslshim has no TLS 1.0/1.1 and answers `protocol_version`.
fn deliberate(conf: &str, sys: &str, shim: &str) -> Option<&'static str> {
    if sys == "refused (alert 80)" && shim == "refused (alert 70)" && legacy_enabled(conf) {
        return Some("OpenSSL negotiates TLS 1.0/1.1 and fails (internal_error); sslshim: protocol_version");
    }
    None
}

/// Does this configuration leave TLS 1.0 or 1.1 on in OpenSSL? mod_ssl's rule: the highest
/// configured version, then down without gaps; `SSLOpenSSLConfCmd MinProtocol` overrides.
fn legacy_enabled(conf: &str) -> bool {
    // mod_ssl's default: all but SSLv3.
    let mut set = [true; 4]; // TLSv1, TLSv1.1, TLSv1.2, TLSv1.3
    let mut min_override = None;
    for line in conf.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("SSLProtocol ") {
            set = [false; 4];
            for w in rest.split_whitespace() {
                let (on, name) = match w.as_bytes()[0] {
                    b'-' => (false, &w[1..]),
                    b'+' => (true, &w[1..]),
                    _ => (true, w),
                };
                let idx: &[usize] = match name {
                    "all" => &[0, 1, 2, 3],
                    "TLSv1" => &[0],
                    "TLSv1.1" => &[1],
                    "TLSv1.2" => &[2],
                    "TLSv1.3" => &[3],
                    _ => &[],
                };
                for &i in idx {
                    set[i] = on;
                }
            }
        }
        if let Some(v) = line.strip_prefix("SSLOpenSSLConfCmd MinProtocol ") {
            min_override = Some(v.trim() == "TLSv1" || v.trim() == "TLSv1.1");
        }
    }
    if let Some(m) = min_override {
        return m;
    }
    let Some(max) = (0..4).rev().find(|&i| set[i]) else { return false };
    let mut min = max;
    while min > 0 && set[min - 1] {
        min -= 1;
    }
    min <= 1
}

/// The error output of a failed start: apache2's stderr and error.log, without the config.
fn log_part(e: &StartError) -> String {
    let log = e.log();
    log.split("\n--- config ").next().unwrap_or(log).to_string()
}

/// Asserts that no probe differs; prints every table.
#[track_caller]
fn assert_no_diffs(tables: &[(String, Vec<String>)]) {
    let mut all = Vec::new();
    for (t, d) in tables {
        eprintln!("{t}");
        all.extend(d.iter().cloned());
    }
    assert!(
        all.is_empty(),
        "{} probe(s) differ between OpenSSL and sslshim:\n{}\n\n{}",
        all.len(),
        all.join("\n"),
        tables.iter().map(|t| t.0.as_str()).collect::<String>()
    );
}

/// Both modes with `conf` in the main vhost (and `global` after it): the start results.
fn start_both(conf: &str, global: &str) -> BothModes<Result<Httpd, StartError>> {
    compare_modes(|mode| builder(mode, Keys::Both).vhost_conf(conf).global_conf(global).try_start())
}

/// Asserts both modes failed to start; returns the shim's error output.
#[track_caller]
fn assert_both_fail(what: &str, r: &BothModes<Result<Httpd, StartError>>) -> String {
    let show = |m: Mode| match r.get(m) {
        Ok(h) => format!("{m}: started\n{}", h.diagnostics()),
        Err(e) => format!("{m}: failed:\n{}", log_part(e)),
    };
    assert!(
        r.system.is_err(),
        "[{what}] OpenSSL reference started (test expectation wrong?)\n{}",
        show(Mode::System)
    );
    assert!(
        r.shim.is_err(),
        "[{what}] sslshim started but OpenSSL refused to:\n{}\n\n{}",
        show(Mode::System),
        show(Mode::Shim)
    );
    let log = log_part(r.shim.as_ref().err().unwrap());
    eprintln!(
        "== {what}\n-- system --\n{}\n-- shim --\n{}",
        error_lines(&log_part(r.system.as_ref().err().unwrap())),
        error_lines(&log)
    );
    log
}

/// Lines of a startup log that say something went wrong (skips the section markers).
fn error_lines(log: &str) -> String {
    log.lines()
        .filter(|l| !l.starts_with("--- ") && !l.trim().is_empty())
        .filter(|l| !l.contains(":info]") && !l.contains(":debug]") && !l.contains(":notice]"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn assert_mentions(what: &str, log: &str, needles: &[&str]) {
    let lower = log.to_ascii_lowercase();
    assert!(
        needles.iter().any(|n| lower.contains(&n.to_ascii_lowercase())),
        "[{what}] the shim's startup error does not mention any of {needles:?}:\n{log}"
    );
}

fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    eprintln!("{name}: {:.1?}", t.elapsed());
    r
}

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
        ("-no_tls1_2 (1.3, 1.1, 1.0)", vec!["-no_tls1_2", "-cipher", "DEFAULT@SECLEVEL=0"]),
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
        for conf in ["SSLProtocol TLSv1", "SSLProtocol TLSv1.1", "SSLProtocol -all +TLSv1 +TLSv1.1"] {
            let sys = builder(Mode::System, Keys::Both).vhost_conf(conf).try_start();
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
                    let why: Vec<&str> = log.lines().filter(|l| l.contains("SSL Library Error")).take(1).collect();
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
                    let lower = log.to_ascii_lowercase();
                    if !["protocol", "tlsv1", "tls 1.0", "tls 1.1"].iter().any(|n| lower.contains(n)) {
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
        out.push(table(&format!("{what} [{}]", keys.name()), conf, Alerts::Elsewhere, &both));
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
            per_key_tables(&format!("SSLCipherSuite {s} (honor order)"), &conf, &probes, &mut tables);
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
        probes.push(("-tls1_3 AES128 only", vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"]));
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
            ("Mozilla modern", "SSLProtocol -all +TLSv1.3\nSSLHonorCipherOrder off\nSSLSessionTickets off".into()),
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
            ("1.2 client RSA-CHACHA then ECDSA-AES256", vec!["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384"]),
            ("1.2 client ECDSA-AES128 then RSA-AES256", vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"]),
            ("1.2 client groups X25519 only", vec!["-tls1_2", "-groups", "X25519", "-cipher", "ECDHE+AESGCM:ECDHE+CHACHA20"]),
            ("1.2 client groups X25519:P-384", vec!["-tls1_2", "-groups", "X25519:P-384", "-cipher", "ECDHE+AESGCM:ECDHE+CHACHA20"]),
            ("1.3 client groups X25519 only", vec!["-tls1_3", "-groups", "X25519"]),
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
            tables.push(table(&format!("{what} [RSA+ECDSA certs]"), conf, Alerts::Elsewhere, &both));
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
            ("1.2 client AES128 then AES256", vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"]),
            ("1.2 client AES256 then AES128", vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"]),
            ("1.2 client CHACHA then AES128", vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256"]),
            ("1.3 client AES128 then CHACHA", vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"]),
            ("1.3 client CHACHA then AES128", vec!["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"]),
            ("1.3 client AES128 then AES256", vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"]),
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
                    assert!(got(0).ends_with(E256) && got(1).ends_with(E256) && got(2).ends_with(ECHA), "reference: {sys:?}");
                    assert!(got(3).ends_with("TLS_CHACHA20_POLY1305_SHA256"), "reference: {sys:?}");
                    assert!(got(5).ends_with("TLS_AES_256_GCM_SHA384"), "reference: {sys:?}");
                } else {
                    assert!(got(0).ends_with(E128) && got(1).ends_with(E256) && got(2).ends_with(ECHA), "reference: {sys:?}");
                    assert!(got(3).ends_with("TLS_AES_128_GCM_SHA256"), "reference: {sys:?}");
                    assert!(got(5).ends_with("TLS_AES_128_GCM_SHA256"), "reference: {sys:?}");
                }
            }
            tables.push(table(&format!("SSLHonorCipherOrder {honor} [ECDSA cert]"), &conf, Alerts::Exact, &both));
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
            ("-tls1_3 AES256 only", vec!["-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"]),
            ("-tls1_3 CHACHA only", vec!["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"]),
            ("-tls1_3 AES128 only", vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"]),
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
            ("1.2 client RSA-CHACHA only", vec!["-tls1_2", "-cipher", RCHA]),
            ("1.2 client ECDSA-AES128 only", vec!["-tls1_2", "-cipher", E128]),
            ("1.3 client CHACHA only", vec!["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"]),
        ];
        let conf = "SSLCipherSuite ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384\n\
                    SSLCipherSuite TLSv1.3 TLS_AES_256_GCM_SHA384";
        let mut tables = Vec::new();
        for keys in [Keys::Both, Keys::Rsa] {
            let both = probe_both(keys, conf, &probes, proto_cipher);
            if let Ok(sys) = &both.system {
                assert!(sys.iter().all(|(_, o)| o == "refused (alert 40)"), "reference: {sys:?}");
            }
            tables.push(table(&format!("{conf} [{}]", keys.name()), conf, Alerts::Exact, &both));
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
        for conf in ["SSLCipherSuite NOSUCHKEYWORD", "SSLCipherSuite !ALL:FOO-BAR"] {
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
            let sys = builder(Mode::System, Keys::Both).vhost_conf(conf).try_start();
            match &sys {
                Ok(h) => eprintln!("== {conf}: OpenSSL starts, TLS 1.2 client: {}", proto_cipher(&s_client(h, &["-tls1_2"]))),
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
            ("1.3 client P-256:P-384", vec!["-tls1_3", "-groups", "P-256:P-384"]),
            ("1.3 client P-384:X25519", vec!["-tls1_3", "-groups", "P-384:X25519"]),
            ("1.3 client P-256:X25519:P-384", vec!["-tls1_3", "-groups", "P-256:X25519:P-384"]),
            ("1.2 client P-384:P-256:X25519", vec!["-tls1_2", "-groups", "P-384:P-256:X25519", "-cipher", EC12]),
            ("1.2 client X25519", vec!["-tls1_2", "-groups", "X25519", "-cipher", EC12]),
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
            tables.push(table(&format!("{conf} [RSA cert]"), conf, Alerts::Exact, &both));
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
        ciph.push(("-tls1_3 AES128 then CHACHA", vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"]));
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
            tables.push(table(if conf.is_empty() { "(default)" } else { conf }, conf, Alerts::Exact, &both));
        }
        assert_no_diffs(&tables);
    })
}

/// Unknown commands and wrong values: both refuse to start; the shim says why.
#[test]
fn ssl_conf_bad_commands_are_startup_errors() {
    timed("ssl_conf_bad_commands_are_startup_errors", || {
        // Rejected by mod_ssl's parser (SSL_CONF_cmd_value_type says unknown).
        for conf in ["SSLOpenSSLConfCmd NoSuchCommand foo", "SSLOpenSSLConfCmd ECDHParameterz auto"] {
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
        ] {
            let r = start_both(conf, "");
            let log = assert_both_fail(conf, &r);
            assert_mentions(conf, &log, &["AH02407"]);
            let why = log.lines().any(|l| l.contains("SSL Library Error"));
            if !why {
                problems.push(format!("[{conf}] no library reason after AH02407:\n{}", error_lines(&log)));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    })
}

/// Values OpenSSL accepts although they look wrong: `Ciphersuites` with only unknown names
/// (skipped: no TLS 1.3 suite left) and `NumTickets many` (`atoi` gives 0).
#[test]
fn ssl_conf_values_openssl_tolerates() {
    timed("ssl_conf_values_openssl_tolerates", || {
        let probes: Vec<Probe> = vec![("-tls1_3", vec!["-tls1_3"]), ("-tls1_2", vec!["-tls1_2"])];
        let mut tables = Vec::new();
        for conf in ["SSLOpenSSLConfCmd Ciphersuites TLS_NO_SUCH_SUITE", "SSLOpenSSLConfCmd NumTickets many"] {
            let both = probe_both(Keys::Both, conf, &probes, proto_cipher);
            tables.push(table(conf, conf, Alerts::Exact, &both));
        }
        assert_no_diffs(&tables);
    })
}

// SCRATCH (removed before hand-off)
#[test]
#[ignore]
fn explore() {
    let conf = std::env::var("CONF").unwrap_or_default().replace("\\n", "\n");
    let global = std::env::var("GLOBAL").unwrap_or_default().replace("\\n", "\n");
    let args: Vec<String> = std::env::var("ARGS").unwrap_or_default().split_whitespace().map(String::from).collect();
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    for mode in [Mode::System, Mode::Shim] {
        match builder(mode, Keys::Both).log_level("debug").vhost_conf(&conf).global_conf(&global).try_start() {
            Ok(h) => {
                let s = s_client(&h, &args);
                eprintln!("==== {mode}: {}\n{}\n--- log ---\n{}", proto_group(&s), s.out.describe(), h.error_log().lines().filter(|l| !l.contains("AH01964") && !l.contains("mpm_event") && !l.contains("AH00") ).collect::<Vec<_>>().join("\n"));
            }
            Err(e) => eprintln!("==== {mode}: START FAILED\n{}", log_part(&e)),
        }
    }
}
