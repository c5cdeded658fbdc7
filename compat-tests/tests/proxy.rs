//! mod_ssl as a TLS *client*: httpd as a reverse proxy (`SSLProxyEngine on`, mod_proxy +
//! mod_proxy_http, mod_proxy_http2) in front of TLS backends, side by side: the *frontend*
//! httpd runs over the system OpenSSL (the reference) and over sslshim, with the same
//! configuration and the same requests; the backends always run over the system OpenSSL.
//!
//! Each test starts one backend httpd (System mode) listening on several ports (one vhost
//! each: TLS 1.2 only, client certificates required, a certificate from an untrusted CA, an
//! expired one, one for `a.test` only, a revoked one) and, for broken backends, raw TCP
//! listeners in this process. Then, per mode, one frontend whose main vhost has
//! `SSLProxyEngine on`, `SSLProxyVerify require` and the test CA, and one
//! `ProxyPass /<case>/ <backend>/c/<case>/` per case, the case's `SSLProxy*` directives in a
//! `<Proxy>` section (each such section is an SSL_CTX of its own in mod_ssl).
//!
//! Compared per case: the HTTP status through the frontend (and the page, for 200) and what
//! the backend saw (its log: protocol, cipher, SNI, client certificate CN, HTTP version, i.e.
//! ALPN h2; its `X-Backend-Vhost` header); for raw listeners the ClientHello the frontend sent
//! (SNI, ALPN, versions). The expected results are written down per case and must hold in
//! both modes, and session resumption towards the backend must be the same (mod_ssl never
//! offers a session, so there is none). Differences that are no failure (cipher preference
//! order, log message codes) are printed as notes.
//!
//! Statuses: with Debian's httpd 2.4.71 a failed handshake with the backend gives 500 through
//! mod_proxy_http and 503 through mod_proxy_http2 (not 502), over OpenSSL as over sslshim:
//! see [`HS_FAIL`].
//!
//! ```sh
//! make build && cargo test --release -p compat-tests --test proxy -- --nocapture
//! SSLSHIM_KEEP=1 ...   # keep the server dirs (frontends log at ssl:debug proxy:debug)
//! ```

use compat_tests::httpd::{INDEX_HTML, big_file_bytes, module_exists};
use compat_tests::{Httpd, Mode, certs, clients, compare_modes, proc};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use clients::openssl as ossl;

// ---- PKI: what the standard test certificates lack ---------------------------------------

/// `<certs>/proxy/`: made once per process with the system `openssl` command.
///
/// | file | what |
/// |---|---|
/// | `rogue-ca.crt` | self-signed CA nobody trusts |
/// | `rogue.crt` | server cert for localhost / 127.0.0.1 from the rogue CA |
/// | `rogue-client.pem` | clientAuth cert + key from the rogue CA |
/// | `expired.crt` | server cert for localhost from the test CA, valid 2020 .. 2021 |
/// | `revoked.crt`, `crl.pem` | server cert for localhost from the test CA, revoked in `crl.pem` |
/// | `inter.crt` | intermediate CA under the standard client CA |
/// | `leaf-inter.pem` | clientAuth cert (`CN=proxy-leaf`) + key from `inter` |
/// | `client.pem` | the standard client cert (`CN=client`) + key |
/// | `two.pem` | `rogue-client` cert + key, then `client` cert + key |
struct Pki {
    dir: PathBuf,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = certs().dir.join("proxy");
        make_pki(&dir).unwrap_or_else(|e| panic!("generating the proxy-test PKI: {e}"));
        Pki { dir }
    })
}

impl Pki {
    fn f(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}

fn write(p: &Path, text: &str) -> Result<(), String> {
    std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?;
    chmod(p, 0o644);
    Ok(())
}

const EXT_CA: &str = "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
                      subjectKeyIdentifier = hash\n";
const EXT_SERVER: &str = "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n\
                          extendedKeyUsage = serverAuth\nsubjectKeyIdentifier = hash\n\
                          authorityKeyIdentifier = keyid,issuer\nsubjectAltName = DNS:localhost,IP:127.0.0.1\n";
const EXT_CLIENT: &str = "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
                          extendedKeyUsage = clientAuth\nsubjectKeyIdentifier = hash\n\
                          authorityKeyIdentifier = keyid,issuer\nsubjectAltName = DNS:proxy-client\n";

fn make_pki(dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    chmod(dir, 0o755);
    let p = |f: &str| dir.join(f).display().to_string();
    let c = certs();
    write(
        &dir.join("req.cnf"),
        &format!("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n[ext_ca]\n{EXT_CA}"),
    )?;
    let key = |stem: &str| -> Result<(), String> {
        ossl(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &p(&format!("{stem}.key"))])?;
        chmod(&dir.join(format!("{stem}.key")), 0o644);
        Ok(())
    };
    // `openssl ca` setup per issuing CA: own database (for dates, revocation and the CRL).
    let ca_conf = |name: &str, crt: &str, ca_key: &str| -> Result<String, String> {
        let db = dir.join(format!("db-{name}"));
        std::fs::create_dir_all(db.join("new")).map_err(|e| e.to_string())?;
        if !db.join("index.txt").exists() {
            write(&db.join("index.txt"), "")?;
            write(&db.join("index.txt.attr"), "unique_subject = no\n")?;
            let serial = compat_tests::Rng::from_clock().next_u64() >> 8 | 0x1000;
            write(&db.join("serial"), &format!("{serial:016X}\n"))?;
            write(&db.join("crlnumber"), "1000\n")?;
        }
        let conf = format!(
            "[ca]\ndefault_ca = this\n[this]\ndir = {d}\ndatabase = $dir/index.txt\n\
             new_certs_dir = $dir/new\nserial = $dir/serial\ncrlnumber = $dir/crlnumber\n\
             certificate = {crt}\nprivate_key = {ca_key}\ndefault_md = sha256\ndefault_days = 3650\n\
             default_crl_days = 3650\npolicy = any\nunique_subject = no\ncopy_extensions = none\n\
             [any]\ncommonName = supplied\n[crl_ext]\nauthorityKeyIdentifier = keyid:always\n",
            d = db.display()
        );
        let path = db.join("ca.cnf");
        write(&path, &conf)?;
        Ok(path.display().to_string())
    };
    let issue = |stem: &str, conf: &str, subject: &str, ext: &str, dates: Option<(&str, &str)>| -> Result<(), String> {
        key(stem)?;
        let csr = p(&format!("{stem}.csr"));
        clients::openssl_csr(&p("req.cnf"), &p(&format!("{stem}.key")), subject, &csr)?;
        write(&dir.join(format!("{stem}.ext")), &format!("[ext]\n{ext}"))?;
        let (ext_file, out) = (p(&format!("{stem}.ext")), p(&format!("{stem}.crt")));
        let mut args = vec![
            "ca", "-batch", "-notext", "-config", conf, "-preserveDN", "-in", &csr, "-extfile", &ext_file, "-extensions",
            "ext", "-out", &out,
        ];
        if let Some((start, end)) = dates {
            args.extend_from_slice(&["-startdate", start, "-enddate", end]);
        }
        ossl(&args)?;
        chmod(&dir.join(format!("{stem}.crt")), 0o644);
        Ok(())
    };
    let cat = |out: &str, parts: &[String]| -> Result<(), String> {
        let mut text = String::new();
        for f in parts {
            text += &std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?;
        }
        write(&dir.join(out), &text)
    };

