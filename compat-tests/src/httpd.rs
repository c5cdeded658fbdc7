//! Debian's `/usr/sbin/apache2` with a self-contained configuration in a temp dir.
//!
//! ```no_run
//! use compat_tests::Httpd;
//! let h = Httpd::builder().log_level("info").vhost_conf("Header set X-Test yes").start();
//! let out = h.curl(&["-v", &h.url("/")]);
//! assert!(out.success());
//! // dropped: SIGTERM, bounded wait, SIGKILL of the process group, temp dir removed
//! ```
//!
//! Extra configuration text may use placeholders: `@PORT@`, `@DIR@` (server dir),
//! `@CERTS@` (certificate dir), `@DOCROOT@`.

use crate::certs::{CertKey, Certs, certs};
use crate::clients::{self, CmdOutput, PyTls, PyTlsOpts, SClient};
use crate::proc::{self, kill_group, kill_pid, wait_deadline};
use crate::{Mode, TempDir, set_mode, shim_lib_dir};
use std::fmt;
use std::fs;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub const APACHE2: &str = "/usr/sbin/apache2";
pub const MODULE_DIR: &str = "/usr/lib/apache2/modules";

/// Body of `/index.html` (and `/`).
pub const INDEX_HTML: &str = "<!DOCTYPE html>\n<html><head><title>sslshim</title></head>\n\
<body><h1>sslshim compat test</h1><p>It works over TLS.</p></body></html>\n";
/// Path and size of the large static file.
pub const BIG_FILE: &str = "/big.bin";
pub const BIG_FILE_LEN: usize = 10 * 1024 * 1024;

/// Content of [`BIG_FILE`]: deterministic, so a test can compare what it downloads.
pub fn big_file_bytes() -> Vec<u8> {
    let mut rng = crate::Rng::new(0x5151_5eed);
    rng.bytes(BIG_FILE_LEN)
}

/// Modules every server loads (if present; `http2` is optional). log_config is built in.
pub const BASE_MODULES: &[&str] = &[
    "mpm_event",
    "authz_core",
    "mime",
    "dir",
    "setenvif",
    "env",
    "headers",
    "socache_shmcb",
    "ssl",
];

/// Error-log patterns that mean something went wrong (see [`Httpd::error_log_unexpected`]).
pub const UNEXPECTED_PATTERNS: &[&str] = &[
    "[ssl:error]",
    "[core:crit]",
    ":crit]",
    ":alert]",
    ":emerg]",
    "Segmentation fault",
    "exit signal",
    "panicked",
    "SIGSEGV",
    "SIGABRT",
];

#[derive(Debug, Clone)]
pub struct HttpdBuilder {
    mode: Mode,
    lib_dir: PathBuf,
    log_level: String,
    modules: Vec<String>,
    global: Vec<String>,
    vhost: Vec<String>,
    server_certs: Option<Vec<CertKey>>,
    certs: Option<Certs>,
    h2: bool,
    start_servers: u32,
    timeout_secs: u32,
    port: Option<u16>,
    startup_timeout: Duration,
    die_with_thread: bool,
    env: Vec<(String, String)>,
}

impl Default for HttpdBuilder {
    fn default() -> Self {
        HttpdBuilder {
            mode: Mode::from_env(),
            lib_dir: shim_lib_dir(),
            log_level: "warn ssl:info".into(),
            modules: Vec::new(),
            global: Vec::new(),
            vhost: Vec::new(),
            server_certs: None,
            certs: None,
            h2: true,
            start_servers: 2,
            timeout_secs: 30,
            port: None,
            startup_timeout: Duration::from_secs(15),
            die_with_thread: true,
            env: Vec::new(),
        }
    }
}

