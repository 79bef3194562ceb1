#!/usr/bin/env bash
# The market-data and news providers against a fake server on
# 127.0.0.1 (tests/fakes/fake_market.py) that serves recorded Polygon
# and Alpaca answers, the SEC EDGAR Atom feed and an 8-K submission,
# with pagination, a repeated cursor, 429 + Retry-After (seconds and an
# HTTP date), 502/503 and a body cut short, and hostile answers (bad
# bars, an overlong id, \u0000, invalid UTF-8, a feed entry pointing at
# another host). The real ingestion worker
# runs unchanged (INGEST_PROVIDER switches it); the test asserts the
# exact bars and documents it stores, and that the shared request
# budget in Redis counted every request the server saw.
#
# Usage: test_providers.sh path/to/stonks   (POSTGRES_*, REDIS_* set)
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

PORT=${STONKS_FAKE_MARKET_PORT:-$(free_port 18481)}
BASE=http://127.0.0.1:$PORT
VAR=$ROOT/var/it-providers
mkdir -p "$VAR"
export OBJECT_STORE=fs OBJECT_STORE_DIR=$VAR/objects HTTP_PORT=0
export QUEUE_BLOCK_MS=100 INGEST_REQUESTS_PER_MIN=10000
export INGEST_RETRY_MAX_S=2 INGEST_MAX_RETRIES=3 LOG_LEVEL=info
export PGTZ=UTC
fake=""
worker=""