    key("rogue-ca")?;
    ossl(&[
        "req", "-x509", "-new", "-config", &p("req.cnf"), "-extensions", "ext_ca", "-key", &p("rogue-ca.key"), "-subj",
        "/O=elsewhere/CN=untrusted proxy-test CA", "-days", "3650", "-sha256", "-out", &p("rogue-ca.crt"),
    ])?;
    chmod(&dir.join("rogue-ca.crt"), 0o644);
    let rogue = ca_conf("rogue", &p("rogue-ca.crt"), &p("rogue-ca.key"))?;
    let test_ca = ca_conf("test", &c.ca.cert.display().to_string(), &c.ca.key.display().to_string())?;
    let client_ca = ca_conf("client", &c.client_ca.cert.display().to_string(), &c.client_ca.key.display().to_string())?;
    issue("rogue", &rogue, "/O=elsewhere/OU=rogue/CN=localhost", EXT_SERVER, None)?;
    issue("rogue-client", &rogue, "/O=elsewhere/CN=rogue-client", EXT_CLIENT, None)?;
    issue("expired", &test_ca, "/O=sslshim/OU=expired/CN=localhost", EXT_SERVER, Some(("20200101000000Z", "20210101000000Z")))?;
    issue("revoked", &test_ca, "/O=sslshim/OU=revoked/CN=localhost", EXT_SERVER, None)?;
    ossl(&["ca", "-config", &test_ca, "-revoke", &p("revoked.crt"), "-crl_reason", "keyCompromise"])?;
    ossl(&["ca", "-config", &test_ca, "-gencrl", "-crlexts", "crl_ext", "-out", &p("crl.pem")])?;
    chmod(&dir.join("crl.pem"), 0o644);
    issue("inter", &client_ca, "/O=sslshim/CN=proxy-test intermediate client CA", &format!("{EXT_CA}authorityKeyIdentifier = keyid:always\n"), None)?;
    let inter = ca_conf("inter", &p("inter.crt"), &p("inter.key"))?;
    issue("leaf-inter", &inter, "/O=sslshim/CN=proxy-leaf", EXT_CLIENT, None)?;
    let (ccrt, ckey) = (c.client.cert.display().to_string(), c.client.key.display().to_string());
    cat("client.pem", &[ccrt.clone(), ckey.clone()])?;
    cat("rogue-client.pem", &[p("rogue-client.crt"), p("rogue-client.key")])?;
    cat("two.pem", &[p("rogue-client.crt"), p("rogue-client.key"), ccrt, ckey])?;
    cat("leaf-inter.pem", &[p("leaf-inter.crt"), p("leaf-inter.key")])?;
    Ok(())
}

// ---- backend: httpd over the system OpenSSL, one vhost per port -----------------------------

/// Extra backend listeners (the main port is `main`: localhost certs, TLS 1.2 + 1.3, h2, and a
/// name-based vhost for `a.test`).
const BACKEND_PORTS: [&str; 6] = ["tls12", "mtls", "rogue", "expired", "atest", "revoked"];

/// The backend's own log: `proto|cipher|sni|resumed|client CN|client verify|HTTP version|
/// path?query|status|remote port`.
const BACKEND_LOG_FORMAT: &str = "%{SSL_PROTOCOL}x|%{SSL_CIPHER}x|%{SSL_TLS_SNI}x|%{SSL_SESSION_RESUMED}x|\
%{SSL_CLIENT_S_DN_CN}x|%{SSL_CLIENT_VERIFY}x|%H|%U%q|%>s|%{remote}p";

struct Backend {
    h: Httpd,
    ports: BTreeMap<&'static str, u16>,
}

impl Backend {
    fn port(&self, name: &str) -> u16 {
        if name == "main" { self.h.port() } else { self.ports[name] }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.h.dir().join("logs/proxy.log")).unwrap_or_default()
    }
}

fn backend_vhost(port: u16, tag: &str, cert: &str, key: &str, extra: &str) -> String {
    format!(
        "Listen 127.0.0.1:{port}\n<VirtualHost 127.0.0.1:{port}>\n  ServerName localhost\n  SSLEngine on\n  \
         SSLCertificateFile \"{cert}\"\n  SSLCertificateKeyFile \"{key}\"\n{extra}\n  \
         Header always set X-Backend-Vhost {tag}\n</VirtualHost>\n"
    )
}

fn start_backend() -> Backend {
    let c = certs();
    let k = pki();
    let s = |p: &Path| p.display().to_string();
    let mut last = String::new();
    for _ in 0..3 {
        let ports: BTreeMap<&'static str, u16> = BACKEND_PORTS.iter().map(|n| (*n, proc::free_port())).collect();
        let mut g = format!(
            "AliasMatch \"^/c/[^/]+/(.*)$\" \"@DOCROOT@/$1\"\nLogFormat \"{BACKEND_LOG_FORMAT}\" proxytest\n\
             CustomLog \"@DIR@/logs/proxy.log\" proxytest\n\
             <Location \"/c/echo/\">\n  SetHandler reflector\n</Location>\n\
             <VirtualHost 127.0.0.1:@PORT@>\n  ServerName a.test\n  SSLEngine on\n  \
             SSLCertificateFile \"{}\"\n  SSLCertificateKeyFile \"{}\"\n  \
             Header always set X-Backend-Vhost main-a.test\n</VirtualHost>\n",
            s(&c.named("a.test").cert),
            s(&c.named("a.test").key)
        );
        let (rsa_c, rsa_k, ec_c, ec_k) = (s(&c.rsa.cert), s(&c.rsa.key), s(&c.ecdsa.cert), s(&c.ecdsa.key));
        let both = format!("  SSLCertificateFile \"{ec_c}\"\n  SSLCertificateKeyFile \"{ec_k}\"");
        g += &backend_vhost(ports["tls12"], "tls12", &rsa_c, &rsa_k, &format!("{both}\n  SSLProtocol -all +TLSv1.2\n  Protocols http/1.1"));
        g += &backend_vhost(
            ports["mtls"],
            "mtls",
            &ec_c,
            &ec_k,
            &format!("  SSLVerifyClient require\n  SSLVerifyDepth 3\n  SSLCACertificateFile \"{}\"", s(&c.client_ca.cert)),
        );
        g += &backend_vhost(ports["rogue"], "rogue", &k.f("rogue.crt"), &k.f("rogue.key"), "");
        g += &backend_vhost(ports["expired"], "expired", &k.f("expired.crt"), &k.f("expired.key"), "");
        g += &backend_vhost(ports["atest"], "atest", &s(&c.named("a.test").cert), &s(&c.named("a.test").key), "");
        g += &backend_vhost(ports["revoked"], "revoked", &k.f("revoked.crt"), &k.f("revoked.key"), "");
        let r = Httpd::builder()
            .mode(Mode::System)
            .start_servers(1)
            .module("alias")
            .module("reflector")
            .vhost_conf("  Header always set X-Backend-Vhost main")
            .global_conf(&g)
            .try_start();
        match r {
            Ok(h) => return Backend { h, ports },
            Err(e) if e.log().contains("Address already in use") => last = e.to_string(),
            Err(e) => panic!("backend httpd did not start: {e}"),
        }
    }
    panic!("backend httpd did not start: {last}");
}

