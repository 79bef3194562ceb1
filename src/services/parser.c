/*
 * parser: takes document ids, writes each document's clean text, the
 * tickers its text mentions (from the registry's names and aliases),
 * and flags near-duplicates: a document whose clean text equals that of
 * an earlier one (earliest trading day, then content hash) points at it
 * through duplicate_of. Parsed documents are queued for extraction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/mention.h"
#include "domain/text.h"
#include "lib/log.h"
#include "lib/sha256.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/pipeline.h"
#include "services/svc.h"

#define MAX_MENTIONS 64

/* Registry changes (symbol-registry, seed) bump the sequence
 * registry_version (migration 003). The parser compares it with the
 * value it loaded at most every REGISTRY_CHECK_S and reloads its index
 * when they differ, so new aliases count without a restart. */
#define REGISTRY_CHECK_S 2.0

static long long registry_loaded = -1;
static double registry_checked;

/* The registry's version now, or -1 when it cannot be read. */
static long long registry_version(worker *w)
{
    PGresult *r;
    long long v;

    if (db_execp(w->db, "parse_regver",
                 "SELECT last_value FROM registry_version", 0, NULL,
                 &r) != DB_OK)
        return -1;
    v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static int parser_init(worker *w, char *err, size_t errlen)
{
    mention_index *idx = mention_index_new();
    PGresult *r;

    registry_loaded = registry_version(w);
    if (db_exec(w->db,
                "SELECT ticker FROM symbols WHERE active"
                " ORDER BY ticker",
                0, NULL, &r) != DB_OK)
        goto dberr;
    for (int i = 0; i < PQntuples(r); i++)
        mention_index_add_ticker(idx, PQgetvalue(r, i, 0));
    PQclear(r);
    if (db_exec(w->db,
                "SELECT a.ticker, a.alias FROM symbol_aliases a"
                " JOIN symbols s ON s.ticker = a.ticker WHERE s.active"
                " ORDER BY a.ticker, a.alias",
                0, NULL, &r) != DB_OK)
        goto dberr;
    for (int i = 0; i < PQntuples(r); i++)
        mention_index_add_alias(idx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    w->state = idx;
    return 0;
dberr:
    snprintf(err, errlen, "cannot load the symbol registry: %s",
             db_error(w->db));
    mention_index_free(idx);
    return -1;
}

static void parser_fini(worker *w)
{
    mention_index_free(w->state);
}

/* The mention index, reloaded first when the registry changed. A
 * failed reload keeps the old index and is tried again later. */
static mention_index *parser_index(worker *w)
{
    struct timespec ts;
    double now;
    long long v;
    mention_index *old = w->state;
    char err[512];

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (now - registry_checked < REGISTRY_CHECK_S)
        return w->state;
    registry_checked = now;
    v = registry_version(w);
    if (v < 0 || v == registry_loaded)
        return w->state;
    if (parser_init(w, err, sizeof(err)) < 0) {
        w->state = old;
        LOG_WARN("cannot reload the symbol registry", LF_S("error", err));
        return w->state;
    }
    mention_index_free(old);
    LOG_INFO("symbol registry reloaded", LF_I("version", registry_loaded));
    return w->state;
}

static const char SQL_LOAD[] =
    "SELECT id, title, body FROM documents WHERE id = ANY($1::bigint[])"
    " ORDER BY id";

/* Duplicate detection must see every document with the same text, also
 * one another replica is parsing right now: a transaction-scoped
 * advisory lock per text hash (taken in hash order) serialises the
 * batches that share a text, and the statements after it see the other
 * batch's committed rows. Then row locks in id order for the batch and
 * the documents sharing their text, so replicas never wait in a cycle.
 */
static const char SQL_TEXT_LOCK[] =
    "SELECT pg_advisory_xact_lock(hashtextextended(h, 7411))"
    " FROM (SELECT DISTINCT h FROM unnest($1::text[]) AS u(h) ORDER BY h) x";

static const char SQL_LOCK[] =
    "SELECT id, duplicate_of IS NOT NULL FROM documents"
    " WHERE id = ANY($1::bigint[] || ARRAY(SELECT document_id"
    " FROM document_texts WHERE text_hash = ANY($2::text[])))"
    " ORDER BY id FOR NO KEY UPDATE";

/* The text, in its own table (migration 008); a parse run again writes
 * only what changed. */
static const char SQL_TEXTS[] =
    "INSERT INTO document_texts (document_id, text_hash, clean_text)"
    " SELECT u.id, u.h, u.clean"
    " FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, clean, h)"
    " ORDER BY u.id"
    " ON CONFLICT (document_id) DO UPDATE SET text_hash = EXCLUDED.text_hash,"
    " clean_text = EXCLUDED.clean_text"
    " WHERE (document_texts.text_hash, document_texts.clean_text)"
    " IS DISTINCT FROM (EXCLUDED.text_hash, EXCLUDED.clean_text)";

static const char SQL_PARSED[] =
    "UPDATE documents SET status = 'parsed', updated_at = now()"
    " WHERE id = ANY($1::bigint[]) AND status = 'new'";

static const char SQL_MENTIONS[] =
    "INSERT INTO document_tickers (document_id, ticker, origin)"
    " SELECT u.id, u.t, 'mention'"
    " FROM unnest($1::bigint[], $2::text[]) AS u(id, t)"
    " JOIN symbols s ON s.ticker = u.t"
    " ORDER BY u.id, u.t"
    " ON CONFLICT (document_id, ticker) DO NOTHING";

/* Flags near-duplicates and keeps the signals already written in step
 * (`counted`), in one statement. Needed only when a text is shared (see
 * needs_dups). The signals are read by their key (the id list), not by
 * a join the planner might make a scan of the whole table. */
static const char SQL_DUPS[] =
    "WITH changed AS ("
    " UPDATE documents d SET duplicate_of = NULLIF(x.first, d.id)"
    " FROM (SELECT t.document_id AS id, first_value(t.document_id)"
    "        OVER (PARTITION BY t.text_hash"
    "        ORDER BY o.trading_day, o.content_hash) AS first"
    "       FROM document_texts t JOIN documents o ON o.id = t.document_id"
    "       WHERE t.text_hash = ANY($1::text[])) x"
    " WHERE d.id = x.id"
    " AND d.duplicate_of IS DISTINCT FROM NULLIF(x.first, d.id)"
    " RETURNING d.id, d.duplicate_of IS NULL AS counted)"
    " UPDATE signals s SET counted = c.counted FROM changed c"
    " WHERE s.document_id = ANY(ARRAY(SELECT id FROM changed))"
    " AND s.document_id = c.id AND s.counted IS DISTINCT FROM c.counted";

static int cmp_hash(const void *a, const void *b)
{
    return memcmp(a, b, 64);
}

/* 1 when the duplicate flags may change: the lock found a document
 * outside the batch with one of its texts, or one already flagged, or
 * two documents of the batch share a text. Otherwise every document of
 * the batch has a text of its own and no flag to clear. */
static int needs_dups(PGresult *locked, size_t nbatch, char (*hashes)[65])
{
    if ((size_t)PQntuples(locked) != nbatch)
        return 1;
    for (int i = 0; i < PQntuples(locked); i++)
        if (PQgetvalue(locked, i, 1)[0] == 't')
            return 1;
    xqsort(hashes, nbatch, sizeof(*hashes), cmp_hash);
    for (size_t i = 1; i < nbatch; i++)
        if (memcmp(hashes[i - 1], hashes[i], 64) == 0)
            return 1;
    return 0;
}

static int parser_handle(worker *w, queue_job *jobs, size_t n, char *err,
                         size_t errlen)
{
    mention_index *idx = parser_index(w);
    pgarr ids, up_id, up_clean, up_hash, m_id, m_t;
    PGresult *r = NULL, *locked = NULL;
    char **payloads = NULL;
    char(*hashes)[65] = NULL;
    long long *jid = xcalloc(n, sizeof(*jid));
    size_t np = 0;
    int rc = WORKER_FAIL;

    pgarr_init(&ids);
    pgarr_init(&up_id);
    pgarr_init(&up_clean);
    pgarr_init(&up_hash);
    pgarr_init(&m_id);
    pgarr_init(&m_t);
    /* a job that fails on its own (no document id, no such document)
     * is marked failed, and the others go on */
    if (job_doc_ids(w, jobs, n, jid, &ids) == 0) {
        rc = WORKER_OK;
        goto out;
    }
    {
        const char *p[] = {pgarr_text(&ids)};
        int dbrc = db_execp(w->db, "parse_load", SQL_LOAD, 1, p, &r);

        if (dbrc != DB_OK) {
            snprintf(err, errlen, "%s", db_error(w->db));
            rc = dbrc == DB_RETRY ? WORKER_RETRY : WORKER_FAIL;
            goto out;
        }
    }
    job_fail_missing(w, jid, n, r, NULL, "not found");
    if (PQntuples(r) == 0) {
        rc = WORKER_OK;
        goto out;
    }
    payloads = xcalloc((size_t)PQntuples(r) + 1, sizeof(*payloads));
    hashes = xcalloc((size_t)PQntuples(r) + 1, sizeof(*hashes));
    for (int i = 0; i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, 0);
        size_t clen;
        char *clean = text_clean_article(
            PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1),
            PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2), &clen);
        char hash[65];
        char found[MAX_MENTIONS][TICKER_MAX];
        size_t k = mention_find(idx, clean, clen, found, MAX_MENTIONS);

        sha256_hex(clean, clen, hash);
        memcpy(hashes[np], hash, sizeof(hash));
        pgarr_adds(&up_id, id);
        pgarr_add(&up_clean, clean, clen);
        pgarr_adds(&up_hash, hash);
        for (size_t j = 0; j < k; j++) {
            pgarr_adds(&m_id, id);
            pgarr_adds(&m_t, found[j]);
        }
        payloads[np++] = xasprintf("{\"doc\":%s}", id);
        free(clean);
    }
    {
        const char *up[] = {pgarr_text(&up_id), pgarr_text(&up_clean),
                            pgarr_text(&up_hash)};
        const char *mp[] = {pgarr_text(&m_id), pgarr_text(&m_t)};
        const char *dp[] = {pgarr_text(&up_hash)};
        const char *lp[] = {pgarr_text(&up_id), pgarr_text(&up_hash)};
        int dbrc = db_begin(w->db);

        if (dbrc == DB_OK)
            dbrc =
                db_execp(w->db, "parse_text_lock", SQL_TEXT_LOCK, 1, dp, NULL);
        if (dbrc == DB_OK)
            dbrc = db_execp(w->db, "parse_lock", SQL_LOCK, 2, lp, &locked);
        if (dbrc == DB_OK)
            dbrc = db_execp(w->db, "parse_texts", SQL_TEXTS, 3, up, NULL);
        if (dbrc == DB_OK)
            dbrc = db_execp(w->db, "parse_status", SQL_PARSED, 1, up, NULL);
        if (dbrc == DB_OK && m_id.n > 0)
            dbrc = db_execp(w->db, "parse_mentions", SQL_MENTIONS, 2, mp, NULL);
        if (dbrc == DB_OK && needs_dups(locked, np, hashes))
            dbrc = db_execp(w->db, "parse_dups", SQL_DUPS, 1, dp, NULL);
        if (dbrc == DB_OK)
            dbrc = db_commit(w->db);
        if (dbrc != DB_OK) {
            snprintf(err, errlen, "%s", db_error(w->db));
            db_rollback(w->db);
            rc = dbrc == DB_RETRY ? WORKER_RETRY : WORKER_FAIL;
            goto out;
        }
    }
    rc = worker_push(w, Q_EXTRACTION, payloads, np);
out:
    for (size_t i = 0; i < np; i++)
        free(payloads[i]);
    free(payloads);
    free(hashes);
    free(jid);
    PQclear(r);
    PQclear(locked);
    pgarr_release(&ids);
    pgarr_release(&up_id);
    pgarr_release(&up_clean);
    pgarr_release(&up_hash);
    pgarr_release(&m_id);
    pgarr_release(&m_t);
    return rc;
}

static const worker_def parser_def = {
    .service = "parser",
    .queue = Q_PARSING,
    .init = parser_init,
    .fini = parser_fini,
    .handle = parser_handle,
    .dead = job_doc_dead,
};

int cmd_parser(int argc, char **argv)
{
    return pipeline_run_worker(
        &parser_def, argc, argv,
        "usage: stonks parser\n"
        "  Worker: reads stonks:queue:parsing (document ids), writes clean\n"
        "  text, ticker mentions and duplicate flags, queues extraction.\n");
}
