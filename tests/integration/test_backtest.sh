#!/usr/bin/env bash
# The backtest's honesty checks. Needs no server:
#  - its risk limits are the migration's;
#  - the report has every figure and the files are all there, the HTML
#    with no outside reference;
#  - determinism: the same inputs give byte-identical files;
#  - no look-ahead: with every price and news row dated after day D
#    changed (and rows added after D), every decision, recommendation,
#    fill and close up to D is the same, bit for bit.
# Then, when a PostgreSQL and Redis are at hand (scripts/test-all.sh
# starts them), agreement with the services: a short replay through
# `stonks demo` gives the same signals, aggregates and recommendations
# as the backtest over the same slice and, when the demo trades, the
# same decisions, orders, fills, positions and daily values.
set -uo pipefail
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
WORK=$ROOT/var/it-backtest
rm -rf "$WORK"
mkdir -p "$WORK"
unset REPLAY_TICKERS REPLAY_START REPLAY_END REPLAY_DIR STARTING_CASH \
    PAPER_SLIPPAGE_BPS PAPER_COMMISSION_CENTS
BT=("$BIN" backtest --no-progress)

# Runs the backtest with the options given (stdout to $OUT_FILE, or
# nowhere); a failure, sanitizer reports included, fails the test.
run_bt() {
    local err=$WORK/run.err
    checks=$((checks + 1))
    if "${BT[@]}" "$@" >"${OUT_FILE:-/dev/null}" 2>"$err"; then
        return 0
    fi
    echo "  FAIL: backtest $* exited non-zero:"
    tail -n 15 "$err"
    failures=$((failures + 1))
    return 1
}

# Rows of CSV file $1 whose column $2 is on or before day $3 (the
# header is left out).
upto() {
    awk -F, -v c="$2" -v d="$3" 'NR > 1 && $c <= d' "$1"
}
after() {
    awk -F, -v c="$2" -v d="$3" 'NR > 1 && $c > d' "$1"
}

echo "options: a bad value is refused with its reason, exit 2"
# --cash, --slippage-bps and --commission-order take what STARTING_CASH,
# PAPER_SLIPPAGE_BPS and PAPER_COMMISSION_CENTS take
cash="--cash: expected positive dollars and cents, 0.01 to \
999999999999.99 (as STARTING_CASH), such as 100000.00"
for c in "--cash 100.001|$cash" "--cash 0|$cash" \
    "--cash 92233720368547758.07|$cash" "--cash 10000000000000.01|$cash" \
    "--cash 1000000000000.00|$cash" \
    "--slippage-bps 1001|--slippage-bps: expected whole basis points, 0 to \
1000 (as PAPER_SLIPPAGE_BPS)" "--commission-order 1.001|--commission-order: \
expected dollars and cents per order, 0 to 1000.00 (as \
PAPER_COMMISSION_CENTS)" \
    "--commission-order 1000.01|--commission-order: expected dollars and \
cents per order, 0 to 1000.00 (as PAPER_COMMISSION_CENTS)" \
    "--commission-order .5|--commission-order: expected dollars and cents \
per order, 0 to 1000.00 (as PAPER_COMMISSION_CENTS)" \
    "--commission-share 5.|--commission-share: expected dollars per share \
with up to 4 decimals" \
    "--bogus 1|unknown option '--bogus' (see --help)" \
    "--bogus|unknown option '--bogus' (see --help)" \
    "--cash|--cash needs a value (see --help)" \
    "--warmup-days 1.9|--warmup-days: expected a whole number of days, 0 \
to 3650" "--null-runs 1e1|--null-runs: expected a whole number, 0 to 1000" \
    "--buy-threshold 0x0.1p0|--buy-threshold: expected a score in [-1, 1]"; do
    # shellcheck disable=SC2086
    out=$("${BT[@]}" --no-files ${c%%|*} 2>&1)
    assert_eq "backtest ${c%%|*}" "2 stonks backtest: ${c#*|}" "$? $out"
done

