//! Client-certificate authentication fixtures (issue 4): a client PKI with the odd cases a
//! security matrix needs (expired, not yet valid, revoked, serverAuth-only, deep chains, an
//! untrusted CA, a revoked intermediate), CRLs, a CGI that dumps its environment, and a
//! Python client that presents a certificate and reports what happened.
//!
//! Everything is made with the system `openssl` command (`openssl ca` for dates, serials and
//! CRLs), once per test process, in `<certs dir>/clientauth/` (removed with the certificates).
//!
//! | stem | issuer | what |
//! |---|---|---|
//! | `root` | self | trusted client root CA (`SSLCACertificateFile`) |
//! | `inter` | root | intermediate CA |
//! | `inter2` | inter | second-level intermediate CA (for chains deeper than `SSLVerifyDepth`) |
//! | `rinter` | root | intermediate CA **revoked** in root's CRL |
//! | `other` | self | CA nobody trusts |
//! | `hint` | self | only appears in `dnreq.pem` (`SSLCADNRequestFile`) |
//! | `alice` | root | RSA-2048, `C=DE/O=sslshim/OU=clients/CN=alice/emailAddress=...` |
//! | `bob` | root | ECDSA P-256 `CN=bob` |
//! | `carol` | inter | ECDSA P-384; `carol-chain.pem` = carol + inter |
//! | `erin` | inter2 | `erin-chain.pem` = erin + inter2 + inter (root at depth 3) |
//! | `dave` | rinter | `dave-chain.pem` = dave + rinter |
//! | `expired` | root | valid 2020-01-01 .. 2021-01-01 |
//! | `notyet` | root | valid from 2099 |
//! | `revoked` | root | revoked in root's CRL |
//! | `serveronly` | root | extendedKeyUsage = serverAuth only |
//! | `stranger` | other | clientAuth, from the untrusted CA |
//! | `mallory` | root | key only: a P-256 key that matches no certificate |
//!
//! `capath/`, `crlpath/`, `dnpath/`: hashed directories (`openssl rehash`) with root,
//! the four CRLs, and `hint`.
//! `crls.pem`: CRLs of root (revokes `revoked` and `rinter`), inter, inter2 and rinter.
//! `dnreq.pem`: `hint` + `other` certificates (so the CertificateRequest names differ from the
//! trusted root's). `fake.htpasswd`: FakeBasicAuth users (password "password").

use crate::certs::certs;
use crate::clients::{self, CmdOutput, openssl, openssl_csr};
use crate::proc::run;
use crate::{Rng, set_mode};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

/// The client PKI directory (made on first use).
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = certs().dir.join("clientauth");
        Pki::make(&dir).unwrap_or_else(|e| panic!("generating the client-auth PKI: {e}"))
    })
}

#[derive(Debug, Clone)]
pub struct Pki {
    pub dir: PathBuf,
}

