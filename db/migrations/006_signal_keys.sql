-- Signals carry their document's key (content hash) and whether the
-- document counts (it is not a near-duplicate of an earlier one), so
-- that aggregation reads signals alone, in a fixed order, without
-- touching the wide documents table. The extractor writes both; the
-- parser keeps `counted` in step when it flags a duplicate.
ALTER TABLE signals ADD COLUMN doc_hash text,
    ADD COLUMN counted boolean NOT NULL DEFAULT true;
UPDATE signals s SET doc_hash = d.content_hash,
    counted = d.duplicate_of IS NULL
    FROM documents d WHERE d.id = s.document_id;
ALTER TABLE signals ALTER COLUMN doc_hash SET NOT NULL;
