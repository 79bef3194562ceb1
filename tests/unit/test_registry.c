/*
 * The registry's checks of names and aliases (services/registry.h) and
 * the watchlist CSV rows that share them (services/watchlist.h):
 * POST/PATCH /symbols, POST /symbols/import and `stonks seed`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "services/registry.h"
#include "services/watchlist.h"

static void test_trim(void **state)
{
    char a[] = "  x  ", b[] = "\t Apple Inc\t", c[] = "   ", d[] = "y";

    (void)state;
    assert_string_equal(reg_trim(a), "x");
    assert_string_equal(reg_trim(b), "Apple Inc");
    assert_string_equal(reg_trim(c), "");
    assert_string_equal(reg_trim(d), "y");
}

static void test_name_needs_letter_or_digit(void **state)
{
    char err[256], blanks[203];

    (void)state;
    assert_int_equal(
        reg_check_name("name", "\xc2\xa0", 1, 200, err, sizeof(err)), -1);
    assert_string_equal(err, "name must contain a letter or a digit, not "
                             "only punctuation or blanks");
    /* an invisible space is refused as such, before its blankness */
    assert_int_equal(
        reg_check_name("name", "\xe2\x80\x8b", 1, 200, err, sizeof(err)), -1);
    assert_string_equal(err, "name must be UTF-8 text without control "
                             "characters");
    assert_int_equal(reg_check_name("name", "", 1, 200, err, sizeof(err)), -1);
    assert_string_equal(err, "name must contain a letter or a digit, not "
                             "only punctuation or blanks");
    /* too long as well, but what is missing is a letter or a digit */
    for (size_t i = 0; i < 101; i++)
        memcpy(blanks + 2 * i, "\xc2\xa0", 3);
    assert_int_equal(reg_check_name("name", blanks, 1, 200, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "name must contain a letter or a digit, not "
                             "only punctuation or blanks");
    assert_int_equal(
        reg_check_name("each alias", "-", 2, 100, err, sizeof(err)), -1);
    assert_string_equal(err, "each alias must contain a letter or a digit, "
                             "not only punctuation or blanks");
    blanks[200] = blanks[201] = 'N';
    assert_int_equal(reg_check_name("name", blanks, 1, 200, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "name must be 1 to 200 bytes long");
    assert_int_equal(reg_check_name("name", "3M", 1, 200, err, sizeof(err)), 0);
    assert_int_equal(
        reg_check_name("field 'name'", "The Co.", 1, 200, err, sizeof(err)),
        -1);
    assert_string_equal(err, "field 'name' must contain a word of the "
                             "company's own, not only common words or company "
                             "suffixes such as The, And, Inc, Corp, Co, Ltd: "
                             "'The Co.' would tag any company's news");
    assert_int_equal(reg_check_name("field 'name'", "The Walt Disney Company",
                                    1, 200, err, sizeof(err)),
                     0);
    assert_int_equal(
        reg_check_name("name", "Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale",
                       1, 200, err, sizeof(err)),
        0);
    assert_int_equal(
        reg_check_name("name", "Caf\xe9", 1, 200, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "name must be UTF-8 text without control characters");
}

static void test_alias_rules(void **state)
{
    const char *bad[] = {"  ", "$$", "--", "\xc2\xa0\xc2\xa0", "  -- "};
    char err[256];
    reg_symbol s;

    (void)state;
    reg_symbol_init(&s);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(reg_add_alias(&s, bad[i], err, sizeof(err)), -1);
        assert_string_equal(err, "each alias must contain a letter or a "
                                 "digit, not only punctuation or blanks");
    }
    assert_int_equal(s.naliases, 0);
    assert_int_equal(reg_add_alias(&s, "  x  ", err, sizeof(err)), -1);
    assert_string_equal(err, "each alias must be 2 to 100 bytes long");
    assert_int_equal(reg_add_alias(&s, "  Apple  ", err, sizeof(err)), 0);
    assert_int_equal(reg_add_alias(&s, "Apple", err, sizeof(err)), 0);
    assert_int_equal(reg_add_alias(&s, "\tAT&T ", err, sizeof(err)), 0);
    /* the import reads "$AAPL" as an alternative ticker */
    assert_int_equal(reg_add_alias(&s, " $AAPL", err, sizeof(err)), -1);
    assert_string_equal(err, "each alias must not start with '$' ('$AAPL' is "
                             "a cashtag): give an alternative ticker in "
                             "alt_tickers, without the '$'");
    /* a cashtag of a common word is told as a cashtag */
    assert_int_equal(reg_add_alias(&s, "$HOT", err, sizeof(err)), -1);
    assert_string_equal(err, "each alias must not start with '$' ('$HOT' is "
                             "a cashtag): give an alternative ticker in "
                             "alt_tickers, without the '$'");
    assert_int_equal(s.naliases, 2);
    assert_string_equal(s.aliases[0], "Apple");
    assert_string_equal(s.aliases[1], "AT&T");
    reg_symbol_release(&s);
}

/* Splits line and reads it as a watchlist row; returns its result. */
static int row(const char *line, reg_symbol *s, char *err, size_t errlen)
{
    char scratch[512];
    csv_line l;

    assert_int_equal(csv_split(line, strlen(line), scratch, &l), 4);
    reg_symbol_init(s);
    return watchlist_row(&l, s, err, errlen);
}

static void test_watchlist_row(void **state)
{
    char err[256];
    reg_symbol s;

    (void)state;
    assert_int_equal(row(" googl , Alphabet Inc ,Communication Services, "
                         "$GOOG | Google |Alphabet ",
                         &s, err, sizeof(err)),
                     0);
    assert_string_equal(s.ticker, "GOOGL");
    assert_string_equal(s.name, "Alphabet Inc");
    assert_string_equal(s.sector, "Communication Services");
    assert_int_equal(s.nalt, 1);
    assert_string_equal(s.alt[0], "GOOG");
    assert_int_equal(s.naliases, 2);
    assert_string_equal(s.aliases[0], "Google");
    assert_string_equal(s.aliases[1], "Alphabet");
    reg_symbol_release(&s);

    assert_int_equal(row("DASH,Dash Inc,Tech,Dash|--", &s, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "each alias must contain a letter or a digit, "
                             "not only punctuation or blanks");
    reg_symbol_release(&s);
    assert_int_equal(row("DASH,Dash Inc,Tech,$$", &s, err, sizeof(err)), -1);
    assert_string_equal(err, "each alternative ticker must be a valid ticker "
                             "(BRK.B)");
    reg_symbol_release(&s);
    assert_int_equal(row("DASH,\xe2\x80\x8b,Tech,", &s, err, sizeof(err)), -1);
    assert_string_equal(err, "the name must be UTF-8 text without control "
                             "characters");
    reg_symbol_release(&s);
}

/* watchlist_parse of text: "n TICKER,TICKER" or "-1 message". */
static void parse(const char *text, const char *file, const char *want)
{
    watchlist_entry *rows;
    char err[512], got[1024];
    long n = watchlist_parse(text, strlen(text), file, &rows, err, sizeof(err));

    if (n < 0) {
        assert_null(rows);
        snprintf(got, sizeof(got), "-1 %s", err);
    } else {
        int o = snprintf(got, sizeof(got), "%ld ", n);

        for (long i = 0; i < n; i++)
            o += snprintf(got + o, sizeof(got) - (size_t)o, "%s%s@%d",
                          i ? "," : "", rows[i].s.ticker, rows[i].line);
        watchlist_free(rows, n);
    }
    assert_string_equal(got, want);
}

static void test_watchlist_header(void **state)
{
    (void)state;
    parse("ticker,name,sector,aliases\nAAPL,Apple Inc,IT,Apple\n", "w.csv",
          "1 AAPL@2");
    parse("\xef\xbb\xbf\r\nTicker,Name,Sector,Aliases\r\n\r\nAAPL,Apple "
          "Inc,IT,Apple\r\nMSFT,Microsoft,IT,",
          "w.csv", "2 AAPL@4,MSFT@5");
    parse("AAPL,Apple Inc,IT,Apple\nMSFT,Microsoft,IT,Microsoft\n", "w.csv",
          "-1 w.csv:1: the first line must be the header "
          "ticker,name,sector,aliases (column 1 is 'AAPL', not ticker)");
    parse("\nAAPL,Apple Inc,IT,Apple\n", NULL,
          "-1 line 2: the first line must be the header "
          "ticker,name,sector,aliases (column 1 is 'AAPL', not ticker)");
    /* names between blanks, as a spreadsheet may write them */
    parse(" ticker , name ,\tSector\t, ALIASES \nAAPL,Apple Inc,IT,Apple\n",
          NULL, "1 AAPL@2");
    parse("\xef\xbb\xbf\"  Ticker \",name,sector,aliases\r\nAAPL,Apple "
          "Inc,IT,\r\n",
          "w.csv", "1 AAPL@2");
    /* an unknown column is named; blanks inside a name are no blanks
     * around it */
    parse(" ticker , nme ,sector,aliases\nAAPL,Apple Inc,IT,Apple\n", NULL,
          "-1 line 1: the first line must be the header "
          "ticker,name,sector,aliases (column 2 is ' nme ', not name)");
    parse("ticker,name,sec tor,aliases\nAAPL,Apple Inc,IT,Apple\n", "w.csv",
          "-1 w.csv:1: the first line must be the header "
          "ticker,name,sector,aliases (column 3 is 'sec tor', not sector)");
    parse("ticker,name,sector,aliases\nAAPL,Apple Inc,IT,Apple\n"
          " TICKER,\tname, sector , aliases\n",
          "w.csv", "-1 w.csv:3: the header again (are two files joined?)");
    parse("ticker,name,sector\nAAPL,Apple Inc,IT\n", "w.csv",
          "-1 w.csv:1: expected 4 fields (ticker,name,sector,aliases)");
    /* a line of spaces and tabs is blank */
    parse("ticker,name,sector,aliases\n \t \nAAPL,Apple Inc,IT,Apple\n  ",
          "w.csv", "1 AAPL@3");
}

/* Rows against each other, as the registry checks a symbol against the
 * stored ones; the first conflict by line is named. */
static void test_watchlist_conflicts(void **state)
{
    (void)state;
    parse("ticker,name,sector,aliases\nZZK,Zed K,IT,$AAPL|Zed\n"
          "AAPL,Apple Inc,IT,Apple\nZZE,Zed E,IT,zed\n",
          "w.csv", "-1 w.csv:3: AAPL is already an alternative ticker of ZZK");
    parse("ticker,name,sector,aliases\nAAPL,Apple Inc,IT,Apple\n"
          "ZZK,Zed K,IT,$AAPL\n",
          "w.csv",
          "-1 w.csv:3: the alternative ticker AAPL is a symbol itself");
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,$ZA\nZZB,Zed B,IT,$ZA\n",
          NULL, "-1 line 3: the alternative ticker ZA already belongs to ZZA");
    parse("ticker,name,sector,aliases\nZZA,Same Name,IT,\n"
          "ZZB,SAME NAME,IT,\n",
          "w.csv",
          "-1 w.csv:3: the name 'Same Name' is already the name of "
          "ZZA");
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,Zeddy\n"
          "ZZB,zeddy,IT,\n",
          "w.csv", "-1 w.csv:3: the name 'Zeddy' is already an alias of ZZA");
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,\nZZB,Zed B,IT,zed a\n",
          "w.csv", "-1 w.csv:3: the alias 'zed a' is already the name of ZZA");
    /* names and aliases as the parser reads them */
    parse("ticker,name,sector,aliases\nAAPL,Apple Inc,IT,Apple\n"
          "ZZC,Zed C,IT,Apple Inc.\n",
          "w.csv",
          "-1 w.csv:3: the alias 'Apple Inc.' is already the name of AAPL");
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,McDonald's\n"
          "ZZB,Zed B,IT,\"  mcdonald\xe2\x80\x99s \"\n",
          NULL,
          "-1 line 3: the alias 'mcdonald\xe2\x80\x99s' is already an alias "
          "of ZZA");
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,\nZZB,\"zed  A.\",IT,\n",
          "w.csv", "-1 w.csv:3: the name 'Zed A' is already the name of ZZA");
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,\nZZB,\"Zed, A\",IT,\n",
          "w.csv", "2 ZZA@2,ZZB@3");
    /* an alias spelt as another row's ticker, whichever comes first */
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,\nZZB,Zed B,IT,Zb|ZZA\n",
          "w.csv", "-1 w.csv:3: the alias 'ZZA' is a symbol itself");
    parse("ticker,name,sector,aliases\nZZB,Zed B,IT,ZZA\nZZC,Zed C,IT,\n"
          "zza,Zed A,IT,\n",
          "w.csv", "-1 w.csv:4: ZZA is already an alias of ZZB");
    /* the earlier of two conflicts by line */
    parse("ticker,name,sector,aliases\nZZB,Zed B,IT,ZZA\nZZC,Zed C,IT,zed b\n"
          "ZZA,Zed A,IT,\n",
          "w.csv", "-1 w.csv:3: the alias 'zed b' is already the name of ZZB");
    /* "BRK-B" and "BRK/B" are written as the symbol BRK.B: the parser
     * counts them for BRK.B, never for another symbol */
    parse("ticker,name,sector,aliases\nBRK.B,Berkshire B,Fin,\n"
          "ZZB,Zed B,IT,Zb|BRK-B\n",
          "w.csv", "-1 w.csv:3: the alias 'BRK-B' is a symbol itself");
    parse("ticker,name,sector,aliases\nZZB,Zed B,IT,BRK/B\n"
          "brk-b,Berkshire B,Fin,\n",
          "w.csv", "-1 w.csv:3: BRK.B is already an alias of ZZB");
    parse("ticker,name,sector,aliases\nBRK.B,Berkshire B,Fin,BRK-B\n"
          "ZZB,Zed B,IT,brk/b\n",
          "w.csv", "2 BRK.B@2,ZZB@3");
    /* an alias spelt as another row's alternative ticker, and the
     * reverse: the parser would count the text for both symbols */
    parse("ticker,name,sector,aliases\nGOOGL,Alphabet,IT,$GOOG\n"
          "MSFT,Microsoft,IT,Microsoft|GOOG\n",
          "w.csv",
          "-1 w.csv:3: the alias 'GOOG' is already an alternative ticker of "
          "GOOGL");
    parse("ticker,name,sector,aliases\nZZB,Zed B,IT,Zb|BRK-B\n"
          "ZZC,Zed C,IT,$brk/b\n",
          "w.csv",
          "-1 w.csv:3: the alternative ticker BRK.B is already an "
          "alias of ZZB");
    /* the earlier of a clash with a ticker and one with an alternative */
    parse("ticker,name,sector,aliases\nZZB,Zed B,IT,ZZA\nZZC,Zed C,IT,$ZZA\n"
          "ZZA,Zed A,IT,\n",
          "w.csv",
          "-1 w.csv:3: the alternative ticker ZZA is already an "
          "alias of ZZB");
    parse("ticker,name,sector,aliases\nZZC,Zed C,IT,$ZZA|ZZA\n", "w.csv",
          "1 ZZC@2");
    /* its own ticker, or another's in other capitals, is a name */
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,ZZA\nZZB,Zed B,IT,Zzc\n"
          "ZZC,Zed C,IT,\n",
          "w.csv", "3 ZZA@2,ZZB@3,ZZC@4");
    /* a symbol's own name among its aliases is no conflict */
    parse("ticker,name,sector,aliases\nZZA,Zed A,IT,zed a|Zed\n"
          "ZZB,Zed B,IT,$ZB2\n",
          "w.csv", "2 ZZA@2,ZZB@3");
    parse("ticker,name,sector,aliases\nZZG,Zed G,IT,\n"
          "ticker,name,sector,aliases\n",
          "w.csv", "-1 w.csv:3: the header again (are two files joined?)");
}