/// A client identity: the file with the certificate (and chain) to send, and its key.
#[derive(Debug, Clone)]
pub struct Ident {
    pub name: String,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn write(p: &Path, text: &str) -> Result<(), String> {
    std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    set_mode(p, 0o644).map_err(|e| e.to_string())
}

const KEY_P256: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
const KEY_P384: &[&str] = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"];
const KEY_RSA: &[&str] = &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"];

const EXT_CA: &str = "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
                      subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n";
const EXT_CLIENT: &str = "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
                          extendedKeyUsage = clientAuth\nsubjectKeyIdentifier = hash\n\
                          authorityKeyIdentifier = keyid,issuer\n";
const EXT_SERVER_ONLY: &str = "basicConstraints = critical,CA:FALSE\n\
                               keyUsage = critical,digitalSignature,keyEncipherment\n\
                               extendedKeyUsage = serverAuth\nsubjectKeyIdentifier = hash\n\
                               authorityKeyIdentifier = keyid,issuer\n";

impl Pki {
    fn p(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    fn s(&self, f: &str) -> String {
        self.p(f).to_string_lossy().into_owned()
    }

    /// A certificate file (PEM) of this PKI, e.g. `root.crt`, `crls.pem`, `dnreq.pem`.
    pub fn file(&self, f: &str) -> PathBuf {
        self.p(f)
    }

    /// Identity `name`: `<name>-chain.pem` if it exists (leaf + intermediates), else
    /// `<name>.crt`; key `<name>.key`.
    pub fn ident(&self, name: &str) -> Ident {
        let chain = self.p(&format!("{name}-chain.pem"));
        let cert = if chain.exists() {
            chain
        } else {
            self.p(&format!("{name}.crt"))
        };
        Ident {
            name: name.to_string(),
            cert,
            key: self.p(&format!("{name}.key")),
        }
    }

    /// PEM of one certificate (exactly as `openssl x509` writes it).
    pub fn pem(&self, stem: &str) -> String {
        std::fs::read_to_string(self.p(&format!("{stem}.crt"))).unwrap_or_default()
    }

    /// `openssl x509 -noout <what>` of `<stem>.crt` (e.g. `-serial`), value after the `=`.
    pub fn x509_field(&self, stem: &str, what: &str) -> String {
        let out = openssl(&[
            "x509",
            "-noout",
            "-in",
            &self.s(&format!("{stem}.crt")),
            "-nameopt",
            "RFC2253",
            what,
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let l = out.stdout.trim();
        l.split_once('=')
            .map(|x| x.1)
            .unwrap_or(l)
            .trim()
            .to_string()
    }

    fn key(&self, stem: &str, kt: &[&str]) -> Result<(), String> {
        let key = self.s(&format!("{stem}.key"));
        let mut args = vec!["genpkey"];
        args.extend_from_slice(kt);
        args.extend_from_slice(&["-out", &key]);
        openssl(&args)?;
        set_mode(&self.p(&format!("{stem}.key")), 0o644).map_err(|e| e.to_string())
    }

    /// `openssl ca` configuration for CA `ca` (its own database, serial and CRL number).
    fn ca_conf(&self, ca: &str) -> Result<String, String> {
        let d = self.p(&format!("db-{ca}"));
        std::fs::create_dir_all(d.join("new")).map_err(|e| e.to_string())?;
        let ds = d.to_string_lossy();
        if !d.join("index.txt").exists() {
            write(&d.join("index.txt"), "")?;
            write(&d.join("index.txt.attr"), "unique_subject = no\n")?;
            let serial = format!("{:016X}\n", (Rng::from_clock().next_u64() >> 2) | 0x1000);
            write(&d.join("serial"), &serial)?;
            write(&d.join("crlnumber"), "1000\n")?;
        }
        let conf = format!(
            "[ca]\ndefault_ca = this\n[this]\ndir = {ds}\ndatabase = $dir/index.txt\n\
             new_certs_dir = $dir/new\nserial = $dir/serial\ncrlnumber = $dir/crlnumber\n\
             certificate = {crt}\nprivate_key = {key}\ndefault_md = sha256\ndefault_days = 3650\n\
             default_crl_days = 3650\npolicy = any\nunique_subject = no\ncopy_extensions = none\n\
             [any]\ncommonName = supplied\n[crl_ext]\nauthorityKeyIdentifier = keyid:always\n",
            crt = self.s(&format!("{ca}.crt")),
            key = self.s(&format!("{ca}.key")),
        );
        let path = d.join("ca.cnf");
        write(&path, &conf)?;
        Ok(path.to_string_lossy().into_owned())
    }

    fn ext(&self, stem: &str, body: &str, san: Option<&str>) -> Result<String, String> {
        let mut text = format!("[ext]\n{body}");
        if let Some(san) = san {
            text.push_str(&format!("subjectAltName = {san}\n"));
        }
        let path = self.p(&format!("{stem}.ext"));
        write(&path, &text)?;
        Ok(path.to_string_lossy().into_owned())
    }

    fn req_conf(&self) -> Result<String, String> {
        let path = self.p("req.cnf");
        write(
            &path,
            "[req]\ndistinguished_name = dn\nprompt = no\nutf8 = yes\n[dn]\nCN = unused\n",
        )?;
        Ok(path.to_string_lossy().into_owned())
    }

    fn self_signed(&self, stem: &str, kt: &[&str], subject: &str) -> Result<(), String> {
        self.key(stem, kt)?;
        let conf = self.req_conf()?;
        let ext = self.ext(stem, EXT_CA, None)?;
        let csr = self.s(&format!("{stem}.csr"));
        openssl_csr(&conf, &self.s(&format!("{stem}.key")), subject, &csr)?;
        let serial = format!("0x{:x}", (Rng::from_clock().next_u64() >> 2) | 0x1000);
        openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-signkey",
            &self.s(&format!("{stem}.key")),
            "-days",
            "3650",
            "-sha256",
            "-set_serial",
            &serial,
            "-extfile",
            &ext,
            "-extensions",
            "ext",
            "-out",
            &self.s(&format!("{stem}.crt")),
        ])?;
        Ok(())
    }

    /// Issues `stem` from CA `ca` with `openssl ca` (dates optional: `YYYYMMDDHHMMSSZ`).
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &self,
        stem: &str,
        kt: &[&str],
        subject: &str,
        ext_body: &str,
        san: Option<&str>,
        ca: &str,
        dates: Option<(&str, &str)>,
    ) -> Result<(), String> {
        self.key(stem, kt)?;
        let conf = self.req_conf()?;
        let csr = self.s(&format!("{stem}.csr"));
        openssl_csr(&conf, &self.s(&format!("{stem}.key")), subject, &csr)?;
        let ext = self.ext(stem, ext_body, san)?;
        let ca_conf = self.ca_conf(ca)?;
        let out = self.s(&format!("{stem}.crt"));
        let mut args = vec![
            "ca",
            "-batch",
            "-notext",
            "-config",
            &ca_conf,
            "-preserveDN",
            "-utf8",
            "-in",
            &csr,
            "-extfile",
            &ext,
            "-extensions",
            "ext",
            "-out",
            &out,
        ];
        if let Some((start, end)) = dates {
            args.extend_from_slice(&["-startdate", start, "-enddate", end]);
        }
        openssl(&args)?;
        Ok(())
    }

