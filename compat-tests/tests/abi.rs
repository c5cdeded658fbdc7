//! ABI check of the libssl.so.3 of the current mode (Shim: ours; System: Debian's, which
//! validates the check itself), read with `readelf` from binutils:
//!
//! * SONAME `libssl.so.3`, `DT_NEEDED libcrypto.so.3`, version definition `OPENSSL_3.0.0`;
//! * every libssl symbol Debian's `mod_ssl.so` imports is exported at `OPENSSL_3.0.0`
//!   (mod_ssl is linked BIND_NOW: one missing symbol and `LoadModule ssl_module` fails);
//! * every export is versioned `OPENSSL_3.0.0` and none is also a libcrypto symbol (that one
//!   would interpose on libcrypto's for the whole process);
//! * `c/prototypes.c` compiles with `-Wall -Wextra -Werror`: it includes OpenSSL's own
//!   `<openssl/ssl.h>` and our generated `include/openssl/sslshim.h`, so a prototype of ours that
//!   disagrees with OpenSSL's is a "conflicting types" error; it is then linked (`-z now`)
//!   against the library under test and run.
//!
//! Test names start with `abi_` (scripts/run-tests.sh runs this binary as its own step).

use compat_tests::{Mode, TempDir, clients, proc, system_libssl, workspace_root};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const MOD_SSL: &str = "/usr/lib/apache2/modules/mod_ssl.so";
const VERSION: &str = "OPENSSL_3.0.0";

fn lib_under_test() -> PathBuf {
    let mode = Mode::from_env();
    let lib = match mode {
        Mode::Shim => compat_tests::shim_lib(),
        Mode::System => system_libssl(),
    };
    assert!(
        lib.exists(),
        "{mode} mode: {} does not exist (run `make build`?)",
        lib.display()
    );
    lib
}

fn readelf(args: &[&str], file: &Path) -> String {
    let mut cmd = Command::new("readelf");
    cmd.args(args).arg(file);
    let out = proc::run(cmd, None, Duration::from_secs(60));
    assert!(out.success(), "readelf failed:\n{}", out.describe());
    out.stdout
}

#[derive(Debug, Default)]
struct DynSyms {
    /// Defined symbols: name -> version ("" when unversioned).
    defined: Vec<(String, String)>,
    /// Undefined symbols: name -> version.
    undefined: Vec<(String, String)>,
}

fn dyn_syms(file: &Path) -> DynSyms {
    let mut s = DynSyms::default();
    for line in readelf(&["-W", "--dyn-syms"], file).lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // Num: Value Size Type Bind Vis Ndx Name [(n)]
        if f.len() < 8 || !f[0].ends_with(':') || f[0] == "Num:" {
            continue;
        }
        let (kind, bind, ndx, name) = (f[3], f[4], f[6], f[7]);
        if name.is_empty() || bind == "LOCAL" || kind == "SECTION" || kind == "FILE" {
            continue;
        }
        let (base, ver) = match name.split_once('@') {
            Some((b, v)) => (b.to_string(), v.trim_start_matches('@').to_string()),
            None => (name.to_string(), String::new()),
        };
        if ndx == "UND" {
            s.undefined.push((base, ver));
        } else if !(ndx == "ABS" && ver.is_empty()) {
            // (an unversioned ABS symbol is the version node's own name)
            s.defined.push((base, ver));
        }
    }
    s
}

fn defined_names(s: &DynSyms) -> BTreeSet<String> {
    s.defined.iter().map(|(n, _)| n.clone()).collect()
}

/// libssl symbols a consumer imports: its undefined OPENSSL_3.0.0 symbols that Debian's
/// libssl defines (libcrypto uses the same version name).
fn libssl_imports(consumer: &Path) -> BTreeSet<String> {
    let system = defined_names(&dyn_syms(&system_libssl()));
    dyn_syms(consumer)
        .undefined
        .into_iter()
        .filter(|(n, v)| v == VERSION && system.contains(n))
        .map(|(n, _)| n)
        .collect()
}

