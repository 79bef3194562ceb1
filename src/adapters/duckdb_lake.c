#include "adapters/duckdb_lake.h"

#include <stdio.h>
#include <string.h>

/* make puts duckdb.h on the include path when it found or fetched one
 * (scripts/duckdb.sh); without it this module is a stub that explains.
 */
#if defined(__has_include)
#if __has_include(<duckdb.h>)
#define DUCKDB_LAKE_HAVE 1
#endif
#endif

#ifdef DUCKDB_LAKE_HAVE

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/duckdb_api.h"
#include "adapters/lake_store.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

/* Settings of the query engine: a query shares its process (query-api)
 * with other work, so DuckDB gets a bounded share of it. */
#define QUERY_THREADS "2"
#define QUERY_MEMORY "256MB"
/* mkdtemp's template end: six capital X (spelt out, not a marker) */
static const char MKDTEMP_SIX[] = {'X', 'X', 'X', 'X', 'X', 'X', '\0'};

static const duckdb_api_table *const dk = &duckdb_api;

int duckdb_lake_load(const config *c, char *err, size_t errlen)
{
    return duckdb_api_load(c->duckdb_library, err, errlen);
}

const char *duckdb_lake_version(void)
{
    return dk->duckdb_library_version ? dk->duckdb_library_version() : "";
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Appends s as an SQL string literal or a quoted name. */
static void add_quoted(buf *b, const char *s, char q)
{
    buf_addc(b, q);
    for (; *s; s++) {
        if (*s == q)
            buf_addc(b, q);
        buf_addc(b, *s);
    }
    buf_addc(b, q);
}

static int exec_sql(duckdb_connection con, const char *sql, char *err,
                    size_t errlen)
{
    duckdb_result r;
    int rc = 0;

    if (dk->duckdb_query(con, sql, &r) == DuckDBError) {
        const char *msg = dk->duckdb_result_error(&r);

        snprintf(err, errlen, "DuckDB: %s", msg ? msg : "query failed");
        rc = -1;
    }
    dk->duckdb_destroy_result(&r);
    return rc;
}

/* An in-memory database, its connection and its folder for what does
 * not fit in memory_limit. DuckDB's default is ".tmp" under the working
 * folder, shared by every DuckDB started there: two of them spilling at
 * once wrote over each other's files and crashed, and a query could
 * read that folder. Each database gets a private one instead (mkdtemp
 * under TMPDIR or /tmp), removed with it. */
typedef struct memdb {
    duckdb_database db;
    duckdb_connection con;
    char *tmp;
} memdb;

/* Removes a spill folder and the files in it (DuckDB keeps them flat). */
static void remove_spill(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            char *path = xasprintf("%s/%s", dir, e->d_name);

            unlink(path);
            free(path);
        }
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static void close_memory(memdb *m)
{
    if (m->con)
        dk->duckdb_disconnect(&m->con);
    if (m->db)
        dk->duckdb_close(&m->db);
    if (m->tmp) {
        /* DuckDB removes its files on close; any it left go too */
        remove_spill(m->tmp);
        free(m->tmp);
    }
    m->db = NULL;
    m->con = NULL;
    m->tmp = NULL;
}

/* Spill folders are named SPILL_PREFIX<pid>-<six>: the folders of this
 * user under base whose process has ended (killed before it could
 * remove its own, with what it had spilled) are removed. One of a
 * process that still runs, or of another user, is left alone. */
#define SPILL_PREFIX "stonks-duckdb-"

static void sweep_spills(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *e;
    size_t plen = strlen(SPILL_PREFIX);

    while (d && (e = readdir(d))) {
        const char *rest = e->d_name + plen;
        char *end, *path;
        struct stat st;
        long pid;

        if (strncmp(e->d_name, SPILL_PREFIX, plen) != 0)
            continue;
        errno = 0;
        pid = strtol(rest, &end, 10);
        if (errno || end == rest || *end != '-' || pid <= 0 ||
            pid == (long)getpid() || pid > INT_MAX)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        path = xasprintf("%s/%s", base, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
            st.st_uid == geteuid())
            remove_spill(path);
        free(path);
    }
    if (d)
        closedir(d);
}

/* The folder spill folders are made in: TMPDIR when it is a full path,
 * else /tmp. */
static const char *spill_base(void)
{
    const char *base = getenv("TMPDIR");

    return base && base[0] == '/' ? base : "/tmp";
}

/* Once a process: the leftovers of ended processes are removed when the
 * first database opens, not at every open (a publisher opens one per
 * table). */
static pthread_once_t swept = PTHREAD_ONCE_INIT;

static void sweep_once(void)
{
    sweep_spills(spill_base());
}

static int open_memory(memdb *m, char *err, size_t errlen)
{
    const char *base = spill_base();
    buf sql;
    int rc;

    memset(m, 0, sizeof(*m));
    pthread_once(&swept, sweep_once);
    /* (mkdtemp replaces the template's last six characters) */
    m->tmp = xasprintf("%s/" SPILL_PREFIX "%ld-%.6s", base, (long)getpid(),
                       MKDTEMP_SIX);
    if (!mkdtemp(m->tmp)) {
        snprintf(err, errlen,
                 "DuckDB: cannot create its spill folder %s: %s; set TMPDIR "
                 "to a folder it may write",
                 m->tmp, strerror(errno));
        free(m->tmp);
        m->tmp = NULL;
        return -1;
    }
    if (dk->duckdb_open(NULL, &m->db) == DuckDBError) {
        snprintf(err, errlen, "DuckDB: cannot open an in-memory database");
        close_memory(m);
        return -1;
    }
    if (dk->duckdb_connect(m->db, &m->con) == DuckDBError) {
        snprintf(err, errlen, "DuckDB: cannot connect");
        close_memory(m);
        return -1;
    }
    buf_init(&sql);
    buf_adds(&sql, "SET temp_directory = ");
    add_quoted(&sql, m->tmp, '\'');
    rc = exec_sql(m->con, sql.data, err, errlen);
    buf_release(&sql);
    if (rc < 0)
        close_memory(m);
    return rc;
}

/* --- the Parquet writer ------------------------------------------------ */

struct duckdb_lake_writer {
    memdb m;
    const lake_column *cols;
    size_t ncols;
    duckdb_logical_type *types;
    duckdb_appender app;
    duckdb_data_chunk chunk;
    idx_t fill; /* rows in chunk */
    idx_t chunk_cap;
    long long rows;
};

static void writer_end(duckdb_lake_writer *w)
{
    if (w->chunk)
        dk->duckdb_destroy_data_chunk(&w->chunk);
    if (w->app)
        dk->duckdb_appender_destroy(&w->app);
    for (size_t i = 0; w->types && i < w->ncols; i++)
        dk->duckdb_destroy_logical_type(&w->types[i]);
    free(w->types);
    w->types = NULL;
    w->chunk = NULL;
    w->app = NULL;
    w->cols = NULL;
    w->ncols = 0;
    w->fill = 0;
    w->rows = 0;
}

duckdb_lake_writer *duckdb_lake_writer_new(const config *c, int threads,
                                           const char *memory_limit, char *err,
                                           size_t errlen)
{
    duckdb_lake_writer *w;
    buf sql;
    int rc;

    if (duckdb_lake_load(c, err, errlen) < 0)
        return NULL;
    w = xcalloc(1, sizeof(*w));
    if (open_memory(&w->m, err, errlen) < 0) {
        free(w);
        return NULL;
    }
    buf_init(&sql);
    buf_addf(&sql, "SET threads = %d; SET memory_limit = ", threads);
    add_quoted(&sql, memory_limit, '\'');
    rc = exec_sql(w->m.con, sql.data, err, errlen);
    buf_release(&sql);
    if (rc < 0) {
        duckdb_lake_writer_free(w);
        return NULL;
    }
    w->chunk_cap = dk->duckdb_vector_size();
    return w;
}

void duckdb_lake_writer_free(duckdb_lake_writer *w)
{
    if (!w)
        return;
    writer_end(w);
    close_memory(&w->m);
    free(w);
}

static duckdb_logical_type logical_type(const lake_column *c)
{
    static const duckdb_type ids[] = {
        [LAKE_BIGINT] = DUCKDB_TYPE_BIGINT,
        [LAKE_INT] = DUCKDB_TYPE_INTEGER,
        [LAKE_DOUBLE] = DUCKDB_TYPE_DOUBLE,
        [LAKE_BOOL] = DUCKDB_TYPE_BOOLEAN,
        [LAKE_DATE] = DUCKDB_TYPE_DATE,
        [LAKE_TIMESTAMP] = DUCKDB_TYPE_TIMESTAMP_TZ,
        [LAKE_DECIMAL] = DUCKDB_TYPE_DECIMAL,
        [LAKE_TEXT] = DUCKDB_TYPE_VARCHAR,
    };

    if (c->type == LAKE_DECIMAL)
        return dk->duckdb_create_decimal_type(LAKE_DECIMAL_PRECISION,
                                              (uint8_t)c->scale);
    return dk->duckdb_create_logical_type(ids[c->type]);
}

int duckdb_lake_writer_begin(duckdb_lake_writer *w, const lake_column *cols,
                             size_t ncols, char *err, size_t errlen)
{
    char type[LAKE_TYPE_NAME_MAX];
    buf sql;
    int rc = -1;

    writer_end(w);
    buf_init(&sql);
    buf_adds(&sql, "CREATE OR REPLACE TABLE lake_stage (");
    for (size_t i = 0; i < ncols; i++) {
        if (i)
            buf_adds(&sql, ", ");
        add_quoted(&sql, cols[i].name, '"');
        buf_addf(&sql, " %s", lake_type_duckdb(&cols[i], type));
    }
    buf_addc(&sql, ')');
    if (exec_sql(w->m.con, sql.data, err, errlen) < 0)
        goto out;
    if (dk->duckdb_appender_create(w->m.con, NULL, "lake_stage", &w->app) ==
        DuckDBError) {
        snprintf(err, errlen, "DuckDB: cannot append to the stage: %s",
                 dk->duckdb_appender_error(w->app));
        goto out;
    }
    w->cols = cols;
    w->ncols = ncols;
    w->types = xcalloc(ncols, sizeof(*w->types));
    for (size_t i = 0; i < ncols; i++)
        w->types[i] = logical_type(&cols[i]);
    w->chunk = dk->duckdb_create_data_chunk(w->types, ncols);
    rc = 0;
out:
    buf_release(&sql);
    return rc;
}

static int parse_i64(const char *v, long long min, long long max,
                     long long *out)
{
    char *end;
    long long x;

    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < min || x > max)
        return -1;
    *out = x;
    return 0;
}