cleanup() {
    [ -n "$worker" ] && kill -TERM "$worker" 2>/dev/null
    [ -n "$fake" ] && kill "$fake" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT

/usr/bin/python3 "$ROOT/tests/fakes/fake_market.py" --port "$PORT" \
    --fixtures "$ROOT/tests/fixtures" 2>"$VAR/fake.log" &
fake=$!
for _ in $(seq 50); do
    curl -sf "$BASE/__stats" >/dev/null && break
    sleep 0.1
done
# The server that answered must be ours, not one left on the port.
kill -0 "$fake" 2>/dev/null || {
    echo "  FAIL: the fake server did not start (see $VAR/fake.log)"
    exit 1
}

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

# Runs the ingestion worker on the given jobs until every job has its
# ingest_runs row (or 40 s pass), then stops it with SIGTERM.
ingest() {
    local name=$1
    shift
    rcli DEL stonks:queue:ingestion stonks:dead:ingestion \
        stonks:queue:parsing stonks:queue:extraction >/dev/null
    for j in "$@"; do
        rcli XADD stonks:queue:ingestion '*' p "$j" >/dev/null
    done
    "$BIN" ingestion >"$VAR/$name.log" 2>&1 &
    worker=$!
    for _ in $(seq 400); do
        [ "$(sql 'SELECT count(*) FROM ingest_runs')" -ge $# ] && break
        kill -0 "$worker" 2>/dev/null || break
        sleep 0.1
    done
    kill -TERM "$worker" 2>/dev/null
    wait "$worker"
    assert_eq "$name: worker exits cleanly" 0 $?
    worker=""
    assert_eq "$name: runs recorded" $# "$(sql 'SELECT count(*) FROM ingest_runs')"
    assert_eq "$name: no dead letters" 0 "$(rcli LLEN stonks:dead:ingestion)"
}

# run_until TENTHS LOG CHECK COMMAND...: runs "$BIN" COMMAND in the
# background into LOG until the function CHECK succeeds (polled every
# 0.1 s, at most TENTHS times), then stops it with SIGTERM.
run_until() {
    local tenths=$1 log=$2 check=$3
    shift 3
    "$BIN" "$@" >"$log" 2>&1 &
    worker=$!
    for _ in $(seq "$tenths"); do
        "$check" && break
        sleep 0.1
    done
    kill -TERM "$worker" 2>/dev/null
    wait "$worker"
    worker=""
}

setup_db() {
    fresh_db "$1"
    "$BIN" migrate >/dev/null 2>&1 && "$BIN" seed >/dev/null 2>&1
    # (the failed jobs of a section before, waiting for their retry)
    rcli DEL stonks:delay:ingestion stonks:delayed:ingestion >/dev/null
    rcli --scan --pattern 'stonks:budget:*' | xargs -r redis-cli \
        -p "$REDIS_PORT" DEL >/dev/null
}

bars() {
    sql "SELECT ticker, day, open, high, low, close, volume, source
         FROM price_bars ORDER BY ticker, day" | tr '\n' ' '
}

budget_used() {
    rcli --scan --pattern "stonks:budget:$1:*" | while read -r k; do
        rcli GET "$k"
    done | awk '{s += $1} END {print s + 0}'
}

served() {
    curl -s "$BASE/__stats" | /usr/bin/python3 -c "import json, sys
d = json.load(sys.stdin)
print(sum(v for k, v in d.items() if k.startswith('$1')))"
}

echo "polygon"
setup_db stonks_it_prov_polygon
export INGEST_PROVIDER=polygon POLYGON_BASE_URL=$BASE
export MARKET_DATA_API_KEY=test-polygon-key
ingest polygon \
    '{"ticker":"AAPL","day":"2024-06-28","from":"2022-04-25","bars_from":"2005-04-01"}' \
    '{"ticker":"NFLX","day":"2022-04-29","from":"2022-04-25","bars_from":"2020-01-01"}'
assert_eq "polygon: bars (two pages; cut and 503 answers retried)" \
    "AAPL|2005-04-01|1.5032|1.5064|1.4489|1.4604|642646396|polygon AAPL|2005-04-04|1.4639|1.4754|1.4343|1.4675|578172308|polygon AAPL|2020-01-02|74.06|75.15|73.7975|75.0875|135647456|polygon AAPL|2020-01-03|74.2875|75.145|74.125|74.3575|146535512|polygon NFLX|2020-01-02|74.06|75.15|73.7975|75.0875|135647456|polygon NFLX|2020-01-03|74.2875|75.145|74.125|74.3575|146535512|polygon " \
    "$(bars)"
assert_eq "polygon: documents" \
    "polygon|8ec638777ca03b553ae516761c2a22ba2fdd2f37befae3ab6fdab74e9e5193eb|Markets are underestimating Fed cuts: UBS By Investing.com - Investing.com UK|2024-06-24 18:33:53+00|2024-06-24|article
polygon|JeJEhAVoKaqJ2zF9nzQYMg07UlEeWlis6Dsop33TPQY|Theres a big hole in the Feds theory of inflation—incomes are falling at a record 10.9 rate|2022-04-28 17:08:00+00|2022-04-28|article" \
    "$(sql "SELECT source, provider_id, title, published_at,
            trading_day, news_type FROM documents ORDER BY published_at DESC")"
assert_eq "polygon: body is the description" \
    "If inflation is all due to an overly generous federal government giving its people too much money, then our inflation problem is about to go away." \
    "$(sql "SELECT body FROM documents WHERE provider_id LIKE 'JeJE%'")"
assert_eq "polygon: feed tags from the tickers lists" "NFLX|feed" \
    "$(sql "SELECT t.ticker, t.origin FROM document_tickers t
            JOIN documents d ON d.id = t.document_id ORDER BY 1")"
assert_eq "polygon: documents queued for parsing" 2 \
    "$(rcli XLEN stonks:queue:parsing)"
assert_eq "polygon: 429, 503 and cut answer retried (attempt lines)" 3 \
    "$(grep -c 'provider request failed, retrying' "$VAR/polygon.log")"
assert_eq "polygon: repeated cursor stopped the query" 1 \
    "$(grep -c 'polygon repeated a page URL' "$VAR/polygon.log")"
assert_eq "polygon: every request counted in the shared budget" \
    "$(served polygon:)" "$(budget_used polygon)"
assert_eq "polygon: the key never missing" 0 "$(served polygon:unauthorized)"
raw=$(sql "SELECT raw_key FROM ingest_runs WHERE ticker = 'NFLX'")
assert_eq "polygon: raw payload stored under its hash" "$raw" \
    "sha256/$(sha256sum "$OBJECT_STORE_DIR/sha256/${raw:7:2}/${raw:9:2}/${raw:7}" |
        cut -c1-64)"

echo "polygon: a ticker whose answers stay 503"
# It fails its own job, which the queue tries again later, and holds
# back no other: the worker had retried the batch in place forever and
# never asked for NFLX.
setup_db stonks_it_prov_busy
rcli DEL stonks:queue:ingestion stonks:dead:ingestion \
    stonks:queue:parsing stonks:queue:extraction >/dev/null
nflx_before=$(served polygon:aggs:NFLX)
# IBM's answer is a redirect and INTC's an HTML page: each fails at
# once, saying what to mend.
for t in NFLX GE IBM INTC; do
    rcli XADD stonks:queue:ingestion '*' p "{\"ticker\":\"$t\",\
\"day\":\"2022-04-29\",\"from\":\"2022-04-25\",\"bars_from\":\"2020-01-01\"}" \
        >/dev/null
done
busy_done() {
    [ "$(sql 'SELECT count(*) FROM ingest_runs')" -ge 1 ] &&
        [ "$(grep -c '"msg":"job failed, will retry"' "$VAR/busy.log")" \
            -ge 3 ]
}
run_until 300 "$VAR/busy.log" busy_done ingestion
assert_eq "busy: NFLX ingested, GE not" "NFLX" \
    "$(sql 'SELECT ticker FROM ingest_runs')"
assert_eq "busy: the jobs of GE, IBM and INTC failed, each saying why" \
    "GE 1 HTTP 503: {\"status\": \"ERROR\", \"error\": \"busy\"} \
(answered so 4 times; the job is tried again later)
IBM 1 HTTP 301 to /moved: redirects are not followed; give the \
provider's setting the address it moved to
INTC 1 the answer is not valid JSON: '[' or '{' expected near '<' \
(line 1, column 1) (Content-Type: text/html)" \
    "$(grep '"msg":"job failed, will retry"' "$VAR/busy.log" |
        /usr/bin/python3 -c 'import json, re, sys
out = []
for l in sys.stdin:
    j = json.loads(l)
    t = re.search(r"/ticker/([A-Z]+)/", j["error"]).group(1)
    out.append("%s %s %s" % (t, j["attempts"], j["error"].split(": ", 1)[1]))
print("\n".join(sorted(out)))')"
# The batch goes on without the jobs that failed and is written once:
# no job is run again alone (GE's provider was asked twice as often,
# NFLX's twice).
assert_eq "busy: GE asked once (4 requests, 3 retries logged)" 3 \
    "$(awk '/"msg":"job failed, will retry"/ {exit}
        /provider request failed, retrying/ && /ticker\/GE\// {n++}
        END {print n + 0}' "$VAR/busy.log")"
assert_eq "busy: NFLX asked once" 1 \
    "$(($(served polygon:aggs:NFLX) - nflx_before))"
assert_eq "busy: never logged as an unreachable server" 0 \
    "$(grep -c 'server unreachable' "$VAR/busy.log")"

echo "polygon: a rate limit that stays"
# The fetch retries it (INGEST_MAX_RETRIES); then the worker backs off
# at once: its immediate retries, meant for a deadlock, asked the
# provider again three times over, spending the key's quota.
setup_db stonks_it_prov_limit
rcli DEL stonks:queue:ingestion stonks:dead:ingestion >/dev/null
rcli XADD stonks:queue:ingestion '*' p '{"ticker":"HPQ",
"day":"2022-04-29","from":"2022-04-25","bars_from":"2020-01-01"}' >/dev/null
limit_held() {
    grep -q 'server unreachable or rate-limiting' "$VAR/limit.log"
}
run_until 300 "$VAR/limit.log" limit_held ingestion
assert_eq "rate limit: 4 requests, 3 retries, then the back-off" \
    "3 0 1" \
    "$(awk '/server unreachable or rate-limiting/ {b = 1; exit}
        /provider request failed, retrying/ && /HTTP 429/ {n++}
        /transient failure, retrying/ {t++}
        END {print n + 0, t + 0, b + 0}' "$VAR/limit.log")"
assert_eq "rate limit: the job neither failed nor dead" "0 0" \
    "$(grep -c '"msg":"job failed' "$VAR/limit.log") \
$(rcli LLEN stonks:dead:ingestion)"
rcli DEL stonks:queue:ingestion >/dev/null

echo "alpaca"
setup_db stonks_it_prov_alpaca
export INGEST_PROVIDER=alpaca ALPACA_DATA_URL=$BASE
export BROKER_API_KEY=test-alpaca-key BROKER_API_SECRET=test-alpaca-secret
ingest alpaca \
    '{"ticker":"AAPL","day":"2024-11-08","from":"2024-08-01","bars_from":"2022-02-01"}'
assert_eq "alpaca: bars (two pages, 429 and 502 retried, TSLA ignored)" \
    "AAPL|2022-02-01|174|174.84|172.31|174.61|85998033|alpaca AAPL|2022-02-02|174.64|175.88|173.33|175.84|84817432|alpaca AAPL|2022-03-09|161.51|163.41|159.41|162.95|88496480|alpaca " \
    "$(bars)"
assert_eq "alpaca: documents (Sunday news counts toward Monday)" \
    "alpaca|40432158|headline|summary|2024-08-18 20:15:44+00|2024-08-19
alpaca|41799100|Piper Sandler Maintains Neutral on Clearwater Analytics Hldg, Raises Price Target to \$28||2024-11-07 09:16:41+00|2024-11-07" \
    "$(sql "SELECT source, provider_id, title, body,
            published_at, trading_day FROM documents ORDER BY published_at")"
assert_eq "alpaca: tagged only where symbols list AAPL" "40432158|AAPL" \
    "$(sql "SELECT d.provider_id, t.ticker FROM document_tickers t
            JOIN documents d ON d.id = t.document_id")"
assert_eq "alpaca: every request counted in the shared budget" \
    "$(served alpaca:)" "$(budget_used alpaca)"
assert_eq "alpaca: the keys never missing" 0 "$(served alpaca:forbidden)"

echo "rss"
setup_db stonks_it_prov_rss
export INGEST_PROVIDER=rss SEC_FULL_TEXT_FORMS=8-K
export RSS_FEEDS="$BASE/rss/sec-latest.xml, $BASE/rss/filings.xml"
ingest rss \
    '{"ticker":"AAPL","day":"2025-12-15","from":"2025-12-13"}' \
    '{"ticker":"ORCL","day":"2025-04-16","from":"2025-04-16"}'
assert_eq "rss: one document per SEC entry" \
    "$(grep -c '<entry>' "$ROOT/tests/fixtures/rss/sec_edgar_latest_filings_atom_2025-12-12.xml")" \
    "$(sql "SELECT count(*) FROM documents WHERE trading_day = '2025-12-15'")"
assert_eq "rss: form types" "144|6 144/A|2 4|88 SCHEDULE 13D/A|4" \
    "$(sql "SELECT news_type, count(*) FROM documents
            WHERE trading_day = '2025-12-15' GROUP BY 1 ORDER BY 1" |
        tr '\n' ' ' | sed 's/ $//')"
assert_eq "rss: first entry" \
    "4 - Perez Daniel Antonio (0002063236) (Reporting)|Filed: 2025-12-12 AccNo: 0002063236-25-000004 Size: 10 KB|2025-12-12 23:02:43+00" \
    "$(sql "SELECT title, body, published_at FROM documents
            WHERE provider_id = 'https://www.sec.gov/Archives/edgar/data/2063236/000206323625000004/0002063236-25-000004-index.htm'")"
assert_eq "rss: 8-K with its full text" \
    "8-K - ABVC BIOPHARMA, INC. (0001173313) (Filer)|8-K|2025-04-16|t|t" \
    "$(sql "SELECT title, news_type, trading_day,
            body LIKE 'UNITED STATES%Item 2.02 Results of Operations and Financial Condition%',
            body LIKE '%Item 4.02 Non-Reliance on Previously Issued Financial Statements%'
            FROM documents WHERE news_type = '8-K'")"
assert_eq "rss: feeds untagged (the parser finds mentions)" 0 \
    "$(sql 'SELECT count(*) FROM document_tickers')"
assert_eq "rss: each feed fetched once (RSS_REFRESH_S)" "1 1 1" \
    "$(served rss:sec-latest) $(served rss:filings) $(served sec:abvc)"

# EDGAR titles name the filer, often in capitals ("CARVANA CO."): the
# parser tags the registry's names however they are written there.
sql "INSERT INTO symbols (ticker, name) VALUES ('CVNA', 'Carvana Co'),
         ('RGLD', 'Royal Gold Inc'), ('SON', 'Sonoco Products Co'),
         ('HNGE', 'Hinge Health Inc'), ('CITI', 'Citi Trends Inc');
     INSERT INTO symbol_aliases (alias, kind, ticker) VALUES
         ('Carvana', 'name', 'CVNA'), ('Royal Gold', 'name', 'RGLD'),
         ('Sonoco Products', 'name', 'SON'),
         ('Hinge Health', 'name', 'HNGE'),
         ('Citi Trends', 'name', 'CITI')" >/dev/null
all_parsed() {
    [ "$(sql "SELECT count(*) FROM documents WHERE status <> 'parsed'")" \
        -eq 0 ]
}
HTTP_PORT=0 run_until 200 "$VAR/parser.log" all_parsed parser
assert_eq "rss: filers named in capitals are tagged" \
    "CVNA|5 HNGE|1 RGLD|1 SON|7 WMT|1" \
    "$(sql "SELECT ticker, count(*) FROM document_tickers
            WHERE origin = 'mention' GROUP BY 1 ORDER BY 1" |
        tr '\n' ' ' | sed 's/ $//')"

echo "polygon (hostile answers)"
setup_db stonks_it_prov_hostile
export INGEST_PROVIDER=polygon POLYGON_BASE_URL=$BASE
ingest polygon-hostile \
    '{"ticker":"MSFT","day":"2024-03-11","from":"2024-03-05","bars_from":"2024-03-01"}'
assert_eq "polygon hostile: only the sane bars stored" \
    "MSFT|2024-03-01|10|11|9|10.5|1000|polygon MSFT|2024-03-11|12|12.5|11.5|12.25|2000|polygon " \
    "$(bars)"
assert_eq "polygon hostile: each bad bar named with its reason" \
    "2024-03-02 open is not positive
2024-03-03 low is above high
2024-03-04 high is above 100000000
2024-03-05 low is below 0.0001
2024-03-06 volume does not fit 64 bits
2024-03-07 volume does not fit 64 bits
2024-03-08 high (h) is missing or not a number" \
    "$(grep '"msg":"price bar skipped"' "$VAR/polygon-hostile.log" |
        /usr/bin/python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    assert d["level"] == "warn" and d["ticker"] == "MSFT"
    print(d["day"], d["reason"])')"
assert_eq "polygon hostile: NUL, Latin-1 and lone surrogate kept the page" \
    "$(printf 'm-latin1|Caf\xef\xbf\xbd \xef\xbf\xbd Microsoft\nm-nul|%s\n%s' \
        'Microsoft gains' 'm-plain|Microsoft plain')" \
    "$(sql "SELECT provider_id, title FROM documents ORDER BY 1")"
assert_eq "polygon hostile: the 10,000-byte id skipped with a warning" \
    "10007" \
    "$(grep '"msg":"news item skipped: its provider id is over 1024 bytes"' \
        "$VAR/polygon-hostile.log" | sed 's/.*"bytes":\([0-9]*\).*/\1/')"
assert_eq "polygon hostile: the repaired strings counted" 1 \
    "$(grep -c '"msg":"answer had invalid UTF-8 or lone surrogates in strings; they were read as U+FFFD","job":"[^"]*","replaced":2,' \
        "$VAR/polygon-hostile.log")"

echo "rss (hostile feed)"
setup_db stonks_it_prov_rss_hostile
export INGEST_PROVIDER=rss SEC_FULL_TEXT_FORMS=8-K
export RSS_FEEDS="$BASE/rss/hostile.xml"
ingest rss-hostile '{"ticker":"AAPL","day":"2025-04-17","from":"2025-04-17"}'
assert_eq "rss hostile: entries stored, the 8-K with its summary" \
    "8-K - INTERNAL PROBE INC (0000000001) (Filer)|Filed: 2025-04-17 probe|8-K
Plain entry|kept|rss" \
    "$(sql "SELECT title, body, news_type FROM documents ORDER BY title")"
assert_eq "rss hostile: a filing on another host is never fetched" 0 \
    "$(served internal)"
assert_eq "rss hostile: ... and the entry says why" 1 \
    "$(grep -c '"msg":"filing text not fetched: the entry links to another scheme, host or port than its feed; the entry keeps its summary"' \
        "$VAR/rss-hostile.log")"
assert_eq "rss hostile: the 9,000-byte link skipped with a warning" 1 \
    "$(grep -c '"msg":"news item skipped: its provider id is over 1024 bytes","job":"[^"]*","bytes":90[0-9][0-9],' \
        "$VAR/rss-hostile.log")"

finish
