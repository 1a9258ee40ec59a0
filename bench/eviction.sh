#!/usr/bin/env bash
# bench/eviction.sh: scarlet-server against Debian's redis-server under maxmemory: the hit
# ratio of a Zipf-distributed cache workload, throughput while evicting, and the longest
# stall a client sees while a big set is deleted with DEL and with UNLINK (the helpers of
# lib.sh; the load generator is bench/evict_load.py).
#
#   bench/eviction.sh [options]
#
# Options:
#   --quick            smoke check: 3 rounds, smaller keyspace and sets
#   --rounds N         alternated pairs of the throughput cell (default 10)
#   --out FILE         also write the Markdown report to FILE
#   --raw FILE         also write every throughput run
#   --cpu N            core both servers are pinned to (default 0)
#   --client-cpu N     core the clients are pinned to (default 1)
#   --zipf-keys N      keys of the cache workload (default 200000)
#   --value-size N     bytes per value (default 100)
#   --requests N       measured GETs per hit-ratio run, after as many warm-up ones
#                      (default 1000000)
#   --zipf-s X         Zipf exponent (default 0.99, as YCSB)
#   --policies LIST    comma-separated policies of the hit-ratio runs
#                      (default allkeys-lru,allkeys-lfu,allkeys-random)
#   --set-size N       members of the set deleted in the stall measure (default 10000000)
#   --n-evict N        requests per throughput run (default 500000)
#   --no-build, --scarlet PATH, --redis PATH   as in compare.sh
#
# maxmemory is the same for both servers: Redis's used_memory at start plus a quarter of
# what Redis needs for the whole keyspace (measured first), so the keyspace is 4x larger
# than memory. Hit ratio: for each policy and server, a fresh server with that limit, the
# same seeded key sequence (GET, SET on a miss), hits/GETs after an uncounted warm-up of
# the same length; Scarlet runs a second time with the limit that holds a quarter of its
# own keyspace (its keys are smaller), which compares the eviction algorithms alone. Throughput while evicting: both servers at once at that limit,
# prefilled past it, redis-benchmark SET -r 4*zipf-keys -d value-size -P 16, ROUNDS
# alternated pairs as compare.sh. Stall: one server at a time, a set of --set-size
# members deleted while another connection sends PINGs back to back; the longest PING
# round trip and the deleting client's wait, DEL then UNLINK.

set -euo pipefail
BENCH_NAME=eviction
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ZIPF_KEYS=200000
VALUE_SIZE=100
REQUESTS=1000000
ZIPF_S=0.99
POLICIES=allkeys-lru,allkeys-lfu,allkeys-random
SET_SIZE=10000000
N_EVICT=500000
LOAD=$ROOT/bench/evict_load.py

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) ROUNDS=3 ZIPF_KEYS=50000 REQUESTS=200000 SET_SIZE=1000000 N_EVICT=200000; shift ;;
        --zipf-keys) need_arg "$@"; is_uint "$2" "$1"; ZIPF_KEYS=$2; shift 2 ;;
        --value-size) need_arg "$@"; is_uint "$2" "$1"; VALUE_SIZE=$2; shift 2 ;;
        --requests) need_arg "$@"; is_uint "$2" "$1"; REQUESTS=$2; shift 2 ;;
        --zipf-s) need_arg "$@"; ZIPF_S=$2; shift 2 ;;
        --policies) need_arg "$@"; POLICIES=$2; shift 2 ;;
        --set-size) need_arg "$@"; is_uint "$2" "$1"; SET_SIZE=$2; shift 2 ;;
        --n-evict) need_arg "$@"; is_uint "$2" "$1"; N_EVICT=$2; shift 2 ;;
        *) common_option "$@"; shift "$SHIFT_BY" ;;
    esac
done
command -v python3 >/dev/null || die "python3 not found"
CELLS_ARG=none
select_cells ""
bench_setup
REPORT_ROWS=

load() { taskset -c "$CLIENT_CPU" python3 "$LOAD" "$@"; }
used_memory() { info_field "$1" used_memory; }
stat_field() { redis-cli -p "$1" info stats | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }

# --- The limit: a quarter of what Redis needs for the keyspace -------------------------
start_server redis "$REDIS_BIN"
base=$(used_memory "$STARTED_PORT")
load fill "$STARTED_PORT" "$ZIPF_KEYS" "$VALUE_SIZE"
full=$(used_memory "$STARTED_PORT")
stop_server "$STARTED_PID" "$STARTED_PORT"
MAXMEMORY=$((base + (full - base) / 4))
log "Redis: $base bytes empty, $full with $ZIPF_KEYS keys; maxmemory $MAXMEMORY"
# Scarlet's keys are smaller, so the same limit holds more of them. A second limit that
# holds the same quarter of Scarlet's own keyspace compares the eviction algorithms alone.
start_server scarlet "$SCARLET_BIN"
base_s=$(used_memory "$STARTED_PORT")
load fill "$STARTED_PORT" "$ZIPF_KEYS" "$VALUE_SIZE"
full_s=$(used_memory "$STARTED_PORT")
stop_server "$STARTED_PID" "$STARTED_PORT"
MAXMEMORY_S=$((base_s + (full_s - base_s) / 4))
log "Scarlet: $base_s bytes empty, $full_s with $ZIPF_KEYS keys; a quarter is $MAXMEMORY_S"