/// One line of the backend's `proxy.log`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Seen {
    protocol: String,
    cipher: String,
    sni: String,
    resumed: String,
    client_cn: String,
    client_verify: String,
    http: String,
    status: String,
    remote_port: String,
}

fn find_backend_line(b: &Backend, tag: &str, wait: Duration) -> Option<Seen> {
    let deadline = Instant::now() + wait;
    loop {
        let needle = format!("t={tag}|");
        if let Some(l) = b.log().lines().find(|l| l.contains(&needle)) {
            let f: Vec<&str> = l.split('|').collect();
            if f.len() >= 10 {
                return Some(Seen {
                    protocol: f[0].into(),
                    cipher: f[1].into(),
                    sni: f[2].into(),
                    resumed: f[3].into(),
                    client_cn: f[4].into(),
                    client_verify: f[5].into(),
                    http: f[6].into(),
                    status: f[8].into(),
                    remote_port: f[9].into(),
                });
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

// ---- raw backends: broken servers, and a look at the frontend's ClientHello ------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Misbehave {
    /// Answers the ClientHello with a plaintext HTTP error (a backend that speaks no TLS).
    PlainHttp,
    /// Reads the ClientHello and closes.
    Close,
    /// Sends half a ServerHello record and closes.
    Truncated,
    /// Sends a fatal handshake_failure alert.
    Alert,
    /// Sends bytes that are no TLS record at all, then closes.
    Garbage,
    /// Reads the ClientHello and never answers.
    Hang,
}

struct RawBackend {
    port: u16,
    stop: Arc<AtomicBool>,
    hellos: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl RawBackend {
    fn start(how: Misbehave) -> RawBackend {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind raw backend");
        let port = l.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let hellos = Arc::new(Mutex::new(Vec::new()));
        let (st, hs) = (stop.clone(), hellos.clone());
        thread::spawn(move || {
            for conn in l.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(s) = conn else { continue };
                let (st, hs) = (st.clone(), hs.clone());
                thread::spawn(move || serve_raw(s, how, &st, &hs));
            }
        });
        RawBackend { port, stop, hellos }
    }

    fn take_hellos(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.hellos.lock().unwrap())
    }
}

impl Drop for RawBackend {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept loop
    }
}

/// Reads one whole TLS record (the ClientHello), at most 3 s.
fn read_record(s: &mut TcpStream) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        if data.len() >= 5 && data.len() >= 5 + u16::from_be_bytes([data[3], data[4]]) as usize {
            break;
        }
        let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    data
}

fn serve_raw(mut s: TcpStream, how: Misbehave, stop: &AtomicBool, hellos: &Mutex<Vec<Vec<u8>>>) {
    let hello = read_record(&mut s);
    if hello.is_empty() && stop.load(Ordering::SeqCst) {
        return;
    }
    hellos.lock().unwrap().push(hello);
    let _ = match how {
        Misbehave::PlainHttp => s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        Misbehave::Close => Ok(()),
        // Handshake record announcing 0x4a bytes; ServerHello header and half a random.
        Misbehave::Truncated => s.write_all(&[0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8]),
        Misbehave::Alert => s.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]),
        Misbehave::Garbage => s.write_all(&[0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37].repeat(64)),
        Misbehave::Hang => {
            let deadline = Instant::now() + Duration::from_secs(15);
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(50));
            }
            Ok(())
        }
    };
    let _ = s.flush();
    thread::sleep(Duration::from_millis(20));
}

/// `openssl s_server -www` (system OpenSSL, no ALPN), killed on drop.
struct SServer {
    child: std::process::Child,
    port: u16,
}

impl SServer {
    fn start() -> SServer {
        let c = certs();
        let port = proc::free_port();
        let mut cmd = clients::client_command("openssl");
        cmd.args(["s_server", "-quiet", "-www", "-accept"]).arg(format!("127.0.0.1:{port}"));
        cmd.arg("-cert").arg(&c.ecdsa.cert).arg("-key").arg(&c.ecdsa.key);
        cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        let child = cmd.spawn().expect("openssl s_server");
        let s = SServer { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !proc::tcp_listening(port) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        s
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The parts of a ClientHello both libraries must agree on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Hello {
    sni: Option<String>,
    alpn: Vec<String>,
    /// `supported_versions`, or `[legacy_version]` without the extension.
    versions: Vec<u16>,
}

fn parse_hello(rec: &[u8]) -> Option<Hello> {
    // record header (5), handshake header (4)
    if rec.len() < 9 || rec[0] != 0x16 || rec[5] != 0x01 {
        return None;
    }
    let b = &rec[9..];
    let mut i = 0usize;
    let u16_at = |i: usize| -> Option<usize> { Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]) as usize) };
    let legacy = u16_at(0)? as u16;
    i += 2 + 32;
    i += 1 + *b.get(i)? as usize; // session id
    i += 2 + u16_at(i)?; // cipher suites
    i += 1 + *b.get(i)? as usize; // compression
    let mut h = Hello { versions: vec![legacy], ..Default::default() };
    if i >= b.len() {
        return Some(h);
    }
    let end = i + 2 + u16_at(i)?;
    i += 2;
    while i + 4 <= end.min(b.len()) {
        let (ty, len) = (u16_at(i)?, u16_at(i + 2)?);
        let d = b.get(i + 4..i + 4 + len)?;
        match ty {
            0 if d.len() > 5 => h.sni = Some(String::from_utf8_lossy(&d[5..]).into_owned()),
            16 if d.len() > 2 => {
                let mut j = 2;
                while j < d.len() {
                    let n = d[j] as usize;
                    h.alpn.push(String::from_utf8_lossy(d.get(j + 1..j + 1 + n)?).into_owned());
                    j += 1 + n;
                }
            }
            43 if !d.is_empty() => h.versions = d[1..].chunks(2).filter(|c| c.len() == 2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect(),
            _ => {}
        }
        i += 4 + len;
    }
    Some(h)
}

// ---- cases and the frontend ----------------------------------------------------------------

/// What the frontend answers when the TLS handshake with the backend fails (any reason:
/// verification, names, protocol, cipher, broken server), over OpenSSL as over sslshim.
/// Debian's httpd 2.4.71: mod_ssl logs "AH01997: SSL handshake failed: sending 502", but
/// mod_proxy_http reports the failed write of the request ("AH01097: pass request body
/// failed") as 500 Internal Server Error (with an HTTP/1.1 client as with h2).
const HS_FAIL: u16 = 500;
/// The same for mod_proxy_http2 (`h2://`): 503 Service Unavailable.
const H2_FAIL: u16 = 503;

#[derive(Clone, Default)]
struct Case {
    name: &'static str,
    /// Backend URL prefix, `https://localhost:PORT/c/<name>/` (or `h2://`).
    target: String,
    /// Directives in `<Proxy target>`.
    proxy: String,
    /// Extra `ProxyPass` parameters (`disablereuse=on`, `timeout=1`).
    params: &'static str,
    /// Directives in `<Location /<name>/>` (`ProxyPreserveHost On`).
    location: &'static str,
    /// `Host:` header sent to the frontend.
    host: Option<&'static str>,
    /// Requests made (1 unless set).
    requests: usize,
    expect: u16,
    /// Expected values of what the backend saw, when set (empty = not checked).
    protocol: &'static str,
    cipher: &'static str,
    sni: &'static str,
    client_cn: &'static str,
    http: &'static str,
    vhost: &'static str,
    /// `AHnnnnn` codes (or other text) the frontend error log must show for this case.
    log: &'static [&'static str],
    /// For raw backends: the ClientHello the frontend must send.
    hello: Option<Hello>,
    raw: Option<usize>,
}

