#!/usr/bin/env bash
# A short replay through the real services (every pipeline process,
# real PostgreSQL and Redis): four tickers, one holiday week. The
# expected counts are computed here from the input files with awk,
# independently of the C code, then compared with the database.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

export REPLAY_TICKERS=AAPL,GOOGL,F,T
export REPLAY_START=2011-09-01 REPLAY_END=2011-09-09
export REPLAY_LOOKBACK_DAYS=45
export STONKS_VAR_DIR=$ROOT/var/it-replay
export OBJECT_STORE_DIR=$STONKS_VAR_DIR/objects
export QUEUE_BLOCK_MS=100
fresh_db stonks_it_replay

echo "running $BIN demo over $REPLAY_TICKERS $REPLAY_START..$REPLAY_END"
if ! "$BIN" demo >"$STONKS_VAR_DIR.out" 2>&1; then
    echo "  FAIL: demo exited non-zero"
    tail -n 30 "$STONKS_VAR_DIR.out"
    exit 1
fi

assert_eq "a fresh database: one log line for its migrations" \
    "$(ls "$ROOT"/db/migrations/*.sql | wc -l) $(basename \
        "$(ls "$ROOT"/db/migrations/*.sql | tail -n 1)") 0" \
    "$(grep '^{' "$STONKS_VAR_DIR.out" | jq -r 'select(.msg ==
        "migrations applied") | "\(.count) \(.latest)"') $(grep -c \
        '"migration applied"' "$STONKS_VAR_DIR.out")"
assert_eq "the bundled files: the demo skips no row" "0" \
    "$(grep -c 'of the replay files' "$STONKS_VAR_DIR.out")"
# The progress lines count the sessions traded (trading goes on after
# the last day's recommendations: the line looked stalled), the last one
# every session of the replay.
assert_eq "the last progress line: every session traded" \
    "day 6/6 sessions traded 6" \
    "$(grep '^replay:' "$STONKS_VAR_DIR.out" | tail -n 1 |
        sed -E 's/^replay: (day [0-9/]+) .*(sessions traded [0-9]+) .*$/\1 \2/')"

# News of GOOG in the file is GOOGL in the registry. News dated
# 2011-09-01..09-09 (09-05 is Labor Day: it counts toward 09-06).
rows() {
    awk -F, 'NR > 1 && ($1=="AAPL"||$1=="GOOG"||$1=="F"||$1=="T") &&
        $3 >= 20110901 && $3 <= 20110909' "$NEWS"
}
exp_docs=$(rows | awk -F, '{print $3 FS $4 FS $5}' | sort -u | wc -l)
exp_tags=$(rows | awk -F, '{t=$1=="GOOG"?"GOOGL":$1;
    print $3 FS $4 FS $5 FS t}' | sort -u | wc -l)
exp_holiday=$(rows | awk -F, '$3 == 20110905 {print $3 FS $4 FS $5}' |
    sort -u | wc -l)
exp_bars=$(awk -F, 'NR > 1 && ($1=="AAPL"||$1=="GOOGL"||$1=="F"||$1=="T") &&
    $2 >= "2011-07-18" && $2 <= "2011-09-09"' "$PRICES" | wc -l)
days=6 # 09-01 09-02 09-06 09-07 09-08 09-09

assert_eq "documents" "$exp_docs" "$(sql 'SELECT count(*) FROM documents')"
assert_eq "feed tags" "$exp_tags" \
    "$(sql "SELECT count(*) FROM document_tickers WHERE origin = 'feed'")"
assert_eq "holiday news on 09-06" "$exp_holiday" \
    "$(sql "SELECT count(*) FROM documents
            WHERE published_at::date = '2011-09-05'
            AND trading_day = '2011-09-06'")"
assert_eq "every document extracted" "0" \
    "$(sql "SELECT count(*) FROM documents WHERE status <> 'extracted'")"
assert_eq "signals = document-ticker pairs" \
    "$(sql 'SELECT count(*) FROM document_tickers')" \
    "$(sql 'SELECT count(*) FROM signals')"
assert_eq "pairs without a signal" "0" \
    "$(sql 'SELECT count(*) FROM document_tickers t LEFT JOIN signals s
            USING (document_id, ticker) WHERE s.ticker IS NULL')"
assert_eq "price bars (with 45-day look-back)" "$exp_bars" \
    "$(sql 'SELECT count(*) FROM price_bars')"
assert_eq "aggregates" "$((4 * days))" \
    "$(sql 'SELECT count(*) FROM aggregates')"
assert_eq "recommendations (ticker x day)" "$((4 * days))" \
    "$(sql 'SELECT count(DISTINCT (ticker, as_of)) FROM recommendations')"
assert_eq "recommendation days" \
    "2011-09-01,2011-09-02,2011-09-06,2011-09-07,2011-09-08,2011-09-09" \
    "$(sql "SELECT string_agg(DISTINCT as_of::text, ',' ORDER BY
            as_of::text) FROM recommendations")"
assert_eq "GOOG news stored under GOOGL" \
    "$(rows | awk -F, '$1=="GOOG"{print $3 FS $4 FS $5}' | sort -u |
        wc -l)" \
    "$(sql "SELECT count(*) FROM document_tickers
            WHERE ticker = 'GOOGL' AND origin = 'feed'")"
assert_eq "raw payload kept for every feed tag" "0" \
    "$(sql "SELECT count(*) FROM document_tickers
            WHERE origin = 'feed' AND raw_key IS NULL")"
raw=$(sql "SELECT t.raw_key FROM document_tickers t JOIN documents d
           ON d.id = t.document_id WHERE t.origin = 'feed'
           ORDER BY d.content_hash, t.ticker LIMIT 1")
assert_eq "raw payload file exists" "yes" \
    "$([ -f "$OBJECT_STORE_DIR/sha256/${raw:7:2}/${raw:9:2}/${raw:7}" ] &&
        echo yes || echo no)"
assert_eq "queues empty" "0" \
    "$(redis-cli -p "$REDIS_PORT" xlen stonks:queue:parsing)"

# The same replay again without a reset changes nothing.
state() {
    sql "SELECT md5(string_agg(d.content_hash || s.ticker || s.sentiment
           || s.label || s.event_type, ',' ORDER BY d.content_hash,
           s.ticker)) FROM signals s JOIN documents d
           ON d.id = s.document_id"
    sql "SELECT md5(string_agg(ticker || as_of || action || conviction
           || rationale, ',' ORDER BY ticker, as_of)) FROM recommendations"
    sql "SELECT md5(string_agg(ticker || as_of || sent_7d || ret_5d,
           ',' ORDER BY ticker, as_of)) FROM aggregates"
}
before=$(state)
"$BIN" demo --no-reset >"$STONKS_VAR_DIR.out2" 2>&1 ||
    echo "  FAIL: second demo exited non-zero"
assert_eq "second run: documents" "$exp_docs" \
    "$(sql 'SELECT count(*) FROM documents')"
assert_eq "second run: identical signals, aggregates, recommendations" \
    "$before" "$(state)"
# Its progress is its own: it starts before the scheduler has counted
# the days, or before the last day (not at the first run's last day),
# and counts no new documents.
read -r day days < <(grep -m1 '^replay:' "$STONKS_VAR_DIR.out2" |
    sed -E -e 's|^replay: day ([0-9]+)/([0-9]+) .*|\1 \2|' \
        -e 's|^replay: starting .*|0 1|')
assert_eq "second run: first progress line before the last day" yes \
    "$([ "${day:-1}" -lt "${days:-1}" ] && echo yes || echo "no: $day/$days")"
assert_eq "second run: rates of the documents it added" \
    "pipeline_docs_per_second 0 demo_docs_per_second 0" \
    "$(grep -E '^(pipeline|demo)_docs_per_second' "$STONKS_VAR_DIR.out2" |
        tr '\n' ' ' | sed 's/ $//')"
assert_eq "second run: progress lines counting new documents" \
    "$(grep -c '^replay:' "$STONKS_VAR_DIR.out2")" \
    "$(grep -c '^replay: .* documents extracted '"$exp_docs"' (0 new)  0 docs/s' \
        "$STONKS_VAR_DIR.out2")"
echo "REPLAY_TICKERS: symbols, or alternative tickers standing for theirs"
# sched LIST: the scheduler's exit status and why it did not start
sched() {
    SCHEDULER_MODE=replay HTTP_PORT=0 REPLAY_TICKERS=$1 timeout 30 \
        "$BIN" scheduler >/dev/null 2>"$STONKS_VAR_DIR.sched"
    echo "$? $(jq -r 'select(.msg == "cannot start the replay") | .error' \
        "$STONKS_VAR_DIR.sched")"
}
assert_eq "REPLAY_TICKERS=goog,ZZZZ: goog is GOOGL, ZZZZ is nothing" \
    "1 REPLAY_TICKERS: 'ZZZZ' is not a symbol of the registry nor an \
alternative ticker of one" "$(sched goog,ZZZZ)"
sql "UPDATE symbols SET active = false WHERE ticker = 'GOOGL'" >/dev/null
assert_eq "REPLAY_TICKERS=GOOG with GOOGL inactive: names GOOGL" \
    "1 REPLAY_TICKERS: 'GOOGL' is not an active symbol of the registry" \
    "$(sched GOOG)"
sql "UPDATE symbols SET active = true WHERE ticker = 'GOOGL'" >/dev/null

# A replay the scheduler refuses: the demo says why, in the scheduler's
# own words (its last error line), and names its log.
sched_log=$STONKS_VAR_DIR/log/scheduler-1.log
failed() {
    "$@" "$BIN" demo --no-reset >"$STONKS_VAR_DIR.out3" 2>&1
    echo "$? $(grep '"msg":"the scheduler failed"' "$STONKS_VAR_DIR.out3" |
        sed -E 's/^.*"msg":"the scheduler failed",//')"
}
assert_eq "demo: a ticker that is not a symbol" \
    "1 \"error\":\"cannot start the replay: REPLAY_TICKERS: 'ZZZZZ' is not a symbol of the registry nor an alternative ticker of one\",\"log\":\"$sched_log\"}" \
    "$(failed env REPLAY_TICKERS=ZZZZZ)"
assert_eq "demo: a REPLAY_DIR that does not exist" \
    "1 \"error\":\"invalid configuration: REPLAY_DIR /nonexistent is not a readable folder (No such file or directory); set it to the folder of the replay files (data/replay)\",\"log\":\"$sched_log\"}" \
    "$(failed env REPLAY_DIR=/nonexistent)"
# The same with a reset: refused before the tables are emptied, so the
# last replay stays (it was deleted, then the replay failed).
ndocs=$(sql "SELECT count(*) FROM documents")
# demo_with SETTING=VALUE...: the demo's exit status, then the documents
# left; demo_why also the error of its "cannot prepare the demo" line.
demo_with() {
    env "$@" "$BIN" demo >/dev/null 2>&1
    echo "$? $(sql "SELECT count(*) FROM documents")"
}
demo_why() {
    env "$@" "$BIN" demo >"$STONKS_VAR_DIR.out5" 2>&1
    echo "$? $(grep '"msg":"cannot prepare the demo"' "$STONKS_VAR_DIR.out5" |
        sed -E 's/^.*"msg":"cannot prepare the demo",//') \
$(sql "SELECT count(*) FROM documents")"
}
assert_eq "demo with a reset: a bad REPLAY_TICKERS refused before it" \
    "1 \"error\":\"REPLAY_TICKERS: 'ZZZZZ' is not a symbol of the registry \
nor an alternative ticker of one\"} $ndocs" \
    "$(demo_why REPLAY_TICKERS=ZZZZZ)"
sql "UPDATE symbols SET active = false WHERE ticker = 'GOOGL'" >/dev/null
assert_eq "demo with a reset: an inactive symbol refused before it" \
    "1 \"error\":\"REPLAY_TICKERS: 'GOOGL' is not an active symbol of the \
registry\"} $ndocs" "$(demo_why REPLAY_TICKERS=AAPL,GOOG)"
sql "UPDATE symbols SET active = true WHERE ticker = 'GOOGL'" >/dev/null
assert_eq "demo with a reset: weights that do not load refused before it" \
    "1 $ndocs" "$(demo_with STONKS_MODEL_PATH=/nonexistent)"
# (the scheduler's and ingestion's start-up checks, as stonks config's:
# a REPLAY_DIR without the replay files emptied the last replay)
assert_eq "demo with a reset: a REPLAY_DIR without the files refused" \
    "1 \"error\":\"REPLAY_DIR does not hold the replay files: cannot open \
$ROOT/var/reuters_headlines_2011H2_40tickers.csv: No such file or \
directory\"} $ndocs" \
    "$(demo_why REPLAY_DIR="$ROOT/var")"
assert_eq "demo with a reset: a replay range without a trading day refused" \
    "1 \"error\":\"no trading day from REPLAY_START 2011-12-25 to \
REPLAY_END 2011-12-26: the replay data has bars from 2011-01-03 to \
2012-06-29\"} $ndocs" \
    "$(demo_why REPLAY_START=2011-12-25 REPLAY_END=2011-12-26)"
mkdir -p "$ROOT/var/nobars"
cp "$ROOT/data/replay/reuters_headlines_2011H2_40tickers.csv" "$ROOT/var/nobars/"
printf '%s\n' "ticker,date,open,high,low,close,volume" \
    "AAPL,2011-07-08,45.273,46.103,45.102,0x2e,136477568" \
    >"$ROOT/var/nobars/daily_ohlcv_2011-2012H1_40tickers.csv"
assert_eq "demo with a reset: a price file without a readable bar refused" \
    "1 \"error\":\"$ROOT/var/nobars/daily_ohlcv_2011-2012H1_40tickers.csv \
holds no readable price bar (1 row of the replay files skipped as \
unreadable: a wrong number of fields, a field over 64 KiB, a bad date (or \
one over 31 days ahead) or number, not UTF-8; or a price bar of a closed \
day or given again)\"} $ndocs" \
    "$(demo_why REPLAY_DIR="$ROOT/var/nobars")"
# Days before 1970 are read (the backtest takes them) but no job of the
# pipeline may have one: a replay range holding one is refused.
printf '%s\n' "ticker,date,open,high,low,close,volume" \
    "AAPL,1969-12-30,1,2,1,2,5" "AAPL,1969-12-31,1,2,1,2,5" \
    "AAPL,1970-01-02,1,2,1,2,5" \
    >"$ROOT/var/nobars/daily_ohlcv_2011-2012H1_40tickers.csv"
assert_eq "demo with a reset: a replay day before 1970 refused" \
    "1 \"error\":\"REPLAY_START 1969-01-01: the replay data has a trading \
day (1969-12-30) before 1970-01-01, which the pipeline does not take; start \
the replay in 1970 or later (stonks backtest --from reads earlier days)\"} \
$ndocs" \
    "$(demo_why REPLAY_DIR="$ROOT/var/nobars" REPLAY_START=1969-01-01 \
        REPLAY_END=1970-01-31)"
rm -r "$ROOT/var/nobars"
assert_eq "... said plainly too" \
    "stonks demo: cannot prepare the demo: REPLAY_TICKERS: 'ZZZZZ' is not a \
symbol of the registry nor an alternative ticker of one" \
    "$(demo_why REPLAY_TICKERS=ZZZZZ >/dev/null
        grep '^stonks demo: cannot' "$STONKS_VAR_DIR.out5")"
assert_eq "demo with a reset: a provider without its settings refused" \
    "1 $ndocs" "$(demo_with INGEST_PROVIDER=polygon)"
# Probe ports from STONKS_DEMO_HTTP_BASE over query-api's: refused, with
# both named (the two restarted until the demo gave up, after its reset).
qa_port=${QUERY_API_URL:-http://127.0.0.1:8001}
qa_port=${qa_port##*:}
assert_eq "demo with a reset: a probe port on query-api's refused before it" \
    "1 stonks demo: ingestion (replica 2) and query-api would both listen \
on port $qa_port: move one (the *_URL settings, STONKS_DEMO_HTTP_BASE) \
$ndocs" \
    "$(STONKS_DEMO_HTTP_BASE=$((qa_port - 1)) "$BIN" demo >/dev/null \
        2>"$STONKS_VAR_DIR.out11"
    echo "$? $(grep -v '^{' "$STONKS_VAR_DIR.out11") \
$(sql "SELECT count(*) FROM documents")")"
# The risk-engine listens on its URL's port (loopback), not on its slot.
assert_eq "demo with a reset: a probe port on risk-engine's refused" \
    "1 stonks demo: aggregation and risk-engine would both listen on port \
18455: move one (the *_URL settings, STONKS_DEMO_HTTP_BASE) $ndocs" \
    "$(STONKS_DEMO_HTTP_BASE=18450 RISK_ENGINE_URL=http://127.0.0.1:18455 \
        "$BIN" demo >/dev/null 2>"$STONKS_VAR_DIR.out12"
    echo "$? $(grep -v '^{' "$STONKS_VAR_DIR.out12") \
$(sql "SELECT count(*) FROM documents")")"
# One stonks up or demo per folder: a demo under a running up would
# empty the tables under it (the lock held here by flock(1), as by up).
echo 4242 >"$STONKS_VAR_DIR/up.pid"
# (the process that holds it is the one killed below: sleep, after exec)
(exec 9<>"$STONKS_VAR_DIR/up.pid" && flock 9 && exec sleep 30) &
holder=$!
# (held once a try of its own fails: a demo that took it would reset)
for _ in $(seq 1 100); do
    flock -n "$STONKS_VAR_DIR/up.pid" true || break
    sleep 0.05
done
assert_eq "demo while up runs over the folder: refused" \
    "1 stonks demo: stonks up or demo is already running for \
$(realpath "$STONKS_VAR_DIR") (pid 4242): stop that one first (Ctrl-C), or \
give this one its own STONKS_VAR_DIR and ports $ndocs" \
    "$("$BIN" demo >/dev/null 2>"$STONKS_VAR_DIR.out6"
    echo "$? $(grep -v '^{' "$STONKS_VAR_DIR.out6") \
$(sql "SELECT count(*) FROM documents")")"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
# ... and per database, whatever the folder: a demo from another
# folder on the same PostgreSQL emptied the tables under a running
# stack (the lock held here by a session of psql, as by up).
psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U stonks -d "$POSTGRES_DB" -q \
    -c "SELECT pg_advisory_lock(7413)" -c "SELECT pg_sleep(30)" \
    >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 100); do
    [ "$(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
              AND objid = 7413 AND granted")" = 1 ] && break
    sleep 0.05
done
assert_eq "demo from another folder on a database in use: refused" \
    "1 stonks demo: another stonks up or demo uses the database \
$POSTGRES_DB at 127.0.0.1:$POSTGRES_PORT: stop that one first (Ctrl-C), \
or give this one its own STONKS_PG_PORT, STONKS_REDIS_PORT and \
STONKS_STACK_DIR $ndocs" \
    "$(STONKS_VAR_DIR=$STONKS_VAR_DIR.other "$BIN" demo >/dev/null \
        2>"$STONKS_VAR_DIR.out7"
    echo "$? $(grep -v '^{' "$STONKS_VAR_DIR.out7") \
$(sql "SELECT count(*) FROM documents")")"
# (its server session would sleep on, lock held, after psql is gone)
sql "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype =
     'advisory' AND objid = 7413 AND granted" >/dev/null
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
# A running demo whose session ends (as PostgreSQL restarting ends it)
# takes the lock again within a second or so: a demo from another folder
# started after that is refused (it was let in, and emptied the tables).
lock_pid() {
    sql "SELECT pid FROM pg_locks WHERE locktype = 'advisory'
         AND objid = 7413 AND granted"
}
(REPLAY_PACE_MS=1000 exec "$BIN" demo --no-reset >"$STONKS_VAR_DIR.out8" \
    2>&1) &
demo_pid=$!
# (once it replays: an end of its session while it prepares fails it)
for _ in $(seq 1 600); do
    grep -q '^Replaying' "$STONKS_VAR_DIR.out8" && first=$(lock_pid) &&
        [ -n "$first" ] && break
    sleep 0.05
done
sql "SELECT pg_terminate_backend($first)" >/dev/null
for _ in $(seq 1 100); do
    again=$(lock_pid)
    [ -n "$again" ] && [ "$again" != "$first" ] && break
    sleep 0.05
done
assert_eq "the demo's lock, its session ended: held again" "yes" \
    "$([ -n "$again" ] && [ "$again" != "$first" ] && echo yes)"
assert_eq "... so a demo from another folder is refused" \
    "1 stonks demo: another stonks up or demo uses the database \
$POSTGRES_DB at 127.0.0.1:$POSTGRES_PORT: stop that one first (Ctrl-C), \
or give this one its own STONKS_PG_PORT, STONKS_REDIS_PORT and \
STONKS_STACK_DIR" \
    "$(STONKS_VAR_DIR=$STONKS_VAR_DIR.other "$BIN" demo >/dev/null \
        2>"$STONKS_VAR_DIR.out9"
    echo "$? $(grep -v '^{' "$STONKS_VAR_DIR.out9")")"
# It marks itself in Redis too, for the second before it takes the lock
# again: a demo from another folder started in that second got past the
# lock and emptied the tables under it. Here the demo is stopped
# (SIGSTOP) when its session ends, so the lock stays free, and its mark
# is made to last as its heartbeat would.
me="demo pid $demo_pid on $(hostname), folder $(realpath "$STONKS_VAR_DIR")"
assert_eq "the running demo's mark, set again every second" "$me yes" \
    "$(redis-cli -p "$REDIS_PORT" GET stonks:supervisor) $(
        ttl=$(redis-cli -p "$REDIS_PORT" PTTL stonks:supervisor)
        [ "$ttl" -gt 0 ] && [ "$ttl" -le 5000 ] && echo yes)"
kill -STOP "$demo_pid"
sql "SELECT pg_terminate_backend($(lock_pid))" >/dev/null
redis-cli -p "$REDIS_PORT" PEXPIRE stonks:supervisor 20000 >/dev/null
docs_before=$(sql "SELECT count(*) FROM documents")
assert_eq "... so in the lock's free second a demo from another folder is \
refused, and the tables are kept" \
    "1 0 stonks demo: another stonks up or demo ($me) uses the Redis at \
127.0.0.1:$REDIS_PORT (its mark stonks:supervisor is renewed every second): \
stop that one first (Ctrl-C), or give this one its own STONKS_PG_PORT, \
STONKS_REDIS_PORT and STONKS_STACK_DIR; the mark of one killed outright is \
gone 5 s later $docs_before" \
    "$(STONKS_VAR_DIR=$STONKS_VAR_DIR.other "$BIN" demo >/dev/null \
        2>"$STONKS_VAR_DIR.out10"
    echo "$? $(lock_pid | wc -l) $(grep -v '^{' "$STONKS_VAR_DIR.out10") \
$(sql "SELECT count(*) FROM documents")")"
kill -CONT "$demo_pid"
kill -INT "$demo_pid" 2>/dev/null
wait "$demo_pid" 2>/dev/null
assert_eq "a demo that stops removes its mark" "0" \
    "$(redis-cli -p "$REDIS_PORT" EXISTS stonks:supervisor)"
# A demo killed outright (SIGKILL) takes its services with it (they
# held its ports and queues, and every later demo was refused as
# "another program" on them), and its mark is gone 5 s later.
(REPLAY_PACE_MS=1000 exec "$BIN" demo --no-reset >"$STONKS_VAR_DIR.out11" \
    2>&1) &
demo_pid=$!
for _ in $(seq 1 600); do
    grep -q '^Replaying' "$STONKS_VAR_DIR.out11" && break
    sleep 0.05
done
sleep 1 # (every service started)
kids=$(pgrep -P "$demo_pid" | paste -sd' ')
kill -KILL "$demo_pid"
wait "$demo_pid" 2>/dev/null
for _ in $(seq 1 100); do
    left=0
    for p in $kids; do
        kill -0 "$p" 2>/dev/null && left=$((left + 1))
    done
    [ "$left" = 0 ] && break
    sleep 0.1
done
assert_eq "a demo killed with SIGKILL: its 16 services end too" "16 0" \
    "$(echo "$kids" | wc -w) $left"
gone=no
for _ in $(seq 1 60); do
    [ "$(redis-cli -p "$REDIS_PORT" EXISTS stonks:supervisor)" = 0 ] &&
        gone=yes && break
    sleep 0.1
done
assert_eq "... and its mark within 5 s" "yes" "$gone"
# A job that fails for good while the demo runs is said (its progress
# line just stopped moving when the job's day waited for it): one
# waiting before the demo starts (--no-reset keeps it) too.
redis-cli -p "$REDIS_PORT" XADD stonks:queue:parsing '*' p '{"doc":"x"}' \
    >/dev/null
(REPLAY_PACE_MS=1000 QUEUE_MAX_ATTEMPTS=1 exec "$BIN" demo --no-reset \
    >"$STONKS_VAR_DIR.out12" 2>&1) &
demo_pid=$!
for _ in $(seq 1 200); do
    grep -q 'failed for good' "$STONKS_VAR_DIR.out12" && break
    sleep 0.05
done
kill -INT "$demo_pid" 2>/dev/null
wait "$demo_pid" 2>/dev/null
assert_eq "a job that failed for good during the demo is said" \
    "stonks demo: 1 job(s) of the parsing queue failed for good (\`stonks \
queue dead parsing\` shows why): the replay may wait for them" \
    "$(grep '^stonks demo: .*failed for good' "$STONKS_VAR_DIR.out12")"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:parsing >/dev/null
echo "news of every alternative ticker a symbol may have (8) is read"
# F with 8 alternative tickers, one article under each of the last two;
# the backtest reads the same rows
ALT=$STONKS_VAR_DIR/alt8
mkdir -p "$ALT"
cp "$PRICES" "$ALT/"
sed 's/^\(F,Ford Motor Company,[^,]*,.*\)$/\1|$FA1|$FA2|$FA3|$FA4|$FA5|$FA6|$FA7|$FA8/' \
    "$ROOT/data/watchlist.csv" >"$ALT/watchlist.csv"
{
    echo 'ticker,company,date,title,summary,news_type'
    echo 'FA7,Ford,20110707,Carmaker profit rises on its seventh feed,x,normal'
    echo 'FA8,Ford,20110708,Carmaker profit rises on its eighth feed,x,normal'
    echo 'F,Ford,20110732,Ford profit rises on a bad date,x,normal'
    printf 'F,Ford,20110708,Ford \xff profit rises,x,normal\n'
} >"$ALT/$(basename "$NEWS")"
fresh_db stonks_it_replay_alt
WATCHLIST_FILE=$ALT/watchlist.csv REPLAY_DIR=$ALT REPLAY_TICKERS=F \
    REPLAY_START=2011-07-07 REPLAY_END=2011-07-08 DEMO_TRADING=0 \
    "$BIN" demo >"$STONKS_VAR_DIR.out4" 2>&1 ||
    { echo "  FAIL: demo exited non-zero"; tail -n 20 "$STONKS_VAR_DIR.out4"; }
assert_eq "the replay: F's articles of both feeds" "2" \
    "$(sql "SELECT count(*) FROM document_tickers
            WHERE ticker = 'F' AND origin = 'feed'")"
assert_eq "the demo says what it skipped of the files (2 rows)" \
    "stonks demo: 2 rows of the replay files in $ALT skipped (unreadable: \
a wrong number of fields, a field over 64 KiB, a bad date (or one over 31 \
days ahead) or number, not UTF-8; or a price bar of a closed day or given \
again)" \
    "$(grep '^stonks demo:' "$STONKS_VAR_DIR.out4")"
assert_eq "the backtest: the same two" "2 documents" \
    "$("$BIN" backtest --data "$ALT" --watchlist "$ALT/watchlist.csv" \
        --tickers F --from 2011-07-07 --to 2011-07-08 --no-files \
        --null-runs 0 --no-progress 2>&1 >/dev/null |
        grep -o '[0-9]* documents')"

echo "stonks queue dead says when it shows only part of the dead letters"
rec='{"queue":"recommendation","payload":"{}","error":"x","attempts":1}'
redis-cli -p "$REDIS_PORT" EVAL \
    "for i = 1, 1005 do redis.call('RPUSH', KEYS[1], ARGV[1]) end" 1 \
    stonks:dead:recommendation "$rec" >/dev/null
assert_eq "1005 dead letters: 1000 listed, and said" \
    "1000 stonks queue dead: the newest 1000 of 1005 dead letters shown" \
    "$("$BIN" queue dead recommendation 2>"$STONKS_VAR_DIR.dead" |
        jq length) $(cat "$STONKS_VAR_DIR.dead")"
redis-cli -p "$REDIS_PORT" LTRIM stonks:dead:recommendation 0 999 >/dev/null
assert_eq "1000: all of them, nothing said" "1000 " \
    "$("$BIN" queue dead recommendation 2>"$STONKS_VAR_DIR.dead" |
        jq length) $(cat "$STONKS_VAR_DIR.dead")"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:recommendation >/dev/null

echo "stonks queue retry leaves a job no worker could take in the dead letters"
# a job over 1 MiB (only its first KiB is kept), an entry without a
# payload, and one that failed for a row it needs
head -c 1100000 /dev/zero | tr '\0' 'a' | sed 's/^/{"doc":1,"x":"/; s/$/"}/' |
    redis-cli -p "$REDIS_PORT" -x XADD stonks:queue:parsing '*' p >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:parsing '*' x 1 >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:parsing '*' p '{"doc":999999999}' \
    >/dev/null
QUEUE_MAX_ATTEMPTS=1 HTTP_PORT=0 timeout -s INT 5 "$BIN" parser \
    >"$STONKS_VAR_DIR.parser" 2>&1
assert_eq "three dead letters, the long one marked cut" "3 true" \
    "$("$BIN" queue dead parsing | jq -r '"\(length) \([.[] |
        select(.payload_cut)] | length | . == 1)"')"
assert_eq "retry: one moved back, two left, said" \
    "1 job(s) moved back to parsing stonks queue retry: 2 left in the dead letters: their payload was cut (over 1048576 bytes) or missing, or they are no record of ours, so no worker could take them 2 1" \
    "$("$BIN" queue retry parsing 2>"$STONKS_VAR_DIR.retry") $(cat \
        "$STONKS_VAR_DIR.retry") $(redis-cli -p "$REDIS_PORT" LLEN \
        stonks:dead:parsing) $(redis-cli -p "$REDIS_PORT" XLEN \
        stonks:queue:parsing)"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:parsing stonks:queue:parsing >/dev/null

echo "a batch goes on without the job that names no document"
# (it was dropped without a word in a batch with others)
first=$(sql "SELECT min(id) FROM documents")
redis-cli -p "$REDIS_PORT" DEL stonks:queue:extraction >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:parsing '*' p \
    "{\"doc\":$first}" >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:parsing '*' p '{"doc":999999999}' \
    >/dev/null
QUEUE_MAX_ATTEMPTS=1 HTTP_PORT=0 timeout -s INT 5 "$BIN" parser \
    >"$STONKS_VAR_DIR.parser" 2>&1
assert_eq "the missing one dead-lettered with its reason, the other parsed" \
    "1 document 999999999 not found 1" \
    "$("$BIN" queue dead parsing | jq -r '"\(length) \(.[0].error)"') \
$(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:extraction)"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:parsing stonks:queue:parsing \
    stonks:queue:extraction >/dev/null

echo "a recommendation batch with a job twice and one without an aggregate"
# Each job without an aggregate fails alone. A ticker and day queued
# twice in one batch had failed the batch (two rows asked, one found):
# it was run again job by job, waking the trading-engine once per job.
redis-cli -p "$REDIS_PORT" DEL stonks:queue:recommendation \
    stonks:dead:recommendation stonks:queue:trading_decisions >/dev/null
# (the database is the F replay's above, of 2011-07-07..08)
for t in F F ZZZZ; do
    redis-cli -p "$REDIS_PORT" XADD stonks:queue:recommendation '*' p \
        "{\"ticker\":\"$t\",\"day\":\"2011-07-08\"}" >/dev/null
done
QUEUE_MAX_ATTEMPTS=1 HTTP_PORT=0 timeout -s INT 5 "$BIN" recommendation \
    >"$STONKS_VAR_DIR.recommendation" 2>&1
assert_eq "one wake-up for the day, the one without an aggregate dead" \
    "1 1 {\"ticker\":\"ZZZZ\",\"day\":\"2011-07-08\"} no aggregate for \
this ticker and day yet" \
    "$(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:trading_decisions) \
$("$BIN" queue dead recommendation |
        jq -r '"\(length) \(.[0].payload) \(.[0].error)"')"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:recommendation \
    stonks:dead:recommendation stonks:queue:trading_decisions >/dev/null

echo "ingestion queues its documents once a refused push goes through"
# The batch committed, Redis refused the push (here a key of the wrong
# type; at maxmemory it refuses so too) and the batch ran again: it
# found its documents stored a moment ago, left them to the batch that
# inserted them, queued nothing and was acknowledged, and they stayed
# 'new' for ever.
redis-cli -p "$REDIS_PORT" DEL stonks:queue:ingestion >/dev/null
redis-cli -p "$REDIS_PORT" SET stonks:queue:parsing blocker >/dev/null
redis-cli -p "$REDIS_PORT" XADD stonks:queue:ingestion '*' p \
    '{"ticker":"AAPL","day":"2011-09-12","from":"2011-09-12"}' >/dev/null
HTTP_PORT=0 "$BIN" ingestion >"$STONKS_VAR_DIR.ingestion" 2>&1 &
ing=$!
sleep 2
redis-cli -p "$REDIS_PORT" DEL stonks:queue:parsing >/dev/null
for _ in $(seq 100); do
    [ "$(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:ingestion)" = 0 ] &&
        break
    sleep 0.1
done
kill -INT "$ing"
wait "$ing"
assert_eq "every new document queued for parsing" \
    "$(sql "SELECT count(*) || ' t' FROM documents WHERE status = 'new'")" \
    "$(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:parsing) \
$(sql "SELECT count(*) > 0 FROM documents WHERE status = 'new'")"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:parsing >/dev/null

echo "dead letters pushed by hand, no records of ours"
redis-cli -p "$REDIS_PORT" LPUSH stonks:dead:parsing 'garbage' >/dev/null
redis-cli -p "$REDIS_PORT" LPUSH stonks:dead:parsing \
    '{"payload":"{\"doc\":5}"}' >/dev/null
# (text that holds what a record of ours would: it was moved back)
redis-cli -p "$REDIS_PORT" LPUSH stonks:dead:parsing \
    'x ,"payload":"{\"doc\":6}"' >/dev/null
assert_eq "queue dead stays JSON, the text shown as unreadable" \
    '[{"unreadable":"x ,\"payload\":\"{\\\"doc\\\":6}\""},'\
'{"payload":"{\"doc\":5}"},{"unreadable":"garbage"}]' \
    "$("$BIN" queue dead parsing | jq -c .)"
assert_eq "retry keeps all three where they are" \
    "0 job(s) moved back to parsing 3 garbage" \
    "$("$BIN" queue retry parsing 2>/dev/null) $(redis-cli -p "$REDIS_PORT" \
        LLEN stonks:dead:parsing) $(redis-cli -p "$REDIS_PORT" LINDEX \
        stonks:dead:parsing -1)"
redis-cli -p "$REDIS_PORT" DEL stonks:dead:parsing >/dev/null

echo "lake-publisher writes again a day whose file was damaged"
export LAKE_URI=$STONKS_VAR_DIR/lake
rm -rf "$LAKE_URI"
if ! LOG_LEVEL=warn "$BIN" lake-publisher --once >"$STONKS_VAR_DIR.lake" 2>&1; then
    echo "  SKIP: no lake here ($(tail -n 1 "$STONKS_VAR_DIR.lake"))"
else
    part=$LAKE_URI/signals/dt=2011-07-07/part-00000.parquet
    head -c 100 "$part" >"$part.cut" && mv "$part.cut" "$part"
    assert_eq "a cut file: every query over the lake fails" "1" \
        "$("$BIN" sql 'SELECT count(*) FROM documents' >/dev/null 2>&1
            echo $?)"
    assert_eq "the next publication writes that day again" \
        "lake: 1 partition files written (1 rows), 0 removed, in $LAKE_URI" \
        "$(LOG_LEVEL=warn "$BIN" lake-publisher --once)"
    assert_eq "and the lake answers" "2" \
        "$("$BIN" sql --no-header 'SELECT count(*) FROM signals')"
    assert_eq "a publication with nothing changed writes nothing" \
        "lake: 0 partition files written (0 rows), 0 removed, in $LAKE_URI" \
        "$(LOG_LEVEL=warn "$BIN" lake-publisher --once)"
fi
unset LAKE_URI

echo "a worker that cannot start stops the demo, which says why"
# A setting only it reads (a weights file that does not load): started
# again after a growing pause, then after its 5th failure the demo stops
# and says why; it was started again every few milliseconds without end,
# the replay at day 0. Days not replayed yet, so that the replay waits
# for the extractor.
assert_eq "demo: a worker that fails at start" \
    "1 4 \"child\":\"extractor\",\"times\":5,\"error\":\"cannot start: cannot open sentiment weights /nonexistent: No such file or directory (STONKS_MODEL_PATH names the weights file; the default is relative to the repository's folder)\",\"log\":\"$STONKS_VAR_DIR/log/extractor-1.log\"}" \
    "$(STONKS_MODEL_PATH=/nonexistent REPLAY_START=2011-09-12 \
        REPLAY_END=2011-09-16 timeout 60 "$BIN" demo --no-reset \
        >"$STONKS_VAR_DIR.out4" 2>&1
    echo "$? $(grep -c '"msg":"service exited, restarting","child":"extractor"' \
        "$STONKS_VAR_DIR.out4") $(grep '"msg":"a service failed at start"' \
        "$STONKS_VAR_DIR.out4" | sed -E 's/^.*"msg":"a service failed at start",//')")"

# ... also when the replay is found finished at once (it exited 0 then,
# before the worker's fifth failure): the alternative tickers' replay
# above, again.
assert_eq "demo: a worker that fails at start, the replay finished" \
    "1 \"child\":\"extractor\",\"times\":5" \
    "$(STONKS_MODEL_PATH=/nonexistent WATCHLIST_FILE=$ALT/watchlist.csv \
        REPLAY_DIR=$ALT REPLAY_TICKERS=F REPLAY_START=2011-07-07 \
        REPLAY_END=2011-07-08 DEMO_TRADING=0 timeout 60 "$BIN" demo \
        --no-reset >"$STONKS_VAR_DIR.out5" 2>&1
    echo "$? $(grep '"msg":"a service failed at start"' \
        "$STONKS_VAR_DIR.out5" | grep -o '"child":"[a-z]*","times":5')")"

echo "a replay from before the first day of the data trades its sessions"
# 2010-12-31 is a trading day of the exchange, but not of the data
# (from 2011-01-03): the trading-engine waited for it for ever.
assert_eq "sessions traded" \
    "0 2011-01-03 2011-01-04 2011-01-05 2011-01-06 2011-01-07" \
    "$(REPLAY_START=2010-12-31 REPLAY_END=2011-01-07 timeout 120 "$BIN" demo \
        >"$STONKS_VAR_DIR.out10" 2>&1
    echo "$? $(sql "SELECT string_agg(day::text, ' ' ORDER BY day)
                    FROM trading_runs")")"
finish
