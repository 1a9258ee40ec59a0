#!/usr/bin/env bash
# bench/special.sh: scarlet-server against Debian's redis-server on the "special" string
# types (bitmaps, HyperLogLog) and geo searches, side by side, in one run (the method of compare.sh, the
# helpers of lib.sh).
#
#   bench/special.sh [options]
#
# Options:
#   --quick            smoke check: 3 rounds, fewer requests
#   --rounds N         alternated pairs per cell (default 10)
#   --cells LIST       comma-separated subset of the cells below (default all); --only too
#   --out FILE         also write the Markdown report to FILE
#   --raw FILE         also write every run (cell, round, server, ops/s, CPU ticks, requests)
#   --cpu N            core both servers are pinned to (default 0)
#   --client-cpu N     core redis-benchmark is pinned to (default 1)
#   --keys N           distinct PFADD elements, redis-benchmark -r (default 1000000)
#   --n-p1 N           requests per run of a light cell at pipeline 1 (default 100000)
#   --n-p16 N          requests per run of a light cell at pipeline 16 (default 500000)
#   --n-heavy N        requests per run of a heavy cell, any pipeline (default 5000)
#   --bitmap-bytes N   length of the two bitmaps (default 1048576)
#   --hll-elements N   elements PFADDed into each of the three HyperLogLogs (default 100000)
#   --geo-points N     points GEOADDed into the geo set (default 100000)
#   --n-geo N          requests per run of a geosearch cell, any pipeline (default 20000)
#   --no-build         do not run cargo build (use the existing target/release binary)
#   --scarlet PATH     scarlet-server binary (default target/release/scarlet-server;
#                      SCARLET_BIN=/usr/bin/redis-server checks the script: ratios ~1.0)
#   --redis PATH       redis-server binary (default /usr/bin/redis-server)
#
# Throughput, as in compare.sh: both servers at once (--save "" --appendonly no, pinned
# with taskset to one core, redis-benchmark to another), each cell ROUNDS alternated pairs,
# medians of each server's throughput and CPU time per operation and of the per-pair
# ratios. Every cell is redis-benchmark -c 50 -P 1|16 with one custom command:
#   bitcount   BITCOUNT bitmap1                     (heavy: a 1 MB popcount per call)
#   bitop      BITOP AND bitdest bitmap1 bitmap2    (heavy: 1 MB written per call)
#   pfadd      PFADD hll1 element:__rand_int__ -r KEYS   (hll1 dense, as after the load)
#   pfcount    PFCOUNT hll1                         (one key: the cached estimate)
#   pfcount3   PFCOUNT hll1 hll2 hll3               (heavy: a three-way union per call)
#   geosearch  GEOSEARCH geo FROMLONLAT 14 38 BYRADIUS 5 km ASC COUNT 10 WITHDIST
#              (about 50 points in the circle, several hundred scanned in its 9 cells)
# Heavy cells run --n-heavy requests, light ones --n-p1 or --n-p16.
# Preconditions, set up in both servers before the first cell and checked: bitmap1 and
# bitmap2 hold the same BITMAP_BYTES random bytes in both servers (one file, SET -x);
# hll1..hll3 each had HLL_ELEMENTS distinct elements added (so they are dense); geo holds
# GEO_POINTS points spread evenly over longitudes 12..16 and latitudes 36..40 (around
# Sicily), the same pseudo-random ones in both servers (one file), and the geosearch
# command answers the same in both.
#
# Adding a cell: name it in ALL_CELLS (op-p1, op-p16), give it a request count in
# requests_for, and its redis-benchmark arguments in the case of the cell loop; data it
# needs goes in prepare().
#
# Needs: cargo, taskset, redis-server, redis-benchmark, redis-cli, awk, sort, head.

set -euo pipefail

