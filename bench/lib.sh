# bench/lib.sh: what compare.sh and collections.sh share; sourced by them, never run.
#
# It owns the common options (--rounds, --cells/--only, --out, --raw, --cpu, --client-cpu,
# --keys, --n-p1, --n-p16, --no-memory, --no-build, --scarlet, --redis, --help), the tool
# checks and the release build, the servers (started pinned, in a scratch directory,
# stopped on exit), the alternated pairs of redis-benchmark runs with their medians, the
# bytes-per-unit memory measure and the Markdown report. What is measured (cells, data,
# preconditions) stays in each script. The caller sets BENCH_NAME before sourcing and its
# own defaults after.
#
# SCARLET_BIN and REDIS_BIN may come from the environment (the options override them):
# SCARLET_BIN=/usr/bin/redis-server runs a second redis-server as the "scarlet" side, which
# checks a script on its own (every ratio should come out near 1.0).
#
# shellcheck shell=bash disable=SC2034
# (SC2034: the defaults below are read by the sourcing scripts.)

die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value"; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]] || die "$2: '$1' is not a non-negative integer"; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=10
CELLS_ARG=all
OUT=
RAW=
SERVER_CPU=0
CLIENT_CPU=1
KEYS=1000000
N_P1=100000
N_P16=500000
BUILD=1
SERVER_ARGS=()
MEMORY=1
CLIENTS=50
SCARLET_BIN=${SCARLET_BIN:-}
REDIS_BIN=${REDIS_BIN:-/usr/bin/redis-server}

# common_option ARGS... : takes one of the shared options off the front of ARGS and sets
# SHIFT_BY to the number of words it used; dies on anything else.
common_option() {
    SHIFT_BY=2
    case $1 in
        --rounds) need_arg "$@"; is_uint "$2" "$1"; ROUNDS=$2 ;;
        --cells|--only) need_arg "$@"; CELLS_ARG=$2 ;;
        --no-memory) MEMORY=0; SHIFT_BY=1 ;;
        --out) need_arg "$@"; OUT=$2 ;;
        --raw) need_arg "$@"; RAW=$2 ;;
        --cpu) need_arg "$@"; is_uint "$2" "$1"; SERVER_CPU=$2 ;;
        --client-cpu) need_arg "$@"; is_uint "$2" "$1"; CLIENT_CPU=$2 ;;
        --keys) need_arg "$@"; is_uint "$2" "$1"; KEYS=$2 ;;
        --n-p1) need_arg "$@"; is_uint "$2" "$1"; N_P1=$2 ;;
        --n-p16) need_arg "$@"; is_uint "$2" "$1"; N_P16=$2 ;;
        --no-build) BUILD=0; SHIFT_BY=1 ;;
        --scarlet) need_arg "$@"; SCARLET_BIN=$2 ;;
        --redis) need_arg "$@"; REDIS_BIN=$2 ;;
        --server-args) need_arg "$@"; read -r -a SERVER_ARGS <<<"$2" ;;
        -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
}

# select_cells ALL_CELLS : sets CELLS from CELLS_ARG ("all", "none" or a comma-separated
# subset of ALL_CELLS, kept in the order given).
select_cells() {
    local all=$1 c
    [[ $ROUNDS -ge 1 ]] || die "--rounds must be at least 1"
    CELLS=
    case $CELLS_ARG in
        all) CELLS=$all ;;
        none) ;;
        *)
            for c in ${CELLS_ARG//,/ }; do
                [[ " $all " == *" $c "* ]] || die "unknown cell '$c' (cells: $all)"
                CELLS+="$c "
            done
            ;;
    esac
}

# bench_setup : checks the tools and cores, builds scarlet-server unless told where it is,
# makes the scratch directory (removed on exit, with every server still running) and reads
# the versions for the report.
bench_setup() {
    local t c
    for t in taskset redis-benchmark redis-cli awk sort getconf; do
        command -v "$t" >/dev/null ||
            die "'$t' not found (redis-benchmark and redis-cli come with Debian's redis-tools)"
    done
    [[ -x $REDIS_BIN ]] ||
        die "redis-server not found at $REDIS_BIN (apt-get install redis-server, or --redis PATH)"
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
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    START_TS=$(date +%s)
    CPU_MODEL=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    REDIS_VERSION=$("$REDIS_BIN" --version | awk '{print $3}')
    SCARLET_VERSION=$("$SCARLET_BIN" -v | sed -n 's/.*build=\([^ ]*\).*/\1/p')
    SCARLET_COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if ! git -C "$ROOT" diff --quiet HEAD 2>/dev/null; then SCARLET_COMMIT+="+dirty"; fi
    BENCH_VERSION=$(redis-benchmark --version | awk '{print $2}')
    RAWDATA=$SCRATCH/raw.tsv
    : >"$RAWDATA"
    REPORT_ROWS=
    MEM_ROWS=
}

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