fn url(scheme: &str, host: &str, port: u16, name: &str) -> String {
    format!("{scheme}://{host}:{port}/c/{name}/")
}

/// What one request gave.
#[derive(Debug, Clone, Default)]
struct Reply {
    status: u16,
    body_ok: bool,
    vhost: String,
    seen: Option<Seen>,
    curl_error: String,
}

#[derive(Debug, Clone, Default)]
struct CaseRun {
    replies: Vec<Reply>,
    /// Frontend error-log lines written during the case.
    log: String,
    hellos: Vec<Hello>,
}

#[derive(Debug)]
struct ModeRun {
    cases: Vec<CaseRun>,
    elapsed: Duration,
    /// Frontend error-log lines that mean a crash (segfault, panic, crit/alert/emerg).
    unexpected: Vec<String>,
    /// Requests to `/basic/` after all cases: the frontend still serves.
    after: Vec<Reply>,
}

fn frontend_conf(cases: &[Case]) -> String {
    let mut v = format!(
        "  SSLProxyEngine on\n  SSLProxyVerify require\n  SSLProxyCACertificateFile \"{}\"\n  ProxyTimeout 15\n",
        certs().ca.cert.display()
    );
    for c in cases {
        let _ = writeln!(v, "  ProxyPass /{}/ {} retry=0 {}", c.name, c.target, c.params);
        if !c.proxy.is_empty() {
            let _ = writeln!(v, "  <Proxy \"{}\">\n{}\n  </Proxy>", c.target, indent(&c.proxy));
        }
        if !c.location.is_empty() {
            let _ = writeln!(v, "  <Location /{}/>\n{}\n  </Location>", c.name, indent(c.location));
        }
    }
    v
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {}", l.trim())).collect::<Vec<_>>().join("\n")
}

fn start_frontend(mode: Mode, cases: &[Case]) -> Httpd {
    let mut b = Httpd::builder()
        .mode(mode)
        .start_servers(1)
        .timeout(20)
        .log_level("warn ssl:debug proxy:debug proxy_http:debug proxy_http2:info")
        .module("proxy")
        .module("proxy_http");
    if module_exists("proxy_http2") {
        b = b.module("proxy_http2");
    }
    b.vhost_conf(&frontend_conf(cases)).start()
}

/// GET `/<case>/index.html?t=<tag>` through the frontend.
fn request(f: &Httpd, b: &Backend, c: &Case, tag: &str) -> Reply {
    let u = f.url(&format!("/{}/index.html?t={tag}", c.name));
    let mut args = vec!["-w", "\n%{http_code}|%header{x-backend-vhost}"];
    let host = c.host.map(|h| format!("Host: {h}"));
    if let Some(h) = &host {
        args.extend(["-H", h.as_str()]);
    }
    args.push(&u);
    let out = f.curl(&args);
    let (body, tail) = out.stdout.rsplit_once('\n').unwrap_or(("", &out.stdout));
    let (code, vhost) = tail.split_once('|').unwrap_or((tail, ""));
    let status = code.trim().parse().unwrap_or(0);
    let seen = find_backend_line(b, tag, if status == 200 { Duration::from_secs(10) } else { Duration::from_millis(100) });
    Reply {
        status,
        body_ok: body == INDEX_HTML.trim_end_matches('\n') || body == INDEX_HTML,
        vhost: vhost.trim().to_string(),
        seen,
        curl_error: if out.success() { String::new() } else { out.describe() },
    }
}

fn run_mode(mode: Mode, cases: &[Case], b: &Backend, raws: &[RawBackend], after: Option<&Case>) -> ModeRun {
    let t0 = Instant::now();
    let mut all = cases.to_vec();
    all.extend(after.filter(|a| !cases.iter().any(|c| c.name == a.name)).cloned());
    let f = start_frontend(mode, &all);
    let mut runs = Vec::new();
    for c in cases {
        let mark = f.log_mark();
        if let Some(r) = c.raw {
            raws[r].take_hellos();
        }
        let mut run = CaseRun::default();
        for i in 0..c.requests.max(1) {
            run.replies.push(request(&f, b, c, &format!("{}-{}-{i}", mode.name(), c.name)));
        }
        thread::sleep(Duration::from_millis(30));
        run.log = f.error_log_since(mark);
        if let Some(r) = c.raw {
            run.hellos = raws[r].take_hellos().iter().filter_map(|h| parse_hello(h)).collect();
        }
        runs.push(run);
    }
    let after = after.map(|c| (0..2).map(|i| request(&f, b, c, &format!("{}-after-{i}", mode.name()))).collect()).unwrap_or_default();
    let unexpected = f
        .error_log()
        .lines()
        .filter(|l| ["Segmentation fault", "exit signal", "panicked", "SIGSEGV", "SIGABRT", ":emerg]", ":alert]", ":crit]"].iter().any(|p| l.contains(p)))
        .map(str::to_string)
        .collect();
    ModeRun { cases: runs, elapsed: t0.elapsed(), unexpected, after }
}

