#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/lakesql.h"
#include "domain/lake_schema.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

/* Returns the statement length lakesql_check_select accepted. */
static size_t accepted(const char *sql)
{
    char err[256] = "";
    size_t len = 99999;

    if (lakesql_check_select(sql, &len, err, sizeof(err)) != 0)
        fail_msg("refused '%s': %s", sql, err);
    return len;
}

static void refused(const char *sql, const char *why)
{
    char err[256] = "";
    size_t len;

    assert_int_equal(lakesql_check_select(sql, &len, err, sizeof(err)), -1);
    if (!strstr(err, why))
        fail_msg("'%s': expected a message with '%s', got '%s'", sql, why, err);
}

static void test_selects_are_accepted(void **state)
{
    (void)state;
    assert_int_equal(accepted("SELECT 1"), 8);
    assert_int_equal(accepted("  select ticker, count(*) from signals "
                              "group by 1"),
                     49);
    accepted("WITH x AS (SELECT 1 AS a) SELECT a FROM x");
    accepted("(SELECT 1) UNION ALL (SELECT 2)");
    accepted("-- a comment\nSELECT 1");
    accepted("/* a comment; with a semicolon */ SELECT 1");
}

static void test_trailing_semicolon_is_cut(void **state)
{
    (void)state;
    assert_int_equal(accepted("SELECT 1;"), 8);
    assert_int_equal(accepted("SELECT 1 ;  -- done\n"), 9);
    assert_int_equal(accepted("SELECT ';' AS s;"), 15);
}

static void test_quotes_hide_words_and_semicolons(void **state)
{
    (void)state;
    accepted("SELECT 'DROP TABLE x; DELETE' AS s");
    accepted("SELECT 'it''s; fine' AS s");
    accepted("SELECT \"update\" FROM t");
    accepted("SELECT 1 -- DELETE everything; really\n");
}

static void test_other_statements_are_refused(void **state)
{
    (void)state;
    refused("DELETE FROM signals", "only SELECT statements");
    refused("insert into t values (1)", "only SELECT statements");
    refused("FROM signals", "only SELECT statements");
    refused("EXPLAIN ANALYZE SELECT 1", "only SELECT statements");
    refused("VALUES (1)", "only SELECT statements");
    refused("; SELECT 1", "only SELECT statements");
}

static void test_one_statement_only(void **state)
{
    (void)state;
    refused("SELECT 1; SELECT 2", "only one statement");
    refused("SELECT 1; DROP TABLE signals", "only one statement");
    refused("SELECT 1;;", "only one statement");
}

static void test_writing_words_are_refused(void **state)
{
    (void)state;
    refused("WITH x AS (DELETE FROM t RETURNING 1) SELECT * FROM x",
            "DELETE is not allowed");
    refused("WITH x AS (SELECT 1) SET a = 1", "SET is not allowed");
    refused("SELECT * FROM t; COPY t TO 'f'", "only one statement");
    refused("SELECT 1 FROM (ATTACH 'x')", "ATTACH is not allowed");
}

static void test_unclosed_things_are_refused(void **state)
{
    (void)state;
    refused("SELECT 'open", "quoted string is never closed");
    refused("SELECT \"open", "quoted name is never closed");
    refused("SELECT 1 /* open", "comment is never closed");
    refused("", "empty");
    refused("  -- only a comment", "empty");
}

static void test_size_limit(void **state)
{
    char *big = xmalloc(LAKESQL_MAX_SQL + 16);

    (void)state;
    memcpy(big, "SELECT ", 7);
    memset(big + 7, ' ', LAKESQL_MAX_SQL);
    big[LAKESQL_MAX_SQL + 7] = '\0';
    refused(big, "longer than");
    free(big);
}

static void test_kinds(void **state)
{
    (void)state;
    assert_int_equal(lakesql_kind_of("BIGINT"), LAKESQL_INT);
    assert_int_equal(lakesql_kind_of("bigint"), LAKESQL_INT);
    assert_int_equal(lakesql_kind_of("INTEGER"), LAKESQL_INT);
    assert_int_equal(lakesql_kind_of("DOUBLE"), LAKESQL_FLOAT);
    assert_int_equal(lakesql_kind_of("real"), LAKESQL_FLOAT);
    assert_int_equal(lakesql_kind_of("BOOLEAN"), LAKESQL_BOOL);
    assert_int_equal(lakesql_kind_of("DECIMAL(18,2)"), LAKESQL_DECIMAL);
    assert_int_equal(lakesql_kind_of("decimal(18,4)"), LAKESQL_DECIMAL);
    assert_int_equal(lakesql_kind_of("VARCHAR"), LAKESQL_TEXT);
    assert_int_equal(lakesql_kind_of("timestamp(6)"), LAKESQL_TEXT);
}

static const lakesql_limits roomy = {10, 1000, 1000};

