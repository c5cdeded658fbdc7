//! OCSP, side by side: OCSP stapling (`SSLUseStapling` and the `SSLStapling*` directives, mod_ssl's
//! status callback `stapling_cb` behind `SSL_CTX_set_tlsext_status_cb`) and client-certificate
//! OCSP checking (`SSLOCSPEnable` and friends, inside mod_ssl's verify callback). Every scenario
//! runs against a server over the system OpenSSL (the reference) and one over sslshim, with the
//! same configuration, the same responder and the same clients.
//!
//! Each test builds its own small PKI in a temp dir ([`Lab`]): a CA (index.txt kept by
//! `openssl ca`), a delegated OCSP signer (extendedKeyUsage OCSPSigning), server and client
//! certificates with an AIA OCSP URL `http://127.0.0.1:PORT/`, some revoked with
//! `openssl ca -revoke`.
//!
//! The responder is Debian's `openssl ocsp -index index.txt -CA ca.crt -rsigner ... -rkey ...
//! -ndays 1`, one run per request (`-reqin`/`-respout`) behind a small HTTP listener on
//! 127.0.0.1 that this file runs ([`Responder`]). Deliberately not `openssl ocsp -port`: that
//! binds `[::]` (every interface) and has no host argument in OpenSSL 3.0. The listener counts
//! requests (so a test can tell whether mod_ssl asked the responder at all), records each
//! request/response, and answers a request it has already answered with the same bytes, so
//! both modes staple identical DER and the stapled bytes can be compared exactly. Other
//! listeners play a responder that hangs up, one that never answers, one signing with an
//! untrusted key; a bound but not listening socket is a responder that is down.
//!
//! Clients: `openssl s_client -status` (prints the stapled response), `curl --cert-status`
//! (verifies it), a rustls client (sees the raw stapled DER), a raw ClientHello (status_request
//! with request extensions), Python `ssl` with a client certificate (client OCSP).
//!
//! Every mode records facts (key -> value); a test fails when an expectation written here does
//! not hold in a mode (`[system]` = the test is wrong, `[shim]` = a library bug) or when a fact
//! differs between the modes. Keys starting with `~` are shown but not compared.
//!
//! Regressions covered (both were sslshim gaps when this was written):
//! * `stapling_forwards_status_request_extensions`: `SSL_get_tlsext_status_exts` returns the
//!   request_extensions of the client's status_request (e.g. an OCSP nonce), which mod_ssl
//!   copies into its OCSP request;
//! * `stapling_good_revoked_cache_and_not_asked`, store.test: with only the leaf in
//!   `SSLCertificateFile`, the chain sent is completed from the `SSLCACertificateFile` store
//!   (OpenSSL's auto-chain), so `curl --cert-status` can compute the OCSP certificate ID.
//!
//! ```sh
//! make build && cargo test --release -p compat-tests --test ocsp -- --nocapture
//! ```

use compat_tests::clientauth::{self, Attempt, ClientOpts, Ident};
use compat_tests::clients::{self, CmdOutput};
use compat_tests::proc::run;
use compat_tests::raw;
use compat_tests::{Httpd, KeyType, Mode, Rng, SClient, TempDir, certs};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

// ---- the PKI ----------------------------------------------------------------------------

fn openssl(args: &[&str]) -> CmdOutput {
    clients::openssl(args).unwrap_or_else(|e| panic!("openssl failed:\n{e}"))
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {}: {e}", p.display()));
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Server,
    Client,
}

/// A certificate issued by the lab CA.
#[derive(Clone, Debug)]
struct Leaf {
    cert: PathBuf,
    key: PathBuf,
    /// Leaf + CA certificate (the chain in the certificate file).
    chain: PathBuf,
}

/// Files the responders read: CA, index, signers.
#[derive(Clone, Debug)]
struct Files {
    dir: PathBuf,
    ca: PathBuf,
    index: PathBuf,
    signer: (PathBuf, PathBuf),
    rogue: (PathBuf, PathBuf),
}

/// CA + OCSP responders + issued certificates, in one temp dir (removed on drop).
struct Lab {
    good: Responder,
    rogue: Responder,
    hangup: Responder,
    stall: Responder,
    /// Answers internalError.
    error: Responder,
    dead: DeadPort,
    files: Files,
    /// serial -> stem, for readable tables.
    names: Mutex<BTreeMap<String, String>>,
    // Last: removed after the responders stopped.
    _dir: TempDir,
}

const EXT_CA: &str = "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
                      subjectKeyIdentifier = hash\n";
const EXT_SIGNER: &str = "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
                          extendedKeyUsage = OCSPSigning\nnoCheck = ignored\n\
                          subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid,issuer\n";

impl Lab {
    fn new() -> Lab {
        let dir = TempDir::new("sslshim-ocsp-").expect("temp dir");
        let d = dir.path().to_path_buf();
        std::fs::create_dir_all(d.join("new")).unwrap();
        chmod(&d.join("new"), 0o755);
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("index.txt.attr"), "unique_subject = no\n").unwrap();
        std::fs::write(
            d.join("serial"),
            format!("{:016X}\n", (Rng::from_clock().next_u64() >> 4) | 0x1000),
        )
        .unwrap();
        std::fs::write(
            d.join("req.cnf"),
            "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n",
        )
        .unwrap();
        std::fs::write(
            d.join("ca.cnf"),
            format!(
                "[ca]\ndefault_ca = this\n[this]\ndir = {ds}\ndatabase = $dir/index.txt\n\
                 new_certs_dir = $dir/new\nserial = $dir/serial\ncertificate = $dir/ca.crt\n\
                 private_key = $dir/ca.key\ndefault_md = sha256\ndefault_days = 3650\n\
                 policy = any\nunique_subject = no\ncopy_extensions = none\n\
                 [any]\ncommonName = supplied\n",
                ds = d.display()
            ),
        )
        .unwrap();
        // CA and rogue responder: self-signed P-256.
        for (stem, subj, ext) in [
            ("ca", "/O=sslshim/CN=sslshim OCSP test CA", EXT_CA),
            ("rogue", "/O=elsewhere/CN=rogue OCSP responder", EXT_SIGNER),
        ] {
            genkey(&d, stem, KeyType::EcdsaP256);
            let conf = d.join(format!("{stem}-req.cnf"));
            std::fs::write(
                &conf,
                format!(
                    "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n[ext]\n{}",
                    ext.replace("authorityKeyIdentifier = keyid,issuer\n", "")
                ),
            )
            .unwrap();
            openssl(&[
                "req",
                "-new",
                "-x509",
                "-config",
                &s(&conf),
                "-key",
                &s(&d.join(format!("{stem}.key"))),
                "-subj",
                subj,
                "-days",
                "3650",
                "-sha256",
                "-extensions",
                "ext",
                "-out",
                &s(&d.join(format!("{stem}.crt"))),
            ]);
        }
        let files = Files {
            dir: d.clone(),
            ca: d.join("ca.crt"),
            index: d.join("index.txt"),
            signer: (d.join("signer.crt"), d.join("signer.key")),
            rogue: (d.join("rogue.crt"), d.join("rogue.key")),
        };
        // The delegated responder certificate.
        issue_with(
            &d,
            "signer",
            KeyType::EcdsaP256,
            "/O=sslshim/CN=OCSP signer",
            EXT_SIGNER,
        );
        let good = Responder::start(Behavior::Answer { rogue: false }, &files);
        let rogue = Responder::start(Behavior::Answer { rogue: true }, &files);
        let hangup = Responder::start(Behavior::Hangup, &files);
        let stall = Responder::start(Behavior::Stall, &files);
        let error = Responder::start(Behavior::Status(2), &files);
        Lab {
            good,
            rogue,
            hangup,
            stall,
            error,
            dead: DeadPort::new(),
            files,
            names: Mutex::new(BTreeMap::new()),
            _dir: dir,
        }
    }

    fn ca(&self) -> &Path {
        &self.files.ca
    }

    /// Issues `stem` (CN = `cn`) with an AIA OCSP URL pointing at `aia` (a port), if any.
    fn issue(&self, stem: &str, kt: KeyType, cn: &str, kind: Kind, aia: Option<u16>) -> Leaf {
        let d = &self.files.dir;
        let mut ext = match kind {
            Kind::Server => format!(
                "basicConstraints = critical,CA:FALSE\n\
                 keyUsage = critical,digitalSignature,keyEncipherment\n\
                 extendedKeyUsage = serverAuth\nsubjectAltName = DNS:{cn}\n"
            ),
            Kind::Client => "basicConstraints = critical,CA:FALSE\n\
                             keyUsage = critical,digitalSignature\n\
                             extendedKeyUsage = clientAuth\n"
                .to_string(),
        };
        ext.push_str("subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid,issuer\n");
        if let Some(port) = aia {
            ext.push_str(&format!(
                "authorityInfoAccess = OCSP;URI:http://127.0.0.1:{port}/\n"
            ));
        }
        issue_with(d, stem, kt, &format!("/O=sslshim/OU={stem}/CN={cn}"), &ext);
        let cert = d.join(format!("{stem}.crt"));
        let chain = d.join(format!("{stem}-chain.pem"));
        let text = std::fs::read_to_string(&cert).unwrap()
            + &std::fs::read_to_string(&self.files.ca).unwrap();
        std::fs::write(&chain, text).unwrap();
        chmod(&chain, 0o644);
        let serial = openssl(&["x509", "-noout", "-serial", "-in", &s(&cert)])
            .stdout
            .trim()
            .trim_start_matches("serial=")
            .to_ascii_uppercase();
        self.names.lock().unwrap().insert(serial, stem.to_string());
        Leaf {
            key: d.join(format!("{stem}.key")),
            cert,
            chain,
        }
    }

    fn revoke(&self, leaf: &Leaf) {
        openssl(&[
            "ca",
            "-config",
            &s(&self.files.dir.join("ca.cnf")),
            "-revoke",
            &s(&leaf.cert),
            "-crl_reason",
            "keyCompromise",
        ]);
    }

    /// `#stem` for a serial this lab issued.
    fn name_of(&self, serial: &str) -> String {
        match self.names.lock().unwrap().get(&serial.to_ascii_uppercase()) {
            Some(n) => format!("#{n}"),
            None => format!("#?{serial}"),
        }
    }

    fn url(port: u16) -> String {
        format!("http://127.0.0.1:{port}/")
    }
}

