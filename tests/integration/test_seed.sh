#!/usr/bin/env bash
# `stonks migrate` refuses a MIGRATIONS_DIR without migration files;
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

# Before `stonks migrate`, a command that reads a table says to run it,
# on one line of stderr as every command reports an error.
"$BIN" report >"$OUT/nomigrate.out" 2>"$OUT/nomigrate.err"
assert_eq "report on a database not migrated" \
    "1 stonks report: PostgreSQL error: relation \"symbols\" does not exist; the database is not migrated, or older than this build: run \`stonks migrate\`" \
    "$? $(cat "$OUT/nomigrate.err")"
"$BIN" portfolio >"$OUT/nomigrate.out" 2>"$OUT/nomigrate.err"
assert_eq "portfolio on a database not migrated" \
    "1 stonks portfolio: PostgreSQL error: relation \"orders\" does not exist; the database is not migrated, or older than this build: run \`stonks migrate\`" \
    "$? $(cat "$OUT/nomigrate.err")"

"$BIN" migrate >"$OUT/migrate.log" 2>&1 ||
    { echo "  FAIL: migrate"; tail "$OUT/migrate.log"; exit 1; }

# A folder without migration files is refused, not "up to date".
mkdir -p "$OUT/nomig"
printf 'notes\n' >"$OUT/nomig/README"
printf 'SELECT 1;\n' >"$OUT/nomig/schema.sql"
MIGRATIONS_DIR=$OUT/nomig "$BIN" migrate >"$OUT/nomig.out" 2>"$OUT/nomig.err"
assert_eq "migrate from a folder without migration files" \
    "1 stonks migrate: MIGRATIONS_DIR $OUT/nomig holds no migration files (NNN_name.sql): point it at the project's db/migrations" \
    "$? $(cat "$OUT/nomig.err")"

# Two migrations of one number: refused, nothing applied.
mkdir -p "$OUT/twomig"
printf 'CREATE TABLE twomig_a (x int);\n' >"$OUT/twomig/010_a.sql"
printf 'CREATE TABLE twomig_b (x int);\n' >"$OUT/twomig/010_b.sql"
MIGRATIONS_DIR=$OUT/twomig "$BIN" migrate >"$OUT/twomig.out" \
    2>"$OUT/twomig.err"
assert_eq "migrate refuses two migrations of one number, applying none" \
    "1 stonks migrate: MIGRATIONS_DIR $OUT/twomig holds two migrations \
numbered 010 (010_a.sql, 010_b.sql): give each its own number 0" \
    "$? $(cat "$OUT/twomig.err") $(sql "SELECT count(*) FROM pg_tables
        WHERE tablename LIKE 'twomig%'")"

# A failed migration: its error in one line, without libpq's pointer
# line, and without the advice to run `stonks migrate`.
mkdir -p "$OUT/badmig"
printf 'SELEC 1;\n' >"$OUT/badmig/990_typo.sql"
MIGRATIONS_DIR=$OUT/badmig "$BIN" migrate >"$OUT/badmig.out" \
    2>"$OUT/badmig.err"
assert_eq "a migration that does not parse" \
    "1 stonks migrate: migration 990_typo.sql failed: PostgreSQL error: ERROR:  syntax error at or near \"SELEC\"; LINE 1: SELEC 1;" \
    "$? $(cat "$OUT/badmig.err")"
printf 'INSERT INTO no_such_table VALUES (1);\n' >"$OUT/badmig/990_typo.sql"
MIGRATIONS_DIR=$OUT/badmig "$BIN" migrate >"$OUT/badmig.out" \
    2>"$OUT/badmig.err"
assert_eq "a migration naming a table that does not exist" \
    "1 stonks migrate: migration 990_typo.sql failed: PostgreSQL error: relation \"no_such_table\" does not exist" \
    "$? $(cat "$OUT/badmig.err")"

# A database a newer build migrated: said, not "up to date" alone.
sql "INSERT INTO schema_migrations (name) VALUES ('999_future.sql')" \
    >/dev/null
"$BIN" migrate >"$OUT/newer.out" 2>"$OUT/newer.err"
assert_eq "migrate on a database with a migration it does not have" \
    "0 999_future.sql" \
    "$? $(jq -r 'select(.level == "warn") | .unknown' "$OUT/newer.err")"
sql "DELETE FROM schema_migrations WHERE name = '999_future.sql'" >/dev/null

