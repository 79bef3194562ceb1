#!/usr/bin/env bash
# Hostile input against every route of the four HTTP services
# (query-api, symbol-registry, trading-engine, risk-engine), with real
# PostgreSQL and Redis: missing and wrong tokens, malformed and deeply
# nested JSON, wrong types, huge and negative numbers, unknown fields
# and parameters, 10 MB bodies, slow clients (slowloris), invalid UTF-8,
# path traversal and encoded NULs in ids, SQL metacharacters, and
# header injection (CR in a header, two Content-Lengths, Content-Length
# with Transfer-Encoding, oversized headers). Each must get its exact
# 4xx and error message; afterwards every service still answers
# /health from the same process, nothing logged a 5xx, and the trading
# and registry tables are exactly as before (counts and checksums).
# The bad cases test_api.sh already sends are not repeated here.
# Ports: 18501-18504 on 127.0.0.1.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

OUT=$ROOT/var/it-hostile
rm -rf "$OUT"
mkdir -p "$OUT"
export STONKS_VAR_DIR=$OUT OBJECT_STORE_DIR=$OUT/objects
export QUEUE_BLOCK_MS=100 HTTP_CACHE_MS=0 API_READ_AUTH=0 CORS_ORIGIN=
export HTTP_REQUEST_TIMEOUT_S=3 HTTP_MAX_BODY=1048576
export API_TOKENS=it-hostile-token-0123456789
export QUERY_API_URL=http://127.0.0.1:18501
export REGISTRY_URL=http://127.0.0.1:18502
export TRADING_ENGINE_URL=http://127.0.0.1:18503
export RISK_ENGINE_URL=http://127.0.0.1:18504
QA=$QUERY_API_URL
REG=$REGISTRY_URL
TE=$TRADING_ENGINE_URL
RE=$RISK_ENGINE_URL
TOKEN="Authorization: Bearer it-hostile-token-0123456789"
WRONG="Authorization: Bearer it-hostile-token-0123456780"
JSON="Content-Type: application/json"
PIDS=()

cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

for port in 18501 18502 18503 18504; do
    if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
        echo "  FAIL: port $port is in use; stop what listens there first"
        exit 1
    fi
done

fresh_db stonks_it_hostile
"$BIN" migrate >"$OUT/admin.log" 2>&1 && "$BIN" seed >>"$OUT/admin.log" 2>&1 ||
    { echo "  FAIL: migrate/seed"; exit 1; }
redis-cli -p "$REDIS_PORT" DEL stonks:queue:trading_decisions \
    stonks:queue:broker_orders >/dev/null
# A few rows for the routes to read and, wrongly, to change.
dec=$(sql "INSERT INTO trading_decisions (ticker, as_of, action, conviction,
    target_weight, model, client_order_id, outcome, side, qty,
    ref_price_cents, equity_cents, explanation, mode) VALUES ('AAPL',
    '2011-09-09', 'BUY', 0.4, 0.02, 'test', 'hostile-1', 'ordered', 'buy',
    5, 5400, 10000000, 'test', 'paper') RETURNING id" | head -n 1)
sql "INSERT INTO orders (client_order_id, decision_id, source, mode, broker,
    ticker, side, type, qty, ref_price_cents, decision_day, exec_day,
    exec_minute, status) VALUES ('hostile-1', $dec, 'decision', 'paper',
    'paper', 'AAPL', 'buy', 'market', 5, 5400, '2011-09-09', '2011-09-12',
    570, 'queued')" >/dev/null
sql "INSERT INTO restricted_tickers (ticker) VALUES ('XOM')" >/dev/null

start() { # NAME PORT: starts "stonks NAME" listening on PORT
    HTTP_PORT=$2 "$BIN" "$1" >>"$OUT/$1.log" 2>&1 &
    PIDS+=($!)
    eval "PID_${1//-/_}=$!"
}
start query-api 18501
start symbol-registry 18502
start trading-engine 18503
start risk-engine 18504
for url in "$QA" "$REG" "$TE" "$RE"; do
    for _ in $(seq 1 100); do
        curl -sf -o /dev/null "$url/health" && break
        sleep 0.1
    done
done

# Every row that a refused request must leave alone, as a count and a
# checksum per table.
snapshot() {
    local q="" t
    for t in orders trading_decisions risk_limits restricted_tickers \
        kill_switch kill_switch_events risk_verdicts notifications account \
        symbols symbol_aliases symbol_events; do
        q="$q${q:+ UNION ALL }SELECT '$t', count(*), coalesce(md5(
            string_agg(x::text, '|' ORDER BY x::text)), '-') FROM $t x"
    done
    sql "$q"
}
snapshot >"$OUT/before"

group() { echo "$1 (${SECONDS}s)"; }

# HTTP: call METHOD URL [curl args]; sets STATUS and BODY.
call() {
    local method=$1 url=$2
    shift 2
    STATUS=$(curl -s -o "$OUT/body" -w '%{http_code}' --max-time 20 \
        -X "$method" "$url" "$@")
    BODY=$(cat "$OUT/body")
}
canon() { jq -cS . 2>/dev/null; }
json_str() {
    local s=${1//\\/\\\\}
    printf '"%s"' "${s//\"/\\\"}"
}
# The services' error answer, byte for byte.
err() {
    printf '{"error":{"code":%s,"message":%s}}' "$(json_str "$1")" \
        "$(json_str "$2")"
}
# bad WHAT STATUS CODE MESSAGE METHOD URL [curl args]: the exact answer.
bad() {
    local what=$1 status=$2 code=$3 msg=$4
    shift 4
    call "$@"
    assert_eq "$what" "$status $(err "$code" "$msg")" "$STATUS $BODY"
}
# raw PORT: sends stdin as it is; prints the status and the body.
raw() {
    /usr/bin/python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10)
s.sendall(sys.stdin.buffer.read())
out = b""
try:
    while True:
        r = s.recv(65536)
        if not r:
            break
        out += r
except (socket.timeout, ConnectionResetError):
    pass
head, _, body = out.partition(b"\r\n\r\n")
status = head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "-"
print(status, body.decode("latin-1"))' "$1"
}
# bad_raw WHAT STATUS CODE MESSAGE PORT REQUEST: a hand-made request.
bad_raw() {
    local out
    out=$(printf '%s' "$6" | raw "$5")
    assert_eq "$1" "$2 $(err "$3" "$4")" "$out"
}

