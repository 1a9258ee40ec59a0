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
#   --cells LIST     comma-separated subset of the eight cells, named OP-SIZE-pPIPELINE:
#                    set-3-p1 set-3-p16 get-3-p1 get-3-p16 set-256-p1 set-256-p16
#                    get-256-p1 get-256-p16 (default: all); "none" skips to memory
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
# The servers are stopped on exit (trap). Needs: cargo, taskset, redis-server,
# redis-benchmark, redis-cli (Debian's redis-tools), awk, sort.

set -euo pipefail

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=10
CELLS_ARG=all
OUT=
RAW=
SERVER_CPU=0
CLIENT_CPU=1
KEYS=1000000
MEM_KEYS=1000000
N_P1=100000
N_P16=500000
BUILD=1
MEMORY=1
CLIENTS=50
SCARLET_BIN=
REDIS_BIN=/usr/bin/redis-server
ALL_CELLS="set-3-p1 set-3-p16 get-3-p1 get-3-p16 set-256-p1 set-256-p16 get-256-p1 get-256-p16"

need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]] || die "$2: '$1' is not a non-negative integer"; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --rounds) need_arg "$@"; is_uint "$2" "$1"; ROUNDS=$2; shift 2 ;;
        --quick) ROUNDS=3; N_P1=20000; N_P16=100000; KEYS=100000; MEM_KEYS=100000; shift ;;
        --cells) need_arg "$@"; CELLS_ARG=$2; shift 2 ;;
        --no-memory) MEMORY=0; shift ;;
        --out) need_arg "$@"; OUT=$2; shift 2 ;;
        --raw) need_arg "$@"; RAW=$2; shift 2 ;;
        --cpu) need_arg "$@"; is_uint "$2" "$1"; SERVER_CPU=$2; shift 2 ;;
        --client-cpu) need_arg "$@"; is_uint "$2" "$1"; CLIENT_CPU=$2; shift 2 ;;
        --keys) need_arg "$@"; is_uint "$2" "$1"; KEYS=$2; shift 2 ;;
        --mem-keys) need_arg "$@"; is_uint "$2" "$1"; MEM_KEYS=$2; shift 2 ;;
        --n-p1) need_arg "$@"; is_uint "$2" "$1"; N_P1=$2; shift 2 ;;
        --n-p16) need_arg "$@"; is_uint "$2" "$1"; N_P16=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --scarlet) need_arg "$@"; SCARLET_BIN=$2; shift 2 ;;
        --redis) need_arg "$@"; REDIS_BIN=$2; shift 2 ;;
        -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
[[ $ROUNDS -ge 1 ]] || die "--rounds must be at least 1"
[[ $KEYS -ge 1 && $MEM_KEYS -ge 1 ]] || die "--keys and --mem-keys must be at least 1"

if [[ $CELLS_ARG == all ]]; then
    CELLS=$ALL_CELLS
elif [[ $CELLS_ARG == none ]]; then
    CELLS=