BENCH_NAME=special.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N_HEAVY=5000
BITMAP_BYTES=1048576
HLL_ELEMENTS=100000
HLL_BATCH=1000
GEO_POINTS=100000
N_GEO=20000
GEO_BATCH=1000
GEO_SEARCH=(GEOSEARCH geo FROMLONLAT 14 38 BYRADIUS 5 km ASC COUNT 10 WITHDIST)
ALL_CELLS="bitcount-p1 bitcount-p16 bitop-p1 bitop-p16 pfadd-p1 pfadd-p16"
ALL_CELLS+=" pfcount-p1 pfcount-p16 pfcount3-p1 pfcount3-p16"
ALL_CELLS+=" geosearch-p1 geosearch-p16"

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) ROUNDS=3; N_P1=20000; N_P16=100000; N_HEAVY=1000; N_GEO=5000; KEYS=100000; shift ;;
        --n-heavy) need_arg "$@"; is_uint "$2" "$1"; N_HEAVY=$2; shift 2 ;;
        --bitmap-bytes) need_arg "$@"; is_uint "$2" "$1"; BITMAP_BYTES=$2; shift 2 ;;
        --hll-elements) need_arg "$@"; is_uint "$2" "$1"; HLL_ELEMENTS=$2; shift 2 ;;
        --geo-points) need_arg "$@"; is_uint "$2" "$1"; GEO_POINTS=$2; shift 2 ;;
        --n-geo) need_arg "$@"; is_uint "$2" "$1"; N_GEO=$2; shift 2 ;;
        *) common_option "$@"; shift "$SHIFT_BY" ;;
    esac
done
[[ $KEYS -ge 1 && $BITMAP_BYTES -ge 1 && $N_HEAVY -ge 1 ]] ||
    die "--keys, --bitmap-bytes and --n-heavy must be at least 1"
[[ $HLL_ELEMENTS -ge $HLL_BATCH && $((HLL_ELEMENTS % HLL_BATCH)) == 0 ]] ||
    die "--hll-elements must be a positive multiple of $HLL_BATCH"
[[ $GEO_POINTS -ge $GEO_BATCH && $((GEO_POINTS % GEO_BATCH)) == 0 && $N_GEO -ge 1 ]] ||
    die "--geo-points must be a positive multiple of $GEO_BATCH, --n-geo at least 1"
select_cells "$ALL_CELLS"
bench_setup

# expect PORT WANT COMMAND... : dies unless COMMAND answers WANT.
expect() {
    local port=$1 want=$2 got
    shift 2
    got=$(redis-cli -p "$port" "$@" 2>&1)
    [[ $got == "$want" ]] || die "port $port: '$*' answers '$got', expected $want"
}

# pfadd_resp KEY FIRST : RESP for PFADD of HLL_ELEMENTS elements e<FIRST + i> to KEY, in
# commands of HLL_BATCH elements.
pfadd_resp() {
    awk -v key="$1" -v first="$2" -v n="$HLL_ELEMENTS" -v batch="$HLL_BATCH" 'BEGIN {
        for (s = 0; s < n; s += batch) {
            printf "*%d\r\n$5\r\nPFADD\r\n$%d\r\n%s\r\n", batch + 2, length(key), key
            for (i = s; i < s + batch; i++) {
                e = "e" (first + i)
                printf "$%d\r\n%s\r\n", length(e), e
            }
        }
    }'
}

# geoadd_resp : RESP for GEOADD of GEO_POINTS points p<i> to geo, in commands of GEO_BATCH
# points; awk's generator with a fixed seed, so every run loads the same points.
geoadd_resp() {
    awk -v n="$GEO_POINTS" -v batch="$GEO_BATCH" 'BEGIN {
        srand(1)
        for (s = 0; s < n; s += batch) {
            printf "*%d\r\n$6\r\nGEOADD\r\n$3\r\ngeo\r\n", 3 * batch + 2
            for (i = s; i < s + batch; i++) {
                lon = sprintf("%.6f", 12 + 4 * rand())
                lat = sprintf("%.6f", 36 + 4 * rand())
                m = "p" i
                printf "$%d\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(lon), lon, length(lat), lat, length(m), m
            }
        }
    }'
}

