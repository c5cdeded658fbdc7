//! Issue 3, part B: the info and keylog callbacks (item 7) and mod_ssl's SSL environment
//! variables (item 8).
//!
//! Every test runs the same httpd config over the system OpenSSL (the reference) and over
//! sslshim ([`compare_modes`]), records what it saw, and diffs the two: same value, or a
//! deliberate difference listed with its reason. `--nocapture` prints the table.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-alpn cargo test --release -p compat-tests --test config_env -- --nocapture
//! ```

mod config_b;

use compat_tests::{Httpd, TempDir, compare_modes};
use config_b::{CGI_CONF, Deliberate, Obs, install_env_cgi, judge, log_message, py_conns};
use std::collections::BTreeMap;
use std::time::Duration;

// ---- item 7: info callback --------------------------------------------------------------

/// The info-callback lines of mod_ssl (`OpenSSL: Handshake: start`, `OpenSSL: Loop: ...`,
/// `OpenSSL: Alert: ...`, `OpenSSL: Exit: ...`) and AH02041, as messages, in log order.
fn info_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("[ssl:"))
        .map(log_message)
        .filter(|m| m.starts_with("OpenSSL: ") || m.starts_with("AH02041"))
        .collect()
}

/// One connection's info-callback lines, split three ways:
/// * `main`: handshake start/done, exit lines without the state string, and AH02041;
/// * `alerts`: `Read: <state>` / `Write: <state>` -- mod_ssl's `log_tracing_state` tests
///   `SSL_CB_READ`/`SSL_CB_WRITE` before `SSL_CB_ALERT`, so an alert callback
///   (`SSL_CB_READ_ALERT`, `SSL_CB_WRITE_ALERT`) is logged as `Read:`/`Write:` plus the state
///   string (its `Alert: ...` branch is dead code); these are close_notify and fatal alerts;
/// * `loops`: the `Loop:` state names (OpenSSL's state machine steps).
fn info_summary(lines: &[String]) -> (String, String, String) {
    let mut main = Vec::new();
    let mut alerts = Vec::new();
    let mut loops = Vec::new();
    for m in lines {
        if let Some(state) = m.strip_prefix("OpenSSL: Loop: ") {
            loops.push(state.to_string());
        } else if m.starts_with("OpenSSL: Read: ")
            || m.starts_with("OpenSSL: Write: ")
            || m.starts_with("OpenSSL: Alert: ")
        {
            // The state string after it is OpenSSL's state name: keep the direction only.
            let dir = m
                .trim_start_matches("OpenSSL: ")
                .split(':')
                .next()
                .unwrap_or("?");
            alerts.push(format!("{dir} alert"));
        } else if let Some(rest) = m.strip_prefix("OpenSSL: Exit: ") {
            // "error in <state>" / "failed in <state>": keep the kind, not OpenSSL's state name.
            main.push(format!(
                "Exit: {}",
                rest.split(" in ").next().unwrap_or(rest)
            ));
        } else {
            main.push(m.trim_start_matches("OpenSSL: ").to_string());
        }
    }
    main.dedup();
    (main.join(" | "), alerts.join(" | "), loops.join(" | "))
}

/// mod_ssl's handshake-failure lines (AH02008 and `SSL Library Error: error:XXXXXXXX:lib::reason
/// (data)`), split into (lines without the error data, the error data).
fn failure_lines(log: &str) -> (String, String) {
    let mut main = Vec::new();
    let mut data = Vec::new();
    for m in log.lines().map(log_message) {
        if m.starts_with("AH02008") {
            main.push(m);
        } else if let Some(e) = m.strip_prefix("SSL Library Error: ") {
            // OpenSSL: "error:0A000418:SSL routines::tlsv1 alert unknown ca (SSL alert number 48)"
            match e.find(" (") {
                Some(i) if e.ends_with(')') => {
                    main.push(format!("SSL Library Error: {}", &e[..i]));
                    data.push(e[i + 2..e.len() - 1].to_string());
                }
                _ => main.push(m.clone()),
            }
        }
    }
    main.dedup();
    (main.join(" | "), data.join(" | "))
}