    fn revoke(&self, ca: &str, stem: &str) -> Result<(), String> {
        let ca_conf = self.ca_conf(ca)?;
        openssl(&[
            "ca",
            "-config",
            &ca_conf,
            "-revoke",
            &self.s(&format!("{stem}.crt")),
            "-crl_reason",
            "keyCompromise",
        ])?;
        Ok(())
    }

    fn crl(&self, ca: &str) -> Result<String, String> {
        let ca_conf = self.ca_conf(ca)?;
        let out = self.s(&format!("{ca}.crl"));
        openssl(&[
            "ca", "-config", &ca_conf, "-gencrl", "-crlexts", "crl_ext", "-out", &out,
        ])?;
        std::fs::read_to_string(&out).map_err(|e| e.to_string())
    }

    fn concat(&self, out: &str, stems: &[&str]) -> Result<(), String> {
        let mut text = String::new();
        for s in stems {
            text.push_str(&self.pem(s));
        }
        write(&self.p(out), &text)
    }

    pub fn make(dir: &Path) -> Result<Pki, String> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        set_mode(dir, 0o755).map_err(|e| e.to_string())?;
        let p = Pki {
            dir: dir.to_path_buf(),
        };
        p.self_signed("root", KEY_P256, "/O=sslshim/CN=sslshim clientauth root CA")?;
        p.self_signed("other", KEY_P256, "/O=elsewhere/CN=untrusted client CA")?;
        p.self_signed("hint", KEY_P256, "/O=sslshim hints/CN=DN request hint CA")?;
        p.issue(
            "inter",
            KEY_P256,
            "/O=sslshim/CN=sslshim clientauth intermediate CA",
            EXT_CA,
            None,
            "root",
            None,
        )?;
        p.issue(
            "inter2",
            KEY_P256,
            "/O=sslshim/CN=sslshim clientauth second intermediate CA",
            EXT_CA,
            None,
            "inter",
            None,
        )?;
        p.issue(
            "rinter",
            KEY_P256,
            "/O=sslshim/CN=sslshim clientauth revoked intermediate CA",
            EXT_CA,
            None,
            "root",
            None,
        )?;
        let client = |stem: &str, kt: &[&str], subj: &str, ca: &str| {
            p.issue(
                stem,
                kt,
                subj,
                EXT_CLIENT,
                Some(&format!("email:{stem}@example.test")),
                ca,
                None,
            )
        };
        client(
            "alice",
            KEY_RSA,
            "/C=DE/O=sslshim/OU=clients/CN=alice/emailAddress=alice@example.test",
            "root",
        )?;
        client("bob", KEY_P256, "/O=sslshim/OU=clients/CN=bob", "root")?;
        client("carol", KEY_P384, "/O=sslshim/OU=clients/CN=carol", "inter")?;
        client("erin", KEY_P256, "/O=sslshim/OU=clients/CN=erin", "inter2")?;
        client("dave", KEY_P256, "/O=sslshim/OU=clients/CN=dave", "rinter")?;
        client(
            "revoked",
            KEY_P256,
            "/O=sslshim/OU=clients/CN=revoked",
            "root",
        )?;
        client("stranger", KEY_P256, "/O=elsewhere/CN=stranger", "other")?;
        p.issue(
            "expired",
            KEY_P256,
            "/O=sslshim/OU=clients/CN=expired",
            EXT_CLIENT,
            None,
            "root",
            Some(("20200101000000Z", "20210101000000Z")),
        )?;
        p.issue(
            "notyet",
            KEY_P256,
            "/O=sslshim/OU=clients/CN=notyet",
            EXT_CLIENT,
            None,
            "root",
            Some(("20990101000000Z", "20991231000000Z")),
        )?;
        p.issue(
            "serveronly",
            KEY_P256,
            "/O=sslshim/OU=clients/CN=serveronly",
            EXT_SERVER_ONLY,
            Some("DNS:serveronly.test"),
            "root",
            None,
        )?;
        p.key("mallory", KEY_P256)?;
        p.revoke("root", "revoked")?;
        p.revoke("root", "rinter")?;
        let mut crls = String::new();
        for ca in ["root", "inter", "inter2", "rinter"] {
            crls.push_str(&p.crl(ca)?);
        }
        write(&p.p("crls.pem"), &crls)?;
        p.concat("carol-chain.pem", &["carol", "inter"])?;
        p.concat("erin-chain.pem", &["erin", "inter2", "inter"])?;
        p.concat("dave-chain.pem", &["dave", "rinter"])?;
        p.concat("dnreq.pem", &["hint", "other"])?;
        // Hashed directories (`openssl rehash`) for SSLCACertificatePath,
        // SSLCARevocationPath and SSLCADNRequestPath.
        for (sub, files) in [
            ("capath", &["root.crt"][..]),
            (
                "crlpath",
                &["root.crl", "inter.crl", "inter2.crl", "rinter.crl"][..],
            ),
            ("dnpath", &["hint.crt"][..]),
        ] {
            let d = p.p(sub);
            std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
            set_mode(&d, 0o755).map_err(|e| e.to_string())?;
            for f in files {
                let ext = if f.ends_with(".crl") { "crl" } else { "pem" };
                let to = d.join(format!("{}.{ext}", f.split('.').next().unwrap()));
                std::fs::copy(p.p(f), &to).map_err(|e| e.to_string())?;
                set_mode(&to, 0o644).map_err(|e| e.to_string())?;
            }
            openssl(&["rehash", &d.to_string_lossy()])?;
        }
        // FakeBasicAuth: user = X509_NAME_oneline of the subject, password "password"
        // ({SHA} scheme, so no crypt(3) flavour matters).
        let mut htpasswd = String::new();
        for who in ["alice", "bob"] {
            let dn = openssl(&[
                "x509",
                "-noout",
                "-in",
                &p.s(&format!("{who}.crt")),
                "-subject",
                "-nameopt",
                "compat",
            ])?;
            let dn = dn
                .stdout
                .trim()
                .trim_start_matches("subject=")
                .trim()
                .to_string();
            htpasswd.push_str(&format!("{dn}:{{SHA}}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"));
        }
        write(&p.p("fake.htpasswd"), &htpasswd)?;
        // The CGI: its whole environment, NUL-separated.
        let cgi = p.p("env.cgi");
        write(
            &cgi,
            "#!/bin/sh\nprintf 'Content-Type: application/octet-stream\\r\\n\\r\\n'\nexec env -0\n",
        )?;
        set_mode(&cgi, 0o755).map_err(|e| e.to_string())?;
        Ok(p)
    }
}