TICKER_MSG="is not a valid ticker: 1-10 letters or digits, with an optional class of 1-4 after '.', '-' or '/' (BRK.B)"
COID_MSG="the order id in the path must be a client_order_id: 1-47 letters, digits, '-' or '_'"
ID_MSG="id must be a positive integer no larger than 9223372036854775807"
NUL_MSG="the path contains an encoded NUL byte (%00)"
BIG_MSG="request body is larger than 1048576 bytes (HTTP_MAX_BODY)"
head -c 10485760 /dev/zero | tr '\0' '[' >"$OUT/10mb.json"
python3 -c "print('[' * 100000)" >"$OUT/deep-array.json"
python3 -c "print('{\"a\":' * 100000)" >"$OUT/deep-object.json"

group "tokens"
NOTOK="this route needs an Authorization: Bearer token"
BADTOK="the bearer token is not valid"
bad "registry PATCH without a token" 401 unauthorized "$NOTOK" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -d '{"sector":"x"}'
bad "registry PATCH with a wrong token" 401 unauthorized "$BADTOK" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$WRONG" -d '{"sector":"x"}'
bad "registry DELETE without a token" 401 unauthorized "$NOTOK" \
    DELETE "$REG/symbols/AAPL"
bad "registry DELETE with another scheme" 401 unauthorized "$BADTOK" \
    DELETE "$REG/symbols/AAPL" -H "Authorization: Basic YWRtaW46YWRtaW4="
bad "registry import without a token" 401 unauthorized "$NOTOK" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" \
    --data-binary $'ticker,name,sector,aliases\nXYZ,Xyz,,\n'
bad "registry import with an empty bearer" 401 unauthorized "$BADTOK" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" \
    -H "Authorization: Bearer " \
    --data-binary $'ticker,name,sector,aliases\nXYZ,Xyz,,\n'
bad "query-api kill switch with a wrong token" 401 unauthorized "$BADTOK" \
    POST "$QA/trading/kill-switch" -H "$JSON" -H "$WRONG" -d '{"active":true}'
for route in "POST /orders" "POST /kill-switch"; do
    bad "trading-engine $route without a token" 401 unauthorized \
        "this route needs an Authorization: Bearer token" ${route% *} "$TE${route#* }" \
        -H "$JSON" -d '{"active":true}'
    bad "trading-engine $route with a wrong token" 401 unauthorized \
        "$BADTOK" ${route% *} "$TE${route#* }" -H "$JSON" -H "$WRONG" \
        -d '{"active":true}'
    bad "trading-engine $route with a token prefix" 401 unauthorized \
        "$BADTOK" ${route% *} "$TE${route#* }" -H "$JSON" \
        -H "Authorization: Bearer it-hostile" -d '{"active":true}'
done
for m in PUT PATCH; do
    bad "risk-engine $m /limits without a token" 401 unauthorized \
        "this route needs an Authorization: Bearer token" $m "$RE/limits" -H "$JSON" \
        -d '{"limits":{"max_orders_per_day":0}}'
    bad "risk-engine $m /limits with a wrong token" 401 unauthorized \
        "$BADTOK" $m "$RE/limits" -H "$JSON" -H "$WRONG" \
        -d '{"limits":{"max_orders_per_day":0}}'
done

group "every documented route of query-api and the registry"
# An unknown query parameter, and an encoded NUL that would cut the path
# short, on each operation of /openapi.json.
for base in "$QA" "$REG"; do
    while read -r method path; do
        url=$base$(echo "$path" | sed -e 's/{id}/1/; s/{ticker}/AAPL/;
            s/{queue}/parsing/')
        bad "$method $path?hostile=..." 400 unknown_parameter \
            "unknown query parameter 'hostile' for $method $path" \
            "$method" "$url?hostile=%27%3B--" -H "$TOKEN"
        bad "$method $path%00" 400 invalid_request "$NUL_MSG" \
            "$method" "$url%00.json" -H "$TOKEN"
    done < <(curl -s "$base/openapi.json" |
        jq -r '.paths | to_entries[] | .key as $p | .value | keys[] |
               "\(ascii_upcase) \($p)"')
done

group "deeply nested and malformed JSON"
DEEP_REG="the request body is not valid JSON: maximum parsing depth reached near '[' (line 1, column 2049)"
DEEP_TRADING="the body is not valid JSON: maximum parsing depth reached near '[' (line 1, column 2049)"
DEEP_OBJ="the body is not valid JSON: maximum parsing depth reached near '{' (line 1, column 10241)"
bad "registry POST: 100k '['" 400 invalid_json "$DEEP_REG" \
    POST "$REG/symbols" -H "$JSON" -H "$TOKEN" --data-binary @"$OUT/deep-array.json"
bad "registry PATCH: 100k '['" 400 invalid_json "$DEEP_REG" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" \
    --data-binary @"$OUT/deep-array.json"
bad "query-api kill switch: 100k '[' (trading-engine's answer)" 400 \
    bad_request "$DEEP_TRADING" POST "$QA/trading/kill-switch" -H "$JSON" \
    -H "$TOKEN" --data-binary @"$OUT/deep-array.json"
for route in "POST $TE/orders" "POST $TE/kill-switch" "POST $RE/check" \
    "PUT $RE/limits" "PATCH $RE/limits"; do
    bad "${route#* }: 100k '['" 400 bad_request "$DEEP_TRADING" \
        ${route% *} "${route#* }" -H "$JSON" -H "$TOKEN" \
        --data-binary @"$OUT/deep-array.json"
    bad "${route#* }: 100k '{\"a\":'" 400 bad_request "$DEEP_OBJ" \
        ${route% *} "${route#* }" -H "$JSON" -H "$TOKEN" \
        --data-binary @"$OUT/deep-object.json"
done
bad "trading-engine: truncated JSON" 400 bad_request \
    "the body is not valid JSON: unexpected token near end of file (line 1, column 10)" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" -d '{"active":'
bad "trading-engine: empty body" 400 bad_request \
    "the body is not valid JSON: '[' or '{' expected near end of file (line 1, column 0)" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN"
bad "risk-engine: an array, not an object" 400 bad_request \
    "the body must be a JSON object" \
    POST "$RE/check" -H "$JSON" -H "$TOKEN" -d '[{"ticker":"AAPL"}]'
bad "risk-engine: a duplicate key" 400 bad_request \
    "the body is not valid JSON: duplicate object key near '\"limits\"' (line 1, column 43)" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"limits":{"max_orders_per_day":1},"limits":{}}'
bad "risk-engine: a NUL in a string, named as such" 400 bad_request \
    "the body holds a NUL (\\u0000), which is not allowed (line 1, column 27)" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"restricted":["GOOG\u0000"]}'
