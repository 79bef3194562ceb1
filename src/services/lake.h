/*
 * lake: the lake-publisher (PostgreSQL rows into the Parquet lake) and
 * `stonks sql` (one SELECT over the lake). docs/LAKE.md describes the
 * lake's layout and both SQL engines; src/adapters/lakesql.h is the
 * query interface other services call.
 *
 * Jobs on stonks:queue:lake_publish are JSON objects: {} (or any object
 * without the keys below) publishes every table; {"table": "signals"}
 * or {"tables": ["orders", "fills"]} only those. A batch of jobs is
 * one publication; the worker also queues a job for itself every
 * LAKE_PUBLISH_INTERVAL_S while its queue is empty, so the lake catches
 * up with no producer at all.
 */
#ifndef STONKS_LAKE_H
#define STONKS_LAKE_H

#include <stddef.h>
#include <stdio.h>

#include "domain/lake_schema.h"
#include "lib/config.h"
#include "lib/db.h"

#define Q_LAKE_PUBLISH "lake_publish"

/* What one publication did. */
typedef struct lake_pub_stats {
    long tables; /* tables that had something to publish */
    long written; /* partition files written */
    long removed; /* partition files removed */
    long long rows; /* rows in the files written */
} lake_pub_stats;

typedef struct lake_pub lake_pub;

/* Opens the publisher's lake store (LAKE_URI) and Parquet writer
 * (DuckDB). Returns NULL with a message in err. Free with
 * lake_pub_close (NULL is safe). */
lake_pub *lake_pub_open(const config *c, char *err, size_t errlen);
void lake_pub_close(lake_pub *p);

/* Publishes table t: every day with a row inserted, updated or deleted
 * since the table's watermark is rewritten as one Parquet file, a day
 * left without rows loses its file, then the watermark and the file list
 * are committed (one transaction per table). Adds to *st. Returns DB_OK,
 * DB_RETRY (PostgreSQL or the lake's storage is unavailable: try again
 * later) or DB_FAIL, with a message in err. A table missing from the
 * database (no trading schema yet) is skipped. */
int lake_pub_table(lake_pub *p, db *d, const lake_table *t, lake_pub_stats *st,
                   char *err, size_t errlen);

/* Prints infra/sql/lakehouse.sql (the Trino DDL) from lake_schema. */
void lake_print_ddl(FILE *out);

int cmd_lake_publisher(int argc, char **argv);
int cmd_sql(int argc, char **argv);

#endif
