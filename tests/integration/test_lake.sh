#!/usr/bin/env bash
# The Parquet lake (issue 9) over a short replay (four tickers, one
# week) plus rows written here to reach the edges (UTF-8 with tabs and
# newlines, NULLs, the largest bigint, negative money, JSON): publish;
# read every column of every table back and compare it with PostgreSQL
# (lake_compare.py); Parquet files are zstd with row-group statistics,
# UTC microsecond timestamps and decimals; `stonks sql` counts equal
# PostgreSQL's; a second publication writes nothing; a change rewrites
# only its day and a day left empty loses its file; a publisher killed
# between writing a file and committing its watermark leaves no
# duplicate row, and the next run repairs the books; the same query
# through Trino's protocol (a fake coordinator) with its failure, time
# limit, row limit, busy and bad-nextUri cases; read-only refusals;
# infra/sql/lakehouse.sql is what the binary generates.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

export REPLAY_TICKERS=AAPL,GOOGL,F,T
export REPLAY_START=2011-09-01 REPLAY_END=2011-09-09
export STONKS_VAR_DIR=$ROOT/var/it-lake
export OBJECT_STORE_DIR=$STONKS_VAR_DIR/objects
export LAKE_URI=$STONKS_VAR_DIR/lake
export QUEUE_BLOCK_MS=100
unset TRINO_URL DUCKDB_LIBRARY
TMP=$STONKS_VAR_DIR/tmp
pids=()

rm -rf "$STONKS_VAR_DIR"
mkdir -p "$TMP"
fresh_db stonks_it_lake
export PGHOST=127.0.0.1 PGPORT=$POSTGRES_PORT PGUSER=stonks
export PGDATABASE=$POSTGRES_DB

cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
}
trap cleanup EXIT

# Every command's stderr is also kept in stderr.all, where the end of
# the test looks for sanitizer reports.
lake() {
    local rc
    "$BIN" sql --no-header "$1" 2>"$TMP/sql.err"
    rc=$?
    cat "$TMP/sql.err" >>"$TMP/stderr.all"
    return $rc
}
publish() {
    local rc
    "$BIN" lake-publisher --once "$@" 2>"$TMP/publish.err"
    rc=$?
    cat "$TMP/publish.err" >>"$TMP/stderr.all"
    return $rc
}
check() { # check WHAT COMMAND...: the command succeeds
    local what=$1
    shift
    checks=$((checks + 1))
    if "$@"; then
        echo "  ok: $what"
    else
        echo "  FAIL: $what"
        failures=$((failures + 1))
    fi
}

if ! "$BIN" sql "SELECT 1" >/dev/null 2>"$TMP/probe.err"; then
    echo "  FAIL: this build cannot run SQL over the lake:"
    cat "$TMP/probe.err"
    exit 1
fi

echo "running $BIN demo over $REPLAY_TICKERS $REPLAY_START..$REPLAY_END"
if ! "$BIN" demo >"$STONKS_VAR_DIR.out" 2>&1; then
    echo "  FAIL: demo exited non-zero"
    tail -n 30 "$STONKS_VAR_DIR.out"
    exit 1
fi

# Rows at the edges, on days of their own.
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO documents (source, provider_id, title, body, published_at,
    trading_day, content_hash, status)
VALUES ('lake-test', 'edge-1', E'Caf\u00e9 \u2713 tab\there',
    E'line one\nline two \\ back\\slash',
    '2011-09-12 13:30:00.123456+00', '2011-09-12', 'lake-edge-1', 'new');
INSERT INTO price_bars VALUES ('AAPL', '2011-06-01', 12.34565, 99999.99995,
    0.00005, 1e-7, 9223372036854775807, 'lake-test');
INSERT INTO orders (client_order_id, source, mode, broker, ticker, side,
    type, qty, limit_price_cents, ref_price_cents, extended_hours,
    decision_day, exec_day, exec_minute, status, reject_code, reject_reason)
VALUES ('lake-edge-order', 'manual', 'paper', 'paper', 'AAPL', 'sell',
    'limit', 7, 123456789012, 1, true, '2011-06-01', '2011-06-02', 0,
    'rejected', 'x', E'r\u00e9ason');
INSERT INTO fills (order_id, seq, ticker, side, qty, price_cents,
    gross_cents, commission_cents, day, filled_at)