# start_pair : one redis-server and one scarlet-server for the cells; sets R_PID R_PORT
# S_PID S_PORT.
start_pair() {
    start_server redis "$REDIS_BIN" "${SERVER_ARGS[@]+"${SERVER_ARGS[@]}"}"
    R_PID=$STARTED_PID R_PORT=$STARTED_PORT
    start_server scarlet "$SCARLET_BIN" "${SERVER_ARGS[@]+"${SERVER_ARGS[@]}"}"
    S_PID=$STARTED_PID S_PORT=$STARTED_PORT
    log "redis-server pid $R_PID port $R_PORT, scarlet-server pid $S_PID port $S_PORT, on core $SERVER_CPU"
}

stop_pair() {
    stop_server "$R_PID" "$R_PORT"
    stop_server "$S_PID" "$S_PORT"
}

# CPU ticks (utime + stime) of a process: fields 14 and 15 of /proc/PID/stat. Field 2 (the
# command name) may hold spaces, so count from after its closing parenthesis.
cpu_ticks() {
    local stat
    stat=$(<"/proc/$1/stat") || die "process $1 is gone"
    stat=${stat##*) }
    awk '{print $12 + $13}' <<<"$stat"
}

# pipe_load PORT REPLIES : sends the RESP commands on stdin through redis-cli --pipe and
# checks that exactly REPLIES replies came back, none of them an error.
pipe_load() {
    local port=$1 replies=$2 out
    out=$(redis-cli -p "$port" --pipe 2>&1) || die "loading into port $port failed: $out"
    grep -q "errors: 0, replies: $replies\$" <<<"$out" || die "loading into port $port: $out"
}

info_field() { # PORT FIELD
    redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'
}

# --- Statistics ---------------------------------------------------------------------------
median() { sort -g | awk '{a[NR] = $1} END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.2f-%.2f", lo, hi}'; }

# --- Cells --------------------------------------------------------------------------------
# run_one SERVER CELL ROUND N BENCHMARK_ARGS... : one redis-benchmark run of N requests (one
# test only: the throughput is the first row of --csv) against redis or scarlet, recorded
# with the server's CPU ticks in RAWDATA.
run_one() {
    local who=$1 cell=$2 round=$3 n=$4 pid port before after out rps
    shift 4
    if [[ $who == redis ]]; then pid=$R_PID port=$R_PORT; else pid=$S_PID port=$S_PORT; fi
    before=$(cpu_ticks "$pid")
    out=$(taskset -c "$CLIENT_CPU" redis-benchmark -p "$port" -c "$CLIENTS" -n "$n" --csv "$@" 2>&1) ||
        die "redis-benchmark against $who failed: $out"
    after=$(cpu_ticks "$pid")
    # The test name is the command line and may hold commas: count from the end (rps is
    # followed by six latency columns).
    rps=$(awk -F, 'NR == 2 {gsub(/"/, "", $(NF - 6)); print $(NF - 6)}' <<<"$out")
    [[ $rps =~ ^[0-9.]+$ ]] || die "no throughput in redis-benchmark output for $who: $out"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$cell" "$round" "$who" "$rps" \
        $((after - before)) "$n" >>"$RAWDATA"
}

# run_cell CELL N BENCHMARK_ARGS... : ROUNDS alternated pairs (even rounds Redis first, odd
# rounds Scarlet first), then the cell's row of the report.
run_cell() {
    local cell=$1 n=$2 r
    shift 2
    log "cell $cell: $ROUNDS rounds of -n $n"
    for ((r = 0; r < ROUNDS; r++)); do
        if ((r % 2 == 0)); then
            run_one redis "$cell" "$r" "$n" "$@"
            run_one scarlet "$cell" "$r" "$n" "$@"
        else
            run_one scarlet "$cell" "$r" "$n" "$@"
            run_one redis "$cell" "$r" "$n" "$@"
        fi
    done
    summarize_cell "$cell"
}

# summarize_cell CELL : medians of the per-pair ratios of CELL, appended to REPORT_ROWS.
summarize_cell() {
    local cell=$1 pairs r_rps s_rps t_ratio t_spread r_us s_us c_ratio c_spread ok row
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
}

# --- Memory -------------------------------------------------------------------------------
# mem_measure LABEL UNITS DECIMALS LOADER [SAMPLE_KEY] : for each server, started fresh,
# INFO memory before and after `LOADER PORT NAME` (which loads and checks the data), and
# (after - before) / UNITS bytes for used_memory and used_memory_rss, with DECIMALS decimals
# (0: truncated, as integer division would). With SAMPLE_KEY, OBJECT ENCODING of that key
# on each server is added as a last column. Appends the row to MEM_ROWS.
mem_measure() {
    local label=$1 units=$2 decimals=$3 loader=$4 sample=${5:-} vals=() encs=()
    local name bin pid port ub rb ua ra row
    for name in redis scarlet; do
        bin=$REDIS_BIN
        [[ $name == redis ]] || bin=$SCARLET_BIN
        start_server "$name" "$bin" --enable-debug-command yes
        pid=$STARTED_PID port=$STARTED_PORT
        sleep 0.5
        ub=$(info_field "$port" used_memory) rb=$(info_field "$port" used_memory_rss)
        "$loader" "$port" "$name"
        sleep 0.5
        ua=$(info_field "$port" used_memory) ra=$(info_field "$port" used_memory_rss)
        vals+=("$(per_unit "$ub" "$ua" "$units" "$decimals")"
            "$(per_unit "$rb" "$ra" "$units" "$decimals")")
        [[ -z $sample ]] || encs+=("$(redis-cli -p "$port" object encoding "$sample" 2>&1)")
        stop_server "$pid" "$port"
    done
    # Columns: Redis used_memory, Scarlet used_memory, Redis RSS, Scarlet RSS.
    row="| $label | ${vals[0]} | ${vals[2]} | ${vals[1]} | ${vals[3]} |"
    [[ -z $sample ]] || row+=" ${encs[0]} / ${encs[1]} |"
    log "memory $row"
    MEM_ROWS+="$row"$'\n'
}

per_unit() { # BEFORE AFTER UNITS DECIMALS
    awk -v b="$1" -v a="$2" -v u="$3" -v d="$4" 'BEGIN {
        x = (a - b) / u; if (d == 0) print int(x); else printf "%." d "f\n", x }'
}