impl HttpdBuilder {
    /// Which libssl the server loads (default: `SSLSHIM_MODE`).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Directory with our libssl.so.3 for [`Mode::Shim`] (default `SSLSHIM_LIB_DIR` or
    /// `<workspace>/target/release`).
    pub fn lib_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.lib_dir = dir.into();
        self
    }

    /// `LogLevel` value, e.g. `info` or `warn ssl:trace3` (default `warn ssl:info`).
    pub fn log_level(mut self, level: &str) -> Self {
        self.log_level = level.into();
        self
    }

    /// Load `/usr/lib/apache2/modules/mod_<name>.so` too (e.g. `cgid`, `status`).
    pub fn module(mut self, name: &str) -> Self {
        self.modules.push(name.into());
        self
    }

    /// Text appended at the end of the server config (after the main vhost): directives,
    /// more `<VirtualHost>` blocks... Placeholders `@PORT@` `@DIR@` `@CERTS@` `@DOCROOT@`.
    pub fn global_conf(mut self, text: &str) -> Self {
        self.global.push(text.into());
        self
    }

    /// Text appended inside the main `<VirtualHost>` (after SSLEngine and the certificates).
    pub fn vhost_conf(mut self, text: &str) -> Self {
        self.vhost.push(text.into());
        self
    }

    /// Replace the main vhost's certificate pairs (default: RSA then ECDSA `localhost`).
    pub fn server_certs(mut self, pairs: Vec<CertKey>) -> Self {
        self.server_certs = Some(pairs);
        self
    }

    /// Use this certificate set instead of the per-process [`certs()`].
    pub fn certs(mut self, certs: Certs) -> Self {
        self.certs = Some(certs);
        self
    }

    /// `Protocols h2 http/1.1` (when mod_http2 exists); default on.
    pub fn h2(mut self, on: bool) -> Self {
        self.h2 = on;
        self
    }

    pub fn start_servers(mut self, n: u32) -> Self {
        self.start_servers = n.clamp(1, 8);
        self
    }

    /// httpd `Timeout` (seconds, default 30).
    pub fn timeout(mut self, secs: u32) -> Self {
        self.timeout_secs = secs;
        self
    }

    /// Fixed port (default: a free one, with retries if another process grabs it first).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    pub fn startup_timeout(mut self, t: Duration) -> Self {
        self.startup_timeout = t;
        self
    }

    /// By default httpd gets SIGTERM if the *thread* that started it exits (a safety net for
    /// killed test processes: PR_SET_PDEATHSIG). Turn off for a server shared across threads.
    pub fn die_with_thread(mut self, on: bool) -> Self {
        self.die_with_thread = on;
        self
    }

    /// An extra environment variable for apache2 (e.g. `SSLKEYLOGFILE`); set after the
    /// defaults of [`apache_command`], so it may override them.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Self {
        self.env
            .push((key.into(), value.as_ref().to_string_lossy().into_owned()));
        self
    }

    fn certs_ref(&self) -> Certs {
        self.certs.clone().unwrap_or_else(|| certs().clone())
    }

    /// Writes `conf/httpd.conf`, `conf/mime.types`, `htdocs/` and the `logs/` and `run/`
    /// directories under `dir` for a server on 127.0.0.1:`port`. Returns the config path.
    pub fn write_config(&self, dir: &Path, port: u16) -> Result<PathBuf, String> {
        let io = |e: std::io::Error| format!("{}: {e}", dir.display());
        let certs = self.certs_ref();
        for sub in ["conf", "logs", "run", "htdocs"] {
            fs::create_dir_all(dir.join(sub)).map_err(io)?;
            set_mode(&dir.join(sub), 0o755).map_err(io)?;
        }
        let docroot = dir.join("htdocs");
        fs::write(docroot.join("index.html"), INDEX_HTML).map_err(io)?;
        let big = docroot.join(&BIG_FILE[1..]);
        if fs::metadata(&big)
            .map(|m| m.len() as usize != BIG_FILE_LEN)
            .unwrap_or(true)
        {
            fs::write(&big, big_file_bytes()).map_err(io)?;
        }
        fs::write(
            dir.join("conf/mime.types"),
            "text/html html htm\ntext/plain txt\napplication/octet-stream bin\napplication/json json\n",
        )
        .map_err(io)?;
        let text = self.render(dir, port, &certs);
        let conf = dir.join("conf/httpd.conf");
        fs::write(&conf, text).map_err(io)?;
        Ok(conf)
    }

    fn render(&self, dir: &Path, port: u16, certs: &Certs) -> String {
        let d = dir.display().to_string();
        let docroot = format!("{d}/htdocs");
        let subst = |t: &str| {
            t.replace("@PORT@", &port.to_string())
                .replace("@DIR@", &d)
                .replace("@CERTS@", &certs.dir.display().to_string())
                .replace("@DOCROOT@", &docroot)
        };
        let mut c = String::new();
        let mut line = |s: &str| {
            c.push_str(s);
            c.push('\n');
        };
        line(&format!(
            "# Generated by sslshim compat-tests (mode {}).",
            self.mode
        ));
        line(&format!("ServerRoot \"{d}\""));
        line(&format!("PidFile \"{d}/run/httpd.pid\""));
        line(&format!("DefaultRuntimeDir \"{d}/run\""));
        line(&format!("Mutex file:{d}/run default"));
        line(&format!("ErrorLog \"{d}/logs/error.log\""));
        line(&format!("LogLevel {}", self.log_level));
        line("ServerName localhost");
        line(&format!("Listen 127.0.0.1:{port}"));
        let mut mods: Vec<String> = BASE_MODULES.iter().map(|s| s.to_string()).collect();
        if self.h2 && module_exists("http2") {
            mods.push("http2".into());
        }
        for m in &self.modules {
            if !mods.contains(m) {
                mods.push(m.clone());
            }
        }
        for m in &mods {
            line(&format!("LoadModule {m}_module {MODULE_DIR}/mod_{m}.so"));
        }
        if proc::is_root() {
            line("User www-data");
            line("Group www-data");
        }
        let max_workers = 8 * 50;
        line(&format!(
            "StartServers {}\nServerLimit 8\nThreadLimit 64\nThreadsPerChild 50\nMaxRequestWorkers {max_workers}\n\
             MinSpareThreads 25\nMaxSpareThreads 400\nMaxConnectionsPerChild 0",
            self.start_servers
        ));
        line(&format!(
            "Timeout {}\nKeepAlive On\nKeepAliveTimeout 5\nMaxKeepAliveRequests 1000",
            self.timeout_secs
        ));
        line(&format!("TypesConfig \"{d}/conf/mime.types\""));
        line(&format!("DocumentRoot \"{docroot}\""));
        line("<Directory />\n  AllowOverride None\n  Require all denied\n</Directory>");
        line(&format!(
            "<Directory \"{docroot}\">\n  AllowOverride None\n  Require all granted\n</Directory>"
        ));
        line("DirectoryIndex index.html");
        line(
            "LogFormat \"%h:%{remote}p %t \\\"%r\\\" %>s %b %{SSL_PROTOCOL}x %{SSL_CIPHER}x %{SSL_TLS_SNI}x\" sslshim",
        );
        line(&format!("CustomLog \"{d}/logs/access.log\" sslshim"));
        line(&format!(
            "SSLSessionCache \"shmcb:{d}/run/ssl_scache(512000)\""
        ));
        if self.h2 && module_exists("http2") {
            line("Protocols h2 http/1.1");
        }
        line(&format!("<VirtualHost 127.0.0.1:{port}>"));
        line("  ServerName localhost");
        line("  SSLEngine on");
        let pairs = self
            .server_certs
            .clone()
            .unwrap_or_else(|| vec![certs.rsa.clone(), certs.ecdsa.clone()]);
        for p in &pairs {
            line(&format!("  SSLCertificateFile \"{}\"", p.cert.display()));
            line(&format!("  SSLCertificateKeyFile \"{}\"", p.key.display()));
        }
        for v in &self.vhost {
            line(&subst(v));
        }
        line("</VirtualHost>");
        for g in &self.global {
            line(&subst(g));
        }
        c
    }

    /// Starts the server or panics with the reason (including its error log).
    #[track_caller]
    pub fn start(self) -> Httpd {
        match self.try_start() {
            Ok(h) => h,
            Err(e) => panic!("httpd did not start: {e}"),
        }
    }

    /// Starts the server: spawn `apache2 -f <conf> -DFOREGROUND` in its own process group and
    /// wait until it listens and has workers.
    pub fn try_start(self) -> Result<Httpd, StartError> {
        if self.mode == Mode::Shim && !self.lib_dir.join("libssl.so.3").exists() {
            return Err(StartError::Setup(format!(
                "shim mode, but {} does not exist (run `make build`, set SSLSHIM_LIB_DIR, or use SSLSHIM_MODE=system)",
                self.lib_dir.join("libssl.so.3").display()
            )));
        }
        let certs = self.certs_ref();
        let attempts = if self.port.is_some() { 1 } else { 4 };
        let mut last = None;
        for _ in 0..attempts {
            let port = self.port.unwrap_or_else(proc::free_port);
            let dir =
                TempDir::new("sslshim-httpd-").map_err(|e| StartError::Setup(e.to_string()))?;
            let conf = self
                .write_config(dir.path(), port)
                .map_err(StartError::Setup)?;
            match self.spawn_and_wait(dir, conf, port, certs.clone()) {
                Ok(h) => return Ok(h),
                Err(e) if e.is_addr_in_use() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap())
    }

    fn spawn_and_wait(
        &self,
        dir: TempDir,
        conf: PathBuf,
        port: u16,
        certs: Certs,
    ) -> Result<Httpd, StartError> {
        let startup_log = dir.path().join("logs/startup.log");
        let out = fs::File::create(&startup_log).map_err(|e| StartError::Setup(e.to_string()))?;
        let err = out
            .try_clone()
            .map_err(|e| StartError::Setup(e.to_string()))?;
        let mut cmd = apache_command(self.mode, &self.lib_dir, &conf);
        cmd.arg("-DFOREGROUND");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        if self.die_with_thread {
            crate::proc::die_with_parent(&mut cmd, libc::SIGTERM);
        }
        let child = cmd
            .spawn()
            .map_err(|e| StartError::Setup(format!("spawn {APACHE2}: {e}")))?;
        let pid = child.id();
        let mut h = Httpd {
            child,
            pid,
            port,
            mode: self.mode,
            lib_dir: self.lib_dir.clone(),
            certs,
            conf,
            stopped: None,
            dir,
        };
        let deadline = Instant::now() + self.startup_timeout;
        loop {
            if let Ok(Some(status)) = h.child.try_wait() {
                h.stopped = Some(status);
                return Err(StartError::Exited {
                    status,
                    log: h.startup_text(),
                });
            }
            if proc::tcp_listening(port) && !h.worker_pids().is_empty() {
                return Ok(h);
            }
            if Instant::now() >= deadline {
                return Err(StartError::Timeout {
                    log: h.startup_text(),
                });
            }
            thread::sleep(Duration::from_millis(20));
        }
        // On error, `h` is dropped here: process group killed, temp dir removed.
    }
}

