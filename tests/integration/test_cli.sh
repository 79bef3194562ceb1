#!/usr/bin/env bash
# The command line without servers: commands that take no arguments
# refuse any (exit 2, "unknown argument 'X' (see --help)") before they
# read a setting or open a connection, --help wins over a stray
# argument, and `stonks seed` takes one optional FILE. Servers it needs
# are unreachable ports or fake_redis.py, started here on 127.0.0.1.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

OUT=$ROOT/var/it-cli
rm -rf "$OUT"
mkdir -p "$OUT"

# run ARGS...: "<exit status> <first line of stderr>"
run() {
    "$BIN" "$@" >"$OUT/out" 2>"$OUT/err"
    echo "$? $(head -n 1 "$OUT/err")"
}

echo "unknown arguments"
for cmd in "report extra" "portfolio --bogus" "migrate foo" \
    "parser --bogus" "scheduler x" "ingestion x" "extractor x" \
    "aggregation x" "recommendation x" "query-api x" "symbol-registry x" \
    "trading-engine x" "risk-engine x" "broker-adapter x"; do
    set -- $cmd
    assert_eq "stonks $cmd" "2 stonks $1: unknown argument '$2' (see --help)" \
        "$(run $cmd)"
done
assert_eq "stonks config --markdown extra" \
    "2 stonks config: unknown argument 'extra' (see --help)" \
    "$(run config --markdown extra)"
assert_eq "stonks config --bogus" \
    "2 stonks config: unknown argument '--bogus' (see --help)" \
    "$(run config --bogus)"
assert_eq "stonks seed a b" "2 stonks seed: unknown argument 'b' (see --help)" \
    "$(run seed a b)"
assert_eq "stonks seed --bogus" \
    "2 stonks seed: unknown argument '--bogus' (see --help)" \
    "$(run seed --bogus)"
# queue: stats takes nothing more, dead and retry one queue
assert_eq "stonks queue stats extra" \
    "2 stonks queue: unknown argument 'extra' (see --help)" \
    "$(run queue stats extra)"
assert_eq "stonks queue dead parsing extra" \
    "2 stonks queue: unknown argument 'extra' (see --help)" \
    "$(run queue dead parsing extra)"
assert_eq "stonks queue retry parsing --bogus" \
    "2 stonks queue: unknown argument '--bogus' (see --help)" \
    "$(run queue retry parsing --bogus)"

echo "an option given twice is refused (the later one would win)"
# demo and up get a bad setting: a build that took the option would
# stop at the settings instead of starting anything
for opt in "--data data/replay" "--from 2011-08-01" "--to 2011-09-01" \
    "--tickers AAPL" "--warmup-days 1" "--cash 100.00" \
    "--commission-share 0.01" "--commission-order 1.00" "--slippage-bps 5" \
    "--buy-threshold 0.2" "--sell-threshold -0.2" "--min-signals 2" \
    "--max-weight 0.1" "--null-runs 1" "--seed 2" "--out $OUT/bt" \
    "--watchlist data/watchlist.csv" "--model x" "--no-files" "--signals" \
    "--no-progress" "--show-settings"; do
    set -- $opt
    assert_eq "stonks backtest $opt $1 ..." "2 stonks backtest: $1 is given twice" \
        "$(run backtest $opt $1 ${2:-} --show-settings)"
done
assert_eq "stonks backtest --tickers AAPL --tickers F" \
    "2 stonks backtest: --tickers is given twice" \
    "$(run backtest --tickers AAPL --tickers F --show-settings)"
assert_eq "backtest: one --limit per limit" \
    "2 stonks backtest: --limit max_orders_per_day is given twice" \
    "$(run backtest --limit max_orders_per_day=4 --limit max_drawdown_bps=1 \
        --limit max_orders_per_day=5 --show-settings)"
assert_eq "backtest: --limit of two limits" \
    "0 max_orders_per_day 4,max_drawdown_bps 1" \
    "$(run backtest --limit max_orders_per_day=4 \
        --limit max_drawdown_bps=1 --show-settings | cut -d' ' -f1) $(grep -E \
        '^(max_orders_per_day|max_drawdown_bps) ' "$OUT/out" | paste -sd,)"
for opt in "--json" "--no-header" "--max-rows 5" "--timeout-ms 100"; do
    set -- $opt
    assert_eq "stonks sql $opt $opt" "2 stonks sql: $1 is given twice" \
        "$(run sql $opt $opt 'SELECT 1')"
