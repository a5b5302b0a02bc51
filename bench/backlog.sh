#!/usr/bin/env bash
# Deferred-backlog benchmark for mailflow (SPEC section 9, "Deferred backlog").
#
# One command, loopback only, bounded in time. One `mailflow serve` node with
# two connectors: `to-live` (domain live.test) whose smart host is a live
# smtp-sink, and `to-dead` (domain dead.test) whose smart host is a loopback
# port that refuses connections. In one run it:
#   1. measures fresh traffic: FRESH messages smtp-source -> mailflow ->
#      smtp-sink through `to-live` (msg/s until the sink has them all), once
#      with a connection per message (as bench/run.sh) and once reusing
#      connections (smtp-source -d, as the fill); the drain is compared with
#      the faster of the two;
#   2. fills the queue with N messages for dead.test (one recipient each), from
#      FILL_PROCS smtp-source processes in parallel, and times it;
#   3. measures the node while idle between retries (the retry schedule is
#      RETRY, so probes of the dead hop fail during the window): resident
#      memory (VmRSS, and VmHWM for the peak so far), CPU seconds over
#      IDLE_WINDOW seconds, failed probes seen, the store's size on disk;
#      then asks for the fixes on offer (GET /api/v1/fixes, whose previews
#      count the whole waiting queue) and times it and the memory after;
#   4. restarts it (SIGTERM, start again) and times until the SMTP port
#      greets with 220 and GET /api/v1/health answers;
#   5. brings the dead hop back (smtp-sink on its port), lets the next probe
#      find it (DRAIN=probe) or asks for a retry (DRAIN=api, POST
#      /api/v1/connectors/to-dead/retry), and measures msg/s until the sink has
#      counted N.
# It prints every figure and pass/fail against the SPEC's targets.
#
# Usage: bench/backlog.sh                 (from anywhere; builds mailflow --release)
#        N=20000 bench/backlog.sh         (a quick check)
# Knobs (environment): N (backlog messages, default 1000000), FRESH (fresh
# messages, default 20000), SIZE (payload bytes per message, default 1024),
# CONCURRENCY (smtp-source sessions for fresh traffic, default 20),
# FILL_PROCS (parallel smtp-source processes filling, default 2),
# FILL_SESSIONS (sessions per filling process, default 20), CONNECTIONS
# (max_connections of each connector, default 20), RETRY (the retry wait, a
# mailflow duration, default "30s"), IDLE_WINDOW (seconds, default 60),
# DRAIN (probe or api, default probe), TIME_LIMIT (seconds per phase, default
# 7200), SKIP_BUILD=1 to use the existing release build (under
# CARGO_TARGET_DIR when set; MAILFLOW_BIN names another binary), KEEP=1 to
# keep the work dir, UNTIL=fill to stop after the fill and keep the work dir
# (the filled node for bench/pages.sh), TMPDIR for the work dir (the store of
# N messages lives there: about 1.5 KB per message of SIZE 1024).
set -euo pipefail

N=${N:-1000000}
FRESH=${FRESH:-20000}
SIZE=${SIZE:-1024}
CONCURRENCY=${CONCURRENCY:-20}
FILL_PROCS=${FILL_PROCS:-2}
FILL_SESSIONS=${FILL_SESSIONS:-20}
CONNECTIONS=${CONNECTIONS:-20}
RETRY=${RETRY:-30s}
IDLE_WINDOW=${IDLE_WINDOW:-60}
DRAIN=${DRAIN:-probe}
TIME_LIMIT=${TIME_LIMIT:-7200}
SENDER=bob@example.test
LIVE_RCPT=alice@live.test
DEAD_RCPT=carol@dead.test
TOKEN=backlog-bench-token
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${MAILFLOW_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release/mailflow}
LOG_PREFIX=backlog
# shellcheck source=bench/common.sh
source "$REPO/bench/common.sh"
# Its lines carry the time of day: the run lasts many minutes.
log() { printf '[backlog %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
CLK_TCK=$(getconf CLK_TCK)

case $DRAIN in probe|api) ;; *) die "DRAIN must be probe or api, not $DRAIN" ;; esac
UNTIL=${UNTIL:-drain}
case $UNTIL in fill) KEEP=1 ;; drain) ;; *) die "UNTIL must be fill or drain, not $UNTIL" ;; esac

# ---------------------------------------------------------------- helpers
# (free_port, wait_listening, sink_count, cpu_ticks and the arithmetic: bench/common.sh)
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }          # kB -> MiB
mib_b() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }    # bytes -> MiB
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }

