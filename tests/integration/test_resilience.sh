#!/usr/bin/env bash
# The pipeline comes out of crashes with exactly the state a clean run
# produces: one or three replicas of each worker against the topology's,
# workers killed with SIGKILL every few hundred milliseconds, Redis and
# then PostgreSQL killed and restarted mid-replay, and poison jobs (a
# 50 MB payload, invalid UTF-8, invalid JSON) that must end in the dead
# letters while the jobs behind them are processed.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

export REPLAY_TICKERS=AAPL,GOOGL,BAC,F,T,MSFT
export REPLAY_START=2011-08-01 REPLAY_END=2011-08-31
export QUEUE_BLOCK_MS=100 QUEUE_VISIBILITY_TIMEOUT_MS=1500
export QUEUE_MAX_ATTEMPTS=3
# Ingestion close behind the sealed days, so the kills below hit every
# stage throughout the paced replay, not only its first seconds.
export REPLAY_LOOKAHEAD_DAYS=10
# One folder per private PostgreSQL, so two stacks can run it at once.
OUT=$ROOT/var/it-resilience/$POSTGRES_PORT
mkdir -p "$OUT"

# run NAME [demo options]: a replay into database stonks_it_NAME.
run() {
    local name=$1
    shift
    fresh_db "stonks_it_$name"
    export STONKS_VAR_DIR=$OUT/$name OBJECT_STORE_DIR=$OUT/$name/objects
    "$BIN" demo "$@" >"$OUT/$name.out" 2>&1
}

echo "clean run (topology replicas)"
run clean || { echo "  FAIL: clean demo"; tail "$OUT/clean.out"; exit 1; }
dump_state "$OUT/clean.state"
# orders, fills and cash of a run, one line each
trading_state() {
    sql "SELECT client_order_id, side, qty, status, filled_qty,
            filled_avg_price_cents FROM orders ORDER BY 1" >"$1"
    sql "SELECT o.client_order_id, f.seq, f.qty, f.price_cents
         FROM fills f JOIN orders o ON o.id = f.order_id ORDER BY 1, 2" >>"$1"
    sql "SELECT cash_cents FROM account" >>"$1"
}
trading_state "$OUT/clean.trading"
assert_eq "clean run has recommendations (6 tickers x 23 days)" "138" \
    "$(sql 'SELECT count(*) FROM recommendations')"

echo "one replica of each worker"
DEMO_REPLICAS=1 run single || echo "  FAIL: single-replica demo"
dump_state "$OUT/single.state"
assert_same_state "one replica = topology replicas" "$OUT/clean.state" \
    "$OUT/single.state"

echo "three replicas of each worker (the read APIs stay one each)"
DEMO_REPLICAS=3 run triple || echo "  FAIL: three-replica demo"
dump_state "$OUT/triple.state"
assert_same_state "three replicas = topology replicas" "$OUT/clean.state" \
    "$OUT/triple.state"
assert_eq "one query-api and one symbol-registry, never restarted" "0" \
    "$(grep -c 'restarting' "$OUT/triple.out")"
trading_state "$OUT/triple.trading"
assert_eq "three broker-adapters and trading-engines: the same orders, \
fills and cash ($(wc -l <"$OUT/clean.trading") lines)" "" \
    "$(diff "$OUT/clean.trading" "$OUT/triple.trading")"

echo "workers killed with SIGKILL every 250 ms"
REPLAY_PACE_MS=100 run chaos &
runner=$!
kills=0
while kill -0 "$runner" 2>/dev/null; do
    sleep 0.25
    demo=$(pgrep -f -n "^$BIN demo" || true)
    if [ -n "$demo" ]; then
        victim=$(pgrep -P "$demo" -f "stonks (ingestion|parser|extractor|aggregation|recommendation)" |
            shuf -n 1)
        if [ -n "$victim" ]; then
            kill -9 "$victim" 2>/dev/null && kills=$((kills + 1))
        fi
    fi
done
wait "$runner" || echo "  FAIL: chaos demo exited non-zero"
echo "  workers killed: $kills"
dump_state "$OUT/chaos.state"
assert_same_state "chaos run = clean run" "$OUT/clean.state" \
    "$OUT/chaos.state"