done
# --max-rows and --timeout-ms take what LAKE_QUERY_MAX_ROWS and
# LAKE_QUERY_TIMEOUT_MS take, and say so
for opt in "--max-rows 0" "--max-rows 1000001" "--timeout-ms 99" \
    "--timeout-ms 3600001"; do
    set -- $opt
    case $1 in
    --max-rows) range="1 to 1000000 (as LAKE_QUERY_MAX_ROWS)" ;;
    *) range="100 to 3600000 (as LAKE_QUERY_TIMEOUT_MS)" ;;
    esac
    assert_eq "stonks sql $opt" "2 stonks sql: $1 needs a number from $range" \
        "$(run sql $opt 'SELECT 1')"
done
assert_eq "stonks lake-publisher --print-ddl --print-ddl" \
    "2 stonks lake-publisher: --print-ddl is given twice" \
    "$(run lake-publisher --print-ddl --print-ddl)"
assert_eq "stonks lake-publisher --once --once" \
    "2 stonks lake-publisher: --once is given twice" \
    "$(LOG_LEVEL=bogus run lake-publisher --once --once)"
assert_eq "stonks lake-publisher --once signals --print-ddl" \
    "2 stonks lake-publisher: --once and --print-ddl: give one of them" \
    "$(LOG_LEVEL=bogus run lake-publisher --once signals --print-ddl)"
assert_eq "stonks lake-publisher --print-ddl x" \
    "2 stonks lake-publisher: --print-ddl takes no argument, not 'x' (see --help)" \
    "$(run lake-publisher --print-ddl x)"
assert_eq "stonks train --split --split" "2 stonks train: --split is given twice" \
    "$(run train --split --split)"
assert_eq "stonks eval --labels a --labels b" \
    "2 stonks eval: --labels is given twice" \
    "$(run eval --labels a --labels b)"
for opt in "--tickers AAPL" "--title t" "--text x"; do
    set -- $opt
    assert_eq "stonks extract-once $opt $1 ..." \
        "2 stonks extract-once: $1 is given twice" \
        "$(run extract-once --tickers F --text y $opt $1 ${2:-})"
done
assert_eq "stonks extract-once --tickers AAPL --tickers F" \
    "2 stonks extract-once: --tickers is given twice" \
    "$(run extract-once --tickers AAPL --tickers F --text 'Apple and Ford')"
assert_eq "extract-once: --alias more than once" "0 F" \
    "$(run extract-once --tickers AAPL,F --alias AAPL=Apple \
        --alias F=Ford --text 'Ford and Apple' | cut -d' ' -f1) $(jq -r \
        .ticker "$OUT/out" 2>/dev/null | sort | tail -n 1)"
assert_eq "extract-once: --alias of common words only, as the registry" \
    "2 stonks extract-once: --alias AAPL=The Inc: a name of only common \
words or company suffixes (\"The\", \"Inc\") would match in any text" \
    "$(run extract-once --tickers AAPL --alias 'AAPL=The Inc' --text 'x')"
assert_eq "stonks config --markdown --markdown" \
    "2 stonks config: --markdown is given twice" \
    "$(run config --markdown --markdown)"
assert_eq "stonks demo --no-reset --no-reset" \
    "2 stonks demo: --no-reset is given twice" \
    "$(LOG_LEVEL=bogus run demo --no-reset --no-reset)"
# A STONKS_VAR_DIR that cannot be made or used is named, with what to do
# (the path and the system's words alone were printed).
touch "$OUT/a-file"
assert_eq "stonks demo: a STONKS_VAR_DIR whose parent does not exist" \
    "1 stonks demo: cannot make STONKS_VAR_DIR $OUT/none/var (No such \
file or directory): make its parent folder first, or set STONKS_VAR_DIR to \
a folder this user may write" \
    "$(STONKS_VAR_DIR=$OUT/none/var run demo)"
assert_eq "stonks up: a STONKS_VAR_DIR that is a file" \
    "1 stonks up: cannot use STONKS_VAR_DIR $OUT/a-file (Not a directory): \
set STONKS_VAR_DIR to a folder this user may write" \
    "$(STONKS_VAR_DIR=$OUT/a-file run up --no-dashboard)"