fn genkey(d: &Path, stem: &str, kt: KeyType) {
    let opts: &[&str] = match kt {
        KeyType::Rsa2048 => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        KeyType::EcdsaP256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        KeyType::EcdsaP384 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    };
    let key = d.join(format!("{stem}.key"));
    let mut args = vec!["genpkey"];
    args.extend_from_slice(opts);
    let ks = s(&key);
    args.extend_from_slice(&["-out", &ks]);
    openssl(&args);
    chmod(&key, 0o644);
}

/// `openssl ca` issues `stem` with extensions `ext` (it goes into index.txt).
fn issue_with(d: &Path, stem: &str, kt: KeyType, subj: &str, ext: &str) {
    genkey(d, stem, kt);
    let extf = d.join(format!("{stem}.ext"));
    std::fs::write(&extf, format!("[ext]\n{ext}")).unwrap();
    let csr = d.join(format!("{stem}.csr"));
    clients::openssl_csr(&s(&d.join("req.cnf")), &s(&d.join(format!("{stem}.key"))), subj, &s(&csr))
        .unwrap_or_else(|e| panic!("openssl failed:\n{e}"));
    let crt = d.join(format!("{stem}.crt"));
    openssl(&[
        "ca",
        "-batch",
        "-notext",
        "-config",
        &s(&d.join("ca.cnf")),
        "-preserveDN",
        "-in",
        &s(&csr),
        "-extfile",
        &s(&extf),
        "-extensions",
        "ext",
        "-out",
        &s(&crt),
    ]);
    chmod(&crt, 0o644);
}

// ---- the responders ---------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behavior {
    /// Answer with `openssl ocsp -index` (signed by the delegated signer, or the rogue key).
    Answer { rogue: bool },
    /// Read the request, close without an answer.
    Hangup,
    /// Accept and never answer (until the test ends).
    Stall,
    /// Answer every request with an unsuccessful OCSPResponse of this status
    /// (`30 03 0a 01 <status>`, e.g. 2 = internalError).
    Status(u8),
}

#[derive(Debug, Clone)]
struct Exchange {
    request: Vec<u8>,
    response: Option<Vec<u8>>,
}

#[derive(Default)]
struct Shared {
    connections: usize,
    exchanges: Vec<Exchange>,
    problems: Vec<String>,
}

