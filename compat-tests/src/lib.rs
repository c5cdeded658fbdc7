//! Compat-test harness: Debian's unmodified `/usr/sbin/apache2` with its stock `mod_ssl.so`,
//! run either over our `libssl.so.3` ([`Mode::Shim`]) or over the system OpenSSL
//! ([`Mode::System`], the reference), and driven by real clients (curl, `openssl s_client`,
//! Python's `ssl`, raw TCP).
//!
//! * [`Mode`]: which libssl the *server* loads. The default comes from `SSLSHIM_MODE`
//!   (`shim`, the default, or `system`). [`compare_modes`] runs one scenario under both.
//! * [`certs()`]: a test CA and server/client certificates, made once per test process.
//! * [`Httpd`]: builder, start, helpers (`port`, `url`, `error_log`, `worker_pids`, ...) and a
//!   `Drop` that always stops the server and removes its directory.
//! * [`clients`]: curl, `openssl s_client`, Python `ssl`; clients never see `LD_LIBRARY_PATH`.
//! * [`raw`]: hand-made TLS records and ClientHellos for bad-input tests.
//!
//! Environment knobs: `SSLSHIM_MODE`, `SSLSHIM_LIB_DIR` (default `<workspace>/target/release`),
//! `SSLSHIM_KEEP=1` (keep temp dirs and print where they are).

pub mod certs;
pub mod clientauth;
pub mod clients;
pub mod httpd;
pub mod proc;
pub mod raw;

pub use certs::{Certs, KeyType, certs};
pub use clients::{CmdOutput, PyTls, PyTlsOpts, SClient};
pub use httpd::{Httpd, HttpdBuilder, StartError};

use std::ffi::CString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Which libssl.so.3 the server side loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Our library: the server runs with `LD_LIBRARY_PATH=$SSLSHIM_LIB_DIR`.
    Shim,
    /// The system OpenSSL libssl (no `LD_LIBRARY_PATH`): the reference behaviour.
    System,
}

impl Mode {
    /// `SSLSHIM_MODE`: `shim` (default) or `system`. Anything else panics, so a typo
    /// does not silently test the wrong library.
    pub fn from_env() -> Mode {
        match std::env::var("SSLSHIM_MODE") {
            Err(_) => Mode::Shim,
            Ok(v) => match v.trim().to_ascii_lowercase().as_str() {
                "" | "shim" => Mode::Shim,
                "system" | "openssl" | "reference" => Mode::System,
                other => panic!("SSLSHIM_MODE={other:?}: expected `shim` or `system`"),
            },
        }
    }

    pub const ALL: [Mode; 2] = [Mode::Shim, Mode::System];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Shim => "shim",
            Mode::System => "system",
        }
    }

    /// The libssl.so.3 a server in this mode must map (canonical path; Shim: in the default
    /// [`shim_lib_dir`]).
    pub fn expected_libssl(self) -> PathBuf {
        match self {
            Mode::Shim => canonical(&shim_lib_dir().join("libssl.so.3")),
            Mode::System => system_libssl(),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The same scenario's outcome in both modes, for side-by-side comparison.
#[derive(Debug, Clone)]
pub struct BothModes<T> {
    pub shim: T,
    pub system: T,
}

impl<T> BothModes<T> {
    pub fn get(&self, mode: Mode) -> &T {
        match mode {
            Mode::Shim => &self.shim,
            Mode::System => &self.system,
        }
    }
}

/// Runs `scenario` once per mode (system first: it is the reference) and returns both
/// outcomes. Each run should start its own [`Httpd`] with `.mode(mode)`.
pub fn compare_modes<T>(mut scenario: impl FnMut(Mode) -> T) -> BothModes<T> {
    let system = scenario(Mode::System);
    let shim = scenario(Mode::Shim);
    BothModes { shim, system }
}

/// The workspace root (the directory holding the root Cargo.toml).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// Directory that holds our `libssl.so.3`: `$SSLSHIM_LIB_DIR`, else `<workspace>/target/release`.
pub fn shim_lib_dir() -> PathBuf {
    match std::env::var_os("SSLSHIM_LIB_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => workspace_root().join("target").join("release"),
    }
}

/// Our library file (may not exist yet).
pub fn shim_lib() -> PathBuf {
    shim_lib_dir().join("libssl.so.3")
}

/// The system libssl.so.3 (canonical path, e.g. `/usr/lib/x86_64-linux-gnu/libssl.so.3`).
pub fn system_libssl() -> PathBuf {
    let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
    for dir in [
        format!("/usr/lib/{multiarch}"),
        format!("/lib/{multiarch}"),
        "/usr/lib".into(),
        "/lib".into(),
    ] {
        let p = Path::new(&dir).join("libssl.so.3");
        if p.exists() {
            return canonical(&p);
        }
    }
    PathBuf::from(format!("/usr/lib/{multiarch}/libssl.so.3"))
}

/// `SSLSHIM_KEEP=1`: keep temp dirs for inspection.
pub fn keep_temp() -> bool {
    matches!(std::env::var("SSLSHIM_KEEP").as_deref(), Ok(v) if !v.is_empty() && v != "0")
}

/// Canonical form of a library directory (what `/proc/PID/maps` shows).
pub fn canonical_lib_dir(dir: &Path) -> PathBuf {
    canonical(dir)
}

pub(crate) fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// A directory under `$TMPDIR` (mode 0755 so the httpd worker user can read it), removed on
/// drop unless `SSLSHIM_KEEP=1`.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        let base = std::env::temp_dir();
        let template = base.join(format!("{prefix}XXXXXX"));
        let c = CString::new(template.as_os_str().as_encoded_bytes()).unwrap();
        let mut buf = c.into_bytes_with_nul();
        // SAFETY: buf is a writable NUL-terminated template, as mkdtemp requires.
        let r = unsafe { libc::mkdtemp(buf.as_mut_ptr().cast()) };
        if r.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        buf.pop();
        let path = PathBuf::from(String::from_utf8(buf).expect("utf-8 temp path"));
        set_mode(&path, 0o755)?;
        Ok(TempDir {
            path,
            keep: keep_temp(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Disarms removal and returns the path (the caller now owns the cleanup).
    pub fn into_path(self) -> PathBuf {
        let me = std::mem::ManuallyDrop::new(self);
        me.path.clone()
    }

    /// Keep the directory on drop (in addition to `SSLSHIM_KEEP=1`).
    pub fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("sslshim compat-tests: keeping {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

pub(crate) fn set_mode(p: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
}

/// Small deterministic PRNG (xorshift64*) for test payloads; no crates needed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1) ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// Seeded from the clock and pid: for values that must differ between runs (serials).
    pub fn from_clock() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Rng::new(t ^ ((std::process::id() as u64) << 32))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut v = vec![0; n];
        self.fill(&mut v);
        v
    }
}
