/*
 * lake-publisher: PostgreSQL rows into the Parquet lake, one file per
 * table and day, exactly once per row.
 *
 * Design. A partition (table, day) is always exactly one file,
 * warehouse/<table>/dt=<day>/part-00000.parquet, and is only ever
 * replaced as a whole, by a rename or an S3 PUT (lake_store), with the
 * day's full content as PostgreSQL has it. So no reader can see a row twice,
 * whatever happens, and writing a day again is harmless.
 *
 * Which days to write comes from the table's watermark (the books are
 * kept per lake, LAKE_URI: each lake has its own), a transaction
 * horizon H: when the previous publication read the table, every
 * transaction below H had finished. A publication, in one transaction
 * holding the table's advisory lock:
 *   1. takes the new horizon H' (the oldest transaction still running);
 *   2. scans the table once: per day, its row count and whether any row
 *      has xmin >= H (inserted or updated since; row xmins are 32-bit
 *      and are widened against the current transaction counter);
 *   3. writes every day that changed, whose count differs from the file
 *      it has (rows deleted), or that has no file yet; removes the file
 *      of a day that has no row any more;
 *   4. commits H' and the file list (lake_watermarks, lake_partitions).
 * A row committed after step 1 has an xmin >= H', so the next run sees
 * it: no timestamp, clock or writer's habit is trusted. A crash between
 * 3 and 4 leaves the watermark where it was: the same days are written
 * again next time, replacing the same files. The scan reads the whole
 * table (one sequential pass, no row data); docs/KNOWN_ISSUES.md notes
 * what that costs on a very large table.
 */
#include "services/lake.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/duckdb_lake.h"
#include "adapters/lake_store.h"
#include "lib/log.h"
#include "lib/queue.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/svc.h"

#define PART_FILE "part-00000.parquet"
#define DAYS_PER_READ 32 /* partitions read from PostgreSQL at once */
#define WRITER_MEMORY "128MB"
#define XID_SPAN 4294967296ULL /* 2^32 */

struct lake_pub {
    const config *cfg;
    lake_store *store;
    duckdb_lake_writer *writer;
};

/* One day of a table as the scan and the bookkeeping see it. */
typedef struct day_state {
    char dt[11];
    long long pg_rows; /* -1: no row in PostgreSQL */
    int changed;
    long long lake_rows; /* -1: no file */
    long long lake_bytes; /* the file's size as recorded */
    int recorded; /* a lake_partitions row exists */
} day_state;

typedef struct day_list {
    day_state *v;
    size_t n, cap;
} day_list;

lake_pub *lake_pub_open(const config *c, char *err, size_t errlen)
{
    lake_pub *p = xcalloc(1, sizeof(*p));

    p->cfg = c;
    p->store = lake_store_open(c, err, errlen);
    if (p->store)
        p->writer = duckdb_lake_writer_new(c, 1, WRITER_MEMORY, err, errlen);
    if (!p->writer) {
        lake_pub_close(p);
        return NULL;
    }
    return p;
}

void lake_pub_close(lake_pub *p)
{
    if (!p)
        return;
    duckdb_lake_writer_free(p->writer);
    lake_store_close(p->store);
    free(p);
}

static day_state *day_get(day_list *l, const char *dt)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].dt, dt) == 0)
            return &l->v[i];
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
    }
    memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
    snprintf(l->v[l->n].dt, sizeof(l->v[l->n].dt), "%s", dt);
    l->v[l->n].pg_rows = -1;
    l->v[l->n].lake_rows = -1;
    return &l->v[l->n++];
}

/* Maps a db_* result to the caller's code, keeping the message. */
static int db_rc(db *d, int rc, char *err, size_t errlen)
{
    if (rc != DB_OK)
        snprintf(err, errlen, "%s", db_error(d));
    return rc;
}

/* Steps 1 and the watermark: sets n32 and span (the widest age of a
 * row xmin that counts as changed) and the new horizon. */
