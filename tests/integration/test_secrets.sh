#!/usr/bin/env bash
# Secrets never leak (issue 12): every secret setting gets a known,
# distinctive value ("s3cr3t-canary-<name>-7411"), then a short demo
# replay, query-api and symbol-registry with good and bad tokens, their
# /metrics, /docs and /openapi.json, and `stonks config` errors run; no
# output of any of it (stdout, stderr, every file under the var dir,
# every HTTP answer and header) may contain a canary. Also:
# STONKS_ENV=production refuses empty passwords (exit 2, the variable
# named). REDIS_PASSWORD is not set: the private Redis has none, and
# the services would fail to log in; it is covered by the unit test
# tests/unit/test_secrets.c (config) and by the config checks here.
# POSTGRES_PASSWORD is set: the private PostgreSQL trusts local
# connections and ignores it.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

export REPLAY_TICKERS=AAPL REPLAY_START=2011-09-01 REPLAY_END=2011-09-09
export STONKS_VAR_DIR=$ROOT/var/it-secrets
export OBJECT_STORE_DIR=$STONKS_VAR_DIR/objects
export QUEUE_BLOCK_MS=100
C=s3cr3t-canary
export POSTGRES_PASSWORD=$C-postgres-7411
export API_TOKENS="$C-api-token-7411, $C-api-token2-7411"
export BROKER_API_KEY=$C-broker-key-7411
export BROKER_API_SECRET=$C-broker-secret-7411
export GMAIL_APP_PASSWORD=$C-gmail-7411
export MARKET_DATA_API_KEY=$C-market-data-7411
export MINIO_ACCESS_KEY=$C-minio-access-7411
export MINIO_SECRET_KEY=$C-minio-secret-7411
# Nothing may go to any other host: no provider, broker, SMTP or Ollama
# URL, the paper broker, the file object store.
export BROKER=paper OBJECT_STORE=fs SMTP_URL= BROKER_BASE_URL=
export ALPACA_DATA_URL= POLYGON_BASE_URL= OLLAMA_URL= TRINO_URL=
export API_READ_AUTH=1
export QUERY_API_URL=http://127.0.0.1:18301
export REGISTRY_URL=http://127.0.0.1:18302
export TRADING_ENGINE_URL=http://127.0.0.1:18303
export RISK_ENGINE_URL=http://127.0.0.1:18304
QA=http://127.0.0.1:18301
REG=http://127.0.0.1:18302
OUT=$STONKS_VAR_DIR/out
pids=()

rm -rf "$STONKS_VAR_DIR"
mkdir -p "$OUT"
fresh_db stonks_it_secrets
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
}
trap cleanup EXIT

# While the demo runs, its children's /metrics and /ready (ports 18311
# and up, one per child; its query-api and symbol-registry on 18301 and
# 18302) are fetched again and again.
echo "running $BIN demo over $REPLAY_TICKERS $REPLAY_START..$REPLAY_END"
# (half a second a day at least: a demo of six days could end before a
# round of the loop below reached a child)
STONKS_DEMO_HTTP_BASE=18311 REPLAY_PACE_MS=500 "$BIN" demo \
    >"$OUT/demo.out" 2>"$OUT/demo.err" &
demo_pid=$!
pids+=("$demo_pid")
while kill -0 "$demo_pid" 2>/dev/null; do
    for port in $(seq 18301 18304) $(seq 18311 18330); do
        curl -s -m 1 -o "$OUT/demo-$port.tmp" "127.0.0.1:$port/metrics" &&
            mv "$OUT/demo-$port.tmp" "$OUT/demo-$port-metrics"
        curl -s -m 1 -o "$OUT/demo-$port-ready" "127.0.0.1:$port/ready"
    done
    sleep 0.2
done
wait "$demo_pid"
assert_eq "demo exit status" "0" "$?"
rm -f "$OUT"/demo-*.tmp
assert_eq "demo children answered /metrics" "1" \
    "$(ls "$OUT"/demo-*-metrics >/dev/null 2>&1 && echo 1)"