HEADER=ticker,name,sector,aliases
# seed FILE: runs `stonks seed` on FILE; sets RC and ERR (its stderr:
# on a failure, the one line "stonks seed: MESSAGE").
seed() {
    WATCHLIST_FILE=$1 "$BIN" seed >"$OUT/seed.out" 2>"$OUT/seed.err"
    RC=$?
    ERR=$(cat "$OUT/seed.err")
}
symbols() {
    sql "SELECT string_agg(s.ticker || ':' || s.name || ':' || coalesce(
            (SELECT string_agg(a.kind || '=' || a.alias, '|' ORDER BY
            a.kind, a.alias) FROM symbol_aliases a WHERE a.ticker =
            s.ticker), ''), ' ' ORDER BY s.ticker) FROM symbols s"
}

echo "an empty file name"
seed ""
assert_eq "WATCHLIST_FILE empty" \
    "1 stonks seed: no watchlist file named (WATCHLIST_FILE, or the FILE of stonks seed, is empty): give one, such as data/watchlist.csv" \
    "$RC $ERR"

echo "the registry's rules"
printf '%s\nDASH,Dash Inc,Tech,Dash|--\n' "$HEADER" >"$OUT/punct.csv"
seed "$OUT/punct.csv"
assert_eq "alias of punctuation refused" \
    "1 stonks seed: $OUT/punct.csv:2: each alias must contain a letter or a digit, not only punctuation or blanks" \
    "$RC $ERR"
printf '%s\nDASH,\xc2\xa0,Tech,Dash\n' "$HEADER" >"$OUT/nbsp.csv"
seed "$OUT/nbsp.csv"
assert_eq "name of a no-break space refused" \
    "1 stonks seed: $OUT/nbsp.csv:2: the name must contain a letter or a digit, not only punctuation or blanks" \
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
    "1 stonks seed: $OUT/noheader.csv:1: the first line must be the header ticker,name,sector,aliases \
(column 1 is 'AAPL', not ticker)" \
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

echo "refused files"
BEFORE=$(symbols)
printf '%s\nCAFE,Caf\xe9 Inc,Food,\n' "$HEADER" >"$OUT/latin1.csv"
seed "$OUT/latin1.csv"
assert_eq "a Latin-1 name" \
    "1 stonks seed: $OUT/latin1.csv:2: not UTF-8 (save the file as UTF-8)" "$RC $ERR"
printf '%s\nLONG,%s,X,\n' "$HEADER" "$(printf 'N%.0s' $(seq 201))" \
    >"$OUT/long.csv"
seed "$OUT/long.csv"
assert_eq "a name over 200 bytes, as the API" \
    "1 stonks seed: $OUT/long.csv:2: the name must be 1 to 200 bytes long" "$RC $ERR"
printf '%s\nLONG,%s,X,\n' "$HEADER" "$(printf '\xc2\xa0%.0s' $(seq 101))" \
    >"$OUT/long-blank.csv"
seed "$OUT/long-blank.csv"
assert_eq "a name of 202 bytes of no-break spaces: the rule it breaks" \
    "1 stonks seed: $OUT/long-blank.csv:2: the name must contain a letter or a digit, not only punctuation or blanks" \
    "$RC $ERR"
printf '%s\nAAPL,Apple Inc,IT,\nMSFT,Microsoft,IT,\naapl,Apple 2,IT,\n' \
    "$HEADER" >"$OUT/twice.csv"
seed "$OUT/twice.csv"
assert_eq "a ticker listed twice" \
    "1 stonks seed: $OUT/twice.csv:4: AAPL is also on line 2" "$RC $ERR"
: >"$OUT/empty.csv"
seed "$OUT/empty.csv"
assert_eq "an empty file" \
    "1 stonks seed: no symbols in $OUT/empty.csv: write the header ticker,name,sector,aliases and one line per symbol" \
    "$RC $ERR"
printf '%s\n' "$HEADER" >"$OUT/header-only.csv"
seed "$OUT/header-only.csv"
assert_eq "a header alone" \
    "1 stonks seed: no symbols in $OUT/header-only.csv: write the header ticker,name,sector,aliases and one line per symbol" \
    "$RC $ERR"
printf '%s\nZQT,"Zed Q,IT,\n' "$HEADER" >"$OUT/quote.csv"
seed "$OUT/quote.csv"
assert_eq "an unclosed quote is named as such" \
    "1 stonks seed: $OUT/quote.csv:2: $(printf '%s' 'a quoted field is not closed')" \
    "$RC $(sed 's/\(closed\).*/\1/' <<<"$ERR")"
