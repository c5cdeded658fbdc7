#!/usr/bin/env bash
# Installs what building and testing sslshim needs on Debian 12, quietly and only when missing.
#   build:  gcc/make (build-essential), pkg-config, libssl-dev (openssl-sys), binutils (readelf)
#   run:    apache2-bin (Debian's /usr/sbin/apache2 with its stock mod_ssl.so and mod_http2.so)
#   test:   curl, openssl, python3, nghttp2-client, memcached, ca-certificates
# apache2-bin rather than apache2: it has the server and every module but no system service to
# start on port 80. Services that packages would start while installing (memcached) are held
# back with a temporary policy-rc.d. The Rust toolchain itself is not installed here.
set -euo pipefail

packages=(
  build-essential pkg-config libssl-dev binutils
  apache2-bin
  curl openssl ca-certificates python3 nghttp2-client memcached
)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  policy=/usr/sbin/policy-rc.d
  made_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
  fi
  cleanup() { if [ -n "$made_policy" ]; then "${sudo[@]}" rm -f "$policy"; fi; }
  trap cleanup EXIT
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for p in "${missing[@]}"; do
    installed "$p" || { echo "install-deps: $p did not install" >&2; exit 1; }
  done
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "install-deps: cargo not found: sslshim needs a Rust toolchain (1.85+) on PATH" >&2
  exit 1
fi
# Optional: cargo-nextest (scripts/run-tests.sh uses it when present, cargo test otherwise).
exit 0