static int read_horizons(db *d, const char *lake, const lake_table *t,
                         const char *sig, char horizon[24], char n32[24],
                         char span[24], char *err, size_t errlen)
{
    const char *params[] = {lake, t->name};
    PGresult *r = NULL;
    unsigned long long xmin, xmax, prev = 0;
    int rc, all;

    rc = db_execp(d, "lake_snapshot",
                  "SELECT pg_snapshot_xmin(pg_current_snapshot())::text,"
                  " pg_snapshot_xmax(pg_current_snapshot())::text",
                  0, NULL, &r);
    if (rc != DB_OK)
        return db_rc(d, rc, err, errlen);
    xmin = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    xmax = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    rc = db_execp(d, "lake_watermark",
                  "SELECT horizon::text, signature FROM lake_watermarks"
                  " WHERE lake = $1 AND table_name = $2",
                  2, params, &r);
    if (rc != DB_OK)
        return db_rc(d, rc, err, errlen);
    all = PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 1), sig) != 0;
    if (!all)
        prev = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (prev > xmax || xmax - prev >= XID_SPAN / 2)
        all = 1;
    snprintf(horizon, 24, "%llu", xmin);
    snprintf(n32, 24, "%llu", xmax % XID_SPAN);
    snprintf(span, 24, "%llu", all ? XID_SPAN : xmax - prev);
    return DB_OK;
}

/* Step 2: every day of the table in PostgreSQL, and whether it changed.
 */
static int scan_days(db *d, const lake_table *t, const char *n32,
                     const char *span, day_list *days, char *err, size_t errlen)
{
    const char *params[] = {n32, span};
    char *sql = xasprintf(
        "SELECT dt::text, count(*), bool_or(ch) FROM (SELECT %s AS dt,"
        " ((($1::bigint - xmin::text::bigint) %% 4294967296 + 4294967296)"
        " %% 4294967296) <= $2::bigint AS ch FROM %s) s"
        " WHERE dt IS NOT NULL GROUP BY dt",
        t->dt, t->source);
    PGresult *r = NULL;
    int rc = db_exec(d, sql, 2, params, &r);

    free(sql);
    if (rc != DB_OK)
        return db_rc(d, rc, err, errlen);
    for (int i = 0; i < PQntuples(r); i++) {
        day_state *s = day_get(days, PQgetvalue(r, i, 0));

        s->pg_rows = atoll(PQgetvalue(r, i, 1));
        s->changed = PQgetvalue(r, i, 2)[0] == 't';
    }
    PQclear(r);
    return DB_OK;
}

static int read_partitions(db *d, const char *lake, const lake_table *t,
                           day_list *days, char *err, size_t errlen)
{
    const char *params[] = {lake, t->name};
    PGresult *r = NULL;
    int rc = db_execp(d, "lake_partitions",
                      "SELECT dt::text, rows, bytes FROM lake_partitions"
                      " WHERE lake = $1 AND table_name = $2",
                      2, params, &r);

    if (rc != DB_OK)
        return db_rc(d, rc, err, errlen);
    for (int i = 0; i < PQntuples(r); i++) {
        day_state *s = day_get(days, PQgetvalue(r, i, 0));

        s->lake_rows = atoll(PQgetvalue(r, i, 1));
        s->lake_bytes = atoll(PQgetvalue(r, i, 2));
        s->recorded = 1;
    }
    PQclear(r);
    return DB_OK;
}

static char *part_key(const lake_table *t, const char *dt)
{
    return xasprintf("%s/dt=%s/" PART_FILE, t->name, dt);
}

/* A day whose file went missing (a lake folder wiped by hand), or is
 * not the size it was written with (cut or overwritten: a reader would
 * fail on it, and on every query over the lake), is written again, as
 * if it had never been published. */
static void check_files(lake_pub *p, const lake_table *t, day_list *days)
{
    for (size_t i = 0; i < days->n; i++) {
        day_state *s = &days->v[i];
        long long size;
        char *key;

        if (s->lake_rows < 0)
            continue;
        key = part_key(t, s->dt);
        size = lake_store_size(p->store, key);
        if (size < 0 || size != s->lake_bytes)
            s->lake_rows = -1;
        free(key);
    }
}

static int needs_write(const day_state *s)
{
    return s->pg_rows >= 0 &&
           (s->changed || s->lake_rows < 0 || s->lake_rows != s->pg_rows);
}