echo "a large account's figures stay in their columns"
"${BT[@]}" --no-files --null-runs 0 --tickers AAPL,F \
    --cash 999999999999.99 >"$WORK/big.txt" 2>&1
assert_eq "header, slippage and final equity of the largest account" \
    "                                     strategy       buy & hold      null median
  slippage paid                        \$72.90    \$783850886.82
  final equity               \$999999999961.30 \$960210918759.65" \
    "$(grep -E '^ +strategy +buy|slippage paid|final equity' "$WORK/big.txt")"
"${BT[@]}" --no-files --null-runs 0 --tickers AAPL,F >"$WORK/small.txt" 2>&1
assert_eq "an ordinary account keeps 12-character columns" \
    "                                 strategy   buy & hold  null median
  final equity                  \$99460.85    \$96021.42" \
    "$(grep -E '^ +strategy +buy|final equity' "$WORK/small.txt")"
# An account so large that 5 % of it is over max_position_notional
# (10,000.00) buys up to that limit: it made no order at all when its
# buys were sized by weight alone and denied whole.
"${BT[@]}" --no-files --null-runs 0 --cash 1000000.00 >"$WORK/mn.txt" 2>&1
assert_eq "a 1,000,000.00 account buys up to the position limit" \
    "  final equity                 \$976761.39   \$931395.48
  decisions: 1519 changed recommendations, 505 orders, 72 denied by the \
risk rules;" \
    "$(grep -E 'final equity|^  decisions:' "$WORK/mn.txt")"

# Past the news file's last day the strategy can only hold: said so.
assert_eq "sessions after the news file's end are pointed out" \
    "  note: the news file ends 2011-12-30: the last 62 sessions have no \
news to trade on" \
    "$("${BT[@]}" --no-files --null-runs 0 --from 2011-12-01 \
        --to 2012-03-30 2>&1 | grep '^  note:')"
assert_eq "... and not within it" "" \
    "$("${BT[@]}" --no-files --null-runs 0 --from 2011-12-01 \
        --to 2011-12-30 2>&1 | grep '^  note:')"
# A price file without September's bars: the gap is pointed out (its
# figures ran across it, and were annualised by sessions, without a word).
mkdir -p "$WORK/gap"
cp "$ROOT/data/replay/reuters_headlines_2011H2_40tickers.csv" "$WORK/gap/"
awk -F, '$2 !~ /^2011-09/' \
    "$ROOT/data/replay/daily_ohlcv_2011-2012H1_40tickers.csv" \
    >"$WORK/gap/daily_ohlcv_2011-2012H1_40tickers.csv"
assert_eq "a gap in the sessions is pointed out" \
    "Backtest 2011-07-06 .. 2011-12-30: 104 sessions, 40 tickers
  note: no session from 2011-08-31 to 2011-10-03 (33 days): the figures \
run across the gap as if none had passed, and annualised ones count 252 \
sessions a year" \
    "$("${BT[@]}" --data "$WORK/gap" --no-files --null-runs 0 2>&1 |
        grep -E '^Backtest|^  note:')"

out=$("${BT[@]}" --from 2012-01-03 2>&1)
assert_eq "backtest --from after the default --to" "2 stonks backtest: \
--from 2012-01-03 is after --to 2011-12-30 (--to defaults to REPLAY_END, \
--from to REPLAY_START)" "$? $out"
(cat "$ROOT/data/watchlist.csv"; echo 'ZZZZ,Zed Corp,Industrials,Zed') \
    >"$WORK/zed.csv"
sed 's/^MSFT,\(.*\),Microsoft$/MSFT,\1,Microsoft|$AAPL/' \
    "$ROOT/data/watchlist.csv" >"$WORK/alt.csv"
