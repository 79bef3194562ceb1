#!/usr/bin/env bash
# `stonks seed`: the watchlist CSV read by the registry's rules (names
# and aliases trimmed, with a letter or digit), exact messages for the
# files it refuses, and nothing written when it refuses one.
set -uo pipefail
BIN=$1
source "$(dirname "$0")/lib.sh"

OUT=$ROOT/var/it-seed
rm -rf "$OUT"
mkdir -p "$OUT"
fresh_db stonks_it_seed
"$BIN" migrate >"$OUT/migrate.log" 2>&1 ||
    { echo "  FAIL: migrate"; tail "$OUT/migrate.log"; exit 1; }

HEADER=ticker,name,sector,aliases
# seed FILE: runs `stonks seed` on FILE; sets RC and ERR (its message).
seed() {
    WATCHLIST_FILE=$1 "$BIN" seed >"$OUT/seed.out" 2>"$OUT/seed.err"
    RC=$?
    ERR=$(jq -r 'select(.msg == "seed failed") | .error' "$OUT/seed.err" \
        2>/dev/null)
}
symbols() {
    sql "SELECT string_agg(s.ticker || ':' || s.name || ':' || coalesce(
            (SELECT string_agg(a.kind || '=' || a.alias, '|' ORDER BY
            a.kind, a.alias) FROM symbol_aliases a WHERE a.ticker =
            s.ticker), ''), ' ' ORDER BY s.ticker) FROM symbols s"
}

echo "the registry's rules"
printf '%s\nDASH,Dash Inc,Tech,Dash|--\n' "$HEADER" >"$OUT/punct.csv"
seed "$OUT/punct.csv"
assert_eq "alias of punctuation refused" \
    "1 $OUT/punct.csv:2: each alias must contain a letter or a digit, not only punctuation or blanks" \
    "$RC $ERR"
printf '%s\nDASH,\xc2\xa0,Tech,Dash\n' "$HEADER" >"$OUT/nbsp.csv"
seed "$OUT/nbsp.csv"
assert_eq "name of a no-break space refused" \
    "1 $OUT/nbsp.csv:2: the name must contain a letter or a digit, not only punctuation or blanks" \
    "$RC $ERR"
assert_eq "nothing written" "" "$(symbols)"
printf '%s\nDASH, Dash Inc ,Tech,  Dash  | $DASHW \n' "$HEADER" \
    >"$OUT/trim.csv"
seed "$OUT/trim.csv"
assert_eq "names and aliases trimmed" "0 DASH:Dash Inc:name=Dash|ticker=DASHW" \
    "$RC $(symbols)"

echo "the header"
printf 'AAPL,Apple Inc,IT,Apple\nMSFT,Microsoft,IT,Microsoft\n' \
    >"$OUT/noheader.csv"
seed "$OUT/noheader.csv"
assert_eq "a file without the header is refused, not cut" \
    "1 $OUT/noheader.csv:1: the first line must be the header ticker,name,sector,aliases" \
    "$RC $ERR"
assert_eq "nothing of it written" "DASH:Dash Inc:name=Dash|ticker=DASHW" \
    "$(symbols)"
printf '\xef\xbb\xbf\r\nTICKER,Name,Sector,Aliases\r\nAAPL,Apple Inc,IT,Apple\r\n' \
    >"$OUT/crlf.csv"
seed "$OUT/crlf.csv"
assert_eq "header in any case after a BOM and a blank line" \
    "0 AAPL:Apple Inc:name=Apple" \
    "$RC $(sql "SELECT ticker || ':' || name || ':name=' || (SELECT alias
                FROM symbol_aliases WHERE ticker = 'AAPL') FROM symbols
                WHERE ticker = 'AAPL'")"

echo "the file argument"
printf '%s\nZETA,Zeta Corp,Tech,Zeta\n' "$HEADER" >"$OUT/arg.csv"
WATCHLIST_FILE=$OUT/missing.csv "$BIN" seed "$OUT/arg.csv" \
    >"$OUT/seed.out" 2>"$OUT/seed.err"
assert_eq "stonks seed FILE loads FILE, not WATCHLIST_FILE" \
    "0 AAPL:Apple Inc:name=Apple DASH:Dash Inc:name=Dash|ticker=DASHW ZETA:Zeta Corp:name=Zeta" \
    "$? $(symbols)"

finish
