//! Real TLS clients: curl, `openssl s_client`, Python's `ssl` module.
//!
//! All of them run with the system OpenSSL: [`scrub_env`] removes `LD_LIBRARY_PATH`,
//! `LD_PRELOAD` and proxy settings from their environment.

pub use crate::proc::CmdOutput;
use crate::proc::run;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Default deadline for one client command.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Removes what must never reach a client: our library path and proxies.
pub fn scrub_env(cmd: &mut Command) {
    for var in [
        "LD_LIBRARY_PATH",
        "LD_PRELOAD",
        "LD_AUDIT",
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
        "CURL_HOME",
        "SSLKEYLOGFILE",
    ] {
        cmd.env_remove(var);
    }
}

/// A command for a client program with a scrubbed environment.
pub fn client_command(program: &str) -> Command {
    let mut cmd = Command::new(program);
    scrub_env(&mut cmd);
    cmd
}

/// Debian's `openssl` CLI (the system libssl, scrubbed environment); `Err` carries the whole
/// transcript when it fails.
pub fn openssl(args: &[&str]) -> Result<CmdOutput, String> {
    let mut cmd = client_command("openssl");
    cmd.args(args);
    let out = run(cmd, None, Duration::from_secs(120));
    if out.success() { Ok(out) } else { Err(out.describe()) }
}

/// `openssl req -new -config <conf> -key <key> -subj <subject> -out <csr>`.
pub fn openssl_csr(conf: &str, key: &str, subject: &str, csr: &str) -> Result<(), String> {
    openssl(&["req", "-new", "-config", conf, "-key", key, "-subj", subject, "-out", csr]).map(drop)
}

/// `curl -sS --max-time 20 --cacert CA --resolve localhost:PORT:127.0.0.1 <args>`.
/// Add `-v` to get the handshake details on stderr.
pub fn curl(port: u16, ca: &Path, args: &[&str]) -> CmdOutput {
    let mut cmd = client_command("curl");
    cmd.args(["-sS", "--max-time", "20", "--cacert"])
        .arg(ca)
        .arg("--resolve")
        .arg(format!("localhost:{port}:127.0.0.1"))
        .args(args);
    run(cmd, None, CLIENT_TIMEOUT)
}

/// From `curl -v` stderr: the protocol of "SSL connection using TLSv1.3 / TLS_AES_..." .
pub fn curl_tls_version(stderr: &str) -> Option<String> {
    let line = stderr
        .lines()
        .find(|l| l.contains("SSL connection using "))?;
    let rest = line.split("SSL connection using ").nth(1)?;
    Some(rest.split(" / ").next()?.trim().to_string())
}

/// From `curl -v` stderr: the cipher of "SSL connection using TLSv1.3 / TLS_AES_..." .
pub fn curl_cipher(stderr: &str) -> Option<String> {
    let line = stderr
        .lines()
        .find(|l| l.contains("SSL connection using "))?;
    Some(line.split(" / ").nth(1)?.trim().to_string())
}

/// Parsed `openssl s_client` output.
#[derive(Debug, Clone)]
pub struct SClient {
    pub out: CmdOutput,
    /// `Protocol  : TLSv1.3` from the session block (or the `New, TLSv1.3, ...` line).
    pub protocol: Option<String>,
    /// Negotiated cipher; `None` when it says `(NONE)` / `0000`.
    pub cipher: Option<String>,
    /// First `subject=` line: the server certificate's subject.
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// `Peer signature type: ECDSA` / `RSA-PSS` / `RSA`.
    pub peer_sig_type: Option<String>,
    /// `Peer signing digest: SHA256`.
    pub peer_digest: Option<String>,
    /// Key type of the server certificate from the chain listing (`a:PKEY: rsaEncryption, ...`
    /// or `id-ecPublicKey`).
    pub server_key_type: Option<String>,
    /// `Server public key is 2048 bit`.
    pub server_key_bits: Option<u32>,
    /// `Server Temp Key: X25519, 253 bits`.
    pub temp_key: Option<String>,
    /// `ALPN protocol: h2`; `None` for "No ALPN negotiated".
    pub alpn: Option<String>,
    /// `Verify return code: 0 (ok)` → `Some(0)`.
    pub verify_code: Option<i64>,
    /// `Reused, ...` rather than `New, ...`.
    pub reused: bool,
}

