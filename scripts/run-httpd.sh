#!/usr/bin/env bash
# scripts/run-httpd.sh start|stop|status [PORT]   (make run / make stop; PORT defaults to 8443)
#
# start: makes certificates (once) and a self-contained httpd config under target/run/
#        (or $SSLSHIM_RUN_DIR), starts Debian's /usr/sbin/apache2 with its stock mod_ssl over
#        our target/release/libssl.so.3 (LD_LIBRARY_PATH; or $SSLSHIM_LIB_DIR) on
#        https://localhost:PORT with an RSA and an ECDSA certificate (h2 + http/1.1), waits until
#        it answers, checks that a worker mapped our libssl.so.3, and prints how to try it.
#        SSLSHIM_MODE=system starts the same server over the system OpenSSL, for comparison.
# stop:  stops it by the PID in its pid file and waits.
# The work is done by the compat-tests binary `sslshim-httpd`, which shares its config and
# certificates code with the tests.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmd="${1:-}"
port="${2:-8443}"
case "$cmd" in
  start|stop|status) ;;
  *) echo "usage: $0 start|stop|status [PORT]" >&2; exit 2 ;;
esac
export SSLSHIM_RUN_DIR="${SSLSHIM_RUN_DIR:-$repo/target/run}"
export SSLSHIM_LIB_DIR="${SSLSHIM_LIB_DIR:-$repo/target/release}"
target="${CARGO_TARGET_DIR:-$repo/target}"
cd "$repo"
"${CARGO:-cargo}" build --release --quiet -p compat-tests --bin sslshim-httpd
exec "$target/release/sslshim-httpd" "$cmd" "$port"
