#include "adapters/lakesql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "adapters/duckdb_lake.h"
#include "adapters/trino.h"
#include "lib/xalloc.h"

char *lakesql_cell_text(const char *p, size_t n)
{
    buf b;

    if (!memchr(p, '\0', n))
        return xstrndup(p, n);
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (p[i])
            buf_addc(&b, p[i]);
        else
            buf_adds(&b, "\xe2\x90\x80");
    }
    return buf_detach(&b, NULL);
}

void lakesql_result_init(lakesql_result *r)
{
    memset(r, 0, sizeof(*r));
    r->engine = "";
}

void lakesql_result_release(lakesql_result *r)
{
    for (size_t i = 0; i < r->nrows * r->ncols; i++)
        free(r->cells[i]);
    free(r->cells);
    for (size_t i = 0; i < r->ncols; i++) {
        free(r->cols[i].name);
        free(r->cols[i].type);
    }
    free(r->cols);
    lakesql_result_init(r);
}

void lakesql_result_add_column(lakesql_result *r, const char *name,
                               const char *type)
{
    r->cols = xreallocarray(r->cols, r->ncols + 1, sizeof(*r->cols));
    r->cols[r->ncols].name = xstrdup(name);
    r->cols[r->ncols].type = xstrdup(type);
    r->cols[r->ncols].kind = lakesql_kind_of(type);
    r->ncols++;
}

int lakesql_result_take_row(lakesql_result *r, char **cells,
                            const lakesql_limits *lim)
{
    size_t bytes = 0;

    for (size_t c = 0; c < r->ncols; c++)
        bytes += cells[c] ? strlen(cells[c]) : 1;
    if ((long)r->nrows >= lim->max_rows ||
        bytes > (size_t)lim->max_bytes - r->bytes) {
        r->truncated = (long)r->nrows >= lim->max_rows ? 1 : 2;
        for (size_t c = 0; c < r->ncols; c++)
            free(cells[c]);
        return 1;
    }
    r->bytes += bytes;
    if (r->nrows == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->cells = xreallocarray(r->cells, r->cap, r->ncols * sizeof(char *));
    }
    memcpy(r->cells + r->nrows * r->ncols, cells, r->ncols * sizeof(char *));
    r->nrows++;
    return 0;
}

int lakesql_http_status(int rc)
{
    switch (rc) {
    case LAKESQL_OK:
        return 200;
    case LAKESQL_EQUERY:
        return 400;
    case LAKESQL_ETIMEOUT:
        return 504;
    default:
        return 503;
    }
}

/* Type names of both engines: DuckDB's upper case ("BIGINT",
 * "DECIMAL(18,2)"), Trino's lower case ("bigint", "decimal(18,2)"). */
lakesql_kind lakesql_kind_of(const char *type)
{
    static const char *const ints[] = {
        "TINYINT",  "SMALLINT",  "INTEGER",  "INT",     "BIGINT",
        "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", NULL};
    static const char *const floats[] = {"FLOAT", "REAL", "DOUBLE", NULL};

    for (size_t i = 0; ints[i]; i++)
        if (strcasecmp(type, ints[i]) == 0)
            return LAKESQL_INT;
    for (size_t i = 0; floats[i]; i++)
        if (strcasecmp(type, floats[i]) == 0)
            return LAKESQL_FLOAT;
    if (strcasecmp(type, "BOOLEAN") == 0)
        return LAKESQL_BOOL;
    if (strncasecmp(type, "DECIMAL", 7) == 0)
        return LAKESQL_DECIMAL;
    return LAKESQL_TEXT;
}

static void add_cell_json(buf *out, const char *v, lakesql_kind kind)
{
    if (!v) {
        buf_adds(out, "null");
        return;
    }
    switch (kind) {
    case LAKESQL_INT:
    case LAKESQL_FLOAT: {
        char *end;
        double d = strtod(v, &end);

        /* JSON has no NaN or infinities: those stay strings. */
        if (end != v && *end == '\0' && d - d == 0) {
            buf_adds(out, v);
            return;
        }
        break;
    }
    case LAKESQL_BOOL:
        if (strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0) {
            buf_adds(out,
                     tolower((unsigned char)v[0]) == 't' ? "true" : "false");
            return;
        }
        break;
    case LAKESQL_TEXT:
    case LAKESQL_DECIMAL:
        break;
    }
    buf_add_json_str(out, v, strlen(v));
}

void lakesql_result_json(const lakesql_result *r, buf *out)
{
    buf_adds(out, "{\"engine\":");
    buf_add_json_str(out, r->engine, strlen(r->engine));
    buf_adds(out, ",\"columns\":[");
    for (size_t c = 0; c < r->ncols; c++) {
        buf_adds(out, c ? ",{\"name\":" : "{\"name\":");
        buf_add_json_str(out, r->cols[c].name, strlen(r->cols[c].name));
        buf_adds(out, ",\"type\":");
        buf_add_json_str(out, r->cols[c].type, strlen(r->cols[c].type));
        buf_addc(out, '}');
    }
    buf_adds(out, "],\"rows\":[");
    for (size_t i = 0; i < r->nrows; i++) {
        buf_adds(out, i ? ",[" : "[");
        for (size_t c = 0; c < r->ncols; c++) {
            if (c)
                buf_addc(out, ',');
            add_cell_json(out, r->cells[i * r->ncols + c], r->cols[c].kind);
        }
        buf_addc(out, ']');
    }
    buf_addf(out, "],\"row_count\":%zu,\"truncated\":%s,\"elapsed_ms\":%.1f}",
             r->nrows, r->truncated ? "true" : "false", r->elapsed_ms);
}

