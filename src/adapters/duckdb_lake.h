/*
 * duckdb_lake: DuckDB embedded, for the Parquet lake: writing one
 * Parquet file from typed rows (the lake-publisher), and running one
 * read-only SELECT over the lake's files (`stonks sql`, query-api).
 *
 * libduckdb.so is loaded at run time with dlopen, not linked: bin/stonks
 * and every service but these two run on a machine without it, and the
 * image needs no DuckDB for them. The library is looked for at
 * DUCKDB_LIBRARY when that is set, else where the build found it
 * (build/duckdb/ when make fetched it from npm, see scripts/duckdb.sh),
 * else through the dynamic linker's search path. A build that found no
 * duckdb.h at all compiles this module without DuckDB: every call then
 * fails with a message saying so.
 */
#ifndef STONKS_DUCKDB_LAKE_H
#define STONKS_DUCKDB_LAKE_H

#include <stddef.h>

#include "adapters/lakesql.h"
#include "domain/lake_schema.h"
#include "lib/config.h"

/* Loads libduckdb.so once per process (thread-safe). Returns 0, or -1
 * with a message naming every place looked at in err. */
int duckdb_lake_load(const config *c, char *err, size_t errlen);

/* The DuckDB version of the loaded library ("v1.4.4"), or "" before
 * duckdb_lake_load succeeded. */
const char *duckdb_lake_version(void);

/* A Parquet writer: an in-memory DuckDB with one staging table. Rows
 * are added as text in the form lake_type describes; finish writes the
 * staged rows to a Parquet file (zstd, row-group statistics, DuckDB's
 * default row groups) and empties the stage for the next file. Not
 * thread-safe; one per thread. */
typedef struct duckdb_lake_writer duckdb_lake_writer;

/* Opens a writer (threads: DuckDB worker threads; memory_limit: e.g.
 * "256MB"). Returns NULL with a message in err. Free with
 * duckdb_lake_writer_free (NULL is safe). */
duckdb_lake_writer *duckdb_lake_writer_new(const config *c, int threads,
                                           const char *memory_limit, char *err,
                                           size_t errlen);
void duckdb_lake_writer_free(duckdb_lake_writer *w);

/* Starts a file of these columns (the array must outlive the file).
 * Returns 0, or -1 with a message in err. */
int duckdb_lake_writer_begin(duckdb_lake_writer *w, const lake_column *cols,
                             size_t ncols, char *err, size_t errlen);

/* Adds one row: values[i] is column i's text (NULL: SQL NULL), lens[i]
 * its length. Returns 0, or -1 when a value does not parse as its
 * column's type (err names the column and the value). */
int duckdb_lake_writer_add(duckdb_lake_writer *w, const char *const *values,
                           const size_t *lens, char *err, size_t errlen);

/* Writes the rows added since begin to path (a new file; an existing
 * one is replaced) and sets *rows. Returns 0, or -1 with a message. */
int duckdb_lake_writer_finish(duckdb_lake_writer *w, const char *path,
                              long long *rows, char *err, size_t errlen);

/* Runs one SELECT over the lake under root (a local folder laid out as
 * warehouse/<table>/dt=YYYY-MM-DD/<file>.parquet), where every table of
 * lake_schema is a view (an empty one when it has no file yet) named
 * <table>, stonks.<table> and lakehouse.stonks.<table>, with the
 * partition day as column dt. The database is in memory, reaches no
 * file outside root, and its settings are locked before the query runs.
 * Returns a LAKESQL_* code; see lakesql_query. */
int duckdb_lake_query(const config *c, const char *sql,
                      const lakesql_limits *lim, lakesql_result *res, char *err,
                      size_t errlen);

#endif