assert_eq "stonks up --web a --web b" "2 stonks up: --web is given twice" \
    "$(LOG_LEVEL=bogus run up --web a --web b)"
assert_eq "stonks up --no-dashboard --no-dashboard" \
    "2 stonks up: --no-dashboard is given twice" \
    "$(LOG_LEVEL=bogus run up --no-dashboard --no-dashboard)"
assert_eq "stonks up --dashboard with --no-dashboard" \
    "2 stonks up: --dashboard and --no-dashboard contradict each other: \
give one" \
    "$(LOG_LEVEL=bogus run up --dashboard 127.0.0.1:25080 --no-dashboard)"
# up names the option and the value it refuses, before any setting
for v in 25010abc abc 25 -1 65500 ''; do
    assert_eq "stonks up --probe-base '$v'" \
        "2 stonks up: --probe-base: expected a port from 1024 to 65499 (0: no probes), not '$v'" \
        "$(LOG_LEVEL=bogus run up --probe-base "$v")"
done
# a port nginx cannot listen on would restart nginx without end
# (nor an address that is none: nginx read 1.2.3 as 1.2.0.3)
for v in 8080 127.0.0.1:99999 127.0.0.1:0 127.0.0.1: :8080 127.0.0.1:+80 \
    '127.0.0.1:8080; root /' 'localhost :8080' 127.0.0.1:000080 \
    1.2.3:8080 256.1.1.1:8080 '[zz]:8080' '[::1:8080' local_host:8080; do
    assert_eq "stonks up --dashboard '$v'" \
        "2 stonks up: --dashboard: expected HOST:PORT, the host an IPv4 \
address, an IPv6 one in brackets, * or a name, the port from 1 to 65535 \
(127.0.0.1:8080), not '$v'" \
        "$(LOG_LEVEL=bogus run up --dashboard "$v")"
done
# accepted values go on to the settings (LOG_LEVEL=bogus stops there)
for v in 127.0.0.1:65535 '[::1]:8080' localhost:1 '*:8080'; do
    LOG_LEVEL=bogus run up --dashboard "$v" >/dev/null
    assert_eq "stonks up --dashboard '$v' is taken" \
        "stonks up: LOG_LEVEL must be one of debug|info|warn|error|off, got 'bogus'" \
        "$(grep -v '^{' "$OUT/err")"
done
assert_eq "stonks up --bogus" "2 stonks up: unknown option '--bogus'" \
    "$(LOG_LEVEL=bogus run up --bogus)"
assert_eq "stonks up --web" "2 stonks up: --web needs a value" \
    "$(LOG_LEVEL=bogus run up --web)"
assert_eq "stonks up --probe-base 25010: on to the settings" \
    "2 stonks up: LOG_LEVEL must be one of debug|info|warn|error|off, got 'bogus'" \
    "$(LOG_LEVEL=bogus run up --probe-base 25010 --no-dashboard | cut -c1-2)$(
        tail -n 1 "$OUT/err")"

echo "the version: one line, the Helm chart's appVersion"
chart=$(sed -n 's/^appVersion: "\(.*\)"$/\1/p' \
    "$ROOT/infra/helm/stonks-oracle/Chart.yaml")
assert_eq "the chart names an appVersion" "1" \
    "$(grep -cE '^[0-9]+\.[0-9]+\.[0-9]+$' <<<"$chart")"
for cmd in --version version; do
    assert_eq "stonks $cmd" "0 |stonks $chart" "$(run $cmd)|$(cat "$OUT/out")"
done
assert_eq "stonks version x" \
    "2 stonks version: unknown argument 'x' (see --help)" "$(run version x)"
assert_eq "stonks --version x" \
    "2 stonks --version: unknown argument 'x' (see --help)" \
    "$(run --version x)"

echo "help"
assert_eq "stonks report x --help" "0 " "$(run report x --help)"
assert_eq "report's help" "usage: stonks report" "$(head -c 20 "$OUT/out")"
assert_eq "stonks seed --help" "0 usage: stonks seed [FILE]" \
    "$(run seed --help | cut -c1-2)$(head -n 1 "$OUT/out")"
assert_eq "stonks config --markdown --help" "0 usage: stonks config [--markdown]" \
    "$(run config --markdown --help | cut -c1-2)$(head -n 1 "$OUT/out")"

