/*
 * extractor: takes parsed document ids and writes one signal per
 * (document, ticker it is about) with the embedded model: sentiment and
 * label, relevance (1 for a ticker the provider listed the document
 * under, 0.6 for one only mentioned in the text), event type and
 * confidence, keyed by model version so a repeated job changes nothing.
 *
 * Aggregation of a day waits for the scheduler to seal it (every
 * document of the day extracted). A document extracted after its day
 * was sealed (a retried job) queues the aggregation of that day again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/event.h"
#include "domain/sentiment.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/pipeline.h"
#include "services/svc.h"

#define RELEVANCE_FEED 1.0
#define RELEVANCE_MENTION 0.6

static int extractor_init(worker *w, char *err, size_t errlen)
{
    sentiment_model *m = sentiment_model_load(w->cfg->model_path, err, errlen);

    if (!m)
        return -1;
    LOG_INFO("model loaded", LF_S("model", sentiment_model_version(m)));
    w->state = m;
    /* Aggregation counts the signals of the model in service only. */
    if (queue_set(w->q, KEY_MODEL_VERSION, sentiment_model_version(m)) < 0) {
        snprintf(err, errlen, "%s", queue_error(w->q));
        return -1;
    }
    return 0;
}

static void extractor_fini(worker *w)
{
    sentiment_model_free(w->state);
}

/* Locks the documents first (in id order), in a statement of its own: a
 * concurrent ingestion that adds a ticker tag to one of them either
 * commits before the lock is granted (and the next statement, with a
 * fresh snapshot, sees the tag) or waits for this transaction and sends
 * the document back for extraction. */
static const char SQL_LOCK[] =
    "SELECT id FROM documents WHERE id = ANY($1::bigint[])"
    " ORDER BY id FOR UPDATE";

static const char SQL_LOAD[] =
    "SELECT d.id, d.clean_text, d.trading_day::text, t.ticker, t.origin,"
    " d.content_hash, d.duplicate_of IS NULL"
    " FROM documents d JOIN document_tickers t ON t.document_id = d.id"
    " WHERE d.id = ANY($1::bigint[]) AND d.status <> 'new'"
    " ORDER BY d.id, t.ticker";

static const char SQL_SIGNALS[] =
    "INSERT INTO signals (document_id, ticker, model_version, trading_day,"
    " sentiment, label, relevance, confidence, event_type, doc_hash,"
    " counted)"
    " SELECT u.id, u.t, $1, u.day::date, u.s::float8, u.l, u.r::float8,"
    " u.c::float8, u.e, u.h, u.k::boolean"
    " FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],"
    " $11::text[]) AS u(id, t, day, s, l, r, c, e, h, k)"
    " ON CONFLICT (document_id, ticker, model_version) DO UPDATE SET"
    " sentiment = EXCLUDED.sentiment, label = EXCLUDED.label,"
    " relevance = EXCLUDED.relevance, confidence = EXCLUDED.confidence,"
    " event_type = EXCLUDED.event_type, trading_day = EXCLUDED.trading_day,"
    " counted = EXCLUDED.counted"
    " WHERE (signals.sentiment, signals.label, signals.relevance,"
    " signals.confidence, signals.event_type, signals.trading_day,"
    " signals.counted)"
    " IS DISTINCT FROM (EXCLUDED.sentiment, EXCLUDED.label,"
    " EXCLUDED.relevance, EXCLUDED.confidence, EXCLUDED.event_type,"
    " EXCLUDED.trading_day, EXCLUDED.counted)";

static const char SQL_DONE[] =
    "UPDATE documents SET status = 'extracted', updated_at = now()"
    " WHERE id = ANY($1::bigint[]) AND status = 'parsed'";

typedef struct sig_cols {
    pgarr id, t, day, s, l, r, c, e, h, k, done;
} sig_cols;

/* Queues aggregation for the (ticker, day) pairs of this batch whose
 * day was sealed before the batch began (sealed: the watermark read
 * then; freed here). Only a document sent back after sealing can be in
 * that case: the scheduler cannot seal a day while one of its documents
 * waits for extraction. */
static int requeue_sealed(worker *w, PGresult *r, char *sealed)
{
    char **payloads;
    size_t n = 0;
    int rc;

    if (!sealed)
        return WORKER_OK;
    payloads = xcalloc((size_t)PQntuples(r) + 1, sizeof(*payloads));
    for (int i = 0; i < PQntuples(r); i++) {
        const char *day = PQgetvalue(r, i, 2);

        if (strcmp(day, sealed) <= 0)
            payloads[n++] = xasprintf("{\"ticker\":\"%s\",\"day\":\"%s\"}",
                                      PQgetvalue(r, i, 3), day);
    }
    rc = worker_push(w, Q_AGGREGATION, payloads, n);
    for (size_t i = 0; i < n; i++)
        free(payloads[i]);
    free(payloads);
    free(sealed);
    return rc;
}

