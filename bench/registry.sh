#!/usr/bin/env bash
# Benchmark: writing many symbols at once. Builds a watchlist of ROWS
# symbols (default 5000, the import's limit), each with a name and two
# aliases, and times, into a fresh database each: `stonks seed` of the
# file, the same seed again (every row unchanged), POST /symbols/import
# of the file to the symbol-registry, and an import that moves an alias
# of every row to the row before it (each row listed before the row it
# takes from: the import writes them last to first). Every row is
# checked against every stored name and alias (registry.c's
# reg_conflict), so this measures how that check grows with the table.
# Prints seconds and rows per second of each.
#
#   bench/registry.sh                 uses bin/stonks
#   ROWS=1000 bench/registry.sh       a smaller file
#
# Port: BENCH_REGISTRY_PORT (18013). The private PostgreSQL is that of
# scripts/stack.sh (started here when it is not running, and then
# stopped again).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${BIN:-bin/stonks}
ROWS=${ROWS:-5000}
PORT=${BENCH_REGISTRY_PORT:-18013}
OUT=$ROOT/var/bench-registry
TOKEN=bench-registry-token-0123456789
export LOG_LEVEL=warn API_TOKENS=$TOKEN HTTP_MAX_BODY=16777216

started_stack=0
reg_pid=""
cleanup() {
    [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid"
    if [ "$started_stack" -eq 1 ]; then
        scripts/stack.sh stop
    fi
    return 0
}
trap cleanup EXIT
eval "$(scripts/stack.sh env)"
if ! pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT"; then
    eval "$(scripts/stack.sh start)"
    started_stack=1
fi
rm -rf "$OUT"
mkdir -p "$OUT"

fresh() {
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -q \
        -c "DROP DATABASE IF EXISTS stonks_bench_registry" \
        -c "CREATE DATABASE stonks_bench_registry OWNER stonks" >/dev/null
    POSTGRES_DB=stonks_bench_registry "$BIN" migrate >/dev/null
}
# timed WHAT COMMAND...: runs it, prints its seconds and rows per second
timed() {
    local what=$1 t0 ms
    shift
    t0=$(date +%s%N)
    "$@" >"$OUT/last.out" 2>"$OUT/last.err" || {
        cat "$OUT/last.err" "$OUT/last.out" >&2
        exit 1
    }
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "$what: $ROWS rows in $((ms / 1000)).$(printf '%03d' $((ms % 1000)))" \
        "s, $((ROWS * 1000 / (ms > 0 ? ms : 1))) rows/s"
}

awk -v n="$ROWS" 'BEGIN { print "ticker,name,sector,aliases"
    for (i = 0; i < n; i++)
        printf "Q%c%c%c,Zeta%d Widgets Corp,Industrials,Zeta%d " \
            "Widgets|Zeta%dW Group\n", 65 + i % 26, 65 + int(i / 26) % 26,
            65 + int(i / 676) % 26, i, i, i }' >"$OUT/watchlist.csv"

export POSTGRES_DB=stonks_bench_registry
fresh
timed "seed, new symbols" "$BIN" seed "$OUT/watchlist.csv"
timed "seed again, unchanged" "$BIN" seed "$OUT/watchlist.csv"

fresh
HTTP_PORT=$PORT "$BIN" symbol-registry >"$OUT/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
    sleep 0.1
done
timed "POST /symbols/import, new symbols" curl -sf -X POST \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" \
    --data-binary @"$OUT/watchlist.csv" \
    "http://127.0.0.1:$PORT/symbols/import"
awk -v n="$ROWS" 'BEGIN { print "ticker,name,sector,aliases"
    for (i = 0; i < n; i++)
        printf "Q%c%c%c,Zeta%d Widgets Corp,Industrials,Zeta%d " \
            "Widgets|Zeta%dW Group\n", 65 + i % 26, 65 + int(i / 26) % 26,
            65 + int(i / 676) % 26, i, i, i + 1 }' >"$OUT/chain.csv"
timed "POST /symbols/import, each row taking the next one's alias" \
    curl -sf -X POST -H "Authorization: Bearer $TOKEN" \
    -H "Content-Type: text/csv" --data-binary @"$OUT/chain.csv" \
    "http://127.0.0.1:$PORT/symbols/import"