PIDS=()
WORK=
MAILFLOW_PID=
cleanup() {
    local pid
    if [ -n "$MAILFLOW_PID" ] && kill "$MAILFLOW_PID" 2>/dev/null; then
        # Its shutdown lets deliveries finish for up to 5 s; then it is killed.
        for _ in $(seq 1 150); do kill -0 "$MAILFLOW_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$MAILFLOW_PID" 2>/dev/null || true
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "$WORK" ]; then
        if [ "${KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_sink() {  # port output-file
    smtp-sink -u postfix -c "127.0.0.1:$1" 1000 > "$2" 2>&1 &
    PIDS+=($!)
    wait_listening "$1" 10 || { cat "$2" >&2; die "smtp-sink did not start on port $1"; }
}

# Waits until sink output $1 counts $2 messages, at most $3 seconds; prints
# the progress every 15 s. Returns 1 on timeout.
wait_sink() {
    local out=$1 want=$2 limit=$3 deadline next count
    deadline=$(( $(date +%s) + limit )); next=$(( $(date +%s) + 15 ))
    while :; do
        count=$(sink_count "$out")
        [ "$count" -ge "$want" ] && return 0
        [ "$(date +%s)" -lt "$deadline" ] || { log "timeout: the sink has $count of $want"; return 1; }
        if [ "$(date +%s)" -ge "$next" ]; then
            log "  sink has $count of $want (mailflow RSS $(mib "$(status_kb VmRSS)") MiB)"
            next=$(( $(date +%s) + 15 ))
        fi
        sleep 0.2
    done
}

# ---------------------------------------------------------------- the node
write_config() {  # dir smtp-port admin-port live-port dead-port
    cat > "$1/mailflow.toml" <<TOML
[server]
hostname = "relay.bench.test"
smtp_listen = ["127.0.0.1:$2"]
trusted_networks = ["127.0.0.0/8"]

[admin]
listen = "127.0.0.1:$3"
tokens = ["$TOKEN"]

[store]
path = "$1/data"

[queue]
retry = ["$RETRY"]

[[accepted_domains]]
name = "live.test"
type = "internal_relay"

[[accepted_domains]]
name = "dead.test"
type = "internal_relay"

[[connectors]]
name = "to-live"
kind = "on_premises"
recipient_domains = ["live.test"]
smart_hosts = ["127.0.0.1:$4"]
tls = "opportunistic"
max_connections = $CONNECTIONS

[[connectors]]
name = "to-dead"
kind = "on_premises"
recipient_domains = ["dead.test"]
smart_hosts = ["127.0.0.1:$5"]
tls = "opportunistic"
max_connections = $CONNECTIONS

[directory]
recipients = ["$LIVE_RCPT", "$DEAD_RCPT"]
TOML
}

start_mailflow() {
    RUST_LOG=${RUST_LOG:-warn} "$BIN" serve --config "$NODE/mailflow.toml" \
        >> "$NODE/mailflow.log" 2>&1 &
    MAILFLOW_PID=$!
}

status_kb() {  # VmRSS | VmHWM of mailflow, in kB
    awk -v k="$1:" '$1 == k { print $2 }' "/proc/$MAILFLOW_PID/status" 2>/dev/null || echo 0
}

store_bytes() { du -sb "$NODE/data" | cut -f1; }

api() {  # method path
    curl -sf -X "$1" -H "Authorization: Bearer $TOKEN" -H "X-Mailflow-Actor: bench" \
        "http://127.0.0.1:$ADMIN_PORT/api/v1$2"
}

queued_on() {  # connector: its pending recipients as the insights API counts them
    api GET "/insights/$1" | jq -r '.queued // 0' 2>/dev/null || echo "?"
}

failed_probes() { grep -c 'failed at connection level' "$NODE/mailflow.log" || true; }

greets() {  # port: the SMTP server answers with a 220 greeting
    local line
    line=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -c 3 <&3" 2>/dev/null) || return 1
    [ "$line" = 220 ]
}

health() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$ADMIN_PORT/api/v1/health"; }

# ---------------------------------------------------------------- phases
# One pass of fresh traffic to the live connector: smtp-source with extra
# flags $1, until the live sink has counted $2 in all. Prints the seconds.
fresh_pass() {
    local flags=$1 want=$2 start
    start=$(now)
    # shellcheck disable=SC2086 # flags are words
    timeout "$TIME_LIMIT" smtp-source $flags -s "$CONCURRENCY" -m "$FRESH" -l "$SIZE" \
        -f "$SENDER" -t "$LIVE_RCPT" "127.0.0.1:$SMTP_PORT" >&2 || die "smtp-source (fresh) failed"
    wait_sink "$WORK/live-sink.out" "$want" "$TIME_LIMIT" || die "fresh traffic did not arrive"
    elapsed "$start" "$(now)"
}

