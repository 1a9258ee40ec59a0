#!/usr/bin/env bash
# bench/collections.sh: scarlet-server against Debian's redis-server on lists, sets, hashes
# and sorted sets, side by side, in one run (the method of compare.sh, same helpers).
#
# Usage:
#   bench/collections.sh [--rounds N] [--quick] [--cells LIST] [--out FILE] [--raw FILE]
#                        [--no-memory] [--cpu N] [--client-cpu N] [--keys N] [--size N]
#                        [--mem-elements N] [--n-p1 N] [--n-p16 N] [--no-build]
#                        [--scarlet PATH] [--redis PATH]
#
#   --rounds N         alternated pairs of runs per cell (default 10)
#   --quick            smoke check: 3 rounds, -n 20000 / 100000, 100k members, 100k
#                      elements per memory measure (options after it override)
#   --cells LIST       (or --only) comma-separated subset of the twelve cells, named
#                      TEST-pPIPELINE: lpush-p1 lpush-p16 rpop-p1 rpop-p16 sadd-p1 sadd-p16
#                      hset-p1 hset-p16 zadd-p1 zadd-p16 lrange_100-p1 lrange_100-p16
#                      (default: all, in that order); "none" skips to memory
#   --no-memory        skip the bytes-per-element measures
#   --out FILE         also write the Markdown report to FILE
#   --raw FILE         also write every run (cell, round, server, ops/s, CPU ticks, requests)
#   --cpu N            core both servers are pinned to (default 0)
#   --client-cpu N     core redis-benchmark is pinned to (default 1)
#   --keys N           members of myset/myhash/myzset, redis-benchmark -r (default 1000000)
#   --size N           bytes of the LPUSH and HSET values, redis-benchmark -d (default 3)
#   --mem-elements N   elements per memory measure, a multiple of 10 (default 1000000)
#   --n-p1 N           requests per run at pipeline 1 (default 100000)
#   --n-p16 N          requests per run at pipeline 16 (default 500000)
#   --no-build         do not run cargo build (use the existing target/release binary)
#   --scarlet PATH     scarlet-server binary (default target/release/scarlet-server; the
#                      environment's SCARLET_BIN too: SCARLET_BIN=/usr/bin/redis-server
#                      measures redis against itself, to check the script: ratios ~1.0)
#   --redis PATH       redis-server binary (default /usr/bin/redis-server)
#
# Throughput. As in compare.sh: both servers run at once (--save "" --appendonly no, pinned
# with taskset to one core, redis-benchmark to another); each cell is run ROUNDS times
# against each server, even rounds Redis first, odd rounds Scarlet first; per run the
# throughput and the server's CPU time (user + system from /proc/PID/stat); per cell the
# medians of each server's throughput and CPU per operation, and the medians (and min-max)
# of the per-pair ratios, throughput Scarlet/Redis and CPU per op Redis/Scarlet (above 1.0:
# Scarlet better). Every cell is redis-benchmark -c 50 -P 1|16 with one test:
#   lpush       -t lpush -d SIZE       LPUSH mylist <SIZE bytes>
#   rpop        -t rpop                RPOP mylist
#   sadd        -t sadd -r KEYS        SADD myset element:<12 digits>
#   hset        -t hset -r KEYS -d SIZE  HSET myhash element:<12 digits> <SIZE bytes>
#   zadd        -t zadd -r KEYS        ZADD myzset <12 digits> element:<12 digits>
#   lrange_100  LRANGE mylist 0 99     the command -t lrange_100 sends, given as a custom
#               command: -t lrange_100 would first run its own LPUSH test of -n requests
#               in the same process, and that CPU time would count in the cell.
# Preconditions, established in both servers before the cell and checked:
#   rpop        mylist holds at least ROUNDS * (N + 16 * 50) items (so no RPOP finds it
#               empty; redis-benchmark may send up to a pipeline per client beyond -n);
#   lrange_100  mylist holds at least 100 items;
#   sadd, hset, zadd: myset, myhash, myzset hold all KEYS members of the -r keyspace
#               (element:000000000000 ...), so the runs update in a collection of steady
#               size and encoding (hashtable, hashtable, skiplist in Redis) rather than
#               grow it by a varying amount.
# Both lists are topped up to the same length (LPUSH of SIZE-byte items, 1000 a command).
# The cells run in the order given, on the same pair of servers, so mylist carries over
# from cell to cell; it is the same in both servers at every step.
#
# Memory: for each measure both servers are started fresh, INFO memory is read, the data is
# loaded through redis-cli --pipe (the same RESP into both), INFO memory is read again, and
# bytes per element = (after - before) / elements for used_memory and used_memory_rss; the
# last column is OBJECT ENCODING of one of the keys in each server. With E elements
# (--mem-elements, default 1M):
#   E/10 small hashes h:%07d of fields f0..f9 with values v0..v9 (one HSET per key);
#   one hash of E fields f%07d, values v<index> (HSET of 1000 fields a command);
#   E/10 small sets s:%07d of 10 integers, 10k..10k+9 for key k (one SADD per key);
#   one sorted set of E members m%07d, score the index (ZADD of 1000 a command);
#   one list of E items i%07d (RPUSH of 1000 a command).
#
# Shared helpers are in bench/lib.sh. The servers are stopped on exit (trap). Needs: cargo,
# taskset, redis-server, redis-benchmark, redis-cli (Debian's redis-tools), awk, sort.

