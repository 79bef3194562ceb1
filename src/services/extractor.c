/*
 * extractor: takes parsed document ids and writes one signal per
 * (document, ticker it is about): sentiment and label, relevance, event
 * type and confidence, keyed by model version so a repeated job changes
 * nothing. The model is the one EXTRACTOR_MODEL names, behind
 * services/extract_model: the embedded one gives each ticker the
 * sentiment of the parts of the text that name it and a relevance from
 * where it is named (title, body, or a feed tag only; see
 * domain/docsignal.h); Ollama's signals come with the prompt version
 * and the prompt's hash, stored with them. A model answer that is
 * unusable fails the job (retried, then dead-lettered); it never
 * becomes a neutral signal.
 *
 * Aggregation of a day waits for the scheduler to seal it (every
 * document of the day extracted). A document extracted after its day
 * was sealed (a retried job) queues the aggregation of that day again,
 * and of the sealed sessions after it whose windows hold it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "domain/aggregate.h"
#include "domain/date.h"
#include "domain/docsignal.h"
#include "domain/event.h"
#include "domain/mention.h"
#include "domain/sentiment.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/extract_model.h"
#include "services/pipeline.h"
#include "services/svc.h"

/* How often (seconds) the registry version is compared with the one the
 * mention index was loaded at (migration 003 bumps it on every change),
 * as the parser does. */
#define REGISTRY_CHECK_S 2.0

typedef struct extractor_state {
    extract_model *model;
    long long registry_loaded;
    double registry_checked;
} extractor_state;

