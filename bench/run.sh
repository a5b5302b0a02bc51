#!/usr/bin/env bash
# Relay throughput benchmark for mailflow (SPEC section 9, "Throughput").
#
# One command, loopback only, bounded in time. In the same run it sends the
# same traffic (N messages of 5 KB from Postfix's smtp-source) three ways and
# times each until the receiving smtp-sink has counted all N messages:
#   1. direct:   smtp-source -> smtp-sink
#   2. mailflow: smtp-source -> mailflow (durable queue) -> smtp-sink
#   3. postfix:  smtp-source -> private Postfix instance (relayhost) -> smtp-sink
# It prints messages/second for each and the ratios the SPEC sets targets for,
# mailflow's CPU seconds and peak memory per 10,000 messages, and its
# acceptance latency (final dot to 250, bench/latency.py) at half its peak rate.
#
# Usage: bench/run.sh            (from anywhere; builds mailflow --release)
# Knobs (environment): N (messages, default 5000), CONCURRENCY (smtp-source
# sessions, default 20), CONNECTIONS (outbound connections to the sink for
# mailflow and Postfix, default 20), TIME_LIMIT (seconds per scenario, default 300),
# LATENCY_N (messages of the latency run, default 5000),
# SKIP_POSTFIX=1 to leave the Postfix scenario out, SKIP_BUILD=1 to use the
# existing target/release/mailflow, TMPDIR for the work dir (queues, data).
set -euo pipefail

N=${N:-5000}
CONCURRENCY=${CONCURRENCY:-20}
CONNECTIONS=${CONNECTIONS:-20}
TIME_LIMIT=${TIME_LIMIT:-300}
LATENCY_N=${LATENCY_N:-5000}
SIZE=5120
SENDER=bob@example.test
RECIPIENT=alice@contoso.test
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOG_PREFIX=bench
# shellcheck source=bench/common.sh
source "$REPO/bench/common.sh"

# ---------------------------------------------------------------- tools
ensure_postfix_tools() {
    if command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null \
        && command -v postfix >/dev/null; then
        return
    fi
    [ "$(id -u)" -eq 0 ] || die "smtp-source/smtp-sink missing; run as root or: apt-get install postfix"
    log "installing postfix (for smtp-source, smtp-sink and the comparison instance)"
    local added_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # Keep the package's maintainer scripts from starting the system service.
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        added_policy=1
    fi
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >&2 \
        || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >&2; }
    [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d
    stop_system_postfix
}

# The system Postfix must not run on port 25 because of this script.
stop_system_postfix() {
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now postfix >/dev/null 2>&1 || true
    fi
    if [ -f /etc/postfix/main.cf ] && postfix status >/dev/null 2>&1; then
        postfix stop >/dev/null 2>&1 || true
    fi
}