checks=$((checks + 1))
if [ "$kills" -ge 3 ]; then
    echo "  ok: at least 3 workers were killed"
else
    echo "  FAIL: only $kills workers were killed"
    failures=$((failures + 1))
fi

echo "the scheduler killed with SIGKILL mid-replay"
redis-cli -p "$REDIS_PORT" DEL stonks:replay:progress >/dev/null
REPLAY_PACE_MS=100 run schedkill &
runner=$!
for _ in $(seq 1 400); do
    p=$(redis-cli -p "$REDIS_PORT" GET stonks:replay:progress 2>/dev/null)
    [ -n "$p" ] && [ "${p%% *}" -ge 5 ] && break
    sleep 0.05
done
demo=$(pgrep -f -n "^$BIN demo" || true)
sched=$([ -n "$demo" ] && pgrep -P "$demo" -f "stonks scheduler" || true)
assert_eq "a scheduler to kill mid-replay" "yes" \
    "$([ -n "$sched" ] && kill -9 "$sched" && echo yes || echo no)"
wait "$runner" || echo "  FAIL: demo exited non-zero after its scheduler died"
assert_eq "the demo started the scheduler again" "1" \
    "$(grep -c 'restarting","child":"scheduler"' "$OUT/schedkill.out")"
dump_state "$OUT/schedkill.state"
assert_same_state "scheduler-kill run = clean run" "$OUT/clean.state" \
    "$OUT/schedkill.state"

echo "Redis, then PostgreSQL, killed and restarted mid-replay"
# Paced at 100 ms a day, so both restarts land inside the replay.
wait_day() {
    for _ in $(seq 1 400); do
        local p
        p=$(redis-cli -p "$REDIS_PORT" GET stonks:replay:progress 2>/dev/null)
        [ -n "$p" ] && [ "${p%% *}" -ge "$1" ] && return 0
        sleep 0.05
    done
    return 1
}
redis-cli -p "$REDIS_PORT" DEL stonks:replay:progress >/dev/null
REPLAY_PACE_MS=100 run restart &
runner=$!
wait_day 5 || echo "  FAIL: replay did not reach day 5"
"$ROOT/scripts/stack.sh" restart-redis >/dev/null
wait_day 12 || echo "  FAIL: replay did not reach day 12 after Redis came back"
"$ROOT/scripts/stack.sh" restart-pg >/dev/null
assert_eq "restarts happened mid-replay" "yes" \
    "$(p=$(redis-cli -p "$REDIS_PORT" GET stonks:replay:progress);
       [ "${p%% *}" -lt 23 ] && echo yes || echo "no ($p)")"
wait "$runner" || echo "  FAIL: restart demo exited non-zero"
dump_state "$OUT/restart.state"
assert_same_state "restart run = clean run" "$OUT/clean.state" \
    "$OUT/restart.state"
# Each commit acknowledged just before the kill, which asynchronous
# commit lost (the tables themselves, at once).
sql "CREATE TABLE probe_commit (n int)" >/dev/null
for i in 1 2 3 4 5; do
    sql "INSERT INTO probe_commit VALUES ($i)" >/dev/null
    "$ROOT/scripts/stack.sh" restart-pg >/dev/null
done
assert_eq "commits acknowledged just before each of 5 PostgreSQL kills" \
    "1,2,3,4,5" "$(sql "SELECT string_agg(n::text, ',' ORDER BY n)
        FROM probe_commit" 2>&1)"

