#!/usr/bin/env bash
# A worker's /health, /ready and /metrics: ready while it reaches its
# servers, not ready (503) within seconds of losing PostgreSQL, ready
# again by itself when PostgreSQL is back, counters that count the jobs
# it handled, and a clean exit 0 on SIGTERM.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

PORT=18091
OUT=$ROOT/var/it-probes
mkdir -p "$OUT"
fresh_db stonks_it_probes
"$BIN" migrate >/dev/null 2>&1 && "$BIN" seed >/dev/null 2>&1
redis-cli -p "$REDIS_PORT" DEL stonks:queue:recommendation \
    stonks:dead:recommendation >/dev/null

HTTP_PORT=$PORT QUEUE_BLOCK_MS=100 QUEUE_MAX_ATTEMPTS=2 \
    "$BIN" recommendation >"$OUT/worker.log" 2>&1 &
worker=$!
status() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$1"; }
wait_status() {
    for _ in $(seq 1 100); do
        [ "$(status "$1")" == "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
wait_status /ready 200
assert_eq "/health" '{"status":"ok","service":"recommendation"}' \
    "$(curl -s "http://127.0.0.1:$PORT/health")"
assert_eq "/ready while connected" "200" "$(status /ready)"
assert_eq "unknown path" "404" "$(status /nope)"
# HEAD as the APIs answer it (was 405); other methods are refused
assert_eq "HEAD /health" "200 0" "$(curl -s -I -o /dev/null \
    -w '%{http_code} %{size_download}' "http://127.0.0.1:$PORT/health")"
assert_eq "POST /health" "405 only GET and HEAD are served" \
    "$(curl -s -X POST -w '%{http_code} ' "http://127.0.0.1:$PORT/health" |
        sed -E 's/^.*"message":"([^"]*)".*\}(.*)$/\2\1/')"

# Two jobs that cannot succeed (no aggregate): each fails twice, then is
# dead-lettered; the counters say so.
redis-cli -p "$REDIS_PORT" XADD stonks:queue:recommendation '*' p \
    '{"ticker":"AAPL","day":"2011-09-01"}' >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:recommendation '*' p \
    '{"ticker":"MSFT","day":"2011-09-01"}' >/dev/null
# wait_dead QUEUE N: until N dead letters (5 s at most)
wait_dead() {
    for _ in $(seq 1 50); do
        [ "$(redis-cli -p "$REDIS_PORT" LLEN "stonks:dead:$1")" == "$2" ] &&
            break
        sleep 0.1
    done
}
wait_dead recommendation 2
metrics=$(curl -s "http://127.0.0.1:$PORT/metrics")
# run_to_dead QUEUE N PORT LOG SETTING=VALUE... COMMAND...: runs a worker
# with its probe on PORT until QUEUE holds N dead letters, keeps its
# /metrics in $metrics, and stops it.
run_to_dead() {
    local queue=$1 n=$2 port=$3 log=$4 pid
    shift 4
    env HTTP_PORT="$port" QUEUE_BLOCK_MS=100 "$@" >"$log" 2>&1 &
    pid=$!
    wait_dead "$queue" "$n"
    metrics=$(curl -s "http://127.0.0.1:$port/metrics")
    kill -TERM "$pid"
    wait "$pid"
}
metric() { echo "$metrics" | awk -v m="$1{" 'index($0, m) == 1 {print $2}'; }
assert_eq "jobs dead-lettered" "2" "$(metric stonks_jobs_dead_total)"
# A failed job waits QUEUE_RETRY_DELAY_MS (1 s) before it is taken
# again (it was taken again at once, its attempts spent within
# milliseconds); the take that moves it back runs every second.
assert_eq "each waited 1-3 s between its two attempts" "yes yes" \
    "$("$BIN" queue dead recommendation | jq -r '.[] |
        (.dead_at_ms - .first_failure_ms) as $w |
        if $w >= 1000 and $w < 3000 then "yes" else "no \($w)" end' |
        paste -sd' ')"
assert_eq "job failures" "4" "$(metric stonks_jobs_failed_total)"
assert_eq "jobs retried" "2" "$(metric stonks_jobs_retried_total)"
assert_eq "jobs done" "0" "$(metric stonks_jobs_done_total)"
assert_eq "histogram present" "1" \
    "$(echo "$metrics" | grep -c '^stonks_handler_seconds_bucket{.*le="+Inf"}')"