SELECT id, 1, 'AAPL', 'sell', 1, 99, -99999999999, 0, '2011-06-02',
    '2011-06-02 14:00:00.000001+00'
FROM orders WHERE client_order_id = 'lake-edge-order';
INSERT INTO risk_verdicts (client_order_id, stage, allowed, reasons, inputs,
    mode)
VALUES ('lake-edge-order', 'gate', false,
    '["\u00fcn\u00efcode \"quoted\""]', '{"a": 1.5, "b": null}', 'paper');
SQL

echo "publishing"
out=$("$BIN" lake-publisher --once orders nope 2>&1)
assert_eq "--once of a table unknown: refused" \
    "2 stonks lake-publisher: unknown table 'nope'" "$? $out"
out=$("$BIN" lake-publisher --once orders signals orders 2>&1)
assert_eq "--once of a table named twice: refused" \
    "2 stonks lake-publisher: table 'orders' is named twice" "$? $out"
check "lake-publisher --once succeeds" publish
files=$(find "$LAKE_URI" -name '*.parquet' -not -path '*/_staging/*' | wc -l)
assert_eq "one file per table and day" \
    "$(sql "SELECT count(*) FROM lake_partitions")" "$files"
assert_eq "every partition file is named part-00000.parquet" "$files" \
    "$(find "$LAKE_URI" -path '*/dt=*/part-00000.parquet' | wc -l)"
assert_eq "watermarks: one per table" "10" \
    "$(sql "SELECT count(*) FROM lake_watermarks")"

echo "every column read back"
checks=$((checks + 1))
if /usr/bin/python3 "$ROOT/tests/integration/lake_compare.py" "$BIN"; then
    :
else
    failures=$((failures + 1))
fi

echo "SQL over the lake (DuckDB)"
q="SELECT ticker, count(*) FROM signals GROUP BY 1"
assert_eq "stonks sql \"$q\" = PostgreSQL" \
    "$(sql "$q ORDER BY 1" | tr '|\n' '\t ')" \
    "$(lake "$q" | sort | tr '\n' ' ')"
assert_eq "engine in the JSON answer" '"engine":"duckdb"' \
    "$("$BIN" sql --json "$q" | grep -o '"engine":"duckdb"')"
assert_eq "UTF-8, tab and newline come back escaped" \
    'Café ✓ tab\there|line one\nline two \\ back\\slash' \
    "$(lake "SELECT title || '|' || body FROM documents
             WHERE provider_id = 'edge-1'")"
assert_eq "a NUL inside a value is shown as U+2400, not an end" \
    '["a␀b"]' \
    "$("$BIN" sql --json "SELECT 'a' || chr(0) || 'b' AS x" |
        python3 -c 'import json, sys
print(json.dumps(json.load(sys.stdin)["rows"][0], ensure_ascii=False))')"
assert_eq "money as decimal(18,2)" "1234567890.12 -999999999.99 DECIMAL(18,2)" \
    "$(lake "SELECT o.limit_price, f.gross, typeof(f.gross) FROM orders o
             JOIN fills f ON f.order_id = o.id
             WHERE o.client_order_id = 'lake-edge-order'" | tr '\t' ' ')"
lf=$LAKE_URI/orders/dt=2011-09-01/part-00000.parquet
assert_eq "timestamps: INT64 micros, adjusted to UTC" \
    "TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=<null>, \
MICROS=MicroSeconds(), NANOS=<null>))" \
    "$(lake "SELECT DISTINCT logical_type FROM parquet_schema('$lf')
             WHERE name = 'created_at'")"
assert_eq "decimal logical type" "DecimalType(scale=2, precision=18)" \
    "$(lake "SELECT logical_type FROM parquet_schema('$lf')
             WHERE name = 'ref_price'")"
assert_eq "strings: UTF8" "UTF8" \
    "$(lake "SELECT converted_type FROM parquet_schema('$lf')
             WHERE name = 'ticker'")"
assert_eq "every column chunk zstd with min/max statistics" "0" \
    "$(lake "SELECT count(*) FROM parquet_metadata('$LAKE_URI/*/*/*.parquet')
             WHERE compression <> 'ZSTD' OR (stats_min_value IS NULL AND
             stats_null_count < num_values)")"
