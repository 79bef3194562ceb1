/*
 * Unit tests of the platform pieces that need no server: configuration
 * validation, SHA-256, the string buffer's JSON escaping, the CSV
 * splitter and PostgreSQL array literals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "adapters/csv.h"
#include "domain/money.h"
#include "lib/buf.h"
#include "lib/config.h"
#include "lib/db.h"
#include "lib/fileio.h"
#include "lib/logread.h"
#include "lib/num.h"
#include "lib/sha256.h"
#include "lib/worker.h"
#include "lib/xalloc.h"

static void config_error(const char *var, const char *value,
                         const char *expected)
{
    char err[512] = "";
    config c;

    setenv(var, value, 1);
    assert_int_equal(config_load(&c, err, sizeof(err)), -1);
    assert_string_equal(err, expected);
    unsetenv(var);
}

static void test_config_defaults(void **state)
{
    char err[512] = "";
    config c;

    (void)state;
    assert_int_equal(config_load(&c, err, sizeof(err)), 0);
    assert_string_equal(c.pg_host, "127.0.0.1");
    assert_int_equal(c.pg_port, 5432);
    assert_int_equal(c.queue_max_attempts, 5);
    assert_string_equal(c.replay_start, "2011-07-06");
    assert_int_equal(config_clock(c.trading_decide_at), 9 * 60);
    config_release(&c);
    for (size_t i = 0; i < 3; i++) {
        static const struct {
            const char *v;
            int minutes;
        } ok[] = {{"00:00", 0}, {"15:59", 959}, {"13:05", 785}};

        setenv("TRADING_DECIDE_AT", ok[i].v, 1);
        assert_int_equal(config_load(&c, err, sizeof(err)), 0);
        assert_int_equal(config_clock(c.trading_decide_at), ok[i].minutes);
        config_release(&c);
    }
    unsetenv("TRADING_DECIDE_AT");
    /* blanks around a token, as token_set_load drops them */
    setenv("API_TOKENS", " first-token-0123456789 ,\tsecond-token-abcdefghij",
           1);
    assert_int_equal(config_load(&c, err, sizeof(err)), 0);
    config_release(&c);
    unsetenv("API_TOKENS");
}

#define RULE                                                                   \
    "at most 16 comma-separated tokens of 16 to 256 printable characters, "    \
    "without blanks inside"
#define T16 "abcdefghijklmnop"

