//! Foundation tests: Debian's apache2 + stock mod_ssl over the libssl of the current mode
//! (`SSLSHIM_MODE=shim` default, `system` for the OpenSSL reference), with real clients.
//!
//! Each test starts its own server (in a temp dir, on a free port) and stops it on drop,
//! even when an assertion fails.

use compat_tests::httpd::{BIG_FILE, BIG_FILE_LEN, INDEX_HTML, big_file_bytes};
use compat_tests::raw::{self, ClientHello};
use compat_tests::{Httpd, Mode, PyTlsOpts, clients};
use std::time::{Duration, Instant};

fn server() -> Httpd {
    Httpd::builder().start()
}

/// Handshake failures are logged at `info`.
fn server_info() -> Httpd {
    Httpd::builder().log_level("info").start()
}

#[track_caller]
fn assert_no_unexpected(h: &Httpd, allow: &[&str]) {
    let bad = h.error_log_unexpected(allow);
    assert!(
        bad.is_empty(),
        "unexpected error-log lines:\n{}\n\n{}",
        bad.join("\n"),
        h.diagnostics()
    );
}

/// 1. A worker maps our libssl.so.3 (Shim) / the system one (System), and serves.
#[test]
fn loads_our_library() {
    let h = server();
    let expected = h.expected_libssl();
    match h.mode() {
        Mode::Shim => assert!(
            expected.starts_with(compat_tests::canonical_lib_dir(h.lib_dir())),
            "shim mode expects a libssl.so.3 under the lib dir, got {}",
            expected.display()
        ),
        Mode::System => assert_eq!(expected, compat_tests::system_libssl()),
    }
    assert!(
        h.maps_contains_our_lib(),
        "expected every worker to map {} (and no other libssl.so.3); mappings: {:?}\n{}",
        expected.display(),
        h.libssl_mappings(),
        h.diagnostics()
    );
    h.assert_serves();
    assert_no_unexpected(&h, &[]);
}

/// 2. curl over TLS 1.3 and (with --tls-max 1.2) over TLS 1.2.
#[test]
fn curl_tls13_and_tls12() {
    let h = server();
    let url = h.url("/");
    for (args, want) in [
        (vec!["--tlsv1.3"], "TLSv1.3"),
        (vec!["--tlsv1.2", "--tls-max", "1.2"], "TLSv1.2"),
        (
            vec!["--tlsv1.2", "--tls-max", "1.2", "--http1.1"],
            "TLSv1.2",
        ),
        (vec!["--tlsv1.3", "--http1.1"], "TLSv1.3"),
    ] {
        let mut a = vec!["-v", "-w", "\n%{http_code} %{http_version}"];
        a.extend(args.iter().copied());
        a.push(&url);
        let out = h.curl(&a);
        assert!(
            out.success(),
            "curl {args:?} failed:\n{}\n{}",
            out.describe(),
            h.diagnostics()
        );
        let version = clients::curl_tls_version(&out.stderr);
        assert_eq!(
            version.as_deref(),
            Some(want),
            "curl {args:?}:\n{}",
            out.describe()
        );
        let (body, status) = out.stdout.rsplit_once('\n').unwrap();
        assert_eq!(
            body,
            INDEX_HTML.trim_end_matches('\n').to_string() + "\n",
            "body for {args:?}"
        );
        assert!(status.starts_with("200 "), "status for {args:?}: {status}");
        if want == "TLSv1.2" {
            let cipher = clients::curl_cipher(&out.stderr).unwrap_or_default();
            assert!(cipher.starts_with("ECDHE-"), "TLS 1.2 cipher {cipher}");
        }
    }
    assert_no_unexpected(&h, &[]);
}

/// 2b. Bulk data: the 10 MB file arrives intact over TLS 1.3 (h2 if offered) and TLS 1.2.
#[test]
fn curl_downloads_big_file() {
    let h = server();
    let expected = big_file_bytes();
    let url = h.url(BIG_FILE);
    for args in [
        vec!["--tlsv1.3"],
        vec!["--tlsv1.2", "--tls-max", "1.2", "--http1.1"],
    ] {
        let file = h.dir().join("download.bin");
        let file_s = file.to_string_lossy().to_string();
        let mut a = vec!["-o", &file_s, "-w", "%{http_code} %{size_download}"];
        a.extend(args.iter().copied());
        a.push(&url);
        let out = h.curl(&a);
        assert!(
            out.success(),
            "curl {args:?}:\n{}\n{}",
            out.describe(),
            h.diagnostics()
        );
        assert_eq!(out.stdout, format!("200 {BIG_FILE_LEN}"), "curl {args:?}");
        let got = std::fs::read(&file).unwrap();
        assert!(
            got == expected,
            "downloaded content differs ({} bytes) for {args:?}",
            got.len()
        );
        let _ = std::fs::remove_file(&file);
    }
    assert_no_unexpected(&h, &[]);
}