static long long registry_version(worker *w)
{
    PGresult *r;
    long long v;

    if (db_execp(w->db, "ext_regver", "SELECT last_value FROM registry_version",
                 0, NULL, &r) != DB_OK)
        return -1;
    v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* The registry's tickers and aliases as a mention index, or NULL with a
 * message in err. */
static mention_index *load_index(worker *w, char *err, size_t errlen)
{
    mention_index *idx = mention_index_new();
    PGresult *r;

    if (db_execp(w->db, "ext_symbols",
                 "SELECT ticker FROM symbols WHERE active ORDER BY ticker", 0,
                 NULL, &r) != DB_OK)
        goto dberr;
    for (int i = 0; i < PQntuples(r); i++)
        mention_index_add_ticker(idx, PQgetvalue(r, i, 0));
    PQclear(r);
    if (db_execp(w->db, "ext_aliases",
                 "SELECT a.ticker, a.alias FROM symbol_aliases a"
                 " JOIN symbols s ON s.ticker = a.ticker WHERE s.active"
                 " ORDER BY a.ticker, a.alias",
                 0, NULL, &r) != DB_OK)
        goto dberr;
    for (int i = 0; i < PQntuples(r); i++)
        mention_index_add_alias(idx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    return idx;
dberr:
    snprintf(err, errlen, "cannot load the symbol registry: %s",
             db_error(w->db));
    mention_index_free(idx);
    return NULL;
}

/* Reloads the mention index when the registry changed; a failed reload
 * keeps the old index and is tried again later. */
static void refresh_index(worker *w)
{
    extractor_state *st = w->state;
    struct timespec ts;
    double now;
    long long v;
    mention_index *idx;
    char err[512];

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (now - st->registry_checked < REGISTRY_CHECK_S)
        return;
    st->registry_checked = now;
    v = registry_version(w);
    if (v < 0 || v == st->registry_loaded)
        return;
    idx = load_index(w, err, sizeof(err));
    if (!idx) {
        LOG_WARN("cannot reload the symbol registry", LF_S("error", err));
        return;
    }
    extract_model_set_index(st->model, idx);
    st->registry_loaded = v;
    LOG_INFO("symbol registry reloaded", LF_I("version", v));
}

static void extractor_fini(worker *w)
{
    extractor_state *st = w->state;

    if (!st)
        return;
    extract_model_free(st->model);
    free(st);
    w->state = NULL;
}

static int extractor_init(worker *w, char *err, size_t errlen)
{
    extractor_state *st = xcalloc(1, sizeof(*st));
    mention_index *idx;

    w->state = st;
    st->model = extract_model_open(w->cfg, err, errlen);
    if (!st->model)
        goto fail;
    st->registry_loaded = registry_version(w);
    idx = load_index(w, err, errlen);
    if (!idx)
        goto fail;
    extract_model_set_index(st->model, idx);
    LOG_INFO("model loaded", LF_S("model", extract_model_version(st->model)));
    /* Aggregation counts the signals of the model in service only. */
    if (queue_set(w->q, KEY_MODEL_VERSION, extract_model_version(st->model)) <
        0) {
        snprintf(err, errlen, "%s", queue_error(w->q));
        goto fail;
    }
    return 0;
fail:
    extractor_fini(w);
    return -1;
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
    "SELECT d.id, x.clean_text, d.trading_day::text, t.ticker, t.origin,"
    " d.content_hash, d.duplicate_of IS NULL, d.title"
    " FROM documents d JOIN document_texts x ON x.document_id = d.id"
    " JOIN document_tickers t ON t.document_id = d.id"
    " WHERE d.id = ANY($1::bigint[]) AND d.status <> 'new'"
    " ORDER BY d.id, t.ticker";

static const char SQL_SIGNALS[] =
    "INSERT INTO signals (document_id, ticker, model_version, trading_day,"
    " sentiment, label, relevance, confidence, event_type, doc_hash,"
    " counted, prompt_version, prompt_hash)"
    " SELECT u.id, u.t, $1, u.day::date, u.s::float8, u.l, u.r::float8,"
    " u.c::float8, u.e, u.h, u.k::boolean, $12::text, u.ph"
    " FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],"
    " $11::text[], $13::text[]) AS u(id, t, day, s, l, r, c, e, h, k, ph)"
    " ON CONFLICT (document_id, ticker, model_version) DO UPDATE SET"
    " sentiment = EXCLUDED.sentiment, label = EXCLUDED.label,"
    " relevance = EXCLUDED.relevance, confidence = EXCLUDED.confidence,"
    " event_type = EXCLUDED.event_type, trading_day = EXCLUDED.trading_day,"
    " counted = EXCLUDED.counted, prompt_version = EXCLUDED.prompt_version,"
    " prompt_hash = EXCLUDED.prompt_hash"
    " WHERE (signals.sentiment, signals.label, signals.relevance,"
    " signals.confidence, signals.event_type, signals.trading_day,"
    " signals.counted, signals.prompt_version, signals.prompt_hash)"
    " IS DISTINCT FROM (EXCLUDED.sentiment, EXCLUDED.label,"
    " EXCLUDED.relevance, EXCLUDED.confidence, EXCLUDED.event_type,"
    " EXCLUDED.trading_day, EXCLUDED.counted, EXCLUDED.prompt_version,"
    " EXCLUDED.prompt_hash)";

/* The pending rows go by their key: as a join with the CTE, the planner
 * may scan the (small) pending table and read the CTE again for each of
 * its rows. */
static const char SQL_DONE[] =
    "WITH done AS (UPDATE documents SET status = 'extracted',"
    " updated_at = now() WHERE id = ANY($1::bigint[]) AND status = 'parsed'"
    " RETURNING id)"
    " DELETE FROM pending_documents"
    " WHERE document_id = ANY(ARRAY(SELECT id FROM done))";

/* The documents of a batch that are parsed and about no ticker: there
 * is nothing to extract from them (SQL_LOAD finds only documents with a
 * ticker and a clean text). */
static const char SQL_KNOWN[] =
    "SELECT d.id FROM documents d WHERE d.id = ANY($1::bigint[])"
    " AND d.status <> 'new' AND NOT EXISTS (SELECT 1 FROM"
    " document_tickers t WHERE t.document_id = d.id)";

typedef struct sig_cols {
    pgarr id, t, day, s, l, r, c, e, h, k, ph, done;
} sig_cols;

/* The aggregates a late signal of (ticker $1, day $2) changes: as of
 * its day and of the ticker's later sessions (its bars) within the
 * longest window ($3 days), up to the sealed day $4; later days are
 * aggregated when they are sealed. */
static const char SQL_LATE_DAYS[] =
    "SELECT DISTINCT u.t, g.day::text FROM unnest($1::text[], $2::date[])"
    " AS u(t, d) CROSS JOIN LATERAL (SELECT u.d AS day UNION ALL"
    " SELECT b.day FROM price_bars b WHERE b.ticker = u.t AND b.day > u.d"
    " AND b.day < u.d + $3::int AND b.day <= $4::date) g ORDER BY 1, 2";

/* Queues aggregation for the (ticker, day) pairs of this batch whose
 * day was sealed before the batch began (sealed: the watermark read
 * then; freed here), and for the sealed sessions after it whose windows
 * hold it (SQL_LATE_DAYS; the pair alone when that query fails: the
 * batch is committed, so it is not run again). Only a document sent
 * back after sealing can be in that case: the scheduler cannot seal a
 * day while one of its documents waits for extraction. */
static int requeue_sealed(worker *w, PGresult *r, char *sealed)
{
    pgarr t, d;
    PGresult *late = NULL, *src;
    char **payloads = NULL, win[16];
    size_t n = 0;
    int rc = WORKER_OK, tc, dc;

    if (!sealed)
        return WORKER_OK;
    pgarr_init(&t);
    pgarr_init(&d);
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 2), sealed) <= 0) {
            pgarr_adds(&t, PQgetvalue(r, i, 3));
            pgarr_adds(&d, PQgetvalue(r, i, 2));
        }
    if (t.n == 0)
        goto out;
    snprintf(win, sizeof(win), "%d", AGG_SIGNAL_DAYS);
    {
        const char *p[] = {pgarr_text(&t), pgarr_text(&d), win, sealed};

        if (db_execp(w->db, "ext_late", SQL_LATE_DAYS, 4, p, &late) != DB_OK) {
            LOG_WARN("cannot read the sessions a late signal counts for: "
                     "its own day alone is aggregated again",
                     LF_S("error", db_error(w->db)));
            PQclear(late);
            late = NULL;
        }
    }
    /* (ticker, day): late's columns 0 and 1, else the batch's 3 and 2 */
    src = late ? late : r;
    tc = late ? 0 : 3;
    dc = late ? 1 : 2;
    payloads = xcalloc((size_t)PQntuples(src) + 1, sizeof(*payloads));
    for (int i = 0; i < PQntuples(src); i++)
        if (late || strcmp(PQgetvalue(src, i, dc), sealed) <= 0)
            payloads[n++] =
                xasprintf("{\"ticker\":\"%s\",\"day\":\"%s\"}",
                          PQgetvalue(src, i, tc), PQgetvalue(src, i, dc));
    rc = worker_push(w, Q_AGGREGATION, payloads, n);
out:
    for (size_t i = 0; i < n; i++)
        free(payloads[i]);
    free(payloads);
    PQclear(late);
    pgarr_release(&t);
    pgarr_release(&d);
    free(sealed);
    return rc;
}