impl SClient {
    /// A cipher was negotiated (the handshake completed).
    pub fn handshake_ok(&self) -> bool {
        self.cipher.is_some() && self.protocol.is_some()
    }

    /// The server certificate is the RSA or the ECDSA `localhost` one (from its `OU`).
    pub fn cert_ou(&self) -> Option<String> {
        let s = self.subject.as_deref()?;
        s.split(',').map(str::trim).find_map(|kv| {
            kv.strip_prefix("OU = ")
                .or_else(|| kv.strip_prefix("OU="))
                .map(str::to_string)
        })
    }

    /// An alert the client reported receiving ("... alert protocol version ..."), if any.
    pub fn alert(&self) -> Option<String> {
        let all = format!("{}\n{}", self.out.stdout, self.out.stderr);
        all.lines()
            .find(|l| l.contains("alert"))
            .map(str::to_string)
    }

    pub fn parse(out: CmdOutput) -> SClient {
        let text = out.stdout.clone();
        let field = |prefix: &str| -> Option<String> {
            text.lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix(prefix))
                .map(|v| v.trim().to_string())
        };
        let mut protocol = field("Protocol  :").or_else(|| field("Protocol :"));
        let mut cipher = field("Cipher    :").or_else(|| field("Cipher :"));
        let mut reused = false;
        // "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384" / "New, (NONE), Cipher is (NONE)"
        if let Some(l) = text
            .lines()
            .find(|l| l.starts_with("New, ") || l.starts_with("Reused, "))
        {
            reused = l.starts_with("Reused, ");
            let parts: Vec<&str> = l.split(", ").collect();
            if protocol.is_none() {
                protocol = parts.get(1).map(|s| s.to_string());
            }
            if cipher.is_none() {
                cipher = l.split("Cipher is ").nth(1).map(|s| s.trim().to_string());
            }
        }
        let none = |v: Option<String>| {
            v.filter(|s| !s.is_empty() && s != "(NONE)" && s != "0000" && s != "NONE")
        };
        let protocol = none(protocol);
        let cipher = none(cipher);
        let server_key_bits = field("Server public key is ")
            .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()));
        let alpn = field("ALPN protocol:");
        let verify_code = field("Verify return code:")
            .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()));
        let server_key_type = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("a:PKEY: "))
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_string());
        SClient {
            server_key_type,
            protocol,
            cipher,
            subject: field("subject="),
            issuer: field("issuer="),
            peer_sig_type: field("Peer signature type:"),
            peer_digest: field("Peer signing digest:"),
            server_key_bits,
            temp_key: field("Server Temp Key:"),
            alpn,
            verify_code,
            reused,
            out,
        }
    }

    pub fn describe(&self) -> String {
        format!(
            "protocol={:?} cipher={:?} subject={:?} sig={:?} alpn={:?} verify={:?}\n{}",
            self.protocol,
            self.cipher,
            self.subject,
            self.peer_sig_type,
            self.alpn,
            self.verify_code,
            self.out.describe()
        )
    }
}

/// `openssl s_client -connect 127.0.0.1:PORT -servername localhost -CAfile CA <args>`, with
/// `stdin` as its input (closing stdin ends the session unless `-ign_eof` is given).
pub fn s_client(port: u16, ca: &Path, args: &[&str], stdin: &[u8]) -> SClient {
    let mut cmd = client_command("openssl");
    cmd.arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(ca)
        .args(args);
    SClient::parse(run(cmd, Some(stdin), CLIENT_TIMEOUT))
}

/// `python3 -c <script> <args>`.
pub fn python(script: &str, args: &[&str], timeout: Duration) -> CmdOutput {
    let mut cmd = client_command("python3");
    cmd.arg("-c")
        .arg(script)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1");
    run(cmd, None, timeout)
}

/// Python `ssl` handshake (+ optional GET) as seen by the client. Parsed from `key=value` lines.
#[derive(Debug, Clone)]
pub struct PyTls {
    pub out: CmdOutput,
    pub version: Option<String>,
    pub cipher: Option<String>,
    /// Subject CN and OU of the server certificate.
    pub peer_cn: Option<String>,
    pub peer_ou: Option<String>,
    pub alpn: Option<String>,
    /// HTTP status code of the GET, if one was made.
    pub status: Option<u16>,
    pub body: Option<String>,
    /// Python's exception, if the handshake or request failed: `SSLError: [SSL: ...] ...`.
    pub error: Option<String>,
    /// The libssl file(s) the Python client process mapped (must be the system one).
    pub libssl: Option<String>,
}