echo "one-shot commands report a failure on stderr as stonks CMD: MESSAGE"
# a setting refused: that one line, no JSON log line before it
for args in "sql SELECT_1" report seed "queue dead parsing"; do
    assert_eq "stonks $args with a bad setting" "2 stonks ${args%% *}: \
LAKE_QUERY_MAX_ROWS must be a whole number from 1 to 1000000, got '0' 1" \
        "$(LAKE_QUERY_MAX_ROWS=0 run $args) $(wc -l <"$OUT/err")"
done
# no JSON log line: seed and migrate logged their errors as JSON
nopg=$(free_port 26499)
for cmd in seed migrate report portfolio; do
    # one line: libpq's message runs over two
    assert_eq "stonks $cmd with PostgreSQL unreachable" \
        "1 stonks $cmd: cannot connect to PostgreSQL at 127.0.0.1:$nopg 0 1" \
        "$(POSTGRES_PORT=$nopg run $cmd | cut -d: -f1-3) $(grep -c '^{' \
            "$OUT/err") $(wc -l <"$OUT/err")"
done

echo "queue retry: a Redis error is printed alone, with no count before it"
# fake_redis PORT REPLY...: tests/integration/fake_redis.py in the
# background (FAKE), listening once this returns
fake_redis() {
    local port=$1
    shift
    rm -f "$OUT/redis.ready"
    python3 "$ROOT/tests/integration/fake_redis.py" "$port" \
        "$OUT/redis.ready" "$@" &
    FAKE=$!
    for _ in $(seq 200); do
        [ -e "$OUT/redis.ready" ] && break
        sleep 0.05
    done
}
noredis=$(free_port 26480)
assert_eq "retry with Redis unreachable" \
    "1 stonks queue: cannot connect to Redis at 127.0.0.1:$noredis: Connection refused []" \
    "$(REDIS_PORT=$noredis run queue retry parsing) [$(cat "$OUT/out")]"
fake_redis "$noredis" '-ERR fake refusal'
assert_eq "retry when Redis refuses LLEN" \
    "1 stonks queue: Redis refused LLEN: ERR fake refusal []" \
    "$(REDIS_PORT=$noredis run queue retry parsing) [$(cat "$OUT/out")]"
wait "$FAKE"
# two dead letters: the first moved back, then RPOP refused
fake_redis "$noredis" ':2' \
    '${"queue":"parsing","payload":"{\"doc\":1}","error":"x","attempts":1}' \
    '$1-1' '-ERR fake refusal'
assert_eq "retry when Redis fails after a job moved back" \
    "1 stonks queue: Redis refused RPOP: ERR fake refusal (after 1 job(s) moved back to parsing) []" \
    "$(REDIS_PORT=$noredis run queue retry parsing) [$(cat "$OUT/out")]"
wait "$FAKE"

echo "make demo's closing lines name no dashboard address"
# scripts/demo.sh in a copy of the tree whose stack.sh and bin/stonks do
# nothing: the demo serves no dashboard, so its last line names no port
# (it named make up's default 8080 whatever the ports in use)
mkdir -p "$OUT/demo/scripts" "$OUT/demo/bin"
cp "$ROOT/scripts/demo.sh" "$OUT/demo/scripts/"
printf '#!/bin/sh\nexit 0\n' >"$OUT/demo/scripts/stack.sh"
printf '#!/bin/sh\nexit 0\n' >"$OUT/demo/bin/stonks"
chmod +x "$OUT/demo/scripts/stack.sh" "$OUT/demo/bin/stonks"
assert_eq "the demo's last lines" \
    "SQL over the lake: bin/stonks sql \"SELECT ticker, count(*) FROM signals GROUP BY 1\"