/// Why a server did not start. `Display` includes the error log.
#[derive(Debug)]
pub enum StartError {
    Setup(String),
    Exited { status: ExitStatus, log: String },
    Timeout { log: String },
}

impl StartError {
    fn is_addr_in_use(&self) -> bool {
        match self {
            StartError::Exited { log, .. } => log.contains("Address already in use"),
            _ => false,
        }
    }

    /// The error log / startup output text, if the server got that far.
    pub fn log(&self) -> &str {
        match self {
            StartError::Setup(s) => s,
            StartError::Exited { log, .. } | StartError::Timeout { log } => log,
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Setup(s) => write!(f, "setup failed: {s}"),
            StartError::Exited { status, log } => {
                let how = match (status.code(), status.signal()) {
                    (Some(c), _) => format!("exit code {c}"),
                    (_, Some(s)) => format!("signal {s}"),
                    _ => format!("{status:?}"),
                };
                write!(f, "apache2 exited during startup ({how}):\n{log}")
            }
            StartError::Timeout { log } => write!(f, "apache2 not ready in time:\n{log}"),
        }
    }
}

impl std::error::Error for StartError {}

/// `program` with a clean environment, for a server under test: `PATH`, `LANG=C`,
/// `SSLSHIM_*`/`RUST_LOG`/`RUST_BACKTRACE` passed through, and `LD_LIBRARY_PATH=<lib_dir>` in
/// [`Mode::Shim`].
pub fn server_command(program: &str, mode: Mode, lib_dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env("LANG", "C");
    // Knobs for the library's own diagnostics pass through.
    for (k, v) in std::env::vars_os() {
        let ks = k.to_string_lossy();
        if ks.starts_with("SSLSHIM_") || ks == "RUST_LOG" || ks == "RUST_BACKTRACE" {
            cmd.env(&k, &v);
        }
    }
    if mode == Mode::Shim {
        cmd.env("LD_LIBRARY_PATH", lib_dir);
    }
    cmd
}

