//! sslshim as a TLS *client*: the curl CLI (libcurl, as mod_md uses it) over
//! our libssl.so.3 against Debian's `openssl s_server`. Checks that curl
//! finishes (the server's close_notify must not be swallowed while
//! SSL_pending() says 0: regression for record-at-a-time reading), verifies
//! the server against a CA file and reports a verification failure the way
//! it does with OpenSSL (exit 60), and presents a client certificate when
//! asked (SSL_CTX_use_certificate / use_PrivateKey). Shim mode only.

use compat_tests::{Mode, certs, clients, proc, shim_lib_dir};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Server {
    fn start(verify_clients: bool) -> Server {
        let c = certs();
        let port = proc::free_port();
        let log = std::env::temp_dir().join(format!("sslshim-s_server-{port}.log"));
        let mut cmd = clients::client_command("openssl");
        cmd.args(["s_server", "-accept"]).arg(format!("127.0.0.1:{port}"));
        cmd.arg("-cert").arg(&c.ecdsa.cert).arg("-key").arg(&c.ecdsa.key);
        if verify_clients {
            cmd.arg("-Verify").arg("2").arg("-CAfile").arg(&c.client_ca.cert);
        }
        let f = std::fs::File::create(&log).unwrap();
        cmd.arg("-www").stdin(Stdio::null()).stdout(f.try_clone().unwrap()).stderr(f);
        let child = cmd.spawn().expect("openssl s_server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !proc::tcp_listening(port) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, port, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// curl over sslshim (the client process gets our library).
fn shim_curl(port: u16, args: &[&str]) -> compat_tests::CmdOutput {
    let mut cmd: Command = clients::client_command("curl");
    cmd.env("LD_LIBRARY_PATH", shim_lib_dir());
    cmd.args(["-sS", "-v", "--max-time", "10", "--resolve"]).arg(format!("localhost:{port}:127.0.0.1")).args(args);
    cmd.arg(format!("https://localhost:{port}/"));
    proc::run(cmd, None, Duration::from_secs(20))
}

fn shim_only() -> bool {
    if Mode::from_env() != Mode::Shim {
        eprintln!("skipped: shim mode only");
        return false;
    }
    true
}

#[test]
fn client_side_curl_verifies_and_finishes() {
    if !shim_only() {
        return;
    }
    let s = Server::start(false);
    let ca = certs().ca.cert.to_string_lossy().into_owned();
    for v in [["--tlsv1.3", ""], ["--tls-max", "1.2"]] {
        let args: Vec<&str> = v.iter().copied().filter(|a| !a.is_empty()).chain(["--cacert", &ca]).collect();
        let out = shim_curl(s.port, &args);
        assert!(out.success(), "curl over sslshim {v:?} failed or hung:\n{}", out.describe());
        assert!(out.stdout.contains("Verify return code"), "no s_server page:\n{}", out.describe());
        assert!(out.stderr.contains("SSL certificate verify ok"), "{}", out.describe());
    }
    // A CA that did not issue the server's certificate: curl's own error 60,
    // which it reports only when libssl queues SSL_R_CERTIFICATE_VERIFY_FAILED.
    let wrong = certs().client_ca.cert.to_string_lossy().into_owned();
    let out = shim_curl(s.port, &["--cacert", &wrong]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(60), "expected curl exit 60:\n{}", out.describe());
}

#[test]
fn client_side_curl_presents_client_certificate() {
    if !shim_only() {
        return;
    }
    let s = Server::start(true);
    let c = certs();
    let (cert, key) = (c.client.cert.to_string_lossy().into_owned(), c.client.key.to_string_lossy().into_owned());
    for v in ["--tlsv1.3", "--tlsv1.2"] {
        let mut args = vec!["-k", "--cert", &cert, "--key", &key, v];
        if v == "--tlsv1.2" {
            args.extend(["--tls-max", "1.2"]);
        }
        let out = shim_curl(s.port, &args);
        assert!(out.success(), "curl {v} with a client certificate failed or hung:\n{}", out.describe());
    }
    let log = s.log();
    assert!(log.matches("verify return:1").count() >= 2, "s_server did not verify our client certificate:\n{log}");
}

/// Client sessions follow OpenSSL's model: libcurl caches the sessions our
/// new-session callback hands it and offers them with `SSL_set_session`
/// (across the `SSL_CTX` it makes per connection), so the second and third
/// connections resume, with the verify result of the first (curl's
/// `%{ssl_verify_result}` is `SSL_get_verify_result`). With curl's cache off
/// nothing is offered and nothing resumes.
#[test]
fn client_side_curl_resumes_offered_sessions_only() {
    if !shim_only() {
        return;
    }
    let s = Server::start(false);
    let ca = certs().ca.cert.to_string_lossy().into_owned();
    let url = format!("https://localhost:{}/", s.port);
    let kinds = |out: &compat_tests::CmdOutput| -> Vec<String> {
        out.stdout
            .lines()
            .filter(|l| l.starts_with("New, ") || l.starts_with("Reused, "))
            .map(|l| l.split(',').next().unwrap_or("").to_string())
            .collect()
    };
    for v in [["--tlsv1.3", "--tlsv1.3"], ["--tlsv1.2", "--tls-max"]] {
        let mut args = vec![v[0], "--cacert", &ca, "-w", "verify=%{ssl_verify_result}\n", &url, &url];
        if v[1] == "--tls-max" {
            args.splice(1..1, ["--tls-max", "1.2"]);
        }
        let out = shim_curl(s.port, &args);
        assert!(out.success(), "curl {v:?}:\n{}", out.describe());
        assert_eq!(kinds(&out), ["New", "Reused", "Reused"], "curl {v:?}: s_server pages:\n{}", out.describe());
        assert_eq!(out.stdout.matches("verify=0").count(), 3, "curl {v:?}: verify results:\n{}", out.describe());

        args.insert(0, "--no-sessionid");
        let out = shim_curl(s.port, &args);
        assert!(out.success(), "curl --no-sessionid {v:?}:\n{}", out.describe());
        assert_eq!(kinds(&out), ["New", "New", "New"], "curl --no-sessionid {v:?}:\n{}", out.describe());
    }
}