set -euo pipefail

BENCH_NAME=collections.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE=3
MEM_ELEMENTS=1000000
BATCH=1000
ALL_CELLS="lpush-p1 lpush-p16 rpop-p1 rpop-p16 sadd-p1 sadd-p16 hset-p1 hset-p16 zadd-p1 zadd-p16"
ALL_CELLS+=" lrange_100-p1 lrange_100-p16"

while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) ROUNDS=3; N_P1=20000; N_P16=100000; KEYS=100000; MEM_ELEMENTS=100000; shift ;;
        --size) need_arg "$@"; is_uint "$2" "$1"; SIZE=$2; shift 2 ;;
        --mem-elements) need_arg "$@"; is_uint "$2" "$1"; MEM_ELEMENTS=$2; shift 2 ;;
        *) common_option "$@"; shift "$SHIFT_BY" ;;
    esac
done
[[ $KEYS -ge 1 && $SIZE -ge 1 ]] || die "--keys and --size must be at least 1"
[[ $MEM_ELEMENTS -ge 10 && $((MEM_ELEMENTS % 10)) == 0 ]] ||
    die "--mem-elements must be a positive multiple of 10"
select_cells "$ALL_CELLS"
bench_setup

printf -v VALUE '%*s' "$SIZE" ''
VALUE=${VALUE// /x}

# --- Loading ------------------------------------------------------------------------------
# resp_gen COMMAND KEY_FORMAT KEYS ELEMENTS STRIDE ARG_FORMAT... : RESP for COMMAND on the
# keys sprintf(KEY_FORMAT, k), k < KEYS, each given ELEMENTS elements in commands of at most
# BATCH elements; element e of key k adds one argument per ARG_FORMAT, sprintf(ARG_FORMAT,
# k * STRIDE + e) (a format without a conversion is a constant).
resp_gen() {
    local cmd=$1 keyfmt=$2 keys=$3 elems=$4 stride=$5 IFS=$'\x1f'
    shift 5
    awk -v cmd="$cmd" -v keyfmt="$keyfmt" -v keys="$keys" -v elems="$elems" \
        -v batch="$BATCH" -v stride="$stride" -v fmts="$*" 'BEGIN {
        nf = split(fmts, f, "\037")
        for (k = 0; k < keys; k++) {
            key = sprintf(keyfmt, k)
            for (s = 0; s < elems; s += batch) {
                m = elems - s; if (m > batch) m = batch
                printf "*%d\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", 2 + m * nf, length(cmd), cmd,
                    length(key), key
                for (e = s; e < s + m; e++)
                    for (j = 1; j <= nf; j++) {
                        a = sprintf(f[j], k * stride + e)
                        printf "$%d\r\n%s\r\n", length(a), a
                    }
            }
        }
    }'
}

# load PORT COMMAND KEY_FORMAT KEYS ELEMENTS STRIDE ARG_FORMAT... : resp_gen into PORT.
load() {
    local port=$1 keys=$4 elems=$5
    shift
    resp_gen "$@" | pipe_load "$port" $((keys * ((elems + BATCH - 1) / BATCH)))
}

# expect PORT NAME WANT COMMAND... : dies unless COMMAND answers WANT.
expect() {
    local port=$1 name=$2 want=$3 got
    shift 3
    got=$(redis-cli -p "$port" "$@" 2>&1)
    [[ $got == "$want" ]] || die "$name: '$*' answers '$got', expected $want"
}

llen() { redis-cli -p "$1" llen mylist; }

# ensure_list MIN : tops mylist up, in both servers, to the same length of at least MIN.
ensure_list() {
    local want=$1 port len
    for port in "$R_PORT" "$S_PORT"; do
        len=$(llen "$port")
        [[ $len =~ ^[0-9]+$ ]] || die "LLEN mylist on port $port: $len"
        ((len <= want)) || want=$len
    done
    for port in "$R_PORT" "$S_PORT"; do
        len=$(llen "$port")
        ((len >= want)) || load "$port" LPUSH mylist 1 $((want - len)) 0 "$VALUE"
        expect "$port" "port $port" "$want" llen mylist
    done
    log "mylist holds $want items in both servers"
}