# Scenarios run in command substitutions (subshells), so what they start is
# remembered in a file that the clean-up reads.
PID_FILE=
remember() { echo "$1" >> "$PID_FILE"; }
WORK=
cleanup() {
    local pid
    if [ -n "$PID_FILE" ] && [ -f "$PID_FILE" ]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$PID_FILE"
        while read -r pid; do
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
        done < "$PID_FILE"
    fi
    # The Postfix instance is started in a subshell too: its directory is
    # remembered next to the pids.
    if [ -n "$WORK" ] && [ -f "$WORK/postfix.dir" ]; then
        local postfix_dir
        postfix_dir=$(cat "$WORK/postfix.dir")
        if [ -f "$postfix_dir/etc/main.cf" ]; then
            postfix -c "$postfix_dir/etc" stop >/dev/null 2>&1 || true
        fi
    fi
    [ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_sink() {  # port output-file
    smtp-sink -u postfix -c "127.0.0.1:$1" 1000 > "$2" 2>&1 &
    remember $!
    wait_listening "$1" 5 || die "smtp-sink did not start on port $1"
}

# Sends the traffic to port $1 and waits until sink output $2 counts N.
# Prints "<total seconds> <acceptance seconds>" or "timeout ...".
send_and_wait() {
    local port=$1 sink_out=$2 start accepted deadline
    start=$(now)
    timeout "$TIME_LIMIT" smtp-source -s "$CONCURRENCY" -m "$N" -l "$SIZE" \
        -f "$SENDER" -t "$RECIPIENT" "127.0.0.1:$port" >&2 \
        || { echo "timeout smtp-source-failed"; return; }
    accepted=$(now)
    deadline=$(( $(date +%s) + TIME_LIMIT ))
    while [ "$(sink_count "$sink_out")" -lt "$N" ]; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "timeout $(sink_count "$sink_out")"; return
        fi
        sleep 0.02
    done
    echo "$(elapsed "$start" "$(now)") $(elapsed "$start" "$accepted")"
}

# ---------------------------------------------------------------- scenarios
run_direct() {
    local sink_port out
    sink_port=$(free_port); out="$WORK/direct-sink.out"
    start_sink "$sink_port" "$out"
    send_and_wait "$sink_port" "$out"
}

write_mailflow_config() {  # dir smtp-port admin-port sink-port
    cat > "$1/mailflow.toml" <<TOML
[server]
hostname = "relay.bench.test"
smtp_listen = ["127.0.0.1:$2"]
trusted_networks = ["127.0.0.0/8"]

[admin]
listen = "127.0.0.1:$3"

[store]
path = "$1/data"

[[accepted_domains]]
name = "contoso.test"
type = "internal_relay"

[[connectors]]
name = "to-sink"
kind = "on_premises"
recipient_domains = ["contoso.test"]
smart_hosts = ["127.0.0.1:$4"]
tls = "opportunistic"
max_connections = $CONNECTIONS

[directory]
recipients = ["$RECIPIENT"]
TOML
}

run_mailflow() {
    local dir="$WORK/mailflow" sink_port smtp_port admin_port out
    mkdir -p "$dir"
    sink_port=$(free_port); smtp_port=$(free_port "$sink_port")
    admin_port=$(free_port "$sink_port" "$smtp_port")
    out="$dir/sink.out"
    start_sink "$sink_port" "$out"
    write_mailflow_config "$dir" "$smtp_port" "$admin_port" "$sink_port"
    RUST_LOG=${RUST_LOG:-warn} "$REPO/target/release/mailflow" serve --config "$dir/mailflow.toml" \
        > "$dir/mailflow.log" 2>&1 &
    local pid=$!
    remember "$pid"
    wait_listening "$smtp_port" 30 || { tail -n 20 "$dir/mailflow.log" >&2; die "mailflow did not start"; }
    local cpu_before result
    cpu_before=$(cpu_ticks "$pid")
    result=$(send_and_wait "$smtp_port" "$out")
    # What the node spent on this run: CPU seconds and its peak resident set.
    awk -v t="$(( $(cpu_ticks "$pid") - cpu_before ))" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.2f", t / hz }' > "$WORK/mailflow.cpu"
    awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status" > "$WORK/mailflow.hwm"
    echo "$smtp_port" > "$WORK/mailflow.port"
    echo "$result"
}

# Acceptance latency (final dot to 250) on the running mailflow node at
# half of the rate it reached end to end.
run_latency() {  # end-to-end msg/s
    local rate
    rate=$(awk -v r="$1" 'BEGIN { if (r ~ /^[0-9.]+$/) printf "%.0f", r / 2; else print "" }')
    [ -n "$rate" ] && [ "$rate" -gt 0 ] || { echo "n/a (no mailflow rate)"; return; }
    timeout "$TIME_LIMIT" python3 "$REPO/bench/latency.py" 127.0.0.1 "$(cat "$WORK/mailflow.port")" \
        "$rate" "$LATENCY_N" --size "$SIZE" --connections "$CONCURRENCY" \
        --sender "$SENDER" --recipient "$RECIPIENT" || echo "(latency run failed)"
}

write_postfix_config() {  # dir smtp-port sink-port
    local dir=$1
    cat > "$dir/etc/main.cf" <<CF
compatibility_level = 3.6
config_directory = $dir/etc
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = relay.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = contoso.test
relayhost = [127.0.0.1]:$3
smtp_tls_security_level = may
smtpd_tls_security_level = none
default_destination_concurrency_limit = $CONNECTIONS
smtp_destination_concurrency_limit = $CONNECTIONS
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_relay_restrictions = permit_mynetworks, reject
local_recipient_maps =
biff = no
CF
    # The stock services, without chroot (the queue lives in a temp dir),
    # with smtpd on the benchmark's port instead of 25.
    cat > "$dir/etc/master.cf" <<CF
127.0.0.1:$2 inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
}

run_postfix() {
    local dir="$WORK/postfix" sink_port smtp_port out
    mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
    sink_port=$(free_port); smtp_port=$(free_port "$sink_port")
    out="$dir/sink.out"
    start_sink "$sink_port" "$out"
    write_postfix_config "$dir" "$smtp_port" "$sink_port"
    chown postfix "$dir/data"
    echo "$dir" > "$WORK/postfix.dir"
    if ! postfix -c "$dir/etc" start >"$dir/start.log" 2>&1; then
        cat "$dir/start.log" >&2
        echo "unavailable private-instance-did-not-start"; return
    fi
    if ! wait_listening "$smtp_port" 15; then
        cat "$dir/start.log" "$dir/maillog" >&2 2>/dev/null || true
        echo "unavailable smtpd-not-listening"; return
    fi
    send_and_wait "$smtp_port" "$out"
}

# ---------------------------------------------------------------- main
report_line() {  # name result
    local name=$1 result=$2 total accept
    read -r total accept <<<"$result"
    case $total in
        timeout|unavailable) printf '%-10s %s (%s)\n' "$name" "$total" "$accept"; echo "n/a" ;;
        *) printf '%-10s %6s msg/s end-to-end  (%s s for %s messages; smtp-source done after %s s: %s msg/s accepted)\n' \
               "$name" "$(rate "$N" "$total")" "$total" "$N" "$accept" "$(rate "$N" "$accept")"
           rate "$N" "$total" ;;
    esac
}