bad "registry: a NUL in a string, named as such" 400 invalid_json \
    "the request body holds a NUL (\\u0000), which is not allowed (line 1, column 21)" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" \
    -d '{"name":"Apple\u0000"}'
bad "registry: a number, not an object" 400 invalid_json \
    "the request body is not valid JSON: '[' or '{' expected near '42' (line 1, column 2)" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" -d '42'

group "media types"
MEDIA_MSG="send the body as Content-Type: application/json"
for route in "POST $TE/orders" "POST $TE/kill-switch" "POST $RE/check" \
    "PUT $RE/limits" "PATCH $RE/limits"; do
    bad "${route% *} ${route#* } as text/plain" 415 unsupported_media_type \
        "$MEDIA_MSG" ${route% *} "${route#* }" -H "$TOKEN" \
        -H "Content-Type: text/plain" -d '{"active":true}'
    bad "${route% *} ${route#* } as a form (curl -d)" 415 \
        unsupported_media_type "$MEDIA_MSG" ${route% *} "${route#* }" \
        -H "$TOKEN" -d '{"active":true}'
    bad "${route% *} ${route#* } without a Content-Type" 415 \
        unsupported_media_type "$MEDIA_MSG" ${route% *} "${route#* }" \
        -H "$TOKEN" -H "Content-Type:" -d '{"active":true}'
    bad "${route% *} ${route#* } as application/jsonx" 415 \
        unsupported_media_type "$MEDIA_MSG" ${route% *} "${route#* }" \
        -H "$TOKEN" -H "Content-Type: application/jsonx" -d '{"active":true}'
done
# the body is read as UTF-8: another charset, in any case, is refused
CHARSET_MSG="the body must be UTF-8: send Content-Type: application/json without a charset or with charset=utf-8 (not 'latin1')"
for route in "POST $TE/kill-switch" "PATCH $RE/limits" \
    "PATCH $REG/symbols/AAPL"; do
    bad "${route% *} ${route#* } as application/json; charset=latin1" 415 \
        unsupported_media_type "$CHARSET_MSG" ${route% *} "${route#* }" \
        -H "$TOKEN" -H "Content-Type: application/json; charset=latin1" \
        -d '{"active":true}'
done
bad "registry import as text/csv; Charset=\"ISO-8859-1\"" 415 \
    unsupported_media_type \
    "the body must be UTF-8: send Content-Type: text/csv without a charset or with charset=utf-8 (not 'ISO-8859-1')" \
    POST "$REG/symbols/import" -H "$TOKEN" \
    -H 'Content-Type: text/csv; Charset="ISO-8859-1"' \
    --data-binary $'ticker,name,sector,aliases\nAAPL,Apple Inc,,\n'
bad "query-api kill switch as text/plain (trading-engine's answer)" 415 \
    unsupported_media_type "$MEDIA_MSG" POST "$QA/trading/kill-switch" \
    -H "$TOKEN" -H "Content-Type: text/plain" -d '{"active":true}'
# Parameters and any case of the media type are taken: these get as far
# as the fields.
bad "kill switch as Application/JSON; charset=utf-8" 400 bad_request \
    "active must be true or false" POST "$TE/kill-switch" -H "$TOKEN" \
    -H "Content-Type: Application/JSON; charset=utf-8" -d '{"active":1}'
bad "risk-engine PATCH /limits as application/json;charset=UTF-8" 400 \
    bad_request "nothing to change: give limits (at least one) and/or \
restricted" PATCH "$RE/limits" \
    -H "$TOKEN" -H "Content-Type: application/json;charset=UTF-8" -d '{}'
bad "risk-engine PATCH /limits of no limit: as an empty body" 400 \
    bad_request "nothing to change: give limits (at least one) and/or \
restricted" PATCH "$RE/limits" -H "$TOKEN" -H "$JSON" -d '{"limits":{}}'

