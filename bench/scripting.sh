#!/usr/bin/env bash
# bench/scripting.sh: scarlet-server against Debian's redis-server on Lua scripts and
# functions, side by side, in one run (the method of compare.sh, the helpers of lib.sh).
#
#   bench/scripting.sh [options]
#
# Options:
#   --quick            smoke check: 3 rounds, fewer requests
#   --rounds N         alternated pairs per cell (default 10)
#   --cells LIST       comma-separated subset of the cells below (default all); --only too
#   --out FILE         also write the Markdown report to FILE
#   --raw FILE         also write every run (cell, round, server, ops/s, CPU ticks, requests)
#   --cpu N            core both servers are pinned to (default 0)
#   --client-cpu N     core redis-benchmark is pinned to (default 1)
#   --keys N           keyspace of the runs, redis-benchmark -r (default 1000000)
#   --n-p1 N           requests per run at pipeline 1 (default 100000)
#   --n-p16 N          requests per run at pipeline 16 (default 500000)
#   --no-build         do not run cargo build (use the existing target/release binary)
#   --scarlet PATH     scarlet-server binary (default target/release/scarlet-server)
#   --redis PATH       redis-server binary (default /usr/bin/redis-server)
#   --server-args S    more options for both servers, after the defaults
#
# Throughput, as in compare.sh: both servers at once (--save "" --appendonly no, pinned
# with taskset to one core, redis-benchmark to another), each cell ROUNDS alternated pairs,
# medians of each server's throughput and CPU time per operation and of the per-pair
# ratios. Every cell is redis-benchmark -c 50 -P 1|16 -r KEYS with one command:
#   evalsha-get   EVALSHA <sha of: return redis.call('get', KEYS[1])> 1 key:__rand_int__
#   evalsha-incr  EVALSHA <sha of a rate limiter: INCR the key, EXPIRE it on the first
#                 hit> 1 key:__rand_int__  (two writes, propagated as MULTI/EXEC)
#   eval-get      EVAL of the evalsha-get script (the script's SHA1 computed per call)
#   fcall-get     FCALL of a library function doing the GET of evalsha-get
# The scripts are loaded (SCRIPT LOAD, FUNCTION LOAD) in both servers before the cells,
# and both must answer the same SHA1.
#
# Needs: cargo, taskset, redis-server, redis-benchmark, redis-cli, awk, sort.

set -euo pipefail

BENCH_NAME=scripting.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GET_SCRIPT="return redis.call('get', KEYS[1])"
INCR_SCRIPT="local n = redis.call('incr', KEYS[1]) if n == 1 then redis.call('expire', KEYS[1], 60) end return n"
LIBRARY="#!lua name=benchlib
redis.register_function('bench_get', function(keys, args) return redis.call('get', keys[1]) end)"
ALL_CELLS="evalsha-get-p1 evalsha-get-p16 evalsha-incr-p1 evalsha-incr-p16"
ALL_CELLS+=" eval-get-p1 eval-get-p16 fcall-get-p1 fcall-get-p16"

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) ROUNDS=3; N_P1=20000; N_P16=100000; KEYS=100000; shift ;;
        *) common_option "$@"; shift "$SHIFT_BY" ;;
    esac
done
[[ $KEYS -ge 1 ]] || die "--keys must be at least 1"
select_cells "$ALL_CELLS"
bench_setup

# load_scripts : the scripts in both servers; sets GET_SHA and INCR_SHA.
load_scripts() {
    local port sha
    for port in "$R_PORT" "$S_PORT"; do
        sha=$(redis-cli -p "$port" script load "$GET_SCRIPT")
        [[ -z ${GET_SHA:-} || $sha == "$GET_SHA" ]] || die "port $port: GET script SHA1 $sha"
        GET_SHA=$sha
        sha=$(redis-cli -p "$port" script load "$INCR_SCRIPT")
        [[ -z ${INCR_SHA:-} || $sha == "$INCR_SHA" ]] || die "port $port: INCR script SHA1 $sha"
        INCR_SHA=$sha
        [[ $(redis-cli -p "$port" function load replace "$LIBRARY") == benchlib ]] ||
            die "port $port: FUNCTION LOAD failed"
    done
    log "scripts loaded: $GET_SHA (get), $INCR_SHA (incr)"
}

if [[ -n $CELLS ]]; then
    start_pair
    load_scripts
    for cell in $CELLS; do
        pipe=${cell##*-p}
        op=${cell%-p*}
        if [[ $pipe == 1 ]]; then n=$N_P1; else n=$N_P16; fi
        case $op in
            evalsha-get) run_cell "$cell" "$n" -P "$pipe" -r "$KEYS" EVALSHA "$GET_SHA" 1 "key:__rand_int__" ;;
            evalsha-incr) run_cell "$cell" "$n" -P "$pipe" -r "$KEYS" EVALSHA "$INCR_SHA" 1 "key:__rand_int__" ;;
            eval-get) run_cell "$cell" "$n" -P "$pipe" -r "$KEYS" EVAL "$GET_SCRIPT" 1 "key:__rand_int__" ;;
            fcall-get) run_cell "$cell" "$n" -P "$pipe" -r "$KEYS" FCALL bench_get 1 "key:__rand_int__" ;;
        esac
    done
    stop_pair
fi

write_report "-c $CLIENTS -r $KEYS; scripts: get = \`$GET_SCRIPT\`, incr = INCR + EXPIRE on the first hit" "" ""