/// `AHnnnnn` codes of mod_ssl/mod_proxy lines about the backend connection in `log`.
fn codes(log: &str) -> BTreeSet<String> {
    // Lines about the incoming (curl) connection are the same in both modes and irrelevant.
    const INCOMING: &[&str] = &["AH01964", "AH02034", "AH01998", "AH02008", "AH10248", "AH01385", "AH02645"];
    let mut out = BTreeSet::new();
    for l in log.lines() {
        if !(l.contains("[ssl:") || l.contains("[proxy")) || l.contains(":debug]") || l.contains(":trace") || l.contains("[client ") {
            continue;
        }
        if let Some(p) = l.find("AH") {
            let code = &l[p..(p + 7).min(l.len())];
            if code.len() == 7 && code[2..].chars().all(|c| c.is_ascii_digit()) && !INCOMING.contains(&code) {
                out.insert(code.to_string());
            }
        }
    }
    out
}

/// mod_ssl's codes about the backend handshake, shown in the table for failed cases.
const INTERESTING: &[&str] = &[
    "AH02003", "AH02004", "AH02005", "AH02040", "AH02268", "AH02276", "AH02039", "AH02411", "AH10273", "AH10274", "AH01102",
];

/// The OpenSSL error codes (`error:0A00042E`) mod_ssl logged in `log`, and the X509
/// verification errors of the backend's certificate (`x509:20`).
fn reasons(log: &str) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = log
        .lines()
        .filter(|l| !l.contains("[client "))
        .filter_map(|l| l.find("error:").map(|p| l[p..].split(':').take(2).collect::<Vec<_>>().join(":")))
        .collect();
    for l in log.lines().filter(|l| !l.contains("[client ")) {
        if let Some(p) = l.find("Certificate Verification: Error (") {
            let rest = &l[p + "Certificate Verification: Error (".len()..];
            out.insert(format!("x509:{}", rest.split(')').next().unwrap_or("")));
        }
    }
    out
}

/// Runs `cases` in both modes and checks them; panics with a table listing every failure.
fn check_cases(title: &str, cases: &[Case], b: &Backend, raws: &[RawBackend], after: Option<&Case>) {
    let both = compare_modes(|mode| run_mode(mode, cases, b, raws, after));
    let mut failures: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut versions_noted = false;
    let mut table = format!(
        "\n== {title}: system {:.1?}, shim {:.1?}\n{:<16} {:>4} {:>7} {:>7}  {:<28} {:<28}\n",
        both.system.elapsed, both.shim.elapsed, "case", "exp", "system", "shim", "backend (system)", "backend (shim)"
    );
    for (i, c) in cases.iter().enumerate() {
        let (sys, shim) = (&both.system.cases[i], &both.shim.cases[i]);
        let st = |r: &CaseRun| r.replies.iter().map(|x| x.status.to_string()).collect::<Vec<_>>().join(",");
        let seen = |r: &CaseRun| {
            r.replies
                .first()
                .and_then(|x| x.seen.as_ref())
                .map(|s| format!("{} {} sni={} {} cn={}", s.protocol, s.cipher, s.sni, s.http, s.client_cn))
                .unwrap_or_else(|| {
                    let mut v: Vec<String> = codes(&r.log).into_iter().filter(|c| INTERESTING.contains(&c.as_str())).collect();
                    v.extend(reasons(&r.log));
                    format!("({})", v.join(" "))
                })
        };
        let _ = writeln!(table, "{:<16} {:>4} {:>7} {:>7}  {:<28} {:<28}", c.name, c.expect, st(sys), st(shim), seen(sys), seen(shim));
        let mut fail = |mode: Mode, what: String, run: &CaseRun| {
            failures.push(format!("[{}] {mode}: {what}\n  frontend log ({mode}):\n{}", c.name, excerpt(&run.log)));
        };
        for (mode, run) in [(Mode::System, sys), (Mode::Shim, shim)] {
            for (n, r) in run.replies.iter().enumerate() {
                if r.status != c.expect {
                    fail(mode, format!("request {n}: status {} (expected {}) {}", r.status, c.expect, r.curl_error), run);
                    continue;
                }
                if c.expect != 200 {
                    continue;
                }
                if !r.body_ok {
                    fail(mode, format!("request {n}: 200 but not the backend's page"), run);
                }
                if !c.vhost.is_empty() && r.vhost != c.vhost {
                    fail(mode, format!("request {n}: X-Backend-Vhost {:?} (expected {:?})", r.vhost, c.vhost), run);
                }
                let Some(s) = &r.seen else {
                    fail(mode, format!("request {n}: not in the backend log"), run);
                    continue;
                };
                for (field, got, want) in [
                    ("protocol", &s.protocol, c.protocol),
                    ("cipher", &s.cipher, c.cipher),
                    ("SNI", &s.sni, c.sni),
                    ("client CN", &s.client_cn, c.client_cn),
                    ("HTTP version", &s.http, c.http),
                ] {
                    if !want.is_empty() && got != want {
                        fail(mode, format!("request {n}: backend saw {field} {got:?} (expected {want:?})"), run);
                    }
                }
            }
            let cs = codes(&run.log);
            for want in c.log {
                if !cs.contains(*want) && !run.log.contains(want) {
                    fail(mode, format!("frontend log lacks {want} (has {cs:?})"), run);
                }
            }
            if let Some(want) = &c.hello {
                match run.hellos.first() {
                    None => fail(mode, "the raw backend got no ClientHello".into(), run),
                    Some(h) => {
                        let mut h = h.clone();
                        // sslshim speaks TLS 1.2 and 1.3 only (documented): compare those.
                        h.versions.retain(|v| *v >= 0x0303);
                        if h != *want {
                            fail(mode, format!("ClientHello {h:?} (expected {want:?})"), run);
                        }
                    }
                }
            }
        }
        // Cross-mode: what the backend saw, beyond the written-down expectations.
        for (n, (a, z)) in sys.replies.iter().zip(&shim.replies).enumerate() {
            if let (Some(a), Some(z)) = (&a.seen, &z.seen) {
                if (&a.protocol, &a.sni, &a.client_cn, &a.client_verify, &a.http) != (&z.protocol, &z.sni, &z.client_cn, &z.client_verify, &z.http) {
                    failures.push(format!("[{}] request {n}: backend saw system {a:?} vs shim {z:?}", c.name));
                }
                if a.cipher != z.cipher {
                    notes.push(format!("[{}] request {n}: cipher system {} vs shim {}", c.name, a.cipher, z.cipher));
                }
            }
        }
        let resumed = |r: &CaseRun| r.replies.iter().map(|x| x.seen.as_ref().map_or("-", |s| s.resumed.as_str()).to_string()).collect::<Vec<_>>();
        let conns = |r: &CaseRun| r.replies.iter().filter_map(|x| x.seen.as_ref().map(|s| s.remote_port.clone())).collect::<BTreeSet<_>>().len();
        // mod_ssl never offers a session towards a backend (no SSL_set_session), so neither
        // OpenSSL nor sslshim resumes: every backend connection is verified afresh.
        if resumed(sys) != resumed(shim) {
            failures.push(format!("[{}] backend SSL_SESSION_RESUMED system {:?} vs shim {:?}", c.name, resumed(sys), resumed(shim)));
        }
        if conns(sys) != conns(shim) {
            notes.push(format!("[{}] backend connections for {} requests: system {} vs shim {}", c.name, c.requests.max(1), conns(sys), conns(shim)));
        }
        if let (Some(a), Some(z)) = (sys.hellos.first(), shim.hellos.first()) {
            let modern = |h: &Hello| Hello { versions: h.versions.iter().copied().filter(|v| *v >= 0x0303).collect(), ..h.clone() };
            if modern(a) != modern(z) {
                notes.push(format!("[{}] ClientHello system {a:?} vs shim {z:?}", c.name));
            } else if a.versions != z.versions && !versions_noted {
                versions_noted = true;
                notes.push(format!(
                    "[{}] (and the other raw backends) supported_versions system {:04x?} vs shim {:04x?}: sslshim has no TLS 1.0/1.1",
                    c.name, a.versions, z.versions
                ));
            }
        }
        let (ra, rz) = (reasons(&sys.log), reasons(&shim.log));
        if ra != rz {
            notes.push(format!("[{}] OpenSSL error codes in the frontend log: system {ra:?} vs shim {rz:?}", c.name));
        }
        let (ca, cz) = (codes(&sys.log), codes(&shim.log));
        if ca != cz {
            notes.push(format!(
                "[{}] frontend log codes only in system {:?}, only in shim {:?}",
                c.name,
                ca.difference(&cz).collect::<Vec<_>>(),
                cz.difference(&ca).collect::<Vec<_>>()
            ));
        }
    }
    for (mode, run) in [(Mode::System, &both.system), (Mode::Shim, &both.shim)] {
        for (n, r) in run.after.iter().enumerate() {
            if r.status != 200 || !r.body_ok {
                failures.push(format!("{mode}: after the cases, request {n} got {} (frontend stopped serving?) {}", r.status, r.curl_error));
            }
        }
        if !run.unexpected.is_empty() {
            failures.push(format!("{mode}: frontend error log shows a crash:\n{}", run.unexpected.join("\n")));
        }
    }
    println!("{table}");
    for n in &notes {
        println!("note: {n}");
    }
    assert!(failures.is_empty(), "{title}: {} failure(s){table}\n{}", failures.len(), failures.join("\n\n"));
}