echo "poison jobs"
poison() {
    head -c 52428800 /dev/zero | tr '\0' 'x' >"$OUT/big.txt"
    redis-cli -p "$REDIS_PORT" -x XADD stonks:queue:parsing '*' p \
        <"$OUT/big.txt" >/dev/null
    printf '{"doc":1}\xff\xfe' | redis-cli -p "$REDIS_PORT" -x XADD \
        stonks:queue:extraction '*' p >/dev/null
    redis-cli -p "$REDIS_PORT" XADD stonks:queue:aggregation '*' p \
        '{"ticker":"AAPL","day":"not a day"}' >/dev/null
    redis-cli -p "$REDIS_PORT" XADD stonks:queue:recommendation '*' \
        x y >/dev/null
}
# The poison goes in first, on a fresh database, so that the replay
# (which then must not clear the queues: --no-reset) meets it.
fresh_db stonks_it_poison
export STONKS_VAR_DIR=$OUT/poison OBJECT_STORE_DIR=$OUT/poison/objects
redis-cli -p "$REDIS_PORT" DEL stonks:queue:parsing stonks:queue:extraction \
    stonks:queue:aggregation stonks:queue:ingestion \
    stonks:queue:recommendation stonks:dead:parsing \
    stonks:dead:extraction stonks:dead:aggregation \
    stonks:dead:recommendation >/dev/null
poison
"$BIN" demo --no-reset >"$OUT/poison.out" 2>&1 ||
    echo "  FAIL: poison demo exited non-zero"
dump_state "$OUT/poison.state"
assert_same_state "state with poison jobs = clean run" "$OUT/clean.state" \
    "$OUT/poison.state"
assert_eq "dead letters in parsing" "1" \
    "$(redis-cli -p "$REDIS_PORT" LLEN stonks:dead:parsing)"
assert_eq "dead letters in extraction" "1" \
    "$(redis-cli -p "$REDIS_PORT" LLEN stonks:dead:extraction)"
assert_eq "dead letters in aggregation" "1" \
    "$(redis-cli -p "$REDIS_PORT" LLEN stonks:dead:aggregation)"
assert_eq "50 MB job's error" \
    "job payload is 52428800 bytes, over the 1048576-byte queue limit (first 1024 bytes kept)" \
    "$("$BIN" queue dead parsing | /usr/bin/python3 -c \
        'import json,sys; print(json.load(sys.stdin)[0]["error"])')"
assert_eq "invalid UTF-8 job's error" "1" \
    "$("$BIN" queue dead extraction | grep -c 'not valid JSON')"
assert_eq "bad day's error and attempts" "job field 'day' must be a date YYYY-MM-DD 3" \
    "$("$BIN" queue dead aggregation | /usr/bin/python3 -c \
        'import json,sys; d=json.load(sys.stdin)[0]; print(d["error"], d["attempts"])')"
assert_eq "an entry without a payload is dead-lettered" \
    "stream entry has no payload field 'p' (not a job queued by stonks)" \
    "$("$BIN" queue dead recommendation | /usr/bin/python3 -c \
        'import json,sys; print(json.load(sys.stdin)[0]["error"])')"
assert_eq "dead letters are valid JSON with invalid UTF-8 inside" "ok" \
    "$("$BIN" queue dead extraction | /usr/bin/python3 -c \
        'import json,sys; json.load(sys.stdin); print("ok")')"
"$BIN" queue retry aggregation >/dev/null
assert_eq "retry moves the dead letter back" "0 1" \
    "$(redis-cli -p "$REDIS_PORT" LLEN stonks:dead:aggregation) $(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:aggregation)"
rm -f "$OUT/big.txt"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:parsing stonks:dead:extraction \
    stonks:queue:aggregation stonks:dead:recommendation >/dev/null

# empty NAME: a migrated, seeded database stonks_it_NAME with empty
# pipeline queues, and a folder $OUT/NAME; logs go to $OUT/NAME.out.
empty() {
    fresh_db "stonks_it_$1"
    export STONKS_VAR_DIR=$OUT/$1
    mkdir -p "$STONKS_VAR_DIR"
    "$BIN" migrate >"$OUT/$1.out" 2>&1 && "$BIN" seed >>"$OUT/$1.out" 2>&1 ||
        echo "  FAIL: migrate/seed"
    for q in parsing extraction ingestion aggregation; do
        redis-cli -p "$REDIS_PORT" DEL "stonks:queue:$q" "stonks:dead:$q" \
            >/dev/null
    done
}