/// `apache2 -f <conf>` as a [`server_command`].
pub fn apache_command(mode: Mode, lib_dir: &Path, conf: &Path) -> Command {
    let mut cmd = server_command(APACHE2, mode, lib_dir);
    cmd.arg("-f").arg(conf);
    cmd
}

/// Worker processes of the httpd parent `pid` (live children named apache2).
pub fn workers_of(pid: u32) -> Vec<u32> {
    proc::children(pid)
        .into_iter()
        .filter(|p| proc::stat(*p).is_some_and(|s| s.comm.starts_with("apache2")))
        .collect()
}

/// For each worker of `pid`: the libssl* files it maps.
pub fn libssl_mappings_of(pid: u32) -> Vec<(u32, Vec<PathBuf>)> {
    workers_of(pid)
        .into_iter()
        .map(|w| {
            let libs = proc::mapped_files(w)
                .unwrap_or_default()
                .into_iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("libssl"))
                })
                .collect();
            (w, libs)
        })
        .collect()
}

/// Every worker of `pid` maps `expected` and no other libssl.so.3.
pub fn workers_map_only(pid: u32, expected: &Path) -> bool {
    let maps = libssl_mappings_of(pid);
    !maps.is_empty()
        && maps.iter().all(|(_, libs)| {
            libs.iter().any(|l| l == expected)
                && !libs
                    .iter()
                    .any(|l| l != expected && l.file_name().is_some_and(|n| n == "libssl.so.3"))
        })
}