/* Extracts the signals of one document, rows [from, to) of r (one row
 * per ticker), and appends them to c. Returns WORKER_OK, or WORKER_FAIL
 * / WORKER_RETRY with the model's reason in err. */
static int extract_rows(extract_model *m, PGresult *r, int from, int to,
                        sig_cols *c, char *err, size_t errlen)
{
    size_t n = (size_t)(to - from);
    char(*tickers)[TICKER_MAX] = xcalloc(n, sizeof(*tickers));
    extract_signal *sig = xcalloc(n, sizeof(*sig));
    const char *text = PQgetvalue(r, from, 1);
    size_t len = (size_t)PQgetlength(r, from, 1);
    extract_doc doc = {text, len, 0, (const char(*)[TICKER_MAX])tickers, n};
    extract_info info;
    char why[768];
    int rc = WORKER_OK;

    doc.title_len = docsignal_title_len(
        PQgetvalue(r, from, 7), (size_t)PQgetlength(r, from, 7), text, len);
    for (size_t i = 0; i < n; i++)
        snprintf(tickers[i], TICKER_MAX, "%s", PQgetvalue(r, from + (int)i, 3));
    switch (extract_model_run(m, &doc, sig, &info, why, sizeof(why))) {
    case EXTRACT_OK:
        break;
    case EXTRACT_RETRY:
        rc = WORKER_RETRY;
        break;
    default:
        rc = WORKER_FAIL;
        break;
    }
    if (rc != WORKER_OK) {
        snprintf(err, errlen, "document %s: %s", PQgetvalue(r, from, 0), why);
        goto out;
    }
    if (info.text_shown < info.text_len)
        LOG_INFO("document cut to fit the model's context",
                 LF_S("document", PQgetvalue(r, from, 0)),
                 LF_I("bytes_shown", info.text_shown),
                 LF_I("bytes", info.text_len));
    for (size_t i = 0; i < n; i++) {
        int row = from + (int)i;

        pgarr_adds(&c->id, PQgetvalue(r, row, 0));
        pgarr_adds(&c->t, tickers[i]);
        pgarr_adds(&c->day, PQgetvalue(r, row, 2));
        pgarr_addf(&c->s, "%.6f", sig[i].sentiment);
        pgarr_adds(&c->l, sentiment_label_name(sig[i].label));
        pgarr_addf(&c->r, "%.2f", sig[i].relevance);
        pgarr_addf(&c->c, "%.6f", sig[i].confidence);
        pgarr_adds(&c->e, event_type_name(sig[i].event));
        pgarr_adds(&c->h, PQgetvalue(r, row, 5));
        pgarr_adds(&c->k, PQgetvalue(r, row, 6));
        pgarr_adds(&c->ph, info.prompt_hash);
    }
out:
    free(tickers);
    free(sig);
    return rc;
}

/* Marks failed every job of the batch that names document id (a
 * document may be queued twice), with err; its id in jid becomes -id,
 * so that the document is not marked done. */
