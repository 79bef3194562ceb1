-- The Parquet lake's bookkeeping (issue 9, docs/LAKE.md): per lake table
-- the watermark of the last publication, and every partition file the
-- lake holds. The lake-publisher writes a partition's file first, then
-- commits these rows in one transaction, so the lake never holds a row
-- twice: a partition is always exactly one file, replaced as a whole.

-- The watermark is a transaction horizon, not a row value: when the
-- publisher last read the table, every transaction whose id is below
-- `horizon` had finished. A row inserted or updated since then carries a
-- newer transaction id (its xmin), whoever wrote it and whatever its
-- timestamps say, so the next publication finds every changed day.
-- `signature` lists the columns written; a new one republishes all.
CREATE TABLE lake_watermarks (
    table_name    text PRIMARY KEY,
    horizon       xid8 NOT NULL,
    signature     text NOT NULL,
    files         text[] NOT NULL,
    rows_written  bigint NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per partition file: its key under LAKE_URI
-- ("signals/dt=2011-09-01/part-00000.parquet"), and the rows and bytes
-- it holds. A day whose row count in PostgreSQL differs from `rows`
-- (rows deleted) is republished too; a day left with no rows loses its
-- file.
CREATE TABLE lake_partitions (
    table_name    text NOT NULL,
    dt            date NOT NULL,
    file          text NOT NULL,
    rows          bigint NOT NULL,
    bytes         bigint NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, dt)
);
