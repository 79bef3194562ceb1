/*
 * lakesql: SQL over the Parquet lake through one interface, whichever
 * engine answers: DuckDB embedded in this process over the local lake
 * (the default), or Trino over its HTTP client protocol when TRINO_URL
 * is set. Used by `stonks sql`.
 *
 * Read-only by construction: the text must be exactly one SELECT (or
 * WITH ... SELECT) statement; DuckDB runs it in a fresh in-memory
 * database that sees nothing but the lake's folder, with its settings
 * locked; Trino gets the query with a maximum run time. Every answer is
 * capped at a number of rows and of bytes of text (the rest is dropped
 * and `truncated` set; DuckDB streams its answer, so it never holds
 * more than a chunk beyond the cap) and a run time (the query is
 * cancelled, LAKESQL_ETIMEOUT).
 *
 * Thread-safe: every call uses its own engine session, so an HTTP
 * handler may call lakesql_query from any pool thread.
 */
#ifndef STONKS_LAKESQL_H
#define STONKS_LAKESQL_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/config.h"

/* Return codes. An HTTP route maps them to 200, 400, 504 and 503. */
enum {
    LAKESQL_OK = 0,
    LAKESQL_EQUERY = -1, /* the query is at fault: not one SELECT, bad
                            syntax, unknown table or column */
    LAKESQL_ETIMEOUT = -2, /* ran past the time limit; cancelled */
    LAKESQL_EENGINE = -3, /* the engine failed or cannot be reached
                             (no DuckDB in this build, Trino down) */
};

/* The longest query text accepted. */
#define LAKESQL_MAX_SQL 65536

/* How a column's values are rendered in JSON. */
typedef enum lakesql_kind {
    LAKESQL_TEXT, /* JSON string */
    LAKESQL_INT, /* JSON number, exact (64-bit integers) */
    LAKESQL_FLOAT, /* JSON number */
    LAKESQL_BOOL, /* true / false */
    LAKESQL_DECIMAL, /* JSON string, exact ("1234.50") */
} lakesql_kind;

typedef struct lakesql_column {
    char *name;
    char *type; /* the engine's type name: "BIGINT", "varchar", ... */
    lakesql_kind kind;
} lakesql_column;

/* An answer. Every cell is text in the engine's own rendering
 * ("2011-09-01 13:30:00+00", "12.50", "true"), or NULL for SQL NULL. */
typedef struct lakesql_result {
    const char *engine; /* "duckdb" or "trino" (static) */
    lakesql_column *cols;
    size_t ncols;
    char **cells; /* nrows * ncols, row by row */
    size_t nrows;
    size_t cap; /* rows the cells array has room for */
    size_t bytes; /* text of the rows kept, a byte per NULL */
    int truncated; /* 1: more rows existed than max_rows; 2: the next
                      row passed max_bytes */
    double elapsed_ms;
} lakesql_result;

typedef struct lakesql_limits {
    long max_rows; /* at most this many rows are returned */
    long max_bytes; /* and at most this many bytes of their text */
    int timeout_ms; /* the query is cancelled after this long */
} lakesql_limits;

/* Runs one read-only query. lim NULL: LAKE_QUERY_MAX_ROWS and
 * LAKE_QUERY_TIMEOUT_MS. res is initialised either way; the caller
 * releases it with lakesql_result_release. Returns LAKESQL_OK or an
 * error code with a message in err (for a person, safe to show to the
 * API client: it never holds a secret). */
int lakesql_query(const config *c, const char *sql, const lakesql_limits *lim,
                  lakesql_result *res, char *err, size_t errlen);

/* The answer as a JSON object:
 *   {"engine":"duckdb","columns":[{"name":"ticker","type":"VARCHAR"},...],
 *    "rows":[["AAPL",12],...],"row_count":N,"truncated":false,
 *    "elapsed_ms":3.2}
 * appended to out. */
void lakesql_result_json(const lakesql_result *r, buf *out);

/* Checks that sql is one SELECT (or WITH) statement, lexically: string
 * literals, quoted names and comments are skipped; at most one trailing
 * ';'; the first word is SELECT or WITH (after opening parentheses); no
 * word that changes data or settings (INSERT, CREATE, SET, COPY,
 * ATTACH, ...) appears outside quotes. Returns 0 and sets *stmt_len to
 * the length of the statement without its ';' and what follows, or -1
 * with a message in err. The engines check again with their own parser.
 */
int lakesql_check_select(const char *sql, size_t *stmt_len, char *err,
                         size_t errlen);

/* The HTTP status for a lakesql_query result: 200, 400 (EQUERY), 504
 * (ETIMEOUT) or 503 (EENGINE). */
int lakesql_http_status(int rc);

/* Maps an engine's type name to how its values are rendered. */
lakesql_kind lakesql_kind_of(const char *type);

/* Building a result (the engines use these). */
void lakesql_result_init(lakesql_result *r);
void lakesql_result_release(lakesql_result *r);
void lakesql_result_add_column(lakesql_result *r, const char *name,
                               const char *type);
/* Keeps one row of ncols cells (each malloc'd, NULL for SQL NULL) when
 * lim has room for it, taking them over: returns 0. Else frees them,
 * sets r->truncated (1 rows, 2 bytes) and returns 1: the answer is
 * complete. */
int lakesql_result_take_row(lakesql_result *r, char **cells,
                            const lakesql_limits *lim);
/* A string cell p[0..n) as a new string; a NUL inside it (chr(0)) is
 * shown as U+2400, the symbol for null, on every engine alike. */
char *lakesql_cell_text(const char *p, size_t n);

#endif
