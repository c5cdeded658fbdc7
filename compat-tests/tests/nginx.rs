//! Debian's real nginx (`/usr/sbin/nginx`, 1.22, stock `ngx_http_ssl_module`, http2, proxy)
//! side by side over the system OpenSSL libssl (the reference) and over our libssl.so.3
//! (`LD_LIBRARY_PATH`), driven by real clients over loopback: curl, `openssl s_client`,
//! h2load and Python's `ssl` (all of them over the *system* libssl).
//!
//! Every test runs its scenario once per mode (system first) with its own nginx in its own
//! temp dir (`sslshim-nginx-XXXXXX`: `conf/nginx.conf`, `logs/{error,access}.log`, `tmp/`),
//! on free 127.0.0.1 ports, `daemon off; master_process on;`, in its own process group. The
//! master is stopped by PID on drop (SIGTERM, bounded wait, then SIGKILL of the group), even
//! when the test panics, and the directory is removed unless `SSLSHIM_KEEP=1`. Each start
//! checks `/proc/<pid>/maps` of the master and every worker: shim mode must map
//! `<lib dir>/libssl.so.3` and not the system libssl, system mode the reverse.
//!
//! The expectations are written down per case and must hold in both modes; each test prints
//! a table (case | system | shim) with differences marked, then fails if any check failed.
//!
//! Payloads (`big64.bin` 64 MiB, `mid16.bin` 16 MiB, `one1.bin` 1 MiB, `up8.bin` 8 MiB of
//! pseudo-random bytes) are generated once per test process next to the test certificates
//! and compared by SHA-256.
//!
//! ```sh
//! make build   # the library under test: target/release/libssl.so.3
//! cargo test --release -p compat-tests --test nginx -- --nocapture
//! SSLSHIM_KEEP=1 ...   # keep the nginx dirs (configs, error/access logs)
//! ```
//!
//! Not covered: OCSP stapling (see tests/ocsp.rs for apache), kTLS / `SSL_sendfile`.

use compat_tests::proc::{self, CmdOutput};
use compat_tests::{Mode, Rng, SClient, TempDir, certs, clients};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

const NGINX: &str = "/usr/sbin/nginx";
const MODES: [Mode; 2] = [Mode::System, Mode::Shim];

// ---- payloads ----------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct Blob {
    name: &'static str,
    len: usize,
    seed: u64,
}

const BIG64: Blob = Blob {
    name: "big64.bin",
    len: 64 << 20,
    seed: 64,
};
const MID16: Blob = Blob {
    name: "mid16.bin",
    len: 16 << 20,
    seed: 16,
};
const ONE1: Blob = Blob {
    name: "one1.bin",
    len: 1 << 20,
    seed: 1,
};
const UP8: Blob = Blob {
    name: "up8.bin",
    len: 8 << 20,
    seed: 8,
};

struct Data {
    dir: PathBuf,
    sha: BTreeMap<&'static str, String>,
}

impl Data {
    fn path(&self, b: Blob) -> PathBuf {
        self.dir.join(b.name)
    }

    fn sha(&self, b: Blob) -> &str {
        &self.sha[b.name]
    }
}

/// `<certs>/nginx-data/`, made once per process (removed with the certificates at exit).
fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = certs().dir.join("nginx-data");
        std::fs::create_dir_all(&dir).expect("create data dir");
        chmod(&dir, 0o755);
        let mut sha = BTreeMap::new();
        for b in [BIG64, MID16, ONE1, UP8] {
            let p = dir.join(b.name);
            let mut rng = Rng::new(0x6e67_696e_7800 ^ b.seed);
            let mut w = std::io::BufWriter::new(std::fs::File::create(&p).expect("create payload"));
            let mut buf = vec![0u8; 1 << 20];
            let mut left = b.len;
            while left > 0 {
                let n = left.min(buf.len());
                rng.fill(&mut buf[..n]);
                w.write_all(&buf[..n]).expect("write payload");
                left -= n;
            }
            w.flush().expect("flush payload");
            drop(w);
            chmod(&p, 0o644);
            sha.insert(b.name, sha256(&p).expect("sha256sum of payload"));
        }
        Data { dir, sha }
    })
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}

/// `sha256sum FILE` (hex digest), `None` if the file is missing.
fn sha256(p: &Path) -> Option<String> {
    if !p.exists() {
        return None;
    }
    let mut cmd = clients::client_command("sha256sum");
    cmd.arg(p);
    let out = proc::run(cmd, None, Duration::from_secs(60));
    if !out.success() {
        return None;
    }
    out.stdout.split_whitespace().next().map(str::to_string)
}

// ---- side-by-side report -----------------------------------------------------------------

struct Row {
    case: String,
    mode: Mode,
    ok: bool,
    summary: String,
    detail: String,
}

/// Checks of one test in both modes; [`Report::finish`] prints the table and fails the test if
/// any check failed (in either mode).
struct Report {
    title: &'static str,
    rows: Vec<Row>,
    notes: Vec<String>,
    times: Vec<(Mode, Duration)>,
}

impl Report {
    fn new(title: &'static str) -> Report {
        Report {
            title,
            rows: Vec::new(),
            notes: Vec::new(),
            times: Vec::new(),
        }
    }

    /// One expectation. `summary` should be mode-independent when things are right (it is
    /// compared between modes); `detail` is only built for failures.
    fn check(
        &mut self,
        mode: Mode,
        case: impl Into<String>,
        ok: bool,
        summary: impl Into<String>,
        detail: impl FnOnce() -> String,
    ) {
        let detail = if ok { String::new() } else { detail() };
        self.rows.push(Row {
            case: case.into(),
            mode,
            ok,
            summary: summary.into(),
            detail,
        });
    }

    /// Something worth printing that is no failure (a difference in wording, an observation).
    fn note(&mut self, mode: Mode, text: impl AsRef<str>) {
        self.notes.push(format!("[{mode}] {}", text.as_ref()));
    }

    /// Runs `f` once per mode (system first), recording a panic as a failed check.
    fn modes(&mut self, mut f: impl FnMut(Mode, &mut Report)) {
        for mode in MODES {
            let t = Instant::now();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(mode, self)));
            if let Err(e) = r {
                self.check(mode, "(scenario)", false, "PANICKED", || panic_text(&e));
            }
            self.times.push((mode, t.elapsed()));
        }
    }

    /// Runs `f` for both modes at the same time (for the slow, rate-limited scenarios).
    fn modes_parallel(&mut self, f: impl Fn(Mode, &mut Report) + Sync) {
        let title = self.title;
        let f = &f;
        let subs: Vec<Report> = thread::scope(|s| {
            let hs: Vec<_> = MODES
                .iter()
                .map(|&mode| {
                    s.spawn(move || {
                        let mut r = Report::new(title);
                        let t = Instant::now();
                        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            f(mode, &mut r)
                        }));
                        if let Err(e) = res {
                            r.check(mode, "(scenario)", false, "PANICKED", || panic_text(&e));
                        }
                        r.times.push((mode, t.elapsed()));
                        r
                    })
                })
                .collect();
            hs.into_iter()
                .map(|h| h.join().expect("mode thread"))
                .collect()
        });
        for r in subs {
            self.rows.extend(r.rows);
            self.notes.extend(r.notes);
            self.times.extend(r.times);
        }
    }

    fn finish(self) {
        let mut cases: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !cases.contains(&r.case.as_str()) {
                cases.push(&r.case);
            }
        }
        let cell = |case: &str, mode: Mode| -> Option<&Row> {
            self.rows.iter().find(|r| r.case == case && r.mode == mode)
        };
        let mut out = format!("\n==== nginx: {} ====\n", self.title);
        let w = cases.iter().map(|c| c.len()).max().unwrap_or(4).max(4);
        let _ = writeln!(
            out,
            "{:w$}  {:5} {:5}  result (system | shim)",
            "case", "sys", "shim"
        );
        for c in &cases {
            let (s, m) = (cell(c, Mode::System), cell(c, Mode::Shim));
            let mark = |r: Option<&Row>| match r {
                None => "-",
                Some(r) if r.ok => "ok",
                Some(_) => "FAIL",
            };
            let sum = |r: Option<&Row>| r.map(|r| r.summary.clone()).unwrap_or_default();
            let same = s.is_none() || m.is_none() || sum(s) == sum(m);
            let res = if same {
                sum(s.or(m))
            } else {
                format!("{}  |  {}   <-- DIFF", sum(s), sum(m))
            };
            let _ = writeln!(out, "{c:w$}  {:5} {:5}  {res}", mark(s), mark(m));
        }
        for (mode, t) in &self.times {
            let _ = writeln!(out, "time [{mode}]: {t:.2?}");
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "notes:");
            for n in &self.notes {
                let _ = writeln!(out, "  {n}");
            }
        }
        let failed: Vec<&Row> = self.rows.iter().filter(|r| !r.ok).collect();
        eprintln!("{out}");
        if !failed.is_empty() {
            let mut msg = format!("nginx {}: {} failed check(s):\n", self.title, failed.len());
            for r in failed {
                let _ = writeln!(
                    msg,
                    "\n--- [{}] {}: {}\n{}",
                    r.mode, r.case, r.summary, r.detail
                );
            }
            panic!("{msg}");
        }
    }
}

fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = e.downcast_ref::<&str>() {
        s.to_string()
    } else {
        "panic".into()
    }
}

// ---- nginx ---------------------------------------------------------------------------------

/// A running nginx (master + workers). Dropping it stops it and removes its directory.
struct Nginx {
    child: Child,
    pid: u32,
    mode: Mode,
    workers: u32,
    ports: Vec<u16>,
    stopped: bool,
    // Last field: removed after `Drop::drop` stopped the server.
    dir: TempDir,
}

/// Why nginx did not start.
#[derive(Debug)]
struct StartFail {
    status: Option<ExitStatus>,
    log: String,
}

impl std::fmt::Display for StartFail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "nginx did not start (status {:?}):\n{}",
            self.status, self.log
        )
    }
}

/// `nginx -p DIR/ -c DIR/conf/nginx.conf -e DIR/logs/error.log` with a clean environment
/// (`PATH`, `LANG=C`, `SSLSHIM_*`/`RUST_LOG`/`RUST_BACKTRACE` passed through) and, in shim
/// mode, `LD_LIBRARY_PATH=<lib dir>`.
fn nginx_command(mode: Mode, dir: &Path) -> Command {
    let mut cmd = compat_tests::httpd::server_command(NGINX, mode, &compat_tests::shim_lib_dir());
    cmd.arg("-p")
        .arg(format!("{}/", dir.display()))
        .arg("-c")
        .arg(dir.join("conf/nginx.conf"))
        .arg("-e")
        .arg(dir.join("logs/error.log"));
    cmd
}

/// Access-log format: `port|protocol|cipher|reused|sni|client verify|request|status|bytes|curve`.
const LOG_FORMAT: &str = "$server_port|$ssl_protocol|$ssl_cipher|$ssl_session_reused|$ssl_server_name|\
$ssl_client_verify|$request|$status|$body_bytes_sent|$ssl_curve";

