-- The documents not yet extracted, by trading day, in a narrow table of
-- their own. The scheduler seals a day when none is left at or before
-- it. Until now a partial index on documents (status <> 'extracted')
-- answered that, but an index whose predicate names the status makes
-- every status change a full (non-HOT) update through all the indexes
-- of the wide documents table. Rows are written by the statements that
-- change a document's status (ingestion inserts, ingestion's retag,
-- extraction deletes), in the same transaction.
CREATE TABLE pending_documents (
    document_id  bigint PRIMARY KEY,
    trading_day  date NOT NULL
);
CREATE INDEX pending_documents_day ON pending_documents (trading_day);
INSERT INTO pending_documents (document_id, trading_day)
    SELECT id, trading_day FROM documents WHERE status <> 'extracted';
DROP INDEX documents_pending;

-- Room on each page for the later versions of a row, so the
-- extraction's status update stays on the page (HOT).
ALTER TABLE documents SET (fillfactor = 70);

-- A signal is about a ticker its document is tagged with: one key check
-- against the tags instead of one against documents and one against
-- symbols (the tag row already holds both).
ALTER TABLE signals DROP CONSTRAINT signals_document_id_fkey,
    DROP CONSTRAINT signals_ticker_fkey,
    ADD CONSTRAINT signals_tag_fkey FOREIGN KEY (document_id, ticker)
        REFERENCES document_tickers (document_id, ticker);

-- The scheduler asks, many times a second while it waits for a day,
-- whether every ticker's ingestion of that day is done: one range of
-- this index instead of one index descent per ticker.
CREATE INDEX ingest_runs_day ON ingest_runs (day);