impl PyTls {
    pub fn ok(&self) -> bool {
        self.out.success() && self.error.is_none() && self.version.is_some()
    }

    pub fn describe(&self) -> String {
        format!(
            "version={:?} cipher={:?} cn={:?} ou={:?} status={:?} error={:?}\n{}",
            self.version,
            self.cipher,
            self.peer_cn,
            self.peer_ou,
            self.status,
            self.error,
            self.out.describe()
        )
    }
}

/// Options for [`py_tls`].
#[derive(Debug, Clone, Default)]
pub struct PyTlsOpts<'a> {
    /// `TLSv1_2`, `TLSv1_3` (names of `ssl.TLSVersion`).
    pub max_version: Option<&'a str>,
    pub min_version: Option<&'a str>,
    /// OpenSSL cipher string for `set_ciphers` (TLS 1.2 suites).
    pub ciphers: Option<&'a str>,
    /// Path to GET after the handshake (`Connection: close`, body read to EOF).
    pub get: Option<&'a str>,
    /// SNI / verified name; default `localhost`.
    pub server_name: Option<&'a str>,
    /// ALPN protocols to offer, comma separated.
    pub alpn: Option<&'a str>,
}

const PY_TLS: &str = r#"
import socket, ssl, sys
port, ca, name, maxv, minv, ciphers, path, alpn = sys.argv[1:9]
def say(k, v):
    print(f"{k}={v}", flush=True)
say("libssl", ",".join(sorted({l.split()[-1] for l in open("/proc/self/maps") if "/libssl" in l})))
try:
    ctx = ssl.create_default_context(cafile=ca)
    if maxv: ctx.maximum_version = getattr(ssl.TLSVersion, maxv)
    if minv: ctx.minimum_version = getattr(ssl.TLSVersion, minv)
    if ciphers: ctx.set_ciphers(ciphers)
    if alpn: ctx.set_alpn_protocols(alpn.split(","))
    with socket.create_connection(("127.0.0.1", int(port)), timeout=20) as s:
        with ctx.wrap_socket(s, server_hostname=name) as t:
            say("version", t.version())
            say("cipher", t.cipher()[0])
            say("alpn", t.selected_alpn_protocol())
            subj = dict(x[0] for x in t.getpeercert().get("subject", ()))
            say("peer_cn", subj.get("commonName"))
            say("peer_ou", subj.get("organizationalUnitName"))
            if path:
                t.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while True:
                    chunk = t.recv(65536)
                    if not chunk: break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                say("status", head.split(b" ")[1].decode())
                say("body", repr(body.decode("latin-1")))
except Exception as e:
    say("error", f"{type(e).__name__}: {e}")
    sys.exit(3)
"#;

/// One Python `ssl` connection to 127.0.0.1:`port` (default context trusting `ca`).
pub fn py_tls(port: u16, ca: &Path, opts: &PyTlsOpts) -> PyTls {
    let port_s = port.to_string();
    let ca_s = ca.to_string_lossy();
    let args = [
        port_s.as_str(),
        &ca_s,
        opts.server_name.unwrap_or("localhost"),
        opts.max_version.unwrap_or(""),
        opts.min_version.unwrap_or(""),
        opts.ciphers.unwrap_or(""),
        opts.get.unwrap_or(""),
        opts.alpn.unwrap_or(""),
    ];
    let out = python(PY_TLS, &args, CLIENT_TIMEOUT);
    let get = |k: &str| -> Option<String> {
        let prefix = format!("{k}=");
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .map(str::to_string)
            .filter(|v| v != "None")
    };
    PyTls {
        version: get("version"),
        cipher: get("cipher"),
        peer_cn: get("peer_cn"),
        peer_ou: get("peer_ou"),
        alpn: get("alpn"),
        status: get("status").and_then(|s| s.parse().ok()),
        body: get("body").map(|b| py_unrepr(&b)),
        error: get("error"),
        libssl: get("libssl"),
        out,
    }
}

/// Undo Python's `repr()` of a str well enough for ASCII/latin-1 bodies.
fn py_unrepr(s: &str) -> String {
    let inner = s.get(1..s.len().saturating_sub(1)).unwrap_or("");
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                if let Ok(v) = u8::from_str_radix(&h, 16) {
                    out.push(v as char);
                }
            }
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}