echo "conflicts, within the file and with stored symbols"
# the hint of a conflict with a stored symbol's name or aliases
hint() { echo "; fix it in the registry (PATCH /symbols/$1) or in the file"; }
conflict() { # NAME ROWS... EXPECTED-MESSAGE-AFTER-FILE:
    local name=$1 want=${*: -1}
    printf '%s\n' "$HEADER" "${@:2:$#-2}" >"$OUT/$name.csv"
    seed "$OUT/$name.csv"
    assert_eq "$name" "1 stonks seed: $OUT/$name.csv:$want" "$RC $ERR"
}
conflict alt-is-symbol 'ZZK,Zed K,IT,$AAPL' \
    "2: the alternative ticker AAPL is a symbol itself"
conflict alt-later-symbol 'ZZK,Zed K,IT,$QQQ' 'QQQ,Q Corp,IT,' \
    "3: QQQ is already an alternative ticker of ZZK"
# an alias of five letters or more matches in capitals too, where the
# bare ticker ZEDCO would take it first
conflict alias-caps-ticker 'ZZM,Zed M,IT,Zedco' 'ZEDCO,Zed Co Two,IT,' \
    "3: ZEDCO is already an alias of ZZM"
conflict alias-twice 'ZZD,Zed D,IT,Zeddy' 'ZZE,Zed E,IT,zeddy' \
    "3: the alias 'zeddy' is already an alias of ZZD"
conflict name-case 'ZZA,Same Name,IT,' 'ZZB,same name,IT,' \
    "3: the name 'Same Name' is already the name of ZZA"
conflict stored-name 'ZZC,Apple Inc,IT,' \
    "2: the name 'Apple Inc' is already the name of AAPL$(hint AAPL)"
conflict stored-alias 'ZZF,Zed F,IT,apple' \
    "2: the alias 'apple' is already an alias of AAPL$(hint AAPL)"
conflict stored-name-alike 'ZZC,Zed C,IT,Apple Inc.' \
    "2: the alias 'Apple Inc.' is already the name of AAPL$(hint AAPL)"
conflict alias-alike 'ZZD,Zed D,IT,Zeddy Co' 'ZZE,Zed E,IT,"zeddy  co.,"' \
    "3: the alias 'zeddy  co.,' is already an alias of ZZD"
conflict stored-alias-alike 'ZZD,Zed D,IT,dash.' \
    "2: the alias 'dash.' is already an alias of DASH$(hint DASH)"
conflict common-words 'ZZD,Zed D,IT,Zed|The' \
    "2: each alias must contain a word of the company's own, not only common words or company suffixes such as The, And, Inc, Corp, Co, Ltd: 'The' would tag any company's news"
conflict suffix-name 'ZZE,Inc,IT,Zed E' \
    "2: the name must contain a word of the company's own, not only common words or company suffixes such as The, And, Inc, Corp, Co, Ltd: 'Inc' would tag any company's news"
conflict stored-alt 'ZZL,Zed L,IT,$DASHW' \
    "2: the alternative ticker DASHW already belongs to DASH$(hint DASH)"
conflict alias-is-stored-symbol 'ZZH,Zed H,IT,Zed|AAPL' \
    "2: the alias 'AAPL' is a symbol itself"
conflict alias-is-stored-symbol-punct 'ZZH,Zed H,IT,"AAPL,"' \
    "2: the alias 'AAPL,' is a symbol itself"
conflict alias-is-symbol-punct 'ZZH,Zed H,IT,' 'ZZJ,Zed J,IT,(ZZH)' \
    "3: the alias '(ZZH)' is a symbol itself"
conflict alias-is-symbol 'ZZH,Zed H,IT,' 'ZZJ,Zed J,IT,ZZH' \
    "3: the alias 'ZZH' is a symbol itself"
conflict symbol-is-alias 'ZZJ,Zed J,IT,ZZH' 'ZZH,Zed H,IT,' \
    "3: ZZH is already an alias of ZZJ"
conflict alias-is-stored-alt 'ZZM,Zed M,IT,Zed|DASHW' \
    "2: the alias 'DASHW' is already an alternative ticker of DASH$(hint DASH)"
conflict alias-is-alt 'ZZN,Zed N,IT,$ZZNA' 'ZZO,Zed O,IT,ZZNA' \
    "3: the alias 'ZZNA' is already an alternative ticker of ZZN"
conflict alt-is-alias 'ZZO,Zed O,IT,ZZNA' 'ZZN,Zed N,IT,$zzna' \
    "3: the alternative ticker ZZNA is already an alias of ZZO"
conflict name-is-stored-symbol 'ZZP,AAPL,IT,Zed P' \
    "2: the name 'AAPL' is a symbol itself"