# fill_member_keyspace OP : myset/myhash/myzset with every member of the -r keyspace.
FILLED=" "
fill_member_keyspace() {
    local op=$1 port key count args
    [[ $FILLED != *" $op "* ]] || return 0
    case $op in
        sadd) key=myset count=scard args=(SADD myset 1 "$KEYS" 0 "element:%012d") ;;
        hset) key=myhash count=hlen args=(HSET myhash 1 "$KEYS" 0 "element:%012d" "$VALUE") ;;
        zadd) key=myzset count=zcard args=(ZADD myzset 1 "$KEYS" 0 "%d" "element:%012d") ;;
    esac
    log "filling $key with $KEYS members in both servers"
    for port in "$R_PORT" "$S_PORT"; do
        load "$port" "${args[@]}"
        expect "$port" "port $port" "$KEYS" "$count" "$key"
    done
    FILLED+="$op "
}

# --- Cells --------------------------------------------------------------------------------
if [[ -n $CELLS ]]; then
    start_pair
    for cell in $CELLS; do
        IFS=- read -r op p <<<"$cell"
        pipe=${p#p}
        n=$N_P1
        [[ $pipe == 1 ]] || n=$N_P16
        case $op in
            lpush) run_cell "$cell" "$n" -P "$pipe" -t lpush -d "$SIZE" ;;
            rpop)
                ensure_list $((ROUNDS * (n + pipe * CLIENTS)))
                run_cell "$cell" "$n" -P "$pipe" -t rpop
                ;;
            sadd|zadd)
                fill_member_keyspace "$op"
                run_cell "$cell" "$n" -P "$pipe" -t "$op" -r "$KEYS"
                ;;
            hset)
                fill_member_keyspace "$op"
                run_cell "$cell" "$n" -P "$pipe" -t hset -r "$KEYS" -d "$SIZE"
                ;;
            lrange_100)
                ensure_list 100
                run_cell "$cell" "$n" -P "$pipe" LRANGE mylist 0 99
                ;;
        esac
    done
    stop_pair
fi

# --- Memory -------------------------------------------------------------------------------
SMALL=$((MEM_ELEMENTS / 10))
# Loaders for mem_measure: PORT NAME.
load_small_hashes() {
    load "$1" HSET "h:%07d" "$SMALL" 10 0 "f%d" "v%d"
    expect "$1" "$2" "$SMALL" dbsize
    expect "$1" "$2" 10 hlen h:0000000
}
load_big_hash() {
    load "$1" HSET bighash 1 "$MEM_ELEMENTS" 0 "f%07d" "v%d"
    expect "$1" "$2" "$MEM_ELEMENTS" hlen bighash
}
load_small_sets() {
    load "$1" SADD "s:%07d" "$SMALL" 10 10 "%d"
    expect "$1" "$2" "$SMALL" dbsize
    expect "$1" "$2" 10 scard s:0000000
}
load_big_zset() {
    load "$1" ZADD bigzset 1 "$MEM_ELEMENTS" 0 "%d" "m%07d"
    expect "$1" "$2" "$MEM_ELEMENTS" zcard bigzset
}
load_big_list() {
    load "$1" RPUSH biglist 1 "$MEM_ELEMENTS" 0 "i%07d"
    expect "$1" "$2" "$MEM_ELEMENTS" llen biglist
}

if [[ $MEMORY == 1 ]]; then
    log "memory: $MEM_ELEMENTS elements per measure"
    mem_measure "$SMALL hashes of 10 fields" "$MEM_ELEMENTS" 1 load_small_hashes h:0000000
    mem_measure "1 hash of $MEM_ELEMENTS fields" "$MEM_ELEMENTS" 1 load_big_hash bighash
    mem_measure "$SMALL sets of 10 integers" "$MEM_ELEMENTS" 1 load_small_sets s:0000000
    mem_measure "1 sorted set of $MEM_ELEMENTS members" "$MEM_ELEMENTS" 1 load_big_zset bigzset
    mem_measure "1 list of $MEM_ELEMENTS items" "$MEM_ELEMENTS" 1 load_big_list biglist
fi

# --- Report -------------------------------------------------------------------------------
write_report "-c $CLIENTS -r $KEYS -d $SIZE" \
    "| Bytes per element | Redis used_memory | Scarlet used_memory | Redis RSS | Scarlet RSS | Encoding R / S |" \
    "|---|---:|---:|---:|---:|---|"
