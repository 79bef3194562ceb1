-- The lake's books are one lake's: the watermark and the file list of a
-- table are kept per LAKE_URI (`lake`), so that publishing to a second
-- lake neither takes the first one's books (the first then kept stale
-- days for good) nor leaves it days it should have removed. Rows from
-- before have lake ''; the lake-publisher takes them for the LAKE_URI it
-- publishes to first.
ALTER TABLE lake_watermarks ADD COLUMN lake text NOT NULL DEFAULT '';
ALTER TABLE lake_watermarks DROP CONSTRAINT lake_watermarks_pkey;
ALTER TABLE lake_watermarks ADD PRIMARY KEY (lake, table_name);
ALTER TABLE lake_partitions ADD COLUMN lake text NOT NULL DEFAULT '';
ALTER TABLE lake_partitions DROP CONSTRAINT lake_partitions_pkey;
ALTER TABLE lake_partitions ADD PRIMARY KEY (lake, table_name, dt);
