#!/usr/bin/env bash
# Benchmark: the read APIs at a fixed request rate while the pipeline
# replays (issue 12, "Load"). Runs `bin/stonks demo` with trading on and
# the replay slowed by REPLAY_PACE_MS so that it lasts the whole run,
# then holds, with wrk and bench/load/paced.lua (wrk has no rate option;
# the script's delay() paces each connection):
#
#   query-api       LOAD_RATE req/s (500) over LOAD_CONNS connections
#                   (48): the latest recommendations, one ticker's
#                   signals (LOAD_TICKERS in turn), positions, the
#                   account and, one request in ten, the trading status
#                   (passed on to trading-engine), with a bearer token
#                   (API_READ_AUTH=1); LOAD_API_PATHS
#   trading-engine  LOAD_TRADING_RATE req/s (150) over LOAD_TRADING_CONNS
#                   (24): GET /status, /orders, /decisions;
#                   LOAD_TRADING_PATHS
#
# for LOAD_SECONDS (60) after LOAD_WARMUP_SECONDS (15) at the same rate
# (long enough for the pools and the answer cache to fill and for the
# orders and decisions lists to reach their page size), and samples
# VmRSS of both services every second from the first second of the run.
# It prints, per route group, the achieved rate, p50, p99, max and
# errors (non-2xx answers and socket errors, timeouts over LOAD_TIMEOUT,
# 2s, included); per service the first, last and largest RSS and the
# growth; after the replay the totals and every queue and dead-letter
# list. Exits 1 when a target is missed: an error, an achieved rate
# under LOAD_MIN_RATE_PCT (95) of the one asked (the service could not
# keep up), the replay over before the load, a service restarted, RSS
# grown more than LOAD_MAX_GROWTH_PCT (10), totals other than the full
# replay's, or a job left in a queue or a dead-letter list.
#
# Uses a running stack when POSTGRES_PORT is set, else starts its own
# (under var/bench-load/stack, ports 15481 and 16481) and stops it again.
# BIN=path runs another build of stonks (default bin/stonks).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
BIN=${BIN:-bin/stonks}
LOAD_SECONDS=${LOAD_SECONDS:-60}
LOAD_WARMUP_SECONDS=${LOAD_WARMUP_SECONDS:-15}
LOAD_RATE=${LOAD_RATE:-500}
LOAD_CONNS=${LOAD_CONNS:-48}
LOAD_TRADING_RATE=${LOAD_TRADING_RATE:-150}
LOAD_TRADING_CONNS=${LOAD_TRADING_CONNS:-24}
LOAD_THREADS=${LOAD_THREADS:-1}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-2s}
LOAD_MAX_GROWTH_PCT=${LOAD_MAX_GROWTH_PCT:-10}
LOAD_MIN_RATE_PCT=${LOAD_MIN_RATE_PCT:-95}
# In turn, so one request in ten goes on to trading-engine.
API_PATHS="/recommendations/latest /signals?ticker={T} /positions"
API_PATHS+=" /recommendations/latest /signals?ticker={T} /account"
API_PATHS+=" /recommendations/latest /signals?ticker={T} /positions"
LOAD_API_PATHS=${LOAD_API_PATHS:-$API_PATHS /trading/status}
LOAD_TRADING_PATHS=${LOAD_TRADING_PATHS:-/status /orders /decisions}
export LOAD_TICKERS=${LOAD_TICKERS:-AAPL,MSFT,GOOGL,AMZN,JPM,XOM,PFE,T,GE,F}
export STONKS_VAR_DIR=${STONKS_VAR_DIR:-$ROOT/var/bench-load}
export QUERY_API_URL=${QUERY_API_URL:-http://127.0.0.1:18321}
export REGISTRY_URL=${REGISTRY_URL:-http://127.0.0.1:18322}
export TRADING_ENGINE_URL=${TRADING_ENGINE_URL:-http://127.0.0.1:18323}
export RISK_ENGINE_URL=${RISK_ENGINE_URL:-http://127.0.0.1:18324}
export DEMO_TRADING=1
# Ingestion close behind the paced sealing, so the pipeline works all
# through the measured minute instead of in its first seconds.
export REPLAY_LOOKAHEAD_DAYS=${REPLAY_LOOKAHEAD_DAYS:-10}
# The full replay has 125 trading days; spread them over the warm-up,
# the run and a few seconds of margin, so the load never meets an idle
# pipeline.
export REPLAY_PACE_MS=${REPLAY_PACE_MS:-$(((LOAD_WARMUP_SECONDS + \
    LOAD_SECONDS + 8) * 1000 / 125))}
# Read routes need a token, so the load goes through the auth check.
if [ -z "${API_TOKENS:-}" ]; then
    API_TOKENS=load-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    export API_TOKENS
fi
export API_READ_AUTH=${API_READ_AUTH:-1}
LOAD_TOKEN=${API_TOKENS%%,*}
LOAD_TOKEN=${LOAD_TOKEN// /}
export LOAD_TOKEN
OUT=$STONKS_VAR_DIR
LUA=$ROOT/bench/load/paced.lua

for tool in wrk curl redis-cli; do
    command -v "$tool" >/dev/null || {
        echo "bench/load: $tool is not installed (make deps)" >&2
        exit 1
    }
done

started_stack=0
demo=""
sampler=""
wrks=()
children=()
cleanup() {
    local p
    for p in "${wrks[@]}" $sampler; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    if [ -n "$demo" ] && kill -0 "$demo" 2>/dev/null; then
        kill "$demo" 2>/dev/null
        wait "$demo" 2>/dev/null
    fi
    # Children the demo could not stop (it was killed itself).
    for p in "${children[@]}"; do
        if [ "$( (tr '\0' ' ' <"/proc/$p/cmdline") 2>/dev/null |
            cut -d' ' -f1)" == stonks ]; then
            kill "$p" 2>/dev/null
        fi
    done
    if [ "$started_stack" -eq 1 ]; then
        scripts/stack.sh stop >/dev/null
    fi
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${POSTGRES_PORT:-}" ]; then
    if [ -z "${STONKS_STACK_DIR:-}" ]; then
        export STONKS_STACK_DIR=$OUT/stack STONKS_PG_PORT=15481 \
            STONKS_REDIS_PORT=16481
    fi
    eval "$(scripts/stack.sh start)" || exit 1
    started_stack=1
fi
mkdir -p "$OUT"
rm -rf "$OUT/log"
rm -f "$OUT"/*.wrk "$OUT"/rss.samples

# The PID of the demo's child running service $1, or nothing.
child_pid() {
    local p
    for p in $(ps --ppid "$demo" -o pid= 2>/dev/null); do
        if [ "$( (tr '\0' ' ' <"/proc/$p/cmdline") 2>/dev/null |
            awk '{print $2}')" == "$1" ]; then
            echo "$p"
            return 0
        fi
    done
}

progress() {
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --raw \
        GET stonks:replay:progress 2>/dev/null | tr ' ' /
}

echo "bench/load: replay paced at ${REPLAY_PACE_MS} ms a day; query-api" \
    "$LOAD_RATE req/s over $LOAD_CONNS connections, trading-engine" \
    "$LOAD_TRADING_RATE req/s over $LOAD_TRADING_CONNS, ${LOAD_SECONDS}s" \
    "after ${LOAD_WARMUP_SECONDS}s of warm-up"
"$BIN" demo >"$OUT/demo.out" 2>&1 &
demo=$!

api_pid=""
te_pid=""
for _ in $(seq 1 600); do
    kill -0 "$demo" 2>/dev/null || break
    [ -n "$api_pid" ] || api_pid=$(child_pid query-api)
    [ -n "$te_pid" ] || te_pid=$(child_pid trading-engine)
    if [ -n "$api_pid" ] && [ -n "$te_pid" ] &&
        curl -sf "$QUERY_API_URL/ready" >/dev/null &&
        curl -sf "$TRADING_ENGINE_URL/ready" >/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$api_pid" ] || [ -z "$te_pid" ] ||
    ! curl -sf "$QUERY_API_URL/ready" >/dev/null ||
    ! curl -sf "$TRADING_ENGINE_URL/ready" >/dev/null; then
    echo "bench/load: query-api or trading-engine did not become ready" \
        "(see $OUT/demo.out and $OUT/log)" >&2
    tail -n 20 "$OUT/demo.out" >&2
    exit 1
fi
read -r -a children <<<"$(ps --ppid "$demo" -o pid= | tr '\n' ' ')"

# wrk_group NAME URL RATE CONNS SECONDS PATH...: one paced wrk, in the
# background; its output goes to $OUT/NAME.wrk.
wrk_group() {
    local name=$1 url=$2 rate=$3 conns=$4 secs=$5
    shift 5
    wrk -t"$LOAD_THREADS" -c"$conns" -d"${secs}s" --timeout "$LOAD_TIMEOUT" \
        -s "$LUA" "$url" -- "$rate" "$LOAD_THREADS" "$@" \
        >"$OUT/$name.wrk" 2>&1 &
    wrks+=($!)
}

# shellcheck disable=SC2086 # the path lists are split on purpose
run_load() {
    wrks=()
    wrk_group "$1-query-api" "$QUERY_API_URL" "$LOAD_RATE" "$LOAD_CONNS" \
        "$2" $LOAD_API_PATHS
    wrk_group "$1-trading-engine" "$TRADING_ENGINE_URL" \
        "$LOAD_TRADING_RATE" "$LOAD_TRADING_CONNS" "$2" $LOAD_TRADING_PATHS
    wait "${wrks[@]}"
    wrks=()
}

if [ "$LOAD_WARMUP_SECONDS" -gt 0 ]; then
    run_load warmup "$LOAD_WARMUP_SECONDS"
fi

# VmRSS of a process in kB, or "gone".
rss_of() {
    local v
    v=$(awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null)
    echo "${v:-gone}"
}
# Both services once a second while the load runs, from its first
# second on (once wrk's connections are open).
(
    while :; do
        sleep 1
        echo "$(rss_of "$api_pid") $(rss_of "$te_pid")"
    done
) >"$OUT/rss.samples" &
sampler=$!
progress_start=$(progress)
t0=$(date +%s.%N)
run_load load "$LOAD_SECONDS"
t1=$(date +%s.%N)
progress_end=$(progress)
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
sampler=""
demo_running=0
kill -0 "$demo" 2>/dev/null && demo_running=1

echo "waiting for the replay to end (demo log: $OUT/demo.out)"
wait "$demo"
demo_rc=$?
demo=""

fails=()
fail() { fails+=("$*"); }

echo
if [ "$demo_running" -eq 1 ]; then
    state="replay still running"
else
    state="replay over before the load ended"
    fail "the replay ended before the load (raise REPLAY_PACE_MS)"
fi
printf 'load %.1fs, replay days %s -> %s, %s\n' \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" \
    "${progress_start:-?}" "${progress_end:-?}" "$state"
printf '%-15s %8s %8s %8s %8s %8s %8s %7s %7s  %s\n' group asked achieved \
    requests p50_ms p99_ms max_ms non2xx socket statuses
# group_line NAME ASKED: one row from the LOAD line of NAME's wrk output.
group_line() {
    local name=$1 asked=$2 line req rate p50 p99 max non2xx sock st
    line=$(grep '^LOAD ' "$OUT/load-$name.wrk")
    if [ -z "$line" ]; then
        fail "$name: wrk printed no figures (see $OUT/load-$name.wrk)"
        return
    fi
    kv() { echo "$line" | awk -v k="$1" '{
            for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
    req=$(kv requests)
    rate=$(kv rate)
    p50=$(kv p50_ms)
    p99=$(kv p99_ms)
    max=$(kv max_ms)
    non2xx=$(kv non2xx)
    sock=$(kv socket_errors)
    st=$(kv statuses)
    printf '%-15s %8s %8s %8s %8s %8s %8s %7s %7s  %s\n' "$name" "$asked" \
        "$rate" "$req" "$p50" "$p99" "$max" "$non2xx" "$sock" "$st"
    {
        echo "load_${name//-/_}_rate $rate"
        echo "load_${name//-/_}_p99_ms $p99"
        echo "load_${name//-/_}_errors $((non2xx + sock))"
    } >>"$OUT/figures"
    if [ "$non2xx" -ne 0 ] || [ "$sock" -ne 0 ]; then
        fail "$name: $non2xx non-2xx answers, $sock socket errors"
    fi
    awk -v r="$rate" -v a="$asked" -v p="$LOAD_MIN_RATE_PCT" \
        'BEGIN {exit !(r * 100 >= p * a)}' ||
        fail "$name: achieved $rate req/s of $asked" \
            "(under $LOAD_MIN_RATE_PCT%: the service fell behind)"
}
: >"$OUT/figures"
group_line query-api "$LOAD_RATE"
group_line trading-engine "$LOAD_TRADING_RATE"

echo
printf '%-15s %8s %8s %8s %8s %8s\n' service samples first_mb last_mb \
    max_mb growth
# rss_line NAME COLUMN: first, last and largest sample of one service.
rss_line() {
    local name=$1 col=$2 line growth
    if awk -v c="$col" '$c == "gone" {found = 1} END {exit !found}' \
        "$OUT/rss.samples"; then
        fail "$name: the process ended during the load"
    fi
    line=$(awk -v c="$col" '$c != "gone" {
            if (!n++) first = $c
            last = $c
            if ($c > max) max = $c
        }
        END {
            if (n == 0) exit 1
            printf "%d %.1f %.1f %.1f %.1f", n, first / 1024, last / 1024,
                max / 1024, (last - first) * 100 / first
        }' "$OUT/rss.samples") || {
        fail "$name: no RSS sample"
        return
    }
    read -r n first last max growth <<<"$line"
    printf '%-15s %8s %8s %8s %8s %7s%%\n' "$name" "$n" "$first" "$last" \
        "$max" "$growth"
    echo "load_${name//-/_}_rss_growth_pct $growth" >>"$OUT/figures"
    awk -v g="$growth" -v l="$LOAD_MAX_GROWTH_PCT" 'BEGIN {exit !(g <= l)}' ||
        fail "$name: RSS grew $growth% (limit $LOAD_MAX_GROWTH_PCT%)"
}
rss_line query-api 1
rss_line trading-engine 2

echo
if [ "$demo_rc" -ne 0 ]; then
    fail "the demo exited $demo_rc (see $OUT/demo.out)"
fi
if grep -q 'service exited, restarting' "$OUT/demo.out"; then
    fail "a service died during the replay (see $OUT/demo.out)"
fi
grep -A2 '^totals:' "$OUT/demo.out"
grep -A1 '^Trading' "$OUT/demo.out"
totals=$(grep -A2 '^totals:' "$OUT/demo.out" | tr -d ',()+' | tr '\n' ' ')
field() { echo "$totals" | awk -v k="$1" '{
        for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
docs=$(field documents)
tags=$(field tags)
mentions=$(echo "$totals" |
    sed -n 's/.*tags [0-9]* \([0-9]*\) mentions.*/\1/p')
signals=$(field signals)
aggregates=$(field aggregates)
recs=$(field recommendations)
echo "documents ${docs:-?}, signals ${signals:-?}, aggregates" \
    "${aggregates:-?}, recommendations ${recs:-?}"
# The full replay's totals (README); a narrower REPLAY_* has others.
if [ -z "${REPLAY_START:-}${REPLAY_END:-}${REPLAY_TICKERS:-}" ]; then
    if [ "${docs:-}" != 9242 ] || [ "${tags:-}" != 13055 ] ||
        [ "${aggregates:-}" != 5000 ] || [ "${recs:-}" != 5000 ]; then
        fail "totals differ from the full replay's (9242 documents," \
            "13055 tags, 5000 aggregates, 5000 recommendations)"
    fi
fi
if [ -z "${signals:-}" ] || [ -z "${tags:-}" ] || [ -z "${mentions:-}" ] ||
    [ "$signals" -ne $((tags + mentions)) ]; then
    fail "signals ${signals:-?} are not one per document and ticker" \
        "(${tags:-?} + ${mentions:-?})"
fi

echo
"$BIN" queue stats | tee "$OUT/queues.txt"
awk 'NR > 1 && ($2 != 0 || $3 != 0 || $4 != 0) {bad = 1}
     END {exit bad}' "$OUT/queues.txt" ||
    fail "a queue holds jobs or dead letters (see $OUT/queues.txt)"
while read -r q; do
    dead=$("$BIN" queue dead "$q")
    [ "$dead" == "[]" ] || fail "dead letters in $q: $dead"
done < <(awk 'NR > 1 {print $1}' "$OUT/queues.txt")
echo "dead-letter lists: $(awk 'NR > 1' "$OUT/queues.txt" | wc -l) checked"

echo
cat "$OUT/figures"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${#fails[@]}" -gt 0 ]; then
    printf 'bench/load: FAILED: %s\n' "${fails[@]}"
    exit 1
fi
echo "bench/load: ok (no errors, no lost jobs, RSS growth within" \
    "$LOAD_MAX_GROWTH_PCT%)"