fresh_traffic() {
    log "1/5 fresh traffic: $FRESH messages smtp-source -> mailflow -> smtp-sink ($CONCURRENCY sessions), twice:"
    log "  a connection per message (as bench/run.sh), then connections reused (smtp-source -d, as the fill)"
    FRESH_S=$(fresh_pass "" "$FRESH")
    FRESH_RATE=$(rate "$FRESH" "$FRESH_S")
    FRESH_D_S=$(fresh_pass "-d" $(( 2 * FRESH )))
    FRESH_D_RATE=$(rate "$FRESH" "$FRESH_D_S")
    FRESH_BEST=$(printf '%s\n' "$FRESH_RATE" "$FRESH_D_RATE" | sort -n | tail -n 1)
    log "  fresh: $FRESH_RATE msg/s ($FRESH in $FRESH_S s); reusing connections $FRESH_D_RATE msg/s ($FRESH_D_S s)"
}

fill() {
    log "2/5 filling: $N messages for dead.test from $FILL_PROCS smtp-source x $FILL_SESSIONS sessions"
    local start i share rest pids=() failed=0 count
    share=$(( N / FILL_PROCS )); rest=$(( N - share * FILL_PROCS ))
    start=$(now)
    for i in $(seq 1 "$FILL_PROCS"); do
        count=$share; [ "$i" -eq 1 ] && count=$(( share + rest ))
        [ "$count" -gt 0 ] || continue
        timeout "$TIME_LIMIT" smtp-source -d -s "$FILL_SESSIONS" -m "$count" -l "$SIZE" \
            -f "$SENDER" -t "$DEAD_RCPT" "127.0.0.1:$SMTP_PORT" > "$WORK/fill-$i.out" 2>&1 &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i" || failed=1; done
    FILL_S=$(elapsed "$start" "$(now)")
    [ "$failed" = 0 ] || { tail -n 5 "$WORK"/fill-*.out >&2; die "smtp-source (fill) failed"; }
    FILL_RATE=$(rate "$N" "$FILL_S")
    FILL_HWM=$(status_kb VmHWM)
    QUEUED=$(queued_on to-dead)
    log "  filled: $N messages in $FILL_S s = $FILL_RATE msg/s; queued on to-dead: $QUEUED; peak RSS so far $(mib "$FILL_HWM") MiB"
    [ "$QUEUED" = "$N" ] || die "expected $N recipients queued on to-dead, the node says $QUEUED"
}