/// Frontend log lines worth showing in a failure: ssl/proxy lines about the backend.
fn excerpt(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| (l.contains("[ssl:") || l.contains("[proxy")) && !l.contains("AH01964") && !l.contains("AH02034"))
        .collect();
    let start = lines.len().saturating_sub(25);
    lines[start..].iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

fn basic_case(b: &Backend) -> Case {
    Case { name: "basic", target: url("https", "localhost", b.port("main"), "basic"), expect: 200, ..Default::default() }
}

// ---- tests ---------------------------------------------------------------------------------

/// `ProxyPass / https://localhost:BACKEND/` with verification: TLS 1.3, TLS 1.2 (backend or
/// `SSLProxyProtocol`), `SSLProxyCipherSuite` for both versions, connection reuse, a 10 MB
/// body, and h2 to the backend (mod_proxy_http2, ALPN h2).
#[test]
fn proxy_protocols_ciphers_h2() {
    let b = start_backend();
    let (main, tls12, atest) = (b.port("main"), b.port("tls12"), b.port("atest"));
    let s_server = SServer::start();
    let h = |name| url("https", "localhost", main, name);
    let mut cases = vec![
        Case { requests: 3, protocol: "TLSv1.3", sni: "localhost", http: "HTTP/1.1", vhost: "main", ..basic_case(&b) },
        Case { name: "fresh", target: h("fresh"), params: "disablereuse=on", requests: 3, expect: 200, protocol: "TLSv1.3", sni: "localhost", ..Default::default() },
        Case { name: "tls12", target: url("https", "localhost", tls12, "tls12"), requests: 2, expect: 200, protocol: "TLSv1.2", sni: "localhost", vhost: "tls12", ..Default::default() },
        Case {
            name: "fresh12",
            target: url("https", "localhost", tls12, "fresh12"),
            params: "disablereuse=on",
            requests: 2,
            expect: 200,
            protocol: "TLSv1.2",
            ..Default::default()
        },
        Case { name: "proto12", target: h("proto12"), proxy: "SSLProxyProtocol -all +TLSv1.2".into(), expect: 200, protocol: "TLSv1.2", sni: "localhost", ..Default::default() },
        Case { name: "proto13-to-12", target: url("https", "localhost", tls12, "proto13-to-12"), proxy: "SSLProxyProtocol -all +TLSv1.3".into(), expect: HS_FAIL, log: &["AH02003"], ..Default::default() },
        Case {
            name: "cipher12-ecdsa",
            target: h("cipher12-ecdsa"),
            proxy: "SSLProxyProtocol -all +TLSv1.2\nSSLProxyCipherSuite ECDHE-ECDSA-CHACHA20-POLY1305".into(),
            expect: 200,
            protocol: "TLSv1.2",
            cipher: "ECDHE-ECDSA-CHACHA20-POLY1305",
            ..Default::default()
        },
        Case {
            name: "cipher12-rsa",
            target: h("cipher12-rsa"),
            proxy: "SSLProxyProtocol -all +TLSv1.2\nSSLProxyCipherSuite ECDHE-RSA-AES128-GCM-SHA256".into(),
            expect: 200,
            protocol: "TLSv1.2",
            cipher: "ECDHE-RSA-AES128-GCM-SHA256",
            ..Default::default()
        },
        Case {
            name: "cipher13",
            target: h("cipher13"),
            proxy: "SSLProxyProtocol -all +TLSv1.3\nSSLProxyCipherSuite TLSv1.3 TLS_CHACHA20_POLY1305_SHA256".into(),
            expect: 200,
            protocol: "TLSv1.3",
            cipher: "TLS_CHACHA20_POLY1305_SHA256",
            ..Default::default()
        },
        Case {
            // The a.test backend has an ECDSA certificate only: no shared cipher.
            name: "nocipher",
            target: url("https", "localhost", atest, "nocipher"),
            proxy: "SSLProxyProtocol -all +TLSv1.2\nSSLProxyCipherSuite ECDHE-RSA-AES128-GCM-SHA256\nSSLProxyCheckPeerName off".into(),
            expect: HS_FAIL,
            log: &["AH02003"],
            ..Default::default()
        },
    ];
    if module_exists("proxy_http2") {
        cases.push(Case { name: "h2", target: url("h2", "localhost", main, "h2"), requests: 2, expect: 200, protocol: "TLSv1.3", sni: "localhost", http: "HTTP/2.0", vhost: "main", ..Default::default() });
        // The TLS 1.2 backend has `Protocols http/1.1`: httpd answers the ALPN offer "h2"
        // with "http/1.1", which was not offered: the client library refuses the ServerHello.
        cases.push(Case { name: "h2-wrongalpn", target: url("h2", "localhost", tls12, "h2-wrongalpn"), expect: H2_FAIL, log: &["AH02003"], ..Default::default() });
        // `openssl s_server` without -alpn ignores the offer: the handshake completes without
        // ALPN, and mod_ssl refuses it (SSL_get0_alpn_selected empty, "h2" required).
        cases.push(Case { name: "h2-noalpn", target: url("h2", "localhost", s_server.port, "h2-noalpn"), expect: H2_FAIL, log: &["AH10273"], ..Default::default() });
    }
    check_cases("protocols, ciphers, h2", &cases, &b, &[], Some(&basic_case(&b)));
    drop(s_server);

    // A 10 MB response through the proxy (many TLS records read by the frontend's client
    // side), and a 3 MB request body echoed by the backend (mod_reflector: many records
    // written by it).
    let want = big_file_bytes();
    let upload = compat_tests::Rng::new(0x0e_c40).bytes(3 << 20);
    let echo = Case { name: "echo", target: url("https", "localhost", main, "echo"), expect: 200, ..Default::default() };
    let both = compare_modes(|mode| {
        let f = start_frontend(mode, &[basic_case(&b), echo.clone()]);
        let (big, up, back) = (f.dir().join("big.out"), f.dir().join("upload.bin"), f.dir().join("echo.out"));
        std::fs::write(&up, &upload).unwrap();
        let o = big.display().to_string();
        let out = f.curl(&["-o", &o, "-w", "%{http_code}", &f.url("/basic/big.bin")]);
        let got = std::fs::read(&big).unwrap_or_default();
        let (u, e) = (format!("@{}", up.display()), back.display().to_string());
        let out2 = f.curl(&["--data-binary", &u, "-H", "Content-Type: application/octet-stream", "-o", &e, "-w", "%{http_code}", &f.url("/echo/x")]);
        let echoed = std::fs::read(&back).unwrap_or_default();
        ((out.stdout.trim().to_string(), got.len(), got == want), (out2.stdout.trim().to_string(), echoed.len(), echoed == upload))
    });
    println!("big.bin / echo through the proxy: system {:?}, shim {:?}", both.system, both.shim);
    assert_eq!(both.system.0, ("200".to_string(), want.len(), true), "system: 10 MB body through the proxy");
    assert_eq!(both.system.1, ("200".to_string(), upload.len(), true), "system: 3 MB request body echoed through the proxy");
    assert_eq!(both.shim, both.system, "10 MB response / 3 MB echoed request through the proxy: shim differs from system");
}

