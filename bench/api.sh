#!/usr/bin/env bash
# Benchmark: query-api against nginx on the same machine. Replays
# REPLAY_START..REPLAY_END (default two months, every ticker) into a
# fresh database, starts query-api, and runs wrk (CONNS connections,
# DURATION each, after a short warm-up) against /health and three
# DB-backed routes: the latest recommendation of every ticker, one
# ticker's signals over a month, and the positions. Each body is then
# served as a static file of the same bytes by nginx (private prefix
# under var/, same port family, loopback only) and measured the same
# way. Prints req/s, p50, p99 and errors of both and the ratio to nginx.
#
#   bench/api.sh                      uses bin/stonks
#   BIN=bin/asan/stonks bench/api.sh  any other build
#
# Ports: BENCH_API_PORT (18011) and BENCH_NGINX_PORT (18012). The private
# PostgreSQL and Redis are those of scripts/stack.sh (started here when
# they are not running, and then stopped again).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${BIN:-bin/stonks}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
API_PORT=${BENCH_API_PORT:-18011}
NGINX_PORT=${BENCH_NGINX_PORT:-18012}
OUT=$ROOT/var/bench-api
export REPLAY_START=${REPLAY_START:-2011-09-01}
export REPLAY_END=${REPLAY_END:-2011-10-31}
export REPLAY_TICKERS=${REPLAY_TICKERS:-}
export STONKS_VAR_DIR=$OUT OBJECT_STORE_DIR=$OUT/objects QUEUE_BLOCK_MS=100
export LOG_LEVEL=warn

for tool in wrk nginx psql curl; do
    command -v "$tool" >/dev/null || {
        echo "bench/api: $tool is not installed (make deps)" >&2
        exit 1
    }
done

started_stack=0
api_pid=""
cleanup() {
    [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null && wait "$api_pid"
    [ -f "$OUT/nginx/nginx.pid" ] &&
        kill -QUIT "$(cat "$OUT/nginx/nginx.pid")" 2>/dev/null
    if [ "$started_stack" -eq 1 ]; then
        scripts/stack.sh stop
    fi
    return 0
}
trap cleanup EXIT
eval "$(scripts/stack.sh env)"
if ! pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT" ||
    ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    eval "$(scripts/stack.sh start)"
    started_stack=1
fi

rm -rf "$OUT"
mkdir -p "$OUT/nginx/html" "$OUT/nginx/logs" "$OUT/nginx/tmp"
psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -q \
    -c "DROP DATABASE IF EXISTS stonks_bench_api" \
    -c "CREATE DATABASE stonks_bench_api OWNER stonks" >/dev/null
export POSTGRES_DB=stonks_bench_api
sql() {
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U stonks -d "$POSTGRES_DB" -At \
        -v ON_ERROR_STOP=1 -c "$1"
}

echo "replaying $REPLAY_START..$REPLAY_END into stonks_bench_api"
"$BIN" demo >"$OUT/demo.out" 2>&1 || {
    tail -n 20 "$OUT/demo.out"
    exit 1
}
# Positions come from trading; when the replay made none, ten made-up
# ones give the route something to value.
if [ "$(sql "SELECT count(*) FROM positions")" -eq 0 ]; then
    sql "INSERT INTO positions (ticker, qty, cost_basis_cents)
         SELECT ticker, 10 + row_number() OVER (ORDER BY ticker),
                1000000 FROM symbols ORDER BY ticker LIMIT 10" >/dev/null
fi
echo "data: $(sql "SELECT count(*) FROM documents") documents," \
    "$(sql "SELECT count(*) FROM signals") signals," \
    "$(sql "SELECT count(*) FROM recommendations") recommendations"

# Starts query-api with HTTP_CACHE_MS=$1.
start_api() {
    if [ -n "$api_pid" ]; then
        kill "$api_pid"
        wait "$api_pid" || true
    fi
    HTTP_CACHE_MS=$1 HTTP_PORT=$API_PORT "$BIN" query-api \
        >>"$OUT/query-api.log" 2>&1 &
    api_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$API_PORT/ready" >/dev/null && return 0
        sleep 0.1
    done
    echo "bench/api: query-api did not start; see $OUT/query-api.log" >&2
    exit 1
}
start_api "${HTTP_CACHE_MS:-1000}"

cat >"$OUT/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $OUT/nginx/tmp/body;
    proxy_temp_path $OUT/nginx/tmp/proxy;
    fastcgi_temp_path $OUT/nginx/tmp/fastcgi;
    uwsgi_temp_path $OUT/nginx/tmp/uwsgi;
    scgi_temp_path $OUT/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            root $OUT/nginx/html;
            default_type application/json;
        }
    }
}
CONF
nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf"