main() {
    ensure_postfix_tools
    stop_system_postfix
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        log "building mailflow (release)"
        (cd "$REPO" && cargo build --release -p mailflow >&2)
    fi
    [ -x "$REPO/target/release/mailflow" ] || die "target/release/mailflow missing"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench.XXXXXX")
    chmod 755 "$WORK"
    PID_FILE="$WORK/pids"
    log "N=$N messages of $SIZE bytes, $CONCURRENCY smtp-source sessions, $CONNECTIONS outbound connections, work dir $WORK"

    log "1/3 direct: smtp-source -> smtp-sink"
    local direct mailflow postfix
    direct=$(run_direct)
    log "2/3 mailflow: smtp-source -> mailflow -> smtp-sink"
    mailflow=$(run_mailflow)
    local latency
    log "    latency: $LATENCY_N messages at half of mailflow's rate"
    latency=$(run_latency "$(rate "$N" "$(echo "$mailflow" | cut -d' ' -f1)")")
    if [ "${SKIP_POSTFIX:-0}" = 1 ]; then
        postfix="unavailable skipped"
    else
        log "3/3 postfix: smtp-source -> private postfix -> smtp-sink"
        postfix=$(run_postfix)
    fi

    local lines rd rm rp
    echo
    echo "relaying $N messages of 5 KB on 127.0.0.1 ($(nproc) CPUs)"
    lines=$(report_line direct "$direct"); echo "$lines" | head -n 1; rd=$(echo "$lines" | tail -n 1)
    lines=$(report_line mailflow "$mailflow"); echo "$lines" | head -n 1; rm=$(echo "$lines" | tail -n 1)
    lines=$(report_line postfix "$postfix"); echo "$lines" | head -n 1; rp=$(echo "$lines" | tail -n 1)
    echo "mailflow / postfix = $(ratio "$rm" "$rp")   (SPEC target: >= 5)"
    echo "mailflow / direct  = $(ratio "$rm" "$rd")   (SPEC target: >= 0.5)"
    if [ -s "$WORK/mailflow.cpu" ]; then
        echo "mailflow per 10,000 messages: $(awk -v c="$(cat "$WORK/mailflow.cpu")" -v n="$N" \
            'BEGIN { printf "%.2f", c * 10000 / n }') CPU seconds; peak resident memory $(cat "$WORK/mailflow.hwm") MB"
    fi
    echo "mailflow latency at half of its peak: $latency   (SPEC target: p99 < 10 ms)"
}

main "$@"
