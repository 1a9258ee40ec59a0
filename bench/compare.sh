#!/usr/bin/env bash
# bench/compare.sh: scarlet-server against Debian's redis-server, side by side, in one run.
#
# Usage:
#   bench/compare.sh [--rounds N] [--quick] [--cells LIST] [--out FILE] [--raw FILE]
#                    [--cpu N] [--client-cpu N] [--keys N] [--mem-keys N]
#                    [--n-p1 N] [--n-p16 N] [--no-build] [--scarlet PATH] [--redis PATH]
#
#   --rounds N       alternated pairs of runs per cell (default 10)
#   --quick          smoke check: 3 rounds, -n 20000 / 100000, 100k keys (overridable after)
#   --cells LIST     (or --only) comma-separated subset of the eight cells, named
#                    OP-SIZE-pPIPELINE: set-3-p1 set-3-p16 get-3-p1 get-3-p16 set-256-p1
#                    set-256-p16 get-256-p1 get-256-p16 (default: all); "none" skips to
#                    memory
#   --no-memory      skip the bytes-per-key measure
#   --out FILE       also write the Markdown report to FILE
#   --raw FILE       also write every run (cell, round, server, ops/s, CPU ticks, requests)
#   --cpu N          core both servers are pinned to (default 0)
#   --client-cpu N   core redis-benchmark is pinned to (default 1)
#   --keys N         keyspace of the runs, redis-benchmark -r (default 1000000)
#   --mem-keys N     keys loaded for the memory measure (default 1000000)
#   --n-p1 N         requests per run at pipeline 1 (default 100000)
#   --n-p16 N        requests per run at pipeline 16 (default 500000)
#   --no-build       do not run cargo build (use the existing target/release binary)
#   --scarlet PATH   scarlet-server binary (default target/release/scarlet-server)
#   --redis PATH     redis-server binary (default /usr/bin/redis-server)
#   --server-args S  more options for both servers of the cells, after the defaults (for
#                    example "--appendonly yes --appendfsync always")
#
# Method (design brief, section 7). Both servers run at once, started with
# --save "" --appendonly no on free ports in a scratch directory, pinned with taskset to one
# core; redis-benchmark is pinned to another. Each cell is redis-benchmark -t get|set -c 50
# -r KEYS -d SIZE -P PIPELINE, run ROUNDS times against each server, alternating: even
# rounds Redis then Scarlet, odd rounds Scarlet then Redis, so that ordering effects cancel.
# For every run we record the throughput (the "rps" of --csv) and the server's CPU time
# (user + system, fields 14 and 15 of /proc/PID/stat, in clock ticks, read before and after
# the run). Each round gives a pair, and for each cell we report the medians of each server's
# throughput and CPU time per operation, the median of the per-pair throughput ratios
# (Scarlet/Redis) and of the per-pair CPU-per-op ratios (Redis/Scarlet): above 1.0 means
# Scarlet is faster, or uses less CPU. The spread is the min-max of those ratios. On a
# shared machine single runs mean little; the medians of alternated pairs are the measure.
#
# Before the cells of each value size, the whole keyspace (key:000000000000 ...) is filled
# in both servers with values of that size (redis-cli --pipe), so that GETs hit and SETs
# overwrite rather than grow the table.
#
# Memory: for each measure both servers are started fresh, INFO memory is read, the keys are
# loaded, INFO memory is read again, and bytes per key = (after - before) / keys for
# used_memory and used_memory_rss. Measures: DEBUG POPULATE (keys "key:N", values
# "value:N"; needs --enable-debug-command yes, which the memory servers get) and
# redis-benchmark-style keys (key:%012d, 3-byte values "xxx").
#
# The helpers shared with collections.sh are in bench/lib.sh; SCARLET_BIN=PATH in the
# environment works as --scarlet PATH. The servers are stopped on exit (trap). Needs: cargo,
# taskset, redis-server, redis-benchmark, redis-cli (Debian's redis-tools), awk, sort.

set -euo pipefail

BENCH_NAME=compare.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MEM_KEYS=1000000
ALL_CELLS="set-3-p1 set-3-p16 get-3-p1 get-3-p16 set-256-p1 set-256-p16 get-256-p1 get-256-p16"

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) ROUNDS=3; N_P1=20000; N_P16=100000; KEYS=100000; MEM_KEYS=100000; shift ;;
        --mem-keys) need_arg "$@"; is_uint "$2" "$1"; MEM_KEYS=$2; shift 2 ;;
        *) common_option "$@"; shift "$SHIFT_BY" ;;
    esac
done
[[ $KEYS -ge 1 && $MEM_KEYS -ge 1 ]] || die "--keys and --mem-keys must be at least 1"
select_cells "$ALL_CELLS"
bench_setup

# fill PORT SIZE COUNT: SET key:%012d to SIZE 'x' bytes for every key below COUNT, as
# redis-benchmark names them.
fill() {
    local port=$1 size=$2 count=$3
    awk -v n="$count" -v d="$size" 'BEGIN {
            v = ""; for (i = 0; i < d; i++) v = v "x";
            for (i = 0; i < n; i++)
                printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$%d\r\n%s\r\n", i, d, v;
        }' | pipe_load "$port" "$count"
}

# --- Cells --------------------------------------------------------------------------------
if [[ -n $CELLS ]]; then
    start_pair
    FILLED=
    for cell in $CELLS; do
        IFS=- read -r op size p <<<"$cell"
        pipe=${p#p}
        if [[ $FILLED != "$size" ]]; then
            log "filling $KEYS keys with $size-byte values in both servers"
            fill "$R_PORT" "$size" "$KEYS"
            fill "$S_PORT" "$size" "$KEYS"
            FILLED=$size
        fi
        n=$N_P1
        [[ $pipe == 1 ]] || n=$N_P16
        run_cell "$cell" "$n" -t "$op" -r "$KEYS" -d "$size" -P "$pipe"
    done
    stop_pair
fi

# --- Memory -------------------------------------------------------------------------------
# Loaders for mem_measure: PORT NAME.
load_populate() {
    redis-cli -p "$1" debug populate "$MEM_KEYS" | grep -q OK || die "DEBUG POPULATE failed on $2"
    check_dbsize "$@"
}
load_set3() {
    fill "$1" 3 "$MEM_KEYS"
    check_dbsize "$@"
}
check_dbsize() {
    local dbs
    dbs=$(redis-cli -p "$1" dbsize)
    [[ $dbs == "$MEM_KEYS" ]] || die "$2 holds $dbs keys after loading $MEM_KEYS"
}

if [[ $MEMORY == 1 ]]; then
    log "memory: $MEM_KEYS keys per measure"
    mem_measure "DEBUG POPULATE $MEM_KEYS" "$MEM_KEYS" 0 load_populate
    mem_measure "SET key:%012d, 3-byte values ($MEM_KEYS)" "$MEM_KEYS" 0 load_set3
fi

# --- Report -------------------------------------------------------------------------------
write_report "-c $CLIENTS -r $KEYS" \
    "| Bytes per key | Redis used_memory | Scarlet used_memory | Redis RSS | Scarlet RSS |" \
    "|---|---:|---:|---:|---:|"