/// Verification of the backend: untrusted CA (`SSLProxyVerify require` / `none` /
/// `optional_no_ca`), `SSLProxyVerifyDepth`, expired certificate (`SSLProxyCheckPeerExpire`),
/// names (`SSLProxyCheckPeerName`, SNI from `ProxyPreserveHost`, IP literals), CRLs.
#[test]
fn proxy_verification_names_sni() {
    let b = start_backend();
    let k = pki();
    let (main, rogue, expired, atest, revoked) = (b.port("main"), b.port("rogue"), b.port("expired"), b.port("atest"), b.port("revoked"));
    let at = |port, name| url("https", "localhost", port, name);
    let crl = format!("SSLProxyCARevocationFile \"{}\"\nSSLProxyCARevocationCheck leaf", k.f("crl.pem"));
    let cases = vec![
        Case { name: "untrusted", target: at(rogue, "untrusted"), expect: HS_FAIL, log: &["AH02003"], ..Default::default() },
        Case { name: "untrusted-none", target: at(rogue, "untrusted-none"), proxy: "SSLProxyVerify none".into(), expect: 200, vhost: "rogue", ..Default::default() },
        Case { name: "untrusted-noca", target: at(rogue, "untrusted-noca"), proxy: "SSLProxyVerify optional_no_ca".into(), expect: 200, vhost: "rogue", ..Default::default() },
        Case {
            name: "wrong-cafile",
            target: at(main, "wrong-cafile"),
            proxy: format!("SSLProxyCACertificateFile \"{}\"", k.f("rogue-ca.crt")),
            expect: HS_FAIL,
            log: &["AH02003"],
            ..Default::default()
        },
        Case { name: "depth0", target: at(main, "depth0"), proxy: "SSLProxyVerifyDepth 0".into(), expect: HS_FAIL, log: &["AH02040"], ..Default::default() },
        Case { name: "depth1", target: at(main, "depth1"), proxy: "SSLProxyVerifyDepth 1".into(), expect: 200, ..Default::default() },
        Case { name: "expired", target: at(expired, "expired"), expect: HS_FAIL, log: &["AH02003"], ..Default::default() },
        Case { name: "expired-none", target: at(expired, "expired-none"), proxy: "SSLProxyVerify none".into(), expect: HS_FAIL, log: &["AH02004"], ..Default::default() },
        Case {
            name: "expired-nocheck",
            target: at(expired, "expired-nocheck"),
            proxy: "SSLProxyVerify none\nSSLProxyCheckPeerExpire off".into(),
            expect: 200,
            vhost: "expired",
            ..Default::default()
        },
        // Backend certificate for a.test only, reached as localhost.
        Case { name: "wrongname", target: at(atest, "wrongname"), expect: HS_FAIL, log: &["AH02411"], ..Default::default() },
        Case { name: "wrongname-off", target: at(atest, "wrongname-off"), proxy: "SSLProxyCheckPeerName off".into(), expect: 200, sni: "localhost", ..Default::default() },
        // SSLProxyCheckPeerCN alone: mod_ssl compares the subject CN (SSL_CLIENT_S_DN_CN of the
        // backend connection) with the host name.
        Case {
            name: "cn-wrong",
            target: at(atest, "cn-wrong"),
            proxy: "SSLProxyCheckPeerName off\nSSLProxyCheckPeerCN on".into(),
            expect: HS_FAIL,
            log: &["AH02005"],
            ..Default::default()
        },
        Case { name: "cn-right", target: at(main, "cn-right"), proxy: "SSLProxyCheckPeerName off\nSSLProxyCheckPeerCN on".into(), expect: 200, ..Default::default() },
        // ProxyPreserveHost: the SNI and the name checked are the client's Host.
        Case { name: "rightname", target: at(atest, "rightname"), location: "ProxyPreserveHost On", host: Some("a.test"), expect: 200, sni: "a.test", vhost: "atest", ..Default::default() },
        Case { name: "sni", target: at(main, "sni"), location: "ProxyPreserveHost On", host: Some("a.test"), expect: 200, sni: "a.test", vhost: "main-a.test", ..Default::default() },
        Case { name: "sni-localhost", target: at(main, "sni-localhost"), expect: 200, sni: "localhost", vhost: "main", ..Default::default() },
        // An IP literal: no SNI (RFC 6066), and mod_ssl matches names against DNS SANs only.
        Case { name: "ip", target: url("https", "127.0.0.1", main, "ip"), expect: HS_FAIL, log: &["AH02411"], ..Default::default() },
        Case { name: "ip-noname", target: url("https", "127.0.0.1", main, "ip-noname"), proxy: "SSLProxyCheckPeerName off".into(), expect: 200, sni: "-", vhost: "main", ..Default::default() },
        Case { name: "revoked", target: at(revoked, "revoked"), proxy: crl.clone(), expect: HS_FAIL, log: &["AH02003"], ..Default::default() },
        Case { name: "revoked-nocrl", target: at(revoked, "revoked-nocrl"), expect: 200, vhost: "revoked", ..Default::default() },
        Case { name: "crl-good", target: at(main, "crl-good"), proxy: crl, expect: 200, vhost: "main", ..Default::default() },
    ];
    check_cases("verification, names, SNI", &cases, &b, &[], Some(&basic_case(&b)));
}

