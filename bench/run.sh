#!/usr/bin/env bash
# Relay throughput benchmark for mailflow (SPEC section 9, "Throughput").
#
# One command, loopback only, bounded in time. In the same run it sends the
# same traffic (N messages of 5 KB from Postfix's smtp-source, one message
# per connection) four ways, one after the other, and times each until the
# receiving smtp-sink has counted all N messages:
#   1. direct:      smtp-source -> smtp-sink
#   2. mailflow:    smtp-source -> mailflow (embedded store) -> smtp-sink
#   3. mailflow-pg: smtp-source -> mailflow on PostgreSQL ([store] url, a
#                   database of its own created for the run and dropped
#                   after it) -> smtp-sink
#   4. postfix:     smtp-source -> private Postfix instance (relayhost) -> smtp-sink
# It prints messages/second for each and the ratios the SPEC and issue 24
# set targets for, each mailflow node's CPU seconds and peak memory per
# 10,000 messages (for PostgreSQL also its server processes' CPU and what
# the database did per message), and each node's acceptance latency (final
# dot to 250, bench/latency.py) at half the rate it reached.
#
# Usage: bench/run.sh            (from anywhere; builds mailflow --release)
# Knobs (environment): N (messages, default 5000), CONCURRENCY (smtp-source
# sessions, default 20), CONNECTIONS (outbound connections to the sink for
# mailflow and Postfix, default 20), TIME_LIMIT (seconds per scenario, default 300),
# LATENCY_N (messages of the latency run, default 5000), LATENCY_RATE (the
# latency run's msg/s instead of half the node's rate; 0: no latency run),
# LATENCY_ONLY=1 (with LATENCY_RATE: start each mailflow system and measure
# its latency only, no throughput run), SYSTEMS (default "direct mailflow
# mailflow-pg postfix"), SKIP_POSTFIX=1 / SKIP_POSTGRES=1 to leave Postfix /
# mailflow on PostgreSQL out, DATABASE_URL (the PostgreSQL server: any
# database on it to connect to first; default
# postgres://postgres@127.0.0.1:5432/test; only the run's own database
# mailflow_bench_* is created, written and dropped), PG_MAX_CONNECTIONS
# (the node's [store] max_connections; mailflow's default when unset),
# PG_STATS=0 to skip the database counts (they wait 11 s for the server's
# statistics), PG_LOG_STATEMENTS=1 to have the server log every statement
# run on the run's database (to count them; the server's log grows), SKIP_BUILD=1 to use the existing binary, CARGO_TARGET_DIR
# (where the binary is built; MAILFLOW_BIN names another), TMPDIR for the
# work dir (queues, data).
set -euo pipefail

N=${N:-5000}
CONCURRENCY=${CONCURRENCY:-20}
CONNECTIONS=${CONNECTIONS:-20}
TIME_LIMIT=${TIME_LIMIT:-300}
LATENCY_N=${LATENCY_N:-5000}
LATENCY_RATE=${LATENCY_RATE:-}
LATENCY_ONLY=${LATENCY_ONLY:-0}
SYSTEMS=${SYSTEMS:-direct mailflow mailflow-pg postfix}
PG_SERVER=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_MAX_CONNECTIONS=${PG_MAX_CONNECTIONS:-}
PG_STATS=${PG_STATS:-1}
SIZE=5120
SENDER=bob@example.test
RECIPIENT=alice@contoso.test
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${MAILFLOW_BIN:-${CARGO_TARGET_DIR:-$REPO/target}/release/mailflow}
LOG_PREFIX=bench
# shellcheck source=bench/common.sh
source "$REPO/bench/common.sh"

[ "${SKIP_POSTFIX:-0}" = 1 ] && SYSTEMS=$(echo " $SYSTEMS " | sed 's/ postfix / /')
[ "${SKIP_POSTGRES:-0}" = 1 ] && SYSTEMS=$(echo " $SYSTEMS " | sed 's/ mailflow-pg / /')
for system in $SYSTEMS; do
    case $system in direct|mailflow|mailflow-pg|postfix) ;;
        *) die "SYSTEMS: unknown system '$system' (direct, mailflow, mailflow-pg, postfix)" ;; esac
done
if [ "$LATENCY_ONLY" = 1 ]; then
    case $LATENCY_RATE in ''|0|*[!0-9.]*) die "LATENCY_ONLY=1 needs LATENCY_RATE (msg/s)" ;; esac
fi

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

