#!/usr/bin/env bash
# The throughput benchmark (bench/run.sh) at several numbers of concurrent
# smtp-source sessions, one after the other, a table of what each reached,
# and how many runs met each target.
#
# Why: mailflow makes each group of messages durable with one commit, so
# the more sessions wait for a commit together, the more messages share
# it; Postfix syncs a queue file per message. How the two compare therefore
# depends on the load, and bench/run.sh alone measures one load. Each row
# is a whole run of bench/run.sh: direct, mailflow and Postfix with the same
# traffic, one after the other, and mailflow's latency at half its rate.
#
# Usage: bench/sweep.sh          (builds mailflow --release once)
# Knobs (environment): SESSIONS (default "20 50 100"; above 100 the
# comparison measures the Postfix instance's stock limit of 100 smtpd
# processes rather than its queue), ROUNDS (default 1: how many times the
# whole sweep runs; the machine's speed drifts, so one run says little),
# and those of
# bench/run.sh (N, CONNECTIONS, TIME_LIMIT, LATENCY_N, SKIP_POSTFIX,
# SKIP_BUILD, TMPDIR). Each run's whole output is kept in the directory
# printed at the end.
set -euo pipefail

SESSIONS=${SESSIONS:-20 50 100}
ROUNDS=${ROUNDS:-1}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_PREFIX=sweep
# shellcheck source=bench/common.sh
source "$REPO/bench/common.sh"

# The figure after "NAME " on the line that starts with NAME in run output $1.
rate_of() { awk -v name="$2" '$1 == name && $3 == "msg/s" { print $2 }' "$1"; }
ratio_of() { awk -v name="$2" '$1 == "mailflow" && $3 == name { print $5 }' "$1"; }
p99_of() { grep -o 'p99 [0-9.]*' "$1" | cut -d' ' -f2; }
# Whether figure $1 is a number at least (below) $2; "n/a" is neither.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 >= b) }'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 < b) }'; }

for sessions in $SESSIONS; do
    case $sessions in ''|*[!0-9]*) die "SESSIONS must be numbers, got '$sessions'" ;; esac
done
case $ROUNDS in ''|*[!0-9]*|0) die "ROUNDS must be a number from 1, got '$ROUNDS'" ;; esac
OUT=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-sweep.XXXXXX")

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building mailflow (release)"
    (cd "$REPO" && cargo build --release -p mailflow >&2)
fi

for round in $(seq 1 "$ROUNDS"); do
    for sessions in $SESSIONS; do
        log "round $round of $ROUNDS: $sessions smtp-source sessions"
        CONCURRENCY=$sessions SKIP_BUILD=1 "$REPO/bench/run.sh" \
            > "$OUT/$round-$sessions.out" 2> "$OUT/$round-$sessions.log" \
            || { tail -n 20 "$OUT/$round-$sessions.log" >&2; die "bench/run.sh failed at $sessions sessions"; }
    done
done

echo
echo "relaying ${N:-5000} messages of 5 KB on 127.0.0.1 ($(nproc) CPUs), msg/s end to end"
printf '%6s %8s %8s %8s %8s %10s %10s %8s\n' round sessions direct mailflow postfix 'm/postfix' 'm/direct' 'p99 ms'
for round in $(seq 1 "$ROUNDS"); do
    for sessions in $SESSIONS; do
        out="$OUT/$round-$sessions.out"
        printf '%6s %8s %8s %8s %8s %10s %10s %8s\n' "$round" "$sessions" \
            "$(rate_of "$out" direct)" "$(rate_of "$out" mailflow)" "$(rate_of "$out" postfix)" \
            "$(ratio_of "$out" postfix)" "$(ratio_of "$out" direct)" "$(p99_of "$out")"
    done
done
echo
echo "runs meeting each SPEC target (m/postfix >= 5, m/direct >= 0.5, p99 < 10 ms):"
for sessions in $SESSIONS; do
    postfix=0 direct=0 latency=0
    for round in $(seq 1 "$ROUNDS"); do
        out="$OUT/$round-$sessions.out"
        at_least "$(ratio_of "$out" postfix)" 5 && postfix=$((postfix + 1))
        at_least "$(ratio_of "$out" direct)" 0.5 && direct=$((direct + 1))
        below "$(p99_of "$out")" 10 && latency=$((latency + 1))
    done
    printf '%8s sessions: 5x Postfix %s of %s, half of direct %s of %s, p99 %s of %s\n' \
        "$sessions" "$postfix" "$ROUNDS" "$direct" "$ROUNDS" "$latency" "$ROUNDS"
done
echo "(each run's output in $OUT)"