fn full_conf(workers: u32, http: &str) -> String {
    let user = if proc::is_root() { "user root;" } else { "" };
    format!(
        "daemon off;\nmaster_process on;\nworker_processes {workers};\n{user}\npid @DIR@/logs/nginx.pid;\n\
         error_log @DIR@/logs/error.log info;\nevents {{\n    worker_connections 512;\n}}\nhttp {{\n\
         \x20   default_type application/octet-stream;\n    log_format t '{LOG_FORMAT}';\n\
         \x20   access_log @DIR@/logs/access.log t;\n    client_body_temp_path @DIR@/tmp/body;\n\
         \x20   proxy_temp_path @DIR@/tmp/proxy;\n    fastcgi_temp_path @DIR@/tmp/fastcgi;\n\
         \x20   uwsgi_temp_path @DIR@/tmp/uwsgi;\n    scgi_temp_path @DIR@/tmp/scgi;\n    sendfile off;\n\
         \x20   keepalive_timeout 15;\n    client_max_body_size 64m;\n{http}\n}}\n"
    )
}

/// A TLS `server` on `127.0.0.1:<listen>` (`@P0@` ...) with the RSA localhost certificate
/// (unless `extra` brings its own), `/hello` and `/data/` (the payloads), plus `extra`.
fn tls_server(listen: &str, extra: &str) -> String {
    let cert = if has_directive(extra, "ssl_certificate") {
        String::new()
    } else {
        "        ssl_certificate @CERTS@/server-rsa.crt;\n        ssl_certificate_key @CERTS@/server-rsa.key;\n".into()
    };
    // nginx 1.22's default is `TLSv1 TLSv1.1 TLSv1.2` (no TLS 1.3): use the usual modern set.
    let protocols = if has_directive(extra, "ssl_protocols") {
        ""
    } else {
        "        ssl_protocols TLSv1.2 TLSv1.3;\n"
    };
    format!(
        "    server {{\n        listen 127.0.0.1:{listen} ssl http2;\n        server_name localhost;\n{cert}{protocols}\
         \x20       root @DIR@/html;\n\
         \x20       location = /hello {{\n            return 200 \"hello port=$server_port proto=$ssl_protocol reused=$ssl_session_reused\\n\";\n        }}\n\
         \x20       location /data/ {{\n            alias @DATA@/;\n        }}\n{extra}\n    }}\n"
    )
}

/// Does `conf` hold the directive `name` (not just a longer one such as `proxy_<name>`)?
fn has_directive(conf: &str, name: &str) -> bool {
    conf.lines().any(|l| {
        l.trim_start()
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(' '))
    })
}

fn render(text: &str, dir: &Path, ports: &[u16]) -> String {
    let mut s = text
        .replace("@DIR@", &dir.display().to_string())
        .replace("@CERTS@", &certs().dir.display().to_string())
        .replace("@DATA@", &data().dir.display().to_string())
        .replace("@CA@", &certs().ca.cert.display().to_string());
    // Highest index first, so that @P1@ is not taken for a prefix of @P10@.
    for (i, p) in ports.iter().enumerate().rev() {
        s = s.replace(&format!("@P{i}@"), &p.to_string());
    }
    s
}

fn libssl_maps(pid: u32) -> Vec<PathBuf> {
    proc::mapped_files(pid)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("libssl"))
        })
        .collect()
}

impl Nginx {
    /// Starts nginx (panics with the logs if it does not come up or maps the wrong libssl).
    #[track_caller]
    fn start(mode: Mode, nports: usize, workers: u32, http: &str) -> Nginx {
        match Nginx::try_start(mode, nports, workers, http) {
            Ok(n) => n,
            Err(e) => panic!("[{mode}] {e}"),
        }
    }

    fn try_start(mode: Mode, nports: usize, workers: u32, http: &str) -> Result<Nginx, StartFail> {
        let mut last = None;
        for _ in 0..3 {
            match Nginx::try_once(mode, nports, workers, http) {
                Err(e) if e.log.contains("Address already in use") => last = Some(e),
                r => return r,
            }
        }
        Err(last.unwrap())
    }

    fn try_once(mode: Mode, nports: usize, workers: u32, http: &str) -> Result<Nginx, StartFail> {
        let dir = TempDir::new("sslshim-nginx-").expect("create nginx temp dir");
        for d in [
            "conf",
            "logs",
            "html",
            "tmp",
            "tmp/body",
            "tmp/proxy",
            "tmp/fastcgi",
            "tmp/uwsgi",
            "tmp/scgi",
        ] {
            std::fs::create_dir_all(dir.path().join(d)).expect("create nginx dirs");
            chmod(&dir.path().join(d), 0o755);
        }
        std::fs::write(dir.path().join("html/index.html"), "sslshim nginx\n").unwrap();
        let mut ports: Vec<u16> = Vec::new();
        while ports.len() < nports {
            let p = proc::free_port();
            if !ports.contains(&p) {
                ports.push(p);
            }
        }
        let conf = render(&full_conf(workers, http), dir.path(), &ports);
        std::fs::write(dir.path().join("conf/nginx.conf"), conf).unwrap();
        let startup = std::fs::File::create(dir.path().join("logs/startup.log")).unwrap();
        let mut cmd = nginx_command(mode, dir.path());
        cmd.stdin(Stdio::null())
            .stdout(startup.try_clone().unwrap())
            .stderr(startup)
            .process_group(0);
        compat_tests::proc::die_with_parent(&mut cmd, libc::SIGTERM);
        let child = cmd.spawn().expect("spawn /usr/sbin/nginx");
        let pid = child.id();
        let mut n = Nginx {
            child,
            pid,
            mode,
            workers,
            ports,
            stopped: false,
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(Some(status)) = n.child.try_wait() {
                n.stopped = true;
                return Err(StartFail {
                    status: Some(status),
                    log: n.startup_text(),
                });
            }
            if n.ports.iter().all(|p| proc::tcp_listening(*p))
                && n.worker_pids().len() >= workers as usize
            {
                break;
            }
            if Instant::now() >= deadline {
                return Err(StartFail {
                    status: None,
                    log: format!("not ready in 15 s\n{}", n.startup_text()),
                });
            }
            thread::sleep(Duration::from_millis(20));
        }
        if let Err(e) = n.verify_library() {
            return Err(StartFail {
                status: None,
                log: format!("{e}\n{}", n.startup_text()),
            });
        }
        Ok(n)
    }

    fn port(&self) -> u16 {
        self.ports[0]
    }

    fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Live children of the master named nginx (workers; during a reload old and new ones).
    fn worker_pids(&self) -> Vec<u32> {
        proc::children(self.pid)
            .into_iter()
            .filter(|p| proc::stat(*p).is_some_and(|s| s.comm.starts_with("nginx")))
            .collect()
    }

    /// The master and every worker map the libssl.so.3 of this mode and not the other one.
    fn verify_library(&self) -> Result<String, String> {
        let shim = Mode::Shim.expected_libssl();
        let system = compat_tests::system_libssl();
        let (want, not) = match self.mode {
            Mode::Shim => (&shim, &system),
            Mode::System => (&system, &shim),
        };
        let mut seen = String::new();
        let mut pids = vec![self.pid];
        pids.extend(self.worker_pids());
        for pid in pids {
            let libs = libssl_maps(pid);
            let _ = write!(seen, "{pid}:{libs:?} ");
            if !libs.contains(want) || libs.contains(not) {
                return Err(format!(
                    "[{}] pid {pid} maps libssl {libs:?}: expected {} and not {}",
                    self.mode,
                    want.display(),
                    not.display()
                ));
            }
        }
        Ok(seen)
    }