# Waits up to 20 s for no document to wait for extraction, then ends
# the processes $@ (with SIGTERM).
drain_and_stop() {
    for _ in $(seq 200); do
        [ "$(sql "SELECT count(*) FROM pending_documents")" == 0 ] && break
        sleep 0.1
    done
    kill "$@"
    wait "$@" 2>/dev/null
}

echo "the live scheduler queues again the jobs of documents left waiting"
# Two documents of today whose jobs were lost: one 'new' (its parsing
# job never queued), one 'parsed' (its extraction job trimmed away, as
# a Redis restarted without its data would lose it).
empty live
today=$(TZ=America/New_York date +%F)
ids=$(sql "WITH d AS (INSERT INTO documents (source, provider_id, title,
        body, published_at, trading_day, content_hash) VALUES
        ('it', 'live-1', 'Apple profit rose 20 %', '', now(), '$today',
         'live-1'),
        ('it', 'live-2', 'Microsoft sales fell 10 %', '', now(), '$today',
         'live-2') RETURNING id, provider_id),
     p AS (INSERT INTO pending_documents SELECT id, '$today' FROM d)
     SELECT string_agg(id::text, ' ' ORDER BY provider_id) FROM d")
read -r doc1 doc2 <<<"$ids"
redis-cli -p "$REDIS_PORT" XADD stonks:queue:parsing '*' p \
    "{\"doc\":$doc2}" >/dev/null
"$BIN" parser >>"$OUT/live.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
    [ "$(sql "SELECT status FROM documents WHERE id = $doc2")" == parsed ] &&
        break
    sleep 0.1
done
kill "$pid"
wait "$pid" 2>/dev/null
redis-cli -p "$REDIS_PORT" XTRIM stonks:queue:extraction MAXLEN 0 >/dev/null
assert_eq "before: statuses, queued jobs" "new parsed 0 0" \
    "$(sql "SELECT string_agg(status, ' ' ORDER BY id) FROM documents")\
 $(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:parsing)\
 $(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:extraction)"
# AAPL was last ingested three days ago, MSFT never: each tick asks
# for news and bars from those days (MSFT: REPLAY_LOOKBACK_DAYS back).
sql "INSERT INTO ingest_runs (ticker, day, documents, bars)
     VALUES ('AAPL', DATE '$today' - 3, 0, 0)" >/dev/null
# live CMD...: CMD with the live scheduler's settings; exec, so that
# run in the background, $! is CMD's PID (not a subshell's).
live() {
    exec env SCHEDULER_MODE=live SCHEDULER_INTERVAL_S=60 \
        REPLAY_TICKERS=AAPL,MSFT REPLAY_LOOKBACK_DAYS=45 "$@"
}
pids=()
for svc in parser extractor scheduler; do
    live "$BIN" "$svc" >>"$OUT/live.out" 2>&1 &
    pids+=($!)
done
drain_and_stop "${pids[@]}"
assert_eq "the tick's ingestion jobs" \
    "{\"ticker\":\"AAPL\",\"day\":\"$today\",\"from\":\"$(date -d "$today - 3 days" +%F)\"}
{\"ticker\":\"MSFT\",\"day\":\"$today\",\"from\":\"$(date -d "$today - 45 days" +%F)\"}" \
    "$(redis-cli -p "$REDIS_PORT" XRANGE stonks:queue:ingestion - + |
        grep '^{')"
# Those jobs were never taken (no ingestion runs here): a scheduler
# started again queues none on top of them, and says why, once.
t0=$(date +%s)
live "$BIN" scheduler >"$OUT/live-again.out" 2>&1 &
pid=$!
for _ in $(seq 50); do
    grep -q '"tick done"' "$OUT/live-again.out" && break
    sleep 0.1
done
kill "$pid"
wait "$pid" 2>/dev/null
assert_eq "ingestion jobs waiting; warnings" "2 1" \
    "$(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:ingestion) $(grep -c \
        'earlier tick are not finished.*"queue":"ingestion"' \
        "$OUT/live-again.out")"