fn is_tls12_aead(cipher: &str) -> bool {
    cipher.starts_with("ECDHE-") && (cipher.contains("-GCM-") || cipher.contains("CHACHA20"))
}

/// 3. Python `ssl`: default context with the test CA, TLS 1.3 then max TLS 1.2, GET + body.
#[test]
fn python_ssl_handshake_and_get() {
    let h = server();
    let r = h.py_tls(&PyTlsOpts {
        get: Some("/"),
        ..Default::default()
    });
    assert!(
        r.ok(),
        "python TLS 1.3:\n{}\n{}",
        r.describe(),
        h.diagnostics()
    );
    assert_eq!(r.version.as_deref(), Some("TLSv1.3"), "{}", r.describe());
    let c = r.cipher.clone().unwrap_or_default();
    assert!(
        [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256"
        ]
        .contains(&c.as_str()),
        "TLS 1.3 cipher {c}"
    );
    assert_eq!(r.status, Some(200));
    assert_eq!(r.body.as_deref(), Some(INDEX_HTML));
    assert_eq!(r.peer_cn.as_deref(), Some("localhost"));
    // Clients never load our library (cargo puts target/release on LD_LIBRARY_PATH for tests).
    let system = compat_tests::system_libssl().to_string_lossy().into_owned();
    assert_eq!(
        r.libssl.as_deref(),
        Some(system.as_str()),
        "the Python client must use the system libssl"
    );

    let r = h.py_tls(&PyTlsOpts {
        get: Some("/"),
        max_version: Some("TLSv1_2"),
        ..Default::default()
    });
    assert!(
        r.ok(),
        "python TLS 1.2:\n{}\n{}",
        r.describe(),
        h.diagnostics()
    );
    assert_eq!(r.version.as_deref(), Some("TLSv1.2"), "{}", r.describe());
    let c = r.cipher.clone().unwrap_or_default();
    assert!(is_tls12_aead(&c), "TLS 1.2 cipher {c}");
    assert_eq!(r.status, Some(200));
    assert_eq!(r.body.as_deref(), Some(INDEX_HTML));
    assert_no_unexpected(&h, &[]);
}

/// 4. `openssl s_client`: TLS 1.3 by default, TLS 1.2 with -tls1_2; a GET through it.
#[test]
fn s_client_tls13_and_tls12() {
    let h = server();
    let s = h.s_client(&[], b"");
    assert!(
        s.handshake_ok(),
        "s_client:\n{}\n{}",
        s.describe(),
        h.diagnostics()
    );
    assert_eq!(s.protocol.as_deref(), Some("TLSv1.3"), "{}", s.describe());
    assert_eq!(
        s.verify_code,
        Some(0),
        "certificate verification: {}",
        s.describe()
    );

    let s = h.s_client(&["-tls1_2"], b"");
    assert!(
        s.handshake_ok(),
        "s_client -tls1_2:\n{}\n{}",
        s.describe(),
        h.diagnostics()
    );
    assert_eq!(s.protocol.as_deref(), Some("TLSv1.2"), "{}", s.describe());
    assert!(
        is_tls12_aead(s.cipher.as_deref().unwrap_or("")),
        "{}",
        s.describe()
    );
    assert_eq!(s.verify_code, Some(0), "{}", s.describe());

    for extra in [&[][..], &["-tls1_2"][..]] {
        let mut args = vec!["-ign_eof"];
        args.extend_from_slice(extra);
        let s = h.s_client(
            &args,
            b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        );
        assert!(
            s.out.stdout.contains("HTTP/1.1 200 OK")
                && s.out.stdout.contains(INDEX_HTML.trim_end()),
            "GET via s_client {extra:?}:\n{}",
            s.describe()
        );
    }
    assert_no_unexpected(&h, &[]);
}