/* Words that change data, schema or settings in DuckDB or Trino. */
static const char *const denied_words[] = {
    "INSERT",  "UPDATE",  "DELETE",     "MERGE",  "UPSERT",   "CREATE",
    "DROP",    "ALTER",   "TRUNCATE",   "RENAME", "CALL",     "GRANT",
    "REVOKE",  "DENY",    "SET",        "RESET",  "COPY",     "ATTACH",
    "DETACH",  "INSTALL", "LOAD",       "PRAGMA", "EXPORT",   "IMPORT",
    "EXECUTE", "PREPARE", "DEALLOCATE", "COMMIT", "ROLLBACK", "CHECKPOINT",
    "VACUUM",  "USE",     "REFRESH",    NULL};

static int denied(const char *w, size_t n)
{
    for (size_t i = 0; denied_words[i]; i++)
        if (strlen(denied_words[i]) == n &&
            strncasecmp(w, denied_words[i], n) == 0)
            return 1;
    return 0;
}

/* Skips a quoted run that starts at s[0] (' or "), where a doubled
 * quote stands for itself. Returns the position after it, or NULL when
 * it never closes. */
static const char *skip_quoted(const char *s)
{
    char q = *s++;

    for (;;) {
        if (!*s)
            return NULL;
        if (*s == q && s[1] == q) {
            s += 2;
            continue;
        }
        if (*s == q)
            return s + 1;
        s++;
    }
}

int lakesql_check_select(const char *sql, size_t *stmt_len, char *err,
                         size_t errlen)
{
    const char *p = sql;
    int words = 0, ended = 0;

    *stmt_len = strlen(sql);

    if (strlen(sql) > LAKESQL_MAX_SQL) {
        snprintf(err, errlen, "the query is longer than %d bytes",
                 LAKESQL_MAX_SQL);
        return -1;
    }
    while (*p) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");

            if (!end) {
                snprintf(err, errlen, "a /* comment is never closed");
                return -1;
            }
            p = end + 2;
        } else if (ended) {
            snprintf(err, errlen, "only one statement is allowed");
            return -1;
        } else if (*p == ';') {
            if (words == 0) {
                snprintf(err, errlen, "only SELECT statements are allowed");
                return -1;
            }
            ended = 1;
            *stmt_len = (size_t)(p - sql);
            p++;
        } else if (*p == '\'' || *p == '"') {
            const char *end = skip_quoted(p);

            if (!end) {
                snprintf(err, errlen, "a quoted %s is never closed",
                         *p == '\'' ? "string" : "name");
                return -1;
            }
            p = end;
            words++;
        } else if (isalpha((unsigned char)*p) || *p == '_') {
            size_t n = 0;

            while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '$')
                n++;
            if (words == 0 && !(n == 6 && strncasecmp(p, "SELECT", 6) == 0) &&
                !(n == 4 && strncasecmp(p, "WITH", 4) == 0)) {
                snprintf(err, errlen,
                         "only SELECT statements are allowed, not %.*s",
                         (int)(n > 20 ? 20 : n), p);
                return -1;
            }
            if (denied(p, n)) {
                snprintf(err, errlen, "%.*s is not allowed in a query", (int)n,
                         p);
                return -1;
            }
            p += n;
            words++;
        } else if (*p == '(' && words == 0) {
            p++;
        } else {
            if (words == 0) {
                snprintf(err, errlen, "only SELECT statements are allowed");
                return -1;
            }
            p++;
        }
    }
    if (words == 0) {
        snprintf(err, errlen, "the query is empty");
        return -1;
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int lakesql_query(const config *c, const char *sql, const lakesql_limits *lim,
                  lakesql_result *res, char *err, size_t errlen)
{
    lakesql_limits l;
    double t0 = now_ms();
    size_t len;
    char *stmt;
    int rc;

    lakesql_result_init(res);
    l.max_rows = lim ? lim->max_rows : c->lake_query_max_rows;
    l.max_bytes = lim ? lim->max_bytes : c->lake_query_max_bytes;
    l.timeout_ms = lim ? lim->timeout_ms : c->lake_query_timeout_ms;
    if (l.max_rows < 1 || l.max_bytes < 1 || l.timeout_ms < 1) {
        snprintf(err, errlen,
                 "max_rows, max_bytes and timeout_ms must be positive");
        return LAKESQL_EQUERY;
    }
    if (lakesql_check_select(sql, &len, err, errlen) < 0)
        return LAKESQL_EQUERY;
    stmt = xstrndup(sql, len);
    if (c->trino_url[0]) {
        trino_options o = {c->trino_url, c->trino_user, c->trino_catalog,
                           c->trino_schema};

        res->engine = "trino";
        rc = trino_query(&o, stmt, &l, res, err, errlen);
    } else {
        res->engine = "duckdb";
        rc = duckdb_lake_query(c, stmt, &l, res, err, errlen);
    }
    free(stmt);
    res->elapsed_ms = now_ms() - t0;
    return rc;
}
