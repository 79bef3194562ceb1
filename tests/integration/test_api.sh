#!/usr/bin/env bash
# query-api and symbol-registry against real PostgreSQL and Redis over a
# short replay (AAPL and GOOGL, 2011-09-01..09), plus a few trading rows
# written here: exact bodies (the expected JSON is built with psql from
# the tables, independently of the services' SQL), auth refused and
# accepted, keyset pages that give every row exactly once, the bad-input
# list of issue 7 with status and message, CORS, ETag, /metrics, the
# OpenAPI document against the live routes, forwarding to a fake
# trading-engine and risk-engine, a registry change reaching a running
# parser, 503 not_available without the trading tables and on a database
# never migrated, and a clean exit of both services on SIGTERM.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

export REPLAY_TICKERS=AAPL,GOOGL REPLAY_START=2011-09-01 REPLAY_END=2011-09-09
export STONKS_VAR_DIR=$ROOT/var/it-api
export OBJECT_STORE_DIR=$STONKS_VAR_DIR/objects
export QUEUE_BLOCK_MS=100
export API_TOKENS="it-api-token-0123456789abcdef, it-api-other-token-0123"
export API_READ_AUTH=0 CORS_ORIGIN=http://dashboard.test HTTP_MAX_BODY=4096
export SCHEDULER_INTERVAL_S=300 # a live tick is stale past 600 s
QA=http://127.0.0.1:18001
REG=http://127.0.0.1:18002
TOKEN="Authorization: Bearer it-api-token-0123456789abcdef"
JSON="Content-Type: application/json"
TMP=$STONKS_VAR_DIR/tmp
pids=()

rm -rf "$STONKS_VAR_DIR"
mkdir -p "$TMP"
fresh_db stonks_it_api
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
}
trap cleanup EXIT

echo "running $BIN demo over $REPLAY_TICKERS $REPLAY_START..$REPLAY_END"
if ! "$BIN" demo >"$STONKS_VAR_DIR/demo.out" 2>&1; then
    echo "  FAIL: demo exited non-zero"
    tail -n 20 "$STONKS_VAR_DIR/demo.out"
    exit 1
fi

# The demo trades on the paper broker. The lineage is walked from its
# first order made by a decision (one is made here when the demo made
# none), and from a manual order added here, which has no decision.
ord=$(sql "SELECT id FROM orders WHERE decision_id IS NOT NULL
           ORDER BY id LIMIT 1")
if [ -z "$ord" ]; then
    dec=$(sql "INSERT INTO trading_decisions (ticker, as_of, action,
        conviction, target_weight, model, client_order_id, outcome, side,
        qty, ref_price_cents, equity_cents, explanation, mode)
        VALUES ('AAPL', '2011-09-09', 'BUY', 0.4, 0.02, 'test',
        'so-it-api-1', 'ordered', 'buy', 5, 5400, 10000000, 'test',
        'paper') RETURNING id" | head -n 1)
    ord=$(sql "INSERT INTO orders (client_order_id, decision_id, source,
        mode, broker, ticker, side, type, qty, ref_price_cents,
        decision_day, exec_day, exec_minute, status) VALUES
        ('so-it-api-1', $dec, 'decision', 'paper', 'paper', 'AAPL', 'buy',
        'market', 5, 5400, '2011-09-09', '2011-09-12', 570, 'queued')
        RETURNING id" | head -n 1)
fi
dec=$(sql "SELECT decision_id FROM orders WHERE id = $ord")
dticker=$(sql "SELECT ticker FROM trading_decisions WHERE id = $dec")
dday=$(sql "SELECT as_of FROM trading_decisions WHERE id = $dec")
coid=$(sql "SELECT client_order_id FROM orders WHERE id = $ord")
manual=$(sql "INSERT INTO orders (client_order_id, source, mode, broker,
    ticker, side, type, qty, limit_price_cents, ref_price_cents,
    decision_day, exec_day, exec_minute, status)
    VALUES ('so-it-api-manual', 'manual', 'paper', 'paper', 'GOOGL',
    'sell', 'limit', 2, 52000, 52400, '2011-09-09', '2011-09-12', 570,
    'queued') RETURNING id" | head -n 1)

start_services() {
    TRADING_ENGINE_URL=$FAKE_URL RISK_ENGINE_URL=$FAKE_URL/risk \
        HTTP_PORT=18001 "$BIN" query-api >>"$STONKS_VAR_DIR/query-api.log" 2>&1 &
    qa_pid=$!
    HTTP_PORT=18002 "$BIN" symbol-registry \
        >>"$STONKS_VAR_DIR/registry.log" 2>&1 &
    reg_pid=$!
    pids+=("$qa_pid" "$reg_pid")
    for _ in $(seq 1 100); do
        # Answers from other processes on these ports do not count.
        kill -0 "$qa_pid" 2>/dev/null && kill -0 "$reg_pid" 2>/dev/null ||
            break
        curl -sf "$QA/health" >/dev/null && curl -sf "$REG/health" \
            >/dev/null && return 0
        sleep 0.1
    done
    echo "  FAIL: the services did not start (ports 18001, 18002 free?)"
    tail -n 3 "$STONKS_VAR_DIR/query-api.log" "$STONKS_VAR_DIR/registry.log"
    exit 1
}

# Stops both with SIGTERM; each must exit 0 (under the sanitizers, also
# without leaks).
stop_services() {
    local rc
    kill "$qa_pid" "$reg_pid"
    wait "$qa_pid"
    rc=$?
    assert_eq "query-api exits 0 on SIGTERM" "0" "$rc"
    wait "$reg_pid"
    rc=$?
    assert_eq "symbol-registry exits 0 on SIGTERM" "0" "$rc"
}

# A fake trading-engine and risk-engine: answers every call with what it
# got (method, path, Authorization, X-Request-Id, body).
# The port is the kernel's choice, written to fake.port. Only query-api
# is pointed at it: the demo runs the real trading-engine and
# risk-engine.
/usr/bin/python3 - "$TMP/fake.port" >"$STONKS_VAR_DIR/fake.log" 2>&1 <<'PY' &
import http.server, json
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n).decode() if n else ''
        if 'slow' in body:  # past query-api's 5 s
            import time
            time.sleep(5.5)
        out = json.dumps({'method': self.command, 'path': self.path,
                          'auth': self.headers.get('Authorization'),
                          'request_id': self.headers.get('X-Request-Id'),
                          'body': body}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    do_GET = do_POST = answer
import sys
srv = http.server.HTTPServer(('127.0.0.1', 0), H)
with open(sys.argv[1] + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
srv.serve_forever()
PY
pids+=($!)
for _ in $(seq 1 50); do
    [ -s "$TMP/fake.port" ] && break
    sleep 0.1
done
FAKE_URL=http://127.0.0.1:$(cat "$TMP/fake.port")

start_services

# HTTP: call METHOD URL [curl args]; sets STATUS, BODY and HEADERS.
call() {
    local method=$1 url=$2
    shift 2
    STATUS=$(curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' \
        -X "$method" "$url" "$@")
    BODY=$(cat "$TMP/body")
    HEADERS=$(tr -d '\r' <"$TMP/headers")
}
canon() { jq -c . 2>/dev/null; }
# check WHAT STATUS EXPECTED_JSON METHOD URL [curl args]
check() {
    local what=$1 status=$2 expected=$3
    shift 3
    call "$@"
    assert_eq "$what: status" "$status" "$STATUS"
    assert_eq "$what: body" "$(echo "$expected" | canon)" \
        "$(echo "$BODY" | canon)"
}
err() { printf '{"error":{"code":"%s","message":"%s"}}' "$1" "$2"; }
TS() { echo "to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"; }

echo "exact bodies"
SYM="json_build_object('ticker', s.ticker, 'name', s.name, 'sector',
     s.sector, 'active', s.active, 'aliases', coalesce((SELECT
     json_agg(alias ORDER BY alias) FROM symbol_aliases WHERE ticker =
     s.ticker AND kind = 'name'), '[]'), 'alt_tickers', coalesce((SELECT
     json_agg(alias ORDER BY alias) FROM symbol_aliases WHERE ticker =
     s.ticker AND kind = 'ticker'), '[]'), 'created_at',
     $(TS s.created_at), 'updated_at', $(TS s.updated_at))"
check "GET /symbols/googl" 200 \
    "$(sql "SELECT $SYM FROM symbols s WHERE ticker = 'GOOGL'")" \
    GET "$QA/symbols/googl"
check "GET /symbols/goog, an alternative ticker: 404 naming its symbol" \
    404 "$(err not_found "no symbol GOOG: it is an alternative ticker of \
GOOGL (GET /symbols/GOOGL)")" GET "$QA/symbols/goog"
REC="json_build_object('ticker', ticker, 'as_of', as_of, 'action', action,
     'conviction', conviction, 'target_weight', target_weight, 'rationale',
     rationale, 'computed_at', $(TS computed_at))"
check "GET /recommendations/latest" 200 \
    "$(sql "SELECT json_build_object('items', json_agg($REC ORDER BY
            ticker), 'next_cursor', null) FROM (SELECT DISTINCT ON (ticker)
            * FROM recommendations ORDER BY ticker, as_of DESC) r")" \
    GET "$QA/recommendations/latest"
SIG="json_build_object('document_id', s.document_id, 'ticker', s.ticker,
     'model_version', s.model_version, 'trading_day', s.trading_day,
     'sentiment', s.sentiment, 'label', s.label, 'relevance', s.relevance,
     'confidence', s.confidence, 'event_type', s.event_type, 'title',
     d.title, 'published_at', $(TS d.published_at), 'created_at',
     $(TS s.created_at))"
