//! Build script: makes the cdylib a faithful `libssl.so.3`.
//!
//! * `symbols/libssl.txt` is the one list of exported names (first column).
//!   We write a version script from it that puts every name in the version
//!   node `OPENSSL_3.0.0` (as Debian's libssl does) and hides everything else.
//!   `tools/cc-link` (the linker wrapper set in `.cargo/config.toml`) removes
//!   rustc's own anonymous version script so ours decides alone.
//! * SONAME `libssl.so.3`, `-z nodelete` (libssl is never unmapped: httpd
//!   unloads and reloads modules on restart) and `DT_NEEDED libcrypto.so.3`.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let list = manifest.join("symbols/libssl.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    println!("cargo:rerun-if-changed=build.rs");

    let text = fs::read_to_string(&list).expect("symbols/libssl.txt");
    let names: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert!(!names.is_empty(), "no symbols in symbols/libssl.txt");

    let mut map = String::from("OPENSSL_3.0.0 {\n  global:\n");
    for n in &names {
        map.push_str("    ");
        map.push_str(n);
        map.push_str(";\n");
    }
    map.push_str("  local: *;\n};\n");
    let map_path = out.join("sslshim-exports.map");
    fs::write(&map_path, map).unwrap();

    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", map_path.display());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libssl.so.3");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--as-needed");
    println!("cargo:rustc-link-lib=dylib=crypto");
}