static int extractor_handle(worker *w, queue_job *jobs, size_t n, char *err,
                            size_t errlen)
{
    const sentiment_model *m = w->state;
    const char *model = sentiment_model_version(m);
    sig_cols c;
    pgarr *all = (pgarr *)&c;
    size_t ncols = sizeof(c) / sizeof(pgarr);
    PGresult *r = NULL;
    sentiment_result sr = {0};
    event_type ev = EVENT_OTHER;
    const char *last_id = "";
    char *sealed = queue_get(w->q, KEY_SEALED);
    int rc = WORKER_FAIL, dbrc;

    for (size_t i = 0; i < ncols; i++)
        pgarr_init(&all[i]);
    for (size_t i = 0; i < n; i++) {
        json_t *job = job_parse(&jobs[i], err, errlen);
        long long id;

        if (!job || job_id(job, "doc", &id, err, errlen) < 0) {
            json_decref(job);
            goto out;
        }
        pgarr_addf(&c.done, "%lld", id);
        json_decref(job);
    }
    {
        const char *p[] = {pgarr_text(&c.done)};

        dbrc = db_begin(w->db);
        if (dbrc == DB_OK)
            dbrc = db_execp(w->db, "ext_lock", SQL_LOCK, 1, p, NULL);
        if (dbrc == DB_OK)
            dbrc = db_execp(w->db, "ext_load", SQL_LOAD, 1, p, &r);
        if (dbrc != DB_OK) {
            db_rollback(w->db);
            goto dberr;
        }
    }
    if (PQntuples(r) == 0 && n == 1) {
        snprintf(err, errlen, "document not found or not parsed yet");
        db_rollback(w->db);
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, 0);
        int feed = strcmp(PQgetvalue(r, i, 4), "feed") == 0;

        if (strcmp(id, last_id) != 0) {
            const char *text = PQgetvalue(r, i, 1);
            size_t len = (size_t)PQgetlength(r, i, 1);

            sentiment_classify(m, text, len, &sr);
            ev = event_classify(text, len);
            last_id = id;
        }
        pgarr_adds(&c.id, id);
        pgarr_adds(&c.t, PQgetvalue(r, i, 3));
        pgarr_adds(&c.day, PQgetvalue(r, i, 2));
        pgarr_addf(&c.s, "%.6f", sr.score);
        pgarr_adds(&c.l, sentiment_label_name(sr.label));
        pgarr_addf(&c.r, "%.2f", feed ? RELEVANCE_FEED : RELEVANCE_MENTION);
        pgarr_addf(&c.c, "%.6f", sr.confidence);
        pgarr_adds(&c.e, event_type_name(ev));
        pgarr_adds(&c.h, PQgetvalue(r, i, 5));
        pgarr_adds(&c.k, PQgetvalue(r, i, 6));
    }
    {
        const char *sp[] = {model,
                            pgarr_text(&c.id),
                            pgarr_text(&c.t),
                            pgarr_text(&c.day),
                            pgarr_text(&c.s),
                            pgarr_text(&c.l),
                            pgarr_text(&c.r),
                            pgarr_text(&c.c),
                            pgarr_text(&c.e),
                            pgarr_text(&c.h),
                            pgarr_text(&c.k)};
        const char *dp[] = {pgarr_text(&c.done)};

        dbrc = DB_OK;
        if (c.id.n > 0)
            dbrc = db_execp(w->db, "ext_signals", SQL_SIGNALS, 11, sp, NULL);
        if (dbrc == DB_OK)
            dbrc = db_execp(w->db, "ext_done", SQL_DONE, 1, dp, NULL);
        if (dbrc == DB_OK)
            dbrc = db_commit(w->db);
        if (dbrc != DB_OK) {
            db_rollback(w->db);
            goto dberr;
        }
    }
    rc = requeue_sealed(w, r, sealed);
    sealed = NULL;
    goto out;
dberr:
    snprintf(err, errlen, "%s", db_error(w->db));
    rc = dbrc == DB_RETRY ? WORKER_RETRY : WORKER_FAIL;
out:
    free(sealed);
    PQclear(r);
    for (size_t i = 0; i < ncols; i++)
        pgarr_release(&all[i]);
    return rc;
}

static const worker_def extractor_def = {
    .service = "extractor",
    .queue = Q_EXTRACTION,
    .init = extractor_init,
    .fini = extractor_fini,
    .handle = extractor_handle,
};

int cmd_extractor(int argc, char **argv)
{
    return pipeline_run_worker(
        &extractor_def, argc, argv,
        "usage: stonks extractor\n"
        "  Worker: reads stonks:queue:extraction (document ids), writes\n"
        "  one signal per document and ticker with the embedded model.\n");
}