check "GET /signals of AAPL over the week" 200 \
    "$(sql "SELECT json_build_object('items', json_agg($SIG ORDER BY
            s.trading_day DESC, s.document_id DESC), 'next_cursor', null)
            FROM signals s JOIN documents d ON d.id = s.document_id
            WHERE s.ticker = 'AAPL' AND s.trading_day BETWEEN '2011-09-01'
            AND '2011-09-09'")" \
    GET "$QA/signals?ticker=aapl&from=2011-09-01&to=2011-09-09T23:00:00Z&limit=500"
doc=$(sql "SELECT d.id FROM documents d JOIN document_tickers t
           ON t.document_id = d.id AND t.origin = 'feed'
           ORDER BY d.content_hash LIMIT 1")
check "GET /documents/{id}" 200 \
    "$(sql "SELECT json_build_object('id', d.id, 'source', d.source,
      'provider_id', d.provider_id, 'title', d.title, 'body', d.body,
      'clean_text', d.clean_text, 'published_at', $(TS d.published_at),
      'trading_day', d.trading_day, 'news_type', d.news_type, 'status',
      d.status, 'content_hash', d.content_hash, 'text_hash', d.text_hash,
      'duplicate_of', d.duplicate_of, 'created_at', $(TS d.created_at),
      'updated_at', $(TS d.updated_at), 'tickers', (SELECT json_agg(
      json_build_object('ticker', ticker, 'origin', origin, 'raw_key',
      raw_key) ORDER BY ticker) FROM document_tickers WHERE document_id =
      d.id), 'raw_keys', (SELECT json_agg(DISTINCT raw_key) FROM
      document_tickers WHERE document_id = d.id AND raw_key IS NOT NULL),
      'signals', (SELECT json_agg($SIG ORDER BY s.ticker) FROM signals s
      WHERE s.document_id = d.id)) FROM documents_with_text d
      WHERE d.id = $doc")" \
    GET "$QA/documents/$doc"
check "GET /prices of GOOGL over the week" 200 \
    "$(sql "SELECT json_build_object('items', json_agg(json_build_object(
      'ticker', ticker, 'day', day, 'open', open, 'high', high, 'low', low,
      'close', close, 'volume', volume, 'source', source) ORDER BY day),
      'next_cursor', null) FROM price_bars WHERE ticker = 'GOOGL' AND day
      BETWEEN '2011-09-01' AND '2011-09-09'")" \
    GET "$QA/prices?ticker=GOOGL&from=2011-09-01&to=2011-09-09"
AGG="json_build_object('ticker', ticker, 'as_of', as_of, 'sent_1d',
     sent_1d, 'sent_7d', sent_7d, 'sent_30d', sent_30d, 'count_1d',
     count_1d, 'count_7d', count_7d, 'count_30d', count_30d, 'ret_1d',
     ret_1d, 'ret_5d', ret_5d, 'ret_20d', ret_20d, 'vol_20d', vol_20d,
     'last_close', last_close, 'computed_at', $(TS computed_at))"
check "GET /aggregates of GOOGL" 200 \
    "$(sql "SELECT json_build_object('items', json_agg($AGG ORDER BY as_of
            DESC), 'next_cursor', null) FROM aggregates
            WHERE ticker = 'GOOGL'")" \
    GET "$QA/aggregates?ticker=GOOGL"
# an alternative ticker reads as its symbol, as the trading services
# read it (an empty list had answered)
for route in "prices?ticker=goog&from=2011-09-01&to=2011-09-09" \
    "aggregates?ticker=goog" "signals?ticker=GOOG&limit=500" \
    "recommendations?ticker=goog" "orders?ticker=goog"; do
    call GET "$QA/${route/[gG][oO][oO][gG]/GOOGL}"
    googl=$BODY
    check "GET /$route: GOOGL's" 200 "$googl" GET "$QA/$route"
    assert_eq "... and some" "yes" \
        "$(echo "$googl" | jq -r 'if (.items | length) > 0 then "yes"
            else "no" end')"
done
ORD="json_build_object('id', id, 'client_order_id', client_order_id,
     'decision_id', decision_id, 'source', source, 'mode', mode, 'broker',
     broker, 'ticker', ticker, 'side', side, 'type', type, 'time_in_force',
     time_in_force, 'qty', qty, 'limit_price_cents', limit_price_cents,
     'ref_price_cents', ref_price_cents, 'extended_hours', extended_hours,
     'decision_day', decision_day, 'exec_day', exec_day, 'exec_minute',
     exec_minute, 'status', status, 'broker_order_id', broker_order_id,
     'filled_qty', filled_qty, 'filled_avg_price_cents',
     filled_avg_price_cents, 'commission_cents', commission_cents,
     'reject_code', reject_code, 'reject_reason', reject_reason,
     'created_at', $(TS created_at), 'submitted_at', $(TS submitted_at),
     'updated_at', $(TS updated_at), 'final_at', $(TS final_at))"
check "GET /orders/{id}" 200 \
    "$(sql "SELECT $ORD FROM orders WHERE id = $ord")" GET "$QA/orders/$ord"
check "GET /orders (both, newest first)" 200 \
    "$(sql "SELECT json_build_object('items', json_agg($ORD ORDER BY id
            DESC), 'next_cursor', null) FROM orders")" GET "$QA/orders"
check "GET /orders?source=manual" 200 \
    "$(sql "SELECT json_build_object('items', json_agg($ORD), 'next_cursor',
            null) FROM orders WHERE id = $manual")" \
    GET "$QA/orders?source=manual"
check "GET /orders?status=open: those that can still change" 200 \
    "$(sql "SELECT json_build_object('items', json_agg($ORD ORDER BY id
            DESC), 'next_cursor', null) FROM orders WHERE status IN
            ('queued', 'submitting', 'accepted', 'partially_filled')")" \
    GET "$QA/orders?status=open"
check "GET /fills" 200 \
    "$(sql "SELECT json_build_object('items', coalesce(json_agg(
      json_build_object('id', f.id, 'order_id', f.order_id, 'seq', f.seq,
      'ticker', f.ticker, 'side', f.side, 'qty', f.qty, 'price_cents',
      f.price_cents, 'gross_cents', f.gross_cents, 'commission_cents',
      f.commission_cents, 'day', f.day, 'mode', o.mode, 'filled_at',
      $(TS f.filled_at)) ORDER BY f.id DESC), '[]'), 'next_cursor', null)
      FROM fills f JOIN orders o ON o.id = f.order_id")" GET "$QA/fills"
check "GET /positions (valued at the last close)" 200 \
    "$(sql "SELECT json_build_object('items', coalesce(json_agg(
      json_build_object('ticker', p.ticker, 'qty', p.qty, 'cost_basis_cents',
      p.cost_basis_cents, 'realized_pnl_cents', p.realized_pnl_cents,
      'last_price_cents', b.c, 'last_price_day', b.day,
      'market_value_cents', p.qty * b.c, 'unrealized_pnl_cents',
      p.qty * b.c - p.cost_basis_cents, 'updated_at', $(TS p.updated_at))
      ORDER BY p.ticker), '[]'), 'next_cursor', null) FROM positions p
      LEFT JOIN (SELECT DISTINCT ON (ticker) ticker, day,
      round(close * 100)::bigint AS c FROM price_bars
      ORDER BY ticker, day DESC) b ON b.ticker = p.ticker")" \
    GET "$QA/positions"
