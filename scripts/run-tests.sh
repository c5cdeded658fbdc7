#!/usr/bin/env bash
# Runs every test, in order:
#   1. the library's unit tests      (cargo test -p sslshim; having none is fine)
#   2. the ABI check                 (compat-tests/tests/abi.rs: our libssl.so.3 vs mod_ssl.so)
#   3. the compat tests              (Debian's apache2 + stock mod_ssl over our libssl.so.3,
#                                     driven by curl, openssl s_client, Python ssl, raw TCP)
# with cargo-nextest when it is installed, else cargo test. Every step runs; the exit status
# is non-zero if any failed. The compat step runs last; after its runner's summary line, one
# line names the steps that failed (a stale generated file fails the run even when every test
# passes).
# Environment: SSLSHIM_MODE=system runs steps 2-3 against the system OpenSSL (reference run);
# SSLSHIM_LIB_DIR overrides target/release; SSLSHIM_KEEP=1 keeps servers' temp dirs.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
cargo="${CARGO:-cargo}"
export SSLSHIM_MODE="${SSLSHIM_MODE:-shim}"

failed=()
step() {
  local name="$1"; shift
  echo "==> $name: $*"
  if ! "$@"; then
    failed+=("$name")
  fi
}

# Generated files must match their sources: the C header (cbindgen) that the ABI test compiles
# against OpenSSL's ssl.h, and README's status table (symbols/libssl.txt).
step "header is current" ./scripts/gen-header.sh --check
step "README status table is current" python3 tools/status-table.py --check

if "$cargo" nextest --version >/dev/null 2>&1; then
  nextest=("$cargo" nextest run --release --config-file compat-tests/nextest.toml)
  step "unit tests" "$cargo" nextest run --release -p sslshim --no-tests=pass
  step "ABI check" "${nextest[@]}" -p compat-tests --test abi
  if ((${#failed[@]})); then echo "NOTE: failed so far: ${failed[*]} (the compat tests run anyway)"; fi
  step "compat tests" "${nextest[@]}" -p compat-tests -E 'not binary_id(compat-tests::abi)'
else
  step "unit tests" "$cargo" test --release -p sslshim
  step "ABI check" "$cargo" test --release -p compat-tests --test abi
  if ((${#failed[@]})); then echo "NOTE: failed so far: ${failed[*]} (the compat tests run anyway)"; fi
  step "compat tests" "$cargo" test --release -p compat-tests -- --skip abi_
fi

if ((${#failed[@]})); then
  echo "==> FAILED: ${#failed[@]} step(s): ${failed[*]}"
  exit 1
fi
