/*
 * sql_cli: `stonks sql "SELECT ..."`, one read-only query over the
 * Parquet lake through lakesql (embedded DuckDB, or Trino when
 * TRINO_URL is set). Prints tab-separated values with a header line, or
 * the JSON answer query-api gives.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapters/lake_store.h"
#include "adapters/lakesql.h"
#include "domain/lake_schema.h"
#include "lib/buf.h"
#include "lib/num.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/lake.h"

static const char sql_usage[] =
    "usage: stonks sql [--json] [--no-header] [--max-rows N]\n"
    "                  [--timeout-ms N] \"SELECT ...\"\n"
    "  Runs one SELECT over the Parquet lake (docs/LAKE.md): on embedded\n"
    "  DuckDB over LAKE_URI, or on Trino when TRINO_URL is set. Tables:\n"
    "  documents, signals, aggregates, recommendations, price_bars,\n"
    "  orders, fills, positions, risk_verdicts, portfolio_values, each\n"
    "  with its partition day as column dt. Prints a header line, then\n"
    "  the rows as PostgreSQL's COPY text format does (tab-separated,\n"
    "  NULL as \\N, backslash escapes), or with --json one JSON object\n"
    "  (columns, rows, row_count). Limits: LAKE_QUERY_MAX_ROWS and\n"
    "  LAKE_QUERY_TIMEOUT_MS unless given, and LAKE_QUERY_MAX_BYTES of\n"
    "  text. Exit 1 when the query fails.\n"
    "  A query may start with a -- comment; '--' before it ends the\n"
    "  options.\n";

/* A field as PostgreSQL's COPY text format writes it. */
static void print_field(const char *v)
{
    if (!v) {
        fputs("\\N", stdout);
        return;
    }
    for (; *v; v++) {
        if (*v == '\t')
            fputs("\\t", stdout);
        else if (*v == '\n')
            fputs("\\n", stdout);
        else if (*v == '\r')
            fputs("\\r", stdout);
        else if (*v == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*v);
    }
}

static void print_tsv(const lakesql_result *r, int header)
{
    if (header) {
        for (size_t c = 0; c < r->ncols; c++) {
            if (c)
                putchar('\t');
            print_field(r->cols[c].name);
        }
        putchar('\n');
    }
    for (size_t i = 0; i < r->nrows; i++) {
        for (size_t c = 0; c < r->ncols; c++) {
            if (c)
                putchar('\t');
            print_field(r->cells[i * r->ncols + c]);
        }
        putchar('\n');
    }
}

/* An option that stands for the setting named: the setting's range. */
static int parse_limit(const char *opt, const char *v, long min, long max,
                       const char *setting, long *out)
{
    long long n;

    if (!v || num_int(v, min, max, &n) < 0) {
        fprintf(stderr,
                "stonks sql: %s needs a number from %ld to %ld (as %s)\n", opt,
                min, max, setting);
        return -1;
    }
    *out = n;
    return 0;
}

/* A lake never published reads as empty tables: say so. */
static void lake_note(const char *root)
{
    struct stat st;
    size_t n, found = 0;
    const lake_table *t = lake_tables(&n);

    if (stat(root, &st) < 0) {
        /* the folder the first publication makes, or a misspelt one */
        fprintf(stderr,
                "stonks sql: the lake %s (LAKE_URI) does not exist, so its "
                "tables read as empty: publish it with stonks "
                "lake-publisher --once, or check LAKE_URI\n",
                root);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "stonks sql: LAKE_URI %s is not a folder\n", root);
        return;
    }
    for (size_t i = 0; i < n && !found; i++) {
        char *dir = xasprintf("%s/%s", root, t[i].name);

        found = stat(dir, &st) == 0;
        free(dir);
    }
    if (!found)
        fprintf(stderr,
                "stonks sql: the lake %s (LAKE_URI) holds no table yet, so "
                "its tables read as empty: publish it with stonks "
                "lake-publisher --once\n",
                root);
}

