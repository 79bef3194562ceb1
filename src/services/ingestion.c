/*
 * ingestion: takes (ticker, day, from) jobs, reads the bars and news of
 * that ticker dated from..day from the provider (the replay files),
 * keeps the raw rows in the object store, and writes documents (one per
 * distinct article: same date, title and summary byte for byte), their
 * ticker tags, price bars (upsert) and the run record in one
 * transaction. New documents are then queued for parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/replay.h"
#include "domain/calendar.h"
#include "domain/date.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/objstore.h"
#include "lib/sha256.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/pipeline.h"
#include "services/svc.h"

typedef struct feed_alias {
    char ticker[TICKER_MAX]; /* canonical */
    char feed[TICKER_MAX]; /* as the provider writes it */
} feed_alias;

typedef struct ingest_state {
    replay_data replay;
    calendar cal;
    objstore *store;
    feed_alias *aliases;
    size_t naliases;
} ingest_state;

/* One article of a batch, before it has a database id. */
typedef struct doc_row {
    char hash[65];
    const replay_news *row;
    int32_t session;
} doc_row;

static int load_aliases(worker *w, ingest_state *st, char *err, size_t errlen)
{
    PGresult *r;

    if (db_exec(w->db,
                "SELECT ticker, alias FROM symbol_aliases"
                " WHERE kind = 'ticker' ORDER BY ticker, alias",
                0, NULL, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(w->db));
        return -1;
    }
    st->naliases = (size_t)PQntuples(r);
    st->aliases = xcalloc(st->naliases, sizeof(*st->aliases));
    for (size_t i = 0; i < st->naliases; i++) {
        snprintf(st->aliases[i].ticker, TICKER_MAX, "%s",
                 PQgetvalue(r, (int)i, 0));
        snprintf(st->aliases[i].feed, TICKER_MAX, "%s",
                 PQgetvalue(r, (int)i, 1));
    }
    PQclear(r);
    return 0;
}

static int ingest_init(worker *w, char *err, size_t errlen)
{
    ingest_state *st = xcalloc(1, sizeof(*st));

    w->state = st;
    if (replay_load(w->cfg->replay_dir, &st->replay, err, errlen) < 0)
        return -1;
    if (st->replay.rejected)
        LOG_WARN("replay rows skipped as unreadable",
                 LF_I("rows", st->replay.rejected));
    calendar_init(&st->cal);
    for (size_t i = 0; i < st->replay.nbars; i++)
        calendar_add(&st->cal, st->replay.bars[i].day);
    calendar_finish(&st->cal);
    st->store = objstore_open(w->cfg, err, errlen);
    if (!st->store)
        return -1;
    return load_aliases(w, st, err, errlen);
}

static void ingest_fini(worker *w)
{
    ingest_state *st = w->state;

    if (!st)
        return;
    replay_release(&st->replay);
    calendar_release(&st->cal);
    objstore_close(st->store);
    free(st->aliases);
    free(st);
}

