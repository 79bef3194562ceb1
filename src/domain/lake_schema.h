/*
 * lake_schema: the fact tables of the Parquet lake, as data. Each lake
 * table is read from one PostgreSQL table, one Parquet file per day
 * (`warehouse/<table>/dt=YYYY-MM-DD/part-00000.parquet`), with typed
 * columns: timestamps as instants in UTC with microseconds, money and
 * prices as decimals, text as UTF-8. The lake-publisher writes what this
 * table says, the SQL engines create their views from it, and
 * `stonks lake-publisher --print-ddl` prints infra/sql/lakehouse.sql
 * from it, so the three cannot drift apart.
 *
 * Each column carries the PostgreSQL expression that reads it, already
 * in the form the Parquet writer takes (see lake_type). Pure data: no
 * I/O here.
 */
#ifndef STONKS_LAKE_SCHEMA_H
#define STONKS_LAKE_SCHEMA_H

#include <stddef.h>

/* Column types, and the text the PostgreSQL expression must yield. */
typedef enum lake_type {
    LAKE_BIGINT, /* int64: decimal digits */
    LAKE_INT, /* int32: decimal digits */
    LAKE_DOUBLE, /* float64: PostgreSQL's float8 text */
    LAKE_BOOL, /* "t" or "f" */
    LAKE_DATE, /* days since 1970-01-01 */
    LAKE_TIMESTAMP, /* microseconds since 1970-01-01 00:00 UTC */
    LAKE_DECIMAL, /* DECIMAL(18, scale): the unscaled integer */
    LAKE_TEXT, /* UTF-8 text */
} lake_type;

typedef struct lake_column {
    const char *name;
    lake_type type;
    int scale; /* LAKE_DECIMAL only */
    const char *pg; /* PostgreSQL expression over the source table */
} lake_column;

typedef struct lake_table {
    const char *name; /* lake table and folder name */
    const char *source; /* PostgreSQL table */
    const char *dt; /* PostgreSQL expression of the partition day */
    const char *order; /* row order within a file: the table's key */
    /* 1: the table is a snapshot of current state (positions): dt is
     * the UTC day of publication, and earlier days stay as history. */
    int snapshot;
    const lake_column *cols;
    size_t ncols;
    const char *comment; /* one line, for the DDL */
} lake_table;

/* The lake's tables, in publication order; *n is set to their count. */
const lake_table *lake_tables(size_t *n);

/* The table named name, or NULL. */
const lake_table *lake_table_find(const char *name);

/* Type names: DuckDB's ("TIMESTAMPTZ", "DECIMAL(18,2)") and Trino's
 * Hive connector's ("timestamp", "decimal(18,2)"). Written into out
 * (at least 32 bytes); returns out. */
#define LAKE_TYPE_NAME_MAX 32
const char *lake_type_duckdb(const lake_column *c, char *out);
const char *lake_type_trino(const lake_column *c, char *out);

/* The DECIMAL precision of every decimal column. */
#define LAKE_DECIMAL_PRECISION 18

/* A signature of the table's columns ("id:BIGINT,ts:TIMESTAMPTZ,...")
 * in a new string (the caller frees). The publisher stores it with the
 * watermark: a changed signature means every partition is rewritten. */
char *lake_table_signature(const lake_table *t);

#endif