int cmd_sql(int argc, char **argv)
{
    const char *query = NULL;
    int json = 0, header = 1, rc;
    long rows = 0, timeout = 0;
    int seen[4], nseen = 0; /* its four options, each at most once */
    lakesql_limits lim;
    lakesql_result res;
    config c;
    char err[1024];

    if (cli_wants_help(argc, argv)) {
        fputs(sql_usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "--json") == 0 ||
             strcmp(argv[i], "--no-header") == 0 ||
             strcmp(argv[i], "--max-rows") == 0 ||
             strcmp(argv[i], "--timeout-ms") == 0) &&
            cli_given_before(argv, i, seen, &nseen)) {
            fprintf(stderr, "stonks sql: %s is given twice\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--no-header") == 0) {
            header = 0;
        } else if (strcmp(argv[i], "--max-rows") == 0) {
            if (parse_limit(argv[i], argv[i + 1],
                            CONFIG_LAKE_QUERY_MAX_ROWS_MIN,
                            CONFIG_LAKE_QUERY_MAX_ROWS_MAX,
                            "LAKE_QUERY_MAX_ROWS", &rows) < 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            if (parse_limit(argv[i], argv[i + 1],
                            CONFIG_LAKE_QUERY_TIMEOUT_MS_MIN,
                            CONFIG_LAKE_QUERY_TIMEOUT_MS_MAX,
                            "LAKE_QUERY_TIMEOUT_MS", &timeout) < 0)
                return 2;
            i++;
        } else if (strcmp(argv[i], "--") == 0 && !query && i + 2 == argc) {
            query = argv[++i]; /* the query, whatever it starts with */
        } else if (!query &&
                   (argv[i][0] != '-' || strpbrk(argv[i], " \t\n\r"))) {
            /* an option has no white space: "-- note\nSELECT 1" is a
             * query that starts with a comment */
            query = argv[i];
        } else {
            fprintf(stderr, "stonks sql: unexpected argument '%s'\n%s", argv[i],
                    sql_usage);
            return 2;
        }
    }
    if (!query) {
        fputs(sql_usage, stderr);
        return 2;
    }
    if (cli_start_tool("sql", &c) < 0)
        return 2;
    if (!c.trino_url[0]) {
        char root[PATH_MAX];

        if (lake_store_local_dir(c.lake_uri, root, sizeof(root), err,
                                 sizeof(err)) == 0)
            lake_note(root);
    }
    lim.max_rows = rows ? rows : c.lake_query_max_rows;
    lim.max_bytes = c.lake_query_max_bytes;
    lim.timeout_ms = timeout ? (int)timeout : c.lake_query_timeout_ms;
    rc = lakesql_query(&c, query, &lim, &res, err, sizeof(err));
    if (rc != LAKESQL_OK) {
        /* the message may quote a server's text: no control character
         * of it reaches the terminal (C0, DEL, and C1 in UTF-8) but the
         * line ends DuckDB's messages are laid out with */
        for (unsigned char *p = (unsigned char *)err; *p; p++)
            if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
                *p = '?';
            else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
                p[0] = p[1] = '?';
        fprintf(stderr, "stonks sql: %s\n", err);
    } else if (json) {
        buf out;

        buf_init(&out);
        lakesql_result_json(&res, &out);
        puts(out.data);
        buf_release(&out);
    } else {
        print_tsv(&res, header);
        if (res.truncated == 1)
            fprintf(stderr, "stonks sql: only the first %zu rows shown\n",
                    res.nrows);
        else if (res.truncated)
            fprintf(stderr,
                    "stonks sql: only the first %zu rows shown: the next "
                    "would pass LAKE_QUERY_MAX_BYTES (%d bytes of text)\n",
                    res.nrows, c.lake_query_max_bytes);
    }
    lakesql_result_release(&res);
    config_release(&c);
    return rc == LAKESQL_OK ? 0 : 1;
}
