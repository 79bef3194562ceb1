/*
 * ingestion: takes (ticker, day, from) jobs, reads the bars and news of
 * that ticker dated from..day from the provider INGEST_PROVIDER names
 * (adapters/provider.h: the replay files, Polygon, Alpaca or feeds),
 * keeps the raw payload in the object store, and writes documents (one
 * per distinct article: same publication date, title and body byte for
 * byte, or same provider id), their ticker tags (for the articles the
 * provider files under the ticker), price bars (upsert) and the run
 * record in one transaction. New documents are then queued for parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/provider.h"
#include "domain/calendar.h"
#include "domain/date.h"
#include "domain/exchange.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/objstore.h"
#include "lib/sha256.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/pipeline.h"
#include "services/registry.h"
#include "services/svc.h"

typedef struct feed_alias {
    char ticker[TICKER_MAX]; /* canonical */
    char feed[TICKER_MAX]; /* as the provider writes it */
} feed_alias;

/* Follow-up jobs of a committed batch that could not be queued yet. */
typedef struct owed_jobs {
    char **payloads;
    size_t n;
} owed_jobs;

typedef struct ingest_state {
    provider *prov;
    calendar cal;
    objstore *store;
    feed_alias *aliases;
    size_t naliases;
    owed_jobs parse, extract; /* queued first by the next run */
} ingest_state;

/* One article of a batch, before it has a database id. */
typedef struct doc_row {
    char hash[65];
    const provider_news *row;
    int32_t session;
} doc_row;

/* Without a provider calendar, the exchange's rules give the trading
 * days of these years. */
#define RULES_FIRST_YEAR 1990
#define RULES_LAST_YEAR 2100

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
    calendar_init(&st->cal);
    st->prov = provider_open(w->cfg, err, errlen);
    if (!st->prov)
        return -1;
    if (st->prov->trading_days) {
        st->prov->trading_days(st->prov, &st->cal);
    } else {
        int32_t last = date_from_ymd(RULES_LAST_YEAR, 12, 31);

        for (int32_t d = date_from_ymd(RULES_FIRST_YEAR, 1, 1); d <= last; d++)
            if (exchange_is_open(d))
                calendar_add(&st->cal, d);
    }
    calendar_finish(&st->cal);
    LOG_INFO("provider ready", LF_S("provider", st->prov->name));
    st->store = objstore_open(w->cfg, err, errlen);
    if (!st->store)
        return -1;
    return load_aliases(w, st, err, errlen);
}

static void owed_clear(owed_jobs *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->payloads[i]);
    free(o->payloads);
    o->payloads = NULL;
    o->n = 0;
}