/// 5. The server picks the RSA or the ECDSA certificate from what the client can verify.
#[test]
fn certificate_selection() {
    let h = server();
    let cases: &[(&[&str], &str, Option<&str>)] = &[
        (
            &["-sigalgs", "ECDSA+SHA256:ECDSA+SHA384"],
            "ecdsa",
            Some("ECDSA"),
        ),
        (
            &["-tls1_2", "-sigalgs", "ECDSA+SHA256:ECDSA+SHA384"],
            "ecdsa",
            Some("ECDSA"),
        ),
        (&["-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"], "rsa", None),
        (
            &["-tls1_2", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"],
            "rsa",
            None,
        ),
        (
            &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
            "rsa",
            None,
        ),
        (
            &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
            "ecdsa",
            Some("ECDSA"),
        ),
    ];
    for (args, want_ou, want_sig) in cases {
        let s = h.s_client(args, b"");
        assert!(
            s.handshake_ok(),
            "s_client {args:?}:\n{}\n{}",
            s.describe(),
            h.diagnostics()
        );
        assert_eq!(
            s.cert_ou().as_deref(),
            Some(*want_ou),
            "certificate for {args:?}:\n{}",
            s.describe()
        );
        match want_sig {
            Some(sig) => assert_eq!(
                s.peer_sig_type.as_deref(),
                Some(*sig),
                "{args:?}: {}",
                s.describe()
            ),
            None => assert!(
                s.peer_sig_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("RSA")),
                "{args:?}: signature type {:?}",
                s.peer_sig_type
            ),
        }
        let key = s.server_key_type.as_deref().unwrap_or("");
        let want_key = if *want_ou == "rsa" {
            "rsaEncryption"
        } else {
            "id-ecPublicKey"
        };
        assert_eq!(key, want_key, "{args:?}: server key type");
        if let Some(i) = args.iter().position(|a| *a == "-cipher") {
            assert_eq!(s.cipher.as_deref(), Some(args[i + 1]), "{args:?}");
        }
    }
    assert_no_unexpected(&h, &[]);
}

/// 6. TLS 1.0/1.1-only clients are refused with a fatal alert; the server keeps serving.
///
/// With mod_ssl's default `SSLProtocol` (no directive), OpenSSL 3.0 itself still allows
/// TLS 1.0/1.1 but then finds no usable signature algorithm (SHA-1/MD5 are below its security
/// level) and sends `internal_error`; with TLS 1.0/1.1 switched off in the config it sends
/// `protocol_version`. Both count as refusals here.
#[test]
fn old_protocols_rejected() {
    for (conf, allowed) in [
        (
            "",
            &[
                "protocol version",
                "handshake failure",
                "internal error",
                "insufficient security",
            ][..],
        ),
        (
            "SSLProtocol -all +TLSv1.2 +TLSv1.3",
            &["protocol version", "handshake failure"][..],
        ),
    ] {
        let h = Httpd::builder().log_level("info").vhost_conf(conf).start();
        for flag in ["-tls1_1", "-tls1"] {
            let s = h.s_client(&[flag, "-cipher", "DEFAULT@SECLEVEL=0"], b"");
            assert!(
                !s.handshake_ok(),
                "[{conf}] s_client {flag} completed a handshake:\n{}",
                s.describe()
            );
            assert!(
                !s.out.success(),
                "[{conf}] s_client {flag} exited 0:\n{}",
                s.describe()
            );
            // The ClientHello really went out and the server answered with an alert.
            let alert = s.alert().unwrap_or_default();
            assert!(
                allowed
                    .iter()
                    .any(|a| alert.contains(&format!("alert {a}"))),
                "[{conf}] s_client {flag}: expected one of the alerts {allowed:?}:\n{}",
                s.describe()
            );
        }
        for version in [0x0302u16, 0x0301] {
            let mut c = raw::connect(h.port()).unwrap();
            raw::send(&mut c, &ClientHello::legacy(version).to_record()).unwrap();
            let r = raw::read_until_closed(&mut c, Duration::from_secs(5));
            let alert = r.alert();
            let name = alert
                .map(|a| raw::alert_name(a.1).replace('_', " "))
                .unwrap_or_default();
            assert!(
                alert.is_some_and(|(level, _)| level == 2) && allowed.contains(&name.as_str()),
                "[{conf}] raw ClientHello {version:#06x}: expected a fatal alert of {allowed:?}, got {alert:?} ({name}), \
                 {} bytes, end {:?}",
                r.data.len(),
                r.end
            );
            assert!(
                r.closed(),
                "[{conf}] raw ClientHello {version:#06x}: server kept the connection open"
            );
        }
        h.assert_serves();
        assert_no_unexpected(&h, &[]);
    }
}