check "GET /account" 200 \
    "$(sql "SELECT json_build_object('starting_cash_cents',
      starting_cash_cents, 'cash_cents', cash_cents, 'realized_pnl_cents',
      realized_pnl_cents, 'commissions_cents', commissions_cents,
      'updated_at', $(TS updated_at)) FROM account")" GET "$QA/account"
check "GET /portfolio/value" 200 \
    "$(sql "SELECT json_build_object('items', coalesce(json_agg(
      json_build_object('day', day, 'cash_cents', cash_cents,
      'positions_cents', positions_cents, 'equity_cents', equity_cents,
      'peak_cents', peak_cents, 'pnl_cents', pnl_cents) ORDER BY day), '[]'),
      'next_cursor', null) FROM portfolio_values
      WHERE day >= '2011-09-01'")" \
    GET "$QA/portfolio/value?from=2011-09-01"
check "GET /decisions" 200 \
    "$(sql "SELECT json_build_object('items', json_agg(json_build_object(
      'id', id, 'ticker', ticker, 'as_of', as_of, 'action', action,
      'previous_action', previous_action, 'conviction', conviction,
      'target_weight', target_weight, 'model', model, 'client_order_id',
      client_order_id, 'outcome', outcome, 'side', side, 'qty', qty,
      'ref_price_cents', ref_price_cents, 'equity_cents', equity_cents,
      'explanation', explanation, 'mode', mode, 'created_at',
      $(TS created_at)) ORDER BY id DESC), 'next_cursor', null)
      FROM trading_decisions WHERE ticker = '$dticker'")" \
    GET "$QA/decisions?ticker=$dticker"
check "GET /risk/verdicts of an order" 200 \
    "$(sql "SELECT json_build_object('items', json_agg(json_build_object(
      'id', id, 'client_order_id', client_order_id, 'stage', stage,
      'allowed', allowed, 'reasons', reasons, 'inputs', inputs, 'mode', mode,
      'created_at', $(TS created_at), 'order_on_record', true)
      ORDER BY id DESC), 'next_cursor',
      null) FROM risk_verdicts WHERE client_order_id = '$coid'
      AND allowed")" \
    GET "$QA/risk/verdicts?client_order_id=$coid&allowed=true"
# A verdict asked of the risk-engine's POST /check, not of an order.
sql "INSERT INTO risk_verdicts (client_order_id, stage, allowed, reasons,
        inputs, mode) VALUES ('asked-only', 'gate', true, '[]', '{}',
        'paper')" >/dev/null
call GET "$QA/risk/verdicts?client_order_id=asked-only"
assert_eq "a verdict without an order: order_on_record false" \
    "200 false" "$STATUS $(echo "$BODY" | jq '.items[0].order_on_record')"
sql "DELETE FROM risk_verdicts WHERE client_order_id = 'asked-only'" \
    >/dev/null

echo "lineage"
call GET "$QA/orders/$ord/lineage"
assert_eq "lineage: status" "200" "$STATUS"
assert_eq "lineage: order" "$ord" "$(echo "$BODY" | jq .order.id)"
assert_eq "lineage: decision" "$dec" "$(echo "$BODY" | jq .decision.id)"
call GET "$QA/recommendations?ticker=$dticker&from=$dday&to=$dday"
assert_eq "lineage: recommendation" "$(echo "$BODY" | jq -c '.items[0]')" \
    "$(curl -s "$QA/orders/$ord/lineage" | jq -c .recommendation)"
call GET "$QA/aggregates?ticker=$dticker&from=$dday&to=$dday"
assert_eq "lineage: aggregate" "$(echo "$BODY" | jq -c '.items[0]')" \
    "$(curl -s "$QA/orders/$ord/lineage" | jq -c .aggregate)"
call GET "$QA/orders/$ord/lineage"
assert_eq "lineage: signals (30-day window, no duplicates)" \
    "$(sql "SELECT string_agg(s.document_id::text, ',' ORDER BY
            s.trading_day DESC, s.document_id DESC) FROM signals s
            JOIN documents d ON d.id = s.document_id
            WHERE s.ticker = '$dticker' AND d.duplicate_of IS NULL
            AND s.trading_day > DATE '$dday' - 30
            AND s.trading_day <= '$dday'")" \
    "$(echo "$BODY" | jq -r '[.signals[].document_id] | join(",")')"
assert_eq "lineage: documents" \
    "$(echo "$BODY" | jq -r '[.signals[].document_id] | unique | join(",")')" \
    "$(echo "$BODY" | jq -r '[.documents[].id] | sort | join(",")')"
assert_eq "lineage: raw payload keys" \
    "$(sql "SELECT string_agg(DISTINCT t.raw_key, ',' ORDER BY t.raw_key)
            FROM document_tickers t JOIN signals s ON s.document_id =
            t.document_id JOIN documents d ON d.id = s.document_id
            WHERE s.ticker = '$dticker' AND d.duplicate_of IS NULL
            AND s.trading_day > DATE '$dday' - 30
            AND s.trading_day <= '$dday' AND t.raw_key IS NOT NULL")" \
    "$(echo "$BODY" | jq -r '.raw_payload_keys | sort | join(",")')"
check "lineage of a manual order stops at the order" 200 \
    "$(sql "SELECT json_build_object('order', $ORD, 'decision', null,
            'recommendation', null, 'aggregate', null, 'signals', '[]'::json,
            'documents', '[]'::json, 'raw_payload_keys', '[]'::json)
            FROM orders WHERE id = $manual")" \
    GET "$QA/orders/$manual/lineage"

echo "pagination"
# walk URL KEY: follows next_cursor to the end; prints KEY of every item.
walk() {
    local url=$1 key=$2 cursor="" sep page
    sep=$([[ $url == *\?* ]] && echo '&' || echo '?')
    for _ in $(seq 1 1000); do
        if [ -n "$cursor" ]; then
            page=$(curl -s "$url${sep}cursor=$cursor")
        else
            page=$(curl -s "$url")
        fi
        echo "$page" | jq -r ".items[] | $key"
        cursor=$(echo "$page" | jq -r '.next_cursor // empty')
        [ -z "$cursor" ] && return 0
    done
}
# The keys of every row, one line, in the order given.
walkj() { walk "$@" | paste -sd, -; }
sqlj() { sql "$1" | paste -sd, -; }
assert_eq "documents in pages of 7: each once, newest first" \
    "$(sqlj "SELECT id FROM documents ORDER BY published_at DESC, id DESC")" \
    "$(walkj "$QA/documents?limit=7" .id)"
assert_eq "AAPL documents in pages of 3" \
    "$(sqlj "SELECT d.id FROM documents d JOIN document_tickers t ON
             t.document_id = d.id WHERE t.ticker = 'AAPL'
             ORDER BY d.published_at DESC, d.id DESC")" \
    "$(walkj "$QA/documents?ticker=AAPL&limit=3" .id)"
assert_eq "signals in pages of 5" \
    "$(sqlj "SELECT document_id || ' ' || ticker FROM signals
             ORDER BY trading_day DESC, document_id DESC, ticker DESC")" \
    "$(walkj "$QA/signals?limit=5" '"\(.document_id) \(.ticker)"')"
assert_eq "symbols in pages of 6" \
    "$(sqlj "SELECT ticker FROM symbols ORDER BY ticker")" \
    "$(walkj "$REG/symbols?limit=6" .ticker)"
assert_eq "recommendations in pages of 4" \
    "$(sqlj "SELECT as_of || ' ' || ticker FROM recommendations
             ORDER BY as_of DESC, ticker DESC")" \
    "$(walkj "$QA/recommendations?limit=4" '"\(.as_of) \(.ticker)"')"
assert_eq "recommendations ?action=hold in any case: the HOLDs" \
    "$(sqlj "SELECT as_of || ' ' || ticker FROM recommendations
             WHERE action = 'HOLD' ORDER BY as_of DESC, ticker DESC")" \
    "$(walkj "$QA/recommendations?action=hold&limit=4" \
        '"\(.as_of) \(.ticker)"')"
assert_eq "prices in pages of 9, oldest first" \
    "$(sqlj "SELECT day FROM price_bars WHERE ticker = 'AAPL' ORDER BY day")" \
    "$(walkj "$QA/prices?ticker=AAPL&limit=9" .day)"
assert_eq "symbol search" "GOOGL" "$(walkj "$REG/symbols?q=goog" .ticker)"
assert_eq "sector in any case, blanks around it aside (as stored)" \
    "$(sqlj "SELECT ticker FROM symbols WHERE sector = 'Energy'
             ORDER BY ticker")" \
    "$(walkj "$QA/symbols?sector=%20energy%20%20" .ticker)"
