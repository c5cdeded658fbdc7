//! The C boundary, exercised from C against our library: NULL and
//! out-of-range arguments get OpenSSL's documented failure values with an
//! error on libcrypto's queue (c/boundary.c), and a panic inside an entry
//! point is caught and reported instead of unwinding into the caller
//! (c/panic.c with SSLSHIM_PANIC_TEST). Shim mode only: OpenSSL itself
//! crashes on several of these calls.

use compat_tests::{Mode, TempDir, clients, proc, shim_lib};
use std::path::Path;
use std::time::Duration;

fn build(name: &str, tmp: &TempDir) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("c/{name}.c"));
    let exe = tmp.path().join(name);
    let mut cmd = clients::client_command("cc");
    cmd.args(["-Wall", "-Wextra", "-Werror"]).arg(&src).arg("-o").arg(&exe).arg(shim_lib()).arg("-lcrypto");
    let out = proc::run(cmd, None, Duration::from_secs(120));
    assert!(out.success(), "{name}.c does not compile:\n{}", out.describe());
    exe
}

fn run(exe: &Path, env: &[(&str, &str)]) -> compat_tests::CmdOutput {
    let mut cmd = clients::client_command(&exe.to_string_lossy());
    cmd.env("LD_LIBRARY_PATH", shim_lib().parent().unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    proc::run(cmd, None, Duration::from_secs(30))
}

#[test]
fn boundary_null_and_bad_arguments() {
    if Mode::from_env() != Mode::Shim {
        eprintln!("skipped: shim mode only");
        return;
    }
    let tmp = TempDir::new("sslshim-boundary-").unwrap();
    let exe = build("boundary", &tmp);
    let out = run(&exe, &[]);
    assert!(out.success(), "boundary checks failed:\n{}", out.describe());
}

#[test]
fn boundary_panic_is_caught() {
    if Mode::from_env() != Mode::Shim {
        eprintln!("skipped: shim mode only");
        return;
    }
    let tmp = TempDir::new("sslshim-panic-").unwrap();
    let exe = build("panic", &tmp);
    let out = run(&exe, &[("SSLSHIM_PANIC_TEST", "SSL_CTX_new"), ("RUST_BACKTRACE", "0")]);
    assert!(out.success(), "a panic escaped or was not reported:\n{}", out.describe());
}