Dashboard over this data: run \`make up\` (docs/DASHBOARD.md)" \
    "$(QUERY_API_URL=http://127.0.0.1:9001 bash \
        "$OUT/demo/scripts/demo.sh" 2>&1 | tail -n 2)"

assert_eq "demo: a DEMO_REPLICAS out of range, named with its value" \
    "2 stonks demo: DEMO_REPLICAS must be a whole number from 1 to 8, got \
'9x'" "$(out=$(DEMO_REPLICAS=9x "$BIN" demo 2>&1 >/dev/null); echo "$? $out")"

echo "stonks config runs the services' start-up checks"
# cfg MESSAGE VAR=VALUE...: `stonks config` with the defaults and the
# settings given: exit status and message.
cfg() {
    local msg=$1 out rc
    shift
    out=$(env -i PATH="$PATH" "$@" "$BIN" config 2>&1 >/dev/null)
    rc=$?
    assert_eq "config with $*" "$msg" "$rc $out"
}
cfg "0 " X=1
cfg "2 stonks config: INGEST_PROVIDER=polygon needs POLYGON_BASE_URL and MARKET_DATA_API_KEY" \
    INGEST_PROVIDER=polygon
cfg "2 stonks config: INGEST_PROVIDER=polygon needs POLYGON_BASE_URL and MARKET_DATA_API_KEY" \
    INGEST_PROVIDER=polygon POLYGON_BASE_URL=http://127.0.0.1:9
cfg "2 stonks config: INGEST_PROVIDER=alpaca needs ALPACA_DATA_URL, BROKER_API_KEY and BROKER_API_SECRET" \
    INGEST_PROVIDER=alpaca
cfg "2 stonks config: BROKER=alpaca trades today's market: it needs SCHEDULER_MODE=live (a replay decides past sessions, whose orders the broker would run today, at today's prices)" \
    BROKER=alpaca BROKER_BASE_URL=http://127.0.0.1:9 BROKER_API_KEY=k \
    BROKER_API_SECRET=s
cfg "0 " BROKER=alpaca BROKER_BASE_URL=http://127.0.0.1:9 BROKER_API_KEY=k \
    BROKER_API_SECRET=s SCHEDULER_MODE=live
cfg "2 stonks config: INGEST_PROVIDER=rss needs RSS_FEEDS (a comma-separated list of feed URLs)" \
    INGEST_PROVIDER=rss
cfg "2 stonks config: INGEST_PROVIDER=rss needs RSS_FEEDS (a comma-separated list of feed URLs)" \
    INGEST_PROVIDER=rss "RSS_FEEDS= , "
cfg "2 stonks config: OBJECT_STORE=s3 needs MINIO_ACCESS_KEY and MINIO_SECRET_KEY" \
    OBJECT_STORE=s3
cfg "2 stonks config: LAKE_URI is empty" LAKE_URI=
cfg "2 stonks config: LAKE_URI s3://lake/x needs MINIO_ACCESS_KEY and MINIO_SECRET_KEY" \
    LAKE_URI=s3://lake/x
cfg "2 stonks config: LAKE_URI s3:///x names no bucket" LAKE_URI=s3:///x
# a wildcard in the folder: the lake read as empty ([1]), or a sibling
# folder read with it (*)
cfg "2 stonks config: LAKE_URI /srv/lake[1] holds '[', which the lake's file patterns read as a wildcard: pick a folder without * ? [ ] or \\" \
    'LAKE_URI=/srv/lake[1]'
cfg "2 stonks config: LAKE_URI /srv/lake* holds '*', which the lake's file patterns read as a wildcard: pick a folder without * ? [ ] or \\" \
    'LAKE_URI=file:///srv/lake*/'
cfg "2 stonks config: LAKE_URI /srv/a\\b holds '\\', which the lake's file patterns read as a wildcard: pick a folder without * ? [ ] or \\" \
    'LAKE_URI=/srv/a\b'
cfg "0 " 'LAKE_URI=/srv/lake {x} (2)'
cfg "2 stonks config: REPLAY_TICKERS: invalid ticker '\$\$'" \
    'REPLAY_TICKERS=aapl,,$$'
cfg "2 stonks config: REPLAY_TICKERS names no ticker; leave it empty for every active symbol" \
    REPLAY_TICKERS=,
cfg "2 stonks config: REPLAY_DIR /nonexistent is not a readable folder (No such file or directory); set it to the folder of the replay files (data/replay)" \
    REPLAY_DIR=/nonexistent
cfg "2 stonks config: REPLAY_DIR $OUT/err is not a readable folder (not a folder); set it to the folder of the replay files (data/replay)" \
    REPLAY_DIR="$OUT/err"
cfg "2 stonks config: REPLAY_DIR does not hold the replay files: cannot open $OUT/reuters_headlines_2011H2_40tickers.csv: No such file or directory" \
    REPLAY_DIR="$OUT"
mkdir -p "$OUT/hdr"
cp "$PRICES" "$OUT/hdr/"
sed '1s/title/headline/' "$NEWS" >"$OUT/hdr/$(basename "$NEWS")"
cfg "2 stonks config: REPLAY_DIR does not hold the replay files: $OUT/hdr/$(basename "$NEWS"): the first line must be the header ticker,company,date,title,summary,news_type (column 4 is 'headline', not title)" \
    REPLAY_DIR="$OUT/hdr"
cp "$NEWS" "$OUT/hdr/"
: >"$OUT/hdr/$(basename "$PRICES")"
cfg "2 stonks config: REPLAY_DIR does not hold the replay files: $OUT/hdr/$(basename "$PRICES"): the first line must be the header ticker,date,open,high,low,close,volume (the file is empty)" \
    REPLAY_DIR="$OUT/hdr"
cfg "2 stonks config: REPLAY_DIR is empty; set it to the folder of the replay files (data/replay)" \
    REPLAY_DIR=
cfg "2 stonks config: REPLAY_DIR /nonexistent is not a readable folder (No such file or directory); set it to the folder of the replay files (data/replay)" \
    INGEST_PROVIDER=rss RSS_FEEDS=http://127.0.0.1:9/f REPLAY_DIR=/nonexistent
cfg "0 " INGEST_PROVIDER=rss RSS_FEEDS=http://127.0.0.1:9/f SCHEDULER_MODE=live \
    REPLAY_DIR=/nonexistent
cfg "2 stonks config: EXTRACTOR_MODEL=ollama needs OLLAMA_MODEL (e.g. llama3.1)" \
    EXTRACTOR_MODEL=ollama OLLAMA_URL=http://127.0.0.1:9 OLLAMA_MODEL=
cfg "0 " INGEST_PROVIDER=polygon POLYGON_BASE_URL=http://127.0.0.1:9 \
    MARKET_DATA_API_KEY=k REPLAY_TICKERS=aapl,brk-b OBJECT_STORE=s3 \
    MINIO_ACCESS_KEY=a MINIO_SECRET_KEY=b

echo "the README's eval commands run as written"
# `stonks eval` needs --labels FILE: each command the README shows
# names it, and runs (exit 0) from the checkout.
evals=$(tr '\n' ' ' <"$ROOT/README.md" | tr -s ' ' |
    grep -o '`\(bin/\)\?stonks eval[^`]*`' | tr -d '`')
assert_eq "README's eval commands" \
    "stonks eval --labels data/sentiment/heldout_allagree.txt" "$evals"
assert_eq "the README's eval runs" "0" \
    "$(cd "$ROOT" && "$BIN" ${evals#stonks } >/dev/null 2>&1; echo $?)"

echo "backtest --watchlist reads the watchlist as seed does"
printf 'AAPL,Apple Inc,IT,Apple\n' >"$OUT/noheader.csv"
assert_eq "a watchlist without the header" \
    "1 stonks backtest: $OUT/noheader.csv:1: the first line must be the header ticker,name,sector,aliases \
(column 1 is 'AAPL', not ticker)" \
    "$(run backtest --watchlist "$OUT/noheader.csv" --no-files --null-runs 0)"
# (escape sequences, a C1 CSI and a BEL of the file shown as '?')
printf 'tick\xc2\x9b2J\x1b]0;T\x07er,name,sector,aliases\n' >"$OUT/esc.csv"
assert_eq "a watchlist header's escapes are not printed" \
    "1 stonks backtest: $OUT/esc.csv:1: the first line must be the header \
ticker,name,sector,aliases \
(column 1 is 'tick??2J?]0;T?er', not ticker)" \
    "$(run backtest --watchlist "$OUT/esc.csv" --no-files --null-runs 0)"

echo "backtest: an input named by an empty option or setting is refused"
# an empty replay folder read the files at the root, /reuters_...
assert_eq "backtest --from without dashes, as the message asks" \
    "2 stonks backtest: --from: expected a date YYYY-MM-DD" \
    "$(run backtest --from 20110706 --no-files --null-runs 0)"
assert_eq "backtest --data ''" \
    "2 stonks backtest: the replay folder (--data, else REPLAY_DIR) is empty: give the folder of the replay files (data/replay)" \
    "$(run backtest --data '' --no-files --null-runs 0)"
assert_eq "backtest with REPLAY_DIR=" \
    "2 stonks backtest: the replay folder (--data, else REPLAY_DIR) is empty: give the folder of the replay files (data/replay)" \
    "$(REPLAY_DIR= run backtest --no-files --null-runs 0)"
assert_eq "backtest with WATCHLIST_FILE=" \
    "2 stonks backtest: the watchlist (--watchlist, else WATCHLIST_FILE) is empty: give its file (data/watchlist.csv)" \
    "$(WATCHLIST_FILE= run backtest --no-files --null-runs 0)"
assert_eq "backtest --model ''" \
    "2 stonks backtest: the model (--model, else STONKS_MODEL_PATH) is empty: give its weights file (data/model/sentiment.weights)" \
    "$(run backtest --model '' --no-files --null-runs 0)"
assert_eq "backtest: --data given wins over an empty REPLAY_DIR" "0" \
    "$(cd "$ROOT" && REPLAY_DIR= "$BIN" backtest --data data/replay \
        --tickers F --no-files --null-runs 0 >/dev/null 2>&1; echo $?)"

echo "backtest: rows of the replay files it cannot read are counted aloud"
mkdir -p "$OUT/badrows"
cp "$PRICES" "$OUT/badrows/"
{
    echo 'ticker,company,date,title,summary,news_type'
    echo 'F,Ford,20110707,Ford profit rises,x,normal'
    echo 'F,Ford,20110732,Ford profit rises on a bad date,x,normal'
    printf 'F,Ford,20110708,Ford \xff profit rises,x,normal\n'
    echo 'F,Ford,20110711,Ford profit rises without a type,x'
    echo 'F,Ford,20110712,"Ford profit rises in an open quote,x,normal'
    # (a day no job can have: the demo waited for it for ever)
    echo 'F,Ford,20991231,Ford profit rises in 2099,x,normal'
} >"$OUT/badrows/$(basename "$NEWS")"
assert_eq "backtest on 1 good and 5 unreadable news rows" \
    "0 stonks backtest: 5 rows of the replay files in $OUT/badrows skipped \
(unreadable: a wrong number of fields, a field over 64 KiB, a bad date (or \
one over 31 days ahead) or number, not UTF-8; or a price bar of a closed day \
or given again)" \
    "$(run backtest --data "$OUT/badrows" --tickers F --no-files \
        --null-runs 0 --no-progress)"
assert_eq "... and with LOG_LEVEL=debug names their lines" "3 4 5 6 7" \
    "$(cd "$ROOT" && LOG_LEVEL=debug "$BIN" backtest --data "$OUT/badrows" \
        --tickers F --no-files --null-runs 0 --no-progress 2>&1 >/dev/null |
        grep '^{' | jq -r 'select(.msg == "replay row skipped") | .line' |
        sort -n | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the report counts the one row read" \
    "  inputs: 1 news rows from 2011-07-06 -> 1 documents (0 near-duplicates), 1 signals; 252 price bars" \
    "$(sed -n 2p "$OUT/out")"
assert_eq "the bundled files: nothing skipped" "0 backtest: 125 sessions" \
    "$(cd "$ROOT" && run backtest --tickers F --no-files --null-runs 0 \
        --no-progress | cut -d, -f1)"

echo "backtest --out: no file of an earlier run is left beside this one's"
(cd "$ROOT" && "$BIN" backtest --tickers AAPL,F --null-runs 0 --signals \
    --no-progress --out "$OUT/stale" >/dev/null 2>&1)
assert_eq "a run with --signals writes signals.csv, AAPL's and F's" "AAPL F" \
    "$(cut -d, -f2 "$OUT/stale/signals.csv" | sed 1d | sort -u | paste -sd' ')"
(cd "$ROOT" && "$BIN" backtest --tickers F --null-runs 0 --no-progress \
    --out "$OUT/stale" >/dev/null 2>&1)
assert_eq "a run without --signals removes it" \
    "decisions.csv equity.csv positions.csv recommendations.csv report.html report.txt trades.csv" \
    "$(ls "$OUT/stale" | paste -sd' ')"

echo "scripts/stack.sh: a port it cannot have is said, not shared"
if [ -n "${REDIS_PORT:-}" ]; then
    # A second stack (its own folder and PostgreSQL port) on the Redis
    # port of the running one: it said it was up, and the two stacks
    # took each other's jobs.
    pg2=$(free_port 18471)
    out=$(STONKS_STACK_DIR=$OUT/stack2 STONKS_PG_PORT=$pg2 \
        STONKS_REDIS_PORT=$REDIS_PORT "$ROOT/scripts/stack.sh" start 2>&1 \
        >/dev/null)
    assert_eq "a Redis port another Redis holds" "1 stack: \
127.0.0.1:$REDIS_PORT answers, but not as the Redis started here (see \
$OUT/stack2/redis/redis.log): another one holds the port; set \
STONKS_REDIS_PORT" "$? $out"
    STONKS_STACK_DIR=$OUT/stack2 STONKS_PG_PORT=$pg2 \
        STONKS_REDIS_PORT=$REDIS_PORT "$ROOT/scripts/stack.sh" wipe
    assert_eq "wipe: the second stack's data is gone" "no" \
        "$([ -e "$OUT/stack2/redis" ] && echo yes || echo no)"
    assert_eq "... the running one still answers" "PONG" \
        "$(redis-cli -p "$REDIS_PORT" ping)"
fi
echo "scripts/stack.sh: a folder whose path holds a space, too long for a socket"
# pg_ctl passed "-k <data folder>" through the shell, so a checkout
# under "My Projects" did not start PostgreSQL, nor one whose socket
# path passed 107 bytes; both were said to be a port another held.
long="$OUT/my stack $(printf 'x%.0s' $(seq 1 80))"
pg3=$(free_port 18481)
redis3=$(free_port 18491)
out=$(STONKS_STACK_DIR=$long STONKS_PG_PORT=$pg3 STONKS_REDIS_PORT=$redis3 \
    "$ROOT/scripts/stack.sh" start 2>&1 >/dev/null)
assert_eq "it starts" "0 " "$? $out"
assert_eq "... and PostgreSQL answers" "1" \
    "$(psql -h 127.0.0.1 -p "$pg3" -U stonks -d stonks -Atc 'SELECT 1')"
# Started again with other ports (make demo's defaults after a stack
# started with its own): it waited a minute for a Redis that could not
# come, said Redis did not start, and demo.sh's clean-up then stopped
# the servers another run was using.
pg4=$(free_port $((pg3 + 1)))
redis4=$(free_port $((redis3 + 1)))
out=$(STONKS_STACK_DIR=$long STONKS_PG_PORT=$pg4 STONKS_REDIS_PORT=$redis4 \
    "$ROOT/scripts/stack.sh" start 2>&1 >/dev/null)
assert_eq "started again on other ports" "1 stack: the servers of $long \
already run on other ports (PostgreSQL $pg3, Redis $redis3) than the \
settings name ($pg4, $redis4): set STONKS_PG_PORT and STONKS_REDIS_PORT \
to theirs, or stop them first (scripts/stack.sh stop)" "$? $out"
out=$(STONKS_STACK_DIR=$long STONKS_PG_PORT=$pg4 STONKS_REDIS_PORT=$redis4 \
    "$ROOT/scripts/stack.sh" restart-redis 2>&1 >/dev/null)
assert_eq "... restarted on other ports: refused, not moved" "1 $redis3" \
    "$? $(redis-cli -p "$redis3" info server | tr -d '\r' |
        sed -n 's/^tcp_port://p')"
assert_eq "... 'running' says they run (so demo.sh stops neither)" "0" \
    "$(STONKS_STACK_DIR=$long STONKS_PG_PORT=$pg4 \
        STONKS_REDIS_PORT=$redis4 "$ROOT/scripts/stack.sh" running
        echo $?)"
STONKS_STACK_DIR=$long STONKS_PG_PORT=$pg3 STONKS_REDIS_PORT=$redis3 \
    "$ROOT/scripts/stack.sh" wipe
assert_eq "wipe: its data is gone" "no" \
    "$([ -e "$long/pg" ] && echo yes || echo no)"

out=$(STONKS_PG_PORT=18499 STONKS_REDIS_PORT=18499 "$ROOT/scripts/stack.sh" \
    start 2>&1)
assert_eq "one port for both" "2 stack: STONKS_PG_PORT and \
STONKS_REDIS_PORT are both 18499: give each server its own port" "$? $out"
out=$(STONKS_PG_PORT=abc "$ROOT/scripts/stack.sh" start 2>&1)
assert_eq "a port that is no number" "2 stack: port 'abc' (STONKS_PG_PORT, \
STONKS_REDIS_PORT) is not a number from 1024 to 65535" "$? $out"

finish