# alt_ticker: the one symbol holding that alternative ticker, exactly
# (q=goog finds any text holding it), or none.
for svc in "$REG" "$QA"; do
    check "GET /symbols?alt_ticker=goog (${svc##*:})" 200 \
        "$(sql "SELECT json_build_object('items', json_agg($SYM),
                'next_cursor', null) FROM symbols s WHERE ticker = 'GOOGL'")" \
        GET "$svc/symbols?alt_ticker=goog"
done
check "alt_ticker: a symbol's own ticker is none" 200 \
    '{"items":[],"next_cursor":null}' GET "$REG/symbols?alt_ticker=GOOGL"
check "alt_ticker: part of one is none" 200 \
    '{"items":[],"next_cursor":null}' GET "$QA/symbols?alt_ticker=GOO"
check "alt_ticker with active=false: GOOGL is active" 200 \
    '{"items":[],"next_cursor":null}' \
    GET "$REG/symbols?alt_ticker=GOOG&active=false"
assert_eq "alt_ticker with active=true, q and limit=1" "GOOGL" \
    "$(walkj "$REG/symbols?alt_ticker=GOOG&active=true&q=alphabet&limit=1" \
        .ticker)"
check "alt_ticker that is no ticker" 400 \
    "$(err invalid_ticker "alt_ticker is not a valid ticker: 1-10 letters \
or digits, with an optional class of 1-4 after '.', '-' or '/' (BRK.B)")" \
    GET "$QA/symbols?alt_ticker=GO%27OG"

echo "auth"
NEW='{"ticker":"brk-b","name":"Berkshire Hathaway","sector":"Financials","aliases":["Berkshire"],"alt_tickers":["BRK/A"]}'
check "create without a token" 401 \
    "$(err unauthorized "this route needs an Authorization: Bearer token")" \
    POST "$REG/symbols" -H "$JSON" -d "$NEW"
check "create with a wrong token" 401 \
    "$(err unauthorized "the bearer token is not valid")" \
    POST "$REG/symbols" -H "$JSON" -H "Authorization: Bearer it-api-token" \
    -d "$NEW"
assert_eq "401 says how to authenticate" "WWW-Authenticate: Bearer" \
    "$(echo "$HEADERS" | grep -i '^www-authenticate')"
call POST "$REG/symbols" -H "$JSON" -H "$TOKEN" -d "$NEW"
assert_eq "create with a token: status" "201" "$STATUS"
assert_eq "create with a token: body" \
    "$(sql "SELECT $SYM FROM symbols s WHERE ticker = 'BRK.B'" | canon)" \
    "$(echo "$BODY" | canon)"
assert_eq "create: location" "Location: symbols/BRK.B" \
    "$(echo "$HEADERS" | grep -i '^location')"
assert_eq "created as given, normalised" \
    "BRK.B|Berkshire Hathaway|Financials|true|Berkshire,name;BRK.A,ticker" \
    "$(sql "SELECT ticker || '|' || name || '|' || sector || '|' || active
            || '|' || (SELECT string_agg(alias || ',' || kind, ';' ORDER BY
            kind, alias) FROM symbol_aliases a WHERE a.ticker = s.ticker)
            FROM symbols s WHERE ticker = 'BRK.B'")"
call PATCH "$REG/symbols/BRK-B" -H "$JSON" \
    -H "Authorization: Bearer it-api-other-token-0123" \
    -d '{"aliases":["Berkshire","Berkshire Hathaway Inc"],"sector":"Finance"}'
assert_eq "change with the second token" "200 Finance" \
    "$STATUS $(echo "$BODY" | jq -r .sector)"
call PATCH "$REG/symbols/BRK.B" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["  Berkshire  ","\tBerkshire Hathaway Inc "]}'
assert_eq "aliases trimmed as names are" \
    '200 ["Berkshire","Berkshire Hathaway Inc"]' \
    "$STATUS $(echo "$BODY" | jq -c .aliases)"
NOWORD="must contain a letter or a digit, not only punctuation or blanks"
for a in '  ' '$$' '--' ' -- '; do
    check "alias '$a' refused" 400 \
        "$(err invalid_field "field 'aliases': each alias $NOWORD")" \
        PATCH "$REG/symbols/BRK.B" -H "$JSON" -H "$TOKEN" \
        -d "{\"aliases\":[\"Berkshire\",\"$a\"]}"
done
check "create with an alias of punctuation" 400 \
    "$(err invalid_field "field 'aliases': each alias $NOWORD")" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"X","aliases":["--"]}'
# (combining marks alone show no letter: "\u0301\u0301" was taken)
for n in '\u00a0' ' $$ ' '\u0301\u0301'; do
    check "name '$n' refused" 400 \
        "$(err invalid_field "field 'name' $NOWORD")" \
        POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
        -d "{\"ticker\":\"XYZ\",\"name\":\"$n\"}"
done
check "a name with a Hangul filler, which shows nothing" 400 \
    "$(err invalid_field "field 'name' must be UTF-8 text without control characters")" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"Xyz\u3164Corp"}'
check "a name with a line separator inside" 400 \
    "$(err invalid_field "field 'name' must be UTF-8 text without control characters")" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"Xyz\u2028Corp"}'
check "a name with a zero-width space inside, like Apple's" 400 \
    "$(err invalid_field "field 'name' must be UTF-8 text without control characters")" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"Ap\u200bple Inc"}'
check "a name of 101 no-break spaces (202 bytes)" 400 \
    "$(err invalid_field "field 'name' $NOWORD")" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d "{\"ticker\":\"XYZ\",\"name\":\"$(printf '\\u00a0%.0s' $(seq 101))\"}"
check "change to a name of a zero-width space, an invisible one" 400 \
    "$(err invalid_field "field 'name' must be UTF-8 text without control characters")" \
    PATCH "$REG/symbols/BRK.B" -H "$JSON" -H "$TOKEN" \
    -d '{"name":"\u200b"}'
assert_eq "refused changes left the aliases" \
    "Berkshire,Berkshire Hathaway Inc" \
    "$(sql "SELECT string_agg(alias, ',' ORDER BY alias) FROM symbol_aliases
            WHERE ticker = 'BRK.B' AND kind = 'name'")"
call DELETE "$REG/symbols/brk.b" -H "$TOKEN"
assert_eq "delete deactivates" "200 false" \
    "$STATUS $(echo "$BODY" | jq -r .active)"
assert_eq "history kept: create, update, deactivate" \
    "deactivate,update,create" \
    "$(curl -s "$REG/symbols/BRK.B/history" | jq -r '[.items[].action] | join(",")')"
assert_eq "deactivated symbol listed as inactive" "BRK.B" \
    "$(curl -s "$QA/symbols?active=false" | jq -r '[.items[].ticker] | join(",")')"
printf 'ticker,name,sector,aliases\nBRK.B,Berkshire Hathaway,Financials,Berkshire|$BRK.A\nTSLA,Tesla Inc,Consumer Discretionary,Tesla\n' \
    >"$TMP/import.csv"
check "import CSV" 200 '{"created":1,"updated":1,"unchanged":0}' \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$TMP/import.csv"
check "import again changes nothing" 200 \
    '{"created":0,"updated":0,"unchanged":2}' \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$TMP/import.csv"
# The header as a spreadsheet may write it: blanks around the names, a
# UTF-8 byte order mark before them.
sed '1s/.*/\xef\xbb\xbf ticker , Name ,\tsector\t, aliases /' "$TMP/import.csv" \
    >"$TMP/import-blanks.csv"
check "import with blanks around the header's names changes nothing" 200 \
    '{"created":0,"updated":0,"unchanged":2}' \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$TMP/import-blanks.csv"
assert_eq "alt_ticker written brk/a is BRK.A, held by BRK.B" "BRK.B" \
    "$(walkj "$QA/symbols?alt_ticker=brk/a" .ticker)"
printf 'ticker,name,sector,aliases\nTSLA,Tesla Inc,Consumer Discretionary,Tesla| -- \n' \
    >"$TMP/import-punct.csv"
check "import refuses an alias of punctuation" 400 \
    "$(err invalid_csv "line 2: each alias $NOWORD")" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$TMP/import-punct.csv"
# An alias moves from TSLA to BRK.B, the receiving row first: it waits
# for the giving row (it was a 409 in this order).
printf 'ticker,name,sector,aliases\nBRK.B,Berkshire Hathaway,Financials,Berkshire|$BRK.A|Tesla\nTSLA,Tesla Inc,Consumer Discretionary,Tesla Motors\n' \
    >"$TMP/import-move.csv"