conflict name-is-alt 'ZZN,Zed N,IT,$ZZNA' 'ZZQ,ZZNA,IT,Zed Q' \
    "3: the name 'ZZNA' is already an alternative ticker of ZZN"
conflict symbol-is-name 'ZZR,ZZS,IT,Zed R' 'ZZS,Zed S,IT,' \
    "3: ZZS is already the name of ZZR"
conflict header-again 'ZZG,Zed G,IT,' "$HEADER" \
    "3: the header again (are two files joined?)"
assert_eq "nothing written by the refused files" "$BEFORE" "$(symbols)"

echo "the file argument"
printf '%s\nZETA,Zeta Corp,Tech,Zeta\n' "$HEADER" >"$OUT/arg.csv"
WATCHLIST_FILE=$OUT/missing.csv "$BIN" seed "$OUT/arg.csv" \
    >"$OUT/seed.out" 2>"$OUT/seed.err"
assert_eq "stonks seed FILE loads FILE, not WATCHLIST_FILE" \
    "0 AAPL:Apple Inc:name=Apple DASH:Dash Inc:name=Dash|ticker=DASHW ZETA:Zeta Corp:name=Zeta" \
    "$? $(symbols)"

echo "seeding again, after changes through the registry"
# seed writes as the registry does: a history event for each symbol it
# creates or changes, none for one unchanged; it adds the file's aliases
# to those stored and leaves a deactivated symbol inactive.
assert_eq "a history event per symbol created, as an import by stonks seed" \
    "ZETA import stonks seed Zeta Corp" \
    "$(sql "SELECT ticker, action, request_id, detail->>'name'
            FROM symbol_events WHERE ticker = 'ZETA'" | tr '|' ' ')"
sql "INSERT INTO symbol_aliases (alias, kind, ticker)
        VALUES ('Zeta Two', 'name', 'ZETA');
     UPDATE symbols SET active = false, name = 'Zeta Renamed',
        sector = 'Edited' WHERE ticker = 'ZETA'" >/dev/null
printf '%s\nZETA,Zeta Corp,Tech,Zeta|ZetaCo\n' "$HEADER" >"$OUT/again.csv"
seed "$OUT/again.csv"
assert_eq "the file's alias added; stored alias, name, sector kept; inactive" \
    "0 name=Zeta,name=Zeta Two,name=ZetaCo Zeta Renamed Edited f 2" \
    "$RC $(sql "SELECT string_agg(a.kind || '=' || a.alias, ',' ORDER BY
            a.alias), min(s.name), min(s.sector), bool_or(s.active),
            (SELECT count(*) FROM symbol_events WHERE ticker = 'ZETA')
            FROM symbols s JOIN symbol_aliases a ON a.ticker = s.ticker
            WHERE s.ticker = 'ZETA'" | tr '|' ' ')"
seed "$OUT/again.csv"
assert_eq "the same file again: no change, no event" "0 2" \
    "$RC $(sql "SELECT count(*) FROM symbol_events WHERE ticker = 'ZETA'")"
sql "UPDATE symbols SET active = true, name = 'Zeta Corp', sector = 'Tech'
     WHERE ticker = 'ZETA';
     DELETE FROM symbol_aliases WHERE alias IN ('Zeta Two', 'ZetaCo')" \
    >/dev/null

echo "adding to a stored symbol keeps it within a symbol's limits"
# ZETA holds Zeta; 32 more aliases would make 33 (at most 32), and 9
# alternative tickers in all more than the 8 ingestion reads
aliases=$(seq -f 'Zetaplus%g' 1 32 | paste -sd'|')
printf '%s\nZETA,Zeta Corp,Tech,%s\n' "$HEADER" "$aliases" >"$OUT/many.csv"
BEFORE=$(symbols)
seed "$OUT/many.csv"
assert_eq "33 aliases refused" \
    "1 stonks seed: $OUT/many.csv:2: ZETA would have 33 aliases with those stored, at most 32; remove some in the registry (PATCH /symbols/ZETA) or in the file" \
    "$RC $ERR"
printf '%s\nZETA,Zeta Corp,Tech,Zeta|%s\n' "$HEADER" \
    "$(seq -f '$ZETA%g' 1 8 | paste -sd'|')" >"$OUT/alts8.csv"
seed "$OUT/alts8.csv"
assert_eq "8 alternative tickers added" "0 8" \
    "$RC $(sql "SELECT count(*) FROM symbol_aliases
                WHERE ticker = 'ZETA' AND kind = 'ticker'")"