idle() {
    log "3/5 idle between retries: settling 10 s, then $IDLE_WINDOW s of measurement"
    sleep 10
    local t0 t1 p0 p1 c0 c1
    p0=$(failed_probes); c0=$(cpu_ticks "$MAILFLOW_PID"); t0=$(now)
    sleep "$IDLE_WINDOW"
    c1=$(cpu_ticks "$MAILFLOW_PID"); t1=$(now); p1=$(failed_probes)
    IDLE_S=$(elapsed "$t0" "$t1")
    IDLE_CPU=$(awk -v c="$(( c1 - c0 ))" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", c / t }')
    IDLE_PCT=$(awk -v c="$IDLE_CPU" -v s="$IDLE_S" 'BEGIN { printf "%.2f", 100 * c / s }')
    IDLE_PROBES=$(( p1 - p0 ))
    IDLE_RSS=$(status_kb VmRSS); IDLE_HWM=$(status_kb VmHWM)
    STORE_B=$(store_bytes)
    log "  idle: ${IDLE_CPU} CPU s in $IDLE_S s (${IDLE_PCT}% of one CPU), $IDLE_PROBES failed probes;" \
        "RSS $(mib "$IDLE_RSS") MiB, peak $(mib "$IDLE_HWM") MiB; store $(mib_b "$STORE_B") MiB"
    ls -l "$NODE/data" >&2
    look_at_fixes
}

# What an administrator's console asks during the outage: the fixes on
# offer, with their previews (counts of the whole waiting queue, and the
# unknown recipients that stopping relaying would bounce).
look_at_fixes() {
    local t0 offers
    t0=$(now)
    offers=$(api GET /fixes) || die "GET /fixes failed"
    FIXES_S=$(elapsed "$t0" "$(now)")
    FIXES_IDS=$(echo "$offers" | jq -r '[.[].id] | join(" ")')
    FIXES_BOUNCE=$(echo "$offers" | jq -r '[.[] | select(.id == "bounce-all:to-dead") | .preview.recipients_to_bounce][0]')
    FIXES_HWM=$(status_kb VmHWM)
    log "  GET /fixes answered in $FIXES_S s: $FIXES_IDS; bounce-all would fail $FIXES_BOUNCE; peak RSS $(mib "$FIXES_HWM") MiB"
}

restart() {
    log "4/5 restart: SIGTERM, start again, wait for the 220 greeting and /api/v1/health"
    local t0 t1 deadline smtp_at= api_at=
    t0=$(now)
    kill -TERM "$MAILFLOW_PID"
    deadline=$(( $(date +%s) + 120 ))
    while kill -0 "$MAILFLOW_PID" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || die "mailflow did not stop within 120 s of SIGTERM"
        sleep 0.05
    done
    wait "$MAILFLOW_PID" 2>/dev/null || true
    STOP_S=$(elapsed "$t0" "$(now)")
    t1=$(now)
    start_mailflow
    deadline=$(( $(date +%s) + 120 ))
    while [ -z "$smtp_at" ] || [ -z "$api_at" ]; do
        kill -0 "$MAILFLOW_PID" 2>/dev/null || { tail -n 20 "$NODE/mailflow.log" >&2; die "mailflow exited on restart"; }
        [ "$(date +%s)" -lt "$deadline" ] || die "mailflow was not serving within 120 s of its restart"
        [ -z "$smtp_at" ] && greets "$SMTP_PORT" && smtp_at=$(elapsed "$t1" "$(now)")
        [ -z "$api_at" ] && health && api_at=$(elapsed "$t1" "$(now)")
        sleep 0.05
    done
    SMTP_READY_S=$smtp_at; API_READY_S=$api_at
    RESTART_S=$(awk -v a="$smtp_at" -v b="$api_at" 'BEGIN { printf "%.3f", (a > b ? a : b) }')
    log "  stopped in $STOP_S s; serving again after $RESTART_S s (SMTP 220 after $SMTP_READY_S s, API after $API_READY_S s)"
    sleep 5
    AFTER_RESTART_RSS=$(status_kb VmRSS)
    log "  RSS 5 s after the restart: $(mib "$AFTER_RESTART_RSS") MiB"
}

drain() {
    log "5/5 drain: the dead hop comes back (smtp-sink on its port), trigger: $DRAIN"
    local out="$WORK/dead-sink.out" back first= c0 c1 deadline
    start_sink "$DEAD_PORT" "$out"
    back=$(now); c0=$(cpu_ticks "$MAILFLOW_PID")
    if [ "$DRAIN" = api ]; then
        api POST /connectors/to-dead/retry > /dev/null || die "POST /connectors/to-dead/retry failed"
        log "  retry asked for after $(elapsed "$back" "$(now)") s"
    fi
    deadline=$(( $(date +%s) + TIME_LIMIT ))
    while [ "$(sink_count "$out")" -eq 0 ]; do
        [ "$(date +%s)" -lt "$deadline" ] || die "nothing delivered within $TIME_LIMIT s"
        sleep 0.05
    done
    first=$(now)
    FIRST_S=$(elapsed "$back" "$first")
    log "  first message at the sink after $FIRST_S s"
    wait_sink "$out" "$N" "$TIME_LIMIT" || die "the backlog did not drain"
    local end; end=$(now); c1=$(cpu_ticks "$MAILFLOW_PID")
    DRAIN_S=$(elapsed "$first" "$end")
    DRAIN_RATE=$(rate "$N" "$DRAIN_S")
    DRAIN_TOTAL_S=$(elapsed "$back" "$end")
    DRAIN_CPU=$(awk -v c="$(( c1 - c0 ))" -v t="$CLK_TCK" 'BEGIN { printf "%.1f", c / t }')
    DRAIN_HWM=$(status_kb VmHWM)
    log "  drained $N in $DRAIN_S s from the first delivery = $DRAIN_RATE msg/s ($DRAIN_TOTAL_S s from the hop's return); $DRAIN_CPU CPU s"
}

# ---------------------------------------------------------------- main
main() {
    command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null \
        || die "smtp-source/smtp-sink missing (Postfix's tools; bench/run.sh installs them)"
    command -v curl >/dev/null && command -v jq >/dev/null || die "curl and jq are needed"
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        log "building mailflow (release)"
        (cd "$REPO" && cargo build --release -p mailflow >&2)
    fi
    [ -x "$BIN" ] || die "$BIN missing"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-backlog.XXXXXX")
    chmod 755 "$WORK"
    NODE=$WORK/node; mkdir -p "$NODE"
    SMTP_PORT=$(free_port); ADMIN_PORT=$(free_port "$SMTP_PORT")
    LIVE_PORT=$(free_port "$SMTP_PORT" "$ADMIN_PORT")
    DEAD_PORT=$(free_port "$SMTP_PORT" "$ADMIN_PORT" "$LIVE_PORT")
    write_config "$NODE" "$SMTP_PORT" "$ADMIN_PORT" "$LIVE_PORT" "$DEAD_PORT"
    log "N=$N FRESH=$FRESH SIZE=$SIZE RETRY=$RETRY IDLE_WINDOW=$IDLE_WINDOW DRAIN=$DRAIN; work dir $WORK ($(df -h --output=avail "$WORK" | tail -n 1 | tr -d ' ') free)"

    start_sink "$LIVE_PORT" "$WORK/live-sink.out"
    start_mailflow
    wait_listening "$SMTP_PORT" 30 || { tail -n 20 "$NODE/mailflow.log" >&2; die "mailflow did not start"; }
    wait_listening "$ADMIN_PORT" 30 || die "the admin API did not start"

    fresh_traffic
    fill
    if [ "$UNTIL" = fill ]; then
        log "stopping after the fill (UNTIL=fill); the node's config and data: $NODE"
        echo "$NODE"
        return
    fi
    idle
    restart
    drain

    local mem_peak mem_ok cpu_ok restart_ok drain_ok
    mem_peak=$(printf '%s\n' "$FILL_HWM" "$IDLE_HWM" "$FIXES_HWM" "$DRAIN_HWM" | sort -n | tail -n 1)
    mem_ok=$(awk -v k="$mem_peak" 'BEGIN { print (k < 512 * 1024) ? 1 : 0 }')
    cpu_ok=$(awk -v p="$IDLE_PCT" 'BEGIN { print (p < 2) ? 1 : 0 }')
    restart_ok=$(awk -v s="$RESTART_S" 'BEGIN { print (s <= 10) ? 1 : 0 }')
    drain_ok=$(awk -v d="$DRAIN_RATE" -v f="$FRESH_BEST" 'BEGIN { print (d >= f) ? 1 : 0 }')

    echo
    echo "deferred backlog of $N messages ($SIZE-byte payload) on 127.0.0.1 ($(nproc) CPUs), retry every $RETRY"
    echo "fill:     $FILL_S s ($FILL_RATE msg/s accepted, $FILL_PROCS x $FILL_SESSIONS smtp-source sessions)"
    echo "store:    $(mib_b "$STORE_B") MiB on disk ($(awk -v b="$STORE_B" -v n="$N" 'BEGIN { printf "%.0f", b / n }') bytes per queued message)"
    echo "memory:   RSS idle $(mib "$IDLE_RSS") MiB, after restart $(mib "$AFTER_RESTART_RSS") MiB;" \
         "peak $(mib "$FILL_HWM") MiB filling, $(mib "$FIXES_HWM") MiB after GET /fixes, $(mib "$DRAIN_HWM") MiB after restart and drain   (target < 512 MiB: $(verdict "$mem_ok"))"
    echo "fixes:    GET /api/v1/fixes in $FIXES_S s (bounce-all previews $FIXES_BOUNCE recipients); peak RSS $(mib "$FIXES_HWM") MiB after it"
    echo "idle CPU: $IDLE_CPU s over $IDLE_S s = $IDLE_PCT% of one CPU, $IDLE_PROBES failed probes in the window   (target: near idle, < 2%: $(verdict "$cpu_ok"))"
    echo "restart:  stop $STOP_S s; serving after $RESTART_S s (220 after $SMTP_READY_S s, health after $API_READY_S s)   (target <= 10 s: $(verdict "$restart_ok"))"
    echo "drain:    $DRAIN_RATE msg/s ($N in $DRAIN_S s after the first delivery, which came $FIRST_S s after the hop returned; $DRAIN_CPU CPU s)"
    echo "fresh:    $FRESH_RATE msg/s a connection per message ($FRESH in $FRESH_S s), $FRESH_D_RATE msg/s reusing connections ($FRESH_D_S s); $CONCURRENCY sessions"
    echo "drain / fresh = $(ratio "$DRAIN_RATE" "$FRESH_BEST")   (against the faster fresh figure; target >= 1: $(verdict "$drain_ok"))"
}

main "$@"