static void fail_document(worker *w, long long *jid, size_t n, long long id,
                          const char *err)
{
    for (size_t k = 0; k < n; k++)
        if (jid[k] == id) {
            worker_job_failed(w, k, err);
            jid[k] = -id;
        }
}

static int extractor_handle(worker *w, queue_job *jobs, size_t n, char *err,
                            size_t errlen)
{
    extractor_state *st = w->state;
    const char *model = extract_model_version(st->model);
    const char *prompt_version = extract_model_prompt_version(st->model);
    sig_cols c;
    pgarr *all = (pgarr *)&c;
    size_t ncols = sizeof(c) / sizeof(pgarr);
    PGresult *r = NULL, *known = NULL;
    char *sealed = NULL;
    long long *jid = xcalloc(n, sizeof(*jid));
    pgarr ids;
    int rc = WORKER_FAIL, dbrc;

    for (size_t i = 0; i < ncols; i++)
        pgarr_init(&all[i]);
    pgarr_init(&ids);
    /* read before the batch: a day sealed since is re-aggregated (a
     * read that fails would skip that, so the batch waits for Redis) */
    if (queue_lookup(w->q, KEY_SEALED, &sealed) < 0) {
        snprintf(err, errlen, "%s", queue_error(w->q));
        rc = WORKER_RETRY;
        goto out;
    }
    refresh_index(w);
    /* a job that fails on its own (no document id, no such document, a
     * model reply that failed its checks) is marked failed, and the
     * others go on: a batch run again job by job asked the model again
     * for every document */
    if (job_doc_ids(w, jobs, n, jid, &ids) == 0) {
        rc = WORKER_OK;
        goto out;
    }
    {
        const char *p[] = {pgarr_text(&ids)};

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
    if (job_fail_missing(NULL, jid, n, r, NULL, NULL) > 0) {
        /* a parsed document about no ticker has nothing to extract (it
         * is marked done below); one not found or not parsed fails */
        const char *p[] = {pgarr_text(&ids)};

        dbrc = db_execp(w->db, "ext_known", SQL_KNOWN, 1, p, &known);
        if (dbrc != DB_OK) {
            db_rollback(w->db);
            goto dberr;
        }
        job_fail_missing(w, jid, n, r, known,
                         "not found, not parsed yet, or without its text");
    }
    for (int i = 0; i < PQntuples(r);) {
        int end = i;

        while (end < PQntuples(r) &&
               strcmp(PQgetvalue(r, end, 0), PQgetvalue(r, i, 0)) == 0)
            end++;
        rc = extract_rows(st->model, r, i, end, &c, err, errlen);
        if (rc == WORKER_FAIL)
            fail_document(w, jid, n, atoll(PQgetvalue(r, i, 0)), err);
        else if (rc != WORKER_OK) {
            db_rollback(w->db);
            goto out;
        }
        i = end;
    }
    /* done: extracted, or about no ticker (not those that failed) */
    for (size_t k = 0; k < n; k++)
        if (jid[k] > 0)
            pgarr_addf(&c.done, "%lld", jid[k]);
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
                            pgarr_text(&c.k),
                            prompt_version,
                            prompt_version ? pgarr_text(&c.ph) : NULL};
        const char *dp[] = {pgarr_text(&c.done)};

        dbrc = DB_OK;
        if (c.id.n > 0)
            dbrc = db_execp(w->db, "ext_signals", SQL_SIGNALS, 13, sp, NULL);
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
    free(jid);
    PQclear(r);
    PQclear(known);
    for (size_t i = 0; i < ncols; i++)
        pgarr_release(&all[i]);
    pgarr_release(&ids);
    return rc;
}

/* With Ollama, a batch calls the model inside its transaction (see
 * SQL_LOCK), each document for up to OLLAMA_TIMEOUT_S. */
static long extractor_tx_wait_ms(const config *c)
{
    if (strcmp(c->extractor_model, "ollama") != 0)
        return 0;
    return (long)c->queue_batch * c->ollama_timeout_s * 1000L;
}

static const worker_def extractor_def = {
    .service = "extractor",
    .queue = Q_EXTRACTION,
    .init = extractor_init,
    .fini = extractor_fini,
    .handle = extractor_handle,
    .dead = job_doc_dead,
    .tx_wait_ms = extractor_tx_wait_ms,
};

int cmd_extractor(int argc, char **argv)
{
    return pipeline_run_worker(
        &extractor_def, argc, argv,
        "usage: stonks extractor\n"
        "  Worker: reads stonks:queue:extraction (document ids), writes\n"
        "  one signal per document and ticker with the model\n"
        "  EXTRACTOR_MODEL names (embedded, or ollama with OLLAMA_URL).\n");
}