# prepare : the data every cell reads, the same in both servers.
prepare() {
    local port file k
    for k in 1 2; do
        file=$SCRATCH/bitmap$k
        head -c "$BITMAP_BYTES" /dev/urandom >"$file"
    done
    for port in "$R_PORT" "$S_PORT"; do
        for k in 1 2; do
            redis-cli -p "$port" -x set "bitmap$k" <"$SCRATCH/bitmap$k" >/dev/null
            expect "$port" "$BITMAP_BYTES" strlen "bitmap$k"
        done
        for k in 1 2 3; do
            pfadd_resp "hll$k" $((k * HLL_ELEMENTS / 2)) |
                pipe_load "$port" $((HLL_ELEMENTS / HLL_BATCH))
            expect "$port" dense pfdebug encoding "hll$k"
        done
    done
    # Same data, same answers: a cheap check that the two servers hold the same values.
    for k in "bitcount bitmap1" "pfcount hll1" "pfcount hll1 hll2 hll3"; do
        # shellcheck disable=SC2086
        expect "$S_PORT" "$(redis-cli -p "$R_PORT" $k)" $k
    done
    log "bitmaps of $BITMAP_BYTES bytes and HyperLogLogs of $HLL_ELEMENTS elements loaded"
}

# prepare_geo : the geo set, the same in both servers.
prepare_geo() {
    local port
    geoadd_resp >"$SCRATCH/geo.resp"
    for port in "$R_PORT" "$S_PORT"; do
        pipe_load "$port" $((GEO_POINTS / GEO_BATCH)) <"$SCRATCH/geo.resp"
        expect "$port" "$GEO_POINTS" zcard geo
    done
    expect "$S_PORT" "$(redis-cli -p "$R_PORT" "${GEO_SEARCH[@]}")" "${GEO_SEARCH[@]}"
    log "$GEO_POINTS geo points loaded"
}

# selected OP... : whether any selected cell measures one of the OPs.
selected() {
    local cell op
    for cell in $CELLS; do
        for op in "$@"; do
            [[ ${cell%-p*} == "$op" ]] && return 0
        done
    done
    return 1
}

# requests_for OP PIPELINE : requests per run of the cell.
requests_for() {
    case $1 in
        bitcount|bitop|pfcount3) echo "$N_HEAVY" ;;
        geosearch) echo "$N_GEO" ;;
        *) if [[ $2 == 1 ]]; then echo "$N_P1"; else echo "$N_P16"; fi ;;
    esac
}

if [[ -n $CELLS ]]; then
    start_pair
    if selected bitcount bitop pfadd pfcount pfcount3; then prepare; fi
    if selected geosearch; then prepare_geo; fi
    for cell in $CELLS; do
        IFS=- read -r op p <<<"$cell"
        pipe=${p#p}
        n=$(requests_for "$op" "$pipe")
        case $op in
            bitcount) run_cell "$cell" "$n" -P "$pipe" BITCOUNT bitmap1 ;;
            bitop) run_cell "$cell" "$n" -P "$pipe" BITOP AND bitdest bitmap1 bitmap2 ;;
            pfadd) run_cell "$cell" "$n" -P "$pipe" -r "$KEYS" PFADD hll1 "element:__rand_int__" ;;
            pfcount) run_cell "$cell" "$n" -P "$pipe" PFCOUNT hll1 ;;
            pfcount3) run_cell "$cell" "$n" -P "$pipe" PFCOUNT hll1 hll2 hll3 ;;
            geosearch) run_cell "$cell" "$n" -P "$pipe" "${GEO_SEARCH[@]}" ;;
        esac
    done
    stop_pair
fi

write_report "-c $CLIENTS; bitmaps of $BITMAP_BYTES bytes, HyperLogLogs of $HLL_ELEMENTS elements, -r $KEYS for PFADD; heavy cells -n $N_HEAVY; $GEO_POINTS geo points, geosearch -n $N_GEO" "" ""