/* Bookkeeping of what this publication did, committed at the end. */
typedef struct pub_result {
    pgarr w_dt, w_file, w_rows, w_bytes; /* written */
    pgarr r_dt; /* removed */
    pgarr files; /* every file written, for the watermark */
    long long rows;
} pub_result;

/* Writes the staged rows of one day as its partition file. */
static int finish_day(lake_pub *p, const lake_table *t, const char *dt,
                      pub_result *out, char *err, size_t errlen)
{
    char *staged = lake_store_staging_path(p->store, ".parquet");
    char *key = part_key(t, dt);
    long long rows = 0;
    int rc = DB_FAIL;

    if (duckdb_lake_writer_finish(p->writer, staged, &rows, err, errlen) < 0) {
        remove(staged);
        goto out;
    }
    if (lake_store_put(p->store, staged, key, err, errlen) < 0) {
        rc = DB_RETRY; /* the storage, not the data */
        goto out;
    }
    pgarr_adds(&out->w_dt, dt);
    pgarr_adds(&out->w_file, key);
    pgarr_addf(&out->w_rows, "%lld", rows);
    pgarr_addf(&out->w_bytes, "%lld", lake_store_size(p->store, key));
    pgarr_adds(&out->files, key);
    out->rows += rows;
    rc = DB_OK;
out:
    free(key);
    free(staged);
    return rc;
}

/* Reads the days in want (a date[] literal) and writes one file per day
 * found; *seen lists the days that had rows. */
static int write_days(lake_pub *p, db *d, const lake_table *t, const char *want,
                      day_list *seen, pub_result *out, char *err, size_t errlen)
{
    const char *params[] = {want};
    const char **vals = xcalloc(t->ncols, sizeof(*vals));
    size_t *lens = xcalloc(t->ncols, sizeof(*lens));
    char cur[11] = "";
    PGresult *r = NULL;
    buf sql;
    int rc;

    buf_init(&sql);
    buf_addf(&sql, "SELECT (%s)::text", t->dt);
    for (size_t i = 0; i < t->ncols; i++)
        buf_addf(&sql, ", %s", t->cols[i].pg);
    buf_addf(&sql, " FROM %s WHERE %s = ANY($1::date[]) ORDER BY 1, %s",
             t->source, t->dt, t->order);
    rc = db_exec(d, sql.data, 1, params, &r);
    if (rc != DB_OK) {
        rc = db_rc(d, rc, err, errlen);
        goto out;
    }
    for (int i = 0; i < PQntuples(r) && rc == DB_OK; i++) {
        const char *dt = PQgetvalue(r, i, 0);

        if (strcmp(dt, cur) != 0) {
            if (cur[0])
                rc = finish_day(p, t, cur, out, err, errlen);
            if (rc != DB_OK)
                break;
            snprintf(cur, sizeof(cur), "%s", dt);
            day_get(seen, cur);
            if (duckdb_lake_writer_begin(p->writer, t->cols, t->ncols, err,
                                         errlen) < 0) {
                rc = DB_FAIL;
                break;
            }
        }
        for (size_t c = 0; c < t->ncols; c++) {
            int col = (int)c + 1;

            vals[c] = PQgetisnull(r, i, col) ? NULL : PQgetvalue(r, i, col);
            lens[c] = (size_t)PQgetlength(r, i, col);
        }
        if (duckdb_lake_writer_add(p->writer, vals, lens, err, errlen) < 0)
            rc = DB_FAIL;
    }
    if (rc == DB_OK && cur[0])
        rc = finish_day(p, t, cur, out, err, errlen);
out:
    PQclear(r);
    buf_release(&sql);
    free(vals);
    free(lens);
    return rc;
}

static int remove_day(lake_pub *p, const lake_table *t, const char *dt,
                      pub_result *out, char *err, size_t errlen)
{
    char *key = part_key(t, dt);
    int rc =
        lake_store_delete(p->store, key, err, errlen) < 0 ? DB_RETRY : DB_OK;

    if (rc == DB_OK)
        pgarr_adds(&out->r_dt, dt);
    free(key);
    return rc;
}