line=$(grep -n '^MSFT,' "$WORK/alt.csv" | cut -d: -f1)
out=$("${BT[@]}" --no-files --watchlist "$WORK/alt.csv" 2>&1)
assert_eq "a watchlist giving MSFT the alternative ticker AAPL" \
    "1 stonks backtest: $WORK/alt.csv:$line: the alternative ticker AAPL \
is a symbol itself" "$? $out"
out=$("${BT[@]}" --no-files --watchlist "$WORK/zed.csv" 2>&1)
assert_eq "backtest of a watchlist with a ticker without prices" \
    "1 stonks backtest: no price bars for ZZZZ in 2011-07-06..2011-12-30 \
(in data/replay/daily_ohlcv_2011-2012H1_40tickers.csv): add them, or name \
the tickers to test without it (--tickers)" "$? $out"
assert_eq "one session, one ticker, one run" \
    "Backtest 2011-09-01 .. 2011-09-01: 1 session, 1 ticker
  null model: the strategy on shuffled sentiment, 1 run (seeds 1..1):" \
    "$("${BT[@]}" --no-files --tickers AAPL --from 2011-09-01 \
        --to 2011-09-01 --null-runs 1 2>/dev/null |
        grep -e '^Backtest' -e 'null model')"
# An alternative ticker of the watchlist stands for its symbol.
assert_eq "--tickers GOOG,googl: one ticker, GOOGL, and a note" \
    "Backtest 2011-09-01 .. 2011-09-01: 1 session, 1 ticker
  note: the 2 tickers given name 1 symbol (one listed twice, or a symbol \
and its alternative ticker): each symbol is traded once" \
    "$("${BT[@]}" --no-files --tickers GOOG,googl --from 2011-09-01 \
        --to 2011-09-01 --null-runs 0 2>/dev/null |
        grep -e '^Backtest' -e 'note: the 2')"
assert_eq "--tickers AAPL,F: no note of tickers" "" \
    "$("${BT[@]}" --no-files --tickers AAPL,F --from 2011-09-01 \
        --to 2011-09-01 --null-runs 0 2>/dev/null | grep 'tickers given')"
assert_eq "--tickers GOOG,AAPL trades GOOGL" \
    "  best tickers: GOOGL \$437.44, AAPL \$393.53" \
    "$("${BT[@]}" --no-files --null-runs 0 --tickers GOOG,AAPL 2>/dev/null |
        grep 'best tickers:')"
out=$("${BT[@]}" --no-files --tickers GOOGX 2>&1)
assert_eq "--tickers of neither a symbol nor an alternative ticker" \
    "1 stonks backtest: ticker GOOGX is not on the watchlist \
(data/watchlist.csv), as a symbol or an alternative ticker" "$? $out"
assert_eq "no trade: no best and worst tickers" \
    "  best tickers: none gained
  worst tickers: none lost" \
    "$("${BT[@]}" --no-files --null-runs 0 --tickers AAPL,F \
        --buy-threshold 1 --sell-threshold -1 2>/dev/null | grep 'tickers:')"
assert_eq "three tickers: the best gained, the worst lost" \
    "  best tickers: AAPL \$433.23, MSFT \$198.63
  worst tickers: F -\$976.86" \
    "$("${BT[@]}" --no-files --null-runs 0 --tickers AAPL,MSFT,F \
        2>/dev/null | grep 'tickers:')"
# A bar on a Saturday is no session, and a bar given again replaces the
# earlier one (as the database's upsert does): the same 125 sessions and
# 10078 bars.
mkdir -p "$WORK/odd"
cp "$ROOT/data/replay/"*.csv "$WORK/odd/"
printf '%s\n' "AAPL,2011-07-09,46.0,46.1,45.1,46.0,1000" \
    "AAPL,2011-07-08,45.273,46.103,45.102,46.064,136477568" \
    >>"$WORK/odd/daily_ohlcv_2011-2012H1_40tickers.csv"
assert_eq "a Saturday bar and a bar given twice" \
    "Backtest 2011-07-06 .. 2011-12-30: 125 sessions, 40 tickers
10078 price bars" \
    "$("${BT[@]}" --no-files --null-runs 0 --data "$WORK/odd" 2>/dev/null |
        head -n 2 | sed 's/.*; //')"