static void test_config_names_the_bad_variable(void **state)
{
    char long_token[258];

    (void)state;
    config_error("POSTGRES_PORT", "70000",
                 "POSTGRES_PORT must be a whole number from 1 to 65535, "
                 "got '70000'");
    config_error("POSTGRES_PORT", " 5432",
                 "POSTGRES_PORT must be a whole number from 1 to 65535, "
                 "got ' 5432'");
    config_error("POSTGRES_PORT", "+5432",
                 "POSTGRES_PORT must be a whole number from 1 to 65535, "
                 "got '+5432'");
    config_error("QUEUE_BATCH_SIZE", "12x",
                 "QUEUE_BATCH_SIZE must be a whole number from 1 to 4096, "
                 "got '12x'");
    config_error("SCHEDULER_MODE", "fast",
                 "SCHEDULER_MODE must be one of replay|live, got 'fast'");
    config_error("REPLAY_START", "2011-7-6",
                 "REPLAY_START must be a date YYYY-MM-DD, got '2011-7-6'");
    config_error("REPLAY_START", "2011-02-30",
                 "REPLAY_START must be a date YYYY-MM-DD, got '2011-02-30'");
    for (size_t i = 0; i < 10; i++) {
        static const char *const bad[] = {"9:00",   "24:00",  "09:60", "0900",
                                          "09:00 ", " 09:00", "09-00", "ab:cd",
                                          "",       "09:0x"};
        char want[200];

        snprintf(want, sizeof(want),
                 "TRADING_DECIDE_AT must be a time of day HH:MM from 00:00 "
                 "to 23:59 (New York), got '%s'",
                 bad[i]);
        config_error("TRADING_DECIDE_AT", bad[i], want);
    }
    config_error("TRADING_DECIDE_AT", "16:00",
                 "TRADING_DECIDE_AT (16:00) is at or after the close (16:00, "
                 "New York): no session could be traded; pick an earlier "
                 "time");
    config_error("STARTING_CASH", "abc",
                 "STARTING_CASH must be positive dollars with at most two "
                 "decimals, 0.01 to 999999999999.99, got 'abc'");
    config_error("STARTING_CASH", "-5",
                 "STARTING_CASH must be positive dollars with at most two "
                 "decimals, 0.01 to 999999999999.99, got '-5'");
    config_error("STARTING_CASH", "99999999999999999999.00",
                 "STARTING_CASH must be positive dollars with at most two "
                 "decimals, 0.01 to 999999999999.99, got "
                 "'99999999999999999999.00'");
    config_error("STARTING_CASH", "1000000000000.00",
                 "STARTING_CASH must be positive dollars with at most two "
                 "decimals, 0.01 to 999999999999.99, got "
                 "'1000000000000.00'");
    /* the rule broken, and by which token, never its text */
    config_error("API_TOKENS", "short",
                 "API_TOKENS: token 1 is shorter than 16 characters (" RULE
                 ")");
    config_error("API_TOKENS", "first-token-0123456789, token with blanks",
                 "API_TOKENS: token 2 holds a blank or a character that is "
                 "not printable ASCII (" RULE ")");
    config_error("API_TOKENS",
                 ",,first-token-0123456789,,\x01second-token-abcdef",
                 "API_TOKENS: token 2 holds a blank or a character that is "
                 "not printable ASCII (" RULE ")");
    config_error("API_TOKENS",
                 T16 "," T16 "," T16 "," T16 "," T16 "," T16 "," T16 "," T16
                     "," T16 "," T16 "," T16 "," T16 "," T16 "," T16 "," T16
                     "," T16 "," T16,
                 "API_TOKENS: more than 16 tokens (" RULE ")");
    memset(long_token, 'x', 257);
    long_token[257] = '\0';
    config_error("API_TOKENS", long_token,
                 "API_TOKENS: token 1 is longer than 256 characters (" RULE
                 ")");
    config_error("REPLAY_END", "2011-01-01",
                 "REPLAY_START (2011-07-06) is after REPLAY_END "
                 "(2011-01-01)");
    config_error("QUERY_API_URL", "notaurl",
                 "QUERY_API_URL must be an http:// or https:// URL: a host, "
                 "an optional port 1-65535 and path, no ? or #");
    config_error("QUERY_API_URL", "",
                 "QUERY_API_URL is empty: it is where that service listens "
                 "and where the others reach it; unset it for the default "
                 "or give its http:// URL");
    config_error("RISK_ENGINE_URL", "",
                 "RISK_ENGINE_URL is empty: it is where that service "
                 "listens and where the others reach it; unset it for the "
                 "default or give its http:// URL");
    config_error("TRINO_URL", "http://127.0.0.1:99999",
                 "TRINO_URL must be an http:// or https:// URL: a host, an "
                 "optional port 1-65535 and path, no ? or #");
    config_error("OLLAMA_URL", "ftp://ollama",
                 "OLLAMA_URL must be an http:// or https:// URL: a host, an "
                 "optional port 1-65535 and path, no ? or #");
    config_error("QUERY_API_URL", "http://user:pw@127.0.0.1:8001",
                 "QUERY_API_URL must not hold user info (user@ or "
                 "user:password@ before the host); credentials go in their "
                 "own settings");
    config_error("BROKER_BASE_URL", "https://key@paper-api.alpaca.markets",
                 "BROKER_BASE_URL must not hold user info (user@ or "
                 "user:password@ before the host); credentials go in their "
                 "own settings");
    config_error("SMTP_URL", "smtps://me:pw@smtp.gmail.com:465",
                 "SMTP_URL must not hold user info (user@ or "
                 "user:password@ before the host); credentials go in their "
                 "own settings");
    config_error("BROKER_BASE_URL", "https://host name",
                 "BROKER_BASE_URL must be an http:// or https:// URL: a "
                 "host, an optional port 1-65535 and path, no ? or #");
    config_error("RISK_ENGINE_URL", "http://127.0.0.1:8004/?x=1",
                 "RISK_ENGINE_URL must be an http:// or https:// URL: a "
                 "host, an optional port 1-65535 and path, no ? or #");
    config_error("QUERY_API_URL", "http://127.0.0.1:8001/api#top",
                 "QUERY_API_URL must be an http:// or https:// URL: a "
                 "host, an optional port 1-65535 and path, no ? or #");
}