/* Step 3. */
static int write_and_remove(lake_pub *p, db *d, const lake_table *t,
                            day_list *days, pub_result *out, char *err,
                            size_t errlen)
{
    day_list seen = {0};
    pgarr want;
    size_t batch = 0;
    int rc = DB_OK;

    pgarr_init(&want);
    for (size_t i = 0; i < days->n && rc == DB_OK; i++) {
        if (!needs_write(&days->v[i]))
            continue;
        pgarr_adds(&want, days->v[i].dt);
        if (++batch == DAYS_PER_READ) {
            rc =
                write_days(p, d, t, pgarr_text(&want), &seen, out, err, errlen);
            pgarr_release(&want);
            pgarr_init(&want);
            batch = 0;
        }
    }
    if (rc == DB_OK && batch)
        rc = write_days(p, d, t, pgarr_text(&want), &seen, out, err, errlen);
    pgarr_release(&want);

    /* Days with a file but no row now: gone since the scan, or before.
     * A snapshot table keeps its earlier days as history. */
    for (size_t i = 0; i < days->n && rc == DB_OK; i++) {
        day_state *s = &days->v[i];
        int had_rows = 0;

        for (size_t j = 0; j < seen.n; j++)
            had_rows |= strcmp(seen.v[j].dt, s->dt) == 0;
        if (had_rows || !s->recorded || t->snapshot)
            continue;
        if (s->pg_rows < 0 || needs_write(s))
            rc = remove_day(p, t, s->dt, out, err, errlen);
    }
    free(seen.v);
    return rc;
}

/* Step 4. */
static int commit_books(db *d, const char *lake, const lake_table *t,
                        const char *horizon, const char *sig, pub_result *out,
                        char *err, size_t errlen)
{
    char rows[24];
    const char *w[] = {t->name,
                       pgarr_text(&out->w_dt),
                       pgarr_text(&out->w_file),
                       pgarr_text(&out->w_rows),
                       pgarr_text(&out->w_bytes),
                       lake};
    const char *rm[] = {t->name, pgarr_text(&out->r_dt), lake};
    const char *wm[] = {t->name, horizon, sig, pgarr_text(&out->files),
                        rows,    lake};
    int rc;

    snprintf(rows, sizeof(rows), "%lld", out->rows);
    rc = db_execp(d, "lake_parts_put",
                  "INSERT INTO lake_partitions (lake, table_name, dt, file,"
                  " rows, bytes) SELECT $6, $1, u.dt::date, u.f, u.r::bigint,"
                  " u.b::bigint FROM unnest($2::text[], $3::text[],"
                  " $4::text[], $5::text[]) AS u(dt, f, r, b)"
                  " ON CONFLICT (lake, table_name, dt) DO UPDATE SET"
                  " file = EXCLUDED.file, rows = EXCLUDED.rows,"
                  " bytes = EXCLUDED.bytes, published_at = now()",
                  6, w, NULL);
    if (rc == DB_OK)
        rc = db_execp(d, "lake_parts_del",
                      "DELETE FROM lake_partitions WHERE lake = $3"
                      " AND table_name = $1 AND dt = ANY($2::date[])",
                      3, rm, NULL);
    if (rc == DB_OK)
        rc = db_execp(d, "lake_wm_put",
                      "INSERT INTO lake_watermarks (lake, table_name, horizon,"
                      " signature, files, rows_written) VALUES ($6, $1,"
                      " $2::xid8, $3, $4::text[], $5::bigint)"
                      " ON CONFLICT (lake, table_name) DO UPDATE SET"
                      " horizon = EXCLUDED.horizon,"
                      " signature = EXCLUDED.signature,"
                      " files = EXCLUDED.files,"
                      " rows_written = EXCLUDED.rows_written,"
                      " published_at = now()",
                      6, wm, NULL);
    if (rc == DB_OK)
        rc = db_commit(d);
    return db_rc(d, rc, err, errlen);
}

static void pub_result_init(pub_result *o)
{
    pgarr_init(&o->w_dt);
    pgarr_init(&o->w_file);
    pgarr_init(&o->w_rows);
    pgarr_init(&o->w_bytes);
    pgarr_init(&o->r_dt);
    pgarr_init(&o->files);
    o->rows = 0;
}