# A price file of unreadable rows only: said so, with the count skipped
# (was "no trading day with price bars in 2011-07-06..2011-12-30").
mkdir -p "$WORK/nobars"
cp "$ROOT/data/replay/reuters_headlines_2011H2_40tickers.csv" "$WORK/nobars/"
printf '%s\n' "ticker,date,open,high,low,close,volume" \
    "AAPL,2011-07-08,45.273,46.103,45.102,46.064,lots" \
    "AAPL,2011-07-11,45.0,46.0" \
    >"$WORK/nobars/daily_ohlcv_2011-2012H1_40tickers.csv"
out=$("${BT[@]}" --no-files --data "$WORK/nobars" 2>&1)
assert_eq "a price file without a readable bar" \
    "1 stonks backtest: $WORK/nobars/daily_ohlcv_2011-2012H1_40tickers.csv \
holds no readable price bar (2 rows of the replay files skipped as \
unreadable: a wrong number of fields, a field over 64 KiB, a bad date (or \
one over 31 days ahead) or number, not UTF-8; or a price bar of a closed \
day or given again)" "$? $out"
out=$("${BT[@]}" --out /dev/null 2>&1)
assert_eq "backtest --out a file: refused before the run" \
    "1 stonks backtest: --out: cannot write in /dev/null: Not a directory" \
    "$? $out"
out=$("${BT[@]}" --no-files --out "$WORK/both" 2>&1)
assert_eq "backtest --no-files with --out: a contradiction" "2 stonks \
backtest: --out and --no-files contradict each other: give one no files" \
    "$? $out $([ -e "$WORK/both" ] && echo files || echo no files)"
out=$("${BT[@]}" --out '' 2>&1)
assert_eq "backtest --out ''" "2 stonks backtest: --out: expected a folder \
(--no-files writes none)" "$? $out"

echo "settings: the backtest's risk limits are the migration's"
OUT_FILE=$WORK/settings.txt run_bt --show-settings
awk -F"[(',]+" '/^ *\(.[a-z_]+., [0-9]+,/ {print $2, $3}' \
    db/migrations/002_trading.sql db/migrations/011_price_age.sql |
    tr -d ' ' | sort >"$WORK/limits.sql"
tr ' ' ',' <"$WORK/settings.txt" | tr -d ' ' | sort |
    join -t, - <(tr ' ' ',' <"$WORK/limits.sql" | sort) -o 1.2,2.2 |
    awk -F, '$1 != $2' >"$WORK/limits.diff"
assert_eq "limits of 002_trading.sql and 011_price_age.sql found" "13" \
    "$(wc -l <"$WORK/limits.sql" | tr -d ' ')"
assert_eq "limits that differ from the migrations" "" \
    "$(cat "$WORK/limits.diff")"
assert_eq "other migrations that set risk limits" "" \
    "$(grep -l -i -E '(update|insert into) risk_limits' \
        db/migrations/*.sql | grep -v -E '00?2_trading|011_price_age')"

echo "report: the whole bundled period, with buy-and-hold and the null model"
start=$(date +%s%N)
"${BT[@]}" --null-runs 3 --signals --out "$WORK/a" >"$WORK/a.out" \
    2>"$WORK/a.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "backtest exit status" "0" "$rc"
echo "  ($(tail -n 1 "$WORK/a.err"); wall ${ms} ms)"
for f in report.txt report.html equity.csv trades.csv positions.csv \
    decisions.csv recommendations.csv signals.csv; do
    assert_eq "file $f written" "yes" \
        "$([ -s "$WORK/a/$f" ] && echo yes || echo no)"
done
assert_eq "stdout is report.txt" "same" \
    "$(cmp -s "$WORK/a.out" "$WORK/a/report.txt" && echo same)"
for what in "total return" "annualised return" "volatility (annualised)" \
    "Sharpe ratio" "Sortino ratio" "max drawdown" "trough" \
    "turnover (per year)" "hit rate" "trades (fills)" "commissions paid" \
    "slippage paid" "null model:" "buy & hold" "no promise"; do
    assert_eq "report shows '$what'" "1" \
        "$(grep -c -F -m 1 "$what" "$WORK/a.out")"