static int put_value(duckdb_lake_writer *w, size_t col, const char *v,
                     size_t len)
{
    duckdb_vector vec = dk->duckdb_data_chunk_get_vector(w->chunk, col);
    void *data = dk->duckdb_vector_get_data(vec);
    idx_t row = w->fill;
    long long x;
    char *end;

    if (!v) {
        dk->duckdb_vector_ensure_validity_writable(vec);
        dk->duckdb_validity_set_row_invalid(dk->duckdb_vector_get_validity(vec),
                                            row);
        return 0;
    }
    switch (w->cols[col].type) {
    case LAKE_BIGINT:
    case LAKE_TIMESTAMP:
    case LAKE_DECIMAL:
        if (parse_i64(v, INT64_MIN, INT64_MAX, &x) < 0)
            return -1;
        ((int64_t *)data)[row] = x;
        return 0;
    case LAKE_INT:
    case LAKE_DATE:
        if (parse_i64(v, INT32_MIN, INT32_MAX, &x) < 0)
            return -1;
        ((int32_t *)data)[row] = (int32_t)x;
        return 0;
    case LAKE_DOUBLE:
        ((double *)data)[row] = strtod(v, &end);
        return end == v || *end ? -1 : 0;
    case LAKE_BOOL:
        if (strcmp(v, "t") != 0 && strcmp(v, "f") != 0)
            return -1;
        ((bool *)data)[row] = v[0] == 't';
        return 0;
    case LAKE_TEXT:
        dk->duckdb_vector_assign_string_element_len(vec, row, v, len);
        return 0;
    }
    return -1;
}