pub fn module_exists(name: &str) -> bool {
    Path::new(MODULE_DIR)
        .join(format!("mod_{name}.so"))
        .exists()
}

/// A running server. Dropping it stops it (SIGTERM, bounded wait, SIGKILL of the whole
/// process group) and removes its directory (unless `SSLSHIM_KEEP=1`).
pub struct Httpd {
    child: Child,
    pid: u32,
    port: u16,
    mode: Mode,
    lib_dir: PathBuf,
    certs: Certs,
    conf: PathBuf,
    stopped: Option<ExitStatus>,
    // Last field: dropped after `Drop::drop` has stopped the server.
    dir: TempDir,
}

impl fmt::Debug for Httpd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Httpd")
            .field("pid", &self.pid)
            .field("port", &self.port)
            .field("mode", &self.mode)
            .field("dir", &self.dir.path())
            .finish()
    }
}

impl Httpd {
    pub fn builder() -> HttpdBuilder {
        HttpdBuilder::default()
    }

    /// A server with the default config in the default mode.
    #[track_caller]
    pub fn start_default() -> Httpd {
        Httpd::builder().start()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `https://localhost:PORT<path>` (clients resolve localhost to 127.0.0.1).
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{}", self.port, path)
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// PID of the httpd parent process.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn conf_path(&self) -> &Path {
        &self.conf
    }

