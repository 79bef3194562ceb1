-- The parser's output, a document's clean text and its hash, in a
-- table of its own. Written into documents, it grew the wide row and
-- changed an indexed column (text_hash), so every parse rewrote the row
-- through all five indexes of documents. Now a parse inserts one row
-- here and changes only the status of the document, which stays on its
-- page (HOT, see migration 007). Duplicates are found through the hash
-- index of this table.
CREATE TABLE document_texts (
    document_id  bigint PRIMARY KEY REFERENCES documents (id),
    text_hash    text NOT NULL,
    clean_text   text NOT NULL
);
CREATE INDEX document_texts_hash ON document_texts (text_hash);
INSERT INTO document_texts (document_id, text_hash, clean_text)
    SELECT id, text_hash, clean_text FROM documents
    WHERE text_hash IS NOT NULL AND clean_text IS NOT NULL;
DROP INDEX documents_text_hash;
ALTER TABLE documents DROP COLUMN clean_text, DROP COLUMN text_hash;

-- A document with its parsed text (NULL until parsed), as the read API
-- and the lake show it. xmin is the later writer of the two rows: the
-- lake publisher finds changed days by the xmin of their rows.
CREATE VIEW documents_with_text AS
    SELECT d.id, d.source, d.provider_id, d.title, d.body, d.published_at,
           d.trading_day, d.content_hash, d.news_type, d.status,
           x.clean_text, x.text_hash, d.duplicate_of, d.created_at,
           d.updated_at,
           CASE WHEN x.xmin IS NOT NULL AND age(x.xmin) < age(d.xmin)
                THEN x.xmin ELSE d.xmin END AS xmin
    FROM documents d LEFT JOIN document_texts x ON x.document_id = d.id;