# ---------------------------------------------------------------- PostgreSQL
# psql on the server's own database (never the run's: its figures would
# count psql's queries).
server_psql() { timeout 30 psql "$PG_SERVER" -v ON_ERROR_STOP=1 -qAt "$@"; }

# The url of database $1 on the server PG_SERVER names: its path replaced,
# its parameters kept.
pg_url() {
    local base=${PG_SERVER%%\?*} query
    query=${PG_SERVER#"$base"}
    case ${base#*://} in */*) base=${base%/*} ;; esac
    echo "$base/$1$query"
}

# The server, for logs: its url without user, password or database.
pg_server_name() { echo "$PG_SERVER" | sed -e 's#://[^@/]*@#://#' -e 's#^\([a-z]*://[^/?]*\).*#\1#'; }

# Only the names this script makes are ever dropped.
is_bench_database() { [[ $1 =~ ^mailflow_bench_[0-9a-z_]+$ ]]; }

drop_database() {
    is_bench_database "$1" || return 0
    server_psql -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >&2 \
        || log "could not drop database $1 on $(pg_server_name)"
}

# What the server did for database $1 so far: transactions committed and
# rolled back, rows inserted, updated, deleted, and the server's WAL position
# in bytes (the WAL is the whole server's: nothing else should run on it).
pg_counters() {
    server_psql -F ' ' -c "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, \
        tup_deleted, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint \
        FROM pg_stat_database WHERE datname = '$1'"
}

# "table inserted updated deleted" for each table of database url $1 that
# has rows written (a psql transaction on that database: read after
# pg_counters).
pg_tables() {
    timeout 30 psql "$1" -v ON_ERROR_STOP=1 -qAt -F ' ' -c "SELECT relname, n_tup_ins, \
        n_tup_upd, n_tup_del FROM pg_stat_user_tables ORDER BY relname"
}

# "local-port segments" for each connection of process $1 to the server:
# the TCP segments with data the server sent on it, about one per round
# trip (a reply over 32 KB takes more than one).
pg_replies() {
    local port
    port=$(echo "$PG_SERVER" | sed -n 's#^[a-z]*://[^/?]*:\([0-9][0-9]*\)\([/?].*\)\{0,1\}$#\1#p')
    ss -Htinp "dport = :${port:-5432}" 2>/dev/null | awk -v pid="pid=$1," '
        /^[A-Z]/ { mine = index($0, pid) > 0; n = split($4, a, ":"); local = a[n]; next }
        mine { for (i = 1; i <= NF; i++) if ($i ~ /^data_segs_in:/) { split($i, b, ":"); print local, b[2] } }'
    return 0
}

# "pid ticks" of each server process working for database $1.
pg_backend_ticks() {
    local pid ticks
    for pid in $(server_psql -c "SELECT pid FROM pg_stat_activity WHERE datname = '$1'"); do
        ticks=$(cpu_ticks "$pid" 2>/dev/null) && echo "$pid $ticks"
    done
    return 0
}

# ---------------------------------------------------------------- clean-up
# Scenarios run in command substitutions (subshells), so what they start is
# remembered in files that the clean-up reads: every pid in PID_FILE, and
# each system's own in $WORK/<system>.pids, so that it is stopped when it
# is done.
PID_FILE=
remember() {  # system pid
    echo "$2" >> "$PID_FILE"
    echo "$2" >> "$WORK/$1.pids"
}
stop_pids() {  # file
    local pid
    [ -f "$1" ] || return 0
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$1"
    while read -r pid; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    done < "$1"
}
# A system's processes, its Postfix instance and its database, once it is
# measured (and again at the end, whatever happened).
stop_system() {  # system
    stop_pids "$WORK/$1.pids"
    rm -f "$WORK/$1.pids"
    if [ "$1" = postfix ] && [ -f "$WORK/postfix.dir" ]; then
        local postfix_dir
        postfix_dir=$(cat "$WORK/postfix.dir")
        if [ -f "$postfix_dir/etc/main.cf" ]; then
            postfix -c "$postfix_dir/etc" stop >/dev/null 2>&1 || true
        fi
        rm -f "$WORK/postfix.dir"
    fi
    if [ -f "$WORK/$1.database" ]; then
        drop_database "$(cat "$WORK/$1.database")"
        rm -f "$WORK/$1.database"
    fi
}
WORK=
cleanup() {
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        stop_pids "$PID_FILE"
        local system
        for system in direct mailflow mailflow-pg postfix; do stop_system "$system"; done
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_sink() {  # system port output-file
    smtp-sink -u postfix -c "127.0.0.1:$2" 1000 > "$3" 2>&1 &
    remember "$1" $!
    wait_listening "$2" 5 || die "smtp-sink did not start on port $2"
}

# Sends the traffic to port $1 and waits until sink output $2 counts N.
# smtp-source without -d opens a connection per message.
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
    start_sink direct "$sink_port" "$out"
    send_and_wait "$sink_port" "$out"
}

write_mailflow_config() {  # dir smtp-port admin-port sink-port [database-url]
    cat > "$1/mailflow.toml" <<TOML
[server]
hostname = "relay.bench.test"
smtp_listen = ["127.0.0.1:$2"]
trusted_networks = ["127.0.0.0/8"]

[admin]
listen = "127.0.0.1:$3"

[store]
path = "$1/data"
TOML
    if [ -n "${5:-}" ]; then
        echo "url = \"$5\"" >> "$1/mailflow.toml"
        [ -n "$PG_MAX_CONNECTIONS" ] && echo "max_connections = $PG_MAX_CONNECTIONS" >> "$1/mailflow.toml"
    fi
    cat >> "$1/mailflow.toml" <<TOML

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

# Starts a mailflow node for system $1 (mailflow: the embedded store in the
# work dir; mailflow-pg: a new database on PG_SERVER) with its own sink;
# leaves its SMTP port, pid and sink output in $WORK/$1.*. Prints nothing
# when it runs, or "unavailable <why>".
start_mailflow() {  # system
    local system=$1 dir="$WORK/$1" sink_port smtp_port admin_port url=
    mkdir -p "$dir"
    if [ "$system" = mailflow-pg ]; then
        command -v psql >/dev/null || { echo "unavailable psql-missing"; return; }
        local database
        database="mailflow_bench_$(date +%s)_$(( RANDOM % 100000 ))"
        # Written first: the clean-up drops it whatever happens next.
        echo "$database" > "$WORK/$system.database"
        if ! server_psql -c "CREATE DATABASE $database" >&2; then
            echo "unavailable cannot-create-a-database-on-$(pg_server_name)"; return
        fi
        log "    database $database"
        if [ "${PG_LOG_STATEMENTS:-0}" = 1 ]; then
            # For counting statements: the server logs each one run on this
            # database (a setting of the database, no restart).
            server_psql -c "ALTER DATABASE $database SET log_statement = 'all'" >&2
        fi
        url=$(pg_url "$database")
    fi
    sink_port=$(free_port); smtp_port=$(free_port "$sink_port")
    admin_port=$(free_port "$sink_port" "$smtp_port")
    start_sink "$system" "$sink_port" "$dir/sink.out"
    write_mailflow_config "$dir" "$smtp_port" "$admin_port" "$sink_port" "$url"
    RUST_LOG=${RUST_LOG:-warn} "$BIN" serve --config "$dir/mailflow.toml" \
        > "$dir/mailflow.log" 2>&1 &
    local pid=$!
    remember "$system" "$pid"
    echo "$pid" > "$WORK/$system.pid"
    echo "$smtp_port" > "$WORK/$system.port"
    if ! wait_listening "$smtp_port" 30; then
        tail -n 20 "$dir/mailflow.log" >&2
        echo "unavailable $system-did-not-start"; return
    fi
    # A binary that does not know [store] url would run on its embedded
    # store and be measured as the wrong system.
    if [ -n "$url" ] && [ "$(timeout 30 psql "$url" -qAt -c "SELECT to_regclass('messages') IS NOT NULL")" != t ]; then
        echo "unavailable the-node-did-not-use-its-database"; return
    fi
}

# The throughput run on the node of system $1, started by start_mailflow.
run_mailflow() {  # system
    local system=$1 pid port database= cpu_before result
    pid=$(cat "$WORK/$system.pid"); port=$(cat "$WORK/$system.port")
    [ -f "$WORK/$system.database" ] && database=$(cat "$WORK/$system.database")
    if [ -n "$database" ] && [ "$PG_STATS" = 1 ]; then
        # The start's own transactions (migrations, seeding) reach the
        # statistics once its connections are idle a while.
        sleep 11
        pg_counters "$database" > "$WORK/$system.pg-before"
        pg_tables "$(pg_url "$database")" > "$WORK/$system.pg-tables-before"
        pg_backend_ticks "$database" > "$WORK/$system.pg-ticks"
        pg_replies "$pid" > "$WORK/$system.pg-replies"
    fi
    cpu_before=$(cpu_ticks "$pid")
    result=$(send_and_wait "$port" "$WORK/$system/sink.out")
    # What the node spent on this run: CPU seconds and its peak resident set.
    awk -v t="$(( $(cpu_ticks "$pid") - cpu_before ))" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.2f", t / hz }' > "$WORK/$system.cpu"
    awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status" > "$WORK/$system.hwm"
    if [ -n "$database" ] && [ "$PG_STATS" = 1 ]; then
        # The server processes' CPU over the run (those that served it and
        # are still there; the WAL writer and checkpointer are not counted).
        pg_backend_ticks "$database" | awk -v hz="$(getconf CLK_TCK)" '
            NR == FNR { before[$1] = $2; next }
            { t += $2 - before[$1] }
            END { printf "%.2f", t / hz }' "$WORK/$system.pg-ticks" - > "$WORK/$system.pg-cpu"
        pg_replies "$pid" | awk 'NR == FNR { before[$1] = $2; next } { t += $2 - before[$1] } END { print t + 0 }' \
            "$WORK/$system.pg-replies" - > "$WORK/$system.pg-trips"
        # An idle server process reports its counts within 10 s.
        sleep 11
        pg_counters "$database" > "$WORK/$system.pg-after"
        pg_tables "$(pg_url "$database")" > "$WORK/$system.pg-tables-after"
    fi
    echo "$result"
}

# Acceptance latency (final dot to 250) on the running node of system $1
# at LATENCY_RATE, or at half of the rate $2 it reached end to end.
run_latency() {  # system end-to-end-msg/s
    local rate=$LATENCY_RATE
    [ -n "$rate" ] || rate=$(awk -v r="$2" 'BEGIN { if (r ~ /^[0-9.]+$/) printf "%.0f", r / 2 }')
    [ -n "$rate" ] && awk -v r="$rate" 'BEGIN { exit !(r > 0) }' || { echo "n/a (no rate)"; return; }
    timeout "$TIME_LIMIT" python3 "$REPO/bench/latency.py" 127.0.0.1 "$(cat "$WORK/$1.port")" \
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
    start_sink postfix "$sink_port" "$out"
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
declare -A RESULT=() LATENCY=()

report_line() {  # name result
    local name=$1 result=$2 total accept
    read -r total accept <<<"$result"
    case $total in
        timeout|unavailable) printf '%-12s %s (%s)\n' "$name" "$total" "$accept"; echo "n/a" ;;
        *) printf '%-12s %6s msg/s end-to-end  (%s s for %s messages; smtp-source done after %s s: %s msg/s accepted)\n' \
               "$name" "$(rate "$N" "$total")" "$total" "$N" "$accept" "$(rate "$N" "$accept")"
           rate "$N" "$total" ;;
    esac
}

measure_mailflow() {  # system
    local system=$1 started
    started=$(start_mailflow "$system")
    if [ -n "$started" ]; then
        RESULT[$system]=$started
        return
    fi
    if [ "$LATENCY_ONLY" = 1 ]; then
        RESULT[$system]="skipped latency-only"
    else
        RESULT[$system]=$(run_mailflow "$system")
    fi
    if [ "$LATENCY_RATE" != 0 ]; then
        log "    latency: $LATENCY_N messages at ${LATENCY_RATE:-half of its rate} ${LATENCY_RATE:+msg/s}"
        LATENCY[$system]=$(run_latency "$system" "$(rate "$N" "$(echo "${RESULT[$system]}" | cut -d' ' -f1)")")
    fi
}

main() {
    ensure_postfix_tools
    stop_system_postfix
    if [ "${SKIP_BUILD:-0}" != 1 ]; then
        log "building mailflow (release)"
        (cd "$REPO" && cargo build --release -p mailflow >&2)
    fi
    [ -x "$BIN" ] || die "$BIN missing"
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailflow-bench.XXXXXX")
    chmod 755 "$WORK"
    PID_FILE="$WORK/pids"
    log "N=$N messages of $SIZE bytes, $CONCURRENCY smtp-source sessions, $CONNECTIONS outbound connections, systems: $(echo $SYSTEMS), work dir $WORK"

    local system count=0 total
    total=$(echo $SYSTEMS | wc -w)
    for system in $SYSTEMS; do
        count=$((count + 1))
        case $system in
            direct)
                [ "$LATENCY_ONLY" = 1 ] && continue
                log "$count/$total direct: smtp-source -> smtp-sink"
                RESULT[direct]=$(run_direct) ;;
            mailflow)
                log "$count/$total mailflow: smtp-source -> mailflow (embedded store) -> smtp-sink"
                measure_mailflow mailflow ;;
            mailflow-pg)
                log "$count/$total mailflow-pg: smtp-source -> mailflow on PostgreSQL (a new database on $(pg_server_name)) -> smtp-sink"
                measure_mailflow mailflow-pg ;;
            postfix)
                [ "$LATENCY_ONLY" = 1 ] && continue
                log "$count/$total postfix: smtp-source -> private postfix -> smtp-sink"
                RESULT[postfix]=$(run_postfix) ;;
        esac
        stop_system "$system"
    done

    local lines
    declare -A R=()
    echo
    if [ "$LATENCY_ONLY" != 1 ]; then
        echo "relaying $N messages of 5 KB on 127.0.0.1 ($(nproc) CPUs), $CONCURRENCY smtp-source sessions, one message per connection"
        for system in direct mailflow mailflow-pg postfix; do
            R[$system]=n/a
            [ -n "${RESULT[$system]:-}" ] || continue
            lines=$(report_line "$system" "${RESULT[$system]}")
            echo "$lines" | head -n 1; R[$system]=$(echo "$lines" | tail -n 1)
        done
        echo "mailflow / postfix    = $(ratio "${R[mailflow]}" "${R[postfix]}")   (SPEC target: >= 5)"
        echo "mailflow / direct     = $(ratio "${R[mailflow]}" "${R[direct]}")   (SPEC target: >= 0.5)"
        echo "mailflow-pg / postfix = $(ratio "${R[mailflow-pg]}" "${R[postfix]}")   (issue 24 target: >= 2)"
        echo "mailflow-pg / direct  = $(ratio "${R[mailflow-pg]}" "${R[direct]}")"
        for system in mailflow mailflow-pg; do
            [ -s "$WORK/$system.cpu" ] || continue
            printf '%s per 10,000 messages: %s CPU seconds' "$system" \
                "$(awk -v c="$(cat "$WORK/$system.cpu")" -v n="$N" 'BEGIN { printf "%.2f", c * 10000 / n }')"
            [ -s "$WORK/$system.pg-cpu" ] && printf ' (PostgreSQL server processes: %s more)' \
                "$(awk -v c="$(cat "$WORK/$system.pg-cpu")" -v n="$N" 'BEGIN { printf "%.2f", c * 10000 / n }')"
            echo "; peak resident memory $(cat "$WORK/$system.hwm") MB"
        done
        if [ -s "$WORK/mailflow-pg.pg-before" ] && [ -s "$WORK/mailflow-pg.pg-after" ]; then
            echo "mailflow-pg database per message: $(awk -v n="$N" '
                NR == 1 { for (i = 1; i <= NF; i++) b[i] = $i; next }
                { printf "%.3f transactions, %.3f rolled back, %.2f rows inserted, %.2f updated, %.2f deleted, %.0f WAL bytes (the server'"'"'s)",
                    ($1 - b[1]) / n, ($2 - b[2]) / n, ($3 - b[3]) / n, ($4 - b[4]) / n, ($5 - b[5]) / n, ($6 - b[6]) / n }' \
                "$WORK/mailflow-pg.pg-before" "$WORK/mailflow-pg.pg-after")"
            # (ss names a connection's process only to root: 0 otherwise.)
            [ "$(cat "$WORK/mailflow-pg.pg-trips" 2>/dev/null || echo 0)" -gt 0 ] && echo "mailflow-pg round trips per message: $(awk -v t="$(cat "$WORK/mailflow-pg.pg-trips")" -v n="$N" \
                'BEGIN { printf "%.2f", t / n }') (TCP segments with data from the server to the node, ss)"
            echo "mailflow-pg rows per message by table (inserted/updated/deleted): $(awk -v n="$N" '
                NR == FNR { i[$1] = $2; u[$1] = $3; d[$1] = $4; next }
                $2 - i[$1] + $3 - u[$1] + $4 - d[$1] > 0 {
                    printf "%s%s %.2f/%.2f/%.2f", sep, $1, ($2 - i[$1]) / n, ($3 - u[$1]) / n, ($4 - d[$1]) / n; sep = ", " }' \
                "$WORK/mailflow-pg.pg-tables-before" "$WORK/mailflow-pg.pg-tables-after")"
        fi
    fi
    for system in mailflow mailflow-pg; do
        [ -n "${LATENCY[$system]:-}" ] || continue
        echo "$system latency: ${LATENCY[$system]}   (SPEC target: p99 < 10 ms at half of peak)"
    done
}

main "$@"