    pub fn conf_text(&self) -> String {
        fs::read_to_string(&self.conf).unwrap_or_default()
    }

    pub fn certs(&self) -> &Certs {
        &self.certs
    }

    pub fn ca(&self) -> &Path {
        &self.certs.ca.cert
    }

    pub fn lib_dir(&self) -> &Path {
        &self.lib_dir
    }

    /// Is the httpd parent still running?
    pub fn running(&mut self) -> bool {
        self.stopped.is_none() && matches!(self.child.try_wait(), Ok(None))
    }

    /// Worker processes (live children of the parent named apache2).
    pub fn worker_pids(&self) -> Vec<u32> {
        workers_of(self.pid)
    }

    /// For each worker: the libssl* files it maps.
    pub fn libssl_mappings(&self) -> Vec<(u32, Vec<PathBuf>)> {
        libssl_mappings_of(self.pid)
    }

    /// Every worker maps the libssl.so.3 of this mode ([`Self::expected_libssl`]) and none maps
    /// another one (Shim: `<lib dir>/libssl.so.3`, not the system's; System: the reverse).
    pub fn maps_contains_our_lib(&self) -> bool {
        workers_map_only(self.pid, &self.expected_libssl())
    }

    pub fn expected_libssl(&self) -> PathBuf {
        match self.mode {
            Mode::Shim => crate::canonical(&self.lib_dir.join("libssl.so.3")),
            Mode::System => crate::system_libssl(),
        }
    }

    pub fn error_log_path(&self) -> PathBuf {
        self.dir.path().join("logs/error.log")
    }

    pub fn access_log_path(&self) -> PathBuf {
        self.dir.path().join("logs/access.log")
    }