# A batch of aggregation jobs, one unreadable: it fails alone, and the
# good one is handled once, in one batch (the batch failed, and was
# run again job by job: three batches).
redis-cli -p "$REDIS_PORT" DEL stonks:queue:aggregation \
    stonks:dead:aggregation >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:aggregation '*' p \
    '{"ticker":"AAPL","day":"2011-09-01"}' >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:aggregation '*' p \
    '{"ticker":"AAPL"}' >/dev/null
run_to_dead aggregation 1 $((PORT + 3)) "$OUT/aggregation.log" \
    QUEUE_MAX_ATTEMPTS=1 "$BIN" aggregation
assert_eq "aggregation: 1 batch, 1 job done, 1 dead, its reason" \
    "1 1 1 job field 'day' is missing: a date YYYY-MM-DD" \
    "$(metric stonks_batches_total) $(metric stonks_jobs_done_total) \
$(metric stonks_jobs_dead_total) $("$BIN" queue dead aggregation |
        jq -r '.[0].error')"
# (its recommendation job is left to the worker above: deleting the
# stream it blocks on would make it not ready for a moment)
redis-cli -p "$REDIS_PORT" DEL stonks:dead:aggregation >/dev/null
# An ingestion job's days out of order: the field at fault is named.
redis-cli -p "$REDIS_PORT" DEL stonks:queue:ingestion \
    stonks:dead:ingestion >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:ingestion '*' p \
    '{"ticker":"AAPL","day":"2011-09-01","from":"2011-09-01",
      "bars_from":"2011-09-02"}' >/dev/null
run_to_dead ingestion 1 $((PORT + 5)) "$OUT/ingestion.log" \
    QUEUE_MAX_ATTEMPTS=1 "$BIN" ingestion
assert_eq "ingestion: bars_from after day, named" \
    "job 'bars_from' is after 'day'" \
    "$("$BIN" queue dead ingestion | jq -r '.[0].error')"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:ingestion >/dev/null

# A failed job is taken again after QUEUE_RETRY_DELAY_MS (1 s, then
# 2 s) also by a worker that blocks long on an idle queue: its blocking
# read waited QUEUE_BLOCK_MS (20 s here) before it moved the job back.
redis-cli -p "$REDIS_PORT" DEL stonks:queue:aggregation \
    stonks:dead:aggregation >/dev/null
HTTP_PORT=$((PORT + 3)) QUEUE_BLOCK_MS=20000 QUEUE_MAX_ATTEMPTS=3 \
    "$BIN" aggregation >"$OUT/aggregation2.log" 2>&1 &
agg=$!
sleep 1
redis-cli -p "$REDIS_PORT" XADD stonks:queue:aggregation '*' p \
    '{"ticker":"AAPL"}' >/dev/null
wait_dead aggregation 1 # (5 s at most)
wait_dead aggregation 1
kill -TERM "$agg"
wait "$agg"
assert_eq "retries 1 s and 2 s apart within 10 s, not 20 s each" "1" \
    "$(redis-cli -p "$REDIS_PORT" LLEN stonks:dead:aggregation)"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:aggregation >/dev/null

# A retry is due by Redis's clock, not its worker's: a worker whose
# clock runs an hour ahead (libfaketime) queued it an hour late for
# every other worker (a broker-adapter's order look-ups the same way).
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
[ -n "$FAKETIME_LIB" ] || echo "  FAIL: libfaketime is missing (make deps)"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:aggregation \
    stonks:delay:aggregation stonks:delayed:aggregation >/dev/null
LD_PRELOAD="$FAKETIME_LIB" FAKETIME="+1h" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    HTTP_PORT=$((PORT + 3)) QUEUE_BLOCK_MS=100 QUEUE_RETRY_DELAY_MS=60000 \
    QUEUE_MAX_ATTEMPTS=3 "$BIN" aggregation >"$OUT/aggregation3.log" 2>&1 &
agg=$!
redis-cli -p "$REDIS_PORT" XADD stonks:queue:aggregation '*' p \
    '{"ticker":"AAPL"}' >/dev/null
for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$REDIS_PORT" ZCARD stonks:delay:aggregation)" = 1 ] &&
        break
    sleep 0.05
done
due=$(redis-cli -p "$REDIS_PORT" ZRANGE stonks:delay:aggregation 0 0 \
    WITHSCORES | tail -n 1)