static void ingest_fini(worker *w)
{
    ingest_state *st = w->state;

    if (!st)
        return;
    owed_clear(&st->parse);
    owed_clear(&st->extract);
    provider_free(st->prov);
    calendar_release(&st->cal);
    objstore_close(st->store);
    free(st->aliases);
    free(st);
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

/* By hash, then by kind of news: the first of an article's listings in
 * a batch has the least kind (see SQL_NEWS_TYPE). */
static int cmp_doc(const void *a, const void *b)
{
    const doc_row *x = a, *y = b;
    int c = strcmp(x->hash, y->hash);

    if (c != 0)
        return c;
    return strcmp(x->row->news_type ? x->row->news_type : "",
                  y->row->news_type ? y->row->news_type : "");
}

/* Collects one job's rows into the batch; res receives the provider's
 * answer and must outlive the batch (docs point into it). Returns
 * WORKER_OK, or WORKER_FAIL / WORKER_RETRY / WORKER_WAIT with err set. */
static int collect_job(ingest_state *st, json_t *job, batch_rows *b,
                       provider_result *res, doc_row **docs, size_t *ndocs,
                       size_t *cap, char *err, size_t errlen)
{
    char ticker[TICKER_MAX], dstr[11], key[72];
    const char *feeds[REG_MAX_FEEDS];
    size_t nfeeds = 0;
    int32_t day, from, bars_from;
    provider_query q;
    int rc;

    if (job_ticker(job, "ticker", ticker, err, errlen) < 0 ||
        job_day(job, "day", &day, err, errlen) < 0 ||
        job_day(job, "from", &from, err, errlen) < 0)
        return WORKER_FAIL;
    bars_from = from;
    if (json_object_get(job, "bars_from") &&
        job_day(job, "bars_from", &bars_from, err, errlen) < 0)
        return WORKER_FAIL;
    if (from > day || bars_from > day) {
        snprintf(err, errlen, "job '%s' is after 'day'",
                 from > day ? "from" : "bars_from");
        return WORKER_FAIL;
    }
    feeds[nfeeds++] = ticker;
    for (size_t i = 0; i < st->naliases && nfeeds < REG_MAX_FEEDS; i++)
        if (strcmp(st->aliases[i].ticker, ticker) == 0)
            feeds[nfeeds++] = st->aliases[i].feed;

    q = (provider_query){ticker, feeds, nfeeds, from, day, bars_from};
    rc = st->prov->fetch(st->prov, &q, res, err, errlen);
    if (rc != PROVIDER_OK)
        /* the fetch has retried the provider already */
        return rc == PROVIDER_RETRY ? WORKER_WAIT : WORKER_FAIL;
    provider_result_finish(res);
    key[0] = '\0';
    if (res->raw.len > 0 && objstore_put(st->store, res->raw.data, res->raw.len,
                                         key, err, errlen) < 0)
        return WORKER_RETRY;
    /* stored: a batch need not hold every job's pages to its end */
    buf_release(&res->raw);

    for (size_t i = 0; i < res->nnews; i++) {
        provider_news *n = &res->news[i];
        int32_t session = calendar_session_for(&st->cal, n->day);
        doc_row *d;

        if (session < 0)
            continue; /* after the last known trading day */
        if (*ndocs == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *docs = xreallocarray(*docs, *cap, sizeof(**docs));
        }
        d = &(*docs)[(*ndocs)++];
        memcpy(d->hash, provider_news_hash(n), sizeof(d->hash));
        d->row = n;
        d->session = session;
        if (!n->tagged)
            continue;
        pgarr_adds(&b->t_hash, d->hash);
        pgarr_adds(&b->t_ticker, ticker);
        pgarr_adds(&b->t_raw, key[0] ? key : NULL);
    }
    for (size_t i = 0; i < res->nbars; i++) {
        const provider_bar *bar = &res->bars[i];

        pgarr_adds(&b->b_ticker, ticker);
        pgarr_adds(&b->b_day, DAYSTR(bar->day, dstr));
        pgarr_addf(&b->b_open, "%.17g", bar->open);
        pgarr_addf(&b->b_high, "%.17g", bar->high);
        pgarr_addf(&b->b_low, "%.17g", bar->low);
        pgarr_addf(&b->b_close, "%.17g", bar->close);
        pgarr_addf(&b->b_vol, "%lld", bar->volume);
    }
    b->nbars += res->nbars;
    pgarr_adds(&b->r_ticker, ticker);
    pgarr_adds(&b->r_day, DAYSTR(day, dstr));
    pgarr_addf(&b->r_docs, "%zu", res->nnews);
    pgarr_addf(&b->r_bars, "%zu", res->nbars);
    pgarr_adds(&b->r_raw, key[0] ? key : NULL);
    return WORKER_OK;
}

/* "YYYY-MM-DD HH:MM:SS+00" of a Unix time. */
static void format_utc(long long t, char out[32])
{
    long long day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int sec = (int)(t - day * 86400);
    char d[11];

    date_format((int32_t)day, d);
    snprintf(out, 32, "%.10s %02d:%02d:%02d+00", d, sec / 3600 % 24,
             sec / 60 % 60, sec % 60);
}

/* Adds the distinct articles of docs (sorted by hash, so that
 * concurrent batches lock rows in one order) to the document arrays. */
static void add_documents(batch_rows *b, doc_row *docs, size_t n)
{
    char dstr[11], pub[32];

    xqsort(docs, n, sizeof(*docs), cmp_doc);
    for (size_t i = 0; i < n; i++) {
        const provider_news *r = docs[i].row;

        if (i > 0 && strcmp(docs[i].hash, docs[i - 1].hash) == 0)
            continue;
        format_utc(r->published, pub);
        pgarr_adds(&b->d_pid, r->provider_id);
        pgarr_adds(&b->d_title, r->title);
        pgarr_adds(&b->d_body, r->body);
        pgarr_adds(&b->d_pub, pub);
        pgarr_adds(&b->d_day, DAYSTR(docs[i].session, dstr));
        pgarr_adds(&b->d_hash, docs[i].hash);
        pgarr_adds(&b->d_type, r->news_type);
        pgarr_adds(&b->all_hashes, docs[i].hash);
        b->ndocs++;
    }
}

/* A new document is pending extraction (pending_documents). */
static const char SQL_DOCS[] =
    "WITH ins AS (INSERT INTO documents (source, provider_id, title, body,"
    " published_at, trading_day, content_hash, news_type)"
    " SELECT $1, u.pid, u.title, u.body, u.pub::timestamptz, u.day::date,"
    " u.hash, u.typ"
    " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[],"
    " $6::text[], $7::text[], $8::text[])"
    " AS u(pid, title, body, pub, day, hash, typ)"
    " ON CONFLICT DO NOTHING RETURNING id, trading_day)"
    " INSERT INTO pending_documents (document_id, trading_day)"
    " SELECT id, trading_day FROM ins";

/* An article listed several times with different kinds of news (one
 * listing a top story, another not) keeps the least kind, whichever
 * listing was stored first, so the stored row is the same in every run.
 * Needed only when a document of the batch was already there. */
static const char SQL_NEWS_TYPE[] =
    "UPDATE documents d SET news_type = u.typ"
    " FROM (SELECT hash, min(typ) AS typ"
    "       FROM unnest($2::text[], $3::text[]) AS x(hash, typ)"
    "       GROUP BY hash) u"
    " WHERE d.source = $1 AND d.content_hash = u.hash"
    " AND d.news_type > u.typ";

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

/* Row locks on the batch's documents, in id order, before their tags
 * change: a tag that only turns a mention into a feed tag takes no
 * foreign-key lock on the document, so without this an extractor could
 * read the old tag while this transaction changes it. The lock makes
 * the two take turns (see SQL_TAGS). It also tells which documents
 * still wait for their parse ('new'; nothing else in the transaction
 * changes that, and the lock keeps the parser out until the commit).
 * Those this transaction inserted are queued for parsing, and so are
 * those still unparsed that another transaction inserted more than $3
 * seconds ago (half the queue's visibility timeout): that covers a job
 * whose first run committed and died before it queued them, since its
 * second run starts a visibility timeout after the first. A document a
 * concurrent batch inserted a moment ago is left to that batch, which
 * queues it after its commit, so it is not parsed twice. */
static const char SQL_LOCK_DOCS[] =
    "SELECT id, status = 'new' AND (created_at = now()"
    " OR created_at < now() - make_interval(secs => $3::float8))"
    " FROM documents WHERE source = $1"
    " AND content_hash = ANY($2::text[]) ORDER BY id FOR NO KEY UPDATE";

static const char SQL_RETAG[] =
    "WITH re AS (UPDATE documents SET status = 'parsed', updated_at = now()"
    " WHERE id = ANY($1::bigint[]) AND status = 'extracted'"
    " RETURNING id, trading_day),"
    " pend AS (INSERT INTO pending_documents (document_id, trading_day)"
    " SELECT id, trading_day FROM re ON CONFLICT DO NOTHING)"
    " SELECT id FROM re ORDER BY id";

static const char SQL_BARS[] =
    "INSERT INTO price_bars (ticker, day, open, high, low, close, volume,"
    " source)"
    " SELECT u.t, u.d::date, u.o::float8, u.h::float8, u.l::float8,"
    " u.c::float8, u.v::bigint, $8"
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
    " ORDER BY u.t, u.d"
    " ON CONFLICT (ticker, day) DO UPDATE SET documents = EXCLUDED.documents,"
    " bars = EXCLUDED.bars, raw_key = EXCLUDED.raw_key, done_at = now()";

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

static int write_batch(worker *w, const provider *prov, batch_rows *b,
                       PGresult **fresh, PGresult **retag)
{
    const char *docs[] = {
        prov->source,           pgarr_text(&b->d_pid), pgarr_text(&b->d_title),
        pgarr_text(&b->d_body), pgarr_text(&b->d_pub), pgarr_text(&b->d_day),
        pgarr_text(&b->d_hash), pgarr_text(&b->d_type)};
    const char *tags[] = {prov->source, pgarr_text(&b->t_hash),
                          pgarr_text(&b->t_ticker), pgarr_text(&b->t_raw)};
    const char *bars[] = {pgarr_text(&b->b_ticker), pgarr_text(&b->b_day),
                          pgarr_text(&b->b_open),   pgarr_text(&b->b_high),
                          pgarr_text(&b->b_low),    pgarr_text(&b->b_close),
                          pgarr_text(&b->b_vol),    prov->bar_source};
    const char *runs[] = {pgarr_text(&b->r_ticker), pgarr_text(&b->r_day),
                          pgarr_text(&b->r_docs), pgarr_text(&b->r_bars),
                          pgarr_text(&b->r_raw)};
    char stale[32];
    const char *fresh_p[] = {prov->source, pgarr_text(&b->all_hashes), stale};
    const char *type_p[] = {prov->source, pgarr_text(&b->d_hash),
                            pgarr_text(&b->d_type)};
    PGresult *ins = NULL;
    int stored = 0, rc;

    snprintf(stale, sizeof(stale), "%.3f",
             w->cfg->queue_visibility_ms / 2000.0);
    /* Bars and the run record first: the documents' rows, which
     * parsers, extractors and the other ingestion replicas may wait
     * for, are then held from their insert to the commit only. */
    rc = db_begin(w->db);
    if (rc == DB_OK && b->nbars > 0)
        rc = db_execp(w->db, "ing_bars", SQL_BARS, 8, bars, NULL);
    if (rc == DB_OK)
        rc = db_execp(w->db, "ing_runs", SQL_RUNS, 5, runs, NULL);
    if (rc == DB_OK && b->ndocs > 0)
        rc = db_execp(w->db, "ing_docs", SQL_DOCS, 8, docs, &ins);
    if (ins)
        stored = b->ndocs > (size_t)atoi(PQcmdTuples(ins));
    PQclear(ins);
    if (rc == DB_OK && b->all_hashes.n > 0)
        rc = db_execp(w->db, "ing_lock", SQL_LOCK_DOCS, 3, fresh_p, fresh);
    if (rc == DB_OK && stored)
        rc = db_execp(w->db, "ing_type", SQL_NEWS_TYPE, 3, type_p, NULL);
    if (rc == DB_OK && b->t_hash.n > 0)
        rc = retag_documents(w, tags, retag);
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

/* Adds one {"doc": id} job per row of r (first column) to o; with
 * flagged, only the rows whose second column is true. */
static void owe_docs(owed_jobs *o, PGresult *r, int flagged)
{
    size_t n = r ? (size_t)PQntuples(r) : 0;

    if (n == 0)
        return;
    o->payloads = xreallocarray(o->payloads, o->n + n, sizeof(*o->payloads));
    for (size_t i = 0; i < n; i++)
        if (!flagged || PQgetvalue(r, (int)i, 1)[0] == 't')
            o->payloads[o->n++] =
                xasprintf("{\"doc\":%s}", PQgetvalue(r, (int)i, 0));
}

/* Queues the follow-up jobs of the batches committed so far. Those a
 * refused push leaves stay owed, and the next run (the same batch, run
 * again) queues them first: that run finds the documents stored a
 * moment ago by itself, which SQL_LOCK_DOCS leaves to the batch that
 * inserted them, so they were never queued and stayed 'new' (and a
 * document sent back by a new tag stayed 'parsed'). */
static int pay(worker *w, owed_jobs *o, const char *queue)
{
    int rc = worker_push(w, queue, o->payloads, o->n);

    if (rc == WORKER_OK)
        owed_clear(o);
    return rc;
}

static int pay_owed(worker *w, ingest_state *st, char *err, size_t errlen)
{
    int rc = pay(w, &st->parse, Q_PARSING);

    if (rc == WORKER_OK)
        rc = pay(w, &st->extract, Q_EXTRACTION);
    if (rc != WORKER_OK)
        snprintf(err, errlen, "cannot queue follow-up jobs");
    return rc;
}

static int ingest_handle(worker *w, queue_job *jobs, size_t n, char *err,
                         size_t errlen)
{
    ingest_state *st = w->state;
    doc_row *docs = NULL;
    size_t ndocs = 0, cap = 0;
    PGresult *fresh = NULL, *retag = NULL;
    provider_result *res = xcalloc(n, sizeof(*res));
    batch_rows b;
    int rc = WORKER_OK;

    batch_init(&b);
    for (size_t i = 0; i < n; i++)
        provider_result_init(&res[i]);
    rc = pay_owed(w, st, err, errlen);
    if (rc != WORKER_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        json_t *job = job_parse(&jobs[i], err, errlen);

        rc = job ? collect_job(st, job, &b, &res[i], &docs, &ndocs, &cap, err,
                               errlen)
                 : WORKER_FAIL;
        json_decref(job);
        if (rc == WORKER_FAIL) {
            /* this job's own fault (its input, or a provider that
             * answered it badly): the others go on without it */
            worker_job_failed(w, i, err);
            rc = WORKER_OK;
        }
        if (rc != WORKER_OK)
            goto out;
    }
    if (b.r_ticker.n == 0)
        goto out; /* every job failed on its own: nothing to write */
    add_documents(&b, docs, ndocs);
    rc = write_batch(w, st->prov, &b, &fresh, &retag);
    if (rc != DB_OK) {
        snprintf(err, errlen, "%s", db_error(w->db));
        rc = rc == DB_RETRY ? WORKER_RETRY : WORKER_FAIL;
        goto out;
    }
    owe_docs(&st->parse, fresh, 1);
    owe_docs(&st->extract, retag, 0);
    rc = pay_owed(w, st, err, errlen);
out:
    PQclear(fresh);
    PQclear(retag);
    free(docs);
    for (size_t i = 0; i < n; i++)
        provider_result_release(&res[i]);
    free(res);
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