/* Loads the defaults with var=value; returns config_load's result. */
static int config_takes(const char *var, const char *value)
{
    char err[512] = "";
    config c;
    int rc;

    setenv(var, value, 1);
    rc = config_load(&c, err, sizeof(err));
    if (rc == 0)
        config_release(&c);
    unsetenv(var);
    return rc;
}

/* The constants the options of sql and backtest check against are the
 * settings' own ranges. */
static void test_config_ranges_options_share(void **state)
{
    char max[MONEY_FMT_MAX], v[32];

    (void)state;
    money_format(CONFIG_STARTING_CASH_MAX_CENTS, max);
    assert_string_equal(max, "999999999999.99");
    assert_string_equal(CONFIG_MONEY_RANGE, "0.01 to 999999999999.99");
    assert_int_equal(config_takes("STARTING_CASH", max), 0);
    assert_int_equal(config_takes("STARTING_CASH", "0.01"), 0);
    assert_int_equal(config_takes("STARTING_CASH", "1000000000000.00"), -1);

    snprintf(v, sizeof(v), "%d", CONFIG_LAKE_QUERY_TIMEOUT_MS_MIN);
    assert_int_equal(config_takes("LAKE_QUERY_TIMEOUT_MS", v), 0);
    snprintf(v, sizeof(v), "%d", CONFIG_LAKE_QUERY_TIMEOUT_MS_MAX);
    assert_int_equal(config_takes("LAKE_QUERY_TIMEOUT_MS", v), 0);
    config_error("LAKE_QUERY_TIMEOUT_MS", "99",
                 "LAKE_QUERY_TIMEOUT_MS must be a whole number from 100 to "
                 "3600000, got '99'");
    snprintf(v, sizeof(v), "%d", CONFIG_LAKE_QUERY_MAX_ROWS_MAX);
    assert_int_equal(config_takes("LAKE_QUERY_MAX_ROWS", v), 0);
    config_error("LAKE_QUERY_MAX_ROWS", "0",
                 "LAKE_QUERY_MAX_ROWS must be a whole number from 1 to "
                 "1000000, got '0'");
    snprintf(v, sizeof(v), "%d", CONFIG_PAPER_SLIPPAGE_BPS_MAX + 1);
    assert_int_equal(config_takes("PAPER_SLIPPAGE_BPS", v), -1);
    snprintf(v, sizeof(v), "%d", CONFIG_PAPER_COMMISSION_CENTS_MAX);
    assert_int_equal(config_takes("PAPER_COMMISSION_CENTS", v), 0);
    snprintf(v, sizeof(v), "%d", CONFIG_PAPER_COMMISSION_CENTS_MAX + 1);
    assert_int_equal(config_takes("PAPER_COMMISSION_CENTS", v), -1);
}

static void test_config_takes_urls(void **state)
{
    static const char *const good[] = {
        "http://127.0.0.1:8001", "https://paper-api.alpaca.markets",
        "http://[::1]:8001/api", "http://query-api:8000/"};
    char err[512] = "";
    config c;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        setenv("QUERY_API_URL", good[i], 1);
        assert_int_equal(config_load(&c, err, sizeof(err)), 0);
        config_release(&c);
    }
    unsetenv("QUERY_API_URL");
}

static void test_config_production_needs_passwords(void **state)
{
    (void)state;
    config_error("STONKS_ENV", "production",
                 "STONKS_ENV=production needs POSTGRES_PASSWORD and "
                 "REDIS_PASSWORD set to non-empty values");
}

static void test_sha256_known_answers(void **state)
{
    char hex[65];

    (void)state;
    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                             "27ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
                             "b00361a396177a9cb410ff61f20015ad");
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
               hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
                             "a33ce45964ff2167f6ecedd419db06c1");
}

static void test_buf_json_escaping(void **state)
{
    buf b;

    (void)state;
    buf_init(&b);
    buf_add_json_str(&b, "a\"b\\c\n\t\x01", 8);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
    buf_reset(&b);
    /* Invalid UTF-8 bytes become \u00XX; valid sequences stay. */
    buf_add_json_str(&b, "a\xff\xc3\xa9\xed\xa0\x80\xf0\x9f\x98\x80", 11);
    assert_string_equal(b.data, "\"a\\u00ff\xc3\xa9\\u00ed\\u00a0"
                                "\\u0080\xf0\x9f\x98\x80\"");
    buf_release(&b);
}