done
assert_eq "documents, as the demo's replay" "9242" \
    "$(sed -n 's/.*-> \([0-9]*\) documents.*/\1/p' "$WORK/a.out")"
assert_eq "sessions x tickers recommendations" "$((125 * 40))" \
    "$(($(wc -l <"$WORK/a/recommendations.csv") - 1))"
assert_eq "equity rows" "125" "$(($(wc -l <"$WORK/a/equity.csv") - 1))"
assert_eq "HTML: three inline SVG charts" "3" \
    "$(grep -c '<svg' "$WORK/a/report.html")"
assert_eq "HTML: no script, no outside reference" "0" \
    "$(grep -v 'xmlns="http://www.w3.org/2000/svg"' "$WORK/a/report.html" |
        grep -c -i -E '<script|src=|href=|url\(|@import|https?:')"

# Buys are day limit orders at the decision's close plus cash_buffer_bps
# (1 %), rounded down, as the trading-engine places them: no buy fills
# above its limit, some do not fill at all, and cash never goes below
# zero (market buys took it to $54.20 once a gap opened 3.7 % higher).
assert_eq "buys: ordered, filled, filled above the limit; lowest cash" \
    "246 230 0 430.25" "$(python3 - "$WORK/a" <<'PY'
import csv, sys
d = sys.argv[1]
dec = {r["client_order_id"]: r for r in csv.DictReader(
    open(d + "/decisions.csv")) if r["outcome"] == "ordered"
    and r["side"] == "buy"}
fills = [t for t in csv.DictReader(open(d + "/trades.csv"))
         if t["side"] == "buy" and t["client_order_id"] in dec]
cents = lambda x: round(float(x) * 100)
over = sum(cents(t["price"]) >
           cents(dec[t["client_order_id"]]["ref_price"]) * 10100 // 10000
           for t in fills)
cash = min(cents(r["cash"]) for r in csv.DictReader(open(d + "/equity.csv")))
print(len(dec), len(fills), over, "%d.%02d" % divmod(cash, 100))
PY
)"

# Commissions that outweigh the sales: sells are held to what they bring
# in, so cash stays above zero (it went to -195.70, and the report
# aborted on an equity of 0 or less).
run_bt --cash 5000 --commission-order 500 --limit max_drawdown_bps=0 \
    --null-runs 0 --out "$WORK/costly"
assert_eq "costly trading: fills, commissions, lowest cash, final equity" \
    "8 4000.00 185.61 958.13" "$(python3 - "$WORK/costly" <<'PY'
import csv, sys
d = sys.argv[1]
t = list(csv.DictReader(open(d + "/trades.csv")))
e = list(csv.DictReader(open(d + "/equity.csv")))
print(len(t), "%.2f" % sum(float(x["commission"]) for x in t),
      "%.2f" % min(float(x["cash"]) for x in e), e[-1]["equity"])
PY
)"

# Two sales decided at one close, each worth less than its commission of
# 100.00: the first holds back its shortfall, so the second finds less
# free cash (together they took cash to -46.76; the null runs too).
run_bt --cash 40000 --commission-order 100 --limit max_drawdown_bps=0 \
    --null-runs 3 --out "$WORK/costly2"
assert_eq "sales' commissions held back: lowest cash, lowest null equity" \
    "12.90 3910.60" "$(python3 - "$WORK/costly2" <<'PY'
import csv, sys
e = list(csv.DictReader(open(sys.argv[1] + "/equity.csv")))
print("%.2f" % min(float(x["cash"]) for x in e),
      "%.2f" % min(float(x["null_low"]) for x in e))
PY
)"

