//! Shared by `config_alpn.rs` and `config_env.rs` (issue 3, items 6-9): one scenario per mode,
//! observations recorded as `key -> value`, then both modes diffed side by side.
//!
//! * [`Obs::put`] records an observation; after both runs every key must have the same value
//!   in both modes, unless the key is listed as a deliberate difference (with its reason).
//! * [`Obs::check`] is an absolute expectation in one mode (e.g. "h2load: 1000 succeeded").
//! * [`judge`] prints the whole table (visible with `--nocapture`) and fails with every
//!   problem at once, plus the error-log tail of each mode that had one.

#![allow(dead_code)]

use compat_tests::{BothModes, Httpd, Mode, clients};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What one mode's run of a scenario saw.
#[derive(Debug)]
pub struct Obs {
    pub mode: Mode,
    pub values: BTreeMap<String, String>,
    pub problems: Vec<String>,
    started: Instant,
    pub elapsed: Duration,
    /// Error log (tail) and server dir, kept for the failure message.
    pub diag: String,
}

impl Obs {
    pub fn new(mode: Mode) -> Obs {
        Obs {
            mode,
            values: BTreeMap::new(),
            problems: Vec::new(),
            started: Instant::now(),
            elapsed: Duration::ZERO,
            diag: String::new(),
        }
    }

    /// Records an observation compared across modes.
    pub fn put(&mut self, key: &str, value: impl ToString) {
        self.values.insert(key.to_string(), value.to_string());
    }

    /// An absolute expectation in this mode.
    pub fn check(&mut self, ok: bool, what: impl FnOnce() -> String) -> bool {
        if !ok {
            self.problems.push(what());
        }
        ok
    }

    /// Records a server's state at the end of (its part of) the scenario: unexpected error-log
    /// lines (`[ssl:error]`, crashes...) unless allowed, and its diagnostics for a failure
    /// message. Call once per server.
    pub fn finish(&mut self, h: &Httpd, allow: &[&str]) {
        let bad = h.error_log_unexpected(allow);
        if !bad.is_empty() {
            self.problems.push(format!(
                "unexpected error-log lines:\n    {}",
                bad.join("\n    ")
            ));
        }
        if !self.diag.is_empty() {
            self.diag.push('\n');
        }
        self.diag.push_str(&h.diagnostics());
        self.elapsed = self.started.elapsed();
    }
}

/// A difference between the modes that is deliberate: the keys matched by `prefix` (see
/// [`Deliberate::matches`]) may differ; `reason` goes into the table (and the README).
pub struct Deliberate<'a> {
    pub prefix: &'a str,
    pub reason: &'a str,
}

impl Deliberate<'_> {
    /// `prefix` is the whole key, or `abc*` (keys starting with `abc`), or `*xyz` (ending).
    pub fn matches(&self, key: &str) -> bool {
        if let Some(p) = self.prefix.strip_suffix('*') {
            key.starts_with(p)
        } else if let Some(p) = self.prefix.strip_prefix('*') {
            key.ends_with(p)
        } else {
            key == self.prefix
        }
    }
}

/// Prints the side-by-side table and panics with every problem: absolute checks that failed
/// in either mode and values that differ between the modes without a documented reason.
#[track_caller]
pub fn judge(test: &str, both: &BothModes<Obs>, deliberate: &[Deliberate]) {
    let (sys, shim) = (&both.system, &both.shim);
    let mut keys: Vec<&String> = sys.values.keys().chain(shim.values.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut table = String::new();
    let mut diffs = Vec::new();
    let none = "<absent>".to_string();
    for k in keys {
        let a = sys.values.get(k).unwrap_or(&none);
        let b = shim.values.get(k).unwrap_or(&none);
        let mark = if a == b {
            "="
        } else if let Some(d) = deliberate.iter().find(|d| d.matches(k)) {
            table.push_str(&format!("  ~ {k}: deliberate difference: {}\n", d.reason));
            "~"
        } else {
            diffs.push(format!(
                "{k}:\n      system: {}\n      shim:   {}",
                short(a),
                short(b)
            ));
            "X"
        };
        if a == b {
            table.push_str(&format!("  {mark} {k} = {}\n", short(a)));
        } else {
            table.push_str(&format!(
                "  {mark} {k}\n      system: {}\n      shim:   {}\n",
                short(a),
                short(b)
            ));
        }
    }
    eprintln!(
        "==== {test}: system {:.2?}, shim {:.2?} ====\n{table}",
        sys.elapsed, shim.elapsed
    );
    let mut msg = String::new();
    for o in [sys, shim] {
        for p in &o.problems {
            msg.push_str(&format!("[{}] {p}\n", o.mode));
        }
    }
    for d in &diffs {
        msg.push_str(&format!("[system != shim] {d}\n"));
    }
    if !msg.is_empty() {
        let mut diag = String::new();
        for o in [sys, shim] {
            if !o.problems.is_empty() || !diffs.is_empty() {
                diag.push_str(&format!("\n---- {} ----\n{}\n", o.mode, o.diag));
            }
        }
        let n = sys.problems.len() + shim.problems.len() + diffs.len();
        panic!("{test}: {n} problem(s)\n{msg}\n{table}{diag}");
    }
}

fn short(s: &str) -> String {
    let one = s.replace('\n', "\\n");
    if one.len() > 400 {
        let mut cut = 400;
        while !one.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}... ({} bytes)", &one[..cut], s.len())
    } else {
        one
    }
}