assert_eq "row limit: --max-rows 3 gives 3 rows" "3" \
    "$("$BIN" sql --no-header --max-rows 3 "SELECT * FROM signals" \
        2>>"$TMP/stderr.all" | wc -l)"
assert_eq "byte limit: rows of 300 bytes within 1024 give 3, and say why" \
    "3 stonks sql: only the first 3 rows shown: the next would pass \
LAKE_QUERY_MAX_BYTES (1024 bytes of text)" \
    "$(LAKE_QUERY_MAX_BYTES=1024 "$BIN" sql --no-header \
        "SELECT repeat('x', 300) FROM range(10)" 2>"$TMP/bytes.err" |
        wc -l) $(grep 'only the first' "$TMP/bytes.err")"

echo "read-only"
for bad in "DELETE FROM signals" "SELECT 1; SELECT 2" \
    "COPY signals TO '/tmp/x.csv'" "ATTACH '/tmp/x.db'" \
    "SELECT * FROM read_csv('/etc/passwd')" "WITH x AS (SELECT 1) SET a=1" \
    "SELECT * FROM read_text('$ROOT/Makefile')"; do
    checks=$((checks + 1))
    if "$BIN" sql "$bad" >/dev/null 2>"$TMP/bad.err"; then
        cat "$TMP/bad.err" >>"$TMP/stderr.all"
        echo "  FAIL: accepted: $bad"
        failures=$((failures + 1))
    else
        cat "$TMP/bad.err" >>"$TMP/stderr.all"
        echo "  ok: refused: $bad ($(head -c 70 "$TMP/bad.err" | head -n 1))"
    fi
done
# DuckDB's default folder for what does not fit in memory is .tmp under
# the working folder: queries could read it, and two queries spilling
# there at once wrote over each other's files and crashed.
mkdir -p "$TMP/cwd/.tmp" "$TMP/spill"
echo private >"$TMP/cwd/.tmp/x.txt"
bin_abs=$(realpath "$BIN")
(cd "$TMP/cwd" && "$bin_abs" sql "SELECT * FROM read_text('.tmp/x.txt')") \
    >/dev/null 2>"$TMP/bad.err"
assert_eq "a file in .tmp of the working folder cannot be read" \
    "1 Permission Error" "$? $(grep -o 'Permission Error' "$TMP/bad.err")"
cat "$TMP/bad.err" >>"$TMP/stderr.all"
big="SELECT count(*), sum(hash(b)) FROM (SELECT md5(range::VARCHAR) AS b
     FROM range(6000000) ORDER BY b)"
spills=()
for i in 1 2; do
    (cd "$TMP/cwd" && TMPDIR=$TMP/spill "$bin_abs" sql --no-header \
        --timeout-ms 60000 "$big" >"$TMP/spill$i.out" 2>"$TMP/spill$i.err"
        echo "$?" >>"$TMP/spill$i.out") &
    spills+=($!)
done
wait "${spills[@]}"
cat "$TMP/spill1.err" "$TMP/spill2.err" >>"$TMP/stderr.all"
assert_eq "two queries past memory_limit at once, in one working folder" \
    "$(printf '6000000\t55338676328714629884310440\n0')
$(printf '6000000\t55338676328714629884310440\n0')" \
    "$(cat "$TMP/spill1.out" "$TMP/spill2.out")"
assert_eq "their spill folders removed, none in the working folder" \
    "0 x.txt" "$(ls -A "$TMP/spill" | wc -l) $(ls -A "$TMP/cwd/.tmp")"
# A spill folder whose process was killed (SIGKILL: it could not remove
# it) goes at the next start of one in the same TMPDIR; one of a
# process that runs stays.
sleep 0 &
dead=$!
wait "$dead"
mkdir -p "$TMP/spill/stonks-duckdb-$dead-AbCdEf" \
    "$TMP/spill/stonks-duckdb-$$-GhIjKl"
echo spilled >"$TMP/spill/stonks-duckdb-$dead-AbCdEf/duckdb_temp_block"
(cd "$TMP/cwd" && TMPDIR=$TMP/spill "$bin_abs" sql --no-header \
    "SELECT 1" >/dev/null 2>>"$TMP/stderr.all")
assert_eq "a killed process's spill folder removed, a running one's kept" \
    "stonks-duckdb-$$-GhIjKl" "$(ls -A "$TMP/spill")"
