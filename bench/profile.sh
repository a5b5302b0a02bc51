#!/usr/bin/env bash
# mailflow alone under smtp-source load, to see where its time goes.
#
# Loopback only, bounded in time. Starts smtp-sink and one `mailflow serve`
# (generated config in a temp dir, one connector whose smart host is the
# sink), sends N messages of SIZE bytes with smtp-source over CONCURRENCY
# sessions (a connection per message, as bench/run.sh), waits until the sink
# has them all, and prints the rates and mailflow's CPU time per message.
#
# Usage: bench/profile.sh             (uses target/release/mailflow; build it first)
# Knobs (environment):
#   N (20000), CONCURRENCY (20), SIZE (5120), CONNECTIONS (20, the
#   connector's max_connections), TIME_LIMIT (300 s);
#   HOP=dead     the connector's smart host refuses connections, so nothing
#                is delivered: acceptance alone (the hop is held after the
#                first failure);
#   REUSE=1      smtp-source reuses its connections (-d);
#   DATA=DIR     where the store lives (default: the work dir under TMPDIR;
#                /dev/shm shows what the disk's fsync costs);
#   PERF=FILE    records a CPU profile of mailflow with perf (call graphs by
#                DWARF; build with `cargo build --profile profiling -p mailflow`
#                and set BIN=target/profiling/mailflow for symbols);
#   BIN          the mailflow binary.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-20000}
CONCURRENCY=${CONCURRENCY:-20}
SIZE=${SIZE:-5120}
CONNECTIONS=${CONNECTIONS:-20}
TIME_LIMIT=${TIME_LIMIT:-300}
BIN=${BIN:-$REPO/target/release/mailflow}
LOG_PREFIX=profile
# shellcheck source=bench/common.sh
source "$REPO/bench/common.sh"

command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null \
    || die "smtp-source/smtp-sink missing (Postfix's tools; bench/run.sh installs them)"
[ -x "$BIN" ] || die "$BIN missing: cargo build --release -p mailflow"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-profile.XXXXXX")
DATA_DIR=${DATA:-$WORK}/data-$$
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK" "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SINK_PORT=$(free_port); SMTP_PORT=$(free_port "$SINK_PORT")
ADMIN_PORT=$(free_port "$SINK_PORT" "$SMTP_PORT")
HOP_PORT=$SINK_PORT
[ "${HOP:-}" = dead ] && HOP_PORT=$(free_port "$SINK_PORT" "$SMTP_PORT" "$ADMIN_PORT")

smtp-sink -u postfix -c "127.0.0.1:$SINK_PORT" 1000 > "$WORK/sink.out" 2>&1 &
PIDS+=($!)
wait_listening "$SINK_PORT" 5 || die "smtp-sink did not start"

cat > "$WORK/mailflow.toml" <<TOML
[server]
hostname = "relay.bench.test"
smtp_listen = ["127.0.0.1:$SMTP_PORT"]
trusted_networks = ["127.0.0.0/8"]

[admin]
listen = "127.0.0.1:$ADMIN_PORT"

[store]
path = "$DATA_DIR"

[[accepted_domains]]
name = "contoso.test"
type = "internal_relay"

[[connectors]]
name = "to-sink"
kind = "on_premises"
recipient_domains = ["contoso.test"]
smart_hosts = ["127.0.0.1:$HOP_PORT"]
tls = "opportunistic"
max_connections = $CONNECTIONS

[directory]
recipients = ["alice@contoso.test"]
TOML

RUST_LOG=${RUST_LOG:-warn} "$BIN" serve --config "$WORK/mailflow.toml" > "$WORK/mailflow.log" 2>&1 &
MAILFLOW=$!
PIDS+=("$MAILFLOW")
wait_listening "$SMTP_PORT" 30 || { tail -n 20 "$WORK/mailflow.log" >&2; die "mailflow did not start"; }

if [ -n "${PERF:-}" ]; then
    perf record -F 2000 -g --call-graph dwarf,16384 -o "$PERF" -p "$MAILFLOW" 2>/dev/null &
    PERF_PID=$!
    sleep 0.5
fi
reuse=()
[ "${REUSE:-0}" = 1 ] && reuse=(-d)
c0=$(cpu_ticks "$MAILFLOW"); t0=$(date +%s.%N)
timeout "$TIME_LIMIT" smtp-source "${reuse[@]}" -s "$CONCURRENCY" -m "$N" -l "$SIZE" \
    -f bob@example.test -t alice@contoso.test "127.0.0.1:$SMTP_PORT" || die "smtp-source failed"
t1=$(date +%s.%N)
t2=$t1
if [ "${HOP:-}" != dead ]; then
    deadline=$(( $(date +%s) + TIME_LIMIT ))
    while [ "$(sink_count "$WORK/sink.out")" -lt "$N" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || die "the sink has $(sink_count "$WORK/sink.out") of $N"
        sleep 0.02
    done
    t2=$(date +%s.%N)
fi
c1=$(cpu_ticks "$MAILFLOW")
if [ -n "${PERF:-}" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; fi

awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$N" -v t="$(( c1 - c0 ))" -v hz="$(getconf CLK_TCK)" \
    -v dead="${HOP:-}" 'BEGIN {
        printf "accepted %.0f msg/s", n / (b - a)
        if (dead != "dead") printf ", end-to-end %.0f msg/s", n / (c - a)
        printf "; mailflow %.3f CPU ms per message\n", 1000 * t / hz / n
    }'