    fn error_log(&self) -> String {
        std::fs::read(self.dir().join("logs/error.log"))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir().join("logs/access.log")).unwrap_or_default()
    }

    fn log_mark(&self) -> usize {
        std::fs::metadata(self.dir().join("logs/error.log"))
            .map(|m| m.len() as usize)
            .unwrap_or(0)
    }

    fn error_log_since(&self, mark: usize) -> String {
        let b = std::fs::read(self.dir().join("logs/error.log")).unwrap_or_default();
        String::from_utf8_lossy(b.get(mark..).unwrap_or(&[])).into_owned()
    }

    /// The access-log entry whose request line contains `needle` (polls up to 3 s).
    fn access_entry(&self, needle: &str) -> Option<Access> {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            if let Some(l) = self.access_log().lines().find(|l| l.contains(needle)) {
                return Access::parse(l);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Error-log lines that never belong in a healthy run: alert/emerg/crit, crashed workers.
    fn bad_log_lines(&self, allow: &[&str]) -> Vec<String> {
        self.error_log()
            .lines()
            .filter(|l| {
                [
                    "[alert]",
                    "[emerg]",
                    "[crit]",
                    "exited on signal",
                    "panicked",
                    "core dumped",
                ]
                .iter()
                .any(|p| l.contains(p))
            })
            .filter(|l| !allow.iter().any(|a| l.contains(a)))
            .map(str::to_string)
            .collect()
    }

    fn startup_text(&self) -> String {
        let startup =
            std::fs::read_to_string(self.dir().join("logs/startup.log")).unwrap_or_default();
        let conf = std::fs::read_to_string(self.dir().join("conf/nginx.conf")).unwrap_or_default();
        format!(
            "--- nginx stdout/stderr ---\n{}\n--- error.log ---\n{}\n--- nginx.conf ---\n{}",
            startup.trim_end(),
            self.error_log().trim_end(),
            conf
        )
    }

    /// Mode, pids, libssl maps and the error log tail, for failure messages.
    fn diagnostics(&self) -> String {
        let log = self.error_log();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        let maps: Vec<(u32, Vec<PathBuf>)> = self
            .worker_pids()
            .into_iter()
            .map(|w| (w, libssl_maps(w)))
            .collect();
        format!(
            "nginx mode={} master={} ports={:?} dir={}\nworkers/libssl={maps:?}\n--- error.log (last {} lines) ---\n{}",
            self.mode,
            self.pid,
            self.ports,
            self.dir().display(),
            tail.len(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    /// Rewrites the configuration (same ports, same worker count).
    fn rewrite_conf(&self, http: &str) {
        let conf = render(&full_conf(self.workers, http), self.dir(), &self.ports);
        std::fs::write(self.dir().join("conf/nginx.conf"), conf).unwrap();
    }

    /// `nginx -p DIR/ -c conf -e log -s reload`, run like the server (same mode and env).
    fn reload(&self) -> CmdOutput {
        let mut cmd = nginx_command(self.mode, self.dir());
        cmd.args(["-s", "reload"]);
        proc::run(cmd, None, Duration::from_secs(20))
    }

    fn stop(&mut self) {
        if self.stopped {
            proc::kill_group(self.pid, libc::SIGKILL);
            return;
        }
        self.stopped = true;
        if matches!(self.child.try_wait(), Ok(None)) {
            proc::kill_pid(self.pid, libc::SIGTERM);
        }
        let (_, timed_out) = proc::wait_deadline(&mut self.child, Duration::from_secs(10));
        if timed_out {
            proc::kill_group(self.pid, libc::SIGKILL);
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // Workers left behind (none expected) share the master's process group.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !proc::group_members(self.pid).is_empty() && Instant::now() < deadline {
            proc::kill_group(self.pid, libc::SIGKILL);
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
        if compat_tests::keep_temp() {
            eprintln!(
                "sslshim compat-tests: nginx ({} mode) dir kept: {}",
                self.mode,
                self.dir().display()
            );
        }
    }
}

/// One access-log line ([`LOG_FORMAT`]).
#[derive(Debug, Clone, Default)]
#[allow(dead_code)]
struct Access {
    port: String,
    protocol: String,
    cipher: String,
    reused: String,
    sni: String,
    verify: String,
    request: String,
    status: String,
    bytes: u64,
    curve: String,
}

impl Access {
    fn parse(l: &str) -> Option<Access> {
        let f: Vec<&str> = l.split('|').collect();
        if f.len() < 10 {
            return None;
        }
        Some(Access {
            port: f[0].into(),
            protocol: f[1].into(),
            cipher: f[2].into(),
            reused: f[3].into(),
            sni: f[4].into(),
            verify: f[5].into(),
            request: f[6].into(),
            status: f[7].into(),
            bytes: f[8].parse().unwrap_or(0),
            curve: f[9].into(),
        })
    }
}

// ---- clients ---------------------------------------------------------------------------------

/// `curl -sS --max-time 60 --cacert CA --resolve localhost:PORT:127.0.0.1 <args>` (system libssl).
fn curl(port: u16, args: &[&str]) -> CmdOutput {
    let mut cmd = clients::client_command("curl");
    cmd.args(["-sS", "--max-time", "60", "--cacert"])
        .arg(&certs().ca.cert)
        .arg("--resolve")
        .arg(format!("localhost:{port}:127.0.0.1"))
        .args(args);
    proc::run(cmd, None, Duration::from_secs(90))
}

fn url(port: u16, path: &str) -> String {
    format!("https://localhost:{port}{path}")
}

/// The `curl: (35) ...` line of curl's stderr.
fn curl_error(stderr: &str) -> String {
    stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("curl: "))
        .unwrap_or("")
        .trim()
        .to_string()
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// A GET whose body goes to `out` in `dir` (then hashed and removed).
struct Download {
    out: CmdOutput,
    status: String,
    size: u64,
    http: String,
    tls: Option<String>,
    sha: Option<String>,
}

impl Download {
    fn get(port: u16, dir: &Path, path: &str, args: &[&str]) -> Download {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let file = dir.join(format!("download-{}.bin", N.fetch_add(1, Ordering::SeqCst)));
        let file_s = file.display().to_string();
        let u = url(port, path);
        let mut a = vec![
            "-v",
            "-o",
            &file_s,
            "-w",
            "%{http_code} %{size_download} %{http_version}",
        ];
        a.extend_from_slice(args);
        a.push(&u);
        let out = curl(port, &a);
        let mut w = out.stdout.split_whitespace();
        let status = w.next().unwrap_or("").to_string();
        let size = w.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let http = w.next().unwrap_or("").to_string();
        let tls = clients::curl_tls_version(&out.stderr);
        let sha = sha256(&file);
        let _ = std::fs::remove_file(&file);
        Download {
            out,
            status,
            size,
            http,
            tls,
            sha,
        }
    }

    /// `200 TLSv1.3 http/2 67108864B sha=ok` (mode-independent when it works).
    fn summary(&self, want_sha: &str) -> String {
        let sha = match &self.sha {
            Some(s) if s == want_sha => "sha=ok".to_string(),
            Some(s) => format!("sha=MISMATCH({})", &s[..12.min(s.len())]),
            None => "no-file".into(),
        };
        let err = if self.out.success() {
            String::new()
        } else {
            format!(" curl-error: {}", curl_error(&self.out.stderr))
        };
        format!(
            "{} {} http/{} {}B {sha}{err}",
            self.status,
            self.tls.as_deref().unwrap_or("-"),
            self.http,
            self.size
        )
    }

    fn ok(&self, blob: Blob, tls: &str, http: &str) -> bool {
        self.out.success()
            && self.status == "200"
            && self.size == blob.len as u64
            && self.sha.as_deref() == Some(data().sha(blob))
            && self.tls.as_deref() == Some(tls)
            && self.http == http
    }
}

/// `openssl s_client` with `-ign_eof`, sending `GET <path>` (Connection: close); the
/// request path tags the access-log line.
fn s_get(port: u16, path: &str, args: &[&str]) -> SClient {
    let mut a = vec!["-ign_eof"];
    a.extend_from_slice(args);
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    clients::s_client(port, &certs().ca.cert, &a, req.as_bytes())
}

/// `TLSv1.3/TLS_AES_256_GCM_SHA384` or `handshake-failed`.
fn hs_summary(s: &SClient) -> String {
    if s.handshake_ok() {
        format!(
            "{}/{}",
            s.protocol.as_deref().unwrap_or("?"),
            s.cipher.as_deref().unwrap_or("?")
        )
    } else {
        "handshake-failed".into()
    }
}

fn bad_lines_check(r: &mut Report, mode: Mode, n: &Nginx, allow: &[&str]) {
    bad_lines_check_named(r, mode, n, "", allow);
}

fn bad_lines_check_named(r: &mut Report, mode: Mode, n: &Nginx, which: &str, allow: &[&str]) {
    let bad = n.bad_log_lines(allow);
    r.check(
        mode,
        format!("error.log{which}: no alert/crit/emerg"),
        bad.is_empty(),
        if bad.is_empty() {
            "clean".to_string()
        } else {
            format!("{} bad line(s)", bad.len())
        },
        || format!("{}\n\n{}", bad.join("\n"), n.diagnostics()),
    );
}

// ---- 1. large downloads ------------------------------------------------------------------------

/// 64 MiB over HTTP/1.1 with TLS 1.3 and TLS 1.2, over h2, and h2load (20 x 1 MiB, 4
/// connections): byte-exact (SHA-256), no errors. `sendfile off`, default `ssl_buffer_size`.
#[test]
fn large_downloads_byte_exact() {
    let d = data();
    let mut r = Report::new("large downloads (64 MiB, h1/h2, TLS 1.2/1.3, h2load)");
    r.modes(|mode, r| {
        let n = Nginx::start(mode, 1, 2, &tls_server("@P0@", ""));
        let p = n.port();
        // (Nginx::start already refused a server mapping the wrong libssl; shown here.)
        let maps = n.verify_library();
        let lib = n
            .worker_pids()
            .first()
            .map(|w| libssl_maps(*w))
            .unwrap_or_default();
        r.check(
            mode,
            "workers map libssl",
            maps.is_ok(),
            format!("{lib:?}"),
            || format!("{maps:?}"),
        );
        let cases: [(&str, &[&str], &str, &str); 3] = [
            (
                "h1 TLS1.3 64MiB",
                &["--http1.1", "--tlsv1.3"],
                "TLSv1.3",
                "1.1",
            ),
            (
                "h1 TLS1.2 64MiB",
                &["--http1.1", "--tlsv1.2", "--tls-max", "1.2"],
                "TLSv1.2",
                "1.1",
            ),
            ("h2 TLS1.3 64MiB", &["--http2"], "TLSv1.3", "2"),
        ];
        for (case, args, tls, http) in cases {
            let dl = Download::get(p, n.dir(), "/data/big64.bin", args);
            r.check(
                mode,
                case,
                dl.ok(BIG64, tls, http),
                dl.summary(d.sha(BIG64)),
                || format!("{}\n{}", dl.out.describe(), n.diagnostics()),
            );
            r.note(mode, format!("{case}: {:.2?}", dl.out.elapsed));
        }
        let mut cmd = clients::client_command("h2load");
        cmd.args(["-n", "20", "-c", "4", "-m", "2"])
            .arg(format!("https://127.0.0.1:{p}/data/one1.bin"));
        let out = proc::run(cmd, None, Duration::from_secs(60));
        let line = |prefix: &str| {
            out.stdout
                .lines()
                .find(|l| l.trim_start().starts_with(prefix))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let req = line("requests:");
        let codes = line("status codes:");
        let proto = line("Application protocol:");
        let ok = out.success()
            && req.contains("20 succeeded, 0 failed, 0 errored, 0 timeout")
            && codes.starts_with("status codes: 20 2xx")
            && proto == "Application protocol: h2";
        r.check(
            mode,
            "h2load -n20 -c4 1MiB",
            ok,
            format!("{req}; {codes}; {proto}"),
            || format!("{}\n{}", out.describe(), n.diagnostics()),
        );
        // h2load does not check content: the access log must show 20 full bodies.
        let full = n
            .access_log()
            .lines()
            .filter_map(Access::parse)
            .filter(|a| {
                a.request.contains("/data/one1.bin")
                    && a.status == "200"
                    && a.bytes == ONE1.len as u64
            })
            .count();
        r.check(
            mode,
            "h2load: 20 full responses logged",
            full == 20,
            format!("{full} full"),
            || n.access_log(),
        );
        bad_lines_check(r, mode, &n, &[]);
    });
    r.finish();
}

/// `sendfile on` with TLS (no kTLS: nginx reads the file and calls SSL_write) with big
/// `output_buffers` and `ssl_buffer_size 64k` (SSL_write of 64 KiB, several records per call),
/// and with `ssl_buffer_size 1k` + `aio threads` (many small writes from thread-read buffers).
#[test]
fn sendfile_and_buffer_sizes() {
    let d = data();
    let mut r = Report::new("sendfile on, ssl_buffer_size 64k / 1k, aio threads");
    r.modes(|mode, r| {
        let http = format!(
            "{}{}",
            tls_server("@P0@", "        sendfile on;\n        tcp_nopush on;\n        output_buffers 2 1m;\n        ssl_buffer_size 64k;\n"),
            tls_server("@P1@", "        sendfile on;\n        aio threads;\n        ssl_buffer_size 1k;\n")
        );
        let n = Nginx::start(mode, 2, 2, &http);
        let (p0, p1) = (n.ports[0], n.ports[1]);
        let cases: [(&str, u16, Blob, &[&str], &str, &str); 4] = [
            ("sendfile 64k h1 TLS1.3 64MiB", p0, BIG64, &["--http1.1", "--tlsv1.3"], "TLSv1.3", "1.1"),
            ("sendfile 64k h1 TLS1.2 64MiB", p0, BIG64, &["--http1.1", "--tlsv1.2", "--tls-max", "1.2"], "TLSv1.2", "1.1"),
            ("sendfile 64k h2 16MiB", p0, MID16, &["--http2"], "TLSv1.3", "2"),
            ("sendfile 1k aio h1 TLS1.3 16MiB", p1, MID16, &["--http1.1"], "TLSv1.3", "1.1"),
        ];
        for (case, port, blob, args, tls, http) in cases {
            let dl = Download::get(port, n.dir(), &format!("/data/{}", blob.name), args);
            r.check(mode, case, dl.ok(blob, tls, http), dl.summary(d.sha(blob)), || {
                format!("{}\n{}", dl.out.describe(), n.diagnostics())
            });
            r.note(mode, format!("{case}: {:.2?}", dl.out.elapsed));
        }
        bad_lines_check(r, mode, &n, &[]);
    });
    r.finish();
}

/// A rate-limited reader (`curl --limit-rate 2M`, 16 MiB, HTTP/1.1 and h2 at the same time):
/// nginx's SSL_write keeps hitting a full socket (WANT_WRITE, retried with the same buffer);
/// at the same time a server-side `limit_rate 4m` download over TLS 1.2 (timer-driven
/// partial writes). Both modes run concurrently (about 8 s).
#[test]
fn rate_limited_slow_reader() {
    let d = data();
    let mut r = Report::new(
        "slow readers: curl --limit-rate 2M (h1 + h2), server limit_rate 4m, 16 MiB, concurrently",
    );
    r.modes_parallel(|mode, r| {
        let slow = "        location /slow/ {\n            alias @DATA@/;\n            limit_rate 4m;\n            limit_rate_after 1m;\n        }\n";
        let n = Nginx::start(mode, 1, 2, &tls_server("@P0@", slow));
        let p = n.port();
        let dir = n.dir().to_path_buf();
        let (h1, h2, srv) = thread::scope(|s| {
            let a = s.spawn(|| Download::get(p, &dir, "/data/mid16.bin", &["--http1.1", "--limit-rate", "2M"]));
            let b = s.spawn(|| Download::get(p, &dir, "/data/mid16.bin", &["--http2", "--limit-rate", "2M"]));
            let c = s.spawn(|| Download::get(p, &dir, "/slow/mid16.bin", &["--http1.1", "--tlsv1.2", "--tls-max", "1.2"]));
            (a.join().unwrap(), b.join().unwrap(), c.join().unwrap())
        });
        for (case, dl, http, tls) in [
            ("curl --limit-rate 2M h1 16MiB", &h1, "1.1", "TLSv1.3"),
            ("curl --limit-rate 2M h2 16MiB", &h2, "2", "TLSv1.3"),
            ("server limit_rate 4m h1 TLS1.2 16MiB", &srv, "1.1", "TLSv1.2"),
        ] {
            r.check(mode, case, dl.ok(MID16, tls, http), dl.summary(d.sha(MID16)), || {
                format!("{}\n{}", dl.out.describe(), n.diagnostics())
            });
            r.note(mode, format!("{case}: {:.2?}", dl.out.elapsed));
        }
        bad_lines_check(r, mode, &n, &[]);
    });
    r.finish();
}

/// Python `ssl` raw socket, `SO_RCVBUF` 8 KiB, recv sizes cycling 1 .. 40000 bytes, pauses
/// every 2 MiB: 16 MiB arrive byte-exact and the server closes with close_notify.
const PY_SLOW: &str = r#"
import hashlib, socket, ssl, sys, time
port, ca, path, maxv = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.create_default_context(cafile=ca)
if maxv: ctx.maximum_version = getattr(ssl.TLSVersion, maxv)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
s.settimeout(30)
s.connect(("127.0.0.1", int(port)))
t = ctx.wrap_socket(s, server_hostname="localhost")
print("version=" + t.version(), flush=True)
t.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
sizes = [1, 2, 5, 100, 1000, 4095, 4096, 16383, 16384, 16385, 40000]
head = b""; h = hashlib.sha256(); blen = 0; n = 0; pauses = 0; in_body = False
next_pause = 256 * 1024; end = "close_notify"
while True:
    try:
        chunk = t.recv(sizes[n % len(sizes)])
    except ssl.SSLEOFError as e:
        end = "unexpected-eof"; break
    except Exception as e:
        end = f"{type(e).__name__}: {e}"; break
    n += 1
    if not chunk: break
    if not in_body:
        head += chunk
        if b"\r\n\r\n" in head:
            head, _, rest = head.partition(b"\r\n\r\n")
            in_body = True
            h.update(rest); blen += len(rest)
    else:
        h.update(chunk); blen += len(chunk)
    if blen >= next_pause:
        time.sleep(0.1); pauses += 1; next_pause = blen + 2 * 1024 * 1024
print("status=" + head.split(b" ")[1].decode() if head else "status=none")
print(f"len={blen}"); print("sha=" + h.hexdigest()); print(f"recvs={n}"); print(f"pauses={pauses}"); print("end=" + end)
"#;

#[test]
fn python_small_recv_slow_reader() {
    let d = data();
    let mut r = Report::new("Python ssl: small recv sizes, 8 KiB SO_RCVBUF, pauses, 16 MiB");
    r.modes(|mode, r| {
        let n = Nginx::start(mode, 1, 2, &tls_server("@P0@", ""));
        let (ps, ca) = (n.port().to_string(), certs().ca.cert.display().to_string());
        for (case, maxv, want) in [
            ("python TLS1.3 16MiB", "", "TLSv1.3"),
            ("python TLS1.2 16MiB", "TLSv1_2", "TLSv1.2"),
        ] {
            let out = clients::python(
                PY_SLOW,
                &[&ps, &ca, "/data/mid16.bin", maxv],
                Duration::from_secs(60),
            );
            let get = |k: &str| {
                out.stdout
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{k}=")))
                    .unwrap_or("")
                    .to_string()
            };
            let sha_ok = get("sha") == d.sha(MID16);
            let summary = format!(
                "{} status={} len={} sha={} end={}",
                get("version"),
                get("status"),
                get("len"),
                if sha_ok { "ok" } else { "MISMATCH" },
                get("end")
            );
            let ok = out.success()
                && get("version") == want
                && get("status") == "200"
                && get("len") == MID16.len.to_string()
                && sha_ok
                && get("end") == "close_notify";
            r.check(mode, case, ok, summary, || {
                format!("{}\n{}", out.describe(), n.diagnostics())
            });
            r.note(
                mode,
                format!(
                    "{case}: {:.2?}, recvs={} pauses={}",
                    out.elapsed,
                    get("recvs"),
                    get("pauses")
                ),
            );
        }
        bad_lines_check(r, mode, &n, &[]);
    });
    r.finish();
}

// ---- 2. uploads ---------------------------------------------------------------------------------

/// Plain-HTTP echo upstream in this process: answers each request with its body.
struct Echo {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Echo {
    fn start() -> Echo {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind echo");
        let port = l.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        thread::spawn(move || {
            for conn in l.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(s) = conn {
                    thread::spawn(move || serve_echo(s));
                }
            }
        });
        Echo { port, stop }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Decodes a complete chunked body (`None` while incomplete).
fn dechunk(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let eol = i + find(&raw[i..], b"\r\n")?;
        let size_s = std::str::from_utf8(&raw[i..eol]).ok()?;
        let size = usize::from_str_radix(size_s.split(';').next()?.trim(), 16).ok()?;
        i = eol + 2;
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(i..i + size)?);
        i += size + 2;
    }
}

fn serve_echo(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::new();
    let mut tmp = vec![0u8; 1 << 16];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut tmp) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let mut raw = buf[head_end..].to_vec();
    let cl = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    let body = loop {
        if let Some(cl) = cl {
            if raw.len() >= cl {
                raw.truncate(cl);
                break raw;
            }
        } else if chunked {
            if raw.ends_with(b"0\r\n\r\n") {
                if let Some(b) = dechunk(&raw) {
                    break b;
                }
            }
        } else {
            break Vec::new();
        }
        match s.read(&mut tmp) {
            Ok(0) | Err(_) => return,
            Ok(n) => raw.extend_from_slice(&tmp[..n]),
        }
    };
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nX-Echo-Chunked: {chunked}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(resp.as_bytes());
    let _ = s.write_all(&body);
    let _ = s.flush();
}

/// POST of 8 MiB through nginx (TLS) to a plain-HTTP echo upstream, with request buffering
/// (body spooled to `client_body_temp_path`) and without (streamed): the echoed body is
/// byte-exact over HTTP/1.1 (TLS 1.3, TLS 1.2) and h2.
#[test]
fn upload_8mib_proxied_to_echo() {
    let d = data();
    let echo = Echo::start();
    let mut r = Report::new("POST 8 MiB -> nginx -> plain-HTTP echo");
    let up = d.path(UP8).display().to_string();
    let at = format!("@{up}");
    r.modes(|mode, r| {
        let extra = format!(
            "        location /echo {{\n            proxy_pass http://127.0.0.1:{e};\n            proxy_http_version 1.1;\n        }}\n\
             \x20       location /stream {{\n            proxy_pass http://127.0.0.1:{e};\n            proxy_http_version 1.1;\n            proxy_request_buffering off;\n        }}\n",
            e = echo.port
        );
        let n = Nginx::start(mode, 1, 2, &tls_server("@P0@", &extra));
        let p = n.port();
        let cases: [(&str, &str, &[&str], &str, &str); 4] = [
            ("POST buffered h1 TLS1.3", "/echo", &["--http1.1", "--tlsv1.3"], "TLSv1.3", "1.1"),
            ("POST buffered h1 TLS1.2", "/echo", &["--http1.1", "--tlsv1.2", "--tls-max", "1.2"], "TLSv1.2", "1.1"),
            ("POST buffered h2", "/echo", &["--http2"], "TLSv1.3", "2"),
            ("POST streamed h1 TLS1.3", "/stream", &["--http1.1"], "TLSv1.3", "1.1"),
        ];
        for (case, path, args, tls, http) in cases {
            let mut a = vec!["--data-binary", at.as_str(), "-H", "Content-Type: application/octet-stream"];
            a.extend_from_slice(args);
            let dl = Download::get(p, n.dir(), path, &a);
            let ok = dl.out.success()
                && dl.status == "200"
                && dl.size == UP8.len as u64
                && dl.sha.as_deref() == Some(d.sha(UP8))
                && dl.tls.as_deref() == Some(tls)
                && dl.http == http;
            r.check(mode, case, ok, dl.summary(d.sha(UP8)), || format!("{}\n{}", dl.out.describe(), n.diagnostics()));
            r.note(mode, format!("{case}: {:.2?}", dl.out.elapsed));
        }
        bad_lines_check(r, mode, &n, &[]);
    });
    drop(echo);
    r.finish();
}

// ---- 3. protocols, ciphers, curves ---------------------------------------------------------

const CIPHERS: &str =
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";

/// `ssl_protocols`, `ssl_ciphers` with `ssl_prefer_server_ciphers on/off`, `ssl_ecdh_curve
/// X25519:prime256v1`, RSA + ECDSA certificates in one server: what s_client negotiates.
#[test]
fn protocols_ciphers_curves() {
    let mut r =
        Report::new("ssl_protocols / ssl_ciphers / prefer_server_ciphers / ecdh_curve / two certs");
    r.modes(|mode, r| {
        let common = format!("        ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_ciphers {CIPHERS};\n        ssl_ecdh_curve X25519:prime256v1;\n");
        let both_certs = "        ssl_certificate @CERTS@/server-rsa.crt;\n        ssl_certificate_key @CERTS@/server-rsa.key;\n\
                          \x20       ssl_certificate @CERTS@/server-ecdsa.crt;\n        ssl_certificate_key @CERTS@/server-ecdsa.key;\n\
                          \x20       ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256;\n";
        let http = [
            tls_server("@P0@", &format!("{common}        ssl_prefer_server_ciphers on;\n")),
            tls_server("@P1@", &format!("{common}        ssl_prefer_server_ciphers off;\n")),
            tls_server("@P2@", "        ssl_protocols TLSv1.2;\n"),
            tls_server("@P3@", "        ssl_protocols TLSv1.3;\n"),
            tls_server("@P4@", both_certs),
        ]
        .concat();
        let n = Nginx::start(mode, 5, 1, &http);
        let p = &n.ports;
        let tls12_client = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305";
        // (case, port, args, expected "proto/cipher" or "handshake-failed", expected temp key prefix, expected OU)
        let cases: Vec<(&str, u16, Vec<&str>, &str, Option<&str>, Option<&str>)> = vec![
            ("prefer on: default client", p[0], vec![], "TLSv1.3/TLS_AES_256_GCM_SHA384", Some("X25519"), Some("rsa")),
            ("prefer on: TLS1.2 client order AES128,CHACHA", p[0], vec!["-tls1_2", "-cipher", tls12_client], "TLSv1.2/ECDHE-RSA-CHACHA20-POLY1305", Some("X25519"), None),
            ("prefer off: TLS1.2 client order AES128,CHACHA", p[1], vec!["-tls1_2", "-cipher", tls12_client], "TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256", Some("X25519"), None),
            ("TLS1.2 cipher not in ssl_ciphers (CBC)", p[0], vec!["-tls1_2", "-cipher", "ECDHE-RSA-AES256-SHA384"], "handshake-failed", None, None),
            ("TLS1.3 -ciphersuites CHACHA20", p[0], vec!["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"], "TLSv1.3/TLS_CHACHA20_POLY1305_SHA256", None, None),
            ("TLS1.3 groups P-256", p[0], vec!["-tls1_3", "-groups", "P-256"], "TLSv1.3/TLS_AES_256_GCM_SHA384", Some("ECDH, prime256v1"), None),
            ("TLS1.3 groups X25519", p[0], vec!["-tls1_3", "-groups", "X25519"], "TLSv1.3/TLS_AES_256_GCM_SHA384", Some("X25519"), None),
            ("TLS1.3 groups P-384 (not in ecdh_curve)", p[0], vec!["-tls1_3", "-groups", "P-384"], "handshake-failed", None, None),
            ("TLS1.2 groups P-256", p[0], vec!["-tls1_2", "-groups", "P-256"], "TLSv1.2/ECDHE-RSA-CHACHA20-POLY1305", Some("ECDH, prime256v1"), None),
            ("TLS1.2 groups P-384 (not in ecdh_curve)", p[0], vec!["-tls1_2", "-groups", "P-384"], "handshake-failed", None, None),
            ("TLS1.1 client", p[0], vec!["-tls1_1"], "handshake-failed", None, None),
            ("TLSv1.2-only server: default client", p[2], vec![], "TLSv1.2/ECDHE-RSA-AES256-GCM-SHA384", None, None),
            ("TLSv1.2-only server: TLS1.3 client", p[2], vec!["-tls1_3"], "handshake-failed", None, None),
            ("TLSv1.3-only server: default client", p[3], vec![], "TLSv1.3/TLS_AES_256_GCM_SHA384", None, None),
            ("TLSv1.3-only server: TLS1.2 client", p[3], vec!["-tls1_2"], "handshake-failed", None, None),
            ("RSA+ECDSA: TLS1.3 default -> ECDSA", p[4], vec!["-tls1_3"], "TLSv1.3/TLS_AES_256_GCM_SHA384", None, Some("ecdsa")),
            ("RSA+ECDSA: TLS1.3 -sigalgs rsa_pss_rsae_sha256", p[4], vec!["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"], "TLSv1.3/TLS_AES_256_GCM_SHA384", None, Some("rsa")),
            ("RSA+ECDSA: TLS1.2 ECDHE-RSA only", p[4], vec!["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], "TLSv1.2/ECDHE-RSA-AES128-GCM-SHA256", None, Some("rsa")),
            ("RSA+ECDSA: TLS1.2 ECDHE-ECDSA only", p[4], vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"], "TLSv1.2/ECDHE-ECDSA-AES128-GCM-SHA256", None, Some("ecdsa")),
        ];
        for (i, (case, port, args, want, key, ou)) in cases.into_iter().enumerate() {
            let path = format!("/hello?pc={i}");
            let s = s_get(port, &path, &args);
            let got = hs_summary(&s);
            let mut ok = got == want;
            let mut summary = got.clone();
            if s.handshake_ok() {
                let body_ok = s.out.stdout.contains("hello port=");
                ok &= body_ok;
                if let Some(k) = key {
                    let tk = s.temp_key.clone().unwrap_or_default();
                    ok &= tk.starts_with(k);
                    summary += &format!(" key={tk}");
                }
                if let Some(o) = ou {
                    let got_ou = s.cert_ou().unwrap_or_default();
                    ok &= got_ou == o;
                    summary += &format!(" OU={got_ou}");
                }
                if !body_ok {
                    summary += " NO-BODY";
                }
                // The server's view must agree.
                if let Some(a) = n.access_entry(&path) {
                    let agree = Some(a.protocol.as_str()) == s.protocol.as_deref() && Some(a.cipher.as_str()) == s.cipher.as_deref();
                    ok &= agree;
                    if !agree {
                        summary += &format!(" server-log={}/{}", a.protocol, a.cipher);
                    }
                }
            } else if let Some(a) = s.alert() {
                r.note(mode, format!("{case}: client saw: {}", a.trim()));
            }
            r.check(mode, case, ok, summary, || format!("want {want} key={key:?} ou={ou:?}\n{}\n{}", s.describe(), n.diagnostics()));
        }
        // Handshake failures are logged at info ("SSL_do_handshake() failed" / "no shared cipher").
        let hs_lines: Vec<String> = n.error_log().lines().filter(|l| l.contains("SSL_do_handshake")).map(|l| l.split_once("[info]").map(|x| x.1).unwrap_or(l).trim().to_string()).collect();
        for l in hs_lines.iter().take(8) {
            r.note(mode, format!("error.log: {l}"));
        }
        bad_lines_check(r, mode, &n, &[]);
    });
    r.finish();
}

/// `ssl_protocols TLSv1 TLSv1.1;` only, with nginx's default ciphers and with
/// `ssl_ciphers DEFAULT:@SECLEVEL=0`. Written down for both modes: a TLS 1.2 client and a
/// default (TLS 1.3) client get no connection. The system OpenSSL starts (and at SECLEVEL=0
/// completes a TLS 1.0 handshake with `s_client -tls1`: printed only). The shim has no TLS
/// 1.0/1.1 and must refuse clearly: nginx fails to start with an `[emerg]` saying why, or it
/// starts and every handshake fails with an error-log line saying why.
#[test]
fn protocols_tls10_tls11_only() {
    let mut r = Report::new("ssl_protocols TLSv1 TLSv1.1 only");
    r.modes(|mode, r| {
        for (variant, extra) in [
            ("default ciphers", ""),
            ("SECLEVEL=0", "        ssl_ciphers DEFAULT:@SECLEVEL=0;\n"),
        ] {
            let http = tls_server(
                "@P0@",
                &format!("        ssl_protocols TLSv1 TLSv1.1;\n{extra}"),
            );
            match Nginx::try_start(mode, 1, 1, &http) {
                Err(e) => {
                    let emerg: Vec<String> = e
                        .log
                        .lines()
                        .filter(|l| l.contains("[emerg]"))
                        .map(|l| {
                            l.split_once("[emerg] ")
                                .map(|x| x.1)
                                .unwrap_or(l)
                                .to_string()
                        })
                        .collect();
                    let clear = emerg.iter().any(|l| {
                        l.contains("TLS 1.0")
                            || l.contains("TLSv1.2")
                            || l.contains("no protocols available")
                    });
                    r.note(
                        mode,
                        format!(
                            "{variant}: startup refused: {}",
                            emerg
                                .first()
                                .map(String::as_str)
                                .unwrap_or("(no [emerg] line)")
                        ),
                    );
                    r.check(
                        mode,
                        format!("{variant}: startup"),
                        clear,
                        "refused with a clear [emerg]",
                        || e.to_string(),
                    );
                    for case in ["TLS1.2 client", "default client"] {
                        r.check(
                            mode,
                            format!("{variant}: {case}"),
                            true,
                            "no connection",
                            String::new,
                        );
                    }
                }
                Ok(n) => {
                    r.check(
                        mode,
                        format!("{variant}: startup"),
                        true,
                        "started",
                        String::new,
                    );
                    let mark = n.log_mark();
                    for (case, args) in [
                        ("TLS1.2 client", vec!["-tls1_2"]),
                        ("default client", vec![]),
                    ] {
                        let s = s_get(n.port(), "/hello", &args);
                        let got = if s.handshake_ok() {
                            hs_summary(&s)
                        } else {
                            "no connection".to_string()
                        };
                        r.check(
                            mode,
                            format!("{variant}: {case}"),
                            !s.handshake_ok(),
                            got,
                            || format!("{}\n{}", s.describe(), n.diagnostics()),
                        );
                    }
                    let s = s_get(
                        n.port(),
                        "/hello",
                        &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"],
                    );
                    r.note(
                        mode,
                        format!(
                            "{variant}: s_client -tls1 -cipher DEFAULT:@SECLEVEL=0: {}",
                            hs_summary(&s)
                        ),
                    );
                    if mode == Mode::Shim {
                        r.check(
                            mode,
                            format!("{variant}: shim refuses TLS 1.0"),
                            !s.handshake_ok(),
                            hs_summary(&s),
                            || s.describe(),
                        );
                    }
                    let log = n.error_log_since(mark);
                    let why: Vec<&str> = log
                        .lines()
                        .filter(|l| l.contains("SSL_do_handshake"))
                        .collect();
                    for l in why.iter().take(3) {
                        r.note(
                            mode,
                            format!(
                                "{variant}: error.log: {}",
                                l.split_once("] ").map(|x| x.1).unwrap_or(l)
                            ),
                        );
                    }
                    if mode == Mode::Shim {
                        let clear = why
                            .iter()
                            .any(|l| l.contains("protocol") || l.contains("version"));
                        r.check(
                            mode,
                            format!("{variant}: shim error.log says why"),
                            clear,
                            if clear { "explained" } else { "no explanation" },
                            || n.diagnostics(),
                        );
                    }
                }
            }
        }
    });
    r.finish();
}

// ---- 4. sessions -----------------------------------------------------------------------------

/// `openssl rand -out FILE 80`.
fn ticket_key(path: &Path) {
    let mut cmd = clients::client_command("openssl");
    cmd.args(["rand", "-out"]).arg(path).arg("80");
    proc::run(cmd, None, Duration::from_secs(10)).assert_success();
    chmod(path, 0o644);
}

/// Resumption with `s_client -sess_out` / `-sess_in` for TLS 1.2 and 1.3 against:
/// `ssl_session_cache shared:SSL:10m` without tickets, tickets with an
/// `ssl_session_ticket_key` file without a cache, both, neither; and across two nginx
/// instances sharing the key file (resumed) or not (full handshake).
#[test]
fn session_resumption() {
    let keys = TempDir::new("sslshim-nginx-keys-").expect("key dir");
    let (k1, k2) = (keys.path().join("k1.key"), keys.path().join("k2.key"));
    ticket_key(&k1);
    ticket_key(&k2);
    let (k1s, k2s) = (k1.display().to_string(), k2.display().to_string());
    let mut r =
        Report::new("session resumption: cache, tickets, ticket key file, across instances");
    r.modes(|mode, r| {
        let cache = "        ssl_session_cache shared:SSL:10m;\n        ssl_session_tickets off;\n";
        let tickets = format!("        ssl_session_cache off;\n        ssl_session_tickets on;\n        ssl_session_ticket_key {k1s};\n");
        let both = format!("        ssl_session_cache shared:SSL2:10m;\n        ssl_session_tickets on;\n        ssl_session_ticket_key {k1s};\n");
        let neither = "        ssl_session_cache off;\n        ssl_session_tickets off;\n";
        let http = [tls_server("@P0@", cache), tls_server("@P1@", &tickets), tls_server("@P2@", &both), tls_server("@P3@", neither)].concat();
        let a = Nginx::start(mode, 4, 2, &http);
        let b = Nginx::start(mode, 1, 1, &tls_server("@P0@", &tickets));
        let c = Nginx::start(mode, 1, 1, &tls_server("@P0@", &format!("        ssl_session_cache off;\n        ssl_session_tickets on;\n        ssl_session_ticket_key {k2s};\n")));
        let sess_dir = a.dir().to_path_buf();
        let mut i = 0;
        // (case, first port, second server, second port, expected reuse)
        let cases: Vec<(&str, u16, &Nginx, u16, bool)> = vec![
            ("cache, no tickets", a.ports[0], &a, a.ports[0], true),
            ("tickets + key file, no cache", a.ports[1], &a, a.ports[1], true),
            ("cache + tickets + key file", a.ports[2], &a, a.ports[2], true),
            ("no cache, no tickets", a.ports[3], &a, a.ports[3], false),
            ("key file k1 -> other nginx with k1", a.ports[1], &b, b.port(), true),
            ("key file k1 -> other nginx with k2", a.ports[1], &c, c.port(), false),
        ];
        for (case, p1, second, p2, want) in cases {
            for (v, flag) in [("TLS1.2", "-tls1_2"), ("TLS1.3", "-tls1_3")] {
                i += 1;
                let sess = sess_dir.join(format!("sess-{i}.pem"));
                let sess_s = sess.display().to_string();
                let (t1, t2) = (format!("/hello?s={i}a"), format!("/hello?s={i}b"));
                let s1 = s_get(p1, &t1, &[flag, "-sess_out", &sess_s]);
                // s_client writes no file when the server gave it nothing to resume with.
                let saved = sess.exists();
                let s2 = if saved { s_get(p2, &t2, &[flag, "-sess_in", &sess_s]) } else { s_get(p2, &t2, &[flag]) };
                let server_reused = second.access_entry(&t2).map(|e| e.reused).unwrap_or_else(|| "?".into());
                let first_reused = a.access_entry(&t1).map(|e| e.reused).unwrap_or_else(|| "?".into());
                let ok = s1.handshake_ok()
                    && (saved || !want)
                    && !s1.reused
                    && s2.handshake_ok()
                    && s2.reused == want
                    && server_reused == if want { "r" } else { "." }
                    && first_reused == "."
                    && s2.out.stdout.contains("hello port=");
                let summary = format!(
                    "1st {} {}, 2nd {} {} (server log reused={server_reused})",
                    hs_summary(&s1),
                    if s1.reused { "Reused" } else { "New" },
                    hs_summary(&s2),
                    if s2.reused { "Reused" } else { "New" }
                );
                let case = format!("{case} {v}: {}", if want { "Reused" } else { "New" });
                if !saved {
                    r.note(mode, format!("{case}: s_client saved no session (-sess_out wrote nothing)"));
                }
                r.check(mode, case, ok, summary, || {
                    format!("--- first ---\n{}\n--- second ---\n{}\n{}\n{}", s1.describe(), s2.describe(), a.diagnostics(), second.diagnostics())
                });
            }
        }
        // nginx warns (and ignores ssl_session_ticket_key) when SSL_CTX_set_tlsext_ticket_key_cb fails.
        let warn: Vec<String> = a.error_log().lines().filter(|l| l.contains("Session Tickets are not available")).map(str::to_string).collect();
        r.check(mode, "ssl_session_ticket_key: no \"Session Tickets are not available\" warning", warn.is_empty(), if warn.is_empty() { "accepted".to_string() } else { format!("{} warning(s)", warn.len()) }, || warn.join("\n"));
        for (which, n) in [(" (nginx A)", &a), (" (nginx B, key k1)", &b), (" (nginx C, key k2)", &c)] {
            bad_lines_check_named(r, mode, n, which, &[]);
        }
    });
    drop(keys);
    r.finish();
}

// ---- 5. nginx as a TLS client --------------------------------------------------------------

/// nginx as a TLS client: `proxy_pass https://` to an upstream nginx over the *system*
/// libssl (TLS 1.2-only, TLS 1.3-only, client-certificate ports), with `proxy_ssl_verify on`,
/// `proxy_ssl_trusted_certificate`, `proxy_ssl_name localhost`, `proxy_ssl_server_name on`,
/// `proxy_ssl_session_reuse on`. Checked: the upstream sees SNI localhost and the protocol;
/// the 2nd and 3rd request resume the session (upstream `$ssl_session_reused`); not with
/// `proxy_ssl_session_reuse off`; 16 MiB down and 8 MiB up (POST to a plain echo behind the
/// upstream) through the proxy byte-exact; a client certificate
/// (`proxy_ssl_certificate`) reaches the upstream; the wrong trusted CA or wrong
/// `proxy_ssl_name` gives 502 (and an error-log line), `proxy_ssl_verify off` 200.
#[test]
fn upstream_tls_client() {
    let d = data();
    let who = "        location = /who {\n            return 200 \"proto=$ssl_protocol reused=$ssl_session_reused sni=$ssl_server_name client=$ssl_client_s_dn verify=$ssl_client_verify\\n\";\n        }\n";
    let echo = Echo::start();
    let up_common = format!(
        "        ssl_session_cache shared:UP:1m;\n        ssl_session_tickets on;\n{who}\
         \x20       location /echo {{\n            proxy_pass http://127.0.0.1:{};\n            proxy_http_version 1.1;\n        }}\n",
        echo.port
    );
    let upstream_http = [
        tls_server("@P0@", &format!("        ssl_protocols TLSv1.2;\n{up_common}")),
        tls_server("@P1@", &format!("        ssl_protocols TLSv1.3;\n{up_common}")),
        tls_server("@P2@", &format!("        ssl_verify_client on;\n        ssl_client_certificate @CERTS@/client-ca.crt;\n{up_common}")),
        tls_server("@P3@", &up_common),
        tls_server("@P4@", &format!("        ssl_protocols TLSv1.3;\n{up_common}")),
        tls_server("@P5@", &format!("        ssl_protocols TLSv1.2;\n{up_common}")),
        tls_server("@P6@", &format!("        ssl_verify_client on;\n        ssl_client_certificate @CERTS@/client-ca.crt;\n{up_common}")),
        tls_server("@P7@", &up_common),
        tls_server("@P8@", &up_common),
    ]
    .concat();
    // One upstream port per frontend location: nginx shares an implicit upstream (and the
    // TLS session it caches for reuse) between all `proxy_pass`es to the same host:port.
    let upstream = Nginx::start(Mode::System, 9, 1, &upstream_http);
    let u = upstream.ports.clone();
    let mut r = Report::new("proxy_pass https:// (nginx as TLS client) to a system-OpenSSL nginx");
    r.modes(|mode, r| {
        // nginx 1.22's default proxy_ssl_protocols is `TLSv1 TLSv1.1 TLSv1.2`.
        let verify = "            proxy_ssl_protocols TLSv1.2 TLSv1.3;\n            proxy_ssl_verify on;\n            proxy_ssl_verify_depth 2;\n            proxy_ssl_server_name on;\n            proxy_next_upstream off;\n";
        let loc = |name: &str, port: u16, extra: &str| -> String {
            format!("        location /{name}/ {{\n            proxy_pass https://127.0.0.1:{port}/;\n{extra}        }}\n")
        };
        let good = format!("{verify}            proxy_ssl_trusted_certificate @CA@;\n            proxy_ssl_name localhost;\n");
        let reuse = format!("{good}            proxy_ssl_session_reuse on;\n");
        let locs = [
            loc("u12", u[0], &reuse),
            loc("u13", u[1], &reuse),
            loc("u13noreuse", u[4], &format!("{good}            proxy_ssl_session_reuse off;\n")),
            loc("u12noreuse", u[5], &format!("{good}            proxy_ssl_session_reuse off;\n")),
            loc("mtls", u[2], &format!("{reuse}            proxy_ssl_certificate @CERTS@/client.crt;\n            proxy_ssl_certificate_key @CERTS@/client.key;\n")),
            loc("mtlsnocert", u[6], &reuse),
            loc("badca", u[3], &format!("{verify}            proxy_ssl_trusted_certificate @CERTS@/client-ca.crt;\n            proxy_ssl_name localhost;\n")),
            loc("badname", u[7], &format!("{verify}            proxy_ssl_trusted_certificate @CA@;\n            proxy_ssl_name wrong.example;\n")),
            loc("noverify", u[8], "            proxy_ssl_protocols TLSv1.2 TLSv1.3;\n            proxy_ssl_verify off;\n            proxy_ssl_trusted_certificate @CERTS@/client-ca.crt;\n            proxy_ssl_server_name on;\n            proxy_ssl_name localhost;\n"),
        ]
        .concat();
        let n = Nginx::start(mode, 1, 1, &tls_server("@P0@", &locs));
        let p = n.port();
        let get = |path: &str| -> (CmdOutput, String, String) {
            let out = curl(p, &["-w", "\n%{http_code}", &url(p, path)]);
            let (body, code) = out.stdout.rsplit_once('\n').map(|(b, c)| (b.trim().to_string(), c.to_string())).unwrap_or_default();
            (out, body, code)
        };
        // Session reuse towards the upstream: 3 requests each.
        for (loc, proto, want) in [
            ("u12", "TLSv1.2", [".", "r", "r"]),
            ("u13", "TLSv1.3", [".", "r", "r"]),
            ("u12noreuse", "TLSv1.2", [".", ".", "."]),
            ("u13noreuse", "TLSv1.3", [".", ".", "."]),
        ] {
            let mut seen = Vec::new();
            let mut ok = true;
            let mut detail = String::new();
            for w in want {
                let (out, body, code) = get(&format!("/{loc}/who"));
                let expect = format!("proto={proto} reused={w} sni=localhost client= verify=NONE");
                ok &= code == "200" && body == expect;
                seen.push(if code == "200" { body.split_whitespace().nth(1).unwrap_or("?").to_string() } else { format!("HTTP {code}") });
                detail += &out.describe();
            }
            r.check(mode, format!("/{loc}/ {proto} x3: {}", want.join(",")), ok, format!("{proto} {}", seen.join(",")), || {
                format!("{detail}\n{}\n--- upstream ---\n{}", n.diagnostics(), upstream.diagnostics())
            });
        }
        // Bulk data read by nginx's SSL_read from the upstream.
        for (loc, case) in [("u13", "16 MiB via TLS1.3 upstream"), ("u12", "16 MiB via TLS1.2 upstream")] {
            let dl = Download::get(p, n.dir(), &format!("/{loc}/data/mid16.bin"), &["--http1.1"]);
            r.check(mode, case, dl.ok(MID16, "TLSv1.3", "1.1"), dl.summary(d.sha(MID16)), || {
                format!("{}\n{}\n--- upstream ---\n{}", dl.out.describe(), n.diagnostics(), upstream.diagnostics())
            });
        }
        // 8 MiB request body written by nginx's SSL_write to the upstream (echoed back).
        let at = format!("@{}", d.path(UP8).display());
        for (loc, case) in [("u13", "POST 8 MiB via TLS1.3 upstream"), ("u12", "POST 8 MiB via TLS1.2 upstream")] {
            let dl = Download::get(p, n.dir(), &format!("/{loc}/echo"), &["--http1.1", "--data-binary", &at]);
            r.check(mode, case, dl.ok(UP8, "TLSv1.3", "1.1"), dl.summary(d.sha(UP8)), || {
                format!("{}\n{}\n--- upstream ---\n{}", dl.out.describe(), n.diagnostics(), upstream.diagnostics())
            });
        }
        // Client certificate towards the upstream.
        let (out, body, code) = get("/mtls/who");
        r.check(mode, "proxy_ssl_certificate -> upstream verify", code == "200" && body.contains("client=CN=client,O=sslshim verify=SUCCESS"), format!("{code} {body}"), || {
            format!("{}\n{}", out.describe(), n.diagnostics())
        });
        let (out, body, code) = get("/mtlsnocert/who");
        r.check(mode, "no proxy_ssl_certificate -> upstream 400", code == "400", format!("{code} {}", first_line(&body)), || {
            format!("{}\n{}", out.describe(), n.diagnostics())
        });
        // Verification failures.
        for (loc, want_code, log_needle) in [
            ("badca", "502", Some("upstream SSL certificate verify error")),
            ("badname", "502", Some("upstream SSL certificate does not match")),
            ("noverify", "200", None),
        ] {
            let mark = n.log_mark();
            let (out, body, code) = get(&format!("/{loc}/who"));
            let log = n.error_log_since(mark);
            let line = log_needle.and_then(|nd| log.lines().find(|l| l.contains(nd))).map(|l| {
                let l = l.split_once("] ").map(|x| x.1).unwrap_or(l);
                l.split(", client:").next().unwrap_or(l).to_string()
            });
            let ok = code == want_code && (log_needle.is_none() || line.is_some());
            let summary = match &line {
                Some(l) => format!("{code} log: {}", l.split_once(": ").map(|x| x.1).unwrap_or(l)),
                None => format!("{code} {}", first_line(&body)),
            };
            r.check(mode, format!("/{loc}/ -> {want_code}"), ok, summary, || format!("{}\n--- error.log since ---\n{log}\n{}", out.describe(), n.diagnostics()));
        }
        bad_lines_check(r, mode, &n, &[]);
    });
    bad_lines_check_named(&mut r, Mode::System, &upstream, " (upstream, system)", &[]);
    drop(upstream);
    drop(echo);
    r.finish();
}

// ---- 6. client certificates ------------------------------------------------------------------

/// A self-signed clientAuth certificate `O=elsewhere, CN=rogue-client` (cert, key), made once.
fn rogue_client() -> &'static (String, String) {
    static ROGUE: OnceLock<(String, String)> = OnceLock::new();
    ROGUE.get_or_init(|| {
        let dir = certs().dir.join("nginx-rogue");
        std::fs::create_dir_all(&dir).expect("rogue dir");
        chmod(&dir, 0o755);
        let conf = dir.join("req.cnf");
        std::fs::write(
            &conf,
            "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n",
        )
        .unwrap();
        let (crt, key) = (dir.join("rogue.crt"), dir.join("rogue.key"));
        let mut cmd = clients::client_command("openssl");
        cmd.args(["req", "-x509", "-new", "-config"]).arg(&conf);
        cmd.args([
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
        ])
        .arg(&key);
        cmd.args(["-out"]).arg(&crt);
        cmd.args(["-subj", "/O=elsewhere/CN=rogue-client", "-days", "30"]);
        cmd.args([
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "keyUsage=critical,digitalSignature",
        ]);
        cmd.args(["-addext", "extendedKeyUsage=clientAuth"]);
        proc::run(cmd, None, Duration::from_secs(30)).assert_success();
        chmod(&crt, 0o644);
        chmod(&key, 0o644);
        (crt.display().to_string(), key.display().to_string())
    })
}

/// `ssl_verify_client on / optional / optional_no_ca` with `ssl_client_certificate` (client
/// CA): curl with the client certificate, without, and with a certificate from another CA.
/// The `$ssl_client_*` variables must be the same in both modes.
#[test]
fn client_certificates() {
    let c = certs();
    let vars = "        location = /vars {\n            return 200 \"verify=$ssl_client_verify\\ns_dn=$ssl_client_s_dn\\ni_dn=$ssl_client_i_dn\\n\
                s_dn_legacy=$ssl_client_s_dn_legacy\\nserial=$ssl_client_serial\\nfp=$ssl_client_fingerprint\\nstart=$ssl_client_v_start\\n\
                end=$ssl_client_v_end\\nremain=$ssl_client_v_remain\\nproto=$ssl_protocol\\n\";\n        }\n";
    let mut r =
        Report::new("ssl_verify_client on/optional/optional_no_ca, $ssl_client_* variables");
    let (cc, ck) = (
        c.client.cert.display().to_string(),
        c.client.key.display().to_string(),
    );
    let (wc, wk) = (
        c.ecdsa.cert.display().to_string(),
        c.ecdsa.key.display().to_string(),
    );
    let (rc, rk) = rogue_client().clone();
    let mut bodies: std::collections::HashMap<(String, Mode), String> =
        std::collections::HashMap::new();
    let mut case_order: Vec<String> = Vec::new();
    r.modes(|mode, r| {
        let ca =
            "        ssl_client_certificate @CERTS@/client-ca.crt;\n        ssl_verify_depth 2;\n";
        let http = [
            tls_server(
                "@P0@",
                &format!("        ssl_verify_client on;\n{ca}{vars}"),
            ),
            tls_server(
                "@P1@",
                &format!("        ssl_verify_client optional;\n{ca}{vars}"),
            ),
            tls_server(
                "@P2@",
                &format!("        ssl_verify_client optional_no_ca;\n{ca}{vars}"),
            ),
        ]
        .concat();
        let n = Nginx::start(mode, 3, 1, &http);
        let with: Vec<&str> = vec!["--cert", &cc, "--key", &ck];
        // A server certificate (serverAuth only) from the server CA.
        let wrong: Vec<&str> = vec!["--cert", &wc, "--key", &wk];
        // A self-signed clientAuth certificate.
        let rogue: Vec<&str> = vec!["--cert", &rc, "--key", &rk];
        // (case, port, args, expected status, expected verify= line prefix, body must contain)
        let cases: Vec<(&str, u16, Vec<&str>, &str, &str, &str)> = vec![
            (
                "on + client cert TLS1.3",
                n.ports[0],
                [with.clone(), vec!["--tlsv1.3"]].concat(),
                "200",
                "verify=SUCCESS",
                "s_dn=CN=client,O=sslshim",
            ),
            (
                "on + client cert TLS1.2",
                n.ports[0],
                [with.clone(), vec!["--tlsv1.2", "--tls-max", "1.2"]].concat(),
                "200",
                "verify=SUCCESS",
                "s_dn=CN=client,O=sslshim",
            ),
            (
                "on, no cert",
                n.ports[0],
                vec![],
                "400",
                "",
                "No required SSL certificate was sent",
            ),
            (
                "on, self-signed client cert",
                n.ports[0],
                rogue.clone(),
                "400",
                "",
                "The SSL certificate error",
            ),
            (
                "on, server cert from other CA",
                n.ports[0],
                wrong.clone(),
                "400",
                "",
                "The SSL certificate error",
            ),
            (
                "optional, no cert",
                n.ports[1],
                vec![],
                "200",
                "verify=NONE",
                "s_dn=\n",
            ),
            (
                "optional + client cert",
                n.ports[1],
                with.clone(),
                "200",
                "verify=SUCCESS",
                "i_dn=CN=sslshim client CA",
            ),
            (
                "optional, self-signed client cert",
                n.ports[1],
                rogue.clone(),
                "400",
                "",
                "The SSL certificate error",
            ),
            (
                "optional_no_ca, self-signed client cert",
                n.ports[2],
                rogue.clone(),
                "200",
                "verify=FAILED:",
                "s_dn=CN=rogue-client,O=elsewhere",
            ),
            (
                "optional_no_ca, server cert from other CA",
                n.ports[2],
                wrong.clone(),
                "400",
                "",
                "The SSL certificate error",
            ),
            (
                "optional_no_ca + client cert TLS1.2",
                n.ports[2],
                [with.clone(), vec!["--tlsv1.2", "--tls-max", "1.2"]].concat(),
                "200",
                "verify=SUCCESS",
                "s_dn=CN=client,O=sslshim",
            ),
        ];
        for (case, port, args, want_status, want_verify, want_body) in cases {
            let mut a = args.clone();
            let u = url(port, "/vars");
            a.extend_from_slice(&["-w", "\n%{http_code}", &u]);
            let out = curl(port, &a);
            let (body, code) = out
                .stdout
                .rsplit_once('\n')
                .map(|(b, c)| (b.to_string(), c.to_string()))
                .unwrap_or_default();
            let verify = body
                .lines()
                .find(|l| l.starts_with("verify="))
                .unwrap_or("")
                .to_string();
            let ok = out.success()
                && code == want_status
                && verify.starts_with(want_verify)
                && body.contains(want_body);
            let summary = if code == "200" {
                format!(
                    "200 {verify} {}",
                    body.lines().find(|l| l.starts_with("s_dn=")).unwrap_or("")
                )
            } else {
                format!(
                    "{code} {}",
                    body.lines()
                        .find(|l| l.contains("<center>") && !l.contains("nginx"))
                        .unwrap_or("")
                        .trim()
                )
            };
            r.check(mode, case, ok, summary, || {
                format!("{}\n{}", out.describe(), n.diagnostics())
            });
            if !case_order.iter().any(|c| c == case) {
                case_order.push(case.to_string());
            }
            bodies.insert((case.to_string(), mode), body);
        }
        // The CA list in the CertificateRequest.
        let s = clients::s_client(n.ports[0], &c.ca.cert, &["-tls1_3"], b"");
        let names: Vec<String> = s
            .out
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with("Acceptable client certificate CA names"))
            .skip(1)
            .take_while(|l| !l.contains(':') || l.starts_with("CN") || l.starts_with("O"))
            .map(str::to_string)
            .collect();
        r.check(
            mode,
            "CertificateRequest CA names",
            names == ["CN = sslshim client CA"],
            names.join("; "),
            || s.describe(),
        );
        bad_lines_check(r, mode, &n, &[]);
    });
    // Every $ssl_client_* value must be the same in both modes.
    for case in case_order {
        let (s, m) = (
            bodies.get(&(case.clone(), Mode::System)),
            bodies.get(&(case.clone(), Mode::Shim)),
        );
        if let (Some(s), Some(m)) = (s, m) {
            // `remain=` (days until notAfter) depends on when the request ran: +-1 is fine.
            let remain = |l: &str| {
                l.strip_prefix("remain=")
                    .and_then(|v| v.parse::<i64>().ok())
            };
            let diff: Vec<String> = s
                .lines()
                .zip(m.lines())
                .filter(|(a, b)| a != b && !matches!((remain(a), remain(b)), (Some(x), Some(y)) if (x - y).abs() <= 1))
                .map(|(a, b)| format!("system `{a}` vs shim `{b}`"))
                .collect();
            let same = diff.is_empty() && s.lines().count() == m.lines().count();
            r.check(
                Mode::Shim,
                format!("{case}: body == system"),
                same,
                if same {
                    "same".to_string()
                } else {
                    format!("{} differing line(s)", diff.len().max(1))
                },
                || {
                    format!(
                        "{}\n--- system ---\n{s}\n--- shim ---\n{m}",
                        diff.join("\n")
                    )
                },
            );
        }
    }
    r.finish();
}

/// A client certificate that fails verification under `ssl_verify_client optional` gets 400,
/// and nginx then drops the session (`SSL_CTX_remove_session`), so presenting it again is a
/// full handshake (and 400 again), while a good certificate's session resumes. With the
/// built-in cache (OpenSSL's internal cache) and with a shared cache, TLS 1.2 and 1.3
/// (tickets off: TLS 1.3 tickets are then stateful, kept in the same cache).
#[test]
fn client_certificate_error_drops_session() {
    let c = certs();
    let (cc, ck) = (c.client.cert.display().to_string(), c.client.key.display().to_string());
    let (rc, rk) = rogue_client().clone();
    let mut r = Report::new("a failed client certificate's session is removed from the cache");
    r.modes(|mode, r| {
        let verify = "        ssl_verify_client optional;\n        ssl_client_certificate @CERTS@/client-ca.crt;\n        ssl_session_tickets off;\n";
        let http = [
            tls_server("@P0@", &format!("{verify}        ssl_session_cache builtin:1000;\n")),
            tls_server("@P1@", &format!("{verify}        ssl_session_cache shared:RM:1m;\n")),
        ]
        .concat();
        let n = Nginx::start(mode, 2, 1, &http);
        let mut i = 0;
        for (cache, port) in [("builtin", n.ports[0]), ("shared", n.ports[1])] {
            for (v, flag) in [("TLS1.2", "-tls1_2"), ("TLS1.3", "-tls1_3")] {
                // (client certificate, expected status, expected 2nd handshake resumed)
                for (who, cert, key, status, want_reuse) in [("good cert", &cc, &ck, "200", true), ("rogue cert", &rc, &rk, "400", false)] {
                    i += 1;
                    let sess = n.dir().join(format!("rm-sess-{i}.pem"));
                    let sess_s = sess.display().to_string();
                    let (t1, t2) = (format!("/hello?rm={i}a"), format!("/hello?rm={i}b"));
                    let base = [flag, "-cert", cert.as_str(), "-key", key.as_str()];
                    let s1 = s_get(port, &t1, &[&base[..], &["-sess_out", &sess_s]].concat());
                    let s2 = if sess.exists() { s_get(port, &t2, &[&base[..], &["-sess_in", &sess_s]].concat()) } else { s_get(port, &t2, &base) };
                    let st = |s: &SClient| {
                        s.out.stdout.lines().find(|l| l.starts_with("HTTP/1.1 ")).and_then(|l| l.split_whitespace().nth(1)).unwrap_or("-").to_string()
                    };
                    let (st1, st2) = (st(&s1), st(&s2));
                    let ok = s1.handshake_ok() && s2.handshake_ok() && !s1.reused && s2.reused == want_reuse && st1 == status && st2 == status;
                    let summary = format!(
                        "1st {} {st1}, 2nd {} {} {st2}",
                        hs_summary(&s1),
                        if s2.reused { "Reused" } else { "New" },
                        hs_summary(&s2)
                    );
                    let case = format!("{cache} cache {v} {who}: {status} then {}", if want_reuse { "Reused" } else { "New" });
                    r.check(mode, case, ok, summary, || format!("--- first ---\n{}\n--- second ---\n{}\n{}", s1.describe(), s2.describe(), n.diagnostics()));
                }
            }
        }
        bad_lines_check(r, mode, &n, &["client SSL certificate verify error"]);
    });
    r.finish();
}

/// `ssl_early_data on` (nginx calls `SSL_CTX_set_max_early_data` and ignores its result):
/// OpenSSL accepts a resuming client's 0-RTT request; sslshim has no 0-RTT, so it starts, logs
/// one warning and issues tickets that do not allow early data, so the client sends its
/// request after the handshake. Same responses; no stale-error alert in nginx's log.
#[test]
fn early_data_declined_cleanly() {
    let mut r = Report::new("ssl_early_data on: 0-RTT accepted by OpenSSL, declined cleanly by sslshim");
    r.modes(|mode, r| {
        let n = Nginx::start(mode, 1, 1, &tls_server("@P0@", "        ssl_early_data on;\n        ssl_session_tickets on;\n"));
        let dir = n.dir().to_path_buf();
        let sess = dir.join("early-sess.pem");
        let early = dir.join("early.txt");
        std::fs::write(&early, "GET /hello?early=2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
        let (sess_s, early_s) = (sess.display().to_string(), early.display().to_string());
        let s1 = s_get(n.port(), "/hello?early=1", &["-tls1_3", "-sess_out", &sess_s]);
        // The same request on stdin too: s_client sends it after the handshake, which is what
        // a client does when its early data is declined (OpenSSL answers the 0-RTT copy and
        // closes: `Connection: close`).
        let req = std::fs::read(&early).unwrap();
        let s2 = clients::s_client(n.port(), &certs().ca.cert, &["-ign_eof", "-tls1_3", "-sess_in", &sess_s, "-early_data", &early_s], &req);
        let early_status = ["Early data was accepted", "Early data was rejected", "Early data was not sent"]
            .into_iter()
            .find(|p| s2.out.stdout.contains(p))
            .unwrap_or("no early-data line");
        let answered = s2.out.stdout.contains("hello port=");
        let want_early = if mode == Mode::System { "Early data was accepted" } else { "Early data was not sent" };
        r.check(
            mode,
            format!("resumed TLS 1.3 with -early_data: {want_early}, request answered"),
            s1.handshake_ok() && s2.handshake_ok() && s2.reused && answered && early_status == want_early,
            format!("{}, {}, answered={answered}", if s2.reused { "Reused" } else { "New" }, early_status),
            || format!("--- first ---\n{}\n--- second ---\n{}\n{}", s1.describe(), s2.describe(), n.diagnostics()),
        );
        // sslshim's warnings go to the master's stderr (the startup log, before nginx opens its error log).
        let startup = std::fs::read_to_string(dir.join("logs/startup.log")).unwrap_or_default();
        let warnings = startup.lines().chain(n.error_log().lines()).filter(|l| l.contains("[sslshim] warning") && l.contains("early data")).count();
        let want_warnings = if mode == Mode::System { 0 } else { 1 };
        r.check(mode, format!("sslshim early-data warnings: {want_warnings}"), warnings == want_warnings, format!("{warnings}"), || format!("{startup}\n{}", n.error_log()));
        bad_lines_check(r, mode, &n, &[]);
    });
    r.finish();
}

// ---- 8. reload -------------------------------------------------------------------------------

/// `nginx -s reload` while a (rate-limited) 16 MiB download is running, switching the
/// certificate to ECDSA and adding a header: the download completes byte-exact on the old
/// worker, new workers (mapping the same libssl) serve new connections (h1, h2, s_client) with
/// the new certificate and header, and the old workers exit afterwards. Both modes at once.
#[test]
fn reload_during_download() {
    let d = data();
    let mut r = Report::new("nginx -s reload during a download");
    r.modes_parallel(|mode, r| {
        let v1 = tls_server("@P0@", "        location = /gen {\n            return 200 \"gen1\\n\";\n        }\n");
        let v2 = tls_server(
            "@P0@",
            "        ssl_certificate @CERTS@/server-ecdsa.crt;\n        ssl_certificate_key @CERTS@/server-ecdsa.key;\n\
             \x20       location = /gen {\n            add_header X-Gen 2 always;\n            return 200 \"gen2\\n\";\n        }\n",
        );
        let n = Nginx::start(mode, 1, 2, &v1);
        let p = n.port();
        let old: Vec<u32> = n.worker_pids();
        let dir = n.dir().to_path_buf();
        let (dl, reload, new_workers) = thread::scope(|s| {
            let h = s.spawn(|| Download::get(p, &dir, "/data/mid16.bin", &["--http1.1", "--limit-rate", "4M"]));
            thread::sleep(Duration::from_millis(800));
            n.rewrite_conf(&v2);
            let mark = n.log_mark();
            let reload = n.reload();
            // New workers: pids not in the old set.
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut new_workers = Vec::new();
            while Instant::now() < deadline {
                new_workers = n.worker_pids().into_iter().filter(|w| !old.contains(w)).collect();
                if new_workers.len() >= 2 {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
            // The master lets new workers start (100 ms) before it tells the old ones to stop
            // accepting: wait for both "gracefully shutting down".
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && n.error_log_since(mark).matches("gracefully shutting down").count() < 2 {
                thread::sleep(Duration::from_millis(20));
            }
            // New connections while the old download still runs.
            let mid = curl(p, &["-i", "--http1.1", &url(p, "/gen")]);
            let mid_h2 = curl(p, &["--http2", &url(p, "/gen")]);
            let s2 = s_get(p, "/gen", &[]);
            let dl = h.join().unwrap();
            (dl, (reload, mid, mid_h2, s2), new_workers)
        });
        let (reload, mid, mid_h2, s2) = reload;
        r.check(mode, "nginx -s reload", reload.success(), if reload.success() { "ok".to_string() } else { first_line(&reload.stderr) }, || reload.describe());
        r.check(mode, "2 new workers", new_workers.len() >= 2, format!("{} new", new_workers.len()), || n.diagnostics());
        let maps_ok = n.verify_library();
        r.check(mode, "new workers map the mode's libssl", maps_ok.is_ok(), if maps_ok.is_ok() { "ok" } else { "WRONG" }, || format!("{maps_ok:?}"));
        let h1_ok = mid.success() && mid.stdout.contains("X-Gen: 2") && mid.stdout.ends_with("gen2\n");
        r.check(mode, "h1 GET after reload (new config)", h1_ok, if h1_ok { "200 gen2 X-Gen".to_string() } else { first_line(&mid.stdout) + &first_line(&mid.stderr) }, || format!("{}\n{}", mid.describe(), n.diagnostics()));
        r.check(mode, "h2 GET after reload", mid_h2.success() && mid_h2.stdout == "gen2\n", mid_h2.stdout.trim().to_string(), || format!("{}\n{}", mid_h2.describe(), n.diagnostics()));
        let ou = s2.cert_ou().unwrap_or_default();
        r.check(mode, "s_client after reload: ECDSA cert", s2.handshake_ok() && ou == "ecdsa" && s2.out.stdout.contains("gen2"), format!("{} OU={ou}", hs_summary(&s2)), || format!("{}\n{}", s2.describe(), n.diagnostics()));
        r.check(mode, "download across reload 16MiB", dl.ok(MID16, "TLSv1.3", "1.1"), dl.summary(d.sha(MID16)), || format!("{}\n{}", dl.out.describe(), n.diagnostics()));
        r.note(mode, format!("download across reload: {:.2?}", dl.out.elapsed));
        // The old workers finish and exit.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut left: Vec<u32> = old.clone();
        while Instant::now() < deadline {
            left = old.iter().copied().filter(|w| proc::alive(*w)).collect();
            if left.is_empty() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
        r.check(mode, "old workers exit", left.is_empty(), format!("{} left", left.len()), || n.diagnostics());
        // Still serving after everything.
        let after = curl(p, &[&url(p, "/hello")]);
        let served = after.success() && after.stdout.starts_with("hello port=");
        r.check(mode, "serves after reload", served, if served { "200 hello".to_string() } else { first_line(&after.stdout) }, || after.describe());
        bad_lines_check(r, mode, &n, &[]);
    });
    r.finish();
}