/// An OCSP responder on 127.0.0.1 (see the module docs); stopped on drop, also on panic.
struct Responder {
    port: u16,
    stop: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Responder {
    fn start(behavior: Behavior, files: &Files) -> Responder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind responder");
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (stop2, shared2, files) = (stop.clone(), shared.clone(), files.clone());
        let thread = thread::spawn(move || {
            let mut held: Vec<TcpStream> = Vec::new();
            let mut n = 0usize;
            while !stop2.load(Ordering::SeqCst) {
                let mut stream = match listener.accept() {
                    Ok((st, _)) => st,
                    Err(_) => {
                        thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                };
                let _ = stream.set_nonblocking(false);
                shared2.lock().unwrap().connections += 1;
                match behavior {
                    Behavior::Stall => held.push(stream),
                    Behavior::Hangup => {
                        let _ = read_http(&mut stream);
                    }
                    Behavior::Status(code) => {
                        let _ = read_http(&mut stream);
                        let body = [0x30, 0x03, 0x0a, 0x01, code];
                        let mut v = format!(
                            "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        v.extend_from_slice(&body);
                        let _ = stream.write_all(&v);
                    }
                    Behavior::Answer { rogue } => {
                        n += 1;
                        answer(&mut stream, &files, rogue, n, &shared2);
                    }
                }
            }
        });
        Responder {
            port,
            stop,
            shared,
            thread: Some(thread),
        }
    }

    /// Connections accepted so far.
    fn count(&self) -> usize {
        self.shared.lock().unwrap().connections
    }

    fn exchanges(&self) -> Vec<Exchange> {
        self.shared.lock().unwrap().exchanges.clone()
    }

    fn problems(&self) -> Vec<String> {
        self.shared.lock().unwrap().problems.clone()
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one HTTP request: (request line, body).
fn read_http(st: &mut TcpStream) -> Result<(String, Vec<u8>), String> {
    let _ = st.set_read_timeout(Some(Duration::from_secs(5)));
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match st.read(&mut buf) {
            Ok(0) => return Err("closed before the end of the headers".into()),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("read: {e}")),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + len {
        match st.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("read body: {e}")),
        }
    }
    let line = head.lines().next().unwrap_or("").to_string();
    Ok((line, data[head_end..].to_vec()))
}

fn answer(st: &mut TcpStream, f: &Files, rogue: bool, n: usize, shared: &Mutex<Shared>) {
    let (line, body) = match read_http(st) {
        Ok(x) => x,
        Err(e) => {
            shared.lock().unwrap().problems.push(e);
            return;
        }
    };
    if !line.starts_with("POST ") {
        shared
            .lock()
            .unwrap()
            .problems
            .push(format!("unexpected request {line:?}"));
        let _ = st.write_all(b"HTTP/1.0 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return;
    }
    // The same request gets the same bytes (so both modes staple identical DER).
    let cached = shared
        .lock()
        .unwrap()
        .exchanges
        .iter()
        .find(|x| x.request == body && x.response.is_some())
        .and_then(|x| x.response.clone());
    let response = cached.or_else(|| {
        let tag = if rogue { "rogue" } else { "good" };
        let req = f.dir.join(format!("req-{tag}-{n}.der"));
        let resp = f.dir.join(format!("resp-{tag}-{n}.der"));
        std::fs::write(&req, &body).ok()?;
        let (signer, key) = if rogue { &f.rogue } else { &f.signer };
        let mut cmd = clients::client_command("openssl");
        cmd.args(["ocsp", "-index"])
            .arg(&f.index)
            .arg("-CA")
            .arg(&f.ca)
            .arg("-rsigner")
            .arg(signer)
            .arg("-rkey")
            .arg(key)
            .args(["-ndays", "1", "-reqin"])
            .arg(&req)
            .arg("-respout")
            .arg(&resp);
        let out = run(cmd, None, Duration::from_secs(20));
        if !out.success() {
            shared.lock().unwrap().problems.push(out.describe());
            return None;
        }
        std::fs::read(&resp).ok()
    });
    shared.lock().unwrap().exchanges.push(Exchange {
        request: body,
        response: response.clone(),
    });
    let reply = match &response {
        Some(r) => {
            let mut v = format!(
                "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                r.len()
            )
            .into_bytes();
            v.extend_from_slice(r);
            v
        }
        None => b"HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec(),
    };
    let _ = st.write_all(&reply);
}

/// A loopback port that refuses connections: a TCP socket bound to 127.0.0.1 but not
/// listening (so nobody else gets the port while the test runs).
struct DeadPort {
    fd: libc::c_int,
    port: u16,
}

impl DeadPort {
    fn new() -> DeadPort {
        // SAFETY: plain socket calls on a fresh fd with a properly sized sockaddr_in.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
            assert!(fd >= 0, "socket");
            let mut sa: libc::sockaddr_in = std::mem::zeroed();
            sa.sin_family = libc::AF_INET as libc::sa_family_t;
            sa.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            assert_eq!(
                libc::bind(fd, (&sa as *const libc::sockaddr_in).cast(), len),
                0
            );
            let mut out: libc::sockaddr_in = std::mem::zeroed();
            let mut olen = len;
            libc::getsockname(fd, (&mut out as *mut libc::sockaddr_in).cast(), &mut olen);
            DeadPort {
                fd,
                port: u16::from_be(out.sin_port),
            }
        }
    }
}

impl Drop for DeadPort {
    fn drop(&mut self) {
        // SAFETY: our own fd.
        unsafe {
            libc::close(self.fd);
        }
    }
}

// ---- facts ------------------------------------------------------------------------------

/// What one mode's run came to: compared facts, failed expectations, evidence.
struct Facts {
    mode: Mode,
    map: BTreeMap<String, String>,
    problems: Vec<String>,
    evidence: Vec<String>,
}

impl Facts {
    fn new(mode: Mode) -> Facts {
        Facts {
            mode,
            map: BTreeMap::new(),
            problems: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// Records `key = value`; if `ok` is false the expectation failed (with `evidence`).
    fn fact(
        &mut self,
        key: &str,
        value: impl Into<String>,
        ok: bool,
        evidence: impl FnOnce() -> String,
    ) {
        let value = value.into();
        if !ok {
            self.problems
                .push(format!("[{}] {key}: unexpected {value:?}", self.mode));
            self.evidence
                .push(format!("[{}] {key}:\n{}", self.mode, evidence()));
        }
        self.map.insert(key.to_string(), value);
    }
}

/// Runs `scenario` for System then Shim, prints the table, panics on any failure.
fn side_by_side(title: &str, mut scenario: impl FnMut(Mode, &mut Facts)) {
    let started = Instant::now();
    let mut runs = Vec::new();
    let mut times = Vec::new();
    for mode in [Mode::System, Mode::Shim] {
        let t = Instant::now();
        let mut f = Facts::new(mode);
        scenario(mode, &mut f);
        times.push(t.elapsed());
        runs.push(f);
    }
    let (sys, shim) = (&runs[0], &runs[1]);
    let mut table = format!(
        "== {title} (system {:.1?}, shim {:.1?}, total {:.1?}) ==\n",
        times[0],
        times[1],
        started.elapsed()
    );
    let mut failures: Vec<String> = Vec::new();
    let keys: std::collections::BTreeSet<&String> = sys.map.keys().chain(shim.map.keys()).collect();
    for k in keys {
        let a = sys.map.get(k).map(String::as_str).unwrap_or("<missing>");
        let b = shim.map.get(k).map(String::as_str).unwrap_or("<missing>");
        let same = a == b;
        let mark = if k.starts_with('~') || same { " " } else { "!" };
        if same {
            let _ = writeln!(table, "{mark} {k:<58} | both: {a}");
        } else {
            let _ = writeln!(
                table,
                "{mark} {k:<58} | system: {a}\n  {:<58} | shim:   {b}",
                ""
            );
        }
        if !same && !k.starts_with('~') {
            failures.push(format!("{k}: system {a:?} vs shim {b:?}"));
        }
    }
    failures.extend(sys.problems.iter().cloned());
    failures.extend(shim.problems.iter().cloned());
    eprintln!("{table}");
    if !failures.is_empty() {
        let mut msg = format!("{title}: {} failure(s)\n", failures.len());
        for f in &failures {
            let _ = writeln!(msg, "  - {f}");
        }
        for e in sys.evidence.iter().chain(shim.evidence.iter()) {
            // The tail: error logs at ssl:debug get long.
            let mut cut = e.len().saturating_sub(8000);
            while !e.is_char_boundary(cut) {
                cut += 1;
            }
            let _ = writeln!(msg, "--- evidence {}", &e[cut..]);
        }
        panic!("{msg}\n{table}");
    }
}

// ---- servers ----------------------------------------------------------------------------

const STAPLING_CACHE: &str = "SSLStaplingCache \"shmcb:@DIR@/run/ocsp_stapling(256000)\"";

/// A name-based vhost on the server's port.
fn vhost(name: &str, pairs: &[(&Path, &Path)], body: &str) -> String {
    let mut t = format!("<VirtualHost 127.0.0.1:@PORT@>\n  ServerName {name}\n  SSLEngine on\n");
    for (c, k) in pairs {
        let _ = writeln!(
            t,
            "  SSLCertificateFile \"{}\"\n  SSLCertificateKeyFile \"{}\"",
            c.display(),
            k.display()
        );
    }
    t.push_str(body);
    t.push_str("\n</VirtualHost>\n");
    t
}

fn start(mode: Mode, main_certs: Option<&Leaf>, main_conf: &str, global: &str) -> Httpd {
    let mut b = Httpd::builder()
        .mode(mode)
        .h2(false)
        .log_level("info ssl:debug")
        .vhost_conf(main_conf)
        .global_conf(global);
    if let Some(l) = main_certs {
        b = b.server_certs(vec![compat_tests::certs::CertKey {
            cert: l.chain.clone(),
            key: l.key.clone(),
        }]);
    }
    b.start()
}

/// The AHxxxxx codes of `[ssl:error]`/`[ssl:warn]` lines (sorted, with counts): what mod_ssl
/// complained about, compared between modes.
fn ssl_complaints(log: &str) -> String {
    let mut m: BTreeMap<String, usize> = BTreeMap::new();
    for l in log.lines() {
        if !(l.contains("[ssl:error]") || l.contains("[ssl:warn]")) {
            continue;
        }
        let code = l
            .split_whitespace()
            .find(|w| w.starts_with("AH") && w.ends_with(':') && w.len() == 8)
            .map(|w| w.trim_end_matches(':').to_string())
            .unwrap_or_else(|| "(no code)".into());
        *m.entry(code).or_default() += 1;
    }
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, n)| format!("{k}x{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How often mod_ssl's status callback ran (AH01951 "stapling_cb: OCSP Stapling callback
/// called", logged at ssl:debug).
fn callback_calls(h: &Httpd) -> usize {
    h.error_log().matches("AH01951").count()
}

// ---- clients ----------------------------------------------------------------------------

/// The OCSP part of `openssl s_client -status` output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Staple {
    /// No "OCSP response:" line: the client did not ask (no `-status`).
    NotAsked,
    /// "OCSP response: no response sent".
    NoneSent,
    /// "OCSP response: response parse error".
    Unparsable,
    /// The printed response (between the `=====` lines).
    Response(String),
}

impl Staple {
    fn parse(stdout: &str) -> Staple {
        let Some(i) = stdout.find("OCSP response:") else {
            return Staple::NotAsked;
        };
        let rest = &stdout[i + "OCSP response:".len()..];
        let first = rest.lines().next().unwrap_or("").trim();
        if first.starts_with("no response sent") {
            return Staple::NoneSent;
        }
        if first.starts_with("response parse error") {
            return Staple::Unparsable;
        }
        let mut parts = rest.split("======================================");
        let _ = parts.next();
        Staple::Response(parts.next().unwrap_or("").trim().to_string())
    }

    fn field(&self, name: &str) -> Option<String> {
        let Staple::Response(t) = self else {
            return None;
        };
        t.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
    }

    /// `successful good #stem`, `successful revoked(keyCompromise) #stem`, `tryLater`,
    /// `none sent`, `not asked`.
    fn summary(&self, lab: &Lab) -> String {
        match self {
            Staple::NotAsked => "not asked".into(),
            Staple::NoneSent => "none sent".into(),
            Staple::Unparsable => "unparsable".into(),
            Staple::Response(_) => {
                let status = self
                    .field("OCSP Response Status:")
                    .map(|v| v.split(' ').next().unwrap_or("").to_string())
                    .unwrap_or_else(|| "?".into());
                let mut out = status;
                if let Some(cs) = self.field("Cert Status:") {
                    out.push(' ');
                    out.push_str(&cs);
                    if let Some(r) = self.field("Revocation Reason:") {
                        out.push_str(&format!("({})", r.split(' ').next().unwrap_or("")));
                    }
                }
                if let Some(serial) = self.field("Serial Number:") {
                    out.push(' ');
                    out.push_str(&lab.name_of(&serial));
                }
                out
            }
        }
    }
}

/// One `openssl s_client` connection that GETs `/` (`-ign_eof`, `Connection: close`).
struct Probe {
    s: SClient,
    /// Certificates the server sent (s_client's "Certificate chain" listing).
    chain_len: usize,
    staple: Staple,
    http: Option<u16>,
    elapsed: Duration,
}

impl Probe {
    fn new(port: u16, name: &str, ca: &Path, args: &[&str]) -> Probe {
        let mut cmd = clients::client_command("openssl");
        cmd.arg("s_client")
            .arg("-connect")
            .arg(format!("127.0.0.1:{port}"))
            .args(["-servername", name, "-CAfile"])
            .arg(ca)
            .arg("-ign_eof")
            .args(args);
        let req = format!("GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n");
        let out = run(cmd, Some(req.as_bytes()), Duration::from_secs(30));
        let elapsed = out.elapsed;
        let staple = Staple::parse(&out.stdout);
        let http = out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("HTTP/1.1 "))
            .and_then(|r| r.get(..3))
            .and_then(|c| c.parse().ok());
        let chain_len = out
            .stdout
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                l.chars().next().is_some_and(|c| c.is_ascii_digit()) && l.contains(" s:")
            })
            .count();
        Probe {
            s: SClient::parse(out),
            chain_len,
            staple,
            http,
            elapsed,
        }
    }

    /// `TLSv1.3 ou=good http=200 staple=successful good #good`.
    fn summary(&self, lab: &Lab) -> String {
        if !self.s.handshake_ok() {
            return format!("handshake failed ({})", self.s.alert().unwrap_or_default());
        }
        format!(
            "{} ou={} http={} staple={}",
            self.s.protocol.as_deref().unwrap_or("?"),
            self.s.cert_ou().unwrap_or_default(),
            self.http
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            self.staple.summary(lab)
        )
    }

    fn describe(&self) -> String {
        self.s.out.describe()
    }
}

/// `curl --cert-status` (curl verifies the stapled response against the CA): exit code and
/// HTTP status, plus the "SSL certificate status"/error lines.
fn curl_cert_status(port: u16, name: &str, ca: &Path, extra: &[&str]) -> (String, CmdOutput) {
    let mut cmd = clients::client_command("curl");
    cmd.args(["-sS", "-v", "--max-time", "20", "--cacert"])
        .arg(ca)
        .arg("--resolve")
        .arg(format!("{name}:{port}:127.0.0.1"))
        .args(["--cert-status", "-o", "/dev/null", "-w", "%{http_code}"])
        .args(extra)
        .arg(format!("https://{name}:{port}/"));
    let out = run(cmd, None, Duration::from_secs(30));
    let verdict = match out.code() {
        Some(0) => format!("ok {}", out.stdout.trim()),
        Some(c) => {
            let why = out
                .stderr
                .lines()
                .filter(|l| l.starts_with("curl: ("))
                .map(|l| l.trim())
                .next_back()
                .unwrap_or("")
                .to_string();
            format!("exit {c}: {why}")
        }
        None => "killed".into(),
    };
    (verdict, out)
}

/// A rustls client that records the raw stapled OCSP response (and accepts any certificate:
/// only the bytes matter here).
mod grab {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{CryptoProvider, aws_lc_rs};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{
        ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, StreamOwned,
    };
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[derive(Debug)]
    struct Grab {
        provider: Arc<CryptoProvider>,
        ocsp: Mutex<Option<Vec<u8>>>,
    }

