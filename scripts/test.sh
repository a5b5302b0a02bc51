#!/usr/bin/env bash
# Runs mailflow's whole test suite: every crate, with the lock file as committed.
# Exits non-zero when anything fails.
#
# The tests need loopback sockets, temporary directories and python3 (an
# independent reader of the addresses mailflow writes); the console's
# browser tests need Chromium and Node, which scripts/browser-test.sh
# installs when they are missing; the store's tests need PostgreSQL, which
# scripts/postgres-ready.sh starts or installs (DATABASE_URL, or
# postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail

cd "$(dirname "$0")/.."
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 is missing: installing it" >&2
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
scripts/postgres-ready.sh
cargo test --workspace --locked "$@"
# The whole workspace's tests built the binary the browser tests drive (a
# build of the one package would recompile much of it with other features).
if [ "$#" -eq 0 ]; then
    SKIP_BUILD=1 scripts/browser-test.sh
else
    scripts/browser-test.sh
fi