// ---- a CGI that prints its environment ---------------------------------------------------

/// Config for `/env.cgi` in the document root (mod_cgid, `Options +ExecCGI`), with
/// `SSLOptions +StdEnvVars +ExportCertData` for it.
pub const CGI_CONF: &str = "<Directory \"@DOCROOT@\">\n  Options +ExecCGI\n  AddHandler cgi-script .cgi\n  \
SSLOptions +StdEnvVars +ExportCertData\n</Directory>\nScriptSock \"@DIR@/run/cgisock\"";

/// Writes `htdocs/env.cgi`: its whole environment, NUL-separated.
pub fn install_env_cgi(h: &Httpd) {
    let p = h.dir().join("htdocs/env.cgi");
    std::fs::write(
        &p,
        "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\nexec env -0\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The `KEY=VALUE\0...` body of `env.cgi`.
pub fn parse_env(body: &[u8]) -> BTreeMap<String, String> {
    compat_tests::clientauth::parse_env(body)
}

/// One Python connection of [`py_conns`].
#[derive(Debug, Clone, Default)]
pub struct Conn {
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub reused: Option<bool>,
    pub status: Option<u16>,
    pub body: Vec<u8>,
    pub error: Option<String>,
}

impl Conn {
    pub fn env(&self) -> BTreeMap<String, String> {
        parse_env(&self.body)
    }
}

const PY_CONNS: &str = r#"
import socket, ssl, sys
a = dict(x.split("=", 1) for x in sys.argv[1:])
ctx = ssl.create_default_context(cafile=a["ca"])
if a.get("version"):
    v = getattr(ssl.TLSVersion, a["version"])
    ctx.minimum_version = v
    ctx.maximum_version = v
if a.get("ciphers"):
    ctx.set_ciphers(a["ciphers"])
sess = None
for i in range(int(a.get("conns", "1"))):
    def say(k, v):
        print(f"{i}.{k}={v}", flush=True)
    try:
        s = socket.create_connection(("127.0.0.1", int(a["port"])), timeout=20)
        t = ctx.wrap_socket(s, server_hostname=a["name"], session=sess)
        say("version", t.version())
        say("cipher", t.cipher()[0])
        say("reused", t.session_reused)
        t.sendall(f"GET {a['path']} HTTP/1.1\r\nHost: {a['name']}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            try:
                chunk = t.recv(65536)
            except ssl.SSLEOFError:
                break
            if not chunk:
                break
            data += chunk
        sess = t.session
        t.close()
        head, _, body = data.partition(b"\r\n\r\n")
        if b"transfer-encoding: chunked" in head.lower():
            plain = b""
            while body:
                size, _, rest = body.partition(b"\r\n")
                n = int(size.split(b";")[0], 16)
                if n == 0:
                    break
                plain += rest[:n]
                body = rest[n + 2:]
            body = plain
        say("status", head.split(b" ")[1].decode())
        say("body", body.hex())
    except Exception as e:
        say("error", f"{type(e).__name__}: {e}")
"#;

/// `conns` sequential Python `ssl` connections to `h`, each GETting `path`; every one after the
/// first offers the previous one's session (resumption). `version`: `TLSv1_2`/`TLSv1_3` pins it.
pub fn py_conns(
    h: &Httpd,
    version: Option<&str>,
    ciphers: Option<&str>,
    path: &str,
    conns: usize,
) -> (Vec<Conn>, clients::CmdOutput) {
    let mut args = vec![
        format!("port={}", h.port()),
        format!("ca={}", h.ca().display()),
        "name=localhost".to_string(),
        format!("path={path}"),
        format!("conns={conns}"),
    ];
    if let Some(v) = version {
        args.push(format!("version={v}"));
    }
    if let Some(c) = ciphers {
        args.push(format!("ciphers={c}"));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = h.python(PY_CONNS, &argv, Duration::from_secs(60));
    let mut v = vec![Conn::default(); conns];
    for l in out.stdout.lines() {
        let Some((k, val)) = l.split_once('=') else {
            continue;
        };
        let Some((i, k)) = k.split_once('.') else {
            continue;
        };
        let Some(c) = i.parse::<usize>().ok().and_then(|i| v.get_mut(i)) else {
            continue;
        };
        match k {
            "version" => c.version = Some(val.into()),
            "cipher" => c.cipher = Some(val.into()),
            "reused" => c.reused = Some(val == "True"),
            "status" => c.status = val.parse().ok(),
            "body" => c.body = hex_decode(val),
            "error" => c.error = Some(val.into()),
            _ => {}
        }
    }
    (v, out)
}

pub fn hex_decode(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// FNV-1a 64: a checksum for downloads in the table.
pub fn fnv64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The message part of an error-log line: after the `file.c(NNN): ` source tag (and a
/// `[client 1.2.3.4:port] ` prefix), else after the last `] `.
pub fn log_message(line: &str) -> String {
    let rest = match line.find("): ") {
        Some(i) if line[..i].contains(".c(") => &line[i + 3..],
        _ => line.rsplit("] ").next().unwrap_or(line),
    };
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix("[client ") {
        Some(r) => r.split_once("] ").map_or(r, |(_, m)| m),
        None => rest,
    };
    rest.trim().to_string()
}