    impl ServerCertVerifier for Grab {
        fn verify_server_cert(
            &self,
            _ee: &CertificateDer<'_>,
            _inter: &[CertificateDer<'_>],
            _name: &ServerName<'_>,
            ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            *self.ocsp.lock().unwrap() = Some(ocsp.to_vec());
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                m,
                c,
                d,
                &self.provider.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                m,
                c,
                d,
                &self.provider.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }

    /// Handshake with SNI `name`, GET `/`: (stapled DER, empty if none; HTTP status line).
    pub fn fetch(port: u16, name: &str, tls13: bool) -> Result<(Vec<u8>, String), String> {
        let provider = Arc::new(aws_lc_rs::default_provider());
        let g = Arc::new(Grab {
            provider: provider.clone(),
            ocsp: Mutex::new(None),
        });
        let versions: &[&rustls::SupportedProtocolVersion] = if tls13 {
            &[&rustls::version::TLS13]
        } else {
            &[&rustls::version::TLS12]
        };
        let cfg = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(g.clone())
            .with_no_client_auth();
        let conn = ClientConnection::new(
            Arc::new(cfg),
            ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
        let mut st = StreamOwned::new(conn, tcp);
        st.write_all(
            format!("GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .map_err(|e| format!("write: {e}"))?;
        let mut data = Vec::new();
        let _ = st.read_to_end(&mut data);
        let status = String::from_utf8_lossy(&data)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        let ocsp = g
            .ocsp
            .lock()
            .unwrap()
            .clone()
            .ok_or("no certificate seen")?;
        Ok((ocsp, status))
    }
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
        (h ^ u64::from(*x)).wrapping_mul(0x100_0000_01b3)
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `openssl ocsp -respin` text of DER bytes (for evidence).
fn ocsp_text(der: &[u8]) -> String {
    let tmp = TempDir::new("sslshim-ocsp-der-").unwrap();
    let f = tmp.path().join("r.der");
    std::fs::write(&f, der).unwrap();
    let mut cmd = clients::client_command("openssl");
    cmd.args(["ocsp", "-noverify", "-resp_text", "-respin"])
        .arg(&f);
    run(cmd, None, Duration::from_secs(10)).stdout
}

// ---- stapling: good, revoked, not asked, cache ------------------------------------------

/// `SSLUseStapling on` with the responder from the certificate's AIA:
/// * a client that does not ask (no `-status`) gets no staple, and neither the status callback
///   nor the responder runs for it;
/// * `s_client -status` over TLS 1.3 and TLS 1.2 gets "Cert Status: good"; the second
///   connection is served from `SSLStaplingCache` (no new query); the printed response is the
///   same in both modes and the raw stapled DER (rustls client) is exactly what the responder
///   sent;
/// * `curl --cert-status` accepts it;
/// * a revoked server certificate: the staple says revoked (keyCompromise) in both modes
///   (mod_ssl staples what the responder says), `curl --cert-status` refuses;
/// * store.test: only the leaf in `SSLCertificateFile`, the CA in `SSLCACertificateFile`: mod_ssl
///   finds the issuer for its OCSP request in the X509_STORE; OpenSSL also completes the chain
///   it sends from that store (no `SSL_MODE_NO_AUTO_CHAIN`), which `curl --cert-status` needs to
///   compute the OCSP certificate ID;
/// * `SSLStaplingStandardCacheTimeout 1`: after 2 s the next connection queries again,
///   while the default (3600 s) entry is still served from the cache.
#[test]
fn stapling_good_revoked_cache_and_not_asked() {
    let lab = Lab::new();
    let port = lab.good.port;
    let good = lab.issue(
        "good",
        KeyType::EcdsaP256,
        "localhost",
        Kind::Server,
        Some(port),
    );
    let revoked = lab.issue(
        "revoked",
        KeyType::EcdsaP256,
        "revoked.test",
        Kind::Server,
        Some(port),
    );
    let short = lab.issue(
        "short",
        KeyType::EcdsaP256,
        "short.test",
        Kind::Server,
        Some(port),
    );
    let store = lab.issue(
        "store",
        KeyType::EcdsaP256,
        "store.test",
        Kind::Server,
        Some(port),
    );
    let revoked2 = lab.issue(
        "revoked2",
        KeyType::EcdsaP256,
        "revoked2.test",
        Kind::Server,
        Some(port),
    );
    lab.revoke(&revoked);
    lab.revoke(&revoked2);
    let ca = lab.ca().to_path_buf();
    let mut global = format!("{STAPLING_CACHE}\n");
    global += &vhost(
        "revoked.test",
        &[(&revoked.chain, &revoked.key)],
        "  SSLUseStapling on",
    );
    // A revoked status is a successful response: ReturnResponderErrors off still staples it.
    global += &vhost(
        "revoked2.test",
        &[(&revoked2.chain, &revoked2.key)],
        "  SSLUseStapling on\n  SSLStaplingReturnResponderErrors off",
    );
    // store.test: the issuer comes from SSLCACertificateFile (the X509_STORE), not the chain.
    global += &vhost(
        "store.test",
        &[(&store.cert, &store.key)],
        &format!(
            "  SSLUseStapling on\n  SSLCACertificateFile \"{}\"",
            ca.display()
        ),
    );
    global += &vhost(
        "short.test",
        &[(&short.chain, &short.key)],
        "  SSLUseStapling on\n  SSLStaplingStandardCacheTimeout 1",
    );
    // The staples each mode sent, for the cross-mode byte comparison.
    let mut ders: std::collections::HashMap<Mode, Vec<u8>> = Default::default();
    side_by_side("stapling: good / revoked / not asked / cache", |mode, f| {
        let h = start(mode, Some(&good), "  SSLUseStapling on", &global);
        let p = h.port();
        let q0 = lab.good.count();
        let calls0 = callback_calls(&h);

        // A client that does not ask for status.
        let pr = Probe::new(p, "localhost", &ca, &["-tls1_3"]);
        f.fact(
            "1 localhost TLS1.3 no -status",
            pr.summary(&lab),
            pr.http == Some(200) && pr.staple == Staple::NotAsked,
            || pr.describe(),
        );
        let pr = Probe::new(p, "localhost", &ca, &["-tls1_2"]);
        f.fact(
            "1 localhost TLS1.2 no -status",
            pr.summary(&lab),
            pr.http == Some(200) && pr.staple == Staple::NotAsked,
            || pr.describe(),
        );
        let (q, c) = (lab.good.count() - q0, callback_calls(&h) - calls0);
        f.fact(
            "1 responder queries / status callbacks without -status",
            format!("{q} / {c}"),
            q == 0 && c == 0,
            || h.error_log(),
        );

        // Asking: TLS 1.3 first (queries), then TLS 1.2 (cached).
        let good_ok =
            |pr: &Probe| pr.http == Some(200) && pr.staple.summary(&lab) == "successful good #good";
        let a = Probe::new(p, "localhost", &ca, &["-status", "-tls1_3"]);
        f.fact(
            "2 localhost TLS1.3 -status",
            a.summary(&lab),
            good_ok(&a),
            || a.describe(),
        );
        let q1 = lab.good.count() - q0;
        f.fact(
            "2 responder queries after the first -status",
            q1.to_string(),
            q1 == 1,
            || h.error_log(),
        );
        let b = Probe::new(p, "localhost", &ca, &["-status", "-tls1_2"]);
        f.fact(
            "2 localhost TLS1.2 -status",
            b.summary(&lab),
            good_ok(&b),
            || b.describe(),
        );
        let q2 = lab.good.count() - q0;
        f.fact(
            "2 responder queries after the second -status (cached)",
            q2.to_string(),
            q2 == 1,
            || h.error_log(),
        );
        f.fact(
            "2 TLS1.3 and TLS1.2 staples identical",
            (a.staple == b.staple).to_string(),
            a.staple == b.staple,
            || format!("{:?}\n{:?}", a.staple, b.staple),
        );
        if let Staple::Response(t) = &a.staple {
            // Same responder bytes in both modes: the whole printed response is compared
            // (by digest; "Produced At" shown).
            let produced = a.staple.field("Produced At:").unwrap_or_default();
            f.fact(
                "2 printed response (s_client), digest",
                format!("{:016x}, produced at {produced}", fnv(t.as_bytes())),
                true,
                String::new,
            );
        }

        // The raw bytes: what the responder served for this certificate, stapled verbatim.
        let served: Vec<Vec<u8>> = lab
            .good
            .exchanges()
            .into_iter()
            .filter_map(|x| x.response)
            .collect();
        for tls13 in [true, false] {
            let label = format!(
                "3 rustls {} staple bytes",
                if tls13 { "TLS1.3" } else { "TLS1.2" }
            );
            match grab::fetch(p, "localhost", tls13) {
                Ok((der, status)) => {
                    let known = served.contains(&der);
                    f.fact(
                        &label,
                        format!(
                            "{} bytes, {} , {}",
                            der.len(),
                            if known {
                                "as served by the responder"
                            } else {
                                "NOT what the responder served"
                            },
                            status
                        ),
                        known && status.starts_with("HTTP/1.1 200"),
                        || {
                            format!(
                                "stapled {}\n{}\nserved: {:?}",
                                hex(&der),
                                ocsp_text(&der),
                                served.iter().map(|s| hex(s)).collect::<Vec<_>>()
                            )
                        },
                    );
                    ders.insert(mode, der);
                }
                Err(e) => f.fact(&label, format!("error: {e}"), false, || h.error_log()),
            }
        }

        // curl verifies the staple.
        for (label, extra) in [("TLS1.3", &[][..]), ("TLS1.2", &["--tls-max", "1.2"][..])] {
            let (v, out) = curl_cert_status(p, "localhost", &ca, extra);
            f.fact(
                &format!("4 curl --cert-status localhost {label}"),
                v.clone(),
                v == "ok 200",
                || out.describe(),
            );
        }

        // Revoked server certificate.
        let rq0 = lab.good.count();
        for (label, v) in [("TLS1.3", "-tls1_3"), ("TLS1.2", "-tls1_2")] {
            let pr = Probe::new(p, "revoked.test", &ca, &["-status", v]);
            f.fact(
                &format!("5 revoked.test {label} -status"),
                pr.summary(&lab),
                pr.http == Some(200)
                    && pr.staple.summary(&lab) == "successful revoked(keyCompromise) #revoked",
                || pr.describe(),
            );
        }
        let rq = lab.good.count() - rq0;
        f.fact(
            "5 responder queries for revoked.test",
            rq.to_string(),
            rq == 1,
            || h.error_log(),
        );
        let (v, out) = curl_cert_status(p, "revoked.test", &ca, &[]);
        f.fact(
            "5 curl --cert-status revoked.test",
            v.clone(),
            v.starts_with("exit 91"),
            || out.describe(),
        );
        let pr = Probe::new(p, "revoked2.test", &ca, &["-status"]);
        f.fact(
            "5 revoked2.test -status (ReturnResponderErrors off)",
            pr.summary(&lab),
            pr.http == Some(200)
                && pr.staple.summary(&lab) == "successful revoked(keyCompromise) #revoked2",
            || pr.describe(),
        );

        // Issuer from the X509_STORE.
        let pr = Probe::new(p, "store.test", &ca, &["-status"]);
        f.fact(
            "6 store.test -status",
            pr.summary(&lab),
            pr.http == Some(200) && pr.staple.summary(&lab) == "successful good #store",
            || pr.describe(),
        );
        f.fact(
            "6 store.test certificates sent (leaf + auto-chain from the CA store)",
            pr.chain_len.to_string(),
            pr.chain_len == 2,
            || pr.describe(),
        );
        let (v, out) = curl_cert_status(p, "store.test", &ca, &[]);
        f.fact(
            "6 curl --cert-status store.test",
            v.clone(),
            v == "ok 200",
            || out.describe(),
        );

        // SSLStaplingStandardCacheTimeout 1 vs the default.
        let s0 = lab.good.count();
        let x = Probe::new(p, "short.test", &ca, &["-status"]);
        thread::sleep(Duration::from_millis(2100));
        let y = Probe::new(p, "short.test", &ca, &["-status"]);
        let z = Probe::new(p, "localhost", &ca, &["-status"]);
        let sq = lab.good.count() - s0;
        f.fact(
            "7 short.test twice 2s apart + localhost: staples",
            format!(
                "{} | {} | {}",
                x.staple.summary(&lab),
                y.staple.summary(&lab),
                z.staple.summary(&lab)
            ),
            x.staple.summary(&lab) == "successful good #short"
                && y.staple.summary(&lab) == "successful good #short"
                && z.staple.summary(&lab) == "successful good #good",
            || format!("{}\n{}\n{}", x.describe(), y.describe(), z.describe()),
        );
        f.fact(
            "7 responder queries (short.test expired, localhost cached)",
            sq.to_string(),
            sq == 2,
            || h.error_log(),
        );

        let crashes = h.crash_lines();
        f.fact("9 crashes", crashes.join("\n"), crashes.is_empty(), || {
            h.diagnostics()
        });
        f.fact(
            "9 ssl error/warn log codes",
            ssl_complaints(&h.error_log()),
            true,
            String::new,
        );
        f.fact(
            "~9 status callback calls",
            callback_calls(&h).to_string(),
            true,
            String::new,
        );
    });
    // Both modes stapled exactly the same DER (the responder answered both servers alike).
    if let (Some(a), Some(b)) = (ders.get(&Mode::System), ders.get(&Mode::Shim)) {
        assert_eq!(hex(a), hex(b), "stapled DER differs between modes");
    }
    let problems = lab.good.problems();
    assert!(problems.is_empty(), "responder problems: {problems:?}");
}

// ---- stapling: responder errors ---------------------------------------------------------

/// The responder is down (hangs up, refuses, never answers) or answers with an error status,
/// under `SSLStaplingFakeTryLater`, `SSLStaplingReturnResponderErrors`,
/// `SSLStaplingResponderTimeout` and `SSLStaplingForceURL`; the handshake always succeeds.
/// What mod_ssl 2.4 does (the same in both modes, found with the system OpenSSL):
/// * responder down, defaults (FakeTryLater on, ReturnResponderErrors on): a faked `trylater`
///   response is stapled and cached (the next connection does not query);
/// * `SSLStaplingFakeTryLater off`: no staple, nothing cached (every connection queries);
/// * `SSLStaplingReturnResponderErrors off` with a responder that is down: the *faked*
///   trylater is still stapled (mod_ssl stores it as valid: `stapling_renew_response` leaves
///   `ok` TRUE on that path) and re-queried on the next connection;
/// * a responder answering internalError: stapled with ReturnResponderErrors on, not stapled
///   with it off; cached either way (one query);
/// * `SSLStaplingForceURL` beats the certificate's AIA (the AIA responder is not asked);
/// * a responder that never answers: `SSLStaplingResponderTimeout 2` bounds the wait;
/// * a stapling vhost whose certificate has no AIA and no ForceURL: AH02218 at startup, no staple.
#[test]
fn stapling_responder_errors() {
    let lab = Lab::new();
    let aia = lab.good.port;
    let (hang, stall, dead, err) = (
        lab.hangup.port,
        lab.stall.port,
        lab.dead.port,
        lab.error.port,
    );
    let mk = |stem: &str, aia: Option<u16>| {
        lab.issue(
            stem,
            KeyType::EcdsaP256,
            &format!("{stem}.test"),
            Kind::Server,
            aia,
        )
    };
    let url = Lab::url;
    // (vhost/stem, AIA, extra directives)
    let hosts: Vec<(&str, Option<u16>, String)> = vec![
        (
            "fake",
            Some(aia),
            format!("SSLStaplingForceURL {}", url(hang)),
        ),
        (
            "nofake",
            Some(aia),
            format!(
                "SSLStaplingForceURL {}\n  SSLStaplingFakeTryLater off",
                url(hang)
            ),
        ),
        (
            "fakenoret",
            Some(aia),
            format!(
                "SSLStaplingForceURL {}\n  SSLStaplingReturnResponderErrors off",
                url(hang)
            ),
        ),
        ("errret", None, format!("SSLStaplingForceURL {}", url(err))),
        (
            "errnoret",
            None,
            format!(
                "SSLStaplingForceURL {}\n  SSLStaplingReturnResponderErrors off",
                url(err)
            ),
        ),
        (
            "refused",
            None,
            format!("SSLStaplingForceURL {}", url(dead)),
        ),
        (
            "slow",
            Some(aia),
            format!(
                "SSLStaplingForceURL {}\n  SSLStaplingResponderTimeout 2",
                url(stall)
            ),
        ),
        ("noaia", None, String::new()),
    ];
    let mut global = format!("{STAPLING_CACHE}\n");
    for (stem, aia, extra) in &hosts {
        let l = mk(stem, *aia);
        global += &vhost(
            &format!("{stem}.test"),
            &[(&l.chain, &l.key)],
            &format!("  SSLUseStapling on\n  {extra}"),
        );
    }
    let ca = lab.ca().to_path_buf();
    side_by_side("stapling: responder errors", |mode, f| {
        let h = start(mode, None, "", &global);
        let p = h.port();
        let g0 = lab.good.count();
        // Two connections (TLS 1.3 then 1.2): their staples and the queries to `r`.
        let mut twice = |n: &str, label: &str, r: &Responder, want: &str, queries: usize| {
            let q0 = r.count();
            let name = format!("{n}.test");
            let a = Probe::new(p, &name, &ca, &["-status", "-tls1_3"]);
            let b = Probe::new(p, &name, &ca, &["-status", "-tls1_2"]);
            let tail = format!("ou={n} http=200 staple={want}");
            f.fact(
                &format!("{n}.test {label}: TLS1.3"),
                a.summary(&lab),
                a.summary(&lab) == format!("TLSv1.3 {tail}"),
                || a.describe(),
            );
            f.fact(
                &format!("{n}.test {label}: TLS1.2 next"),
                b.summary(&lab),
                b.summary(&lab) == format!("TLSv1.2 {tail}"),
                || b.describe(),
            );
            let q = r.count() - q0;
            f.fact(
                &format!("{n}.test {label}: queries"),
                q.to_string(),
                q == queries,
                || h.error_log(),
            );
        };
        twice("fake", "down, defaults", &lab.hangup, "trylater", 1);
        twice(
            "nofake",
            "down, FakeTryLater off",
            &lab.hangup,
            "none sent",
            2,
        );
        twice(
            "fakenoret",
            "down, ReturnResponderErrors off",
            &lab.hangup,
            "trylater",
            2,
        );
        twice(
            "errret",
            "internalError, defaults",
            &lab.error,
            "internalerror",
            1,
        );
        twice(
            "errnoret",
            "internalError, ReturnResponderErrors off",
            &lab.error,
            "none sent",
            1,
        );

        let a = Probe::new(p, "refused.test", &ca, &["-status"]);
        f.fact(
            "refused.test connection refused",
            a.summary(&lab),
            a.summary(&lab) == "TLSv1.3 ou=refused http=200 staple=trylater",
            || a.describe(),
        );

        let s0 = lab.stall.count();
        let a = Probe::new(p, "slow.test", &ca, &["-status"]);
        let secs = a.elapsed.as_secs_f64();
        let in_range = (1.8..8.0).contains(&secs);
        f.fact(
            "slow.test never answers, timeout 2",
            a.summary(&lab),
            a.summary(&lab) == "TLSv1.3 ou=slow http=200 staple=trylater",
            || a.describe(),
        );
        f.fact(
            "slow.test waited about SSLStaplingResponderTimeout",
            if in_range {
                "2..8 s".to_string()
            } else {
                format!("{secs:.1} s")
            },
            in_range,
            || h.error_log(),
        );
        f.fact(
            "~slow.test handshake+GET seconds",
            format!("{secs:.1}"),
            true,
            String::new,
        );
        let n = lab.stall.count() - s0;
        f.fact("slow.test queries", n.to_string(), n == 1, || h.error_log());

        let a = Probe::new(p, "noaia.test", &ca, &["-status"]);
        f.fact(
            "noaia.test no AIA, no ForceURL",
            a.summary(&lab),
            a.summary(&lab) == "TLSv1.3 ou=noaia http=200 staple=none sent",
            || a.describe(),
        );
        let log = h.error_log();
        f.fact(
            "noaia.test AH02218 (no OCSP URI) at startup",
            log.contains("AH02218").to_string(),
            log.contains("AH02218"),
            || log.clone(),
        );

        let n = lab.good.count() - g0;
        f.fact(
            "zz queries to the AIA responder (ForceURL wins)",
            n.to_string(),
            n == 0,
            || h.error_log(),
        );
        let crashes = h.crash_lines();
        f.fact("zz crashes", crashes.join("\n"), crashes.is_empty(), || {
            h.diagnostics()
        });
        f.fact(
            "zz ssl error/warn log codes",
            ssl_complaints(&h.error_log()),
            true,
            String::new,
        );
    });
}

// ---- stapling: two certificates ---------------------------------------------------------

/// RSA + ECDSA certificates in one vhost, each with its own OCSP entry: the staple is the one
/// for the certificate actually sent (ECDSA client, RSA-only signature algorithms / cipher
/// suites), TLS 1.3 and TLS 1.2, in both orders; both certificates are set up for stapling at
/// startup (`SSL_CTX_set_current_cert` iteration) and each gets one query.
#[test]
fn stapling_two_certificates() {
    let lab = Lab::new();
    let port = lab.good.port;
    let rsa = lab.issue(
        "rsa",
        KeyType::Rsa2048,
        "localhost",
        Kind::Server,
        Some(port),
    );
    let ec = lab.issue(
        "ecdsa",
        KeyType::EcdsaP256,
        "localhost",
        Kind::Server,
        Some(port),
    );
    let ca = lab.ca().to_path_buf();
    let main = format!(
        "  SSLCertificateFile \"{}\"\n  SSLCertificateKeyFile \"{}\"\n  SSLUseStapling on",
        ec.chain.display(),
        ec.key.display()
    );
    side_by_side("stapling: RSA + ECDSA in one vhost", |mode, f| {
        let h = start(mode, Some(&rsa), &main, STAPLING_CACHE);
        let p = h.port();
        let q0 = lab.good.count();
        let cases: [(&str, &[&str], &str); 6] = [
            (
                "TLS1.3 RSA-PSS only",
                &[
                    "-tls1_3",
                    "-sigalgs",
                    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384",
                ],
                "rsa",
            ),
            (
                "TLS1.3 ECDSA only",
                &["-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256"],
                "ecdsa",
            ),
            (
                "TLS1.2 ECDHE-RSA",
                &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"],
                "rsa",
            ),
            (
                "TLS1.2 ECDHE-ECDSA",
                &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"],
                "ecdsa",
            ),
            (
                "TLS1.3 ECDSA only again",
                &["-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256"],
                "ecdsa",
            ),
            (
                "TLS1.3 RSA-PSS only again",
                &["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"],
                "rsa",
            ),
        ];
        for (i, (label, args, want)) in cases.iter().enumerate() {
            let mut a = vec!["-status"];
            a.extend_from_slice(args);
            let pr = Probe::new(p, "localhost", &ca, &a);
            let sum = pr.summary(&lab);
            let ok = pr.s.cert_ou().as_deref() == Some(*want)
                && pr.staple.summary(&lab) == format!("successful good #{want}")
                && pr.http == Some(200);
            f.fact(&format!("{} {label}", i + 1), sum, ok, || pr.describe());
        }
        let pr = Probe::new(p, "localhost", &ca, &["-status"]);
        let ou = pr.s.cert_ou().unwrap_or_default();
        f.fact(
            "7 default client: staple matches the certificate sent",
            pr.summary(&lab),
            !ou.is_empty() && pr.staple.summary(&lab) == format!("successful good #{ou}"),
            || pr.describe(),
        );
        let n = lab.good.count() - q0;
        f.fact(
            "8 responder queries (one per certificate)",
            n.to_string(),
            n == 2,
            || h.error_log(),
        );
        let log = h.error_log();
        let setup_errors = log.contains("AH02604") || log.contains("AH02217");
        f.fact(
            "8 both certificates set up for stapling (no AH02604/AH02217)",
            (!setup_errors).to_string(),
            !setup_errors,
            || log.clone(),
        );
        let crashes = h.crash_lines();
        f.fact("9 crashes", crashes.join("\n"), crashes.is_empty(), || {
            h.diagnostics()
        });
        f.fact(
            "9 ssl error/warn log codes",
            ssl_complaints(&log),
            true,
            String::new,
        );
    });
}

// ---- stapling: status_request extensions ------------------------------------------------

/// A ClientHello (TLS 1.2 + 1.3) whose status_request carries request_extensions (an OCSP
/// nonce). OpenSSL hands them to mod_ssl (`SSL_get_tlsext_status_exts`), which adds them to
/// its OCSP request: the responder sees the client's nonce.
fn hello_with_status_nonce(name: &str, nonce: &[u8]) -> Vec<u8> {
    let mut ch = raw::ClientHello::modern();
    ch.server_name = Some(name.into());
    let mut msg = ch.handshake_message();
    // Walk to the extensions block: type(1) len(3) version(2) random(32) sid ciphers comp.
    let mut off = 4 + 2 + 32;
    off += 1 + msg[off] as usize;
    off += 2 + u16::from_be_bytes([msg[off], msg[off + 1]]) as usize;
    off += 1 + msg[off] as usize;
    // Extensions ::= SEQUENCE { Extension { id-pkix-ocsp-nonce, OCTET STRING { OCTET STRING nonce } } }
    let mut inner = vec![0x04, nonce.len() as u8];
    inner.extend_from_slice(nonce);
    let mut ext = vec![
        0x06,
        0x09,
        0x2b,
        0x06,
        0x01,
        0x05,
        0x05,
        0x07,
        0x30,
        0x01,
        0x02,
        0x04,
        inner.len() as u8,
    ];
    ext.extend_from_slice(&inner);
    let mut one = vec![0x30, ext.len() as u8];
    one.extend_from_slice(&ext);
    let mut exts = vec![0x30, one.len() as u8];
    exts.extend_from_slice(&one);
    // status_request: status_type ocsp(1), responder_id_list <0>, request_extensions.
    let mut data = vec![1, 0, 0];
    data.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    data.extend_from_slice(&exts);
    let mut e = vec![0, 5];
    e.extend_from_slice(&(data.len() as u16).to_be_bytes());
    e.extend_from_slice(&data);
    let ext_len = u16::from_be_bytes([msg[off], msg[off + 1]]) as usize + e.len();
    msg[off..off + 2].copy_from_slice(&(ext_len as u16).to_be_bytes());
    msg.extend_from_slice(&e);
    let body_len = msg.len() - 4;
    msg[1..4].copy_from_slice(&(body_len as u32).to_be_bytes()[1..]);
    raw::record(raw::CT_HANDSHAKE, 0x0301, &msg)
}

/// The client's status_request extensions reach the responder (OpenSSL passes them to the
/// status callback through `SSL_get_tlsext_status_exts`; mod_ssl copies them into its OCSP
/// request). Checked with a nonce, on a fresh certificate per mode so nothing is cached.
#[test]
fn stapling_forwards_status_request_extensions() {
    let lab = Lab::new();
    let port = lab.good.port;
    let leaves: std::collections::HashMap<Mode, Leaf> = [Mode::System, Mode::Shim]
        .into_iter()
        .map(|m| {
            (
                m,
                lab.issue(
                    &format!("nonce-{m}"),
                    KeyType::EcdsaP256,
                    "localhost",
                    Kind::Server,
                    Some(port),
                ),
            )
        })
        .collect();
    side_by_side("stapling: status_request extensions", |mode, f| {
        let h = start(
            mode,
            Some(&leaves[&mode]),
            "  SSLUseStapling on",
            STAPLING_CACHE,
        );
        let nonce = Rng::from_clock().bytes(16);
        let q0 = lab.good.exchanges().len();
        let mut st = raw::connect(h.port()).expect("connect");
        raw::send(&mut st, &hello_with_status_nonce("localhost", &nonce)).unwrap();
        let got = raw::read_some(&mut st, 5, Duration::from_secs(10)).unwrap_or_default();
        drop(st);
        let types = raw::handshake_types(&got);
        f.fact(
            "1 server answered the ClientHello",
            (!got.is_empty() && got[0] == raw::CT_HANDSHAKE).to_string(),
            !got.is_empty() && got[0] == raw::CT_HANDSHAKE,
            || format!("{got:02x?} {types:?}\n{}", h.error_log()),
        );
        let ex = lab.good.exchanges();
        let new = &ex[q0.min(ex.len())..];
        f.fact(
            "2 OCSP requests for this connection",
            new.len().to_string(),
            new.len() == 1,
            || h.error_log(),
        );
        let has = new.iter().any(|x| {
            x.request
                .windows(nonce.len())
                .any(|w| w == nonce.as_slice())
        });
        f.fact(
            "3 the client's nonce is in mod_ssl's OCSP request",
            has.to_string(),
            has,
            || {
                format!(
                    "requests: {:?}\n{}",
                    new.iter().map(|x| hex(&x.request)).collect::<Vec<_>>(),
                    h.error_log()
                )
            },
        );
        let crashes = h.crash_lines();
        f.fact("9 crashes", crashes.join("\n"), crashes.is_empty(), || {
            h.diagnostics()
        });
    });
}

// ---- client certificates: SSLOCSPEnable -------------------------------------------------

/// Client-certificate OCSP checking inside mod_ssl's verify callback (`SSLVerifyClient
/// require`): the status comes from the responder named by the certificate's AIA,
/// `SSLOCSPDefaultResponder`, or (with `SSLOCSPOverrideResponder on`) always the default;
/// good -> 200, revoked -> refused, responder down / not answering
/// (`SSLOCSPResponderTimeout`) / unverifiable signature -> refused unless `SSLOCSPNoverify on`;
/// no responder URL at all -> refused unless `no_ocsp_for_cert_ok`.
#[test]
fn client_certificate_ocsp() {
    let lab = Lab::new();
    let (aia, hang, stall, dead, rogue) = (
        lab.good.port,
        lab.hangup.port,
        lab.stall.port,
        lab.dead.port,
        lab.rogue.port,
    );
    let client = |stem: &str, aia: Option<u16>| {
        let l = lab.issue(stem, KeyType::EcdsaP256, stem, Kind::Client, aia);
        Ident {
            name: stem.into(),
            cert: l.cert.clone(),
            key: l.key.clone(),
        }
    };
    let alice = client("alice", Some(aia));
    let revoked_leaf = lab.issue(
        "mallory",
        KeyType::EcdsaP256,
        "mallory",
        Kind::Client,
        Some(aia),
    );
    lab.revoke(&revoked_leaf);
    let mallory = Ident {
        name: "mallory".into(),
        cert: revoked_leaf.cert.clone(),
        key: revoked_leaf.key.clone(),
    };
    let noaia = client("noaia", None);
    let deadaia = client("deadaia", Some(dead));
    let url = Lab::url;
    const NAMES: [&str; 8] = [
        "aia.test",
        "leaf.test",
        "override.test",
        "down.test",
        "noocspok.test",
        "stall.test",
        "rogue.test",
        "noverify.test",
    ];
    let server = certs()
        .issue(
            "ocsp-client-vhosts",
            KeyType::EcdsaP256,
            "/O=sslshim/OU=ocsp/CN=aia.test",
            &NAMES.map(|n| format!("DNS:{n}")).join(","),
            compat_tests::certs::Usage::Server,
        )
        .expect("vhost certificate");
    let ca = lab.ca().display().to_string();
    let vh = |name: &str, body: String| {
        vhost(
            name,
            &[(&server.cert, &server.key)],
            &format!(
                "  SSLVerifyClient require\n  SSLVerifyDepth 2\n  SSLCACertificateFile \"{ca}\"\n{body}"
            ),
        )
    };
    let mut global = String::new();
    global += &vh("aia.test", "  SSLOCSPEnable on".into());
    global += &vh(
        "leaf.test",
        format!(
            "  SSLOCSPEnable leaf\n  SSLOCSPDefaultResponder {}",
            url(aia)
        ),
    );
    global += &vh(
        "override.test",
        format!(
            "  SSLOCSPEnable on\n  SSLOCSPDefaultResponder {}\n  SSLOCSPOverrideResponder on",
            url(aia)
        ),
    );
    global += &vh(
        "down.test",
        format!(
            "  SSLOCSPEnable on\n  SSLOCSPDefaultResponder {}\n  SSLOCSPOverrideResponder on",
            url(hang)
        ),
    );
    global += &vh(
        "noocspok.test",
        "  SSLOCSPEnable on no_ocsp_for_cert_ok".into(),
    );
    global += &vh(
        "stall.test",
        format!(
            "  SSLOCSPEnable on\n  SSLOCSPDefaultResponder {}\n  SSLOCSPOverrideResponder on\n  SSLOCSPResponderTimeout 1",
            url(stall)
        ),
    );
    global += &vh(
        "rogue.test",
        format!(
            "  SSLOCSPEnable on\n  SSLOCSPDefaultResponder {}\n  SSLOCSPOverrideResponder on",
            url(rogue)
        ),
    );
    global += &vh(
        "noverify.test",
        format!(
            "  SSLOCSPEnable on\n  SSLOCSPDefaultResponder {}\n  SSLOCSPOverrideResponder on\n  SSLOCSPNoverify on",
            url(rogue)
        ),
    );
    let show = |a: &Attempt| match a.status {
        Some(s) => format!("{s}"),
        None => "refused".to_string(),
    };
    side_by_side("client certificates: SSLOCSPEnable", |mode, f| {
        let h = start(mode, None, "", &global);
        let p = h.port();
        // (vhost, client, TLS version, expected, responder whose count must grow)
        let cases: Vec<(&str, &Ident, &str, &str, Option<&Responder>)> = vec![
            ("aia.test", &alice, "TLSv1_3", "200", Some(&lab.good)),
            ("aia.test", &alice, "TLSv1_2", "200", Some(&lab.good)),
            ("aia.test", &mallory, "TLSv1_3", "refused", Some(&lab.good)),
            ("aia.test", &mallory, "TLSv1_2", "refused", Some(&lab.good)),
            ("aia.test", &noaia, "TLSv1_3", "refused", None),
            ("aia.test", &deadaia, "TLSv1_3", "refused", None),
            ("leaf.test", &noaia, "TLSv1_3", "200", Some(&lab.good)),
            ("leaf.test", &deadaia, "TLSv1_3", "refused", None),
            ("leaf.test", &mallory, "TLSv1_2", "refused", Some(&lab.good)),
            ("override.test", &deadaia, "TLSv1_3", "200", Some(&lab.good)),
            (
                "override.test",
                &mallory,
                "TLSv1_3",
                "refused",
                Some(&lab.good),
            ),
            ("down.test", &alice, "TLSv1_3", "refused", Some(&lab.hangup)),
            ("noocspok.test", &noaia, "TLSv1_3", "200", None),
            ("noocspok.test", &alice, "TLSv1_3", "200", Some(&lab.good)),
            ("noocspok.test", &deadaia, "TLSv1_3", "refused", None),
            ("stall.test", &alice, "TLSv1_3", "refused", Some(&lab.stall)),
            ("rogue.test", &alice, "TLSv1_3", "refused", Some(&lab.rogue)),
            ("noverify.test", &alice, "TLSv1_3", "200", Some(&lab.rogue)),
            (
                "noverify.test",
                &mallory,
                "TLSv1_2",
                "refused",
                Some(&lab.rogue),
            ),
        ];
        for (i, (vhost, who, version, want, responder)) in cases.iter().enumerate() {
            let before = responder.map(|r| r.count());
            let mark = h.log_mark();
            let t = Instant::now();
            let a = clientauth::py_client(
                p,
                &ClientOpts {
                    name: Some(*vhost),
                    ident: Some(*who),
                    version: Some(version),
                    path: "/",
                    ..Default::default()
                },
            );
            let secs = t.elapsed().as_secs_f64();
            let asked = match (responder, before) {
                (Some(r), Some(b)) => r.count() > b,
                _ => true,
            };
            let label = format!(
                "{:02} {vhost} {} as {}",
                i + 1,
                version.replace("v1_", "1."),
                who.name
            );
            let got = show(&a);
            let mut ok = got == *want && asked;
            if *vhost == "stall.test" {
                ok &= (0.8..8.0).contains(&secs);
                f.fact(
                    &format!("~{label} seconds"),
                    format!("{secs:.1}"),
                    true,
                    String::new,
                );
            }
            f.fact(
                &label,
                format!("{got}{}", if asked { "" } else { " (responder NOT asked)" }),
                ok,
                || {
                    format!(
                        "{}\n--- log ---\n{}",
                        a.out.describe(),
                        h.error_log_since(mark)
                    )
                },
            );
        }
        let crashes = h.crash_lines();
        f.fact("99 crashes", crashes.join("\n"), crashes.is_empty(), || {
            h.diagnostics()
        });
        f.fact(
            "99 ssl error/warn log codes",
            ssl_complaints(&h.error_log()),
            true,
            String::new,
        );
    });
    for r in [&lab.good, &lab.rogue] {
        let problems = r.problems();
        assert!(problems.is_empty(), "responder problems: {problems:?}");
    }
}