# --- Hit ratio ----------------------------------------------------------------------------
HIT_ROWS=
for policy in ${POLICIES//,/ }; do
    declare -A hit=() rate=() evicted=() keys=()
    for name in redis scarlet scarlet-quarter; do
        bin=$SCARLET_BIN limit=$MAXMEMORY
        [[ $name != redis ]] || bin=$REDIS_BIN
        [[ $name != scarlet-quarter ]] || limit=$MAXMEMORY_S
        start_server "$name" "$bin" --maxmemory "$limit" --maxmemory-policy "$policy"
        read -r _ _ ratio ops < <(load zipf "$STARTED_PORT" "$ZIPF_KEYS" "$VALUE_SIZE" \
            "$REQUESTS" "$REQUESTS" "$ZIPF_S" 42)
        hit[$name]=$ratio rate[$name]=$ops
        evicted[$name]=$(stat_field "$STARTED_PORT" evicted_keys)
        keys[$name]=$(redis-cli -p "$STARTED_PORT" dbsize)
        over=$(($(used_memory "$STARTED_PORT") - limit))
        log "$policy $name: hit ratio $ratio, $ops ops/s, evicted ${evicted[$name]}, ${keys[$name]} keys, used - maxmemory = $over"
        stop_server "$STARTED_PID" "$STARTED_PORT"
    done
    HIT_ROWS+=$(awk -v p="$policy" -v r="${hit[redis]}" -v s="${hit[scarlet]}" \
        -v q="${hit[scarlet-quarter]}" -v rk="${keys[redis]}" -v sk="${keys[scarlet]}" \
        -v qk="${keys[scarlet-quarter]}" 'BEGIN {
        printf "| %s | %.4f (%d keys) | %.4f (%d keys) | %+.2f pt | %.4f (%d keys) | %+.2f pt |",
            p, r, rk, s, sk, (s - r) * 100, q, qk, (q - r) * 100 }')$'\n'
done

# --- Throughput while evicting --------------------------------------------------------------
start_pair() {
    start_server redis "$REDIS_BIN" --maxmemory "$MAXMEMORY" --maxmemory-policy allkeys-lru
    R_PID=$STARTED_PID R_PORT=$STARTED_PORT
    start_server scarlet "$SCARLET_BIN" --maxmemory "$MAXMEMORY" --maxmemory-policy allkeys-lru
    S_PID=$STARTED_PID S_PORT=$STARTED_PORT
}
start_pair
for port in "$R_PORT" "$S_PORT"; do load fill "$port" "$ZIPF_KEYS" "$VALUE_SIZE"; done
N_P1=$N_EVICT N_P16=$N_EVICT
run_cell set-evicting "$N_EVICT" -t set -r $((4 * ZIPF_KEYS)) -d "$VALUE_SIZE" -P 16
for port in "$R_PORT" "$S_PORT"; do
    log "port $port: evicted_keys $(stat_field "$port" evicted_keys), used_memory $(used_memory "$port")"
done
stop_server "$R_PID" "$R_PORT"
stop_server "$S_PID" "$S_PORT"

# --- Stall while deleting a big set ---------------------------------------------------------
STALL_ROWS=
for name in redis scarlet; do
    bin=$REDIS_BIN
    [[ $name == redis ]] || bin=$SCARLET_BIN
    for cmd in DEL UNLINK; do
        start_server "$name" "$bin"
        read -r wait longest pings < <(load stall "$STARTED_PORT" "$SET_SIZE" "$cmd")
        log "$name $cmd of $SET_SIZE members: client waited $wait ms, longest PING $longest ms ($pings PINGs)"
        STALL_ROWS+="| $name | $cmd | $wait | $longest |"$'\n'
        stop_server "$STARTED_PID" "$STARTED_PORT"
    done
done

MEM_ROWS=
write_report "redis-benchmark -c $CLIENTS SET -P 16 at maxmemory $MAXMEMORY (allkeys-lru)" "" ""
EXTRA="
Hit ratio: $ZIPF_KEYS keys of $VALUE_SIZE bytes, Zipf s=$ZIPF_S, maxmemory $MAXMEMORY (a quarter
of the keyspace in Redis), $REQUESTS GETs measured after $REQUESTS of warm-up; GET, SET on a miss.

| policy | Redis | Scarlet, same maxmemory | S - R | Scarlet, a quarter of its keyspace | S - R |
|---|---|---|---|---|---|
$HIT_ROWS
Deleting a set of $SET_SIZE members while another client sends PINGs:

| server | command | deleting client waits (ms) | longest PING (ms) |
|---|---|---|---|
$STALL_ROWS"
echo "$EXTRA"
[[ -z $OUT ]] || echo "$EXTRA" >>"$OUT"
