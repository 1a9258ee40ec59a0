#!/usr/bin/env bash
# bench/pipe.sh: mass insertion speed of scarlet-cli --pipe against Debian's redis-cli
# --pipe, both feeding the same redis-server (the client is what is measured).
#
# Usage:
#   bench/pipe.sh [--rounds N] [--commands N] [--size N] [--cpu N] [--client-cpu N]
#                 [--no-build] [--redis PATH]
#
#   --rounds N     alternated pairs of runs (default 3)
#   --commands N   SET commands in the input (default 1000000)
#   --size N       bytes of each value (default 16)
#   other options as in lib.sh
#
# The input is RESP (SET key:<i> <value>), written once to a file. Each round FLUSHALLs
# the server, runs one client, checks "errors: 0, replies: N", then the other client; the
# order alternates between rounds. Reported: median wall time, MB/s of input, SET
# commands per second and the client's own CPU time (user + system) for each client, and
# the ratios scarlet-cli/redis-cli. The server is usually the bottleneck, so the wall times
# come out close; the CPU column is the client's cost.

set -euo pipefail

BENCH_NAME=pipe.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=3
COMMANDS=1000000
SIZE=16
while [[ $# -gt 0 ]]; do
    case $1 in
        --commands) need_arg "$@"; is_uint "$2" "$1"; COMMANDS=$2; shift 2 ;;
        --size) need_arg "$@"; is_uint "$2" "$1"; SIZE=$2; shift 2 ;;
        *) common_option "$@"; shift "$SHIFT_BY" ;;
    esac
done
[[ $ROUNDS -ge 1 ]] || die "--rounds must be at least 1"
bench_setup

CLI_BIN=$ROOT/target/release/scarlet-cli
if [[ $BUILD == 1 ]]; then
    log "building scarlet-cli (release)"
    (cd "$ROOT" && cargo build --release -p scarlet-cli) >&2 || die "cargo build failed"
fi
[[ -x $CLI_BIN ]] || die "scarlet-cli not found at $CLI_BIN"

INPUT=$SCRATCH/input.resp
log "writing $COMMANDS SET commands"
awk -v n="$COMMANDS" -v size="$SIZE" 'BEGIN {
    v = sprintf("%*s", size, ""); gsub(/ /, "v", v)
    for (i = 0; i < n; i++) {
        k = "key:" i
        printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, size, v
    }
}' >"$INPUT"
BYTES=$(stat -c %s "$INPUT")

start_server redis "$REDIS_BIN"
PORT=$STARTED_PORT

# run_client BIN : one timed --pipe run into an empty server; prints "wall user+sys" seconds.
run_client() {
    local bin=$1 out times
    redis-cli -p "$PORT" flushall >/dev/null
    times=$SCRATCH/time.out
    TIMEFORMAT='%R %U %S'
    { time taskset -c "$CLIENT_CPU" "$bin" -p "$PORT" --pipe <"$INPUT" >"$SCRATCH/pipe.out" 2>&1; } 2>"$times" ||
        die "$bin --pipe failed: $(cat "$SCRATCH/pipe.out")"
    out=$(cat "$SCRATCH/pipe.out")
    grep -q "errors: 0, replies: $COMMANDS\$" <<<"$out" || die "$bin --pipe: $out"
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$times"
}

: >"$SCRATCH/redis.times"
: >"$SCRATCH/scarlet.times"
for ((round = 1; round <= ROUNDS; round++)); do
    if ((round % 2)); then order="redis scarlet"; else order="scarlet redis"; fi
    for who in $order; do
        if [[ $who == redis ]]; then bin=redis-cli; else bin=$CLI_BIN; fi
        t=$(run_client "$bin")
        echo "$t" >>"$SCRATCH/$who.times"
        log "round $round $who: wall, client CPU (s): $t"
    done
done

R_T=$(awk '{print $1}' "$SCRATCH/redis.times" | median)
S_T=$(awk '{print $1}' "$SCRATCH/scarlet.times" | median)
R_CPU=$(awk '{print $2}' "$SCRATCH/redis.times" | median)
S_CPU=$(awk '{print $2}' "$SCRATCH/scarlet.times" | median)
awk -v rt="$R_T" -v st="$S_T" -v rc="$R_CPU" -v sc="$S_CPU" -v bytes="$BYTES" -v n="$COMMANDS" \
    -v rounds="$ROUNDS" 'BEGIN {
    mb = bytes / 1048576
    printf "--pipe of %d SET commands (%.1f MB), median of %d runs each\n", n, mb, rounds
    printf "| client | seconds | MB/s | commands/s | client CPU s |\n|---|---|---|---|---|\n"
    printf "| redis-cli 7.0.15 | %.3f | %.1f | %.0f | %.2f |\n", rt, mb / rt, n / rt, rc
    printf "| scarlet-cli | %.3f | %.1f | %.0f | %.2f |\n", st, mb / st, n / st, sc
    printf "scarlet-cli / redis-cli: throughput %.2f, client CPU %.2f\n", rt / st, sc / rc
}'
