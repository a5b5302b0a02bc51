#!/usr/bin/env bash
# How fast the admin API's lists and views, and the console's pages, answer
# with a large queue
# (SPEC section 7, "The console": p95 under 200 ms with 1,000,000 queued).
#
# One command, loopback only, bounded in time. It starts `mailflow serve` on
# a node filled by bench/backlog.sh (a million messages waiting behind the
# dead connector `to-dead`, and the fresh traffic delivered through `to-live`
# before it), lets it settle, and runs bench/pages.py against its admin API
# and console (logged in with the bench's token): every URL of the list
# there, REPEAT times, p50/p95/max each. Then it stops
# the node. The data directory is reused as it is (the node only adds its
# probes, history and alerts), so one fill serves many runs and binaries.
#
# Usage: bench/pages.sh                         (fills a node first: N=1000000,
#                                                a few minutes; prints where it is kept)
#        NODE_DIR=/tmp/mailflow-backlog.XXXX/node bench/pages.sh   (reuses that fill)
# Knobs (environment): NODE_DIR (a node kept by `UNTIL=fill bench/backlog.sh`),
# N (for the fill, default 1000000), REPEAT (requests per URL, default 30),
# TIME_PER_URL (seconds, default 60), SETTLE (seconds after start, default 10),
# COOKIE (a Cookie header value for console pages), JSON (a file for the
# figures), SKIP_BUILD=1, MAILFLOW_BIN (another binary, e.g. an older build),
# CARGO_TARGET_DIR.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${MAILFLOW_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release/mailflow}
TOKEN=backlog-bench-token   # the token bench/backlog.sh writes into the config
SETTLE=${SETTLE:-10}
LOG_PREFIX=pages
# shellcheck source=bench/common.sh
source "$REPO/bench/common.sh"

MAILFLOW_PID=
cleanup() {
    if [ -n "$MAILFLOW_PID" ] && kill "$MAILFLOW_PID" 2>/dev/null; then
        for _ in $(seq 1 150); do kill -0 "$MAILFLOW_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$MAILFLOW_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building mailflow (release)"
    (cd "$REPO" && cargo build --release --locked -p mailflow >&2)
fi
[ -x "$BIN" ] || die "$BIN missing"

if [ -z "${NODE_DIR:-}" ]; then
    log "no NODE_DIR: filling one with bench/backlog.sh (UNTIL=fill, N=${N:-1000000})"
    NODE_DIR=$(SKIP_BUILD=1 MAILFLOW_BIN=$BIN UNTIL=fill "$REPO/bench/backlog.sh" | tail -n 1)
fi
[ -f "$NODE_DIR/mailflow.toml" ] && [ -d "$NODE_DIR/data" ] \
    || die "$NODE_DIR is not a node kept by bench/backlog.sh (mailflow.toml and data/)"

# The kept config with ports free now: the SMTP and admin listeners, and
# both smart hosts (nothing listens on them: to-dead stays dead, and to-live
# has nothing waiting).
SMTP_PORT=$(free_port); ADMIN_PORT=$(free_port "$SMTP_PORT")
LIVE_PORT=$(free_port "$SMTP_PORT" "$ADMIN_PORT")
DEAD_PORT=$(free_port "$SMTP_PORT" "$ADMIN_PORT" "$LIVE_PORT")
CONFIG=$NODE_DIR/pages.toml
awk -v smtp="$SMTP_PORT" -v admin="$ADMIN_PORT" -v live="$LIVE_PORT" -v dead="$DEAD_PORT" '
    /^\[\[connectors\]\]/ { connector++ }
    /^smtp_listen = / { $0 = "smtp_listen = [\"127.0.0.1:" smtp "\"]" }
    /^listen = / { $0 = "listen = \"127.0.0.1:" admin "\"" }
    /^smart_hosts = / { $0 = "smart_hosts = [\"127.0.0.1:" (connector == 1 ? live : dead) "\"]" }
    { print }' "$NODE_DIR/mailflow.toml" > "$CONFIG"

log "starting $BIN on $NODE_DIR/data (admin on 127.0.0.1:$ADMIN_PORT)"
RUST_LOG=${RUST_LOG:-warn} "$BIN" serve --config "$CONFIG" >> "$NODE_DIR/pages.log" 2>&1 &
MAILFLOW_PID=$!
wait_listening "$ADMIN_PORT" 120 || { tail -n 20 "$NODE_DIR/pages.log" >&2; die "the admin API did not start"; }
log "settling $SETTLE s (first probe of the dead hop, alert evaluation)"
sleep "$SETTLE"

echo "admin API of a node with $(curl -sf -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$ADMIN_PORT/api/v1/insights/to-dead" | jq -r '.queued') recipients waiting on to-dead;" \
    "$(nproc) CPUs; one client, requests in turn; REPEAT=${REPEAT:-30}"
BASE=http://127.0.0.1:$ADMIN_PORT TOKEN=$TOKEN python3 "$REPO/bench/pages.py"