static void test_csv_split(void **state)
{
    const char *line = "AAPL,\"Apple, Inc\",\"say \"\"hi\"\"\",,x";
    char scratch[64];
    csv_line l;

    (void)state;
    assert_int_equal(csv_split(line, strlen(line), scratch, &l), 5);
    assert_int_equal(l.len[0], 4);
    assert_memory_equal(l.field[1], "Apple, Inc", 10);
    assert_memory_equal(l.field[2], "say \"hi\"", 8);
    assert_int_equal(l.len[3], 0);
    assert_int_equal(csv_split("\"open", 5, scratch, &l), CSV_OPEN_QUOTE);
    assert_int_equal(CSV_OPEN_QUOTE, -2);
    assert_int_equal(csv_split("\"a\"b", 4, scratch, &l), CSV_AFTER_QUOTE);
    assert_int_equal(CSV_AFTER_QUOTE, -3);
    assert_int_equal(csv_split(",,,,,,,,,,,,,,,,", 16, scratch, &l),
                     CSV_TOO_MANY);
    assert_int_equal(CSV_TOO_MANY, -1);
}

/* What csv_split says of a line, in words. */
static const char *csv_problem(const char *line, size_t len)
{
    char scratch[64];
    csv_line l;

    return csv_error_text(csv_split(line, len, scratch, &l));
}

static void test_csv_problem(void **state)
{
    (void)state;
    assert_null(csv_problem("a,\"b,c\",d", 9));
    assert_string_equal(csv_problem("XYZ,\"Xyz Corp,,", 15),
                        "a quoted field is not closed: a '\"' opens it and "
                        "none ends it on its line (write a quote inside a "
                        "field as '\"\"')");
    assert_string_equal(csv_problem("XYZ,\"Xyz\" Corp,,", 16),
                        "text follows a quoted field's closing '\"' before "
                        "the next comma (write a quote inside a field as "
                        "'\"\"')");
    assert_string_equal(csv_problem(",,,,,,,,,,,,,,,,", 16),
                        "more than 16 fields");
}

static void test_pg_array_literal(void **state)
{
    buf b;

    (void)state;
    buf_init(&b);
    buf_addc(&b, '{');
    db_array_add(&b, "plain", 5, 1);
    db_array_add(&b, "q\"uo\\te", 7, 0);
    db_array_add(&b, NULL, 0, 0);
    db_array_add(&b, "a,b}", 4, 0);
    buf_addc(&b, '}');
    assert_string_equal(b.data, "{\"plain\",\"q\\\"uo\\\\te\",NULL,\"a,b}\"}");
    buf_release(&b);
}

