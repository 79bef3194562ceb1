#!/usr/bin/env bash
# The dashboard end to end. A small replay (two tickers, one week) with
# `stonks demo`, then the whole stack with `stonks up` (services on
# 127.0.0.1:18101-18120, nginx on 18180 with the chart's proxy rules),
# then Playwright driving Debian's chromium through every page
# (tests/e2e/dashboard.test.mjs): each page shows the API's numbers, a
# symbol added appears in the registry, the kill switch flips with a
# token and is refused without one, a document's signals open.
# Screenshots go to tests/e2e/screenshots/. Also checks that `stonks up`
# restarts a worker that dies and stops every child on SIGTERM.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

export REPLAY_TICKERS=AAPL,GOOGL
export REPLAY_START=2011-09-01 REPLAY_END=2011-09-09
export STONKS_VAR_DIR=$ROOT/var/it-e2e
export OBJECT_STORE_DIR=$STONKS_VAR_DIR/objects
export QUEUE_BLOCK_MS=100
export QUERY_API_URL=http://127.0.0.1:18101
export REGISTRY_URL=http://127.0.0.1:18102
export TRADING_ENGINE_URL=http://127.0.0.1:18103
export RISK_ENGINE_URL=http://127.0.0.1:18104
DASHBOARD=127.0.0.1:18180
# A token made for this run only; the dashboard gets it from the test.
API_TOKENS=e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export API_TOKENS
E2E=$ROOT/tests/e2e
rm -rf "$STONKS_VAR_DIR"
mkdir -p "$STONKS_VAR_DIR"
rm -f "$E2E"/screenshots/*.png

for tool in /usr/bin/chromium nginx envsubst npm node; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "  FAIL: $tool is missing (make deps installs it)"
        exit 1
    fi
done
if ! "$ROOT/scripts/web.sh"; then
    echo "  FAIL: the dashboard does not build"
    exit 1
fi
assert_eq "dashboard unit tests (vitest)" "0" \
    "$(cd "$ROOT/web" && npm test --silent >"$STONKS_VAR_DIR/vitest.out" 2>&1;
        echo $?)"
if [ ! -f "$E2E/node_modules/.package-lock.json" ] ||
    [ "$E2E/package-lock.json" -nt "$E2E/node_modules/.package-lock.json" ]; then
    (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        {
            echo "  FAIL: npm ci in tests/e2e"
            exit 1
        }
fi

fresh_db stonks_it_e2e
echo "replaying $REPLAY_TICKERS $REPLAY_START..$REPLAY_END"
if ! "$BIN" demo >"$STONKS_VAR_DIR/demo.out" 2>&1; then
    echo "  FAIL: demo exited non-zero"
    tail -n 30 "$STONKS_VAR_DIR/demo.out"
    exit 1
fi

UP_PID=
stop_up() {
    if [ -n "$UP_PID" ] && kill -0 "$UP_PID" 2>/dev/null; then
        kill -TERM "$UP_PID"
        wait "$UP_PID"
    fi
}
trap stop_up EXIT

# Probes over an API's port: refused before anything starts (the API
# that came second had failed to bind, its URL answering a probe).
# (and a dashboard on every address is pointed out)
"$BIN" up --dashboard "*:18180" --probe-base 18100 \
    >"$STONKS_VAR_DIR/up0.out" 2>"$STONKS_VAR_DIR/up0.err"
assert_eq "stonks up with probes over an API's port" "2 stonks up: \
query-api and ingestion (replica 2) would both listen on port 18101: move \
one (the *_URL settings, --probe-base, --dashboard)" \
    "$? $(cat "$STONKS_VAR_DIR/up0.err")"
assert_eq "... after its plan: the sealed replay skipped" "  skipped: \
scheduler (the replay of 2011-09-01..2011-09-09 is sealed through \
2011-09-09; \`stonks demo\` replays again)" \
    "$(grep 'skipped: scheduler' "$STONKS_VAR_DIR/up0.out")"
# The same end from another first day is another replay (it was taken
# as done: the sealed day alone was compared).
REPLAY_START=2011-08-25 "$BIN" up --dashboard "*:18180" --probe-base 18100 \
    >"$STONKS_VAR_DIR/up1.out" 2>"$STONKS_VAR_DIR/up1.err"
assert_eq "... REPLAY_START moved: the scheduler is not skipped" "2 0 1" \
    "$? $(grep -c 'skipped: scheduler' "$STONKS_VAR_DIR/up1.out") $(grep -c \
        'would both listen on port 18101' "$STONKS_VAR_DIR/up1.err")"
assert_eq "... a dashboard on every address, noted" "Note: the dashboard \
listens on every address (--dashboard *:18180): anyone who reaches this \
machine can read it, and write with a token. Give 127.0.0.1:PORT to keep \
it to this machine." "$(grep '^Note:' "$STONKS_VAR_DIR/up0.out")"

"$BIN" up --dashboard "$DASHBOARD" --probe-base 18105 \
    >"$STONKS_VAR_DIR/up.out" 2>"$STONKS_VAR_DIR/up.err" &
UP_PID=$!
for _ in $(seq 1 600); do
    grep -q "Stonks Oracle is up" "$STONKS_VAR_DIR/up.out" && break
    kill -0 "$UP_PID" 2>/dev/null || break
    sleep 0.1
done
assert_eq "stonks up announces the stack" "yes" \
    "$(grep -q 'Stonks Oracle is up' "$STONKS_VAR_DIR/up.out" && echo yes ||
        echo no)"
assert_eq "its mark in Redis, for the second a PostgreSQL restart leaves \
its lock free" "up pid $UP_PID on $(hostname), folder $(realpath \
"$STONKS_VAR_DIR")" "$(redis-cli -p "$REDIS_PORT" GET stonks:supervisor)"
assert_eq "every API and the dashboard ready" "0" \
    "$(grep -c 'not ready yet' "$STONKS_VAR_DIR/up.out")"
assert_eq "nginx started on the dashboard's port (it logged port 0)" \
    "18180" "$(jq -r 'select(.msg == "service started" and .child ==
        "nginx") | .port' "$STONKS_VAR_DIR/up.err" | head -n 1)"
assert_eq "dashboard URL printed" "1" \
    "$(grep -c "dashboard  *http://$DASHBOARD/" "$STONKS_VAR_DIR/up.out")"
assert_eq "the sealed replay is not replayed again" "1" \
    "$(grep -c 'skipped: scheduler' "$STONKS_VAR_DIR/up.out")"
assert_eq "nginx serves the app" "200" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$DASHBOARD/limits")"
assert_eq "nginx proxies /risk/ to the risk-engine" "200" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$DASHBOARD/risk/limits")"
assert_eq "nginx passes no POST to the risk-engine (/check, open here)" \
    "403" "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
        -H 'Content-Type: application/json' -d '{}' \
        "http://$DASHBOARD/risk/check")"

# A second `stonks up` for the same folder is refused at once, naming
# the first (it had started a second set of services that failed to
# bind, and printed the first one's URLs as its own).
"$BIN" up --dashboard 127.0.0.1:18181 --probe-base 18125 \
    >"$STONKS_VAR_DIR/up2.out" 2>"$STONKS_VAR_DIR/up2.err"
assert_eq "a second stonks up for the folder" "1 stonks up: stonks up or \
demo is already running for $STONKS_VAR_DIR (pid $UP_PID): stop that one \
first (Ctrl-C), or give this one its own STONKS_VAR_DIR and ports" \
    "$? $(cat "$STONKS_VAR_DIR/up2.err")"
# Another folder, the same ports: refused before a service starts (its
# services had failed to bind, and it announced the first stack's).
STONKS_VAR_DIR=$STONKS_VAR_DIR/other "$BIN" up --dashboard 127.0.0.1:18182 \
    --probe-base 18135 >"$STONKS_VAR_DIR/up3.out" 2>"$STONKS_VAR_DIR/up3.err"
assert_eq "a stonks up on the ports of a running one" "2 stonks up: port \
18101 of query-api is in use by another program (another stack?): stop it, \
or move this one (the *_URL settings, --probe-base, --dashboard)" \
    "$? $(cat "$STONKS_VAR_DIR/up3.err")"
# An address no interface has (192.0.2.1, kept for documentation): nginx
# was restarted with growing delays, for ever.
STONKS_VAR_DIR=$STONKS_VAR_DIR/other "$BIN" up --dashboard 192.0.2.1:18183 \
    --probe-base 18145 >"$STONKS_VAR_DIR/up4.out" 2>"$STONKS_VAR_DIR/up4.err"
assert_eq "a dashboard on an address of no interface here" "2 stonks up: \
the dashboard cannot listen on 192.0.2.1: no interface of this machine has \
that address (--dashboard, HTTP_BIND)" \
    "$? $(cat "$STONKS_VAR_DIR/up4.err")"
STONKS_VAR_DIR=$STONKS_VAR_DIR/other "$BIN" up \
    --dashboard '[2001:db8::1]:18183' --probe-base 18145 \
    >"$STONKS_VAR_DIR/up4.out" 2>"$STONKS_VAR_DIR/up4.err"
assert_eq "... an IPv6 one" "2 stonks up: the dashboard cannot listen on \
[2001:db8::1]: no interface of this machine has that address (--dashboard, \
HTTP_BIND)" "$? $(cat "$STONKS_VAR_DIR/up4.err")"
assert_eq "... and the first one still serves" "200" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://$DASHBOARD/limits")"

# A verdict asked of the gate under an id no order has: the risk page
# says so (it read as an order the gate allowed).
assert_eq "a verdict asked of POST /check, for the risk page" "200" \
    "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
        -H "Authorization: Bearer $API_TOKENS" \
        -H 'Content-Type: application/json' \
        -d '{"client_order_id":"asked-only","ticker":"AAPL","side":"buy",
             "qty":1,"type":"market","decision_day":"2011-09-08",
             "exec_day":"2011-09-09","exec_minute":570}' \
        "$RISK_ENGINE_URL/check")"
echo "running the browser tests (tests/e2e)"
(cd "$E2E" && BASE_URL="http://$DASHBOARD" API_TOKEN="$API_TOKENS" \
    SCREENSHOT_DIR="$E2E/screenshots" \
    node --test --test-reporter=spec dashboard.test.mjs) \
    >"$STONKS_VAR_DIR/e2e.out" 2>&1
rc=$?
awk '/failing tests/ {exit} /^(✔|✖) / {print "  " $0}' "$STONKS_VAR_DIR/e2e.out"
if [ $rc -ne 0 ]; then
    sed -n '/^✖ failing tests/,$p' "$STONKS_VAR_DIR/e2e.out" | head -n 80
fi
assert_eq "browser tests" "0" "$rc"
assert_eq "screenshots of every page" "28" \
    "$(ls "$E2E"/screenshots/*.png 2>/dev/null | wc -l)"

# A worker that dies comes back.
victim=$(pgrep -P "$UP_PID" -f '^stonks parser' | head -n 1)
kill -KILL "$victim" 2>/dev/null
for _ in $(seq 1 50); do
    [ "$(pgrep -P "$UP_PID" -f '^stonks parser' | wc -l)" -eq 2 ] && break
    sleep 0.1
done
assert_eq "a killed parser is restarted" "2" \
    "$(pgrep -P "$UP_PID" -f '^stonks parser' | wc -l)"
assert_eq "the restart is logged" "1" \
    "$(grep -c '"msg":"service exited; restarting","child":"parser"' \
        "$STONKS_VAR_DIR/up.err")"
assert_eq "... with the signal as its reason" "ended by signal 9 (Killed)" \
    "$(grep '"msg":"service exited; restarting","child":"parser"' \
        "$STONKS_VAR_DIR/up.err" | grep -o '"error":"[^";]*' | cut -d'"' -f4)"

# SIGTERM stops every child, then up exits 0.
children=$(pgrep -P "$UP_PID" | tr '\n' ' ')
kill -TERM "$UP_PID"
wait "$UP_PID"
assert_eq "stonks up exits 0 after SIGTERM" "0" "$?"
UP_PID=
left=0
for p in $children; do
    kill -0 "$p" 2>/dev/null && left=$((left + 1))
done
assert_eq "no child left running" "0" "$left"
assert_eq "... nor its mark" "0" \
    "$(redis-cli -p "$REDIS_PORT" EXISTS stonks:supervisor)"
finish