fn exported_at_version(lib: &Path) -> BTreeSet<String> {
    dyn_syms(lib)
        .defined
        .into_iter()
        .filter(|(_, v)| v == VERSION)
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn abi_soname_needed_and_version_node() {
    let lib = lib_under_test();
    let dynamic = readelf(&["-W", "-d"], &lib);
    assert!(
        dynamic
            .lines()
            .any(|l| l.contains("(SONAME)") && l.contains("[libssl.so.3]")),
        "{}: SONAME is not libssl.so.3:\n{dynamic}",
        lib.display()
    );
    assert!(
        dynamic
            .lines()
            .any(|l| l.contains("(NEEDED)") && l.contains("[libcrypto.so.3]")),
        "{}: no DT_NEEDED libcrypto.so.3:\n{dynamic}",
        lib.display()
    );
    let versions = readelf(&["-W", "-V"], &lib);
    let defs = versions.split("Version needs section").next().unwrap_or("");
    assert!(
        defs.contains(".gnu.version_d") && defs.contains(&format!("Name: {VERSION}")),
        "{}: no version definition {VERSION}:\n{versions}",
        lib.display()
    );
}

#[test]
fn abi_exports_everything_mod_ssl_imports() {
    let lib = lib_under_test();
    let need = libssl_imports(Path::new(MOD_SSL));
    assert!(
        need.len() > 100,
        "found only {} libssl imports in {MOD_SSL}: parsing broken?",
        need.len()
    );
    let have = exported_at_version(&lib);
    let missing: Vec<&String> = need.difference(&have).collect();
    eprintln!(
        "{}: exports {} of the {} libssl symbols mod_ssl.so imports",
        lib.display(),
        need.len() - missing.len(),
        need.len()
    );
    assert!(
        missing.is_empty(),
        "{} lacks {} of the {} libssl symbols mod_ssl.so imports (at {VERSION}); LoadModule would fail:\n  {}",
        lib.display(),
        missing.len(),
        need.len(),
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    // Informational: libcurl (used by mod_md) is the other libssl user in an httpd process.
    let curl = Path::new("/usr/lib/x86_64-linux-gnu/libcurl.so.4");
    if curl.exists() {
        let need = libssl_imports(curl);
        let missing = need.difference(&have).count();
        eprintln!(
            "(info) exports {} of the {} libssl symbols libcurl.so.4 imports",
            need.len() - missing,
            need.len()
        );
    }
}

#[test]
fn abi_exports_are_versioned_and_do_not_shadow_libcrypto() {
    let lib = lib_under_test();
    let syms = dyn_syms(&lib);
    let unversioned: Vec<&String> = syms
        .defined
        .iter()
        .filter(|(_, v)| v != VERSION)
        .map(|(n, _)| n)
        .collect();
    assert!(
        unversioned.is_empty(),
        "{}: exports outside version {VERSION}: {unversioned:?}",
        lib.display()
    );
    let crypto = Path::new(&system_libssl()).with_file_name("libcrypto.so.3");
    let crypto_names = defined_names(&dyn_syms(&crypto));
    let shadow: Vec<&String> = syms
        .defined
        .iter()
        .map(|(n, _)| n)
        .filter(|n| crypto_names.contains(*n))
        .collect();
    assert!(
        shadow.is_empty(),
        "{}: exports libcrypto symbols (would interpose): {shadow:?}",
        lib.display()
    );
    let system = defined_names(&dyn_syms(&system_libssl()));
    let extra: Vec<&String> = syms
        .defined
        .iter()
        .map(|(n, _)| n)
        .filter(|n| !system.contains(*n))
        .collect();
    if !extra.is_empty() {
        eprintln!("(info) exports not in Debian's libssl: {extra:?}");
    }
}

#[test]
fn abi_header_prototypes_match_openssl() {
    let lib = lib_under_test();
    let header = workspace_root().join("include/openssl/sslshim.h");
    assert!(
        header.exists(),
        "{} is missing (scripts/gen-header.sh makes it)",
        header.display()
    );
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("c/prototypes.c");
    let tmp = TempDir::new("sslshim-abi-").unwrap();
    let exe = tmp.path().join("prototypes");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut cmd = clients::client_command(&cc);
    cmd.args(["-Wall", "-Wextra", "-Werror", "-I"])
        .arg(workspace_root().join("include"))
        .arg(&source)
        .arg("-o")
        .arg(&exe)
        .arg(&lib)
        .args(["-Wl,-z,now", "-lcrypto"]);
    let out = proc::run(cmd, None, Duration::from_secs(120));
    assert!(
        out.success(),
        "prototypes.c does not compile against <openssl/ssl.h> + sslshim.h:\n{}",
        out.describe()
    );
    // Load it over the library under test: every symbol it references must resolve.
    let mut cmd = clients::client_command(&exe.to_string_lossy());
    if Mode::from_env() == Mode::Shim {
        cmd.env("LD_LIBRARY_PATH", lib.parent().unwrap());
    }
    cmd.env("LD_BIND_NOW", "1");
    let out = proc::run(cmd, None, Duration::from_secs(30));
    assert!(
        out.success(),
        "prototypes binary does not run over {}:\n{}",
        lib.display(),
        out.describe()
    );
}
