#!/usr/bin/env bash
# SPEC section 9 as it asks: each system at its best load out of 20, 50 and
# 100 smtp-source sessions (peak against peak), one message per connection,
# as medians over several rounds; the ratios of those peaks; and each
# mailflow back end's acceptance latency offered open loop at half of its
# peak.
#
# Why: mailflow makes each group of messages durable with one commit, so
# the more sessions wait for a commit together, the more messages share
# it; Postfix syncs a queue file per message, and smtp-source and smtp-sink
# lose to the shared CPUs with more sessions. How the systems compare
# therefore depends on the load, and each is taken at its own best.
#
# A round is one run of bench/run.sh at each number of sessions (direct,
# mailflow on its embedded store, mailflow on PostgreSQL and Postfix, the
# same traffic one after the other; the order of the session counts is
# reversed every other round, as the machine's speed drifts). After the
# rounds, each mailflow back end's median at its best number of sessions is
# its peak, and bench/latency.py offers half of it to a fresh node, once per
# round, over as many connections as that best number of sessions.
#
# Usage: bench/sweep.sh          (builds mailflow --release once)
# Knobs (environment): SESSIONS (default "20 50 100"; above 100 the
# comparison measures the Postfix instance's stock limit of 100 smtpd
# processes rather than its queue), ROUNDS (default 3), N (messages per
# run, default 20000), LATENCY_N (messages per latency run, default 10000),
# END_BY (a time `date -d` reads, e.g. 23:40: a round starts only if the
# longest round so far and the latency runs still fit before it; a latency
# run only if it fits), and those of bench/run.sh (CONNECTIONS, TIME_LIMIT,
# SKIP_POSTFIX, SKIP_POSTGRES, DATABASE_URL, PG_MAX_CONNECTIONS, PG_STATS,
# SKIP_BUILD, CARGO_TARGET_DIR, MAILFLOW_BIN, TMPDIR). Each run's whole
# output is kept in the directory printed at the end, with the report.
set -euo pipefail

SESSIONS=${SESSIONS:-20 50 100}
ROUNDS=${ROUNDS:-3}
export N=${N:-20000}
export LATENCY_N=${LATENCY_N:-10000}
END_BY=${END_BY:-}
SYSTEMS="direct mailflow mailflow-pg postfix"
[ "${SKIP_POSTFIX:-0}" = 1 ] && SYSTEMS=$(echo " $SYSTEMS " | sed 's/ postfix / /')
[ "${SKIP_POSTGRES:-0}" = 1 ] && SYSTEMS=$(echo " $SYSTEMS " | sed 's/ mailflow-pg / /')
SYSTEMS=$(echo $SYSTEMS)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_PREFIX=sweep
# shellcheck source=bench/common.sh
source "$REPO/bench/common.sh"

for sessions in $SESSIONS; do
    case $sessions in ''|*[!0-9]*) die "SESSIONS must be numbers, got '$sessions'" ;; esac
done
case $ROUNDS in ''|*[!0-9]*|0) die "ROUNDS must be a number from 1, got '$ROUNDS'" ;; esac
case $N in ''|*[!0-9]*|0) die "N must be a number from 1, got '$N'" ;; esac
END_AT=
if [ -n "$END_BY" ]; then
    END_AT=$(date -d "$END_BY" +%s) || die "END_BY: not a time date reads: '$END_BY'"
    [ "$END_AT" -gt "$(date +%s)" ] || die "END_BY ($END_BY) has passed"
fi
OUT=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-sweep.XXXXXX")