check "import moving an alias, the receiver first" 200 \
    '{"created":0,"updated":2,"unchanged":0}' \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$TMP/import-move.csv"
assert_eq "... the alias moved" "BRK.B:Berkshire,Tesla TSLA:Tesla Motors" \
    "$(sql "SELECT string_agg(ticker || ':' || a, ' ' ORDER BY ticker) FROM
            (SELECT ticker, string_agg(alias, ',' ORDER BY alias) AS a FROM
            symbol_aliases WHERE kind = 'name' AND ticker IN ('BRK.B', 'TSLA')
            GROUP BY ticker) x")"
# A chain: each row takes an alias of the row after it, which lets it
# go; written last to first (row by row in file order, every row after
# the first waited: a pass per row, n passes of checks for n rows).
printf 'ticker,name,sector,aliases\nCHA,Chain A,,Chain Brand A\nCHB,Chain B,,Chain Brand B\nCHC,Chain C,,Chain Brand C\n' \
    >"$TMP/chain0.csv"
printf 'ticker,name,sector,aliases\nCHA,Chain A,,Chain Brand B\nCHB,Chain B,,Chain Brand C\nCHC,Chain C,,Chain Brand D\n' \
    >"$TMP/chain1.csv"
call POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$TMP/chain0.csv"
check "import of a chain of moves, each receiver first" 200 \
    '{"created":0,"updated":3,"unchanged":0}' \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$TMP/chain1.csv"
assert_eq "... each alias moved one up" \
    "CHA:Chain Brand B CHB:Chain Brand C CHC:Chain Brand D" \
    "$(sql "SELECT string_agg(ticker || ':' || alias, ' ' ORDER BY ticker)
            FROM symbol_aliases WHERE ticker LIKE 'CH_' AND kind = 'name'")"
assert_eq "... written last to first" "CHC CHB CHA" \
    "$(sql "SELECT string_agg(ticker, ' ' ORDER BY id) FROM symbol_events
            WHERE ticker LIKE 'CH_' AND id > (SELECT max(id) FROM
            symbol_events WHERE ticker = 'CHC' AND detail::text LIKE
            '%Chain Brand C%')")"
# A name taken from a symbol the file does not list stays a 409, at
# once; two rows that would swap an alias wait for each other: a 409
# naming the second.
check "import of a name a symbol outside the file holds" 409 \
    "$(err conflict "line 3: the name 'Apple Inc' is already the name of AAPL")" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nTSLA,Tesla Inc,,Tesla Motors\nBRK.B,Apple Inc,,\n'
check "import of two symbols swapping an alias" 409 \
    "$(err conflict "line 3: the alias 'Tesla' is already an alias of BRK.B")" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nBRK.B,Berkshire Hathaway,,Tesla Motors\nTSLA,Tesla Inc,,Tesla\n'
assert_eq "... and nothing was written" "BRK.B:Berkshire,Tesla TSLA:Tesla Motors" \
    "$(sql "SELECT string_agg(ticker || ':' || a, ' ' ORDER BY ticker) FROM
            (SELECT ticker, string_agg(alias, ',' ORDER BY alias) AS a FROM
            symbol_aliases WHERE kind = 'name' AND ticker IN ('BRK.B', 'TSLA')
            GROUP BY ticker) x")"

echo "bad input"
bad() { # WHAT STATUS CODE MESSAGE METHOD URL [curl args]
    local what=$1 status=$2 code=$3 msg=$4
    shift 4
    check "$what" "$status" "$(err "$code" "$msg")" "$@"
}
TICKER_MSG="is not a valid ticker: 1-10 letters or digits, with an optional class of 1-4 after '.', '-' or '/' (BRK.B)"
COID_MSG="client_order_id must be 1-47 letters, digits, '-' or '_'"
bad "verdicts of an empty client_order_id" 400 invalid_parameter \
    "$COID_MSG" GET "$QA/risk/verdicts?client_order_id="
bad "verdicts of a client_order_id with a blank" 400 invalid_parameter \
    "$COID_MSG" GET "$QA/risk/verdicts?client_order_id=a%20b"
bad "malformed JSON" 400 invalid_json \
    "the request body is not valid JSON: unexpected token near end of file (line 1, column 10)" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" -d '{"ticker":'
bad "JSON that is not an object" 400 invalid_json \
    "the request body must be a JSON object" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" -d '["AAPL"]'
bad "wrong type" 400 invalid_field "field 'name' must be a string" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" -d '{"ticker":"XYZ","name":7}'
bad "wrong type in a list" 400 invalid_field \
    "field 'aliases' must be an array of strings" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"X","aliases":[1]}'
bad "unknown field" 400 unknown_field \
    "unknown field 'owner'; the fields are ticker, name, sector, active, aliases and alt_tickers" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"X","owner":"me"}'
bad "missing field" 400 missing_field "field 'name' is required" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" -d '{"ticker":"XYZ"}'
bad "bad ticker in a body" 400 invalid_ticker "field 'ticker' $TICKER_MSG" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"TOOLONGTICKER","name":"X"}'
bad "SQL metacharacters in a ticker" 400 invalid_ticker \
    "field 'ticker' $TICKER_MSG" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d "{\"ticker\":\"X'; DROP TABLE symbols;--\",\"name\":\"X\"}"
bad "SQL metacharacters in a path" 400 invalid_ticker \
    "the ticker in the path $TICKER_MSG" \
    GET "$QA/symbols/A%27%20OR%20%271%27=%271"
bad "SQL metacharacters in a query" 400 invalid_ticker "ticker $TICKER_MSG" \
    GET "$QA/signals?ticker=AAPL%27%3B--"
check "SQL metacharacters in a search are only text" 200 \
    '{"items":[],"next_cursor":null}' \
    GET "$QA/symbols?q=%25%27%3B%20DROP%20TABLE%20symbols%3B--"
bad "huge number in JSON" 400 invalid_json \
    "the request body is not valid JSON: too big integer (line 1, column 60)" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"X","active":123456789012345678901234}'
bad "huge page size" 400 invalid_parameter \
    "limit must be an integer from 1 to 500" \
    GET "$QA/documents?limit=123456789012345678901234567890"
bad "page size over the limit" 400 invalid_parameter \
    "limit must be an integer from 1 to 500" GET "$QA/documents?limit=501"
bad "huge id" 400 invalid_parameter \
    "id must be a positive integer no larger than 9223372036854775807" \
    GET "$QA/orders/99999999999999999999"
bad "unknown query parameter" 400 unknown_parameter \
    "unknown query parameter 'tickr' for GET /signals" \
    GET "$QA/signals?tickr=AAPL"
bad "bad time" 400 invalid_parameter \
    "from must be an ISO 8601 UTC date or date-time, like 2011-09-01 or 2011-09-01T13:30:00Z" \
    GET "$QA/documents?from=2011-09-31"
bad "forged cursor" 400 invalid_cursor \
    "cursor is not one this route gave out; start again without it" \
    GET "$QA/signals?cursor=$(printf "x');--" | base64 | tr '+/' '-_' | tr -d '=')"
bad "unknown enum value" 400 invalid_parameter \
    "action must be one of: BUY, SELL, HOLD" \
    GET "$QA/recommendations?action=bye"
bad "wrong media type" 415 unsupported_media_type \
    "send the body as Content-Type: application/json" \
    POST "$REG/symbols" -H "Content-Type: text/plain" -H "$TOKEN" -d '{}'
bad "body over HTTP_MAX_BODY" 413 payload_too_large \
    "request body is larger than 4096 bytes (HTTP_MAX_BODY)" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    --data-binary "{\"name\":\"$(head -c 5000 /dev/zero | tr '\0' x)\"}"
bad "query over the limit" 414 query_too_long \
    "the query string is longer than 2048 bytes" \
    GET "$QA/symbols?q=$(head -c 2100 /dev/zero | tr '\0' x)"
bad "name taken (any case)" 409 conflict \
    "the name 'Apple Inc' is already the name of AAPL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"APL2","name":"apple inc"}'
bad "alias read as another symbol's name" 409 conflict \
    "the alias 'Apple Inc.' is already the name of AAPL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"ZZC","name":"Zed C","aliases":["Apple Inc."]}'
bad "name read as another symbol's alias" 409 conflict \
    "the name 'Google' is already an alias of GOOGL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"ZZC","name":"GOOGLE."}'
GENERIC="must contain a word of the company's own, not only common words or company suffixes such as The, And, Inc, Corp, Co, Ltd"
bad "alias of common words" 400 invalid_field \
    "field 'aliases': each alias $GENERIC: 'The' would tag any company's news" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"ZZD","name":"Zed D","aliases":["Zed D","The"]}'