    /// Whole error log (lossy UTF-8).
    pub fn error_log(&self) -> String {
        fs::read(self.error_log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    pub fn access_log(&self) -> String {
        fs::read(self.access_log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Current end of the error log, for [`Self::error_log_since`].
    pub fn log_mark(&self) -> usize {
        fs::metadata(self.error_log_path())
            .map(|m| m.len() as usize)
            .unwrap_or(0)
    }

    /// Error log text written after `mark`.
    pub fn error_log_since(&self, mark: usize) -> String {
        let b = fs::read(self.error_log_path()).unwrap_or_default();
        String::from_utf8_lossy(b.get(mark..).unwrap_or(&[])).into_owned()
    }

    /// Polls the error log (after `mark`) until a line satisfies `pred`; returns that line.
    pub fn wait_for_log(
        &self,
        mark: usize,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.error_log_since(mark).lines().find(|l| pred(l)) {
                return Some(l.to_string());
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// Error-log lines that mean a crash or a broken server (signals, panics, emerg/alert/crit),
    /// for tests where ssl:error and ssl:info lines are expected.
    pub fn crash_lines(&self) -> Vec<String> {
        const CRASH: &[&str] = &[
            "exit signal",
            "Segmentation fault",
            "panicked",
            "SIGSEGV",
            "SIGABRT",
            ":emerg]",
            ":alert]",
            ":crit]",
        ];
        self.error_log()
            .lines()
            .filter(|l| CRASH.iter().any(|p| l.contains(p)))
            .map(str::to_string)
            .collect()
    }

    /// Error-log lines matching [`UNEXPECTED_PATTERNS`] (`[ssl:error]`, crit/alert/emerg,
    /// "exit signal", "Segmentation fault", ...) unless they contain one of `allow`.
    pub fn error_log_unexpected(&self, allow: &[&str]) -> Vec<String> {
        unexpected_lines(&self.error_log(), allow)
    }

    /// Startup output + error log, for failure messages.
    fn startup_text(&self) -> String {
        let startup =
            fs::read_to_string(self.dir.path().join("logs/startup.log")).unwrap_or_default();
        format!(
            "--- apache2 stdout/stderr ---\n{}\n--- error.log ---\n{}\n--- config {} ---\n{}",
            startup.trim_end(),
            self.error_log().trim_end(),
            self.conf.display(),
            self.conf_text()
        )
    }

    /// Everything useful for a failure message: mode, pids, libssl mappings, error log tail.
    pub fn diagnostics(&self) -> String {
        let log = self.error_log();
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        format!(
            "httpd mode={} pid={} port={} dir={}\nworkers={:?}\nlibssl maps={:?}\n--- error.log (last {} lines) ---\n{}",
            self.mode,
            self.pid,
            self.port,
            self.dir.path().display(),
            self.worker_pids(),
            self.libssl_mappings(),
            tail.len(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    // ---- clients -------------------------------------------------------------------------

    /// `curl -sS --max-time 20 --cacert CA --resolve localhost:PORT:127.0.0.1 <args>`.
    pub fn curl(&self, args: &[&str]) -> CmdOutput {
        clients::curl(self.port, self.ca(), args)
    }

    /// `openssl s_client -connect 127.0.0.1:PORT -servername localhost -CAfile CA <args>`.
    pub fn s_client(&self, args: &[&str], stdin: &[u8]) -> SClient {
        clients::s_client(self.port, self.ca(), args, stdin)
    }

    /// One Python `ssl` connection.
    pub fn py_tls(&self, opts: &PyTlsOpts) -> PyTls {
        clients::py_tls(self.port, self.ca(), opts)
    }

    /// `python3 -c script args` (no `LD_LIBRARY_PATH`).
    pub fn python(&self, script: &str, args: &[&str], timeout: Duration) -> CmdOutput {
        clients::python(script, args, timeout)
    }

    /// Panics unless a plain `curl` GET of `/` returns the index page.
    #[track_caller]
    pub fn assert_serves(&self) {
        let out = self.curl(&["-w", "\n%{http_code}", &self.url("/")]);
        assert!(
            out.success() && out.stdout.starts_with(INDEX_HTML) && out.stdout.ends_with("\n200"),
            "server does not serve / any more:\n{}\n{}",
            out.describe(),
            self.diagnostics()
        );
    }

    /// Stops the server (idempotent): SIGTERM to the parent, wait up to 10 s, then SIGKILL to
    /// the whole process group and wait until it is gone (bounded).
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if let Some(s) = self.stopped {
            kill_group(self.pid, libc::SIGKILL);
            return Some(s);
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            kill_pid(self.pid, libc::SIGTERM);
        }
        let (mut status, timed_out) = wait_deadline(&mut self.child, Duration::from_secs(10));
        // Leftovers (workers that did not exit, cgid daemons...) share the process group.
        kill_group(self.pid, libc::SIGKILL);
        for c in proc::children(self.pid) {
            kill_pid(c, libc::SIGKILL);
        }
        if timed_out {
            let _ = self.child.kill();
            status = self.child.wait().ok();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !proc::group_members(self.pid).is_empty() && Instant::now() < deadline {
            kill_group(self.pid, libc::SIGKILL);
            thread::sleep(Duration::from_millis(20));
        }
        self.stopped = status.or(Some(ExitStatus::from_raw(0)));
        status
    }
}

impl Drop for Httpd {
    fn drop(&mut self) {
        self.stop();
        if crate::keep_temp() {
            eprintln!(
                "sslshim compat-tests: httpd ({} mode) dir kept: {}",
                self.mode,
                self.dir.path().display()
            );
        }
    }
}

/// Lines of `log` matching [`UNEXPECTED_PATTERNS`] minus those containing an `allow` string.
pub fn unexpected_lines(log: &str, allow: &[&str]) -> Vec<String> {
    log.lines()
        .filter(|l| UNEXPECTED_PATTERNS.iter().any(|p| l.contains(p)))
        .filter(|l| !allow.iter().any(|a| l.contains(a)))
        .map(str::to_string)
        .collect()
}