# ---------------------------------------------------------------- figures
# The end-to-end rate of system $2 in run output $1 ("" when none).
rate_of() { [ -f "$1" ] && awk -v name="$2" '$1 == name && $3 == "msg/s" { print $2 }' "$1"; return 0; }
# The node's CPU seconds per 10,000 messages (and PostgreSQL's, after a +).
cpu_of() {
    [ -f "$1" ] && awk -v name="$2" '$1 == name && $2 == "per" && $3 == "10,000" {
        pg = ""; if (match($0, /PostgreSQL server processes: [0-9.]+/)) pg = "+" substr($0, RSTART + 29, RLENGTH - 29)
        print $5 pg }' "$1"
    return 0
}
# What the database did per message in run output $1, and by table.
database_of() { [ -f "$1" ] && sed -n 's/^mailflow-pg database per message: //p' "$1"; return 0; }
tables_of() { [ -f "$1" ] && sed -n 's/^mailflow-pg rows per message by table (inserted\/updated\/deleted): //p' "$1"; return 0; }
# Field $2 ("p50", "p99", "reached") of the latency line of system $3 in $1.
latency_of() {
    [ -f "$1" ] && awk -v name="$3" -v field="$2" '$1 == name && $2 == "latency:" {
        for (i = 3; i < NF; i++) if ($i == field) { v = $(i + 1); sub(/[^0-9.]+$/, "", v); print v } }' "$1"
    return 0
}
# The median of the numbers among the arguments ("n/a" when none).
median() {
    printf '%s\n' "$@" | awk '/^[0-9.]+$/' | sort -g | awk '
        { v[NR] = $1 } END {
            if (NR == 0) print "n/a"
            else if (NR % 2) print v[(NR + 1) / 2]
            else { m = (v[NR / 2] + v[NR / 2 + 1]) / 2; if (m == int(m)) print m; else printf "%.2f\n", m } }'
}
# "min-max" of the numbers among the arguments.
range() {
    printf '%s\n' "$@" | awk '/^[0-9.]+$/' | sort -g | awk '
        NR == 1 { lo = $1 } { hi = $1 } END { if (NR > 1) printf "%s-%s", lo, hi; else if (NR) print lo }'
}
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 >= b) }'; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a + 0 < b) }'; }
verdict() { if "$@"; then echo met; else echo "not met"; fi; }

# ---------------------------------------------------------------- runs
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building mailflow (release)"
    (cd "$REPO" && cargo build --release -p mailflow >&2)
fi
export SKIP_BUILD=1

STARTED=$(date +%s)
log "N=$N, sessions $SESSIONS, $ROUNDS rounds, systems: $SYSTEMS${END_BY:+, to end by $END_BY}; output in $OUT"

# The seconds the latency runs of $1 more rounds would take, at half of
# the best rate each back end has reached so far (15 s each to start a
# node and stop it).
latency_reserve() {
    local rounds=$1 system sessions best total=0 r
    for system in mailflow mailflow-pg; do
        case " $SYSTEMS " in *" $system "*) ;; *) continue ;; esac
        best=0
        for r in $(seq 1 "$ROUNDS_DONE"); do
            for sessions in $SESSIONS; do
                best=$(awk -v a="$best" -v b="$(rate_of "$OUT/$r-$sessions.out" "$system")" \
                    'BEGIN { print (b ~ /^[0-9.]+$/ && b + 0 > a) ? b : a }')
            done
        done
        total=$(awk -v t="$total" -v n="$LATENCY_N" -v best="$best" -v k="$rounds" \
            'BEGIN { printf "%.0f", t + k * ((best > 0 ? n / (best / 2) : 60) + 15) }')
    done
    echo "$total"
}

ROUNDS_DONE=0
LONGEST=0
for round in $(seq 1 "$ROUNDS"); do
    if [ -n "$END_AT" ] && [ "$round" -gt 1 ]; then
        needed=$(( LONGEST + $(latency_reserve $((round))) ))
        if [ $(( $(date +%s) + needed )) -gt "$END_AT" ]; then
            log "round $round would not end by $END_BY (a round took up to ${LONGEST} s): stopping after $ROUNDS_DONE"
            break
        fi
    fi
    order=$SESSIONS
    [ $((round % 2)) = 0 ] && order=$(echo $SESSIONS | tr ' ' '\n' | tac | tr '\n' ' ')
    round_start=$(date +%s)
    for sessions in $order; do
        log "round $round of $ROUNDS: $sessions smtp-source sessions"
        CONCURRENCY=$sessions LATENCY_RATE=0 SYSTEMS=$SYSTEMS "$REPO/bench/run.sh" \
            > "$OUT/$round-$sessions.out" 2> "$OUT/$round-$sessions.log" \
            || { tail -n 20 "$OUT/$round-$sessions.log" >&2; log "bench/run.sh failed at $sessions sessions (round $round); its figures are left out"; }
    done
    took=$(( $(date +%s) - round_start ))
    [ "$took" -gt "$LONGEST" ] && LONGEST=$took
    ROUNDS_DONE=$round
    log "round $round took $took s ($(( $(date +%s) - STARTED )) s so far)"