else
    CELLS=
    for c in ${CELLS_ARG//,/ }; do
        [[ " $ALL_CELLS " == *" $c "* ]] || die "unknown cell '$c' (cells: $ALL_CELLS)"
        CELLS+="$c "
    done
fi

# --- Tools --------------------------------------------------------------------------------
for t in taskset redis-benchmark redis-cli awk sort getconf; do
    command -v "$t" >/dev/null || die "'$t' not found (redis-benchmark and redis-cli come with Debian's redis-tools)"
done
[[ -x $REDIS_BIN ]] || die "redis-server not found at $REDIS_BIN (apt-get install redis-server, or --redis PATH)"
NPROC=$(nproc)
for c in "$SERVER_CPU" "$CLIENT_CPU"; do
    [[ $c -lt $NPROC ]] || die "core $c does not exist (nproc = $NPROC)"
done
[[ $SERVER_CPU != "$CLIENT_CPU" ]] || log "warning: servers and client share core $SERVER_CPU"
CLK_TCK=$(getconf CLK_TCK)

if [[ -z $SCARLET_BIN ]]; then
    SCARLET_BIN=$ROOT/target/release/scarlet-server
    if [[ $BUILD == 1 ]]; then
        command -v cargo >/dev/null || die "cargo not found (or use --no-build / --scarlet PATH)"
        log "building scarlet-server (release)"
        (cd "$ROOT" && cargo build --release -p scarlet-server) >&2 || die "cargo build failed"
    fi
fi
[[ -x $SCARLET_BIN ]] || die "scarlet-server not found at $SCARLET_BIN"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/scarlet-bench.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Servers ------------------------------------------------------------------------------
free_port() {
    local port used
    used=$(ss -Htan 2>/dev/null | awk '{n=split($4,a,":"); print a[n]}' || true)
    while :; do
        port=$((20000 + RANDOM % 40000))
        grep -qx "$port" <<<"$used" || { echo "$port"; return; }
    done
}

# start_server NAME BIN EXTRA_ARGS... : sets $STARTED_PID and $STARTED_PORT.
start_server() {
    local name=$1 bin=$2 port dir i
    shift 2
    port=$(free_port)
    dir=$SCRATCH/$name-$port
    mkdir -p "$dir"
    (cd "$dir" && exec taskset -c "$SERVER_CPU" "$bin" --save "" --appendonly no \
        --port "$port" --dir "$dir" "$@" >"$dir/server.log" 2>&1) &
    STARTED_PID=$!
    STARTED_PORT=$port
    PIDS+=("$STARTED_PID")
    for i in $(seq 100); do
        if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
            return 0
        fi
        kill -0 "$STARTED_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$dir/server.log" >&2 || true
    die "$name did not start on port $port"
}

stop_server() {
    local pid=$1 port=$2
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local kept=() p
    for p in "${PIDS[@]+"${PIDS[@]}"}"; do
        [[ $p == "$pid" ]] || kept+=("$p")
    done
    PIDS=("${kept[@]+"${kept[@]}"}")
}

# CPU ticks (utime + stime) of a process: fields 14 and 15 of /proc/PID/stat. Field 2 (the
# command name) may hold spaces, so count from after its closing parenthesis.
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat") || die "process $1 is gone"
    stat=${stat##*) }
    awk '{print $12 + $13}' <<<"$stat"
}

# fill PORT SIZE COUNT: SET key:%012d to SIZE 'x' bytes for every key below COUNT, as
# redis-benchmark names them.
fill() {
    local port=$1 size=$2 count=$3 out
    out=$(awk -v n="$count" -v d="$size" 'BEGIN {
            v = ""; for (i = 0; i < d; i++) v = v "x";
            for (i = 0; i < n; i++)
                printf "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$%d\r\n%s\r\n", i, d, v;
        }' | redis-cli -p "$port" --pipe 2>&1) || die "fill of port $port failed: $out"
    grep -q "errors: 0, replies: $count" <<<"$out" || die "fill of port $port: $out"
}

info_field() { # PORT FIELD
    redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'
}

# --- Statistics ---------------------------------------------------------------------------
median() { sort -g | awk '{a[NR] = $1} END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2f", lo, hi}'; }

# --- Report header ------------------------------------------------------------------------
START_TS=$(date +%s)
CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
REDIS_VERSION=$("$REDIS_BIN" --version | awk '{print $3}')
SCARLET_VERSION=$("$SCARLET_BIN" -v | sed -n 's/.*build=\([^ ]*\).*/\1/p')
SCARLET_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if ! git -C "$ROOT" diff --quiet HEAD 2>/dev/null; then SCARLET_COMMIT+="+dirty"; fi
BENCH_VERSION=$(redis-benchmark --version | awk '{print $2}')
RAWDATA=$SCRATCH/raw.tsv
: >"$RAWDATA"

# --- Cells --------------------------------------------------------------------------------
REPORT_ROWS=
if [[ -n $CELLS ]]; then
    start_server redis "$REDIS_BIN"
    R_PID=$STARTED_PID R_PORT=$STARTED_PORT
    start_server scarlet "$SCARLET_BIN"
    S_PID=$STARTED_PID S_PORT=$STARTED_PORT
    log "redis-server pid $R_PID port $R_PORT, scarlet-server pid $S_PID port $S_PORT, on core $SERVER_CPU"

    # run_one SERVER PID PORT OP SIZE PIPELINE N CELL ROUND
    run_one() {
        local who=$1 pid=$2 port=$3 op=$4 size=$5 pipe=$6 n=$7 cell=$8 round=$9
        local before after out rps
        before=$(cpu_ticks "$pid")
        out=$(taskset -c "$CLIENT_CPU" redis-benchmark -p "$port" -t "$op" -c "$CLIENTS" \
            -r "$KEYS" -d "$size" -P "$pipe" -n "$n" --csv 2>&1) ||
            die "redis-benchmark against $who failed: $out"
        after=$(cpu_ticks "$pid")
        rps=$(awk -F, 'NR == 2 {gsub(/"/, "", $2); print $2}' <<<"$out")
        [[ $rps =~ ^[0-9.]+$ ]] || die "no throughput in redis-benchmark output for $who: $out"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$cell" "$round" "$who" "$rps" \
            $((after - before)) "$n" >>"$RAWDATA"
    }

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
        log "cell $cell: $ROUNDS rounds of -n $n"
        for ((r = 0; r < ROUNDS; r++)); do
            if ((r % 2 == 0)); then
                run_one redis "$R_PID" "$R_PORT" "$op" "$size" "$pipe" "$n" "$cell" "$r"
                run_one scarlet "$S_PID" "$S_PORT" "$op" "$size" "$pipe" "$n" "$cell" "$r"
            else
                run_one scarlet "$S_PID" "$S_PORT" "$op" "$size" "$pipe" "$n" "$cell" "$r"
                run_one redis "$R_PID" "$R_PORT" "$op" "$size" "$pipe" "$n" "$cell" "$r"
            fi
        done

        # Per-pair ratios for this cell.
        pairs=$(awk -F'\t' -v c="$cell" -v hz="$CLK_TCK" '
            $1 == c && $3 == "redis"   {rr[$2] = $4; rc[$2] = $5 / $6}
            $1 == c && $3 == "scarlet" {sr[$2] = $4; sc[$2] = $5 / $6}
            END {
                for (k in rr) {
                    cr = (sc[k] > 0) ? rc[k] / sc[k] : "inf"
                    printf "%s %s %s %.6f %.6f %s\n", rr[k], sr[k], sr[k] / rr[k],
                        rc[k] * 1e6 / hz, sc[k] * 1e6 / hz, cr
                }
            }' "$RAWDATA")
        col() { awk -v i="$1" '{print $i}' <<<"$pairs"; }
        r_rps=$(col 1 | median) s_rps=$(col 2 | median)
        t_ratio=$(col 3 | median) t_spread=$(col 3 | minmax)
        r_us=$(col 4 | median) s_us=$(col 5 | median)
        c_ratio=$(col 6 | median) c_spread=$(col 6 | minmax)
        ok=$(awk -v a="$t_ratio" -v b="$c_ratio" 'BEGIN {print (a >= 1.0 && b >= 1.0) ? "yes" : "**no**"}')
        row=$(awk -v cell="$cell" -v rr="$r_rps" -v sr="$s_rps" -v tr="$t_ratio" -v ts="$t_spread" \
            -v ru="$r_us" -v su="$s_us" -v cr="$c_ratio" -v cs="$c_spread" -v ok="$ok" 'BEGIN {
            printf "| %s | %.0f | %.0f | %.2f (%s) | %.2f | %.2f | %.2f (%s) | %s |", cell, rr, sr,
                tr, ts, ru, su, cr, cs, ok }')
        log "$row"
        REPORT_ROWS+="$row"$'\n'
    done
    stop_server "$R_PID" "$R_PORT"
    stop_server "$S_PID" "$S_PORT"
fi

# --- Memory -------------------------------------------------------------------------------
MEM_ROWS=
if [[ $MEMORY == 1 ]]; then
    # mem_measure LABEL KIND : one fresh pair of servers, KIND is populate or set3.
    mem_measure() {
        local label=$1 kind=$2 row="| $1 |" rp_vals=() name bin pid port ub rb ua ra dbs
        for name in redis scarlet; do
            bin=$REDIS_BIN
            [[ $name == redis ]] || bin=$SCARLET_BIN
            start_server "$name" "$bin" --enable-debug-command yes
            pid=$STARTED_PID port=$STARTED_PORT
            sleep 0.5
            ub=$(info_field "$port" used_memory) rb=$(info_field "$port" used_memory_rss)
            if [[ $kind == populate ]]; then
                redis-cli -p "$port" debug populate "$MEM_KEYS" | grep -q OK ||
                    die "DEBUG POPULATE failed on $name"
            else
                fill "$port" 3 "$MEM_KEYS"
            fi
            dbs=$(redis-cli -p "$port" dbsize)
            [[ $dbs == "$MEM_KEYS" ]] || die "$name holds $dbs keys after loading $MEM_KEYS"
            sleep 0.5
            ua=$(info_field "$port" used_memory) ra=$(info_field "$port" used_memory_rss)
            rp_vals+=("$(( (ua - ub) / MEM_KEYS ))" "$(( (ra - rb) / MEM_KEYS ))")
            stop_server "$pid" "$port"
        done
        # Columns: Redis used_memory, Scarlet used_memory, Redis RSS, Scarlet RSS.
        row+=" ${rp_vals[0]} | ${rp_vals[2]} | ${rp_vals[1]} | ${rp_vals[3]} |"
        log "memory $row"
        MEM_ROWS+="$row"$'\n'
    }
    log "memory: $MEM_KEYS keys per measure"
    mem_measure "DEBUG POPULATE $MEM_KEYS" populate
    mem_measure "SET key:%012d, 3-byte values ($MEM_KEYS)" set3
fi

# --- Report -------------------------------------------------------------------------------
ELAPSED=$(( $(date +%s) - START_TS ))
REPORT=$SCRATCH/report.md
{
    echo "Machine: $NPROC cores, $CPU_MODEL; $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "Versions: redis-server $REDIS_VERSION ($REDIS_BIN), scarlet-server $SCARLET_VERSION" \
        "(commit $SCARLET_COMMIT), redis-benchmark $BENCH_VERSION"
    echo "Setup: servers on core $SERVER_CPU, client on core $CLIENT_CPU; -c $CLIENTS -r $KEYS;" \
        "$ROUNDS alternated pairs per cell; -n $N_P1 at P1, -n $N_P16 at P16; ${ELAPSED}s in all"
    if [[ -n $REPORT_ROWS ]]; then
        echo
        echo "| Cell | Redis ops/s | Scarlet ops/s | Throughput S/R (min-max) | Redis us CPU/op | Scarlet us CPU/op | CPU/op R/S (min-max) | Both >= 1.0 |"
        echo "|---|---:|---:|---:|---:|---:|---:|:---:|"
        printf '%s' "$REPORT_ROWS"
    fi
    if [[ -n $MEM_ROWS ]]; then
        echo
        echo "| Bytes per key | Redis used_memory | Scarlet used_memory | Redis RSS | Scarlet RSS |"
        echo "|---|---:|---:|---:|---:|"
        printf '%s' "$MEM_ROWS"
    fi
} >"$REPORT"
cat "$REPORT"
[[ -z $OUT ]] || cp "$REPORT" "$OUT"
[[ -z $RAW ]] || { printf 'cell\tround\tserver\tops_per_sec\tcpu_ticks\trequests\n'; cat "$RAWDATA"; } >"$RAW"