bad "alias of a company suffix" 400 invalid_field \
    "field 'aliases': each alias $GENERIC: 'Inc' would tag any company's news" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"ZZE","name":"Zed E","aliases":["Inc"]}'
bad "name of suffixes" 400 invalid_field \
    "field 'name' $GENERIC: 'Holdings Group, Ltd.' would tag any company's news" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" \
    -d '{"name":"Holdings Group, Ltd."}'
bad "import of an alias of common words" 400 invalid_csv \
    "line 2: each alias $GENERIC: 'The Co.' would tag any company's news" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nZZD,Zed D,,The Co.\n'
assert_eq "... none of them was written" "0" \
    "$(sql "SELECT count(*) FROM symbols WHERE ticker IN ('ZZC', 'ZZD', 'ZZE')")"
bad "import of a header with a column it does not know" 400 invalid_csv \
    "line 1: the first line must be the header ticker,name,sector,aliases \
(column 4 is ' alias ', not aliases)" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $' ticker , name , sector , alias \nZZD,Zed D,,\n'
bad "alias taken" 409 conflict \
    "the alias 'GOOGLE' is already an alias of GOOGL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"Xyz Corp","aliases":["GOOGLE"]}'
bad "alternative ticker taken" 409 conflict \
    "the alternative ticker GOOG already belongs to GOOGL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"Xyz Corp","alt_tickers":["goog"]}'
bad "alias that is another symbol's ticker" 409 conflict \
    "the alias 'MSFT' is a symbol itself" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"Xyz Corp","aliases":["Xyz","MSFT"]}'
bad "alias written with another class separator" 409 conflict \
    "the alias 'BRK/B' is a symbol itself" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"Xyz Corp","aliases":["BRK/B"]}'
bad "alias that is another symbol's ticker in punctuation" 409 conflict \
    "the alias 'AAPL.' is a symbol itself" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft","AAPL."]}'
bad "... in brackets, with another class separator" 409 conflict \
    "the alias '(BRK-B),' is a symbol itself" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["(BRK-B),"]}'
bad "... in guillemets (the check is the parser's, whatever the locale)" \
    409 conflict "the alias '«AAPL»' is a symbol itself" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["\u00abAAPL\u00bb"]}'
bad "a name that is Apple's with a soft hyphen inside" 409 conflict \
    "the name 'Apple Inc' is already the name of AAPL" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"name":"Ap\u00adple Inc"}'
bad "an alias that is Apple's with a combining grapheme joiner" 409 \
    conflict "the alias '"$'Apple\u034f'"' is already an alias of AAPL" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft","Apple\u034f"]}'
# A possessive: the parser prefers the longer phrase, so "Apple's" on
# MSFT took AAPL's mentions written so ("Apple's gains").
POSS="a possessive 's: the parser would take the one's mentions for the \
other"
bad "an alias that is Apple's alias with a possessive" 409 conflict \
    "the alias 'Apple’s' is AAPL's alias 'Apple' with $POSS" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft","Apple\u2019s"]}'
bad "... Apple's name with one after its full stop" 409 conflict \
    "the alias 'Apple Inc.'s' is AAPL's name 'Apple Inc' with $POSS" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft","Apple Inc.'"'"'s"]}'
bad "... IBM's ticker with one" 409 conflict \
    "the alias 'IBM'S' is a symbol itself" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft","IBM'"'"'S"]}'
call PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft","Quuxco'"'"'s"]}'
assert_eq "a possessive no other symbol holds without it" "200" "$STATUS"
bad "... and that alias without it, on another symbol" 409 conflict \
    "the alias 'Quuxco' is MSFT's alias 'Quuxco's' without $POSS" \
    PATCH "$REG/symbols/IBM" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Quuxco"]}'
bad "... in one import" 400 invalid_csv \
    "line 3: the alias 'Zedco's' is TSLA's alias 'Zedco' with $POSS" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nTSLA,Tesla Inc,,Zedco\nBRK.B,Berkshire Hathaway,,Zedco\'s\n'
bad "... and IBM's in one import" 400 invalid_csv \
    "line 3: the alias 'IBM’s' is a symbol itself" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nIBM,IBM Corp,,\nTSLA,Tesla Inc,,IBM\u2019s\n'
call PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft","AAPL\ud83d\ude80"]}'
assert_eq "an alias of a ticker and an emoji: a word to the parser" \
    "200 "$'AAPL\U0001f680'",Microsoft" \
    "$STATUS $(echo "$BODY" | jq -r '.aliases | join(",")')"
call PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"aliases":["Microsoft"]}'
# one stored before the check, by hand
sql "INSERT INTO symbol_aliases (kind, alias, ticker)
     VALUES ('name', 'ZZY.', 'MSFT')" >/dev/null
bad "ticker that is another symbol's alias in punctuation" 409 conflict \
    "ZZY is already an alias of MSFT" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"ZZY","name":"Zzy Corp"}'
sql "DELETE FROM symbol_aliases WHERE alias = 'ZZY.'" >/dev/null
bad "alias that is another symbol's alternative ticker" 409 conflict \
    "the alias 'GOOG' is already an alternative ticker of GOOGL" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" -d '{"aliases":["GOOG"]}'
bad "alternative ticker that is another symbol's alias" 409 conflict \
    "the alternative ticker HP is already an alias of HPQ" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"alt_tickers":["hp"]}'
# A name of five letters or more matches in capitals too ("APPLE" for
# AAPL's "Apple"), where a bare ticker APPLE would take it first.
bad "ticker that is another symbol's alias in capitals" 409 conflict \
    "GOOGLE is already an alias of GOOGL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"GOOGLE","name":"Googleplex Holdings"}'
bad "alternative ticker that is another symbol's alias in capitals" 409 \
    conflict "the alternative ticker APPLE is already an alias of AAPL" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" \
    -d '{"alt_tickers":["APPLE"]}'
bad "import of a ticker that is another symbol's alias in capitals" 409 \
    conflict "line 2: APPLE is already an alias of AAPL" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nAPPLE,Apple Hospitality,,\n'
bad "alias written as a cashtag, which the import reads as a ticker" 400 \
    invalid_field "field 'aliases': each alias must not start with '\$' ('\$AAPL' is a cashtag): give an alternative ticker in alt_tickers, without the '\$'" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" -d '{"aliases":["$AAPL"]}'
bad "import of an alias that is another symbol's alternative ticker" 409 \
    conflict "line 2: the alias 'GOOG' is already an alternative ticker of GOOGL" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nMSFT,Microsoft,,Microsoft|GOOG\n'
assert_eq "... MSFT's aliases left as they were" "Microsoft" \
    "$(sql "SELECT string_agg(alias, ',' ORDER BY alias) FROM symbol_aliases
            WHERE ticker = 'MSFT'")"
bad "name that is another symbol's ticker (never counted: read as IBM)" \
    409 conflict "the name 'IBM' is a symbol itself" \
    PATCH "$REG/symbols/MSFT" -H "$JSON" -H "$TOKEN" -d '{"name":"IBM"}'
bad "name that is another symbol's alternative ticker" 409 conflict \
    "the name 'GOOG' is already an alternative ticker of GOOGL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"XYZ","name":"GOOG"}'
bad "ticker that is another symbol's alias" 409 conflict \
    "HP is already an alias of HPQ" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"hp","name":"Helmerich and Payne"}'
bad "import of an alias that is another symbol's ticker" 409 conflict \
    "line 2: the alias 'AAPL' is a symbol itself" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nXYZ,Xyz Corp,,AAPL\n'
bad "symbol exists" 409 conflict \
    "symbol AAPL already exists; change it with PATCH /symbols/AAPL" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"aapl","name":"Another Apple"}'
bad "import with a conflict changes nothing" 409 conflict \
    "line 3: the name 'Apple Inc' is already the name of AAPL" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nNFLX,Netflix Inc,,\nXYZ,Apple Inc,,\n'
assert_eq "... and nothing was written" "0" \
    "$(sql "SELECT count(*) FROM symbols WHERE ticker = 'XYZ'")"
bad "import with a bad line" 400 invalid_csv \
    "line 2: expected 4 fields (ticker,name,sector,aliases)" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nXYZ,Xyz\n'
bad "import with an unclosed quote" 400 invalid_csv \
    "line 3: a quoted field is not closed: a '\\\"' opens it and none ends it on its line (write a quote inside a field as '\\\"\\\"')" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'\xef\xbb\xbfticker,name,sector,aliases\r\nNFLX,Netflix Inc,,\r\nXYZ,"Xyz Corp,,\r\n'
