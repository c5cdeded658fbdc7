//! Shared by `config_tls.rs` and `config_sni.rs`: run one configuration over the system
//! OpenSSL and over sslshim, probe both the same way, and compare probe by probe.
//!
//! (A directory module, so Cargo does not make a test target of it.)

#![allow(dead_code)]

use compat_tests::{BothModes, Httpd, HttpdBuilder, Mode, SClient, StartError, compare_modes};
use std::time::Instant;

/// Which server certificates the main vhost has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// The harness default: RSA and ECDSA `localhost` (OpenSSL picks the certificate that
    /// fits the cipher it chose).
    Both,
    /// RSA only: only the `ECDHE-RSA-*` suites can be negotiated.
    Rsa,
    /// ECDSA (P-256) only: only the `ECDHE-ECDSA-*` suites.
    Ecdsa,
}

impl Keys {
    pub fn name(self) -> &'static str {
        match self {
            Keys::Both => "RSA+ECDSA certs",
            Keys::Rsa => "RSA cert",
            Keys::Ecdsa => "ECDSA cert",
        }
    }
}

/// The server every probe test uses: one child process, handshake failures logged (`info`).
pub fn builder(mode: Mode, keys: Keys) -> HttpdBuilder {
    let b = Httpd::builder()
        .mode(mode)
        .start_servers(1)
        .log_level("info");
    let c = compat_tests::certs();
    match keys {
        Keys::Both => b,
        Keys::Rsa => b.server_certs(vec![c.rsa.clone()]),
        Keys::Ecdsa => b.server_certs(vec![c.ecdsa.clone()]),
    }
}

/// `openssl s_client` towards the server with `-servername localhost` (harness default).
pub fn s_client(h: &Httpd, args: &[&str]) -> SClient {
    h.s_client(args, b"")
}

/// The alert a refused `s_client` reports: `alert 40` from "SSL alert number 40".
pub fn alert_of(s: &SClient) -> String {
    let all = format!("{}\n{}", s.out.stdout, s.out.stderr);
    if let Some(i) = all.find("SSL alert number ") {
        let n: String = all[i + 17..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        return format!("alert {n}");
    }
    if all.contains("unexpected eof")
        || all.contains("errno=104")
        || all.contains("Connection reset")
    {
        return "closed, no alert".into();
    }
    "no alert".into()
}

/// One line per probe: protocol + cipher, or how it was refused.
pub fn proto_cipher(s: &SClient) -> String {
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
pub fn proto_group(s: &SClient) -> String {
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

pub type Probe<'a> = (&'a str, Vec<&'a str>);

/// Runs every probe (two at a time) and summarises each with `f`.
pub fn run_probes(h: &Httpd, probes: &[Probe], f: fn(&SClient) -> String) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), String::new()); probes.len()];
    for (chunk_i, chunk) in probes.chunks(2).enumerate() {
        std::thread::scope(|sc| {
            let hs: Vec<_> = chunk
                .iter()
                .map(|(name, args)| sc.spawn(move || (name.to_string(), f(&s_client(h, args)))))
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
pub fn probe_both(
    keys: Keys,
    conf: &str,
    probes: &[Probe],
    f: fn(&SClient) -> String,
) -> BothModes<Result<Vec<(String, String)>, String>> {
    compare_modes(|mode| {
        let h = builder(mode, keys)
            .vhost_conf(conf)
            .try_start()
            .map_err(|e| log_part(&e))?;
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
pub enum Alerts {
    /// The alert must be the same too.
    Exact,
    /// Only "refused" must match; a different alert is shown (`~a`) but not counted here
    /// (the alert is checked by a dedicated test: `no_shared_cipher_alert`).
    Elsewhere,
}

pub fn strip_alert(o: &str) -> &str {
    if o.starts_with("refused") {
        "refused"
    } else {
        o
    }
}

/// The table of a comparison, and the probes whose outcomes differ.
pub fn table(
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
                let alert_only =
                    alerts == Alerts::Elsewhere && a != b && strip_alert(a) == strip_alert(b);
                let accepted = if a == b || alert_only {
                    None
                } else {
                    deliberate(conf, a, b)
                };
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
            let same = sys.is_err() && shim.is_err();
            let line = format!(
                "[{what}] {}: system {}, shim {}\n",
                if same {
                    "neither starts"
                } else {
                    "startup differs"
                },
                show(sys),
                show(shim)
            );
            t.push_str(&line);
            if !same {
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
pub fn deliberate(conf: &str, sys: &str, shim: &str) -> Option<&'static str> {
    if sys == "refused (alert 80)" && shim == "refused (alert 70)" && legacy_enabled(conf) {
        return Some(
            "OpenSSL negotiates TLS 1.0/1.1 and fails (internal_error); sslshim: protocol_version",
        );
    }
    None
}

/// Does this configuration leave TLS 1.0 or 1.1 on in OpenSSL? mod_ssl's rule: the highest
/// configured version, then down without gaps; `SSLOpenSSLConfCmd MinProtocol` overrides.
pub fn legacy_enabled(conf: &str) -> bool {
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
    let Some(max) = (0..4).rev().find(|&i| set[i]) else {
        return false;
    };
    let mut min = max;
    while min > 0 && set[min - 1] {
        min -= 1;
    }
    min <= 1
}

/// The error output of a failed start: apache2's stderr and error.log, without the config.
pub fn log_part(e: &StartError) -> String {
    let log = e.log();
    log.split("\n--- config ").next().unwrap_or(log).to_string()
}

/// Asserts that no probe differs; prints every table.
#[track_caller]
pub fn assert_no_diffs(tables: &[(String, Vec<String>)]) {
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
pub fn start_both(conf: &str, global: &str) -> BothModes<Result<Httpd, StartError>> {
    compare_modes(|mode| {
        builder(mode, Keys::Both)
            .vhost_conf(conf)
            .global_conf(global)
            .try_start()
    })
}

/// Asserts both modes failed to start; returns the shim's error output.
#[track_caller]
pub fn assert_both_fail(what: &str, r: &BothModes<Result<Httpd, StartError>>) -> String {
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
pub fn error_lines(log: &str) -> String {
    log.lines()
        .filter(|l| !l.starts_with("--- ") && !l.trim().is_empty())
        .filter(|l| !l.contains(":info]") && !l.contains(":debug]") && !l.contains(":notice]"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
pub fn assert_mentions(what: &str, log: &str, needles: &[&str]) {
    let lower = log.to_ascii_lowercase();
    assert!(
        needles
            .iter()
            .any(|n| lower.contains(&n.to_ascii_lowercase())),
        "[{what}] the shim's startup error does not mention any of {needles:?}:\n{log}"
    );
}

pub fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    eprintln!("{name}: {:.1?}", t.elapsed());
    r
}