read -r sec usec < <(redis-cli -p "$REDIS_PORT" TIME | paste -sd' ')
now=$((sec * 1000 + usec / 1000))
kill -TERM "$agg"
wait "$agg"
assert_eq "a retry 60 s from now by Redis's clock, the worker's an hour on" \
    "yes" "$(w=$((${due:-0} - now))
        [ "$w" -gt 50000 ] && [ "$w" -le 60000 ] && echo yes || echo "no ($w)")"
redis-cli -p "$REDIS_PORT" DEL stonks:delay:aggregation \
    stonks:delayed:aggregation >/dev/null
# ... and one whose wall clock steps back an hour while it runs still
# moves due retries back every second (by the monotonic clock): it
# stopped until its clock caught up, as it stopped claiming the jobs of
# dead workers.
echo "+0" >"$OUT/faketime"
LD_PRELOAD="$FAKETIME_LIB" FAKETIME_TIMESTAMP_FILE="$OUT/faketime" \
    FAKETIME_NO_CACHE=1 DONT_FAKE_MONOTONIC=1 \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    HTTP_PORT=$((PORT + 3)) QUEUE_BLOCK_MS=100 QUEUE_RETRY_DELAY_MS=500 \
    QUEUE_MAX_ATTEMPTS=2 "$BIN" aggregation >"$OUT/aggregation4.log" 2>&1 &
agg=$!
for _ in $(seq 1 100); do
    grep -q '"worker started"' "$OUT/aggregation4.log" && break
    sleep 0.05
done
sleep 1.2 # (a take that looked at the due jobs, by the clock then)
echo "-1h" >"$OUT/faketime"
redis-cli -p "$REDIS_PORT" XADD stonks:queue:aggregation '*' p \
    '{"ticker":"AAPL"}' >/dev/null
wait_dead aggregation 1 # (5 s at most)
kill -TERM "$agg"
wait "$agg"
assert_eq "a clock stepped back: the retry taken, then dead-lettered" \
    "1 2" "$(redis-cli -p "$REDIS_PORT" LLEN stonks:dead:aggregation) $(
        "$BIN" queue dead aggregation | jq -r '.[0].attempts')"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:aggregation \
    stonks:delay:aggregation stonks:delayed:aggregation >/dev/null
# A worker that waits for more jobs (QUEUE_LINGER_MS) longer than the
# timeout keeps the one it holds: its take after the wait claimed it
# from itself, and with one attempt moved it, a good job, to the dead
# letters.
redis-cli -p "$REDIS_PORT" XADD stonks:queue:aggregation '*' p \
    '{"ticker":"AAPL","day":"2011-09-01"}' >/dev/null
HTTP_PORT=$((PORT + 3)) QUEUE_BLOCK_MS=100 QUEUE_VISIBILITY_TIMEOUT_MS=100 \
    QUEUE_LINGER_MS=1000 QUEUE_MAX_ATTEMPTS=1 \
    "$BIN" aggregation >"$OUT/aggregation5.log" 2>&1 &
agg=$!
for _ in $(seq 1 50); do
    metrics=$(curl -s "http://127.0.0.1:$((PORT + 3))/metrics")
    [ "$(metric stonks_jobs_done_total)" = 1 ] && break
    sleep 0.1
done
kill -TERM "$agg"
wait "$agg"
assert_eq "a linger past the timeout: the job done once, none dead" \
    "1 0 0" "$(metric stonks_jobs_done_total) $(redis-cli -p "$REDIS_PORT" \
        LLEN stonks:dead:aggregation) $(grep -c 'redelivered' \
        "$OUT/aggregation5.log")"

# A parse job whose workers died on it (here: a consumer that took it
# and never answered, twice) is dead-lettered by the next take, and its
# document no longer holds its day (the replay waited on it for ever:
# only a job whose handler failed let its day go).
redis-cli -p "$REDIS_PORT" DEL stonks:queue:parsing stonks:dead:parsing \
    >/dev/null
sql "INSERT INTO pending_documents (document_id, trading_day)
     VALUES (424242, '2011-09-01')" >/dev/null
redis-cli -p "$REDIS_PORT" XGROUP CREATE stonks:queue:parsing workers 0 \
    MKSTREAM >/dev/null
printf '%s\n' MULTI \
    "XADD stonks:queue:parsing * p '{\"doc\":424242}'" \
    'XREADGROUP GROUP workers ghost COUNT 1 STREAMS stonks:queue:parsing >' \
    EXEC | redis-cli -p "$REDIS_PORT" >/dev/null
held=$(redis-cli -p "$REDIS_PORT" XPENDING stonks:queue:parsing workers \
    - + 1 | head -1)