/// `SSLProxyMachineCertificateFile` against a backend with `SSLVerifyClient require`
/// (client CA): TLS 1.3 and 1.2, without a certificate, choice among several certificates by
/// the backend's CA names (`SSL_get_client_CA_list` in mod_ssl's callback), a certificate the
/// backend does not accept, and `SSLProxyMachineCertificateChainFile` (intermediate CA).
#[test]
fn proxy_client_certificates() {
    let b = start_backend();
    let k = pki();
    let (mtls, main) = (b.port("mtls"), b.port("main"));
    let at = |name| url("https", "localhost", mtls, name);
    let machine = |file: &str| format!("SSLProxyMachineCertificateFile \"{}\"", k.f(file));
    let v12 = "\nSSLProxyProtocol -all +TLSv1.2";
    let chain = format!("{}\nSSLProxyMachineCertificateChainFile \"{}\"", machine("leaf-inter.pem"), k.f("inter.crt"));
    let cases = vec![
        Case { name: "mtls", target: at("mtls"), proxy: machine("client.pem"), requests: 2, expect: 200, protocol: "TLSv1.3", client_cn: "client", vhost: "mtls", ..Default::default() },
        Case { name: "mtls12", target: at("mtls12"), proxy: machine("client.pem") + v12, requests: 2, expect: 200, protocol: "TLSv1.2", client_cn: "client", ..Default::default() },
        // TLS 1.3: the backend refuses after the frontend's Finished (alert on first read).
        Case { name: "mtls-none", target: at("mtls-none"), expect: HS_FAIL, log: &["AH02268"], ..Default::default() },
        Case { name: "mtls12-none", target: at("mtls12-none"), proxy: v12.trim().into(), expect: HS_FAIL, log: &["AH02268"], ..Default::default() },
        Case { name: "mtls-pick", target: at("mtls-pick"), proxy: machine("two.pem"), expect: 200, client_cn: "client", ..Default::default() },
        Case { name: "mtls12-pick", target: at("mtls12-pick"), proxy: machine("two.pem") + v12, expect: 200, client_cn: "client", ..Default::default() },
        Case { name: "mtls-wrong", target: at("mtls-wrong"), proxy: machine("rogue-client.pem"), expect: HS_FAIL, log: &["AH02269"], ..Default::default() },
        Case { name: "mtls-chain", target: at("mtls-chain"), proxy: chain.clone(), expect: 200, client_cn: "proxy-leaf", ..Default::default() },
        Case { name: "mtls12-chain", target: at("mtls12-chain"), proxy: chain + v12, expect: 200, client_cn: "proxy-leaf", ..Default::default() },
        // Not asked for: nothing sent.
        Case { name: "mtls-unasked", target: url("https", "localhost", main, "mtls-unasked"), proxy: machine("client.pem"), expect: 200, client_cn: "-", ..Default::default() },
    ];
    check_cases("client certificates", &cases, &b, &[], Some(&basic_case(&b)));
}

/// Backends that break the handshake (plaintext HTTP, close after the ClientHello, half a
/// ServerHello, a fatal alert, garbage, silence with `timeout=1`): [`HS_FAIL`] in both modes, and the
/// frontend keeps serving. The ClientHello the frontend sent (SNI, ALPN, versions) is the same.
#[test]
fn proxy_broken_backends() {
    let b = start_backend();
    let raws: Vec<RawBackend> = [Misbehave::PlainHttp, Misbehave::Close, Misbehave::Truncated, Misbehave::Alert, Misbehave::Garbage, Misbehave::Hang]
        .into_iter()
        .map(RawBackend::start)
        .collect();
    let hello = |sni: Option<&str>, alpn: &[&str], versions: &[u16]| Hello {
        sni: sni.map(str::to_string),
        alpn: alpn.iter().map(|s| s.to_string()).collect(),
        versions: versions.to_vec(),
    };
    let v13_12 = [0x0304, 0x0303];
    let raw = |i: usize, name: &'static str, h: Hello| Case {
        name,
        target: url("https", "localhost", raws[i].port, name),
        expect: HS_FAIL,
        log: &["AH02003"],
        hello: Some(h),
        raw: Some(i),
        ..Default::default()
    };
    let mut cases = vec![
        raw(0, "plainhttp", hello(Some("localhost"), &[], &v13_12)),
        raw(1, "close", hello(Some("localhost"), &[], &v13_12)),
        raw(2, "truncated", hello(Some("localhost"), &[], &v13_12)),
        raw(3, "alert", hello(Some("localhost"), &[], &v13_12)),
        raw(4, "garbage", hello(Some("localhost"), &[], &v13_12)),
        Case { params: "timeout=1", ..raw(5, "hang", hello(Some("localhost"), &[], &v13_12)) },
        Case { target: url("https", "127.0.0.1", raws[1].port, "close-ip"), ..raw(1, "close-ip", hello(None, &[], &v13_12)) },
        Case { proxy: "SSLProxyProtocol -all +TLSv1.2".into(), ..raw(1, "close-tls12", hello(Some("localhost"), &[], &[0x0303])) },
    ];
    if module_exists("proxy_http2") {
        cases.push(Case { target: url("h2", "localhost", raws[1].port, "close-h2"), expect: H2_FAIL, ..raw(1, "close-h2", hello(Some("localhost"), &["h2"], &v13_12)) });
    }
    check_cases("broken backends", &cases, &b, &raws, Some(&basic_case(&b)));
}