static int flush_chunk(duckdb_lake_writer *w, char *err, size_t errlen)
{
    if (w->fill == 0)
        return 0;
    dk->duckdb_data_chunk_set_size(w->chunk, w->fill);
    if (dk->duckdb_append_data_chunk(w->app, w->chunk) == DuckDBError) {
        snprintf(err, errlen, "DuckDB: cannot append rows: %s",
                 dk->duckdb_appender_error(w->app));
        return -1;
    }
    dk->duckdb_destroy_data_chunk(&w->chunk);
    w->chunk = dk->duckdb_create_data_chunk(w->types, w->ncols);
    w->fill = 0;
    return 0;
}

int duckdb_lake_writer_add(duckdb_lake_writer *w, const char *const *values,
                           const size_t *lens, char *err, size_t errlen)
{
    if (!w->chunk) {
        snprintf(err, errlen, "the Parquet writer has no file begun");
        return -1;
    }
    for (size_t i = 0; i < w->ncols; i++) {
        char type[LAKE_TYPE_NAME_MAX];

        if (put_value(w, i, values[i], lens[i]) == 0)
            continue;
        snprintf(err, errlen, "column %s: '%.40s' is not a %s", w->cols[i].name,
                 values[i] ? values[i] : "NULL",
                 lake_type_duckdb(&w->cols[i], type));
        return -1;
    }
    w->fill++;
    w->rows++;
    if (w->fill == w->chunk_cap)
        return flush_chunk(w, err, errlen);
    return 0;
}

