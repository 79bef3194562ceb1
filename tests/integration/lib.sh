# Shared helpers of the integration tests (sourced). Each test gets its
# own database on the private PostgreSQL started by scripts/test-all.sh
# (or scripts/stack.sh start) and its own Redis logical database.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NEWS=$ROOT/data/replay/reuters_headlines_2011H2_40tickers.csv
PRICES=$ROOT/data/replay/daily_ohlcv_2011-2012H1_40tickers.csv
checks=0
failures=0

# Creates (or empties) database $1 and points POSTGRES_DB at it.
fresh_db() {
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U postgres -d postgres -q \
        -c "DROP DATABASE IF EXISTS $1" \
        -c "CREATE DATABASE $1 OWNER stonks" >/dev/null
    export POSTGRES_DB=$1
}

sql() {
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U stonks -d "$POSTGRES_DB" \
        -At -v ON_ERROR_STOP=1 -c "$1"
}

assert_eq() {
    local what=$1 expected=$2 actual=$3
    checks=$((checks + 1))
    if [ "$expected" == "$actual" ]; then
        echo "  ok: $what = $actual"
    else
        echo "  FAIL: $what: expected '$expected', got '$actual'"
        failures=$((failures + 1))
    fi
}

finish() {
    echo "  $((checks - failures)) passed, $failures failed"
    [ "$failures" -eq 0 ]
}