// ---- 7. bad input over raw TCP ----------------------------------------------------------

/// After a bad-input scenario from `client_port`: the server logged something about that
/// connection (besides accepting it), still serves, and no worker died.
#[track_caller]
fn check_after_bad_input(h: &Httpd, what: &str, mark: usize, client_port: u16, workers: &[u32]) {
    let needle = format!("127.0.0.1:{client_port}]");
    let line = h.wait_for_log(mark, Duration::from_secs(5), |l| {
        l.contains(&needle) && !l.contains("AH01964")
    });
    assert!(
        line.is_some(),
        "{what}: no error-log line about client port {client_port}:\n{}",
        h.error_log_since(mark)
    );
    eprintln!("{what}: logged: {}", line.unwrap_or_default());
    h.assert_serves();
    let dead: Vec<u32> = workers
        .iter()
        .copied()
        .filter(|p| !compat_tests::proc::alive(*p))
        .collect();
    assert!(
        dead.is_empty(),
        "{what}: workers {dead:?} are gone\n{}",
        h.diagnostics()
    );
    assert_no_unexpected(h, &[]);
}

struct Bad {
    h: Httpd,
    workers: Vec<u32>,
}

impl Bad {
    fn new() -> Bad {
        let h = server_info();
        let workers = h.worker_pids();
        Bad { h, workers }
    }

    /// Connects, runs `f` on the stream, then checks the aftermath.
    fn case(&self, what: &str, f: impl FnOnce(std::net::TcpStream)) {
        let mark = self.h.log_mark();
        let c = raw::connect(self.h.port()).unwrap();
        let client_port = c.local_addr().unwrap().port();
        f(c);
        check_after_bad_input(&self.h, what, mark, client_port, &self.workers);
    }
}

#[track_caller]
fn assert_server_closed(r: &raw::ReadOutcome, what: &str) {
    assert!(
        r.closed(),
        "{what}: server did not close the connection within {:?}",
        r.elapsed
    );
}

fn truncated_hello() -> Vec<u8> {
    ClientHello::modern().to_record()[..40].to_vec()
}

#[test]
fn bad_input_random_bytes() {
    let b = Bad::new();
    b.case("64 KB of random bytes", |mut c| {
        let mut data = compat_tests::Rng::new(7).bytes(64 * 1024);
        data[0] = 0x17; // never a valid first record (application data before a handshake)
        raw::send(&mut c, &data).unwrap();
        let r = raw::read_until_closed(&mut c, Duration::from_secs(5));
        assert_server_closed(&r, "random bytes");
    });
}

#[test]
fn bad_input_truncated_client_hello_then_close() {
    let b = Bad::new();
    b.case("truncated ClientHello, then close", |mut c| {
        raw::send(&mut c, &truncated_hello()).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        drop(c);
    });
}

#[test]
fn bad_input_truncated_client_hello_then_hold() {
    let b = Bad::new();
    b.case("truncated ClientHello, then hold 2 s", |mut c| {
        raw::send(&mut c, &truncated_hello()).unwrap();
        // The server waits for the rest (until its Timeout) or gives up; either way it must
        // not answer with a handshake, and we close after 2 s.
        let r = raw::read_until_closed(&mut c, Duration::from_secs(2));
        assert!(
            raw::handshake_types(&r.data).is_empty(),
            "server answered a truncated ClientHello"
        );
        drop(c);
    });
}

#[test]
fn bad_input_oversized_record() {
    let b = Bad::new();
    b.case("record header announcing 2^14+2048+1 bytes", |mut c| {
        let mut data =
            raw::record_header(raw::CT_HANDSHAKE, 0x0301, (raw::MAX_CIPHERTEXT + 1) as u16);
        data.extend(compat_tests::Rng::new(9).bytes(raw::MAX_CIPHERTEXT + 1));
        raw::send(&mut c, &data).unwrap();
        let r = raw::read_until_closed(&mut c, Duration::from_secs(5));
        assert_server_closed(&r, "oversized record");
        if let Some((level, desc)) = r.alert() {
            assert_eq!(
                level,
                2,
                "oversized record: non-fatal alert {desc} ({})",
                raw::alert_name(desc)
            );
        }
    });
}