rm -rf "$TMP/spill" "$TMP/cwd"
checks=$((checks + 1))
if "$BIN" sql --timeout-ms 300 \
    "SELECT count(*) FROM range(100000000000) a" >/dev/null 2>"$TMP/t.err" ||
    ! grep -q "ran past 300 ms" "$TMP/t.err"; then
    echo "  FAIL: time limit: $(cat "$TMP/t.err")"
    failures=$((failures + 1))
else
    echo "  ok: time limit: a long query stops after 300 ms"
fi

echo "incremental publication"
check "a second publication writes nothing" \
    grep -q "^lake: 0 partition files written (0 rows), 0 removed" \
    <(publish)
rm "$LAKE_URI/aggregates/dt=2011-09-02/part-00000.parquet"
check "a partition file removed by hand is written again" \
    grep -q "^lake: 1 partition files written (4 rows), 0 removed" \
    <(publish)
day=$(sql "SELECT min(trading_day) FROM signals")
sql "UPDATE signals SET counted = NOT counted WHERE (document_id, ticker) =
     (SELECT document_id, ticker FROM signals WHERE trading_day = '$day'
      ORDER BY 1, 2 LIMIT 1)" >/dev/null
sql "DELETE FROM documents WHERE provider_id = 'edge-1'" >/dev/null
out=$(publish)
assert_eq "a changed signal and a deleted document" \
    "lake: 1 partition files written, 1 removed" \
    "$(echo "$out" | sed 's/ ([0-9]* rows)//; s/, in .*//')"
check "the emptied day lost its file" \
    test ! -e "$LAKE_URI/documents/dt=2011-09-12/part-00000.parquet"
assert_eq "and its bookkeeping" "0" \
    "$(sql "SELECT count(*) FROM lake_partitions
            WHERE table_name = 'documents' AND dt = '2011-09-12'")"
assert_eq "the flipped signal in the lake" \
    "$(sql "SELECT count(*) FILTER (WHERE counted) FROM signals")" \
    "$(lake "SELECT count(*) FILTER (WHERE counted) FROM signals")"

echo "a second lake, then the first again"
LAKE_ID=$(realpath "$LAKE_URI") # (the books' name of the lake)
# Each lake keeps books of its own: a second LAKE_URI gets every day of
# the table, and each then gets what changed since its own last
# publication (the first, with the second's books, kept stale days).
ndays=$(sql "SELECT count(DISTINCT day) FROM price_bars")
assert_eq "to a second lake: every day of price_bars" \
    "lake: $ndays partition files written" \
    "$(LAKE_URI=$TMP/lake2 publish price_bars | sed 's/ (.*//')"
sql "UPDATE price_bars SET volume = volume + 1 WHERE ticker = 'AAPL'
     AND day = '2011-09-01'" >/dev/null
assert_eq "the second lake again: the changed day" \
    "lake: 1 partition files written" \
    "$(LAKE_URI=$TMP/lake2 publish price_bars | sed 's/ (.*//')"
assert_eq "back to the first: the changed day too" \
    "lake: 1 partition files written" \
    "$(publish price_bars | sed 's/ (.*//')"
assert_eq "the first lake has the change" \
    "$(sql "SELECT volume FROM price_bars WHERE ticker = 'AAPL'
            AND day = '2011-09-01'")" \
    "$(lake "SELECT volume FROM price_bars WHERE ticker = 'AAPL'
             AND day = '2011-09-01'")"
assert_eq "the first lake spelled otherwise: the same books" \
    "lake: 0 partition files written (0 rows), 0 removed" \
    "$(LAKE_URI=file://$LAKE_URI/../lake/ publish price_bars |
        sed 's/, in .*//')"
last=$(sql "SELECT max(day) FROM price_bars")
sql "DELETE FROM price_bars WHERE day = '$last'" >/dev/null
assert_eq "a day deleted: its file removed from the first lake" \
    "lake: 0 partition files written (0 rows), 1 removed" \
    "$(publish price_bars | sed 's/, in .*//')"
assert_eq "... and from the second" \
    "lake: 0 partition files written (0 rows), 1 removed no file" \
    "$(LAKE_URI=$TMP/lake2 publish price_bars | sed 's/, in .*//') $(
        test -e "$TMP/lake2/price_bars/dt=$last/part-00000.parquet" ||
        echo no file)"