# The tick's state for /pipeline/status: on a day the exchange trades it
# was waiting for the day's ingestion (no worker here takes it) when
# the scheduler stopped; on another it was done, without a session.
read -r tday started done ntk session extracted agg stopped \
    <<<"$(redis-cli -p "$REDIS_PORT" GET stonks:live:tick)"
want="0 0 0 0"
grep -q '"tick done"' "$OUT/live-again.out" || want="1 0 0 1"
assert_eq "the tick published (day, tickers, session, extracted, \
aggregation, stopped)" "$today 2 $want" \
    "$tday $ntk $session $extracted $agg $stopped"
assert_eq "the tick's start and end" "1" \
    "$( ((started >= t0 && done >= started && done <= $(date +%s))) &&
        echo 1)"
assert_eq "after: statuses, signals" "extracted extracted 2" \
    "$(sql "SELECT string_agg(status, ' ' ORDER BY id) FROM documents")\
 $(sql "SELECT count(*) FROM signals")"
assert_eq "the repair's log lines (queue, documents)" \
    "parsing 1
extraction 1" \
    "$(grep '"repair: documents queued again"' "$OUT/live.out" |
        /usr/bin/python3 -c 'import json, sys
for l in sys.stdin:
    j = json.loads(l)
    print(j["queue"], j["documents"])')"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:ingestion \
    stonks:queue:aggregation >/dev/null

echo "a document extracted after its day was sealed"
# It changes the aggregates as of its day and of its ticker's sessions
# after it within the 30-day window, up to the sealed day: those are
# queued again, and no other.
empty late
redis-cli -p "$REDIS_PORT" SET stonks:replay:sealed 2011-09-29 >/dev/null
sql "INSERT INTO price_bars (ticker, day, open, high, low, close, volume,
        source) SELECT t, d::date, 10, 10, 10, 10, 1, 'it' FROM (VALUES
        ('AAPL', '2011-09-01'), ('AAPL', '2011-09-02'),
        ('AAPL', '2011-09-06'), ('AAPL', '2011-09-29'),
        ('AAPL', '2011-09-30'), ('AAPL', '2011-10-03'),
        ('F', '2011-08-25'), ('F', '2011-08-26'), ('F', '2011-09-23'),
        ('F', '2011-09-26'), ('MSFT', '2011-09-30')) AS v(t, d)" >/dev/null
for doc in "late-1 2011-09-01 AAPL Apple" "late-2 2011-08-25 F Ford" \
    "late-3 2011-09-30 MSFT Microsoft"; do
    read -r prov day tk name <<<"$doc"
    id=$(sql "WITH d AS (INSERT INTO documents (source, provider_id, title,
            body, published_at, trading_day, content_hash, status)
            VALUES ('it', '$prov', '$name profit rose', '', '$day',
            '$day', '$prov', 'parsed') RETURNING id),
         x AS (INSERT INTO document_texts (document_id, text_hash,
            clean_text) SELECT id, 't-$prov', '$name profit rose.' FROM d),
         t AS (INSERT INTO document_tickers (document_id, ticker, origin)
            SELECT id, '$tk', 'feed' FROM d),
         p AS (INSERT INTO pending_documents SELECT id, '$day' FROM d)
         SELECT id FROM d")
    redis-cli -p "$REDIS_PORT" XADD stonks:queue:extraction '*' p \
        "{\"doc\":$id}" >/dev/null
done
"$BIN" extractor >>"$OUT/late.out" 2>&1 &
drain_and_stop $!
assert_eq "signals" "3" "$(sql "SELECT count(*) FROM signals")"
assert_eq "aggregations queued again" \
    '{"ticker":"AAPL","day":"2011-09-01"}
{"ticker":"AAPL","day":"2011-09-02"}
{"ticker":"AAPL","day":"2011-09-06"}
{"ticker":"AAPL","day":"2011-09-29"}
{"ticker":"F","day":"2011-08-25"}
{"ticker":"F","day":"2011-08-26"}
{"ticker":"F","day":"2011-09-23"}' \
    "$(redis-cli -p "$REDIS_PORT" XRANGE stonks:queue:aggregation - + |
        grep '^{')"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:aggregation \
    stonks:replay:sealed >/dev/null
finish
