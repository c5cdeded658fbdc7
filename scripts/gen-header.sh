#!/bin/sh
# Regenerates include/openssl/sslshim.h with cbindgen from the extern "C"
# functions in src/ffi. libcrypto functions we only *declare* (src/libcrypto/sys.rs)
# are excluded. With --check, fails if the committed header is out of date.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
command -v cbindgen >/dev/null 2>&1 || cargo install cbindgen --version 0.29.4 --locked --quiet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
imports=$(grep -oE 'pub fn [A-Za-z0-9_]+' src/libcrypto/sys.rs | awk '{printf "\"%s\", ", $3}')
sed "s/^exclude = \[/exclude = [$imports/" cbindgen.toml > "$tmp/cbindgen.toml"
cbindgen --quiet --config "$tmp/cbindgen.toml" --crate sslshim --output "$tmp/sslshim.h"
if [ "${1:-}" = "--check" ]; then
  diff -u include/openssl/sslshim.h "$tmp/sslshim.h" && echo "header is up to date"
else
  mkdir -p include/openssl
  cp "$tmp/sslshim.h" include/openssl/sslshim.h
  echo "wrote include/openssl/sslshim.h"
fi