static void pub_result_release(pub_result *o)
{
    pgarr_release(&o->w_dt);
    pgarr_release(&o->w_file);
    pgarr_release(&o->w_rows);
    pgarr_release(&o->w_bytes);
    pgarr_release(&o->r_dt);
    pgarr_release(&o->files);
}

/* The books of a database migrated from before they were kept per lake
 * (lake ''): the first lake published to takes them, as they were its
 * own, rather than writing every day again. */
static int adopt_books(db *d, const char *lake, const lake_table *t, char *err,
                       size_t errlen)
{
    const char *p[] = {lake, t->name};
    PGresult *r = NULL;
    int rc, old;

    /* (read first: an UPDATE, even of no row, would wait for a lock
     * that the books' other readers do not) */
    rc = db_execp(d, "lake_adopt_any",
                  "SELECT $1 <> '' AND (EXISTS (SELECT 1 FROM"
                  " lake_partitions WHERE lake = '' AND table_name = $2)"
                  " OR EXISTS (SELECT 1 FROM lake_watermarks WHERE"
                  " lake = '' AND table_name = $2))",
                  2, p, &r);
    if (rc != DB_OK)
        return db_rc(d, rc, err, errlen);
    old = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!old)
        return DB_OK;
    rc = db_execp(d, "lake_adopt_parts",
                  "UPDATE lake_partitions SET lake = $1 WHERE lake = ''"
                  " AND table_name = $2 AND NOT EXISTS (SELECT 1 FROM"
                  " lake_watermarks WHERE lake = $1 AND table_name = $2)",
                  2, p, NULL);
    if (rc == DB_OK)
        rc = db_execp(d, "lake_adopt_wm",
                      "UPDATE lake_watermarks SET lake = $1 WHERE lake = ''"
                      " AND table_name = $2 AND NOT EXISTS (SELECT 1 FROM"
                      " lake_watermarks WHERE lake = $1 AND table_name = $2)",
                      2, p, NULL);
    return db_rc(d, rc, err, errlen);
}

/* Begins the table's transaction. Sets *exists to 0 (and rolls back)
 * when the source table is not in the database. */
static int begin_table(db *d, const lake_table *t, int *exists, char *err,
                       size_t errlen)
{
    const char *lock[] = {t->name};
    const char *src[] = {t->source};
    PGresult *r = NULL;
    int rc = db_begin(d);

    if (rc == DB_OK)
        rc = db_execp(d, "lake_lock",
                      "SELECT pg_advisory_xact_lock("
                      "hashtextextended('stonks.lake.' || $1, 0))",
                      1, lock, NULL);
    if (rc == DB_OK)
        rc = db_execp(d, "lake_exists", "SELECT to_regclass($1) IS NOT NULL", 1,
                      src, &r);
    if (rc != DB_OK) {
        db_rollback(d);
        return db_rc(d, rc, err, errlen);
    }
    *exists = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (!*exists)
        db_rollback(d);
    return DB_OK;
}

int lake_pub_table(lake_pub *p, db *d, const lake_table *t, lake_pub_stats *st,
                   char *err, size_t errlen)
{
    char horizon[24], n32[24], span[24];
    char *sig = lake_table_signature(t);
    const char *lake = lake_store_id(p->store);
    day_list days = {0};
    pub_result out;
    long written, removed;
    int exists = 0;
    int rc = begin_table(d, t, &exists, err, errlen);

    pub_result_init(&out);
    if (rc != DB_OK || !exists)
        goto out;
    rc = adopt_books(d, lake, t, err, errlen);
    if (rc == DB_OK)
        rc = read_horizons(d, lake, t, sig, horizon, n32, span, err, errlen);
    if (rc == DB_OK)
        rc = scan_days(d, t, n32, span, &days, err, errlen);
    if (rc == DB_OK)
        rc = read_partitions(d, lake, t, &days, err, errlen);
    if (rc == DB_OK) {
        check_files(p, t, &days);
        rc = write_and_remove(p, d, t, &days, &out, err, errlen);
    }
    if (rc == DB_OK)
        rc = commit_books(d, lake, t, horizon, sig, &out, err, errlen);
    if (rc != DB_OK) {
        char why[512];

        db_rollback(d);
        snprintf(why, sizeof(why), "%s", err);
        snprintf(err, errlen, "table %s: %s", t->name, why);
        goto out;
    }
    written = (long)out.w_dt.n;
    removed = (long)out.r_dt.n;
    if (written || removed) {
        st->tables++;
        LOG_INFO("lake table published", LF_S("table", t->name),
                 LF_I("written", written), LF_I("removed", removed),
                 LF_I("rows", out.rows));
    }
    st->written += written;
    st->removed += removed;
    st->rows += out.rows;
out:
    pub_result_release(&out);
    free(days.v);
    free(sig);
    return rc;
}