/* The content hash of an article: its date, title and summary. */
static void article_hash(const replay_news *n, char out[65])
{
    sha256_ctx c;
    unsigned char d[32];
    char date[11];
    static const char hex[] = "0123456789abcdef";

    date_format(n->date, date);
    sha256_init(&c);
    sha256_update(&c, date, 10);
    sha256_update(&c, "\n", 1);
    sha256_update(&c, n->title, n->title_len);
    sha256_update(&c, "\n", 1);
    sha256_update(&c, n->summary, n->summary_len);
    sha256_final(&c, d);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

/* Everything one batch writes, as column arrays for unnest(). */
typedef struct batch_rows {
    pgarr d_pid, d_title, d_body, d_pub, d_day, d_hash, d_raw, d_type;
    pgarr t_hash, t_ticker, t_raw;
    pgarr b_ticker, b_day, b_open, b_high, b_low, b_close, b_vol;
    pgarr r_ticker, r_day, r_docs, r_bars, r_raw;
    pgarr all_hashes;
    size_t ndocs, nbars;
} batch_rows;

static pgarr *batch_arrays(batch_rows *b, size_t *n)
{
    *n = (sizeof(*b) - 2 * sizeof(size_t)) / sizeof(pgarr);
    return (pgarr *)b;
}

static void batch_init(batch_rows *b)
{
    size_t n;
    pgarr *a = batch_arrays(b, &n);

    for (size_t i = 0; i < n; i++)
        pgarr_init(&a[i]);
    b->ndocs = b->nbars = 0;
}

static void batch_release(batch_rows *b)
{
    size_t n;
    pgarr *a = batch_arrays(b, &n);

    for (size_t i = 0; i < n; i++)
        pgarr_release(&a[i]);
}

static int cmp_doc(const void *a, const void *b)
{
    return strcmp(((const doc_row *)a)->hash, ((const doc_row *)b)->hash);
}

/* Collects one job's rows into the batch. Returns 0 or -1 (err set). */
static int collect_job(worker *w, ingest_state *st, json_t *job, batch_rows *b,
                       doc_row **docs, size_t *ndocs, size_t *cap, char *err,
                       size_t errlen)
{
    char ticker[TICKER_MAX], dstr[11], key[72];
    const char *feeds[8];
    size_t nfeeds = 0, nnews = 0, nbars;
    const replay_bar *bars;
    int32_t day, from, bars_from;
    buf raw;

    if (job_ticker(job, "ticker", ticker, err, errlen) < 0 ||
        job_day(job, "day", &day, err, errlen) < 0 ||
        job_day(job, "from", &from, err, errlen) < 0)
        return -1;
    bars_from = from;
    if (json_object_get(job, "bars_from") &&
        job_day(job, "bars_from", &bars_from, err, errlen) < 0)
        return -1;
    if (from > day || bars_from > day) {
        snprintf(err, errlen, "job 'from' is after 'day'");
        return -1;
    }
    feeds[nfeeds++] = ticker;
    for (size_t i = 0; i < st->naliases && nfeeds < 8; i++)
        if (strcmp(st->aliases[i].ticker, ticker) == 0)
            feeds[nfeeds++] = st->aliases[i].feed;

    buf_init(&raw);
    for (size_t f = 0; f < nfeeds; f++) {
        const replay_news *news;
        size_t k = replay_news_range(&st->replay, feeds[f], from, day, &news);

        for (size_t i = 0; i < k; i++) {
            buf_add(&raw, news[i].line, news[i].line_len);
            buf_addc(&raw, '\n');
        }
        nnews += k;
    }
    nbars = replay_bars_range(&st->replay, ticker, bars_from, day, &bars);
    for (size_t i = 0; i < nbars; i++) {
        buf_add(&raw, bars[i].line, bars[i].line_len);
        buf_addc(&raw, '\n');
    }
    key[0] = '\0';
    if (raw.len > 0 &&
        objstore_put(st->store, raw.data, raw.len, key, err, errlen) < 0) {
        buf_release(&raw);
        return -1;
    }
    buf_release(&raw);

    for (size_t f = 0; f < nfeeds; f++) {
        const replay_news *news;
        size_t k = replay_news_range(&st->replay, feeds[f], from, day, &news);

        for (size_t i = 0; i < k; i++) {
            int32_t session = calendar_session_for(&st->cal, news[i].date);
            doc_row *d;

            if (session < 0)
                continue; /* after the last known trading day */
            if (*ndocs == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *docs = xreallocarray(*docs, *cap, sizeof(**docs));
            }
            d = &(*docs)[(*ndocs)++];
            article_hash(&news[i], d->hash);
            d->row = &news[i];
            d->session = session;
            pgarr_adds(&b->t_hash, d->hash);
            pgarr_adds(&b->t_ticker, ticker);
            pgarr_adds(&b->t_raw, key[0] ? key : NULL);
        }
    }
    for (size_t i = 0; i < nbars; i++) {
        pgarr_adds(&b->b_ticker, ticker);
        pgarr_adds(&b->b_day, DAYSTR(bars[i].day, dstr));
        pgarr_addf(&b->b_open, "%.17g", bars[i].open);
        pgarr_addf(&b->b_high, "%.17g", bars[i].high);
        pgarr_addf(&b->b_low, "%.17g", bars[i].low);
        pgarr_addf(&b->b_close, "%.17g", bars[i].close);
        pgarr_addf(&b->b_vol, "%lld", bars[i].volume);
    }
    b->nbars += nbars;
    pgarr_adds(&b->r_ticker, ticker);
    pgarr_adds(&b->r_day, DAYSTR(day, dstr));
    pgarr_addf(&b->r_docs, "%zu", nnews);
    pgarr_addf(&b->r_bars, "%zu", nbars);
    pgarr_adds(&b->r_raw, key[0] ? key : NULL);
    (void)w;
    return 0;
}

/* Adds the distinct articles of docs (sorted by hash, so that
 * concurrent batches lock rows in one order) to the document arrays. */
static void add_documents(batch_rows *b, doc_row *docs, size_t n)
{
    char dstr[11], pid[64], pub[32];

    qsort(docs, n, sizeof(*docs), cmp_doc);
    for (size_t i = 0; i < n; i++) {
        const replay_news *r = docs[i].row;

        if (i > 0 && strcmp(docs[i].hash, docs[i - 1].hash) == 0)
            continue;
        date_format(r->date, dstr);
        snprintf(pid, sizeof(pid), "reuters:%.4s%.2s%.2s:%.16s", dstr, dstr + 5,
                 dstr + 8, docs[i].hash);
        snprintf(pub, sizeof(pub), "%s 00:00:00+00", dstr);
        pgarr_adds(&b->d_pid, pid);
        pgarr_add(&b->d_title, r->title, r->title_len);
        pgarr_add(&b->d_body, r->summary, r->summary_len);
        pgarr_adds(&b->d_pub, pub);
        pgarr_adds(&b->d_day, DAYSTR(docs[i].session, dstr));
        pgarr_adds(&b->d_hash, docs[i].hash);
        pgarr_add(&b->d_type, r->news_type, r->news_type_len);
        pgarr_adds(&b->all_hashes, docs[i].hash);
        b->ndocs++;
    }
}

static const char SQL_DOCS[] =
    "INSERT INTO documents (source, provider_id, title, body, published_at,"
    " trading_day, content_hash, news_type)"
    " SELECT $1, u.pid, u.title, u.body, u.pub::timestamptz, u.day::date,"
    " u.hash, u.typ"
    " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::text[], $8::text[])"
    " AS u(pid, title, body, pub, day, hash, typ)"
    " ON CONFLICT DO NOTHING";

/* A feed tag replaces a mention tag of the same pair. A document that
 * gains a tag after its extraction goes back to 'parsed' and is queued
 * for extraction again, so its new ticker gets its signal and the
 * scheduler does not seal its day before that. The status change is a
 * statement of its own: its snapshot is taken after the tag insert has
 * waited for an extractor holding the document, so it sees that
 * extractor's 'extracted'. */
static const char SQL_TAGS[] =
    "INSERT INTO document_tickers (document_id, ticker, origin, raw_key)"
    " SELECT DISTINCT ON (d.id, u.ticker) d.id, u.ticker, 'feed', u.raw"
    " FROM unnest($2::text[], $3::text[], $4::text[])"
    " AS u(hash, ticker, raw)"
    " JOIN documents d ON d.source = $1 AND d.content_hash = u.hash"
    " ORDER BY d.id, u.ticker, u.raw"
    " ON CONFLICT (document_id, ticker) DO UPDATE SET origin = 'feed',"
    " raw_key = EXCLUDED.raw_key WHERE document_tickers.origin = 'mention'"
    " RETURNING document_id";

static const char SQL_RETAG[] =
    "UPDATE documents SET status = 'parsed', updated_at = now()"
    " WHERE id = ANY($1::bigint[]) AND status = 'extracted' RETURNING id";

static const char SQL_BARS[] =
    "INSERT INTO price_bars (ticker, day, open, high, low, close, volume,"
    " source)"
    " SELECT u.t, u.d::date, u.o::float8, u.h::float8, u.l::float8,"
    " u.c::float8, u.v::bigint, 'replay'"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    " $5::text[], $6::text[], $7::text[]) AS u(t, d, o, h, l, c, v)"
    " ORDER BY u.t, u.d"
    " ON CONFLICT (ticker, day) DO UPDATE SET open = EXCLUDED.open,"
    " high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,"
    " volume = EXCLUDED.volume, source = EXCLUDED.source";

static const char SQL_RUNS[] =
    "INSERT INTO ingest_runs (ticker, day, documents, bars, raw_key)"
    " SELECT u.t, u.d::date, u.n::int, u.b::int, u.r"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    " $5::text[]) AS u(t, d, n, b, r)"
    " ON CONFLICT (ticker, day) DO UPDATE SET documents = EXCLUDED.documents,"
    " bars = EXCLUDED.bars, raw_key = EXCLUDED.raw_key, done_at = now()";

static const char SQL_NEW[] =
    "SELECT id FROM documents WHERE source = $1"
    " AND content_hash = ANY($2::text[]) AND status = 'new' ORDER BY id";

/* Inserts the tags; *retag gets the documents sent back to extraction.
 */
static int retag_documents(worker *w, const char *const *tags, PGresult **retag)
{
    PGresult *tagged = NULL;
    pgarr ids;
    int rc = db_execp(w->db, "ing_tags", SQL_TAGS, 4, tags, &tagged);

    if (rc != DB_OK)
        return rc;
    pgarr_init(&ids);
    for (int i = 0; i < PQntuples(tagged); i++)
        pgarr_adds(&ids, PQgetvalue(tagged, i, 0));
    PQclear(tagged);
    {
        const char *p[] = {pgarr_text(&ids)};

        rc = db_execp(w->db, "ing_retag", SQL_RETAG, 1, p, retag);
    }
    pgarr_release(&ids);
    return rc;
}

static int write_batch(worker *w, batch_rows *b, PGresult **fresh,
                       PGresult **retag)
{
    const char *docs[] = {REPLAY_SOURCE,           pgarr_text(&b->d_pid),
                          pgarr_text(&b->d_title), pgarr_text(&b->d_body),
                          pgarr_text(&b->d_pub),   pgarr_text(&b->d_day),
                          pgarr_text(&b->d_hash),  pgarr_text(&b->d_type)};
    const char *tags[] = {REPLAY_SOURCE, pgarr_text(&b->t_hash),
                          pgarr_text(&b->t_ticker), pgarr_text(&b->t_raw)};
    const char *bars[] = {pgarr_text(&b->b_ticker), pgarr_text(&b->b_day),
                          pgarr_text(&b->b_open),   pgarr_text(&b->b_high),
                          pgarr_text(&b->b_low),    pgarr_text(&b->b_close),
                          pgarr_text(&b->b_vol)};
    const char *runs[] = {pgarr_text(&b->r_ticker), pgarr_text(&b->r_day),
                          pgarr_text(&b->r_docs), pgarr_text(&b->r_bars),
                          pgarr_text(&b->r_raw)};
    const char *fresh_p[] = {REPLAY_SOURCE, pgarr_text(&b->all_hashes)};
    int rc;

    rc = db_begin(w->db);
    if (rc == DB_OK && b->ndocs > 0)
        rc = db_execp(w->db, "ing_docs", SQL_DOCS, 8, docs, NULL);
    if (rc == DB_OK && b->ndocs > 0)
        rc = retag_documents(w, tags, retag);
    if (rc == DB_OK && b->nbars > 0)
        rc = db_execp(w->db, "ing_bars", SQL_BARS, 7, bars, NULL);
    if (rc == DB_OK)
        rc = db_execp(w->db, "ing_runs", SQL_RUNS, 5, runs, NULL);
    if (rc == DB_OK)
        rc = db_execp(w->db, "ing_new", SQL_NEW, 2, fresh_p, fresh);
    if (rc == DB_OK)
        rc = db_commit(w->db);
    if (rc != DB_OK) {
        db_rollback(w->db);
        PQclear(*fresh);
        PQclear(*retag);
        *fresh = *retag = NULL;
    }
    return rc;
}

/* Queues one {"doc": id} job per row of r (first column). */
static int push_docs(worker *w, const char *queue, PGresult *r)
{
    size_t k = r ? (size_t)PQntuples(r) : 0;
    char **payloads = xcalloc(k + 1, sizeof(*payloads));
    int rc;

    for (size_t i = 0; i < k; i++)
        payloads[i] = xasprintf("{\"doc\":%s}", PQgetvalue(r, (int)i, 0));
    rc = worker_push(w, queue, payloads, k);
    for (size_t i = 0; i < k; i++)
        free(payloads[i]);
    free(payloads);
    return rc;
}

static int ingest_handle(worker *w, queue_job *jobs, size_t n, char *err,
                         size_t errlen)
{
    ingest_state *st = w->state;
    doc_row *docs = NULL;
    size_t ndocs = 0, cap = 0;
    PGresult *fresh = NULL, *retag = NULL;
    batch_rows b;
    int rc = WORKER_OK;

    batch_init(&b);
    for (size_t i = 0; i < n; i++) {
        json_t *job = job_parse(&jobs[i], err, errlen);

        if (!job ||
            collect_job(w, st, job, &b, &docs, &ndocs, &cap, err, errlen) < 0) {
            json_decref(job);
            rc = WORKER_FAIL;
            goto out;
        }
        json_decref(job);
    }
    add_documents(&b, docs, ndocs);
    rc = write_batch(w, &b, &fresh, &retag);
    if (rc != DB_OK) {
        snprintf(err, errlen, "%s", db_error(w->db));
        rc = rc == DB_RETRY ? WORKER_RETRY : WORKER_FAIL;
        goto out;
    }
    rc = push_docs(w, Q_PARSING, fresh);
    if (rc == WORKER_OK)
        rc = push_docs(w, Q_EXTRACTION, retag);
    if (rc != WORKER_OK)
        snprintf(err, errlen, "cannot queue follow-up jobs");
out:
    PQclear(fresh);
    PQclear(retag);
    free(docs);
    batch_release(&b);
    return rc;
}

static const worker_def ingestion_def = {
    .service = "ingestion",
    .queue = Q_INGESTION,
    .init = ingest_init,
    .fini = ingest_fini,
    .handle = ingest_handle,
};

int cmd_ingestion(int argc, char **argv)
{
    return pipeline_run_worker(
        &ingestion_def, argc, argv,
        "usage: stonks ingestion\n"
        "  Worker: reads stonks:queue:ingestion (ticker, day), stores the\n"
        "  provider's bars and news, queues new documents for parsing.\n");
}