# --- Report -------------------------------------------------------------------------------
# write_report SETUP MEMORY_HEADER MEMORY_ALIGN : prints the report (and copies it to --out,
# the raw runs to --raw). SETUP is the script's own description of the runs.
write_report() {
    local setup=$1 mem_header=$2 mem_align=$3 report=$SCRATCH/report.md elapsed
    elapsed=$(($(date +%s) - START_TS))
    {
        echo "Machine: $NPROC cores, $CPU_MODEL; $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "Versions: redis-server $REDIS_VERSION ($REDIS_BIN), scarlet-server $SCARLET_VERSION" \
            "($SCARLET_BIN, commit $SCARLET_COMMIT), redis-benchmark $BENCH_VERSION"
        echo "Setup: servers on core $SERVER_CPU, client on core $CLIENT_CPU; $setup;" \
            "$ROUNDS alternated pairs per cell; -n $N_P1 at P1, -n $N_P16 at P16; ${elapsed}s in all"
        if [[ -n $REPORT_ROWS ]]; then
            echo
            echo "| Cell | Redis ops/s | Scarlet ops/s | Throughput S/R (min-max) | Redis us CPU/op | Scarlet us CPU/op | CPU/op R/S (min-max) | Both >= 1.0 |"
            echo "|---|---:|---:|---:|---:|---:|---:|:---:|"
            printf '%s' "$REPORT_ROWS"
        fi
        if [[ -n $MEM_ROWS ]]; then
            echo
            echo "$mem_header"
            echo "$mem_align"
            printf '%s' "$MEM_ROWS"
        fi
    } >"$report"
    cat "$report"
    [[ -z $OUT ]] || cp "$report" "$OUT"
    [[ -z $RAW ]] || { printf 'cell\tround\tserver\tops_per_sec\tcpu_ticks\trequests\n'; cat "$RAWDATA"; } >"$RAW"
}