static void test_num(void **state)
{
    uint64_t u = 7;
    long long n = 7;
    double d = 7;

    (void)state;
    assert_int_equal(num_uint("18446744073709551615", UINT64_MAX, &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(num_uint("18446744073709551616", UINT64_MAX, &u), -1);
    assert_int_equal(num_uint("1001", 1000, &u), -1);
    assert_int_equal(num_uint("0", 1000, &u), 0);
    assert_true(u == 0);
    assert_int_equal(num_int("-9223372036854775808", LLONG_MIN, 0, &n), 0);
    assert_true(n == LLONG_MIN);
    assert_int_equal(num_int("9223372036854775808", 0, LLONG_MAX, &n), -1);
    assert_int_equal(num_int("-20", -100, 100, &n), 0);
    assert_int_equal(n, -20);
    assert_int_equal(num_int("1000", 1, 1000, &n), 0);
    assert_int_equal(n, 1000);
    /* refused: out of range, and anything but plain digits */
    static const char *const bad[] = {"",    "-",   "0",   "1001",
                                      " 5",  "5 ",  "+5",  "0x10",
                                      "5e2", "1.0", "--1", "5\n"};
    n = 42;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(num_int(bad[i], 1, 1000, &n), -1);
    assert_int_equal(n, 42);
    assert_int_equal(num_decimal("-0.15", -1, 1, &d), 0);
    assert_true(d == -0.15);
    assert_int_equal(num_decimal("20", 0, 100, &d), 0);
    assert_true(d == 20);
    static const char *const badd[] = {".5",    "1.",  "1e1", " 1", "+1",
                                       "1.2.3", "nan", "inf", "2",  ""};
    d = 42;
    for (size_t i = 0; i < sizeof(badd) / sizeof(badd[0]); i++)
        assert_int_equal(num_decimal(badd[i], -1, 1, &d), -1);
    assert_true(d == 42);
}

static void test_config_url_port(void **state)
{
    (void)state;
    assert_int_equal(config_url_port("http://127.0.0.1:8001"), 8001);
    assert_int_equal(config_url_port("https://[::1]:8443/api"), 8443);
    assert_int_equal(config_url_port("http://query-api.svc:80/"), 80);
    assert_int_equal(config_url_port("http://127.0.0.1"), 0);
    assert_int_equal(config_url_port("http://[::1]"), 0);
    assert_int_equal(config_url_port("http://h:0"), 0);
    assert_int_equal(config_url_port("http://h:65536"), 0);
    assert_int_equal(config_url_port("http://h:80ab"), 0);
    assert_int_equal(config_url_port("ftp://h:21"), 0);
    assert_int_equal(config_url_port("127.0.0.1:8001"), 0);
}

/* A one-row binary result as the server sends it: big-endian values. */
static PGresult *binary_row(const unsigned *oids, const char *const *vals,
                            const int *lens, int n)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[4];
    static char names[4][2] = {"a", "b", "c", "d"};

    memset(cols, 0, sizeof(cols));
    for (int i = 0; i < n; i++) {
        cols[i].name = names[i];
        cols[i].format = 1;
        cols[i].typid = oids[i];
        cols[i].typlen = -1;
    }
    assert_int_equal(PQsetResultAttrs(r, n, cols), 1);
    for (int i = 0; i < n; i++)
        assert_int_equal(PQsetvalue(r, 0, i, (char *)vals[i], lens[i]), 1);
    return r;
}

/* The server's own conditions are retried; the statement's fail. */
static void test_db_sqlstate_transient(void **state)
{
    static const char *const retry[] = {"40001", "40P01", "08006", "08001",
                                        "57P01", "57P02", "57P03", "25006",
                                        "53100", "53300"};
    static const char *const fail[] = {"23505", "23503", "22P02", "42P01",
                                       "21000", "57014", "",      "5"};

    (void)state;
    for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
        assert_int_equal(db_sqlstate_transient(retry[i]), 1);
    for (size_t i = 0; i < sizeof(fail) / sizeof(fail[0]); i++)
        assert_int_equal(db_sqlstate_transient(fail[i]), 0);
    assert_int_equal(db_sqlstate_transient(NULL), 0);
}

static void test_db_binary_values(void **state)
{
    /* -42, -3.5 (0xC00C000000000000), 5,000,000,000 */
    static const char i4[] = {'\xff', '\xff', '\xff', '\xd6'};
    static const char f8[] = {'\xc0', '\x0c', 0, 0, 0, 0, 0, 0};
    static const char i8[] = {0, 0, 0, 1, '\x2a', '\x05', '\xf2', 0};
    const unsigned oids[] = {DB_INT4, DB_FLOAT8, DB_INT8};
    const char *vals[] = {i4, f8, i8};
    const int lens[] = {4, 8, 8};
    const unsigned wrong[] = {DB_INT4, DB_INT8, DB_INT8};
    PGresult *r = binary_row(oids, vals, lens, 3);
    char err[128];

    (void)state;
    assert_int_equal(db_bin_check(r, oids, 3, err, sizeof(err)), 0);
    assert_int_equal(db_bin_i4(r, 0, 0), -42);
    assert_true(db_bin_f8(r, 0, 1) == -3.5);
    assert_true(db_bin_i8(r, 0, 2) == 5000000000LL);
    /* A value of another width reads as 0, not as stray bytes. */
    assert_int_equal(db_bin_i4(r, 0, 1), 0);
    assert_int_equal(db_bin_check(r, wrong, 3, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "column 1 (b) has type oid 701, expected 20 in binary");
    assert_int_equal(db_bin_check(r, oids, 4, err, sizeof(err)), -1);
    assert_string_equal(err, "query returned 3 columns, expected 4");
    PQclear(r);
}

/* A FIFO is refused at once as not a regular file (its open waited for
 * a writer for ever: a replay folder with one hung every command). */
static void test_file_open_refuses_a_fifo(void **state)
{
    char dir[] = "/tmp/stonks-fifo-XXXXXX", path[64], err[256], want[128];
    file_ro f;
    size_t len;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f.csv", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(file_open(path, 1024, &f, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s is not a regular file", path);
    assert_string_equal(err, want);
    /* and file_read alike (stonks objstore put waited for ever) */
    err[0] = '\0';
    assert_null(file_read(path, 1024, &len, err, sizeof(err)));
    assert_string_equal(err, want);
    unlink(path);
    rmdir(dir);
}

/* file_create / file_commit / file_abandon: the old file stays whole
 * until a commit replaces it; no temporary file is left behind. */
static void test_file_written_whole(void **state)
{
    char dir[] = "/tmp/stonks-test-fileio-XXXXXX";
    char err[256], *path, *got;
    size_t len;
    file_wr w;

    (void)state;
    assert_non_null(mkdtemp(dir));
    path = xasprintf("%s/f", dir);
    assert_int_equal(file_create(path, &w, err, sizeof(err)), 0);
    fputs("old\n", w.f);
    assert_int_equal(file_commit(&w, err, sizeof(err)), 0);

    assert_int_equal(file_create(path, &w, err, sizeof(err)), 0);
    fputs("new, abandoned\n", w.f);
    file_abandon(&w);
    got = file_read(path, 100, &len, err, sizeof(err));
    assert_string_equal(got, "old\n");
    free(got);

    assert_int_equal(file_create(path, &w, err, sizeof(err)), 0);
    fputs("new\n", w.f);
    assert_int_equal(file_commit(&w, err, sizeof(err)), 0);
    got = file_read(path, 100, &len, err, sizeof(err));
    assert_string_equal(got, "new\n");
    free(got);
    /* read to its end: a file of /proc says its size is 0 (it was
     * stored empty); and over max is refused, whatever the size said */
    got = file_read("/proc/self/status", 1 << 20, &len, err, sizeof(err));
    assert_non_null(got);
    assert_true(len > 0 && strncmp(got, "Name:", 5) == 0);
    free(got);
    assert_null(file_read("/proc/self/status", 10, &len, err, sizeof(err)));
    assert_string_equal(err, "/proc/self/status is larger than 10 bytes");
    /* past the first read (64 KiB): the buffer grows, to max */
    {
        FILE *big = fopen(path, "wb");
        char want[160];

        assert_non_null(big);
        for (int k = 0; k < 200000; k++)
            fputc('a' + k % 26, big);
        fclose(big);
        got = file_read(path, 200000, &len, err, sizeof(err));
        assert_non_null(got);
        assert_int_equal(len, 200000);
        assert_int_equal(got[199999], 'a' + 199999 % 26);
        assert_int_equal(got[200000], '\0');
        free(got);
        assert_null(file_read(path, 199999, &len, err, sizeof(err)));
        snprintf(want, sizeof(want), "%s is larger than 199999 bytes", path);
        assert_string_equal(err, want);
    }

    assert_int_equal(file_same(path, path), 1);
    assert_int_equal(file_same(path, dir), 0);
    assert_int_equal(file_same(path, "/nonexistent/f"), 0);
    assert_int_equal(file_create(dir, &w, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a regular file"));
    file_abandon(&w);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* nothing else was left in it */
    free(path);
}

/* A stop sent to a child right after worker_fork ends it, though the
 * supervisor handles SIGTERM: the child does not keep a handler that
 * would only set a flag (a demo waited on such a child for ever). */
static void test_fork_child_stops(void **state)
{
    sigset_t now;
    int status = 0;
    pid_t pid;

    (void)state;
    worker_install_signals();
    pid = worker_fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct timespec ts = {3, 0};

        nanosleep(&ts, NULL); /* the stop comes meanwhile */
        _exit(worker_stopping() ? 3 : 0);
    }
    kill(pid, SIGTERM);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    /* the supervisor's own mask is as it was */
    sigprocmask(SIG_BLOCK, NULL, &now);
    assert_int_equal(sigismember(&now, SIGTERM), 0);
    assert_int_equal(worker_stopping(), 0);
}

/* The reason a supervisor gives for a child's failure: the last error
 * line it wrote since it started, past other levels and lines that are
 * not JSON. */
/* Writes before, then run, to a new file named by path (a mkstemp
 * template); checks logread_size between the two. */
static void write_log(char *path, const char *before, const char *run)
{
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, before, strlen(before)), (long)strlen(before));
    assert_int_equal(logread_size(path), strlen(before));
    assert_int_equal(write(fd, run, strlen(run)), (long)strlen(run));
    close(fd);
}

