# Shared helpers of the integration tests (sourced). Each test gets its
# own database on the private PostgreSQL started by scripts/test-all.sh
# (or scripts/stack.sh start) and its own Redis logical database.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NEWS=$ROOT/data/replay/reuters_headlines_2011H2_40tickers.csv
PRICES=$ROOT/data/replay/daily_ohlcv_2011-2012H1_40tickers.csv
checks=0
failures=0

# The first port from $1 up that nothing listens on, for a fake server:
# a port taken by another test run would answer in its place.
free_port() {
    local p=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
        p=$((p + 1))
    done
    echo "$p"
}

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

# Writes the pipeline's state to $1: every row of documents, tags,
# signals, aggregates and recommendations, keyed by content (not by ids
# or processing times), sorted, so two databases compare with diff.
dump_state() {
    {
        sql "SELECT 'doc', content_hash, source, provider_id, trading_day,
                    status, text_hash, coalesce((SELECT o.content_hash
                    FROM documents o WHERE o.id = d.duplicate_of), '-')
             FROM documents_with_text d ORDER BY content_hash"
        sql "SELECT 'tag', d.content_hash, t.ticker, t.origin,
                    coalesce(t.raw_key, '-')
             FROM document_tickers t JOIN documents d ON d.id = t.document_id
             ORDER BY 2, 3"
        sql "SELECT 'sig', d.content_hash, s.ticker, s.model_version,
                    s.trading_day, s.sentiment, s.label, s.relevance,
                    s.confidence, s.event_type, s.counted, s.doc_hash
             FROM signals s JOIN documents d ON d.id = s.document_id
             ORDER BY 2, 3, 4"
        sql "SELECT 'bar', ticker, day, open, high, low, close, volume
             FROM price_bars ORDER BY 2, 3"
        sql "SELECT 'agg', ticker, as_of, sent_1d, sent_7d, sent_30d,
                    count_1d, count_7d, count_30d, ret_1d, ret_5d, ret_20d,
                    vol_20d, last_close FROM aggregates ORDER BY 2, 3"
        sql "SELECT 'rec', ticker, as_of, action, conviction, target_weight,
                    rationale FROM recommendations ORDER BY 2, 3"
    } >"$1"
}

# Compares two state dumps; prints the first differences.
assert_same_state() {
    local what=$1 a=$2 b=$3
    checks=$((checks + 1))
    if cmp -s "$a" "$b"; then
        echo "  ok: $what ($(wc -l <"$a") rows identical)"
    else
        echo "  FAIL: $what differs:"
        diff "$a" "$b" | head -n 10
        failures=$((failures + 1))
    fi
}