void lake_print_ddl(FILE *out)
{
    size_t n;
    const lake_table *tables = lake_tables(&n);
    char type[LAKE_TYPE_NAME_MAX];

    fprintf(out,
            "-- The Parquet lake as external Hive tables in Trino's lakehouse"
            "\n-- catalog. Generated by `stonks lake-publisher --print-ddl`"
            "\n-- from src/domain/lake_schema.c; do not edit by hand (the"
            "\n-- lake test compares the two). Run it with the Trino CLI:"
            "\n--   trino --server http://trino:8080 -f lakehouse.sql"
            "\n-- Files: s3a://stonks-lakehouse/warehouse/<table>/"
            "dt=YYYY-MM-DD/\n-- part-00000.parquet, written by the "
            "lake-publisher (docs/LAKE.md).\n\n"
            "CREATE SCHEMA IF NOT EXISTS lakehouse.stonks\n"
            "WITH (location = 's3a://stonks-lakehouse/warehouse');\n");
    for (size_t i = 0; i < n; i++) {
        const lake_table *t = &tables[i];

        fprintf(out,
                "\n-- %s\nCREATE TABLE IF NOT EXISTS lakehouse.stonks.%s"
                " (\n",
                t->comment, t->name);
        for (size_t c = 0; c < t->ncols; c++)
            fprintf(out, "    \"%s\" %s,\n", t->cols[c].name,
                    lake_type_trino(&t->cols[c], type));
        fprintf(out,
                "    \"dt\" date\n)\nWITH (\n    format = 'PARQUET',\n"
                "    partitioned_by = ARRAY['dt'],\n"
                "    external_location = "
                "'s3a://stonks-lakehouse/warehouse/%s'\n);\n",
                t->name);
    }
    fprintf(out, "\n-- Registers the partitions (days) the publisher wrote "
                 "since the last\n-- call; run after each publication, or "
                 "on a schedule.\n");
    for (size_t i = 0; i < n; i++)
        fprintf(out,
                "CALL lakehouse.system.sync_partition_metadata("
                "'stonks', '%s', 'FULL');\n",
                tables[i].name);
}

/* --- the worker -------------------------------------------------------- */

typedef struct lake_worker {
    lake_pub *pub;
    pthread_t timer;
    int timer_started;
    atomic_int stop;
    const config *cfg;
    char consumer[160];
} lake_worker;

/* Queues a catch-up job every LAKE_PUBLISH_INTERVAL_S while the queue
 * is idle (and one at start), on its own Redis connection. */
static void *timer_main(void *arg)
{
    lake_worker *lw = arg;
    static const char payload[] = "{\"reason\":\"timer\"}";
    const char *payloads[] = {payload};
    size_t lens[] = {sizeof(payload) - 1};
    queue_client *q = NULL;
    char err[256];
    int wait_ms = 0;

    while (!atomic_load(&lw->stop) && !worker_stopping()) {
        queue_stats st;

        if (wait_ms > 0) {
            int step = wait_ms < 100 ? wait_ms : 100;
            struct timespec ts = {0, (long)step * 1000000L};

            nanosleep(&ts, NULL);
            wait_ms -= step;
            continue;
        }
        wait_ms = lw->cfg->lake_publish_interval_s * 1000;
        if (!q)
            q = queue_open(lw->cfg, lw->consumer, err, sizeof(err));
        if (!q)
            continue;
        if (queue_stats_get(q, Q_LAKE_PUBLISH, &st) < 0 ||
            (st.depth == 0 && st.in_flight == 0 &&
             queue_push(q, Q_LAKE_PUBLISH, payloads, lens, 1) < 0)) {
            LOG_WARN("cannot queue the lake catch-up",
                     LF_S("error", queue_error(q)));
            queue_close(q);
            q = NULL;
        }
    }
    queue_close(q);
    return NULL;
}