bad "import with text after a quote" 400 invalid_csv \
    "line 2: text follows a quoted field's closing '\\\"' before the next comma (write a quote inside a field as '\\\"\\\"')" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary $'ticker,name,sector,aliases\nXYZ,"Xyz" Corp,,\n'
bad "a change of nothing" 400 nothing_to_change \
    "nothing to change: give at least one of name, sector, active, aliases, alt_tickers" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" -d '{}'
bad "change of a missing symbol" 404 not_found "no symbol NOPE" \
    PATCH "$REG/symbols/nope" -H "$JSON" -H "$TOKEN" -d '{"sector":"x"}'
bad "missing document" 404 not_found "no document 999999" \
    GET "$QA/documents/999999"
bad "unknown route" 404 not_found "no route for GET /nope" GET "$QA/nope"
bad "wrong method" 405 method_not_allowed \
    "DELETE is not allowed on /signals (allowed: GET)" DELETE "$QA/signals"
assert_eq "405 lists the methods" "Allow: GET" \
    "$(echo "$HEADERS" | grep -i '^allow:')"
# a {segment} of any length matches its routes
A128=$(head -c 128 /dev/zero | tr '\0' A)
bad "method a long segment's routes lack, on the registry" 405 \
    method_not_allowed \
    "PUT is not allowed on /symbols/$A128 (allowed: GET, PATCH, DELETE)" \
    PUT "$REG/symbols/$A128" -H "$JSON" -H "$TOKEN" -d '{}'
bad "method a long segment's routes lack, on the query-api" 405 \
    method_not_allowed "PUT is not allowed on /symbols/$A128 (allowed: GET)" \
    PUT "$QA/symbols/$A128" -H "$JSON" -H "$TOKEN" -d '{}'
bad "a ticker of 130 characters" 400 invalid_ticker \
    "the ticker in the path $TICKER_MSG" GET "$QA/symbols/${A128}AA"
assert_eq "no 5xx in the logs" "0" \
    "$(cat "$STONKS_VAR_DIR"/*.log | grep -c '"status":5')"

echo "CORS, ETag, request ids"
call GET "$QA/symbols/AAPL" -H "Origin: http://dashboard.test"
assert_eq "CORS for the dashboard" \
    "Access-Control-Allow-Origin: http://dashboard.test" \
    "$(echo "$HEADERS" | grep -i '^access-control-allow-origin')"
etag=$(echo "$HEADERS" | grep -i '^etag:' | cut -d' ' -f2)
call GET "$QA/symbols/AAPL" -H "Origin: http://evil.test"
assert_eq "no CORS for another origin" "" \
    "$(echo "$HEADERS" | grep -i '^access-control-allow-origin')"
call OPTIONS "$REG/symbols" -H "Origin: http://dashboard.test" \
    -H "Access-Control-Request-Method: POST"
assert_eq "preflight" "204 Access-Control-Allow-Methods: GET, POST" \
    "$STATUS $(echo "$HEADERS" | grep -i '^access-control-allow-methods')"
call GET "$QA/symbols/AAPL" -H "If-None-Match: $etag"
assert_eq "ETag: not modified" "304" "$STATUS"
call GET "$QA/symbols/AAPL" -H "If-None-Match: \"x\", W/$etag"
assert_eq "ETag: one of a list, weak, not modified" "304" "$STATUS"
call GET "$QA/symbols/AAPL" -H "If-None-Match: $etag$etag"
assert_eq "ETag: two tags run together are no list: the answer" "200" \
    "$STATUS"
call GET "$QA/health" -H "X-Request-Id: it-api-42"
assert_eq "request id echoed" "X-Request-Id: it-api-42" \
    "$(echo "$HEADERS" | grep -i '^x-request-id')"

echo "forwarding"
call POST "$QA/trading/kill-switch" -H "$JSON" -H "$TOKEN" \
    -H "X-Request-Id: it-api-ks" -d '{"active":true,"reason":"test"}'
assert_eq "kill switch passed on with the caller's token" \
    '200 {"method":"POST","path":"/kill-switch","auth":"Bearer it-api-token-0123456789abcdef","request_id":"it-api-ks","body":"{\"active\":true,\"reason\":\"test\"}"}' \
    "$STATUS $(echo "$BODY" | canon)"
# A change sent on that was not answered in time may have been made:
# the 504 says so (it read as a change that failed).
check "a change not answered in time: the outcome is unknown" 504 \
    "$(err upstream_timeout "trading-engine did not answer in time: the \
change may or may not have been made; look before sending it again (GET \
/trading/status)")" \
    POST "$QA/trading/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d '{"active":true,"reason":"slow"}'
check "kill switch needs a token here too" 401 \
    "$(err unauthorized "this route needs an Authorization: Bearer token")" \
    POST "$QA/trading/kill-switch" -H "$JSON" -d '{"active":true}'
assert_eq "status from trading-engine" "GET /status" \
    "$(curl -s "$QA/trading/status" | jq -r '"\(.method) \(.path)"')"
assert_eq "exposure from risk-engine" "GET /risk/exposure" \
    "$(curl -s "$QA/risk/exposure" | jq -r '"\(.method) \(.path)"')"
assert_eq "exposure as of a day, passed on" \
    "GET /risk/exposure?day=2011-09-02" \
    "$(curl -s "$QA/risk/exposure?day=2011-09-02" |
        jq -r '"\(.method) \(.path)"')"
for d in 2011-9-2 2011-02-30 "2011-09-02%26x=1"; do
    assert_eq "exposure as of '$d': refused here" "400 invalid_parameter" \
        "$(curl -s -w ' %{http_code}' "$QA/risk/exposure?day=$d" |
            sed -E 's/^.*"code":"([a-z_]+)".* ([0-9]+)$/\2 \1/')"
done
assert_eq "limits from risk-engine" "GET /risk/limits" \
    "$(curl -s "$QA/risk/limits" | jq -r '"\(.method) \(.path)"')"

echo "status, metrics, documentation"
sql "INSERT INTO lake_partitions (table_name, dt, file, rows, bytes,
     published_at) VALUES ('signals', '2011-09-01', 'x.parquet', 1, 1,
     '2011-09-02 01:02:03+00')" >/dev/null
sleep 1.1 # past HTTP_CACHE_MS
call GET "$QA/pipeline/status"
assert_eq "pipeline status: the pipeline's queues are idle" \
    "ingestion 0 0 0,parsing 0 0 0,extraction 0 0 0,aggregation 0 0 0,recommendation 0 0 0" \
    "$(echo "$BODY" | jq -r '[.queues[:5][] | "\(.name) \(.depth) \(.in_flight) \(.dead)"] | join(",")')"
assert_eq "pipeline status: trading's queues as Redis has them" \
    "trading_decisions $(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:trading_decisions),broker_orders $(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:broker_orders),lake_publish $(redis-cli -p "$REDIS_PORT" XLEN stonks:queue:lake_publish)" \
    "$(echo "$BODY" | jq -r '[.queues[5:][] | "\(.name) \(.depth + .in_flight)"] | join(",")')"
assert_eq "pipeline status: documents" \
    "$(sql "SELECT count(*) FROM documents") extracted" \
    "$(echo "$BODY" | jq -r '"\(.documents.extracted) extracted"')"
assert_eq "pipeline status: last recommendation" \
    "$(sql "SELECT $(TS "max(computed_at)") FROM recommendations")" \
    "$(echo "$BODY" | jq -r .last_run.recommendation)"
assert_eq "pipeline status: the lake-publisher's last file" \
    "2011-09-02T01:02:03Z" "$(echo "$BODY" | jq -r '.last_run["lake-publisher"]')"
assert_eq "pipeline status: no live tick" "null" \
    "$(echo "$BODY" | jq -c .live)"
# The live scheduler's last tick, as it publishes it (scheduler.c):
# stopped before its aggregation, and running; a value written by hand
# that does not read so is null. Its age is query-api's: the seconds
# since it started when it answers (0 for a start ahead of its clock),
# stale past twice SCHEDULER_INTERVAL_S (300 s here).
live_tick() {
    redis-cli -p "$REDIS_PORT" SET stonks:live:tick "$1" >/dev/null
    call GET "$QA/pipeline/status"
    echo "$BODY" | jq -c .live
}
# live_age STARTED: 0 when the tick's age_s is the seconds from STARTED
# to the request (else how far it is from it), and stale
live_age() {
    local t0 t1 j
    t0=$(date +%s)
    j=$(live_tick "2026-12-04 $1 0 40 1 0 0 0")
    t1=$(date +%s)
    echo "$j" | jq -r --argjson t0 "$t0" --argjson t1 "$t1" --argjson s "$1" \
        '"\(if .age_s >= $t0 - $s and .age_s <= $t1 - $s then 0
            else .age_s - ($t0 - $s) end) \(.stale)"'
}
assert_eq "pipeline status: a live tick done" \
    '{"day":"2026-12-04","started_at":"2026-12-04T15:00:00Z","done_at":"2026-12-04T15:00:42Z","tickers":40,"session":true,"documents_extracted":true,"aggregation_queued":false,"stopped":true,"stale":true}' \
    "$(live_tick "2026-12-04 1796396400 1796396442 40 1 1 0 1" |
        jq -c 'del(.age_s)')"