int duckdb_lake_writer_finish(duckdb_lake_writer *w, const char *path,
                              long long *rows, char *err, size_t errlen)
{
    buf sql;
    int rc = -1;

    *rows = w->rows;
    buf_init(&sql);
    if (!w->app) {
        snprintf(err, errlen, "the Parquet writer has no file begun");
        goto out;
    }
    if (flush_chunk(w, err, errlen) < 0)
        goto out;
    if (dk->duckdb_appender_close(w->app) == DuckDBError) {
        snprintf(err, errlen, "DuckDB: cannot finish the stage: %s",
                 dk->duckdb_appender_error(w->app));
        goto out;
    }
    buf_adds(&sql, "COPY lake_stage TO ");
    add_quoted(&sql, path, '\'');
    buf_adds(&sql, " (FORMAT parquet, COMPRESSION zstd)");
    rc = exec_sql(w->m.con, sql.data, err, errlen);
out:
    writer_end(w);
    if (w->m.con)
        exec_sql(w->m.con, "DROP TABLE IF EXISTS lake_stage", err,
                 rc < 0 ? 0 : errlen);
    buf_release(&sql);
    return rc;
}

/* --- the query engine -------------------------------------------------- */

/* The view of one lake table: its files, or no row of the same columns
 * while it has none. */
