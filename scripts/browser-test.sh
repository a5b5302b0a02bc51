#!/usr/bin/env bash
# Runs the console's browser tests (tests/browser/): mailflow serve, driven
# in Debian's headless Chromium through playwright-core. Exits non-zero when
# any check fails. See docs/parts/browser.md.
#
# What it needs, it installs when missing: Debian's chromium and
# chromium-driver (apt-get), the tests' npm packages (npm ci, from the
# committed package-lock.json; no browser is downloaded), and the mailflow
# binary (cargo build).
#
# Environment:
#   CARGO_TARGET_DIR      where cargo builds (default: target); screenshots go
#                         to $CARGO_TARGET_DIR/browser-screenshots/
#   MAILFLOW_BIN          the binary to test (default: $CARGO_TARGET_DIR/debug/mailflow)
#   SKIP_BUILD=1          do not run cargo build (MAILFLOW_BIN is already built)
#   BROWSER_TEST_TIMEOUT  seconds the whole test run may take (default: 150)
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
tests_dir="$root/tests/browser"
target_dir="${CARGO_TARGET_DIR:-target}"
time_limit="${BROWSER_TEST_TIMEOUT:-150}"

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

apt_install() {
    echo "browser-test.sh: installing $* (Debian packages)" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [[ ! -x /usr/bin/chromium ]]; then
    apt_install chromium chromium-driver
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install nodejs npm
fi

# npm ci again only when the lock file is not the one node_modules was
# installed from.
lock_sum=$(sha256sum "$tests_dir/package-lock.json" | cut -d' ' -f1)
stamp="$tests_dir/node_modules/.installed-from-lock"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_sum" ]]; then
    echo "browser-test.sh: npm ci in tests/browser" >&2
    (cd "$tests_dir" && npm ci --no-audit --no-fund)
    echo "$lock_sum" >"$stamp"
fi

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
    cargo build -p mailflow --locked
fi
MAILFLOW_BIN="${MAILFLOW_BIN:-$target_dir/debug/mailflow}"
if [[ ! -x "$MAILFLOW_BIN" ]]; then
    echo "browser-test.sh: no mailflow binary at $MAILFLOW_BIN" >&2
    exit 1
fi
MAILFLOW_BIN=$(realpath "$MAILFLOW_BIN")
export MAILFLOW_BIN

# The whole run is bounded (each step of the tests has its own limit too):
# past the limit everything it started gets SIGTERM (the tests then stop
# the node and remove their files), and SIGKILL 10 s later.
status=0
timeout --kill-after=10 "$time_limit" node --test "$tests_dir"/*.test.mjs || status=$?
if ((status == 124)); then
    echo "browser-test.sh: the browser tests took over ${time_limit}s" >&2
fi
echo "browser-test.sh: screenshots and the node's log are in $target_dir/browser-screenshots/" >&2
exit "$status"