/// Item 7a: with `LogLevel ssl:debug` or higher mod_ssl registers its info callback and logs,
/// per connection, `Handshake: start`/`done` and `Loop:` (trace3), alert callbacks
/// (`Read:`/`Write:`, trace3) and AH02041 "Protocol: ..., Cipher: ... (x/y bits)" (debug) at
/// handshake done. Same lines for TLS 1.3, TLS 1.2, a handshake the server refuses (no shared
/// cipher: the server's fatal alert), one the client refuses (unknown CA: the client's alert)
/// and normal closes (close_notify sent, and received when the client sends one).
/// Also compared: mod_ssl's AH02008 / `SSL Library Error` lines and the client's error.
#[test]
fn info_callback_log_lines() {
    let both = compare_modes(|mode| {
        let mut o = Obs::new(mode);
        let h = Httpd::builder()
            .mode(mode)
            .log_level("warn ssl:trace3")
            .h2(false)
            .start();
        // A CA that did not sign the server certificate: the client refuses it (unknown CA).
        let wrong_ca = h.certs().client_ca.cert.clone();
        let get = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        let cases: Vec<(&str, Vec<&str>, &[u8], bool)> = vec![
            ("tls1.3 GET", vec!["-tls1_3", "-ign_eof"], get, true),
            ("tls1.2 GET", vec!["-tls1_2", "-ign_eof"], get, true),
            (
                "tls1.2 ECDHE-RSA-AES128-GCM-SHA256",
                vec!["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
                b"",
                true,
            ),
            (
                "tls1.3 TLS_CHACHA20_POLY1305_SHA256",
                vec!["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
                b"",
                true,
            ),
            (
                "tls1.2 no shared cipher",
                vec![
                    "-tls1_2",
                    "-cipher",
                    "PSK-AES128-GCM-SHA256",
                    "-psk",
                    "00112233",
                ],
                b"",
                false,
            ),
            (
                "tls1.3 client rejects cert",
                vec!["-tls1_3", "-verify_return_error", "-CAfile"],
                b"",
                false,
            ),
            (
                "tls1.2 client rejects cert",
                vec!["-tls1_2", "-verify_return_error", "-CAfile"],
                b"",
                false,
            ),
        ];
        for (name, mut args, input, ok) in cases {
            let ca_s = wrong_ca.to_string_lossy().into_owned();
            if args.last() == Some(&"-CAfile") {
                args.push(&ca_s);
            }
            let mark = h.log_mark();
            let s = h.s_client(&args, input);
            // s_client prints a TLS 1.3 session block even when it refused the server itself.
            let client_error = s
                .out
                .stderr
                .lines()
                .find(|l| l.contains(":error:"))
                .map(|l| {
                    l.split(":SSL routines:")
                        .nth(1)
                        .unwrap_or(l)
                        .split(":../")
                        .next()
                        .unwrap_or(l)
                        .to_string()
                });
            let done = s.handshake_ok() && client_error.is_none();
            o.check(done == ok, || {
                format!(
                    "{name}: handshake completed={done} (want {ok})\n{}",
                    s.describe()
                )
            });
            o.put(
                &format!("{name}: client error"),
                client_error.as_deref().unwrap_or("-"),
            );
            // The connection's last line (AH02001 standard / AH01998 abortive shutdown), then a
            // moment for anything logged after it.
            let _ = h.wait_for_log(mark, Duration::from_secs(3), |l| {
                l.contains("Connection closed to child")
            });
            std::thread::sleep(Duration::from_millis(100));
            let text = h.error_log_since(mark);
            let lines = info_lines(&text);
            let (main, alerts, loops) = info_summary(&lines);
            if ok {
                let want = format!(
                    "AH02041: Protocol: {}, Cipher: {}",
                    s.protocol.as_deref().unwrap_or("?"),
                    s.cipher.as_deref().unwrap_or("?")
                );
                o.check(main.contains(&want), || {
                    format!(
                        "{name}: no `{want}` line; info lines:\n    {}",
                        lines.join("\n    ")
                    )
                });
                o.check(
                    main.contains("Handshake: start") && main.contains("Handshake: done"),
                    || {
                        format!(
                            "{name}: no Handshake: start/done; info lines:\n    {}",
                            lines.join("\n    ")
                        )
                    },
                );
            }
            o.check(!lines.is_empty(), || {
                format!("{name}: no info-callback lines at all\n{text}")
            });
            o.put(&format!("{name}: info lines"), main);
            o.put(
                &format!("{name}: alert callbacks (Read:/Write: lines)"),
                alerts,
            );
            o.put(&format!("{name}: Loop states"), loops);
            let (failure, data) = failure_lines(&text);
            o.put(&format!("{name}: failure lines"), failure);
            o.put(&format!("{name}: failure error data"), data);
        }
        o.finish(&h, &[]);
        o
    });
    judge(
        "info_callback_log_lines",
        &both,
        &[
            Deliberate {
                prefix: "*: Loop states",
                reason: "rustls has no OpenSSL state machine: sslshim reports `SSL_CB_LOOP` at start, after the \
                         ClientHello and at the end (with version, cipher and key exchange group), not every OpenSSL state",
            },
            Deliberate {
                prefix: "*: failure error data",
                reason: "the error queue's data string: OpenSSL says `SSL alert number 48`, sslshim gives rustls' \
                         description of the failure; the error code and reason are compared and equal",
            },
        ],
    );
}

// ---- item 7: keylog ---------------------------------------------------------------------

/// `LABEL <client random> <secret>` lines, grouped by client random (hex), labels sorted.
fn keylog_by_random(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut m: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for l in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = l.split(' ').collect();
        if f.len() == 3 {
            m.entry(f[1].to_lowercase())
                .or_default()
                .insert(f[0].to_string(), f[2].to_lowercase());
        } else {
            m.entry("<malformed>".into())
                .or_default()
                .insert(l.to_string(), String::new());
        }
    }
    m
}

fn is_hex(s: &str, len: &[usize]) -> bool {
    len.contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Item 7b: httpd started with `SSLKEYLOGFILE` writes NSS key log lines (mod_ssl's keylog
/// callback): TLS 1.3 handshake/traffic/exporter secrets, TLS 1.2 `CLIENT_RANDOM`; each line
/// `LABEL <64 hex> <hex secret>`, and identical to the client's own key log
/// (`s_client -keylogfile`) for the same connection.
#[test]
fn keylog_file_lines() {
    const TLS13: [&str; 5] = [
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "EXPORTER_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_TRAFFIC_SECRET_0",
    ];
    let both = compare_modes(|mode| {
        let mut o = Obs::new(mode);
        let tmp = TempDir::new("sslshim-keylog-").unwrap();
        let server_log = tmp.path().join("server.keys");
        let h = Httpd::builder()
            .mode(mode)
            .env("SSLKEYLOGFILE", &server_log)
            .h2(false)
            .log_level("warn ssl:info")
            .start();
        let notice = h
            .error_log()
            .lines()
            .any(|l| l.contains("AH10227") && l.contains(&*server_log.to_string_lossy()));
        o.put("AH10227 Init: Logging SSL private key material", notice);
        let get = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        for (name, args) in [
            ("tls1.3", vec!["-tls1_3"]),
            (
                "tls1.3 AES128",
                vec!["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"],
            ),
            ("tls1.2", vec!["-tls1_2"]),
        ] {
            let client_log = tmp
                .path()
                .join(format!("client-{}.keys", name.replace(' ', "-")));
            let cl = client_log.to_string_lossy().into_owned();
            let mut a = args.clone();
            a.extend(["-ign_eof", "-keylogfile", &cl]);
            let s = h.s_client(&a, get);
            o.check(
                s.handshake_ok() && s.out.stdout.contains("HTTP/1.1 200"),
                || format!("{name}: {}", s.describe()),
            );
            std::thread::sleep(Duration::from_millis(100));
            let client =
                keylog_by_random(&std::fs::read_to_string(&client_log).unwrap_or_default());
            let server =
                keylog_by_random(&std::fs::read_to_string(&server_log).unwrap_or_default());
            let Some((random, client_lines)) = client.iter().next() else {
                o.check(false, || format!("{name}: the client wrote no key log"));
                continue;
            };
            let server_lines = server.get(random).cloned().unwrap_or_default();
            let labels: Vec<&str> = server_lines.keys().map(String::as_str).collect();
            o.put(&format!("{name}: server labels"), labels.join(","));
            let want: Vec<&str> = if name.starts_with("tls1.3") {
                TLS13.to_vec()
            } else {
                vec!["CLIENT_RANDOM"]
            };
            o.check(labels == want, || format!("{name}: server key log labels {labels:?}, want {want:?}\nserver log:\n{server:?}"));
            let secret_len: &[usize] = match name {
                "tls1.3" => &[64, 96],
                "tls1.3 AES128" => &[64],
                _ => &[96],
            };
            o.check(
                is_hex(random, &[64]) && server_lines.values().all(|s| is_hex(s, secret_len)),
                || format!("{name}: malformed lines for {random}: {server_lines:?}"),
            );
            // Same secrets as the client computed for this connection.
            let same = client_lines
                .iter()
                .all(|(k, v)| server_lines.get(k) == Some(v));
            o.check(same && !client_lines.is_empty(), || {
                format!("{name}: server lines differ from the client's\n  client: {client_lines:?}\n  server: {server_lines:?}")
            });
            o.put(&format!("{name}: matches client key log"), same);
        }
        let server_text = std::fs::read_to_string(&server_log).unwrap_or_default();
        let malformed: Vec<&str> = server_text
            .lines()
            .filter(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                f.len() != 3
                    || !f[0]
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            })
            .collect();
        o.check(malformed.is_empty(), || {
            format!("malformed key log lines: {malformed:?}")
        });
        o.put("key log file mode", {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(&server_log)
                .map(|m| format!("{:o}", m.permissions().mode() & 0o777))
                .unwrap_or("missing".into())
        });
        o.finish(&h, &[]);
        o
    });
    judge("keylog_file_lines", &both, &[]);
}

// ---- item 8: SSL environment variables --------------------------------------------------

/// Variables whose value is per connection: compared by presence and length.
const RANDOM_VARS: &[&str] = &["SSL_SESSION_ID"];
/// Variables compared by presence only (they name a path or change between runs).
const IGNORED_VARS: &[&str] = &[];

/// Records `SSL_*`, `HTTPS` (from the CGI environment) under `prefix`.
fn put_env(o: &mut Obs, prefix: &str, env: &BTreeMap<String, String>) {
    for (k, v) in env
        .iter()
        .filter(|(k, _)| k.starts_with("SSL_") || *k == "HTTPS")
    {
        let v = if RANDOM_VARS.contains(&k.as_str()) {
            format!(
                "<{} chars{}>",
                v.len(),
                if v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    ", hex"
                } else {
                    ""
                }
            )
        } else if IGNORED_VARS.contains(&k.as_str()) {
            "<present>".into()
        } else {
            v.clone()
        };
        o.put(&format!("{prefix} {k}"), v);
    }
}

/// A second access log with variables mod_ssl does not export to CGIs and its `%{..}c` fields.
const VARS_LOG: &str = "LogFormat \"%{version}c|%{cipher}c|%{subjectdn}c|%{issuerdn}c|%{errcode}c|%{errstr}c|\
%{SSL_SERVER_V_REMAIN}x|%{SSL_VERSION_LIBRARY_INTERFACE}x|%{SSL_SERVER_SAN_DNS_0}x|%{SSL_SERVER_SAN_DNS_1}x|\
%{SSL_CLIENT_CERT_RFC4523_CEA}x|%{SSL_SESSION_RESUMED}x|%{SSL_CIPHER_USEKEYSIZE}x|%{SSL_SECURE_RENEG}x|%{HTTPS}x\" sslvars\n\
CustomLog \"@DIR@/logs/vars.log\" sslvars";

/// With two certificates (RSA, ECDSA), a resumed TLS 1.2 session selects none: OpenSSL's
/// `SSL_get_certificate` then returns the last configured one (ECDSA), so mod_ssl's
/// `SSL_SERVER_*` describe a certificate the session never used. sslshim reports the
/// certificate of the original handshake (stored with the session).
const RESUMED_CERT: &str = "resumed TLS 1.2 session on an RSA certificate: OpenSSL reports the last configured \
(ECDSA) certificate in SSL_SERVER_*, sslshim the session's own (RSA) certificate";

/// Item 8: `SSLOptions +StdEnvVars +ExportCertData` and a CGI printing its environment. Every
/// `SSL_*` variable and `HTTPS`, over TLS 1.3 and TLS 1.2 (ECDSA and RSA certificates), must be
/// equal in both modes (`SSL_SESSION_ID`: same length); a second connection resuming the
/// session gets `SSL_SESSION_RESUMED=Resumed`.
#[test]
fn ssl_env_vars() {
    let both = compare_modes(|mode| {
        let mut o = Obs::new(mode);
        let h = Httpd::builder()
            .mode(mode)
            .h2(false)
            .module("cgid")
            .global_conf(CGI_CONF)
            .global_conf(VARS_LOG)
            .start();
        install_env_cgi(&h);
        for (name, version, ciphers) in [
            ("tls1.3", Some("TLSv1_3"), None),
            ("tls1.2", Some("TLSv1_2"), None),
            (
                "tls1.2 rsa",
                Some("TLSv1_2"),
                Some("ECDHE-RSA-AES256-GCM-SHA384"),
            ),
        ] {
            let (conns, out) = py_conns(&h, version, ciphers, "/env.cgi", 2);
            let (first, second) = (&conns[0], &conns[1]);
            if !o.check(
                first.status == Some(200) && second.status == Some(200),
                || format!("{name}: env.cgi: {conns:?}\n{}", out.describe()),
            ) {
                continue;
            }
            let (e1, e2) = (first.env(), second.env());
            put_env(&mut o, name, &e1);
            let want = if name == "tls1.3" {
                "TLSv1.3"
            } else {
                "TLSv1.2"
            };
            o.check(
                e1.get("SSL_PROTOCOL").map(String::as_str) == Some(want),
                || format!("{name}: SSL_PROTOCOL {:?}", e1.get("SSL_PROTOCOL")),
            );
            o.check(e1.get("HTTPS").map(String::as_str) == Some("on"), || {
                format!("{name}: HTTPS {:?}", e1.get("HTTPS"))
            });
            o.check(e1.get("SSL_CIPHER") == first.cipher.as_ref(), || {
                format!(
                    "{name}: SSL_CIPHER {:?} but the client negotiated {:?}",
                    e1.get("SSL_CIPHER"),
                    first.cipher
                )
            });
            o.check(
                e1.get("SSL_SESSION_RESUMED").map(String::as_str) == Some("Initial"),
                || {
                    format!(
                        "{name}: first SSL_SESSION_RESUMED {:?}",
                        e1.get("SSL_SESSION_RESUMED")
                    )
                },
            );
            // The resumed connection.
            o.put(
                &format!("{name} resumed: client session_reused"),
                format!("{:?}", second.reused),
            );
            o.put(
                &format!("{name} resumed: SSL_SESSION_RESUMED"),
                e2.get("SSL_SESSION_RESUMED").map_or("<absent>", |v| v),
            );
            o.check(
                second.reused == Some(true)
                    && e2.get("SSL_SESSION_RESUMED").map(String::as_str) == Some("Resumed"),
                || {
                    format!(
                        "{name}: second connection reused={:?} SSL_SESSION_RESUMED={:?}",
                        second.reused,
                        e2.get("SSL_SESSION_RESUMED")
                    )
                },
            );
            let same_id = e1
                .get("SSL_SESSION_ID")
                .is_some_and(|id| e2.get("SSL_SESSION_ID") == Some(id));
            o.put(
                &format!("{name} resumed: same SSL_SESSION_ID as the first"),
                same_id,
            );
            o.put(
                &format!("{name} resumed: SSL_SESSION_ID"),
                e2.get("SSL_SESSION_ID")
                    .map_or("<absent>".into(), |v| format!("<{} chars>", v.len())),
            );
            // Everything else must not change on resumption.
            let changed: Vec<&String> = e1
                .iter()
                .filter(|(k, v)| {
                    (k.starts_with("SSL_") || *k == "HTTPS")
                        && !matches!(k.as_str(), "SSL_SESSION_ID" | "SSL_SESSION_RESUMED")
                        && e2.get(*k) != Some(*v)
                })
                .map(|(k, _)| k)
                .collect();
            o.put(
                &format!("{name} resumed: other SSL_* changed"),
                format!("{changed:?}"),
            );
            for k in [
                "SSL_SERVER_S_DN_OU",
                "SSL_SERVER_A_KEY",
                "SSL_CIPHER",
                "SSL_PROTOCOL",
            ] {
                o.put(
                    &format!("{name} resumed: {k}"),
                    e2.get(k).map_or("<absent>", |v| v),
                );
            }
        }
        std::thread::sleep(Duration::from_millis(200));
        let vars_log = std::fs::read_to_string(h.dir().join("logs/vars.log")).unwrap_or_default();
        for (i, l) in vars_log.lines().enumerate() {
            // Field 6 is SSL_SERVER_V_REMAIN (whole days left): the two modes run a
            // few seconds apart and may straddle a day boundary of the certificate's
            // validity; compare it apart with a tolerance of one day.
            let mut fields: Vec<String> = l.split('|').map(str::to_owned).collect();
            if let Some(days) = fields.get(6).and_then(|d| d.parse::<i64>().ok()) {
                o.check((3640..=3651).contains(&days), || format!("vars.log line {i}: SSL_SERVER_V_REMAIN {days} is about ten years"));
                fields[6] = "<days>".into();
            }
            o.put(&format!("vars.log line {i}"), fields.join("|"));
        }
        o.finish(&h, &[]);
        drop(h);

        // Without tickets: TLS 1.2 resumes by session ID through mod_ssl's session cache.
        let h = Httpd::builder()
            .mode(mode)
            .h2(false)
            .module("cgid")
            .global_conf(CGI_CONF)
            .vhost_conf("SSLSessionTickets off")
            .start();
        install_env_cgi(&h);
        let (conns, out) = py_conns(&h, Some("TLSv1_2"), None, "/env.cgi", 2);
        if o.check(conns.iter().all(|c| c.status == Some(200)), || {
            format!("no tickets: {conns:?}\n{}", out.describe())
        }) {
            let (e1, e2) = (conns[0].env(), conns[1].env());
            let id = |e: &BTreeMap<String, String>| {
                e.get("SSL_SESSION_ID")
                    .map_or("<absent>".into(), |v| format!("<{} chars>", v.len()))
            };
            o.put("no tickets tls1.2: SSL_SESSION_ID", id(&e1));
            o.put(
                "no tickets tls1.2 resumed: client session_reused",
                format!("{:?}", conns[1].reused),
            );
            o.put(
                "no tickets tls1.2 resumed: SSL_SESSION_RESUMED",
                e2.get("SSL_SESSION_RESUMED").map_or("<absent>", |v| v),
            );
            let same = e1
                .get("SSL_SESSION_ID")
                .is_some_and(|id| e2.get("SSL_SESSION_ID") == Some(id));
            o.put(
                "no tickets tls1.2 resumed: same SSL_SESSION_ID as the first",
                same,
            );
            o.check(
                same && e2.get("SSL_SESSION_RESUMED").map(String::as_str) == Some("Resumed"),
                || {
                    format!(
                        "no tickets: session-ID resumption: first {:?} second {:?} resumed={:?}",
                        e1.get("SSL_SESSION_ID"),
                        e2.get("SSL_SESSION_ID"),
                        e2.get("SSL_SESSION_RESUMED")
                    )
                },
            );
        }
        o.finish(&h, &[]);
        o
    });
    judge(
        "ssl_env_vars",
        &both,
        &[
            Deliberate {
                prefix: "tls1.2 rsa resumed: other SSL_* changed",
                reason: RESUMED_CERT,
            },
            Deliberate {
                prefix: "tls1.2 rsa resumed: SSL_SERVER_S_DN_OU",
                reason: RESUMED_CERT,
            },
            Deliberate {
                prefix: "tls1.2 rsa resumed: SSL_SERVER_A_KEY",
                reason: RESUMED_CERT,
            },
        ],
    );
}