TRADING_ENGINE_URL=http://127.0.0.1:1 RISK_ENGINE_URL=http://127.0.0.1:1 \
    HTTP_PORT=18301 "$BIN" query-api >"$OUT/query-api.log" 2>&1 &
qa_pid=$!
HTTP_PORT=18302 "$BIN" symbol-registry >"$OUT/registry.log" 2>&1 &
reg_pid=$!
pids+=("$qa_pid" "$reg_pid")
up=0
for _ in $(seq 1 100); do
    kill -0 "$qa_pid" 2>/dev/null && kill -0 "$reg_pid" 2>/dev/null ||
        break
    if curl -sf "$QA/health" >/dev/null &&
        curl -sf "$REG/health" >/dev/null; then
        up=1
        break
    fi
    sleep 0.1
done
assert_eq "both services up on 18301, 18302" "1" "$up"

# req NAME curl-args...: the answer goes to $OUT/http-NAME.*
req() {
    curl -s -D "$OUT/http-$1.headers" -o "$OUT/http-$1.body" \
        -w '%{http_code}' "${@:2}"
}
GOOD="Authorization: Bearer $C-api-token-7411"
JSON="Content-Type: application/json"
for base in "$QA" "$REG"; do
    s=${base##*:}
    assert_eq "$base no token" "401" "$(req $s-none "$base/symbols")"
    assert_eq "$base wrong token" "401" "$(req $s-wrong "$base/symbols" \
        -H "Authorization: Bearer $C-api-token-7412")"
    assert_eq "$base token prefix" "401" "$(req $s-prefix "$base/symbols" \
        -H "Authorization: Bearer $C-api-token")"
    assert_eq "$base basic auth" "401" "$(req $s-basic "$base/symbols" \
        -u "user:$C-api-token-7411")"
    assert_eq "$base good token" "200" \
        "$(req $s-good "$base/symbols" -H "$GOOD")"
    req $s-docs "$base/docs" >/dev/null
    req $s-openapi "$base/openapi.json" >/dev/null
    req $s-ready "$base/ready" >/dev/null
done
assert_eq "kill switch, wrong token" "401" "$(req kill \
    -X POST "$QA/trading/kill-switch" -H "$JSON" -d '{"on":true}' \
    -H "Authorization: Bearer $C-broker-secret-7411")"
assert_eq "registry POST, wrong token" "401" "$(req post \
    -X POST "$REG/symbols" -H "$JSON" -d '{"ticker":"ZZZZ"}' \
    -H "Authorization: Bearer $C-minio-secret-7411")"
req badjson -X POST "$REG/symbols" -H "$JSON" -H "$GOOD" \
    -d "{\"ticker\":\"$C-gmail\"" >/dev/null
assert_eq "query-api /metrics" "200" "$(req qa-metrics "$QA/metrics")"
assert_eq "registry /metrics" "200" "$(req reg-metrics "$REG/metrics")"
kill "$qa_pid" "$reg_pid"
wait "$qa_pid" "$reg_pid" 2>/dev/null

# stonks config: valid, an invalid value, production refusals.
"$BIN" config >"$OUT/config-ok.out" 2>&1
assert_eq "config exit, valid settings" "0" "$?"
"$BIN" config --markdown >"$OUT/config-md.out" 2>&1
assert_eq "README's settings table is what config --markdown prints" "" \
    "$(grep -vxF -f "$ROOT/README.md" "$OUT/config-md.out")"
POSTGRES_PORT=x "$BIN" config >"$OUT/config-bad.out" 2>&1
assert_eq "config exit, bad value" "2" "$?"
out=$(CORS_ORIGIN=$'http://a\r\nX-Evil: 1' "$BIN" config 2>&1)
assert_eq "config: no line break in a setting" "2 stonks config: \
CORS_ORIGIN may not hold control characters (a line break, a tab...) nor \
bytes that are not UTF-8" "$? $out"
out=$(INGEST_USER_AGENT=$'stonks\r\nX-Evil: 1' "$BIN" config 2>&1)
assert_eq "config: nor in the user agent (a header of ours)" \
    "2 stonks config: INGEST_USER_AGENT may not hold control characters (a \
line break, a tab...) nor bytes that are not UTF-8" "$? $out"
out=$(REPLAY_DIR=$'/tmp/x\x9b2J' "$BIN" config 2>&1)
assert_eq "config: nor a byte that is not UTF-8 (0x9b: a terminal's CSI)" \
    "2 stonks config: REPLAY_DIR may not hold control characters (a line \
break, a tab...) nor bytes that are not UTF-8" "$? $out"
out=$(POSTGRES_PORT=$'\e[2J' "$BIN" config 2>&1)
assert_eq "config: a wrong value is quoted without its escapes" \
    "2 stonks config: POSTGRES_PORT must be a whole number from 1 to 65535, \
got '?[2J'" "$? $out"
out=$(CORS_ORIGIN=http://a/x "$BIN" config 2>&1)
assert_eq "config: CORS_ORIGIN must be an origin" "2 stonks config: \
CORS_ORIGIN must be *, or an origin: http:// or https://, a host and an \
optional port, no path (http://127.0.0.1:8080)" "$? $out"
out=$(CORS_ORIGIN=HTTP://Dashboard.test "$BIN" config 2>&1)
assert_eq "config: CORS_ORIGIN in capitals would never match an Origin" \
    "2 stonks config: CORS_ORIGIN must be in lower case, as browsers send \
the Origin header (http://dashboard.example:8080)" "$? $out"
out=$(SMTP_URL=notaurl "$BIN" config 2>&1)
assert_eq "config: SMTP_URL must be an SMTP URL" "2 stonks config: SMTP_URL \
must be an smtp:// or smtps:// URL with a host (smtps://smtp.gmail.com:465)" \
    "$? $out"
STONKS_ENV=production REDIS_PASSWORD= "$BIN" config \
    >"$OUT/config-prod.out" 2>&1
assert_eq "config exit, production, empty REDIS_PASSWORD" "2" "$?"
assert_eq "production message names REDIS_PASSWORD" "1" \
    "$(grep -c REDIS_PASSWORD "$OUT/config-prod.out")"
STONKS_ENV=production POSTGRES_PASSWORD= REDIS_PASSWORD=$C-redis-7411 \
    "$BIN" config >"$OUT/config-prod2.out" 2>&1
assert_eq "config exit, production, empty POSTGRES_PASSWORD" "2" "$?"
assert_eq "production message names POSTGRES_PASSWORD" "1" \
    "$(grep -c POSTGRES_PASSWORD "$OUT/config-prod2.out")"
STONKS_ENV=production REDIS_PASSWORD=$C-redis-7411 "$BIN" config \
    >"$OUT/config-prod3.out" 2>&1
assert_eq "config exit, production, both passwords" "0" "$?"
STONKS_ENV=production REDIS_PASSWORD= "$BIN" query-api \
    >"$OUT/qa-prod.out" 2>&1
assert_eq "query-api refuses to start in production" "2" "$?"

# The scan: every file under the var dir (logs, demo output, HTTP
# answers and headers, metrics, config output).
nfiles=$(find "$STONKS_VAR_DIR" -type f | wc -l)
echo "  scanning $nfiles files under $STONKS_VAR_DIR"
leaks=$(grep -r -l -a -F "$C" "$STONKS_VAR_DIR" | head -n 5)
assert_eq "files containing a secret value" "" "$leaks"
if [ -n "$leaks" ]; then
    grep -r -h -a -F "$C" $leaks | head -n 5 | cut -c1-200
fi
assert_eq "demo logs scanned" "1" \
    "$([ "$(ls "$STONKS_VAR_DIR/log" | wc -l)" -gt 5 ] && echo 1)"
assert_eq "metrics answers scanned" "1" \
    "$(grep -l -c '^# TYPE' "$OUT"/*metrics* | head -n 1 | wc -l)"
finish