static int lake_init(worker *w, char *err, size_t errlen)
{
    lake_worker *lw = xcalloc(1, sizeof(*lw));

    lw->cfg = w->cfg;
    lw->pub = lake_pub_open(w->cfg, err, errlen);
    if (!lw->pub) {
        free(lw);
        return -1;
    }
    snprintf(lw->consumer, sizeof(lw->consumer), "%s-timer", w->consumer);
    atomic_init(&lw->stop, 0);
    if (pthread_create(&lw->timer, NULL, timer_main, lw) == 0)
        lw->timer_started = 1;
    else
        LOG_WARN("no catch-up timer: only queued jobs publish");
    w->state = lw;
    LOG_INFO("lake-publisher ready", LF_S("lake", w->cfg->lake_uri),
             LF_S("duckdb", duckdb_lake_version()));
    return 0;
}

static void lake_fini(worker *w)
{
    lake_worker *lw = w->state;

    if (!lw)
        return;
    atomic_store(&lw->stop, 1);
    if (lw->timer_started)
        pthread_join(lw->timer, NULL);
    lake_pub_close(lw->pub);
    free(lw);
    w->state = NULL;
}

/* Adds the tables a job names to want (one flag per lake table). */
static int job_tables(const queue_job *job, int *want, char *err, size_t errlen)
{
    size_t n;
    const lake_table *tables = lake_tables(&n);
    json_t *o = job_parse(job, err, errlen);
    json_t *one, *many, *v;
    size_t i;
    int rc = 0;

    if (!o)
        return -1;
    one = json_object_get(o, "table");
    many = json_object_get(o, "tables");
    if (!one && !many) {
        for (i = 0; i < n; i++)
            want[i] = 1;
        goto out;
    }
    if (one)
        many = json_pack("[O]", one);
    else
        json_incref(many);
    if (!json_is_array(many)) {
        snprintf(err, errlen, "\"tables\" must be an array of names");
        rc = -1;
    }
    json_array_foreach(many, i, v)
    {
        const lake_table *t =
            json_is_string(v) ? lake_table_find(json_string_value(v)) : NULL;

        if (!t) {
            snprintf(err, errlen, "unknown lake table %.60s",
                     json_is_string(v) ? json_string_value(v) : "(not text)");
            rc = -1;
            break;
        }
        want[t - tables] = 1;
    }
    json_decref(many);
out:
    json_decref(o);
    return rc;
}

static int lake_handle(worker *w, queue_job *jobs, size_t njobs, char *err,
                       size_t errlen)
{
    lake_worker *lw = w->state;
    size_t n;
    const lake_table *tables = lake_tables(&n);
    int *want = xcalloc(n, sizeof(*want));
    lake_pub_stats st = {0};
    int rc = WORKER_OK;

    for (size_t j = 0; j < njobs; j++)
        if (job_tables(&jobs[j], want, err, errlen) < 0) {
            free(want);
            return WORKER_FAIL;
        }
    /* a table that cannot be published does not hold up the others */
    for (size_t i = 0; i < n && rc != WORKER_RETRY; i++) {
        char why[1024];
        int r;

        if (!want[i])
            continue;
        r = lake_pub_table(lw->pub, w->db, &tables[i], &st, why, sizeof(why));
        if (r != DB_OK && rc == WORKER_OK)
            snprintf(err, errlen, "%s", why);
        if (r == DB_RETRY)
            rc = WORKER_RETRY;
        else if (r != DB_OK) {
            LOG_ERROR("lake table not published", LF_S("table", tables[i].name),
                      LF_S("error", why));
            rc = WORKER_FAIL;
        }
    }
    free(want);
    return rc;
}

/* A publication writes its Parquet files inside its transaction, for as
 * long as a table's rows take. */