static void test_logread_last_error(void **state)
{
    char path[] = "/tmp/stonks-logread-XXXXXX", out[128];
    const char *before = "{\"level\":\"error\",\"msg\":\"old run\"}\n";
    const char *run = "{\"level\":\"info\",\"msg\":\"started\"}\n"
                      "{\"level\":\"error\",\"msg\":\"cannot start\","
                      "\"error\":\"model missing\"}\n"
                      "not json\n"
                      "2026/12/05 16:00:00 [emerg] 7#7: bind() to "
                      "127.0.0.1:8080 failed (98: Address already in use)\n"
                      "{\"level\":\"warn\",\"msg\":\"late\"}\n";

    (void)state;
    write_log(path, before, run);
    assert_int_equal(logread_last_error(path, strlen(before), out, sizeof(out)),
                     1);
    assert_string_equal(out, "7#7: bind() to 127.0.0.1:8080 failed (98: "
                             "Address already in use)");
    /* from past every error line: none */
    assert_int_equal(
        logread_last_error(
            path,
            strlen(before) + (size_t)(strstr(run, "{\"level\":\"warn\"") - run),
            out, sizeof(out)),
        0);
    assert_string_equal(out, "it wrote no error line");
    unlink(path);
    assert_int_equal(logread_last_error(path, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "it wrote no error line");
    assert_int_equal(logread_size(path), 0);
}

static void test_logread_last_int(void **state)
{
    char path[] = "/tmp/stonks-logread-XXXXXX";
    const char *before = "{\"level\":\"warn\",\"msg\":\"skipped\","
                         "\"rows\":9}\n";
    const char *run = "{\"level\":\"warn\",\"msg\":\"skipped\","
                      "\"rows\":4}\n"
                      "{\"level\":\"warn\",\"msg\":\"skipped\","
                      "\"rows\":\"5\"}\n"
                      "{\"level\":\"warn\",\"msg\":\"other\",\"rows\":6}\n"
                      "{\"level\":\"warn\",\"msg\":\"skipped\","
                      "\"rows\":-1}\n"
                      "not json\n";

    (void)state;
    write_log(path, before, run);
    /* the last whole number 0 or more of that message: not a string,
     * not another message's, not a negative one */
    assert_int_equal(logread_last_int(path, 0, "skipped", "rows"), 4);
    assert_int_equal(logread_last_int(path, 0, "other", "rows"), 6);
    assert_int_equal(logread_last_int(path, 0, "skipped", "docs"), -1);
    /* only the lines past from: none of them past the 4 */
    assert_int_equal(
        logread_last_int(path,
                         strlen(before) + (size_t)(strchr(run, '\n') - run),
                         "skipped", "rows"),
        -1);
    unlink(path);
    assert_int_equal(logread_last_int(path, 0, "skipped", "rows"), -1);
}

int main(void)
{
    /* The settings under test come from the environment: start empty. */
    clearenv();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_logread_last_error),
        cmocka_unit_test(test_logread_last_int),
        cmocka_unit_test(test_file_open_refuses_a_fifo),
        cmocka_unit_test(test_config_names_the_bad_variable),
        cmocka_unit_test(test_config_takes_urls),
        cmocka_unit_test(test_config_ranges_options_share),
        cmocka_unit_test(test_config_production_needs_passwords),
        cmocka_unit_test(test_sha256_known_answers),
        cmocka_unit_test(test_buf_json_escaping),
        cmocka_unit_test(test_csv_split),
        cmocka_unit_test(test_csv_problem),
        cmocka_unit_test(test_pg_array_literal),
        cmocka_unit_test(test_db_sqlstate_transient),
        cmocka_unit_test(test_db_binary_values),
        cmocka_unit_test(test_num),
        cmocka_unit_test(test_config_url_port),
        cmocka_unit_test(test_file_written_whole),
        cmocka_unit_test(test_fork_child_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