echo "a publisher killed between its file and its watermark"
sql "UPDATE price_bars SET volume = 1234 WHERE ticker = 'AAPL'
     AND day = '2011-06-01'" >/dev/null
wm=$(sql "SELECT horizon FROM lake_watermarks WHERE lake = '$LAKE_ID'
          AND table_name = 'price_bars'")
psql -X -q -c "BEGIN" -c "LOCK TABLE lake_partitions IN EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
locker=$!
pids+=("$locker")
for _ in $(seq 1 100); do
    [ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c
              ON c.oid = l.relation WHERE c.relname = 'lake_partitions'
              AND l.mode = 'ExclusiveLock' AND l.granted")" = 1 ] && break
    sleep 0.05
done
"$BIN" lake-publisher --once price_bars >/dev/null 2>&1 &
pub=$!
blocked=no
for _ in $(seq 1 600); do
    if [ "$(sql "SELECT count(*) FROM pg_stat_activity
                WHERE application_name = 'lake-publisher'
                AND wait_event_type = 'Lock'")" = 1 ]; then
        blocked=yes
        break
    fi
    sleep 0.05
done
assert_eq "the publisher wrote its file and waits to commit" yes "$blocked"
kill -9 "$pub" 2>/dev/null
wait "$pub" 2>/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
     WHERE application_name = 'lake-publisher'
     OR query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()" >/dev/null
wait "$locker" 2>/dev/null
assert_eq "the new file is in place" "1234" \
    "$(lake "SELECT volume FROM price_bars WHERE ticker = 'AAPL'
             AND day = '2011-06-01'")"
assert_eq "the watermark did not move" "$wm" \
    "$(sql "SELECT horizon FROM lake_watermarks
            WHERE lake = '$LAKE_ID' AND table_name = 'price_bars'")"
n=$(sql "SELECT count(*) FROM price_bars")
assert_eq "no duplicate row in the lake" "$n $n" \
    "$(lake "SELECT count(*), count(DISTINCT (ticker, day))
             FROM price_bars" | tr '\t' ' ')"
assert_eq "no stray file in any table" \
    "$(sql "SELECT count(*) FROM lake_partitions WHERE lake = '$LAKE_ID'")" \
    "$(find "$LAKE_URI" -name '*.parquet' -not -path '*/_staging/*' |
        wc -l)"
out=$(publish price_bars)
assert_eq "the next run rewrites that day again" \
    "lake: 1 partition files written (1 rows), 0 removed" \
    "$(echo "$out" | sed 's/, in .*//')"
check "and moves the watermark" test "$wm" != \
    "$(sql "SELECT horizon FROM lake_watermarks
            WHERE lake = '$LAKE_ID' AND table_name = 'price_bars'")"
assert_eq "lake price_bars = PostgreSQL after the repair" \
    "$(sql "SELECT count(*), sum(volume) FROM price_bars" | tr '|' '\t')" \
    "$(lake "SELECT count(*), sum(volume) FROM price_bars")"

echo "the service: a timer catches up with no job queued"
LAKE_PUBLISH_INTERVAL_S=1 HTTP_PORT=0 "$BIN" lake-publisher \
    >"$TMP/service.log" 2>&1 &
svc=$!
pids+=("$svc")
sql "UPDATE price_bars SET volume = 4321 WHERE ticker = 'AAPL'
     AND day = '2011-06-01'" >/dev/null
seen=no
for _ in $(seq 1 200); do
    if [ "$(lake "SELECT volume FROM price_bars WHERE ticker = 'AAPL'
                  AND day = '2011-06-01'")" = 4321 ]; then
        seen=yes
        break
    fi
    sleep 0.1
done
assert_eq "a change reaches the lake within seconds" yes "$seen"
kill -TERM "$svc"
wait "$svc"
assert_eq "SIGTERM: the service exits 0" 0 "$?"

lake "SELECT * FROM nope" >/dev/null
assert_eq "DuckDB's message keeps its lines (the caret under the name)" \
    "LINE 1: SELECT * FROM nope|                      ^" \
    "$(grep -A1 '^LINE 1' "$TMP/sql.err" | paste -sd'|')"

echo "every column read back again"
checks=$((checks + 1))
/usr/bin/python3 "$ROOT/tests/integration/lake_compare.py" "$BIN" ||
    failures=$((failures + 1))