printf '%s\nZETA,Zeta Corp,Tech,$ZETAX\n' "$HEADER" >"$OUT/alt9.csv"
seed "$OUT/alt9.csv"
assert_eq "a 9th refused" \
    "1 stonks seed: $OUT/alt9.csv:2: ZETA would have 9 alternative tickers with those stored, at most 8; remove some in the registry (PATCH /symbols/ZETA) or in the file" \
    "$RC $ERR"
seed "$OUT/alts8.csv"
assert_eq "the same 8 again: within the limit" "0 8" \
    "$RC $(sql "SELECT count(*) FROM symbol_aliases
                WHERE ticker = 'ZETA' AND kind = 'ticker'")"
sql "DELETE FROM symbol_aliases WHERE ticker = 'ZETA' AND kind = 'ticker'" \
    >/dev/null
assert_eq "nothing else written" "$BEFORE" "$(symbols)"

echo "the bundled watchlist"
seed "$ROOT/data/watchlist.csv"
# its rows (AAPL among them) besides DASH and ZETA: rows + 2 = lines + 1
assert_eq "loads, every row" "0 $(grep -c . "$ROOT/data/watchlist.csv")" \
    "$RC $(($(sql "SELECT count(*) FROM symbols") - 1))"

BEFORE=$(symbols)
conflict alias-is-goog 'MSFT,Microsoft Corporation,IT,Microsoft|GOOG' \
    "2: the alias 'GOOG' is already an alternative ticker of GOOGL$(hint GOOGL)"
conflict alt-is-stored-alias 'ZZP,Zed P,IT,$HP' \
    "2: the alternative ticker HP is already an alias of HPQ$(hint HPQ)"
assert_eq "nothing written by them" "$BEFORE" "$(symbols)"
# a symbol changed through the registry since the file was seeded: the
# watchlist's alias of GOOGL went to ZZZT
sql "DELETE FROM symbol_aliases WHERE alias = 'Google';
     INSERT INTO symbols (ticker, name, sector) VALUES ('ZZZT', 'Zed T', 'IT');
     INSERT INTO symbol_aliases (alias, kind, ticker)
        VALUES ('Google', 'name', 'ZZZT')" >/dev/null
seed "$ROOT/data/watchlist.csv"
assert_eq "a clash with a registry change names where to mend it" \
    "1 stonks seed: $ROOT/data/watchlist.csv:4: the alias 'Google' is already an alias of ZZZT$(hint ZZZT)" \
    "$RC $ERR"

echo "a file of 1,100 rows: statistics updated on the way (REG_ANALYZE_ROWS)"
sql "DELETE FROM symbol_aliases WHERE ticker = 'ZZZT';
     DELETE FROM symbol_events WHERE ticker = 'ZZZT';
     DELETE FROM symbols WHERE ticker = 'ZZZT';
     INSERT INTO symbol_aliases (alias, kind, ticker)
        VALUES ('Google', 'name', 'GOOGL')" >/dev/null
awk -v h="$HEADER" 'BEGIN { print h
    for (i = 0; i < 1100; i++)
        printf "Q%c%c%c,Zeta%d Widgets Corp,IT,Zeta%d Widgets\n",
            65 + i % 26, 65 + int(i / 26) % 26, 65 + int(i / 676), i, i }' \
    >"$OUT/big.csv"
{ cat "$OUT/big.csv"; echo "ZZZZ,Zeta Last,IT,microsoft."; } >"$OUT/big-bad.csv"
seed "$OUT/big-bad.csv"
assert_eq "a clash in the last row, after two updates, is found" \
    "1 stonks seed: $OUT/big-bad.csv:1102: the alias 'microsoft.' is already an alias of MSFT$(hint MSFT)" \
    "$RC $ERR"
# the file's symbols: Q and three letters, named Zeta<i> Widgets Corp
BIG="FROM symbols WHERE name LIKE 'Zeta% Widgets Corp'"
assert_eq "... and none of its rows written" "0" "$(sql "SELECT count(*) $BIG")"
seed "$OUT/big.csv"
assert_eq "the file without it loads" "0 1100 1100" \
    "$RC $(sql "SELECT count(*) $BIG") $(sql "SELECT count(*) FROM
        symbol_aliases WHERE ticker IN (SELECT ticker $BIG)")"
seed "$OUT/big.csv"
assert_eq "and again: no change" "0 1100" \
    "$RC $(sql "SELECT count(*) FROM symbol_events WHERE ticker IN
        (SELECT ticker $BIG)")"

finish
