# Helpers the benchmark scripts share; sourced, not run. Each script sets
# LOG_PREFIX before sourcing (its lines then read `[prefix] …`).

log() { printf '[%s] %s\n' "$LOG_PREFIX" "$*" >&2; }
die() { log "error: $*"; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s ~ /^[0-9.]+$/ && s > 0) printf "%.0f", n / s; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# A loopback port nothing listens on, other than the ones given. It is
# taken below the kernel's range of ephemeral ports (32768 and up), which
# the load's own outgoing connections use by the thousand.
free_port() {
    local port taken
    for _ in $(seq 1 200); do
        port=$(( 10000 + RANDOM % 22000 ))
        for taken in "$@"; do [ "$port" = "$taken" ] && continue 2; done
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"; return
        fi
    done
    die "no free port found"
}

wait_listening() {  # port seconds
    local deadline=$(( $(date +%s) + $2 ))
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# Messages smtp-sink output file $1 has counted so far: its running counter
# is the last `mesg=` of its output (read from the end, the output grows
# with the messages).
sink_count() {
    local count
    count=$(tail -c 512 "$1" | tr '\r' '\n' | grep -o 'mesg=[0-9]*' | tail -n 1 | cut -d= -f2)
    echo "${count:-0}"
}

# CPU ticks (user + system, all threads) process $1 has used so far: the
# 14th and 15th fields of its stat line, counted after the command name in
# parentheses (which may hold spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