# wrk URL -> "req/s p50_ms p99_ms errors"
measure() {
    local out
    wrk -t"$WRK_THREADS" -c"$CONNS" -d1s "$1" >/dev/null
    out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "$1")
    echo "$out" | awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000
            if (v ~ /ms$/) return v + 0
            if (v ~ /s$/) return v * 1000
            return v
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Non-2xx/ { err += $NF }
        /Socket errors/ {
            gsub(",", ""); err += $4 + $6 + $8 + $10
        }
        END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, err }'
}

endpoints=(
    "health /health 0.40"
    "latest /recommendations/latest 0.15"
    "signals /signals?ticker=AAPL&from=2011-10-01&to=2011-10-31&limit=500 0.15"
    "positions /positions 0.15"
)
header() {
    printf '\n%s\n%-10s %7s | %9s %7s %7s %6s | %9s %7s %7s | %6s %6s\n' \
        "$1" endpoint bytes "api req/s" "p50 ms" "p99 ms" errors \
        "nginx r/s" "p50 ms" "p99 ms" ratio target
}
summary=()
declare -A nginx_figures
# run TAG: measures every endpoint (nginx once per endpoint and run).
run() {
    local tag=$1 e name path target bytes rps p50 p99 err ratio
    for e in "${endpoints[@]}"; do
        read -r name path target <<<"$e"
        [ "$tag" == nocache ] && [ "$name" == health ] && continue
        curl -sf "http://127.0.0.1:$API_PORT$path" \
            >"$OUT/nginx/html/$name.json"
        bytes=$(wc -c <"$OUT/nginx/html/$name.json")
        read -r rps p50 p99 err <<<"$(measure \
            "http://127.0.0.1:$API_PORT$path")"
        if [ -z "${nginx_figures[$name]:-}" ]; then
            nginx_figures[$name]=$(measure \
                "http://127.0.0.1:$NGINX_PORT/$name.json")
        fi
        read -r nrps np50 np99 nerr <<<"${nginx_figures[$name]}"
        ratio=$(awk -v a="$rps" -v b="$nrps" 'BEGIN {printf "%.2f", a / b}')
        printf '%-10s %7d | %9d %7.2f %7.2f %6d | %9d %7.2f %7.2f | %6s %6s\n' \
            "$name" "$bytes" "$rps" "$p50" "$p99" "$err" "$nrps" "$np50" \
            "$np99" "$ratio" ">=$target"
        summary+=("api_${tag}_${name}_rps $rps" "api_${tag}_${name}_p50_ms $p50"
            "api_${tag}_${name}_p99_ms $p99" "api_${tag}_${name}_errors $err"
            "nginx_${name}_rps $nrps" "api_${tag}_${name}_ratio $ratio")
    done
}
header "query-api as configured (HTTP_CACHE_MS=${HTTP_CACHE_MS:-1000}: read answers reused up to that long)"
run cached
start_api 0
header "query-api with HTTP_CACHE_MS=0 (every request goes to PostgreSQL)"
run nocache
echo
printf '%s\n' "${summary[@]}" | sort -u
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