static long lake_tx_wait_ms(const config *c)
{
    (void)c;
    return -1;
}

static const worker_def lake_def = {
    .service = "lake-publisher",
    .queue = Q_LAKE_PUBLISH,
    .init = lake_init,
    .fini = lake_fini,
    .handle = lake_handle,
    .tx_wait_ms = lake_tx_wait_ms,
};

static const char lake_usage[] =
    "usage: stonks lake-publisher [--once [TABLE...]] [--print-ddl]\n"
    "  Copies new and changed rows from PostgreSQL into the Parquet lake\n"
    "  at LAKE_URI, one file per table and day (docs/LAKE.md). As a\n"
    "  service it works the stonks:queue:lake_publish queue and catches\n"
    "  up every LAKE_PUBLISH_INTERVAL_S.\n"
    "  --once        publish every table (or the TABLEs named) and exit\n"
    "  --print-ddl   print Trino's CREATE TABLE statements (lakehouse.sql)"
    "\n";

static int run_once(char **names, int nnames)
{
    config c;
    char err[1024] = "";
    db *d = NULL;
    lake_pub *p = NULL;
    lake_pub_stats st = {0};
    size_t n;
    const lake_table *tables = lake_tables(&n);
    int rc = 1, failed = 0;

    for (int i = 0; i < nnames; i++) {
        if (!lake_table_find(names[i])) {
            fprintf(stderr, "stonks lake-publisher: unknown table '%s'\n",
                    names[i]);
            return 2;
        }
        for (int j = 0; j < i; j++)
            if (strcmp(names[j], names[i]) == 0) {
                fprintf(stderr,
                        "stonks lake-publisher: table '%s' is named twice\n",
                        names[i]);
                return 2;
            }
    }
    if (cli_start("lake-publisher", &c) < 0)
        return 2;
    p = lake_pub_open(&c, err, sizeof(err));
    if (p)
        d = db_open(&c, err, sizeof(err));
    if (!d || !p)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int named = nnames == 0;

        for (int j = 0; j < nnames; j++)
            named |= strcmp(names[j], tables[i].name) == 0;
        /* a table that fails does not hold up the others */
        if (named &&
            lake_pub_table(p, d, &tables[i], &st, err, sizeof(err)) != DB_OK) {
            fprintf(stderr, "stonks lake-publisher: %s\n", err);
            failed = 1;
        }
    }
    printf("lake: %ld partition files written (%lld rows), %ld removed, "
           "in %s\n",
           st.written, st.rows, st.removed, c.lake_uri);
    rc = failed;
out:
    if (rc && !failed)
        fprintf(stderr, "stonks lake-publisher: %s\n", err);
    lake_pub_close(p);
    db_close(d);
    config_release(&c);
    return rc;
}

int cmd_lake_publisher(int argc, char **argv)
{
    config c;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(lake_usage, stdout);
        return 0;
    }
    /* --once [TABLE...] or --print-ddl, each once and not together */
    for (int i = 2; argc > 1 && argv[1][0] == '-' && i < argc; i++) {
        if (strcmp(argv[i], argv[1]) == 0)
            fprintf(stderr, "stonks lake-publisher: %s is given twice\n",
                    argv[1]);
        else if (strcmp(argv[1], "--print-ddl") == 0)
            fprintf(stderr,
                    "stonks lake-publisher: --print-ddl takes no argument, "
                    "not '%s' (see --help)\n",
                    argv[i]);
        else if (strcmp(argv[i], "--print-ddl") == 0)
            fprintf(stderr, "stonks lake-publisher: --once and --print-ddl: "
                            "give one of them\n");
        else
            continue;
        return 2;
    }
    if (argc == 2 && strcmp(argv[1], "--print-ddl") == 0) {
        lake_print_ddl(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--once") == 0)
        return run_once(argv + 2, argc - 2);
    if (argc > 1) {
        fprintf(stderr, "stonks lake-publisher: unknown option '%s'\n%s",
                argv[1], lake_usage);
        return 2;
    }
    if (cli_start(lake_def.service, &c) < 0)
        return 2;
    rc = worker_run(&lake_def, &c);
    config_release(&c);
    return rc;
}