group "methods"
# not_allowed WHAT ALLOW METHOD URL: the exact 405 with its Allow header,
# asked without a token (a method no route has is not a question of
# auth).
not_allowed() {
    local path=/${4#http://*/}
    STATUS=$(curl -s -D "$OUT/headers" -o "$OUT/body" -w '%{http_code}' \
        --max-time 20 -X "$3" "$4")
    assert_eq "$1" "405 Allow: $2 $(err method_not_allowed \
        "$3 is not allowed on $path (allowed: $2)")" \
        "$STATUS $(grep -i '^allow:' "$OUT/headers" | tr -d '\r') $(cat "$OUT/body")"
}
not_allowed "trading-engine DELETE /status" GET DELETE "$TE/status"
not_allowed "trading-engine PUT /orders" "GET, POST" PUT "$TE/orders"
not_allowed "trading-engine POST /orders/{id}" "GET, DELETE" POST \
    "$TE/orders/hostile-1"
# (an id longer than a path segment the router keeps: the same 405)
not_allowed "trading-engine PUT /orders/{id of 150 bytes}" "GET, DELETE" PUT \
    "$TE/orders/$(printf 'x%.0s' $(seq 150))"
not_allowed "trading-engine GET /kill-switch" POST GET "$TE/kill-switch"
not_allowed "trading-engine POST /health" GET POST "$TE/health"
not_allowed "trading-engine OPTIONS /decisions" GET OPTIONS "$TE/decisions"
not_allowed "risk-engine DELETE /limits" "GET, PUT, PATCH" DELETE "$RE/limits"
not_allowed "risk-engine BREW /limits" "GET, PUT, PATCH" BREW "$RE/limits"
not_allowed "risk-engine GET /check" POST GET "$RE/check"
not_allowed "risk-engine POST /exposure" GET POST "$RE/exposure"
not_allowed "risk-engine PUT /metrics" GET PUT "$RE/metrics"
# A path no route has is 404 with or without a token, whatever the
# method (it was 401 without one for a POST on the trading-engine).
bad "trading-engine POST /nope without a token" 404 not_found \
    "no such route; see GET /docs" POST "$TE/nope" -H "$JSON" -d '{}'
bad "risk-engine DELETE /nope without a token" 404 not_found \
    "no such route; see GET /docs" DELETE "$RE/nope"
# The routes that take a body take no query parameter either.
bad "risk-engine POST /check?dry=1" 400 bad_request \
    "unknown query parameter 'dry'" POST "$RE/check?dry=1" -H "$JSON" \
    -H "$TOKEN" -d '{}'
bad "trading-engine POST /kill-switch?force=1" 400 bad_request \
    "unknown query parameter 'force'" POST "$TE/kill-switch?force=1" \
    -H "$JSON" -H "$TOKEN" -d '{"active":true}'
for url in "$TE/status" "$TE/orders/hostile-1" "$RE/limits" "$RE/health"; do
    assert_eq "HEAD ${url#http://*/} is answered as GET" 200 \
        "$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -I "$url")"
done

group "wrong types"
bad "kill switch: active as a string" 400 bad_request \
    "active must be true or false" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" -d '{"active":"true"}'
bad "kill switch: active as 1" 400 bad_request \
    "active must be true or false" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" -d '{"active":1}'
bad "kill switch: reason as a number" 400 bad_request \
    "reason must be text of at most 500 bytes, without control characters" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d '{"active":true,"reason":5}'
bad "kill switch: reason with control characters" 400 bad_request \
    "reason must be text of at most 500 bytes, without control characters" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d '{"active":true,"reason":"a\r\n.\r\nRCPT TO:<x@example.test>"}'
bad "kill switch: a reason that turns itself around (U+202E)" 400 \
    bad_request \
    "reason must be text of at most 500 bytes, without control characters" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d '{"active":true,"reason":"ok \u202e deen ton seod"}'
bad "kill switch: a 10 kB reason" 400 bad_request \
    "reason must be text of at most 500 bytes, without control characters" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d "{\"active\":true,\"reason\":\"$(head -c 10000 /dev/zero | tr '\0' x)\"}"
QTY_MSG="qty must be a whole number of shares, 1 to 1000000000"
bad "manual order: qty as a string" 400 bad_request "$QTY_MSG" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":"5"}'
bad "manual order: fractional qty" 400 bad_request "$QTY_MSG" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1.5}'
bad "manual order: ticker as a number" 400 bad_request \
    "ticker must be a valid ticker symbol" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" -d '{"ticker":7,"side":"buy","qty":1}'
bad "manual order: side as a list" 400 bad_request \
    "side must be buy or sell, type market or limit" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":["buy"],"qty":1}'
bad "manual order: limit price as a number" 400 bad_request \
    "limit_price must be dollars as a string, like \"12.34\", at most \
10000000000000.00" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"type":"limit","limit_price":12.34}'
bad "manual order: limit price over the largest amount" 400 bad_request \
    "limit_price must be dollars as a string, like \"12.34\", at most \
10000000000000.00" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"type":"limit",
        "limit_price":"99999999999999999.99"}'
bad "manual order: extended_hours as a string" 400 bad_request \
    "extended_hours must be true or false" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"extended_hours":"yes"}'
# An intent for POST /check, less qty and exec_minute (JSON allows the
# line break).
CHECK='"client_order_id":"hostile-chk","ticker":"AAPL","side":"buy",
    "type":"market","decision_day":"2011-09-08","exec_day":"2011-09-09"'
bad "check: qty as a string" 400 bad_request "$QTY_MSG" \
    POST "$RE/check" -H "$JSON" -H "$TOKEN" -d "{$CHECK,\"qty\":\"1\",\"exec_minute\":570}"
DAY_MSG="decision_day and exec_day must be dates YYYY-MM-DD from"
DAY_MSG+=" 1970-01-01 to a month ahead, exec_minute 0-1439"
bad "check: a day that is not a date" 400 bad_request "$DAY_MSG" \
    POST "$RE/check" -H "$JSON" -H "$TOKEN" \
    -d "{${CHECK/2011-09-08/2011-02-30},\"qty\":1,\"exec_minute\":570}"
bad "check: a day without its dashes (the message asks for them)" 400 \
    bad_request "$DAY_MSG" POST "$RE/check" -H "$JSON" -H "$TOKEN" \
    -d "{${CHECK/2011-09-08/20110908},\"qty\":1,\"exec_minute\":570}"
bad "check: year 9999 (PostgreSQL would refuse it: 503)" 400 bad_request \
    "$DAY_MSG" POST "$RE/check" -H "$JSON" -H "$TOKEN" \
    -d "{${CHECK/2011-09-09/9999-12-31},\"qty\":1,\"exec_minute\":570}"
bad "limits: a value as a string" 400 bad_request \
    "max_orders_per_day must be a whole number from 0 to 1000000 (count)" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"limits":{"max_orders_per_day":"5"}}'
bad "limits: a list, not an object" 400 bad_request \
    "limits must be an object of name: value" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" -d '{"limits":[1]}'
bad "limits: restricted as a string" 400 bad_request \
    "restricted must be a list of at most 5000 tickers" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" -d '{"restricted":"AAPL"}'
bad "limits: a number in restricted" 400 bad_request \
    "restricted[1] is not a ticker" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" -d '{"restricted":["AAPL",5]}'
bad "registry PATCH: sector as a number" 400 invalid_field \
    "field 'sector' must be a string" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" -d '{"sector":5}'
bad "registry PATCH: active as a string" 400 invalid_field \
    "field 'active' must be true or false" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" -d '{"active":"false"}'

group "huge and negative numbers"
bad "manual order: qty past 64 bits" 400 bad_request \
    "the body is not valid JSON: too big integer near '99999999999999999999' (line 1, column 56)" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":99999999999999999999}'
bad "manual order: qty 1e30" 400 bad_request "$QTY_MSG" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1e30}'
bad "manual order: qty one past the limit" 400 bad_request "$QTY_MSG" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1000000001}'
bad "manual order: negative qty" 400 bad_request "$QTY_MSG" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"sell","qty":-5}'
bad "manual order: negative limit price" 400 bad_request \
    "limit_price must be more than 0" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"type":"limit","limit_price":"-12.34"}'