done

# Medians over the rounds, and each system's best number of sessions.
declare -A MEDIAN=() PEAK=() PEAK_AT=()
for system in $SYSTEMS; do
    PEAK[$system]=n/a; PEAK_AT[$system]=
    for sessions in $SESSIONS; do
        values=()
        for r in $(seq 1 "$ROUNDS_DONE"); do values+=("$(rate_of "$OUT/$r-$sessions.out" "$system")"); done
        MEDIAN[$system,$sessions]=$(median "${values[@]}")
        if at_least "${MEDIAN[$system,$sessions]}" 0 \
            && ! at_least "${PEAK[$system]}" "${MEDIAN[$system,$sessions]}"; then
            PEAK[$system]=${MEDIAN[$system,$sessions]}; PEAK_AT[$system]=$sessions
        fi
    done
done

# The latency at half of each mailflow back end's peak, on a fresh node,
# once per round done, the back ends taking turns.
declare -A LAT_RUNS=()
for r in $(seq 1 "$ROUNDS_DONE"); do
    for system in mailflow mailflow-pg; do
        case " $SYSTEMS " in *" $system "*) ;; *) continue ;; esac
        at_least "${PEAK[$system]}" 1 || continue
        rate=$(awk -v p="${PEAK[$system]}" 'BEGIN { printf "%.0f", p / 2 }')
        if [ -n "$END_AT" ] && [ "$r" -gt 1 ] \
            && [ $(( $(date +%s) + LATENCY_N / rate + 15 )) -gt "$END_AT" ]; then
            log "latency run $r of $system would not end by $END_BY: left out"
            continue
        fi
        log "latency $r of $ROUNDS_DONE: $system, $LATENCY_N messages at $rate msg/s over ${PEAK_AT[$system]} connections"
        CONCURRENCY=${PEAK_AT[$system]} LATENCY_ONLY=1 LATENCY_RATE=$rate SYSTEMS=$system \
            "$REPO/bench/run.sh" > "$OUT/latency-$r-$system.out" 2> "$OUT/latency-$r-$system.log" \
            || { tail -n 20 "$OUT/latency-$r-$system.log" >&2; log "latency run of $system failed"; }
        LAT_RUNS[$system]="${LAT_RUNS[$system]:-} $r"
    done
done
FINISHED=$(date +%s)