#[test]
fn bad_input_client_hello_then_disconnect() {
    let b = Bad::new();
    // Our hand-made ClientHello is good: the server answers with a ServerHello.
    b.case("full ClientHello, read the ServerHello, close", |mut c| {
        raw::send(&mut c, &ClientHello::modern().to_record()).unwrap();
        let data = raw::read_some(&mut c, 5 + 4, Duration::from_secs(5)).unwrap_or_default();
        let types = raw::handshake_types(&data);
        assert_eq!(
            types.first(),
            Some(&raw::HS_SERVER_HELLO),
            "no ServerHello for our ClientHello: {data:02x?}"
        );
    });
    b.case("full ClientHello, disconnect before reading", |mut c| {
        raw::send(&mut c, &ClientHello::modern().to_record()).unwrap();
        drop(c);
    });
    b.case("full ClientHello, reset before reading", |mut c| {
        raw::send(&mut c, &ClientHello::modern().to_record()).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        raw::close_with_reset(c);
    });
}

#[test]
fn bad_input_plain_http() {
    let b = Bad::new();
    b.case("plain HTTP to the TLS port", |mut c| {
        raw::send(&mut c, b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let r = raw::read_until_closed(&mut c, Duration::from_secs(5));
        assert_server_closed(&r, "plain HTTP");
        let text = r.text();
        assert!(
            text.starts_with("HTTP/1.")
                && text.contains(" 400 ")
                && text.contains("speaking plain HTTP to an SSL-enabled server port"),
            "plain HTTP: expected httpd's 400 page, got {} bytes:\n{}",
            r.data.len(),
            text
        );
    });
}

// ---- 8. load ----------------------------------------------------------------------------

const SEQUENTIAL: &str = r#"
import socket, ssl, sys, time
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
want = open(sys.argv[4], "rb").read()
ctx = ssl.create_default_context(cafile=ca)
ok = 0; errors = []; versions = {}
t0 = time.time()
for i in range(n):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                if t.session_reused: raise Exception("session reused")
                versions[t.version()] = versions.get(t.version(), 0) + 1
                t.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                data = b""
                while True:
                    c = t.recv(65536)
                    if not c: break
                    data += c
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 ") or body != want:
            raise Exception("bad response: %r" % data[:200])
        ok += 1
    except Exception as e:
        errors.append("%d: %s: %s" % (i, type(e).__name__, e))
print("ok=%d failed=%d seconds=%.2f versions=%s" % (ok, len(errors), time.time() - t0, versions))
for e in errors[:10]: print("error", e)
sys.exit(0 if ok == n else 1)
"#;

/// Runs a load script (`port ca n index.html`) against a fresh server, which it returns;
/// the script must report `ok=<n> failed=0`.
fn load(name: &str, script: &str, n: usize, what: &str) -> Httpd {
    let h = server();
    let index = h.dir().join("htdocs/index.html");
    let start = Instant::now();
    let out = h.python(
        script,
        &[&h.port().to_string(), &h.ca().to_string_lossy(), &n.to_string(), &index.to_string_lossy()],
        Duration::from_secs(150),
    );
    assert!(out.success(), "{n} {what}:\n{}\n{}", out.describe(), h.diagnostics());
    assert!(out.stdout.starts_with(&format!("ok={n} failed=0")), "{}", out.describe());
    eprintln!("{name}: {} ({:.1?})", out.stdout.lines().next().unwrap_or(""), start.elapsed());
    h
}

/// 8a. 1,000 sequential fresh TLS connections (no resumption), each a GET.
#[test]
fn load_sequential_1000() {
    let h = load("load_sequential_1000", SEQUENTIAL, 1000, "sequential requests");
    assert_no_unexpected(&h, &[]);
}

const CONCURRENT: &str = r#"
import socket, ssl, sys, threading, time
port, ca, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
want = open(sys.argv[4], "rb").read()
ctx = ssl.create_default_context(cafile=ca)
barrier = threading.Barrier(n, timeout=90)
results = [None] * n
def worker(i):
    t = None
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=90)
        t = ctx.wrap_socket(s, server_hostname="localhost")
        barrier.wait()          # all n TLS connections are open at once
        t.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            c = t.recv(65536)
            if not c: break
            data += c
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 ") or body != want:
            raise Exception("bad response: %r" % data[:200])
        results[i] = "ok"
    except Exception as e:
        results[i] = "%s: %s" % (type(e).__name__, e)
        try: barrier.abort()
        except Exception: pass
    finally:
        if t is not None:
            try: t.close()
            except Exception: pass