bad "manual order: zero limit price" 400 bad_request \
    "limit_price must be more than 0" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"type":"limit","limit_price":"0.00"}'
bad "manual order: a limit in fractions of a cent" 400 bad_request \
    "limit_price must be whole cents, at most 2 decimals" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"type":"limit","limit_price":"12.345"}'
bad "manual order: a limit price on a market order" 400 bad_request \
    "limit_price is for a limit order (\"type\":\"limit\")" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"type":"market","limit_price":"1.00"}'
bad "check: negative qty" 400 bad_request "$QTY_MSG" \
    POST "$RE/check" -H "$JSON" -H "$TOKEN" -d "{$CHECK,\"qty\":-1,\"exec_minute\":570}"
bad "check: minute past the day" 400 bad_request \
    "$DAY_MSG" \
    POST "$RE/check" -H "$JSON" -H "$TOKEN" \
    -d "{$CHECK,\"qty\":1,\"exec_minute\":9223372036854775807}"
bad "limits: a negative limit" 400 bad_request \
    "max_orders_per_day must be a whole number from 0 to 1000000 (count)" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"limits":{"max_orders_per_day":-1}}'
bad "limits: the largest 64-bit integer" 400 bad_request \
    "max_orders_per_day must be a whole number from 0 to 1000000 (count)" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"limits":{"max_orders_per_day":9223372036854775807}}'
bad "limits: 1e400" 400 bad_request \
    "the body is not valid JSON: real number overflow near '1e400' (line 1, column 37)" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"limits":{"max_orders_per_day":1e400}}'
for route in orders decisions; do
    for v in 99999999999999999999 -1 0 5abc 1e3 ''; do
        bad "trading-engine /$route?limit=$v" 400 bad_request \
            "limit must be a whole number from 1 to 1000" \
            GET "$TE/$route?limit=$v"
    done
done
bad "query-api: negative page size" 400 invalid_parameter \
    "limit must be an integer from 1 to 500" GET "$QA/orders?limit=-1"
bad "query-api: negative id" 400 invalid_parameter "$ID_MSG" \
    GET "$QA/orders/-1"
bad "query-api: id 0" 400 invalid_parameter "$ID_MSG" \
    GET "$QA/orders/0/lineage"
bad "query-api: id as a float" 400 invalid_parameter "$ID_MSG" \
    GET "$QA/documents/1e3"

group "unknown fields and parameters"
bad "kill switch: an unknown field" 400 unknown_field \
    "unknown field 'force'; the fields are active, reason" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d '{"active":true,"force":true}'
bad "kill switch through query-api: an unknown field" 400 unknown_field \
    "unknown field 'mode'; the fields are active, reason" \
    POST "$QA/trading/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d '{"active":true,"mode":"live"}'
bad "manual order: an unknown field" 400 unknown_field \
    "unknown field 'exec_day'; the fields are client_order_id, ticker, side, type, qty, limit_price, extended_hours" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d '{"ticker":"AAPL","side":"buy","qty":1,"exec_day":"2011-09-09"}'
bad "check: an unknown field" 400 unknown_field \
    "unknown field 'allowed'; the fields are client_order_id, ticker, side, qty, type, limit_price, extended_hours, decision_day, exec_day, exec_minute" \
    POST "$RE/check" -H "$JSON" -H "$TOKEN" \
    -d "{$CHECK,\"qty\":1,\"exec_minute\":570,\"allowed\":true}"
bad "limits: an unknown field" 400 unknown_field \
    "unknown field 'trading_mode'; the fields are limits, restricted" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"limits":{},"trading_mode":"live"}'
bad "limits: an unknown limit" 400 bad_request \
    "unknown limit 'max_leverage'" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" -d '{"limits":{"max_leverage":2}}'
bad "registry PATCH: an unknown field" 400 unknown_field \
    "unknown field 'owner'; the fields are ticker, name, sector, active, aliases and alt_tickers" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" -d '{"owner":"me"}'