redis-cli -p "$REDIS_PORT" XCLAIM stonks:queue:parsing workers ghost 0 \
    "$held" >/dev/null
run_to_dead parsing 1 $((PORT + 4)) "$OUT/parser.log" QUEUE_MAX_ATTEMPTS=2 \
    QUEUE_VISIBILITY_TIMEOUT_MS=100 "$BIN" parser
assert_eq "a job its workers died on: dead, counted, its day let go" \
    "1 1 0" \
    "$(redis-cli -p "$REDIS_PORT" LLEN stonks:dead:parsing) \
$(metric stonks_jobs_dead_total) $(sql "SELECT count(*) FROM pending_documents
                                   WHERE document_id = 424242")"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:parsing stonks:dead:parsing \
    >/dev/null

# The replay scheduler too (it answered 200 through an outage): one
# waiting for a day no worker will seal.
redis-cli -p "$REDIS_PORT" DEL stonks:queue:ingestion >/dev/null
HTTP_PORT=$((PORT + 1)) REPLAY_START=2011-09-01 REPLAY_END=2011-09-30 \
    REPLAY_TICKERS=AAPL REPLAY_LOOKAHEAD_DAYS=1 \
    "$BIN" scheduler >"$OUT/scheduler.log" 2>&1 &
scheduler=$!
sched() { PORT=$((PORT + 1)) "$@"; }
sched wait_status /ready 200
assert_eq "the scheduler's /ready while connected" "200" "$(sched status /ready)"

# The risk-engine answers its own /ready (from its pool).
RISK_ENGINE_URL=http://127.0.0.1:$((PORT + 2)) "$BIN" risk-engine \
    >"$OUT/risk.log" 2>&1 &
risk=$!
risk() { PORT=$((PORT + 2)) "$@"; }
risk wait_status /ready 200
assert_eq "the risk-engine's /ready while connected" '{"status":"ready"}' \
    "$(curl -s "http://127.0.0.1:$((PORT + 2))/ready")"

"$ROOT/scripts/stack.sh" stop-pg >/dev/null
checks=$((checks + 1))
if wait_status /ready 503; then
    echo "  ok: /ready says 503 without PostgreSQL"
else
    echo "  FAIL: /ready still $(status /ready) without PostgreSQL"
    failures=$((failures + 1))
fi
checks=$((checks + 1))
if sched wait_status /ready 503; then
    echo "  ok: the scheduler's /ready says 503 without PostgreSQL"
else
    echo "  FAIL: the scheduler's /ready still $(sched status /ready)"
    failures=$((failures + 1))
fi
assert_eq "/health stays up" "200" "$(status /health)"
assert_eq "a worker's /ready without PostgreSQL: the error object" \
    '{"error":{"code":"not_ready","message":"a server it needs (PostgreSQL, '\
'Redis, its provider or its model) does not answer or holds it back, or '\
'it is still starting; its log says which"}}' \
    "$(curl -s "http://127.0.0.1:$PORT/ready")"
assert_eq "the risk-engine's /ready without PostgreSQL: why" \
    '503 {"error":{"code":"not_ready","message":"PostgreSQL does not answer:' \
    "$(curl -s -w ' %{http_code}' "http://127.0.0.1:$((PORT + 2))/ready" |
        sed -E 's/^(.*answer:).* ([0-9]+)$/\2 \1/')"
"$ROOT/scripts/stack.sh" start >/dev/null
checks=$((checks + 1))
if wait_status /ready 200; then
    echo "  ok: /ready back to 200 when PostgreSQL is back"
else
    echo "  FAIL: /ready stays $(status /ready)"
    failures=$((failures + 1))
fi
checks=$((checks + 1))
if sched wait_status /ready 200; then
    echo "  ok: the scheduler's /ready back to 200"
else
    echo "  FAIL: the scheduler's /ready stays $(sched status /ready)"
    failures=$((failures + 1))
fi
kill -TERM "$scheduler" "$risk"
wait "$scheduler" "$risk"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:ingestion >/dev/null

kill -TERM "$worker"
wait "$worker"
assert_eq "exit status after SIGTERM" "0" "$?"
assert_eq "the loss is logged once, the return once" "1 1" \
    "$(grep -c 'lost PostgreSQL' "$OUT/worker.log") $(grep -c \
        'PostgreSQL is back' "$OUT/worker.log")"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:recommendation >/dev/null
finish