echo "determinism: the same inputs, the same bytes"
OUT_FILE=$WORK/b.out run_bt --null-runs 3 --signals --out "$WORK/b"
same=yes
for f in "$WORK"/a/*; do
    cmp -s "$f" "$WORK/b/$(basename "$f")" || {
        same="no: $(basename "$f")"
        break
    }
done
assert_eq "every file byte-identical" "yes" "$same"

# A copy of the replay in which every row dated after $1 is changed:
# prices scaled (not uniformly), volumes tripled, one bar on a Saturday
# (a new session), every headline replaced by alternately glowing and
# dire news, and more such rows added for every ticker.
doctor() {
    local d=$1 dir=$2 dn=${1//-/}
    mkdir -p "$dir"
    awk -F, -v OFS=, -v d="$d" 'NR == 1 || $2 <= d {print; next}
        {$3 *= 1.37; $4 *= 1.41; $5 *= 1.33; $6 *= 1.39; $7 = $7 * 3 + 1;
         print}
        END {print "AAPL,2011-12-17,50,60,40,55,1000"}' \
        "$PRICES" >"$dir/$(basename "$PRICES")"
    awk -F, -v OFS=, -v d="$dn" 'NR == 1 || $3 <= d {print; next}
        {n++; t = "plunges as fraud probe widens, CEO quits"
         if (n % 2) t = "soars to record on blowout profit, upgrade"
         print $1, $2, $3, "\"" $1 " " t " " n "\"",
               "\"" $1 " shares " t " (story " n ")\"", "normal"}
        END {for (i = 0; i < 40; i++)
             print "F,Ford Motor Company,20111215,Ford " i " beats, raises",
                   "Ford raises outlook " i, "normal"}' \
        "$NEWS" >"$dir/$(basename "$NEWS")"
}

# Compares the baseline run $WORK/base with a run on data changed after
# day $1.
check_cut() {
    local d=$1 dir=$WORK/cut-$1
    doctor "$d" "$dir/data"
    ln -s "$WORK/base" "$dir/a"
    run_bt --null-runs 0 --data "$dir/data" --out "$dir/b"
    assert_eq "cut $d: backtest on the changed data ran" "yes" \
        "$([ -s "$dir/b/decisions.csv" ] && echo yes || echo no)"
    for spec in decisions.csv:1 recommendations.csv:1 trades.csv:2 \
        positions.csv:1; do
        local f=${spec%%:*} c=${spec##*:}
        upto "$dir/a/$f" "$c" "$d" >"$dir/a.$f"
        upto "$dir/b/$f" "$c" "$d" >"$dir/b.$f"
        checks=$((checks + 1))
        if [ -s "$dir/a.$f" ] && cmp -s "$dir/a.$f" "$dir/b.$f"; then
            echo "  ok: cut $d: $f up to $d identical" \
                "($(wc -l <"$dir/a.$f") rows)"
        else
            echo "  FAIL: cut $d: $f up to $d differs (or is empty)"
            diff "$dir/a.$f" "$dir/b.$f" | head -n 6
            failures=$((failures + 1))
        fi
    done
    # The equity columns of the strategy and of buy-and-hold; the null
    # model's shuffle takes sentiment from every day, so it is left out.
    assert_eq "cut $d: daily values up to $d identical" \
        "$(upto "$dir/a/equity.csv" 1 "$d" | cut -d, -f1-8 | md5sum)" \
        "$(upto "$dir/b/equity.csv" 1 "$d" | cut -d, -f1-8 | md5sum)"
    assert_eq "cut $d: the change does reach later decisions" "yes" \
        "$(cmp -s <(after "$dir/a/decisions.csv" 1 "$d") \
            <(after "$dir/b/decisions.csv" 1 "$d") && echo no || echo yes)"
}

echo "no look-ahead: every input after day D changed"
run_bt --null-runs 0 --out "$WORK/base"
check_cut 2011-08-05
check_cut 2011-10-14

# Agreement with the services over a short slice.
AGREE_TICKERS=AAPL,GOOGL,F,T
AGREE_FROM=2011-09-01
AGREE_TO=2011-09-09

# Dollars with two decimals ("-12.30") as whole cents.
cents_cols() {
    awk -F, -v OFS=, -v cols="$1" 'BEGIN {n = split(cols, c, " ")}
        {for (i = 1; i <= n; i++) if ($c[i] != "") {
             v = $c[i]; neg = sub(/^-/, "", v); sub(/\./, "", v);
             $c[i] = (neg ? -1 : 1) * (v + 0)}
         print}'
}

psql_file() {
    psql -h 127.0.0.1 -p "$POSTGRES_PORT" -U stonks -d "$POSTGRES_DB" \
        -At -F, -v ON_ERROR_STOP=1 -q "$@"
}

agree_pipeline() {
    local out=$1
    psql_file >"$out/agg.diff" <<SQL
CREATE TEMP TABLE bt (as_of date, ticker text, action text,
    conviction float8, target_weight float8, sent_1d float8, sent_7d float8,
    sent_30d float8, count_1d int, count_7d int, count_30d int,
    ret_1d float8, ret_5d float8, ret_20d float8, vol_20d float8,
    last_close float8);
\copy bt FROM '$out/bt/recommendations.csv' CSV HEADER
SELECT coalesce(b.ticker, a.ticker), coalesce(b.as_of, a.as_of)
FROM bt b FULL JOIN (aggregates a JOIN recommendations r
    USING (ticker, as_of)) ON a.ticker = b.ticker AND a.as_of = b.as_of
WHERE (b.action, round(b.conviction::numeric, 6),
       round(b.target_weight::numeric, 6), b.sent_1d, b.sent_7d, b.sent_30d,
       b.count_1d, b.count_7d, b.count_30d, b.ret_1d, b.ret_5d, b.ret_20d,
       b.vol_20d, b.last_close)
   IS DISTINCT FROM
      (r.action, round(r.conviction::numeric, 6),
       round(r.target_weight::numeric, 6), a.sent_1d, a.sent_7d, a.sent_30d,
       a.count_1d, a.count_7d, a.count_30d, a.ret_1d, a.ret_5d, a.ret_20d,
       a.vol_20d, a.last_close)
ORDER BY 1, 2;
SQL
    assert_eq "services vs backtest: aggregates and recommendations" \
        "0 of $(($(wc -l <"$out/bt/recommendations.csv") - 1)) differ" \
        "$(wc -l <"$out/agg.diff" | tr -d ' ') of $(sql \
            'SELECT count(*) FROM recommendations') differ"
    head -n 5 "$out/agg.diff"
    awk -F, 'NR > 1 {print $1, $2, $3, $4, $6, $7}' OFS=, \
        "$out/bt/signals.csv" | sort >"$out/sig.bt"
    sql "SELECT s.doc_hash, s.ticker, s.trading_day,
                to_char(s.sentiment, 'FM0.000000'), s.relevance,
                to_char(s.confidence, 'FM0.000000')
         FROM signals s WHERE s.counted AND s.ticker IN ('AAPL', 'GOOGL',
             'F', 'T')" | tr '|' ',' |
        awk -F, -v OFS=, '{$5 = sprintf("%.2f", $5); print}' |
        sort >"$out/sig.live"
    assert_same_state "services vs backtest: counted signals" \
        "$out/sig.live" "$out/sig.bt"
}

agree_trading() {
    local out=$1 last
    last=$(tail -n 1 "$out/bt/equity.csv" | cut -d, -f1)
    tail -n +2 "$out/bt/decisions.csv" | cut -d, -f1,3-13 |
        cents_cols "10 11" | sort >"$out/dec.bt"
    psql_file -c "SELECT as_of, ticker, coalesce(previous_action, ''),
            action, to_char(conviction, 'FM0.000000'),
            to_char(target_weight, 'FM0.000000'), outcome,
            coalesce(side, ''), qty, coalesce(ref_price_cents::text, ''),
            equity_cents, client_order_id
        FROM trading_decisions" | sort >"$out/dec.live"
    assert_same_state "services vs backtest: trading decisions" \
        "$out/dec.live" "$out/dec.bt"
    awk -F, -v OFS=, 'NR > 1 && $8 == "ordered" {
        print $13, $3, $9, $10, $1, $2, $11}' "$out/bt/decisions.csv" |
        cents_cols 7 | sort >"$out/ord.bt"
    psql_file -c "SELECT client_order_id, ticker, side, qty, decision_day,
            exec_day, ref_price_cents FROM orders" |
        sort >"$out/ord.live"
    assert_same_state "services vs backtest: orders" \
        "$out/ord.live" "$out/ord.bt"
    awk -F, -v OFS=, 'NR > 1 {print $11, $2, $3, $4, $5, $6, $7, $8}' \
        "$out/bt/trades.csv" | cents_cols "6 7 8" | sort >"$out/fill.bt"
    psql_file -c "SELECT o.client_order_id, f.day, f.ticker, f.side, f.qty,
            f.price_cents, f.gross_cents, f.commission_cents
        FROM fills f JOIN orders o ON o.id = f.order_id" |
        sort >"$out/fill.live"
    assert_same_state "services vs backtest: fills" \
        "$out/fill.live" "$out/fill.bt"
    awk -F, -v OFS=, -v d="$last" '$1 == d {print $2, $3}' \
        "$out/bt/positions.csv" | sort >"$out/pos.bt"
    psql_file -c "SELECT ticker, qty FROM positions WHERE qty <> 0" |
        sort >"$out/pos.live"
    assert_same_state "services vs backtest: positions at the end" \
        "$out/pos.live" "$out/pos.bt"
    tail -n +2 "$out/bt/equity.csv" | cut -d, -f1-5 |
        cents_cols "2 3 4 5" | sort >"$out/val.bt"
    psql_file -c "SELECT day, cash_cents, positions_cents, equity_cents,
            peak_cents FROM portfolio_values" | sort >"$out/val.live"
    assert_same_state "services vs backtest: daily cash, positions, equity" \
        "$out/val.live" "$out/val.bt"
}

# agree CASH: the backtest and a replay through `stonks demo` that
# start with CASH (dollars) agree.
agree() {
    local out=$WORK/agree-$1
    echo "agreement with the services ($AGREE_TICKERS," \
        "$AGREE_FROM..$AGREE_TO, starting cash $1)"
    if [ -z "${POSTGRES_PORT:-}" ] || [ -z "${REDIS_PORT:-}" ]; then
        echo "  SKIP: agreement with the services: no PostgreSQL and Redis" \
            "(scripts/test-all.sh starts them)"
        return
    fi
    mkdir -p "$out"
    run_bt --null-runs 0 --signals --tickers "$AGREE_TICKERS" \
        --from "$AGREE_FROM" --to "$AGREE_TO" --cash "$1" --out "$out/bt"
    export REPLAY_TICKERS=$AGREE_TICKERS REPLAY_START=$AGREE_FROM
    export REPLAY_END=$AGREE_TO REPLAY_LOOKBACK_DAYS=45 STARTING_CASH=$1
    export STONKS_VAR_DIR=$out/var OBJECT_STORE_DIR=$out/var/objects
    export QUEUE_BLOCK_MS=100
    fresh_db stonks_it_backtest
    if ! timeout 120 "$BIN" demo >"$out/demo.out" 2>&1; then
        echo "  FAIL: demo exited non-zero"
        tail -n 20 "$out/demo.out"
        failures=$((failures + 1))
        return
    fi
    agree_pipeline "$out"
    if [ "$(sql "SELECT to_regclass('trading_runs') IS NOT NULL AND
            EXISTS (SELECT 1 FROM trading_runs)")" != "t" ]; then
        echo "  SKIP: agreement of orders, fills and positions: the" \
            "demo traded nothing (no trading_runs rows)"
    else
        agree_trading "$out"
    fi
}

agree 100000.00
# An account whose 5 % is over max_position_notional (10,000.00): the
# services' buys are cut to the limit as the backtest's are.
agree 1000000.00
if [ -n "${POSTGRES_PORT:-}" ]; then
    assert_eq "... the cut, as each explains it (services, backtest)" "6 6" \
        "$(sql "SELECT count(*) FROM trading_decisions WHERE explanation
                LIKE '%cut to 10000.00 by max_position_notional_cents%'") \
$(grep -c 'cut to 10000.00 by max_position_notional_cents' \
            "$WORK/agree-1000000.00/bt/decisions.csv")"
fi
finish