# Every operation of the trading services' /openapi.json but the probes
# (which take any query string): an unknown query parameter, with the
# token, and an encoded NUL that would cut the path short.
ops=0
for base in "$TE" "$RE"; do
    while read -r method path; do
        url=$base${path/\{client_order_id\}/hostile-1}
        bad "$method $base$path?x=1" 400 bad_request \
            "unknown query parameter 'x'" "$method" "$url?x=1" -H "$TOKEN"
        bad "$method $base$path%00" 400 invalid_request "$NUL_MSG" \
            "$method" "$url%00.json" -H "$TOKEN"
        ops=$((ops + 1))
    done < <(curl -s "$base/openapi.json" | jq -r '.paths | to_entries[] |
        select(.key | IN("/health", "/ready", "/metrics", "/docs",
            "/openapi.json") | not) | .key as $p | .value | keys[] |
        "\(ascii_upcase) \($p)"')
done
assert_eq "trading operations sent an unknown parameter and a NUL" 12 "$ops"
# A query string over 2048 bytes is refused on every service with 414,
# as query-api refuses it, before its parameters are looked at.
long=$(head -c 5000 /dev/zero | tr '\0' 'a')
for url in "$QA/signals" "$REG/symbols" "$TE/status" "$TE/orders" \
    "$RE/exposure" "$RE/limits"; do
    bad "${url#http://127.0.0.1:} with a 5,000-byte query" 414 query_too_long \
        "the query string is longer than 2048 bytes" GET "$url?x=$long"
done
bad "a long query of a name given twice: 414 first" 414 query_too_long \
    "the query string is longer than 2048 bytes" \
    GET "$TE/orders?limit=1&limit=2&x=$long"
# A parameter given twice is refused on every service before any route
# runs (no first or last value wins), under any spelling of its name.
twice() { echo "query parameter '$1' is given more than once; give it once"; }
bad "trading-engine /orders?limit=1&limit=1000" 400 invalid_parameter \
    "$(twice limit)" GET "$TE/orders?limit=1&limit=1000"
bad "trading-engine /orders?status=open&st%61tus=all" 400 invalid_parameter \
    "$(twice status)" GET "$TE/orders?status=open&st%61tus=all"
bad "risk-engine /exposure?day=...&day=..." 400 invalid_parameter \
    "$(twice day)" GET "$RE/exposure?day=2011-09-09&day=2011-09-12"
bad "query-api /signals?limit=1&limit=2" 400 invalid_parameter \
    "$(twice limit)" GET "$QA/signals?limit=1&limit=2"
bad "registry /symbols?active=true&active=false" 400 invalid_parameter \
    "$(twice active)" GET "$REG/symbols?active=true&active=false"
bad "query-api kill switch?x&x, before the token" 400 invalid_parameter \
    "$(twice x)" POST "$QA/trading/kill-switch?x&x" -H "$JSON" \
    -d '{"active":true}'
EXPO_MSG="day must be a date YYYY-MM-DD from 1970-01-01 to a month ahead"
bad "risk-engine /exposure?day=20111230 (YYYY-MM-DD only)" 400 bad_request \
    "$EXPO_MSG" GET "$RE/exposure?day=20111230"
bad "risk-engine /exposure?day=tomorrow" 400 bad_request "$EXPO_MSG" \
    GET "$RE/exposure?day=tomorrow"
bad "risk-engine /exposure?day=0000-01-01" 400 bad_request "$EXPO_MSG" \
    GET "$RE/exposure?day=0000-01-01"

group "10 MB bodies"
for route in "POST $REG/symbols" "POST $REG/symbols/import" \
    "PATCH $REG/symbols/AAPL" "DELETE $REG/symbols/AAPL" \
    "POST $QA/trading/kill-switch" "GET $QA/orders" "POST $TE/orders" \
    "POST $TE/kill-switch" "POST $RE/check" "PUT $RE/limits" \
    "PATCH $RE/limits" "GET $RE/limits"; do
    bad "${route% *} ${route#* }: 10 MB" 413 payload_too_large "$BIG_MSG" \
        ${route% *} "${route#* }" -H "$JSON" -H "$TOKEN" \
        --data-binary @"$OUT/10mb.json"
done

group "invalid UTF-8"
printf '{"active":false,"reason":"\xc3\x28"}' >"$OUT/utf8-reason.json"
printf '{"ticker":"AAPL","side":"buy","qty":1,"client_order_id":"\xff"}' \
    >"$OUT/utf8-coid.json"
printf '{"limits":{"\xed\xa0\x80":1}}' >"$OUT/utf8-key.json"
printf '{"name":"Apple \xf8\x88\x80\x80\x80"}' >"$OUT/utf8-name.json"
printf 'ticker,name,sector,aliases\nXYZ,\xff\xfe,,\n' >"$OUT/utf8.csv"
printf 'ticker,name,sector,aliases\nXYZ,Xyz\x00Corp,,\n' >"$OUT/nul.csv"
printf 'ticker,name,sector,aliases\rXYZ,Xyz Corp,,\r' >"$OUT/cr.csv"
bad "kill switch: a broken sequence" 400 bad_request \
    "the body is not valid JSON: unable to decode byte 0xc3 near '\"' (line 1, column 26)" \
    POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" \
    --data-binary @"$OUT/utf8-reason.json"
bad "manual order: 0xff in the id" 400 bad_request \
    "the body is not valid JSON: unable to decode byte 0xff near '\"' (line 1, column 57)" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    --data-binary @"$OUT/utf8-coid.json"
bad "limits: a surrogate in a key" 400 bad_request \
    "the body is not valid JSON: unable to decode byte 0xed near '\"' (line 1, column 12)" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" --data-binary @"$OUT/utf8-key.json"
bad "registry PATCH: a five-byte sequence" 400 invalid_json \
    "the request body is not valid JSON: unable to decode byte 0xf8 near '\"Apple ' (line 1, column 15)" \
    PATCH "$REG/symbols/AAPL" -H "$JSON" -H "$TOKEN" \
    --data-binary @"$OUT/utf8-name.json"
bad "registry import: 0xff 0xfe in a name" 400 invalid_csv \
    "line 2: the name must be UTF-8 text without control characters" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$OUT/utf8.csv"
bad "registry import: a NUL byte in a name" 400 invalid_csv \
    "line 2: contains a NUL byte; send UTF-8 text" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$OUT/nul.csv"
bad "registry import: old Mac line ends (a carriage return alone)" 400 \
    invalid_csv "line 1: a carriage return that ends no line: end lines \
with \\n or \\r\\n" \
    POST "$REG/symbols/import" -H "Content-Type: text/csv" -H "$TOKEN" \
    --data-binary @"$OUT/cr.csv"
bad "trading-engine: 0xff 0xfe as an order id" 400 bad_request "$COID_MSG" \
    GET "$TE/orders/%FF%FE"
bad "trading-engine: 0xff as a status" 400 bad_request \
    "status must be open or all" GET "$TE/orders?status=%FF"
bad "query-api: 0xff in a text filter" 400 invalid_parameter \
    "source must be UTF-8 text without control characters" \
    GET "$QA/documents?source=%FF%FE"
bad "query-api: 0xc0 0xaf as a ticker" 400 invalid_ticker \
    "the ticker in the path $TICKER_MSG" GET "$QA/symbols/%C0%AF"
bad "registry: 0xff as a ticker to delete" 400 invalid_ticker \
    "the ticker in the path $TICKER_MSG" DELETE "$REG/symbols/%FF" -H "$TOKEN"

group "path traversal and NULs in ids"
bad "trading-engine: ../../etc/passwd as an order id" 404 not_found \
    "no such route; see GET /docs" GET "$TE/orders/..%2F..%2Fetc%2Fpasswd"
bad "trading-engine: ../ unencoded" 400 bad_request "$COID_MSG" \
    GET "$TE/orders/..%2E"
bad "trading-engine: an order id of 300 bytes" 400 bad_request "$COID_MSG" \
    GET "$TE/orders/$(head -c 300 /dev/zero | tr '\0' a)"
bad "trading-engine: a NUL in an order id" 400 invalid_request "$NUL_MSG" \
    GET "$TE/orders/hostile-1%00x"
bad "query-api: ../../etc/passwd as an order id" 404 not_found \
    "no route for GET /orders/../../etc/passwd" \
    GET "$QA/orders/..%2F..%2Fetc%2Fpasswd"
bad "query-api: ../ as a queue" 404 not_found \
    "no route for GET /pipeline/dead/../../etc" \
    GET "$QA/pipeline/dead/..%2F..%2Fetc"
bad "query-api: a queue that is not one" 404 not_found \
    "no queue of that name; the queues are listed by /pipeline/status" \
    GET "$QA/pipeline/dead/stonks:queue:parsing"
bad "registry: ../../etc/passwd as a ticker" 404 not_found \
    "no route for PATCH /symbols/../../etc/passwd" \
    PATCH "$REG/symbols/..%2F..%2Fetc%2Fpasswd" -H "$JSON" -H "$TOKEN" \
    -d '{"sector":"x"}'
QNUL_MSG="the query string contains an encoded NUL byte (%00)"
bad "query-api: AAPL%00x is no ticker" 400 invalid_request "$QNUL_MSG" \
    GET "$QA/signals?ticker=AAPL%00x"
bad "trading-engine: all%00x is no status" 400 invalid_request "$QNUL_MSG" \
    GET "$TE/orders?status=all%00x"
# (free text kept "%00" as text: a search for it, answered 200)
bad "query-api: a NUL in a source" 400 invalid_request "$QNUL_MSG" \
    GET "$QA/documents?source=%00"
bad "registry: a NUL in a sector" 400 invalid_request "$QNUL_MSG" \
    GET "$REG/symbols?sector=a%00b"
bad "registry: .. as a ticker" 400 invalid_ticker \
    "the ticker in the path $TICKER_MSG" DELETE "$REG/symbols/.." -H "$TOKEN" \
    --path-as-is
bad "registry: MSFT%00 does not delete MSFT" 400 invalid_request "$NUL_MSG" \
    DELETE "$REG/symbols/MSFT%00" -H "$TOKEN"
bad "registry: AAPL%00x does not change AAPL" 400 invalid_request "$NUL_MSG" \
    PATCH "$REG/symbols/AAPL%00x" -H "$JSON" -H "$TOKEN" -d '{"sector":"x"}'
bad "risk-engine: /limits/../limits" 404 not_found \
    "no such route; see GET /docs" GET "$RE/limits/..%2Flimits"

group "SQL metacharacters"
bad "trading-engine: an order id with a quote" 400 bad_request "$COID_MSG" \
    GET "$TE/orders/x%27%20OR%20%271%27=%271"
bad "trading-engine: a status with a quote" 400 bad_request \
    "status must be open or all" GET "$TE/orders?status=all%27--"
bad "manual order: SQL as the client order id" 400 bad_request \
    "client_order_id must be 1-47 letters, digits, '-' or '_'" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d "{\"ticker\":\"AAPL\",\"side\":\"buy\",\"qty\":1,\"client_order_id\":\"x'); DROP TABLE orders;--\"}"
bad "manual order: SQL as the ticker" 400 bad_request \
    "ticker must be a valid ticker symbol" \
    POST "$TE/orders" -H "$JSON" -H "$TOKEN" \
    -d "{\"ticker\":\"AAPL' OR '1'='1\",\"side\":\"buy\",\"qty\":1}"
bad "check: SQL as the ticker" 400 bad_request \
    "ticker must be a valid ticker symbol" \
    POST "$RE/check" -H "$JSON" -H "$TOKEN" \
    -d "{${CHECK/\"AAPL\"/\"AAPL;DELETE FROM orders\"},\"qty\":1,
        \"exec_minute\":570}"
bad "limits: SQL as a limit name" 400 bad_request \
    "unknown limit 'max_orders_per_day; DROP TABLE risk_limits'" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d '{"limits":{"max_orders_per_day; DROP TABLE risk_limits":1}}'
bad "limits: SQL as a restricted ticker" 400 bad_request \
    "restricted[0] is not a ticker" \
    PATCH "$RE/limits" -H "$JSON" -H "$TOKEN" \
    -d "{\"restricted\":[\"XOM'); DELETE FROM restricted_tickers;--\"]}"
bad "exposure: SQL as the day" 400 bad_request "$EXPO_MSG" \
    GET "$RE/exposure?day=2011-09-01%27--"
bad "query-api: SQL as an order status" 400 invalid_parameter \
    "status must be one of: queued, submitting, accepted, partially_filled, filled, canceled, expired, rejected, denied, open" \
    GET "$QA/orders?status=filled%27%20OR%201=1--"
# A reason is only text: with the switch already off, nothing changes.
call POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" \
    -d "{\"active\":false,\"reason\":\"x'); DROP TABLE kill_switch;--\"}"
assert_eq "kill switch: SQL in a reason is only text" \
    '200 {"active":false,"changed":false,"mode":"paper"}' \
    "$STATUS $(echo "$BODY" | canon)"

group "header injection and framing"
CR_MSG="a request header contains a control character (CR, LF, NUL or another byte below 0x20)"
TWO_CL="the request has more than one Content-Length header"
CL_TE="the request has both Content-Length and Transfer-Encoding headers; send one of them"
for target in 18501:/trading/kill-switch 18503:/kill-switch; do
    port=${target%%:*} path=${target#*:}
    bad_raw "$port: CR inside the token" 400 invalid_request "$CR_MSG" \
        "$port" "POST $path HTTP/1.1"$'\r\nHost: x\r\nConnection: close\r\n'"Authorization: Bearer it-hostile-token-0123456789"$'\rX-Injected: 1\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"active":true}'
    bad_raw "$port: CR inside Content-Type" 400 invalid_request "$CR_MSG" \
        "$port" "POST $path HTTP/1.1"$'\r\nHost: x\r\nConnection: close\r\n'"$TOKEN"$'\r\nContent-Type: application/json\rX-Injected: 1\r\nContent-Length: 15\r\n\r\n{"active":true}'
    bad_raw "$port: two Content-Lengths" 400 invalid_request "$TWO_CL" \
        "$port" "POST $path HTTP/1.1"$'\r\nHost: x\r\nConnection: close\r\n'"$TOKEN"$'\r\nContent-Type: application/json\r\nContent-Length: 15\r\nContent-Length: 16\r\n\r\n{"active":true} '
    bad_raw "$port: Content-Length with chunked" 400 invalid_request \
        "$CL_TE" "$port" "POST $path HTTP/1.1"$'\r\nHost: x\r\nConnection: close\r\n'"$TOKEN"$'\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\nf\r\n{"active":true}\r\n0\r\n\r\n'
done
for target in 18502:/symbols/MSFT 18504:/limits; do
    port=${target%%:*} path=${target#*:}
    bad_raw "$port: CR inside a header" 400 invalid_request "$CR_MSG" \
        "$port" "DELETE $path HTTP/1.1"$'\r\nHost: x\r\nConnection: close\r\nX-Forwarded-For: 1.2.3.4\rSet-Cookie: a=b\r\n'"$TOKEN"$'\r\n\r\n'
    bad_raw "$port: two Content-Lengths" 400 invalid_request "$TWO_CL" \
        "$port" "PATCH $path HTTP/1.1"$'\r\nHost: x\r\nConnection: close\r\n'"$TOKEN"$'\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}'
done
for url in "$QA/health" "$REG/symbols" "$TE/status" "$RE/limits"; do
    call GET "$url" -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)"
    assert_eq "$url: a 40 kB header" "431 1" \
        "$STATUS $(grep -c 'HTTP header was too big' <<<"$BODY")"
done
many=()
for i in $(seq 1 1500); do many+=(-H "X-H$i: $i$i$i$i$i$i$i$i$i$i"); done
call GET "$QA/health" "${many[@]}"
assert_eq "query-api: 1500 headers" "431" "$STATUS"
rid=$(curl -s -D - -o /dev/null "$REG/health" \
    -H "X-Request-Id: <script>alert(1)</script>$(head -c 200 /dev/zero | tr '\0' a)" |
    tr -d '\r' | sed -n 's/^X-Request-Id: //p')
assert_eq "a hostile X-Request-Id is replaced by one of ours" "1" \
    "$([[ $rid =~ ^[0-9a-f]{16}$ ]] && echo 1)"

group "slow clients (HTTP_REQUEST_TIMEOUT_S=$HTTP_REQUEST_TIMEOUT_S)"
# 10 connections per service that send headers a byte every 0.5 s, and
# 10 that send a body that way: none may hold the server up, and each is
# closed by the server once the timeout has passed.
cat >"$OUT/slow.py" <<'PY'
import select, socket, sys, time
port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if mode == "headers":
    head = b"GET /health HTTP/1.1\r\nHost: x\r\n"
    rest = b"X-Slow: " + b"a" * 100 + b"\r\n\r\n"
else:
    head = (b"POST /kill-switch HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n")
    rest = b" " * 200
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head)
    socks.append(s)
t0 = time.time()
closed = {}
i = 0
while len(closed) < n and time.time() - t0 < 20:
    for s in socks:
        if s not in closed:
            try:
                s.send(rest[i:i + 1])
            except OSError:
                closed[s] = time.time() - t0
    i += 1
    end = time.time() + 0.5
    while time.time() < end:
        open_ = [s for s in socks if s not in closed]
        r, _, _ = select.select(open_, [], [], max(0, end - time.time()))
        for s in r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                closed[s] = time.time() - t0
        if not r:
            break
print(len(closed), round(min(closed.values() or [99])),
      round(max(closed.values() or [99])))
PY
slow_pids=()
for port in 18501 18502 18503 18504; do
    for mode in headers body; do
        python3 "$OUT/slow.py" "$port" 10 "$mode" >"$OUT/slow-$port-$mode" &
        slow_pids+=($!)
    done
done
sleep 1
for url in "$QA/health" "$REG/symbols/AAPL" "$TE/status" "$RE/limits"; do
    assert_eq "$url answers at once beside 20 slow clients" "200 1" \
        "$(curl -s -o /dev/null --max-time 5 -w '%{http_code} %{time_total}' \
            "$url" | awk '{print $1, ($2 < 1)}')"
done
for p in "${slow_pids[@]}"; do wait "$p"; done
for port in 18501 18502 18503 18504; do
    for mode in headers body; do
        read -r n first last <"$OUT/slow-$port-$mode"
        assert_eq "$port: slow $mode closed after the timeout, not before" \
            "10 1 1" "$n $((first >= 2)) $((last <= 8))"
    done
done

group "still standing, nothing changed"
# A valid request of each service still works and changes nothing.
call POST "$TE/kill-switch" -H "$JSON" -H "$TOKEN" -d '{"active":false}'
assert_eq "trading-engine: a valid kill-switch call" \
    '200 {"active":false,"changed":false,"mode":"paper"}' \
    "$STATUS $(echo "$BODY" | canon)"
call GET "$RE/limits"
assert_eq "risk-engine: the limits, XOM restricted" "200 [\"XOM\"]" \
    "$STATUS $(echo "$BODY" | jq -c .restricted)"
call GET "$QA/orders/$(sql "SELECT id FROM orders WHERE client_order_id =
    'hostile-1'")"
assert_eq "query-api: the order is still there" "200 hostile-1" \
    "$STATUS $(echo "$BODY" | jq -r .client_order_id)"
call GET "$REG/symbols/MSFT"
assert_eq "registry: MSFT is still active" "200 true" \
    "$STATUS $(echo "$BODY" | jq -r .active)"
for svc in query-api symbol-registry trading-engine risk-engine; do
    v="PID_${svc//-/_}"
    port=$(case $svc in query-api) echo 18501 ;; symbol-registry) echo 18502 ;;
        trading-engine) echo 18503 ;; *) echo 18504 ;; esac)
    assert_eq "$svc: /health 200 from the same process" "200 alive" \
        "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health") $(kill -0 "${!v}" 2>/dev/null && echo alive)"
done
snapshot >"$OUT/after"
assert_same_state "orders, decisions, limits, kill switch, verdicts, symbols" \
    "$OUT/before" "$OUT/after"
assert_eq "no 5xx and no error in the services' logs" "0" \
    "$(cat "$OUT"/query-api.log "$OUT"/symbol-registry.log \
        "$OUT"/trading-engine.log "$OUT"/risk-engine.log |
        grep -c '"status":5\|"level":"error"')"

for svc in query-api symbol-registry trading-engine risk-engine; do
    v="PID_${svc//-/_}"
    kill "${!v}"
    wait "${!v}"
    assert_eq "$svc exits 0 on SIGTERM" "0" "$?"
done
PIDS=()
finish