t0 = time.time()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
for th in threads: th.start()
for th in threads: th.join()
ok = results.count("ok")
print("ok=%d failed=%d seconds=%.2f" % (ok, n - ok, time.time() - t0))
errs = [r for r in results if r != "ok"]
for e in errs[:10]: print("error", e)
sys.exit(0 if ok == n else 1)
"#;

/// 8b. 200 concurrent TLS connections, all established before any request is read.
#[test]
fn load_concurrent_200() {
    let h = load("load_concurrent_200", CONCURRENT, 200, "concurrent connections");
    h.assert_serves();
    assert_no_unexpected(&h, &[]);
}

/// A server that cannot start reports why, with its error output, and leaves nothing behind.
#[test]
fn harness_reports_startup_failure() {
    let err = Httpd::builder()
        .global_conf("SSLNoSuchDirective on")
        .try_start()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("SSLNoSuchDirective"),
        "startup error lacks apache2's message:\n{text}"
    );
}

/// Drop stops the server and removes its directory, also when the test body panics.
#[test]
fn harness_cleans_up_after_panic() {
    let mut seen = None;
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let h = server();
        seen = Some((h.pid(), h.dir().to_path_buf(), h.worker_pids()));
        panic!("deliberate");
    }));
    assert!(r.is_err());
    let (pid, dir, workers) = seen.unwrap();
    assert!(
        !compat_tests::proc::alive(pid),
        "httpd parent {pid} survived"
    );
    for w in workers {
        assert!(!compat_tests::proc::alive(w), "worker {w} survived");
    }
    assert!(compat_tests::proc::group_members(pid).is_empty());
    if !compat_tests::keep_temp() {
        assert!(!dir.exists(), "{} not removed", dir.display());
    }
}

/// 5b. Keys signed through libcrypto (`EVP_DigestSign`), the path engine and provider keys
/// take, produce signatures clients accept: RSA-PSS, RSA PKCS#1 and ECDSA, TLS 1.3 and 1.2.
/// `SSLSHIM_SIGNER=libcrypto` forces that path for every key (ignored by OpenSSL's libssl).
#[test]
fn libcrypto_signer() {
    let h = Httpd::builder().env("SSLSHIM_SIGNER", "libcrypto").start();
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (&["-sigalgs", "RSA-PSS+SHA256"], "rsa", "RSA-PSS", "SHA256"),
        (&["-sigalgs", "RSA-PSS+SHA512"], "rsa", "RSA-PSS", "SHA512"),
        (
            &["-tls1_2", "-sigalgs", "RSA+SHA384"],
            "rsa",
            "RSA",
            "SHA384",
        ),
        (
            &["-tls1_2", "-sigalgs", "RSA-PSS+SHA256"],
            "rsa",
            "RSA-PSS",
            "SHA256",
        ),
        (&["-sigalgs", "ECDSA+SHA256"], "ecdsa", "ECDSA", "SHA256"),
        (
            &["-tls1_2", "-sigalgs", "ECDSA+SHA256"],
            "ecdsa",
            "ECDSA",
            "SHA256",
        ),
    ];
    for (args, want_ou, want_sig, want_digest) in cases {
        let s = h.s_client(args, b"");
        assert!(
            s.handshake_ok(),
            "s_client {args:?}:\n{}\n{}",
            s.describe(),
            h.diagnostics()
        );
        assert_eq!(s.verify_code, Some(0), "{args:?}: {}", s.describe());
        assert_eq!(
            s.cert_ou().as_deref(),
            Some(*want_ou),
            "{args:?}: {}",
            s.describe()
        );
        assert_eq!(
            s.peer_sig_type.as_deref(),
            Some(*want_sig),
            "{args:?}: {}",
            s.describe()
        );
        assert_eq!(
            s.peer_digest.as_deref(),
            Some(*want_digest),
            "{args:?}: {}",
            s.describe()
        );
    }
    let url = h.url("/");
    let out = h.curl(&["--tlsv1.2", "--tls-max", "1.2", &url]);
    assert!(out.success(), "curl over TLS 1.2: {}", out.describe());
    assert!(out.stdout.contains(INDEX_HTML), "body: {}", out.describe());
    assert_no_unexpected(&h, &[]);
}