static void add_view(buf *sql, const char *root, const lake_table *t)
{
    char type[LAKE_TYPE_NAME_MAX];
    char *pattern = xasprintf("%s/%s/dt=*/*.parquet", root, t->name);
    glob_t g;
    int found = glob(pattern, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;

    globfree(&g);
    buf_adds(sql, "CREATE VIEW lakehouse.stonks.");
    add_quoted(sql, t->name, '"');
    buf_adds(sql, " AS SELECT ");
    for (size_t i = 0; i < t->ncols; i++) {
        if (found) {
            add_quoted(sql, t->cols[i].name, '"');
        } else {
            buf_addf(sql, "CAST(NULL AS %s) AS ",
                     lake_type_duckdb(&t->cols[i], type));
            add_quoted(sql, t->cols[i].name, '"');
        }
        buf_adds(sql, ", ");
    }
    if (found) {
        buf_adds(sql, "dt FROM read_parquet(");
        add_quoted(sql, pattern, '\'');
        buf_adds(sql, ", hive_partitioning = true, hive_types = {'dt': DATE},"
                      " union_by_name = true);\n");
    } else {
        buf_adds(sql, "CAST(NULL AS DATE) AS dt WHERE false;\n");
    }
    free(pattern);
}

/* Creates the views, then shuts every door: no file outside root, no
 * extension loading, no change of settings. */
static int prepare_lake(duckdb_connection con, const char *root, char *err,
                        size_t errlen)
{
    size_t n;
    const lake_table *tables = lake_tables(&n);
    char *dir = xasprintf("%s/", root);
    buf sql;
    int rc;

    buf_init(&sql);
    buf_adds(&sql, "SET threads = " QUERY_THREADS ";\n"
                   "SET memory_limit = '" QUERY_MEMORY "';\n"
                   "ATTACH ':memory:' AS lakehouse;\n"
                   "CREATE SCHEMA lakehouse.stonks;\n");
    for (size_t i = 0; i < n; i++)
        add_view(&sql, root, &tables[i]);
    buf_adds(&sql, "USE lakehouse.stonks;\nSET allowed_directories = [");
    add_quoted(&sql, dir, '\'');
    buf_adds(&sql, "];\nSET enable_external_access = false;\n"
                   "SET autoinstall_known_extensions = false;\n"
                   "SET autoload_known_extensions = false;\n"
                   "SET lock_configuration = true;\n");
    rc = exec_sql(con, sql.data, err, errlen);
    buf_release(&sql);
    free(dir);
    return rc;
}

/* Parses sql as exactly one statement and prepares it. Returns
 * LAKESQL_OK with *st set (the caller destroys it), or LAKESQL_EQUERY.
 */
static int prepare_one(duckdb_connection con, const char *sql,
                       duckdb_prepared_statement *st, char *err, size_t errlen)
{
    duckdb_extracted_statements ex = NULL;
    idx_t n = dk->duckdb_extract_statements(con, sql, &ex);
    int rc = LAKESQL_EQUERY;

    *st = NULL;
    if (n == 0) {
        const char *msg = dk->duckdb_extract_statements_error(ex);

        snprintf(err, errlen, "%s", msg ? msg : "the query does not parse");
        goto out;
    }
    if (n != 1) {
        snprintf(err, errlen, "only one statement is allowed");
        goto out;
    }
    if (dk->duckdb_prepare_extracted_statement(con, ex, 0, st) == DuckDBError) {
        snprintf(err, errlen, "%s", dk->duckdb_prepare_error(*st));
        goto out;
    }
    if (dk->duckdb_prepared_statement_type(*st) !=
        DUCKDB_STATEMENT_TYPE_SELECT) {
        snprintf(err, errlen, "only SELECT statements are allowed");
        goto out;
    }
    if (dk->duckdb_nparams(*st) != 0) {
        snprintf(err, errlen, "query parameters ($1, ?) are not supported");
        goto out;
    }
    rc = LAKESQL_OK;
out:
    if (rc != LAKESQL_OK && *st)
        dk->duckdb_destroy_prepare(st);
    dk->duckdb_destroy_extracted(&ex);
    return rc;
}

/* Cell (row, col) of a VARCHAR vector as a new string, NULL for NULL.
 * A NUL inside the text (chr(0); the lake's data holds none, as it
 * comes from PostgreSQL) is shown as U+2400, the symbol for null: it
 * had cut the value short without a word. */
static char *varchar_cell(duckdb_vector vec, idx_t row)
{
    uint64_t *valid = dk->duckdb_vector_get_validity(vec);
    duckdb_string_t *s;

    if (valid && !dk->duckdb_validity_row_is_valid(valid, row))
        return NULL;
    s = (duckdb_string_t *)dk->duckdb_vector_get_data(vec) + row;
    return lakesql_cell_text(dk->duckdb_string_t_data(s),
                             dk->duckdb_string_t_length(*s));
}

/* The names and type names of the query's columns. */
static int describe(duckdb_connection con, const char *sql, lakesql_result *res,
                    char *err, size_t errlen)
{
    char *text = xasprintf("DESCRIBE %s", sql);
    duckdb_result r;
    duckdb_data_chunk ch;
    int rc = LAKESQL_OK;

    if (dk->duckdb_query(con, text, &r) == DuckDBError) {
        snprintf(err, errlen, "%s", dk->duckdb_result_error(&r));
        rc = LAKESQL_EQUERY;
    }
    while (rc == LAKESQL_OK && (ch = dk->duckdb_fetch_chunk(r))) {
        idx_t n = dk->duckdb_data_chunk_get_size(ch);
        duckdb_vector names = dk->duckdb_data_chunk_get_vector(ch, 0);
        duckdb_vector types = dk->duckdb_data_chunk_get_vector(ch, 1);

        for (idx_t i = 0; i < n; i++) {
            char *name = varchar_cell(names, i);
            char *type = varchar_cell(types, i);

            lakesql_result_add_column(res, name ? name : "", type ? type : "");
            free(name);
            free(type);
        }
        dk->duckdb_destroy_data_chunk(&ch);
    }
    dk->duckdb_destroy_result(&r);
    free(text);
    return rc;
}

/* Runs the statement to the end, or until the deadline (then the query
 * is interrupted). Returns LAKESQL_OK with *out set. */
static int run_until(duckdb_connection con, duckdb_prepared_statement st,
                     double deadline, int timeout_ms, duckdb_result *out,
                     char *err, size_t errlen)
{
    duckdb_pending_result pending = NULL;
    int rc = LAKESQL_EQUERY;

    if (dk->duckdb_pending_prepared(st, &pending) == DuckDBError) {
        snprintf(err, errlen, "%s", dk->duckdb_pending_error(pending));
        goto out;
    }
    for (;;) {
        duckdb_pending_state s = dk->duckdb_pending_execute_task(pending);

        if (s == DUCKDB_PENDING_ERROR) {
            snprintf(err, errlen, "%s", dk->duckdb_pending_error(pending));
            goto out;
        }
        if (dk->duckdb_pending_execution_is_finished(s))
            break;
        if (now_ms() > deadline) {
            /* Interrupted, the query ends in an error at its next step;
             * running the steps out lets DuckDB free what it holds. */
            dk->duckdb_interrupt(con);
            while (!dk->duckdb_pending_execution_is_finished(s) &&
                   s != DUCKDB_PENDING_ERROR)
                s = dk->duckdb_pending_execute_task(pending);
            snprintf(err, errlen, "the query ran past %d ms", timeout_ms);
            rc = LAKESQL_ETIMEOUT;
            goto out;
        }
    }
    if (dk->duckdb_execute_pending(pending, out) == DuckDBError) {
        snprintf(err, errlen, "%s", dk->duckdb_result_error(out));
        dk->duckdb_destroy_result(out);
        goto out;
    }
    rc = LAKESQL_OK;
out:
    if (pending)
        dk->duckdb_destroy_pending(&pending);
    return rc;
}

/* Every column cast to text by DuckDB itself, at most max_rows + 1 rows
 * (the extra one tells that the answer was cut), copied until the rows
 * or their bytes reach the limits. DuckDB holds its answer of up to
 * max_rows + 1 rows whole (its workers run a query to the end even when
 * its answer streams), so the byte limit bounds the copy only. */
static int fetch_rows(duckdb_connection con, const char *sql,
                      const lakesql_limits *lim, double deadline,
                      lakesql_result *res, char *err, size_t errlen)
{
    char *text = xasprintf("SELECT COLUMNS(*)::VARCHAR FROM (\n%s\n) AS "
                           "lakesql_q LIMIT %ld",
                           sql, lim->max_rows + 1);
    duckdb_prepared_statement st = NULL;
    duckdb_result r;
    duckdb_data_chunk ch;
    char **cells;
    int rc = prepare_one(con, text, &st, err, errlen);

    if (rc == LAKESQL_OK)
        rc = run_until(con, st, deadline, lim->timeout_ms, &r, err, errlen);
    if (st)
        dk->duckdb_destroy_prepare(&st);
    free(text);
    if (rc != LAKESQL_OK)
        return rc;
    if (dk->duckdb_column_count(&r) != res->ncols) {
        snprintf(err, errlen, "DuckDB: the answer has %llu columns, not %zu",
                 (unsigned long long)dk->duckdb_column_count(&r), res->ncols);
        dk->duckdb_destroy_result(&r);
        return LAKESQL_EENGINE;
    }
    cells = xcalloc(res->ncols ? res->ncols : 1, sizeof(*cells));
    while (!res->truncated && (ch = dk->duckdb_fetch_chunk(r))) {
        idx_t n = dk->duckdb_data_chunk_get_size(ch);

        for (idx_t i = 0; i < n && !res->truncated; i++) {
            for (size_t c = 0; c < res->ncols; c++)
                cells[c] =
                    varchar_cell(dk->duckdb_data_chunk_get_vector(ch, c), i);
            lakesql_result_take_row(res, cells, lim);
        }
        dk->duckdb_destroy_data_chunk(&ch);
    }
    free(cells);
    dk->duckdb_destroy_result(&r);
    return LAKESQL_OK;
}

int duckdb_lake_query(const config *c, const char *sql,
                      const lakesql_limits *lim, lakesql_result *res, char *err,
                      size_t errlen)
{
    double deadline = now_ms() + lim->timeout_ms;
    char root[PATH_MAX];
    memdb m = {0};
    duckdb_prepared_statement st = NULL;
    int rc = LAKESQL_EENGINE;

    if (duckdb_lake_load(c, err, errlen) < 0 ||
        lake_store_local_dir(c->lake_uri, root, sizeof(root), err, errlen) <
            0 ||
        open_memory(&m, err, errlen) < 0 ||
        prepare_lake(m.con, root, err, errlen) < 0)
        goto out;
    rc = prepare_one(m.con, sql, &st, err, errlen);
    if (st)
        dk->duckdb_destroy_prepare(&st);
    if (rc == LAKESQL_OK)
        rc = describe(m.con, sql, res, err, errlen);
    if (rc == LAKESQL_OK)
        rc = fetch_rows(m.con, sql, lim, deadline, res, err, errlen);
out:
    close_memory(&m);
    return rc;
}

#else /* no duckdb.h */

static const char no_duckdb[] =
    "this build of stonks has no DuckDB: make found no duckdb.h and could "
    "not fetch it with npm (run `make duckdb`, then `make`; see "
    "docs/LAKE.md)";

int duckdb_lake_load(const config *c, char *err, size_t errlen)
{
    (void)c;
    snprintf(err, errlen, "%s", no_duckdb);
    return -1;
}

const char *duckdb_lake_version(void)
{
    return "";
}

duckdb_lake_writer *duckdb_lake_writer_new(const config *c, int threads,
                                           const char *memory_limit, char *err,
                                           size_t errlen)
{
    (void)c;
    (void)threads;
    (void)memory_limit;
    snprintf(err, errlen, "%s", no_duckdb);
    return NULL;
}

void duckdb_lake_writer_free(duckdb_lake_writer *w)
{
    (void)w;
}

int duckdb_lake_writer_begin(duckdb_lake_writer *w, const lake_column *cols,
                             size_t ncols, char *err, size_t errlen)
{
    (void)w;
    (void)cols;
    (void)ncols;
    snprintf(err, errlen, "%s", no_duckdb);
    return -1;
}

int duckdb_lake_writer_add(duckdb_lake_writer *w, const char *const *values,
                           const size_t *lens, char *err, size_t errlen)
{
    (void)w;
    (void)values;
    (void)lens;
    snprintf(err, errlen, "%s", no_duckdb);
    return -1;
}

int duckdb_lake_writer_finish(duckdb_lake_writer *w, const char *path,
                              long long *rows, char *err, size_t errlen)
{
    (void)w;
    (void)path;
    *rows = 0;
    snprintf(err, errlen, "%s", no_duckdb);
    return -1;
}

int duckdb_lake_query(const config *c, const char *sql,
                      const lakesql_limits *lim, lakesql_result *res, char *err,
                      size_t errlen)
{
    (void)c;
    (void)sql;
    (void)lim;
    (void)res;
    snprintf(err, errlen, "%s", no_duckdb);
    return LAKESQL_EENGINE;
}

#endif
