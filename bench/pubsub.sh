#!/usr/bin/env bash
# bench/pubsub.sh: PUBLISH throughput of scarlet-server against Debian's redis-server, with
# 1 and 100 subscribers on the channel, side by side (the method of compare.sh, the helpers
# of lib.sh).
#
# Usage:
#   bench/pubsub.sh [--rounds N] [--quick] [--cells LIST] [--out FILE] [--raw FILE]
#                   [--cpu N] [--client-cpu N] [--n-p1 N] [--n-p16 N] [--size N]
#                   [--no-build] [--scarlet PATH] [--redis PATH]
#
#   --rounds N     alternated pairs of runs per cell (default 10)
#   --quick        smoke check: 3 rounds, -n 20000 / 100000
#   --cells LIST   comma-separated subset of: publish-1sub-p1 publish-1sub-p16
#                  publish-100sub-p1 publish-100sub-p16 (default: all, in that order)
#   --size N       bytes of the message (default 16)
#   other options as in collections.sh (see bench/lib.sh)
#
# Each cell is redis-benchmark -c 50 -P 1|16 sending PUBLISH bench:chan <SIZE bytes> while
# SUBS subscribers (redis-cli SUBSCRIBE bench:chan, output to /dev/null, pinned to the
# client core like redis-benchmark) are attached to each server; every PUBLISH is checked
# to reach exactly SUBS receivers before the runs. Per pair the throughput ratio
# Scarlet/Redis and the server CPU per operation ratio Redis/Scarlet (above 1.0: Scarlet
# better), medians over the pairs. The server's CPU includes delivering SUBS messages per
# PUBLISH, which is the point of the 100-subscriber cells.

set -euo pipefail

BENCH_NAME=pubsub.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE=16
MEMORY=0
ALL_CELLS="publish-1sub-p1 publish-1sub-p16 publish-100sub-p1 publish-100sub-p16"

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) ROUNDS=3; N_P1=20000; N_P16=100000; shift ;;
        --size) need_arg "$@"; is_uint "$2" "$1"; SIZE=$2; shift 2 ;;
        *) common_option "$@"; shift "$SHIFT_BY" ;;
    esac
done
[[ $SIZE -ge 1 ]] || die "--size must be at least 1"
select_cells "$ALL_CELLS"
bench_setup

printf -v MESSAGE '%*s' "$SIZE" ''
MESSAGE=${MESSAGE// /m}
CHANNEL=bench:chan
SUB_PIDS=()

# subscribe PORT COUNT : attaches COUNT subscribers to CHANNEL on PORT and waits for them.
subscribe() {
    local port=$1 count=$2 i got
    for ((i = 0; i < count; i++)); do
        taskset -c "$CLIENT_CPU" redis-cli -p "$port" subscribe "$CHANNEL" >/dev/null 2>&1 &
        SUB_PIDS+=("$!")
        PIDS+=("$!")
    done
    for _ in $(seq 200); do
        got=$(redis-cli -p "$port" pubsub numsub "$CHANNEL" | sed -n 2p)
        [[ $got == "$count" ]] && return 0
        sleep 0.05
    done
    die "only $got of $count subscribers attached on port $port"
}

unsubscribe_all() {
    local pid
    for pid in "${SUB_PIDS[@]+"${SUB_PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SUB_PIDS=()
}

check_receivers() { # PORT WANT
    local got
    got=$(redis-cli -p "$1" publish "$CHANNEL" check)
    [[ $got == "$2" ]] || die "PUBLISH on port $1 reached $got subscribers, not $2"
}

start_pair
for cell in $CELLS; do
    subs=${cell#publish-}
    subs=${subs%%sub-*}
    pipeline=${cell##*-p}
    n=$N_P1
    [[ $pipeline == 1 ]] || n=$N_P16
    subscribe "$R_PORT" "$subs"
    subscribe "$S_PORT" "$subs"
    check_receivers "$R_PORT" "$subs"
    check_receivers "$S_PORT" "$subs"
    run_cell "$cell" "$n" -P "$pipeline" publish "$CHANNEL" "$MESSAGE"
    unsubscribe_all
done
stop_pair

write_report "redis-benchmark -c $CLIENTS publishing $SIZE-byte messages to one channel" "" ""