echo "SQL through Trino's protocol (fake coordinator)"
/usr/bin/python3 "$ROOT/tests/fakes/fake_trino.py" \
    --port-file "$TMP/trino.port" --log "$TMP/trino.log" &
pids+=("$!")
for _ in $(seq 1 100); do
    [ -s "$TMP/trino.port" ] && break
    sleep 0.05
done
export TRINO_URL=http://127.0.0.1:$(cat "$TMP/trino.port")
assert_eq "stonks sql \"$q\" through Trino = PostgreSQL" \
    "$(sql "$q ORDER BY 1" | tr '|\n' '\t ')" \
    "$(lake "$q" | sort | tr '\n' ' ')"
assert_eq "engine in the JSON answer" '"engine":"trino"' \
    "$("$BIN" sql --json "$q" | grep -o '"engine":"trino"')"
assert_eq "typed columns" \
    '"columns":[{"name":"ticker","type":"varchar"},'\
'{"name":"count","type":"bigint"}]' \
    "$("$BIN" sql --json "$q" | grep -o '"columns":\[[^]]*\]')"
check "X-Trino headers: user, catalog, schema, time limit" \
    grep -q "^POST /v1/statement user=stonks catalog=lakehouse \
schema=stonks session=query_max_execution_time=30s" "$TMP/trino.log"
assert_eq "a NUL in a value is shown as U+2400, as DuckDB shows it" \
    "a␀b" "$(lake "SELECT fake_nul")"
assert_eq "and in the JSON answer" '"rows":[["a␀b"]]' \
    "$("$BIN" sql --json "SELECT fake_nul" | grep -o '"rows":[^]]*]]')"
lake "SELECT fake_fail" >/dev/null
assert_eq "FAILED (USER_ERROR) is the query's fault" \
    "stonks sql: Trino: line 1:8: mismatched input 'fake_fail' (SYNTAX_ERROR)" \
    "$(cat "$TMP/sql.err")"
lake "SELECT fake_garbled" >/dev/null
assert_eq "a server's text with control characters: shown as '?'" \
    "stonks sql: Trino answered 500: ?[2J?[31mdown???2J?" \
    "$(cat "$TMP/sql.err")"
lake "SELECT fake_internal" >/dev/null
assert_eq "FAILED (INTERNAL_ERROR)" \
    "stonks sql: Trino: worker exploded (GENERIC_INTERNAL_ERROR)" \
    "$(cat "$TMP/sql.err")"
"$BIN" sql --timeout-ms 1000 "SELECT fake_slow" >/dev/null 2>"$TMP/sql.err"
cat "$TMP/sql.err" >>"$TMP/stderr.all"
assert_eq "a query RUNNING past the limit" \
    "stonks sql: the query ran past 1000 ms" "$(cat "$TMP/sql.err")"
slow=$(grep -o 'q[0-9]*/1 ' "$TMP/trino.log" | tail -n 1 | cut -d/ -f1)
check "is cancelled with DELETE" \
    grep -q "^DELETE /v1/statement/executing/$slow/" "$TMP/trino.log"
assert_eq "row limit across pages" "7" \
    "$("$BIN" sql --no-header --max-rows 7 "SELECT fake_many" \
        2>>"$TMP/stderr.all" |
        wc -l)"
many=$(grep -o 'q[0-9]*/1 ' "$TMP/trino.log" | tail -n 1 | cut -d/ -f1)
check "then cancelled with DELETE" \
    grep -q "^DELETE /v1/statement/executing/$many/" "$TMP/trino.log"
assert_eq "a 503 is retried" \
    "fake_busy"$'\t'"$(sql "SELECT count(*) FROM signals")" \
    "$(lake "SELECT 'fake_busy' AS t, count(*) FROM signals")"
lake "SELECT fake_evil" >/dev/null
assert_eq "a nextUri elsewhere is refused" \
    "stonks sql: Trino's nextUri leaves $TRINO_URL/" "$(cat "$TMP/sql.err")"
check "read-only before Trino sees it" \
    bash -c "! '$BIN' sql 'DROP TABLE signals' 2>/dev/null"
unset TRINO_URL