static void test_json_answer(void **state)
{
    lakesql_result r;
    char *row1[4], *row2[4];
    buf out;

    (void)state;
    lakesql_result_init(&r);
    r.engine = "duckdb";
    lakesql_result_add_column(&r, "ticker", "VARCHAR");
    lakesql_result_add_column(&r, "n", "BIGINT");
    lakesql_result_add_column(&r, "px", "DECIMAL(18,2)");
    lakesql_result_add_column(&r, "ok", "BOOLEAN");
    row1[0] = xstrdup("A\"B");
    row1[1] = xstrdup("12");
    row1[2] = xstrdup("8.50");
    row1[3] = xstrdup("true");
    row2[0] = NULL;
    row2[1] = xstrdup("nan");
    row2[2] = NULL;
    row2[3] = xstrdup("false");
    assert_int_equal(lakesql_result_take_row(&r, row1, &roomy), 0);
    assert_int_equal(lakesql_result_take_row(&r, row2, &roomy), 0);
    r.truncated = 1;
    buf_init(&out);
    lakesql_result_json(&r, &out);
    assert_string_equal(
        out.data,
        "{\"engine\":\"duckdb\",\"columns\":[{\"name\":\"ticker\","
        "\"type\":\"VARCHAR\"},{\"name\":\"n\",\"type\":\"BIGINT\"},"
        "{\"name\":\"px\",\"type\":\"DECIMAL(18,2)\"},{\"name\":\"ok\","
        "\"type\":\"BOOLEAN\"}],\"rows\":[[\"A\\\"B\",12,\"8.50\",true],"
        "[null,\"nan\",null,false]],\"row_count\":2,\"truncated\":true,"
        "\"elapsed_ms\":0.0}");
    buf_release(&out);
    lakesql_result_release(&r);
}

/* Rows are kept while both limits have room: rows, and bytes of text
 * (a byte per NULL); the row past one is dropped and says which. */
static void test_row_limits(void **state)
{
    static const struct {
        long max_rows, max_bytes;
        size_t kept, bytes;
        int truncated;
    } cases[] = {
        {10, 23, 2, 23, 0}, /* 13 + 10 bytes: exactly at the cap */
        {10, 22, 1, 13, 2},  {10, 12, 0, 0, 2},
        {1, 1000, 1, 13, 1}, {2, 23, 2, 23, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lakesql_limits lim = {cases[i].max_rows, cases[i].max_bytes, 1000};
        lakesql_result r;
        char *row1[2], *row2[2];

        lakesql_result_init(&r);
        lakesql_result_add_column(&r, "a", "VARCHAR");
        lakesql_result_add_column(&r, "b", "VARCHAR");
        row1[0] = xstrdup("AAPL-x");
        row1[1] = xstrdup("1234567");
        row2[0] = NULL;
        row2[1] = xstrdup("123456789");
        char **rows[2] = {row1, row2};
        size_t k = 0;

        /* as the engines do: rows until one is refused (and freed) */
        while (k < 2 && lakesql_result_take_row(&r, rows[k], &lim) == 0)
            k++;
        for (k++; k < 2; k++)
            for (size_t c = 0; c < 2; c++)
                free(rows[k][c]);
        assert_int_equal(r.nrows, cases[i].kept);
        assert_int_equal(r.bytes, cases[i].bytes);
        assert_int_equal(r.truncated, cases[i].truncated);
        lakesql_result_release(&r);
    }
}

static void test_schema_tables(void **state)
{
    size_t n;
    const lake_table *t = lake_tables(&n);
    char type[LAKE_TYPE_NAME_MAX];
    char *sig;

    (void)state;
    assert_int_equal(n, 10);
    assert_string_equal(t[0].name, "documents");
    assert_ptr_equal(lake_table_find("fills"), &t[6]);
    assert_null(lake_table_find("symbols"));
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < t[i].ncols; c++)
            if (t[i].cols[c].type == LAKE_DECIMAL)
                assert_true(t[i].cols[c].scale == 2 || t[i].cols[c].scale == 4);
    assert_string_equal(
        lake_type_duckdb(&lake_table_find("fills")->cols[6], type),
        "DECIMAL(18,2)");
    assert_string_equal(
        lake_type_trino(&lake_table_find("fills")->cols[10], type),
        "timestamp");
    sig = lake_table_signature(lake_table_find("positions"));
    assert_string_equal(sig, "ticker:VARCHAR,qty:BIGINT,"
                             "cost_basis:DECIMAL(18,2),"
                             "realized_pnl:DECIMAL(18,2),"
                             "updated_at:TIMESTAMPTZ");
    free(sig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selects_are_accepted),
        cmocka_unit_test(test_trailing_semicolon_is_cut),
        cmocka_unit_test(test_quotes_hide_words_and_semicolons),
        cmocka_unit_test(test_other_statements_are_refused),
        cmocka_unit_test(test_one_statement_only),
        cmocka_unit_test(test_writing_words_are_refused),
        cmocka_unit_test(test_unclosed_things_are_refused),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_json_answer),
        cmocka_unit_test(test_row_limits),
        cmocka_unit_test(test_schema_tables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