# ---------------------------------------------------------------- report
report() {
    local system sessions r
    echo "relaying $N messages of 5 KB on 127.0.0.1 ($(nproc) CPUs), one message per connection;"
    echo "$ROUNDS_DONE round(s) of $ROUNDS, $(date -u -d "@$STARTED" '+%Y-%m-%d %H:%M')-$(date -u -d "@$FINISHED" '+%H:%M') UTC, $((FINISHED - STARTED)) s in all"
    echo
    echo "end-to-end msg/s, each round (every second round ran its session counts in reverse order):"
    printf '%6s %8s' round sessions
    for system in $SYSTEMS; do printf ' %11s' "$system"; done
    echo
    for r in $(seq 1 "$ROUNDS_DONE"); do
        for sessions in $SESSIONS; do
            printf '%6s %8s' "$r" "$sessions"
            for system in $SYSTEMS; do
                local v; v=$(rate_of "$OUT/$r-$sessions.out" "$system"); printf ' %11s' "${v:-n/a}"
            done
            echo
        done
    done
    echo
    echo "median of the rounds (range), and each system's peak:"
    printf '%-12s' system
    for sessions in $SESSIONS; do printf ' %22s' "$sessions sessions"; done
    printf ' %18s\n' "peak (sessions)"
    for system in $SYSTEMS; do
        printf '%-12s' "$system"
        for sessions in $SESSIONS; do
            local values=()
            for r in $(seq 1 "$ROUNDS_DONE"); do values+=("$(rate_of "$OUT/$r-$sessions.out" "$system")"); done
            printf ' %22s' "${MEDIAN[$system,$sessions]} ($(range "${values[@]}"))"
        done
        printf ' %18s\n' "${PEAK[$system]} (${PEAK_AT[$system]:-n/a})"
    done
    echo
    echo "peak against peak:"
    local m=${PEAK[mailflow]:-n/a} pg=${PEAK[mailflow-pg]:-n/a} d=${PEAK[direct]:-n/a} p=${PEAK[postfix]:-n/a}
    if [[ " $SYSTEMS " == *" mailflow "* ]]; then
        echo "  mailflow / postfix     = $(ratio "$m" "$p")   (SPEC target >= 5: $(verdict at_least "$(ratio "$m" "$p")" 5))"
        echo "  mailflow / direct      = $(ratio "$m" "$d")   (SPEC target >= 0.5: $(verdict at_least "$(ratio "$m" "$d")" 0.5))"
    fi
    if [[ " $SYSTEMS " == *" mailflow-pg "* ]]; then
        echo "  mailflow-pg / postfix  = $(ratio "$pg" "$p")   (issue 24 target >= 2: $(verdict at_least "$(ratio "$pg" "$p")" 2))"
        echo "  mailflow-pg / direct   = $(ratio "$pg" "$d")"
        echo "  mailflow-pg / mailflow = $(ratio "$pg" "$m")"
    fi
    echo
    echo "acceptance latency, final dot to 250, offered open loop at half of each back end's peak (ms; median of the runs, range):"
    for system in mailflow mailflow-pg; do
        [ -n "${LAT_RUNS[$system]:-}" ] || continue
        local p50=() p99=() reached=()
        for r in ${LAT_RUNS[$system]}; do
            p50+=("$(latency_of "$OUT/latency-$r-$system.out" p50 "$system")")
            p99+=("$(latency_of "$OUT/latency-$r-$system.out" p99 "$system")")
            reached+=("$(latency_of "$OUT/latency-$r-$system.out" reached "$system")")
        done
        local median99; median99=$(median "${p99[@]}")
        printf '  %-12s %s msg/s offered over %s connections (reached %s), runs: %s, p50 %s (%s), p99 %s (%s)   (SPEC target p99 < 10 ms: %s)\n' \
            "$system" "$(awk -v p="${PEAK[$system]}" 'BEGIN { printf "%.0f", p / 2 }')" "${PEAK_AT[$system]}" \
            "$(median "${reached[@]}")" "$(echo ${LAT_RUNS[$system]} | wc -w)" \
            "$(median "${p50[@]}")" "$(range "${p50[@]}")" "$median99" "$(range "${p99[@]}")" \
            "$(verdict below "$median99" 10)"
    done
    echo
    echo "CPU seconds per 10,000 messages (node, + PostgreSQL's server processes), median of the rounds:"
    for system in mailflow mailflow-pg; do
        case " $SYSTEMS " in *" $system "*) ;; *) continue ;; esac
        printf '  %-12s' "$system"
        for sessions in $SESSIONS; do
            local node=() server=() v
            for r in $(seq 1 "$ROUNDS_DONE"); do
                v=$(cpu_of "$OUT/$r-$sessions.out" "$system"); node+=("${v%%+*}")
                case $v in *+*) server+=("${v#*+}") ;; esac
            done
            v=$(median "${node[@]}")
            [ ${#server[@]} -gt 0 ] && v="$v + $(median "${server[@]}")"
            printf '  %s sessions: %s' "$sessions" "$v"
        done
        echo
    done
    if [[ " $SYSTEMS " == *" mailflow-pg "* ]]; then
        echo
        echo "mailflow-pg, what the database did per message (each round):"
        for sessions in $SESSIONS; do
            for r in $(seq 1 "$ROUNDS_DONE"); do
                echo "  $sessions sessions, round $r: $(database_of "$OUT/$r-$sessions.out")"
                echo "      rows by table (inserted/updated/deleted): $(tables_of "$OUT/$r-$sessions.out")"
            done
        done
    fi
    echo
    echo "(each run's output in $OUT)"
}

echo
report | tee "$OUT/report.txt"