echo "Trino's DDL and the Superset dashboard"
check "infra/sql/lakehouse.sql is what --print-ddl generates" \
    cmp -s <("$BIN" lake-publisher --print-ddl) \
    "$ROOT/infra/sql/lakehouse.sql"
checks=$((checks + 1))
/usr/bin/python3 "$ROOT/tests/integration/superset_check.py" \
    "$ROOT/infra/superset/dashboard" "$ROOT/infra/sql/lakehouse.sql" ||
    failures=$((failures + 1))
check "the bundle packs for superset import-dashboards" \
    "$ROOT/infra/superset/bundle.sh" "$TMP/stonks_dashboard.zip"
assert_eq "the dashboard's recommendation mix over the lake" \
    "$(sql "SELECT action, count(*) FROM recommendations GROUP BY 1
            ORDER BY 1" | tr '|\n' '\t ')" \
    "$(lake "SELECT action, COUNT(*) FROM recommendations GROUP BY 1
             ORDER BY 1" | tr '\n' ' ')"
assert_eq "its portfolio value per day" \
    "$(sql "SELECT count(*) FROM portfolio_values")" \
    "$(lake "SELECT count(*) FROM (SELECT day, MAX(equity), MAX(cash)
             FROM portfolio_values GROUP BY 1)")"
assert_eq "its signals per day and label" \
    "$(sql "SELECT count(DISTINCT (trading_day, label)) FROM signals")" \
    "$(lake "SELECT count(*) FROM (SELECT trading_day, label, COUNT(*)
             FROM signals GROUP BY 1, 2)")"
echo "stonks sql's arguments"
assert_eq "a query that starts with a comment" "1" \
    "$(lake $'-- how many\nSELECT 1')"
assert_eq "'--' ends the options" "2" \
    "$("$BIN" sql --no-header -- "SELECT 2" 2>&1)"
assert_eq "a lake that does not exist reads as empty, with a note" \
    "0 stonks sql: the lake $TMP/nolake (LAKE_URI) does not exist, so its \
tables read as empty: publish it with stonks lake-publisher --once, or \
check LAKE_URI" \
    "$(LAKE_URI=$TMP/nolake "$BIN" sql --no-header \
        "SELECT count(*) FROM signals" 2>"$TMP/nolake.err")\
 $(cat "$TMP/nolake.err")"

mkdir -p "$TMP/emptylake"
assert_eq "a lake folder with no table in it: the same note" \
    "stonks sql: the lake $TMP/emptylake (LAKE_URI) holds no table yet, so \
its tables read as empty: publish it with stonks lake-publisher --once" \
    "$(LAKE_URI=$TMP/emptylake "$BIN" sql "SELECT 1" 2>&1 >/dev/null)"
assert_eq "a LAKE_URI that is a file" \
    "stonks sql: LAKE_URI $TMP/stderr.all is not a folder" \
    "$(LAKE_URI=$TMP/stderr.all "$BIN" sql "SELECT 1" 2>&1 >/dev/null)"

echo "a table that cannot be published holds up no other"
# a close too large for the lake's fixed-point column, and a new order
# of a table published after price_bars
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO price_bars VALUES ('AAPL', '2011-06-02', 1, 1, 1, 1e300, 1,
    'lake-test');
INSERT INTO orders (client_order_id, source, mode, broker, ticker, side,
    type, qty, ref_price_cents, decision_day, exec_day, exec_minute, status)
VALUES ('lake-after-bad', 'manual', 'paper', 'paper', 'AAPL', 'buy',
    'market', 1, 100, '2011-06-03', '2011-06-06', 570, 'denied');
SQL
publish >/dev/null
assert_eq "the failing table named, exit 1" \
    "1 stonks lake-publisher: table price_bars: PostgreSQL error: ERROR:  \
bigint out of range" "$? $(head -n 1 "$TMP/publish.err")"
assert_eq "the order after it published all the same" "lake-after-bad" \
    "$(lake "SELECT client_order_id FROM orders WHERE decision_day =
             DATE '2011-06-03'")"
sql "DELETE FROM price_bars WHERE day = '2011-06-02';
     DELETE FROM orders WHERE client_order_id = 'lake-after-bad'" >/dev/null
check "published again once the row is mended" publish
check "no sanitizer report in any output" \
    bash -c "! grep -d skip -l Sanitizer '$TMP'/* >&2"
finish
