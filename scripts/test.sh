#!/usr/bin/env bash
# Runs mailflow's whole test suite: every crate, with the lock file as committed.
# Exits non-zero when anything fails.
#
# The tests need nothing but loopback sockets and temporary directories. When
# tests against PostgreSQL arrive, this is where the database is made ready.
set -euo pipefail

cd "$(dirname "$0")/.."
cargo test --workspace --locked "$@"