assert_eq "pipeline status: a live tick running" \
    '{"day":"2026-12-05","started_at":"2026-12-05T06:00:00Z","done_at":null,"tickers":3,"session":false,"documents_extracted":false,"aggregation_queued":false,"stopped":false,"stale":true}' \
    "$(live_tick "2026-12-05 1796450400 0 3 0 0 0 0" | jq -c 'del(.age_s)')"
now=$(date +%s)
assert_eq "pipeline status: a tick started 100 s ago is fresh" "0 false" \
    "$(live_age $((now - 100)))"
assert_eq "... one of 590 s, under twice the interval, too" "0 false" \
    "$(live_age $((now - 590)))"
assert_eq "... one of 700 s is stale" "0 true" \
    "$(live_age $((now - 700)))"
assert_eq "... and one started ahead of query-api's clock is 0 s old" \
    '0 false' "$(live_tick "2026-12-04 $((now + 3600)) 0 40 1 0 0 0" |
        jq -r '"\(.age_s) \(.stale)"')"
for bad in "" "x" "2026-12-04 1 0 40 1 1 1" "2026-12-04 1 0 40 1 1 2 0" \
    "2026-12-04 1 0 40 1 1 1 0 more" "2026-02-30 1 0 40 1 1 1 0" \
    "2026-12-04 0 0 40 1 1 1 0" "2026-12-04 1 -5 40 1 1 1 0" \
    "2026-12-04 1 0 -1 1 1 1 0" "2026-12-04x 1 0 4 1 1 1 0" \
    "2026-12-04 1 0 4 1 1 1 -1"; do
    assert_eq "pipeline status: live tick '$bad' unreadable" "null" \
        "$(live_tick "$bad")"
done
redis-cli -p "$REDIS_PORT" DEL stonks:live:tick >/dev/null
# The connection query-api keeps to Redis is cut by a restart: the
# first status after it is whole (it had no queues, and an error).
"$ROOT/scripts/stack.sh" restart-redis >/dev/null
sleep 1.1 # past HTTP_CACHE_MS
call GET "$QA/pipeline/status"
assert_eq "pipeline status, the first after a Redis restart" "8 null" \
    "$(echo "$BODY" | jq -r '"\(.queues | length) \(.queues_error)"')"
assert_eq "/ready" '{"status":"ready"}' "$(curl -s "$QA/ready")"
metrics=$(curl -s "$QA/metrics")
assert_eq "metrics: requests of a route" "1" \
    "$(echo "$metrics" | grep -c '^stonks_http_requests_total{service="query-api",method="GET",route="/orders/{id}/lineage",status="200"} 5$')"
assert_eq "metrics: latency histogram" "1" \
    "$(echo "$metrics" | grep -c '^stonks_http_request_duration_seconds_count{service="query-api",method="GET",route="/orders/{id}/lineage"} 5$')"
assert_eq "metrics: answers given again from the cache" "1" \
    "$(echo "$metrics" | grep -c '^stonks_http_cache_total{service="query-api",result="hit"} [1-9]')"
assert_eq "metrics: pool size" "1" \
    "$(echo "$metrics" | grep -c '^stonks_db_pool_connections{service="query-api",state="max"} 4$')"
for base in "$QA" "$REG"; do
    call GET "$base/docs"
    assert_eq "$base/docs is HTML" "200 text/html; charset=utf-8" \
        "$STATUS $(echo "$HEADERS" | grep -i '^content-type' | cut -d' ' -f2-)"
    # Every operation of the document is a live route (no 404 "no
    # route", no 405), and /docs lists every path.
    missing=""
    docs=$BODY
    while read -r method path; do
        url=$base$(echo "$path" | sed -e 's/{id}/1/; s/{ticker}/AAPL/;
            s/{queue}/parsing/')
        call "$method" "$url"
        case "$BODY" in
        *"no route for"* | *method_not_allowed*) missing="$missing $method:$path" ;;
        esac
        [[ $docs == *"<code>$path</code>"* ]] || missing="$missing docs:$path"
    done < <(curl -s "$base/openapi.json" |
        jq -r '.paths | to_entries[] | .key as $p | .value | keys[] |
               "\(ascii_upcase) \($p)"')
    assert_eq "$base/openapi.json: every operation is served" "" "$missing"
done

echo "a registry change reaches a running parser"
HTTP_PORT=0 "$BIN" parser >"$STONKS_VAR_DIR/parser.log" 2>&1 &
parser=$!
pids+=("$parser")
sleep 0.2
call POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"ZNGA","name":"Zynga Inc","aliases":["Zynga"]}'
assert_eq "new symbol" "201" "$STATUS"
znga=$(sql "INSERT INTO documents (source, provider_id, title, body,
    published_at, trading_day, content_hash) VALUES ('it-api', 'zynga-1',
    'Zynga prices its IPO', 'The game maker raised money.',
    '2011-12-15T12:00:00Z', '2011-12-15', 'it-api-zynga-1') RETURNING id" |
    head -n 1)
redis-cli -p "$REDIS_PORT" XADD stonks:queue:parsing '*' p \
    "{\"doc\":$znga}" >/dev/null
for _ in $(seq 1 100); do
    [ "$(sql "SELECT status FROM documents WHERE id = $znga")" == parsed ] &&
        break
    sleep 0.1
done
assert_eq "the new alias is found without a restart" "ZNGA mention" \
    "$(sql "SELECT ticker || ' ' || origin FROM document_tickers
            WHERE document_id = $znga")"
kill "$parser"
wait "$parser"
redis-cli -p "$REDIS_PORT" DEL stonks:queue:extraction >/dev/null

stop_services

echo "without the trading tables, with read auth"
fresh_db stonks_it_api_bare
mkdir -p "$TMP/migrations"
cp "$ROOT"/db/migrations/001_*.sql "$ROOT"/db/migrations/003_*.sql \
    "$TMP/migrations/"
MIGRATIONS_DIR=$TMP/migrations "$BIN" migrate >/dev/null 2>&1
export API_READ_AUTH=1
start_services
check "read without a token" 401 \
    "$(err unauthorized "this route needs an Authorization: Bearer token")" \
    GET "$QA/orders"
check "orders before trading exists" 503 \
    "$(err not_available "trading data: not available yet (table orders does not exist)")" \
    GET "$QA/orders" -H "$TOKEN"
check "lineage before trading exists" 503 \
    "$(err not_available "trading data: not available yet (table orders does not exist)")" \
    GET "$QA/orders/1/lineage" -H "$TOKEN"
check "positions before trading exists" 503 \
    "$(err not_available "trading data: not available yet (table positions does not exist)")" \
    GET "$QA/positions" -H "$TOKEN"
call GET "$QA/pipeline/status" -H "$TOKEN"
assert_eq "pipeline status without trading" "200 null" \
    "$STATUS $(echo "$BODY" | jq -c .last_run_trading)"
check "probes stay open" 200 '{"status":"ready"}' GET "$QA/ready"
stop_services

echo "a database never migrated"
fresh_db stonks_it_api_none
export API_READ_AUTH=0
start_services
HINT='the database is not migrated, or older than this build: run `stonks migrate`'
check "signals before migrate" 503 \
    "$(err not_available "PostgreSQL error: relation \\\"signals\\\" does not exist; $HINT")" \
    GET "$QA/signals"
check "pipeline status before migrate" 503 \
    "$(err not_available "PostgreSQL error: relation \\\"documents\\\" does not exist; $HINT")" \
    GET "$QA/pipeline/status"
check "symbols before migrate" 503 \
    "$(err not_available "PostgreSQL error: relation \\\"symbols\\\" does not exist; $HINT")" \
    GET "$REG/symbols"
check "a registry write before migrate" 503 \
    "$(err not_available "PostgreSQL error: relation \\\"symbols\\\" does not exist; $HINT")" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"ZNGA","name":"Zynga Inc"}'
stop_services
finish