/* The words that name no company by themselves, in a file's line. */
static void test_watchlist_generic_words(void **state)
{
    (void)state;
    parse("ticker,name,sector,aliases\nZZD,Zed D,IT,Zed|The\n", "w.csv",
          "-1 w.csv:2: each alias must contain a word of the company's own, "
          "not only common words or company suffixes such as The, And, Inc, "
          "Corp, Co, Ltd: 'The' would tag any company's news");
    parse("ticker,name,sector,aliases\nZZE,Holdings Inc,IT,Zed\n", NULL,
          "-1 line 2: the name must contain a word of the company's own, not "
          "only common words or company suffixes such as The, And, Inc, Corp, "
          "Co, Ltd: 'Holdings Inc' would tag any company's news");
    parse("ticker,name,sector,aliases\nZZE,Zed E,IT,ALL|Zed Inc\n", NULL,
          "1 ZZE@2");
}

static void test_watchlist_refusals(void **state)
{
    char name201[260], text[400];

    (void)state;
    parse("ticker,name,sector,aliases\nCAFE,Caf\xe9 Inc,Food,\n", "w.csv",
          "-1 w.csv:2: not UTF-8 (save the file as UTF-8)");
    parse("ticker,name,sector,aliases\nCAFE,Caf\xe9 Inc,Food,\n", NULL,
          "-1 line 2: the name must be UTF-8 text without control "
          "characters");
    memset(name201, 'N', 201);
    name201[201] = '\0';
    snprintf(text, sizeof(text), "ticker,name,sector,aliases\nLONG,%s,X,\n",
             name201);
    parse(text, "w.csv", "-1 w.csv:2: the name must be 1 to 200 bytes long");
    name201[200] = '\0';
    snprintf(text, sizeof(text), "ticker,name,sector,aliases\nLONG,%s,X,\n",
             name201);
    parse(text, "w.csv", "1 LONG@2");
    parse("ticker,name,sector,aliases\nAAPL,Apple Inc,IT,\nMSFT,Microsoft,"
          "IT,\naapl,Apple Again,IT,\n",
          "w.csv", "-1 w.csv:4: AAPL is also on line 2");
    parse("", "w.csv",
          "-1 no symbols in w.csv: write the header ticker,name,sector,aliases "
          "and one line per symbol");
    parse("ticker,name,sector,aliases\n\n", "w.csv",
          "-1 no symbols in w.csv: write the header ticker,name,sector,aliases "
          "and one line per symbol");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_name_needs_letter_or_digit),
        cmocka_unit_test(test_alias_rules),
        cmocka_unit_test(test_watchlist_row),
        cmocka_unit_test(test_watchlist_header),
        cmocka_unit_test(test_watchlist_refusals),
        cmocka_unit_test(test_watchlist_conflicts),
        cmocka_unit_test(test_watchlist_generic_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