/// The `KEY=VALUE\0...` body of `env.cgi`.
pub fn parse_env(body: &[u8]) -> BTreeMap<String, String> {
    body.split(|b| *b == 0)
        .filter_map(|kv| {
            let s = String::from_utf8_lossy(kv);
            let (k, v) = s.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// What one client connection (handshake + one GET) came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub out: CmdOutput,
    /// Negotiated protocol (`TLSv1.3`), if the client finished its side of the handshake.
    pub version: Option<String>,
    pub status: Option<u16>,
    pub body: Vec<u8>,
    /// Where it failed: `connect`, `handshake`, `request`, `response`.
    pub stage: Option<String>,
    /// The client's exception text.
    pub error: Option<String>,
}

impl Attempt {
    /// The TLS alert (OpenSSL reason code, e.g. `SSLV3_ALERT_BAD_CERTIFICATE`,
    /// `TLSV13_ALERT_CERTIFICATE_REQUIRED`) or a short class of the failure (`EOF`, `RESET`).
    pub fn failure(&self) -> Option<String> {
        let e = self.error.as_deref()?;
        if let Some(i) = e.find("[SSL: ") {
            let rest = &e[i + 6..];
            return Some(rest.split(']').next().unwrap_or(rest).to_string());
        }
        Some(
            if e.contains("EOF") || e.contains("UNEXPECTED_EOF") {
                "EOF"
            } else if e.contains("reset") || e.contains("Broken pipe") {
                "RESET"
            } else if e.contains("timed out") {
                "TIMEOUT"
            } else {
                e
            }
            .to_string(),
        )
    }

    pub fn env(&self) -> BTreeMap<String, String> {
        parse_env(&self.body)
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// One line for tables: `200 TLSv1.3`, `403 TLSv1.2`, `refused@handshake SSLV3_ALERT_...`.
    pub fn summary(&self) -> String {
        match (self.status, &self.stage) {
            (Some(s), _) => format!("{s} {}", self.version.as_deref().unwrap_or("?")),
            (None, stage) => format!(
                "refused@{} {}",
                stage.as_deref().unwrap_or("?"),
                self.failure().unwrap_or_default()
            ),
        }
    }
}

/// Options for one [`py_client`] connection.
#[derive(Debug, Clone, Default)]
pub struct ClientOpts<'a> {
    /// SNI and Host (default `localhost`).
    pub name: Option<&'a str>,
    pub ident: Option<&'a Ident>,
    /// `TLSv1_2` / `TLSv1_3`: pins the version (min = max).
    pub version: Option<&'a str>,
    pub path: &'a str,
    /// Offer TLS 1.3 post-handshake authentication.
    pub pha: bool,
    /// `Authorization` header value.
    pub authorization: Option<&'a str>,
}

const PY_CLIENT: &str = r#"
import socket, ssl, sys
a = dict(x.split("=", 1) for x in sys.argv[1:])
def say(k, v):
    print(f"{k}={v}", flush=True)
stage = "setup"
data = b""
try:
    ctx = ssl.create_default_context(cafile=a["ca"])
    if a.get("version"):
        v = getattr(ssl.TLSVersion, a["version"])
        ctx.minimum_version = v
        ctx.maximum_version = v
    if a.get("cert"):
        ctx.load_cert_chain(a["cert"], a["key"])
    if a.get("pha") == "1":
        ctx.post_handshake_auth = True
    stage = "connect"
    s = socket.create_connection(("127.0.0.1", int(a["port"])), timeout=20)
    stage = "handshake"
    t = ctx.wrap_socket(s, server_hostname=a["name"])
    say("version", t.version())
    stage = "request"
    req = f"GET {a['path']} HTTP/1.1\r\nHost: {a['name']}\r\nConnection: close\r\n"
    if a.get("auth"):
        req += f"Authorization: {a['auth']}\r\n"
    t.sendall((req + "\r\n").encode())
    stage = "response"
    while True:
        chunk = t.recv(65536)
        if not chunk:
            break
        data += chunk
except Exception as e:
    say("stage", stage)
    say("error", f"{type(e).__name__}: {e}")
if data:
    head, _, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ")
    if len(parts) > 1 and parts[0].startswith(b"HTTP/"):
        say("status", parts[1].decode())
    say("body", body.hex())
"#;

/// One Python `ssl` connection to 127.0.0.1:`port` trusting the test CA, presenting
/// `opts.ident` if given, GETting `opts.path`.
pub fn py_client(port: u16, opts: &ClientOpts) -> Attempt {
    let ca = certs().ca.cert.to_string_lossy().into_owned();
    let mut args = vec![
        format!("port={port}"),
        format!("ca={ca}"),
        format!("name={}", opts.name.unwrap_or("localhost")),
        format!("path={}", opts.path),
    ];
    if let Some(v) = opts.version {
        args.push(format!("version={v}"));
    }
    if let Some(id) = opts.ident {
        args.push(format!("cert={}", id.cert.display()));
        args.push(format!("key={}", id.key.display()));
    }
    if opts.pha {
        args.push("pha=1".into());
    }
    if let Some(auth) = opts.authorization {
        args.push(format!("auth={auth}"));
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = clients::python(PY_CLIENT, &argv, Duration::from_secs(40));
    let get = |k: &str| -> Option<String> {
        let prefix = format!("{k}=");
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .map(str::to_string)
    };
    let body = get("body").map(|h| hex_decode(&h)).unwrap_or_default();
    let mut a = Attempt {
        version: get("version").filter(|v| v != "None"),
        status: get("status").and_then(|s| s.parse().ok()),
        body,
        stage: get("stage"),
        error: get("error"),
        out: out.clone(),
    };
    if a.error.is_none() && a.status.is_none() {
        a.stage = Some("client".into());
        a.error = Some(format!("no response: {}", out.describe()));
    }
    a
}

fn hex_decode(h: &str) -> Vec<u8> {
    (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// `openssl s_client` (TLS version pinned by `args`) presenting `ident`, for what only it
/// prints: "Acceptable client certificate CA names".
pub fn s_client_ca_names(
    port: u16,
    name: &str,
    ident: &Ident,
    args: &[&str],
) -> (Vec<String>, CmdOutput) {
    let mut cmd = clients::client_command("openssl");
    cmd.arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", name, "-CAfile"])
        .arg(&certs().ca.cert)
        .arg("-cert")
        .arg(&ident.cert)
        .arg("-key")
        .arg(&ident.key)
        .args(["-nameopt", "RFC2253"])
        .args(args);
    let out = run(cmd, Some(b"Q\n"), Duration::from_secs(30));
    let mut names = Vec::new();
    let mut in_list = false;
    for l in out.stdout.lines() {
        if l.starts_with("Acceptable client certificate CA names") {
            in_list = true;
            continue;
        }
        if in_list {
            if l.starts_with("Requested Signature Algorithms")
                || l.starts_with("Client Certificate Types")
                || l.starts_with("Shared Requested")
                || l.starts_with("Peer signing")
                || l.starts_with("---")
                || l.trim().is_empty()
            {
                in_list = false;
                continue;
            }
            names.push(l.trim().to_string());
        }
    }
    (names, out)
}
