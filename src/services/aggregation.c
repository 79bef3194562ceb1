/*
 * aggregation: takes (ticker, day) jobs for sealed days and writes the
 * ticker's aggregate as of that day from the signals and bars known by
 * then (documents flagged as duplicates count once, through the
 * original). Safe with several replicas: each row is an idempotent
 * upsert computed only from committed, sealed inputs, in a fixed order.
 * Each aggregate queues its recommendation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/aggregate.h"
#include "domain/date.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/pipeline.h"
#include "services/svc.h"

#define SIGNAL_LOOKBACK_DAYS 31

typedef struct agg_job {
    char ticker[TICKER_MAX];
    int32_t day;
} agg_job;

/* Unsorted: the batch's rows are sorted in C (ticker, day, content
 * hash), which is what makes the sums' order, and so every bit of the
 * result, the same in every run. */
static const char SQL_SIGNALS[] =
    "SELECT s.ticker, s.trading_day - DATE '1970-01-01', s.sentiment,"
    " s.confidence, s.relevance, s.doc_hash FROM signals s"
    " WHERE s.ticker = ANY($1::text[]) AND s.counted"
    " AND s.trading_day BETWEEN $2::date AND $3::date"
    " AND ($4::text IS NULL OR s.model_version = $4::text)";

/* The model of the newest signal: the extractor's, when Redis has lost
 * the key it keeps it in (a scan, but only then). */
static const char SQL_NEWEST_MODEL[] =
    "SELECT model_version FROM signals"
    " ORDER BY created_at DESC, document_id DESC LIMIT 1";

/* Per ticker, its last $3 bars up to the batch's last day $2: with $3 =
 * AGG_BARS_USED + the batch's span in days, every job day of the batch
 * has its AGG_BARS_USED bars (or all there are), however far back they
 * go, and no more rows are read than that. */
static const char SQL_BARS[] =
    "SELECT b.ticker, b.day - DATE '1970-01-01', b.close, b.volume"
    " FROM (SELECT DISTINCT ticker FROM unnest($1::text[]) AS u(ticker)) t"
    " CROSS JOIN LATERAL (SELECT p.ticker, p.day, p.close, p.volume"
    "   FROM price_bars p WHERE p.ticker = t.ticker AND p.day <= $2::date"
    "   ORDER BY p.day DESC LIMIT $3::int) b"
    " ORDER BY 1, 2";

static const char SQL_UPSERT[] =
    "INSERT INTO aggregates (ticker, as_of, sent_1d, sent_7d, sent_30d,"
    " count_1d, count_7d, count_30d, ret_1d, ret_5d, ret_20d, vol_20d,"
    " last_close)"
    " SELECT DISTINCT ON (u.t, u.d) u.t, u.d::date, u.s1::float8, "
    "u.s7::float8, u.s30::float8,"
    " u.c1::int, u.c7::int, u.c30::int, NULLIF(u.r1::float8, 'NaN'),"
    " NULLIF(u.r5::float8, 'NaN'), NULLIF(u.r20::float8, 'NaN'),"
    " NULLIF(u.v::float8, 'NaN'), NULLIF(u.lc::float8, 'NaN')"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    " $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],"
    " $10::text[], $11::text[], $12::text[], $13::text[])"
    " AS u(t, d, s1, s7, s30, c1, c7, c30, r1, r5, r20, v, lc)"
    " ORDER BY u.t, u.d"
    " ON CONFLICT (ticker, as_of) DO UPDATE SET sent_1d = EXCLUDED.sent_1d,"
    " sent_7d = EXCLUDED.sent_7d, sent_30d = EXCLUDED.sent_30d,"
    " count_1d = EXCLUDED.count_1d, count_7d = EXCLUDED.count_7d,"
    " count_30d = EXCLUDED.count_30d, ret_1d = EXCLUDED.ret_1d,"
    " ret_5d = EXCLUDED.ret_5d, ret_20d = EXCLUDED.ret_20d,"
    " vol_20d = EXCLUDED.vol_20d, last_close = EXCLUDED.last_close,"
    " computed_at = now()";

/* The types of the rows above, in their binary form (doc_hash, last,
 * is text and not checked). */
static const unsigned SIGNAL_TYPES[] = {DB_TEXT, DB_INT4, DB_FLOAT8, DB_FLOAT8,
                                        DB_FLOAT8};
static const unsigned BAR_TYPES[] = {DB_TEXT, DB_INT4, DB_FLOAT8, DB_INT8};
#define NTYPES(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct sig_row {
    const char *ticker;
    const char *hash;
    agg_signal s;
} sig_row;

static int cmp_sig_row(const void *a, const void *b)
{
    const sig_row *x = a, *y = b;
    int c = strcmp(x->ticker, y->ticker);

    if (c)
        return c;
    if (x->s.day != y->s.day)
        return x->s.day < y->s.day ? -1 : 1;
    return strcmp(x->hash, y->hash);
}

/* The signal rows of r, sorted; they point into r. */
static sig_row *sorted_signals(PGresult *r, size_t *n)
{
    sig_row *rows;

    *n = (size_t)PQntuples(r);
    rows = xcalloc(*n + 1, sizeof(*rows));
    for (size_t i = 0; i < *n; i++) {
        int k = (int)i;

        rows[i].ticker = PQgetvalue(r, k, 0);
        rows[i].s.day = db_bin_i4(r, k, 1);
        rows[i].s.sentiment = db_bin_f8(r, k, 2);
        rows[i].s.confidence = db_bin_f8(r, k, 3);
        rows[i].s.relevance = db_bin_f8(r, k, 4);
        rows[i].hash = PQgetvalue(r, k, 5);
    }
    xqsort(rows, *n, sizeof(*rows), cmp_sig_row);
    return rows;
}

/* The rows of sorted result r whose ticker column equals t. */
static void ticker_slice(PGresult *r, const char *t, int *lo, int *hi)
{
    int n = PQntuples(r);

    *lo = 0;
    while (*lo < n && strcmp(PQgetvalue(r, *lo, 0), t) < 0)
        (*lo)++;
    *hi = *lo;
    while (*hi < n && strcmp(PQgetvalue(r, *hi, 0), t) == 0)
        (*hi)++;
}

static void compute_one(const agg_job *j, const sig_row *sigs, size_t nsigs,
                        PGresult *bars, aggregate *out)
{
    int blo, bhi;
    size_t slo = 0, shi;
    agg_signal *s;
    agg_bar *b;
    size_t ns = 0, nb = 0;

    while (slo < nsigs && strcmp(sigs[slo].ticker, j->ticker) < 0)
        slo++;
    shi = slo;
    while (shi < nsigs && strcmp(sigs[shi].ticker, j->ticker) == 0)
        shi++;
    ticker_slice(bars, j->ticker, &blo, &bhi);
    s = xcalloc(shi - slo + 1, sizeof(*s));
    b = xcalloc((size_t)(bhi - blo) + 1, sizeof(*b));
    for (size_t i = slo; i < shi; i++)
        s[ns++] = sigs[i].s;
    for (int i = blo; i < bhi; i++) {
        b[nb].day = db_bin_i4(bars, i, 1);
        b[nb].close = db_bin_f8(bars, i, 2);
        b[nb].volume = (double)db_bin_i8(bars, i, 3);
        nb++;
    }
    aggregate_compute(j->day, s, ns, b, nb, out);
    free(s);
    free(b);
}

typedef struct agg_cols {
    pgarr t, d, s1, s7, s30, c1, c7, c30, r1, r5, r20, v, lc;
} agg_cols;

static void add_row(agg_cols *c, const agg_job *j, const aggregate *a)
{
    char d[11];

    pgarr_adds(&c->t, j->ticker);
    pgarr_adds(&c->d, DAYSTR(j->day, d));
    pgarr_addf(&c->s1, "%.17g", a->sent_1d);
    pgarr_addf(&c->s7, "%.17g", a->sent_7d);
    pgarr_addf(&c->s30, "%.17g", a->sent_30d);
    pgarr_addf(&c->c1, "%d", a->count_1d);
    pgarr_addf(&c->c7, "%d", a->count_7d);
    pgarr_addf(&c->c30, "%d", a->count_30d);
    pgarr_addf(&c->r1, "%.17g", a->ret_1d);
    pgarr_addf(&c->r5, "%.17g", a->ret_5d);
    pgarr_addf(&c->r20, "%.17g", a->ret_20d);
    pgarr_addf(&c->v, "%.17g", a->vol_20d);
    pgarr_addf(&c->lc, "%.17g", a->last_close);
}

/* The readable jobs into out[0..m), m returned; one that cannot be
 * read is marked failed, and the others go on (it failed the batch,
 * which was then run again job by job). */
static size_t parse_jobs(worker *w, queue_job *jobs, size_t n, agg_job *out)
{
    char(*tickers)[TICKER_MAX] = xcalloc(n, sizeof(*tickers));
    int32_t *days = xcalloc(n, sizeof(*days));
    size_t m = 0;

    job_ticker_days(w, jobs, n, tickers, days);
    for (size_t i = 0; i < n; i++)
        if (tickers[i][0]) {
            memcpy(out[m].ticker, tickers[i], TICKER_MAX);
            out[m++].day = days[i];
        }
    free(tickers);
    free(days);
    return m;
}

static int agg_handle(worker *w, queue_job *jobs, size_t n, char *err,
                      size_t errlen)
{
    agg_job *js = xcalloc(n, sizeof(*js));
    PGresult *sigs = NULL, *bars = NULL, *newest = NULL;
    agg_cols c;
    pgarr *all = (pgarr *)&c, tickers;
    size_t ncols = sizeof(c) / sizeof(pgarr);
    char **payloads = NULL, *model = NULL;
    sig_row *rows = NULL;
    size_t nrows = 0;
    int32_t lo, hi;
    char los[11], his[11], nbars[16];
    int rc = WORKER_FAIL, dbrc;

    for (size_t i = 0; i < ncols; i++)
        pgarr_init(&all[i]);
    pgarr_init(&tickers);
    n = parse_jobs(w, jobs, n, js); /* from here, the readable jobs */
    if (n == 0) {
        rc = WORKER_OK;
        goto out;
    }
    /* the extractor's model: the signals of others are not counted. A
     * Redis that lost it (restarted without its data) is told by the
     * newest signal's model until an extractor starts again; all models
     * were counted together. */
    if (queue_lookup(w->q, KEY_MODEL_VERSION, &model) < 0) {
        snprintf(err, errlen, "%s", queue_error(w->q));
        rc = WORKER_RETRY;
        goto out;
    }
    if (!model) {
        dbrc = db_exec(w->db, SQL_NEWEST_MODEL, 0, NULL, &newest);
        if (dbrc != DB_OK)
            goto dberr;
        if (PQntuples(newest) == 1)
            model = xstrdup(PQgetvalue(newest, 0, 0));
    }
    lo = hi = js[0].day;
    for (size_t i = 0; i < n; i++) {
        pgarr_adds(&tickers, js[i].ticker);
        if (js[i].day < lo)
            lo = js[i].day;
        if (js[i].day > hi)
            hi = js[i].day;
    }
    {
        const char *sp[] = {pgarr_text(&tickers),
                            DAYSTR(lo - SIGNAL_LOOKBACK_DAYS, los),
                            DAYSTR(hi, his), model};
        const char *bp[] = {sp[0], his, nbars};

        snprintf(nbars, sizeof(nbars), "%d", AGG_BARS_USED + (hi - lo));
        dbrc = db_execp_bin(w->db, "agg_sigs", SQL_SIGNALS, 4, sp, &sigs);
        if (dbrc == DB_OK)
            dbrc = db_execp_bin(w->db, "agg_bars", SQL_BARS, 3, bp, &bars);
        if (dbrc != DB_OK)
            goto dberr;
        if (db_bin_check(sigs, SIGNAL_TYPES, NTYPES(SIGNAL_TYPES), err,
                         errlen) < 0 ||
            db_bin_check(bars, BAR_TYPES, NTYPES(BAR_TYPES), err, errlen) < 0)
            goto out;
    }
    rows = sorted_signals(sigs, &nrows);
    payloads = xcalloc(n, sizeof(*payloads));
    for (size_t i = 0; i < n; i++) {
        aggregate a;
        char d[11];

        compute_one(&js[i], rows, nrows, bars, &a);
        add_row(&c, &js[i], &a);
        payloads[i] = xasprintf("{\"ticker\":\"%s\",\"day\":\"%s\"}",
                                js[i].ticker, DAYSTR(js[i].day, d));
    }
    {
        const char *up[] = {
            pgarr_text(&c.t),  pgarr_text(&c.d),   pgarr_text(&c.s1),
            pgarr_text(&c.s7), pgarr_text(&c.s30), pgarr_text(&c.c1),
            pgarr_text(&c.c7), pgarr_text(&c.c30), pgarr_text(&c.r1),
            pgarr_text(&c.r5), pgarr_text(&c.r20), pgarr_text(&c.v),
            pgarr_text(&c.lc)};

        dbrc = db_execp(w->db, "agg_upsert", SQL_UPSERT, 13, up, NULL);
        if (dbrc != DB_OK)
            goto dberr;
    }
    rc = worker_push(w, Q_RECOMMENDATION, payloads, n);
    goto out;
dberr:
    snprintf(err, errlen, "%s", db_error(w->db));
    rc = dbrc == DB_RETRY ? WORKER_RETRY : WORKER_FAIL;
out:
    if (payloads)
        for (size_t i = 0; i < n; i++)
            free(payloads[i]);
    free(payloads);
    free(rows);
    free(model);
    PQclear(newest);
    PQclear(sigs);
    PQclear(bars);
    for (size_t i = 0; i < ncols; i++)
        pgarr_release(&all[i]);
    pgarr_release(&tickers);
    free(js);
    return rc;
}

static const worker_def aggregation_def = {
    .service = "aggregation",
    .queue = Q_AGGREGATION,
    .handle = agg_handle,
};

int cmd_aggregation(int argc, char **argv)
{
    return pipeline_run_worker(
        &aggregation_def, argc, argv,
        "usage: stonks aggregation\n"
        "  Worker: reads stonks:queue:aggregation (ticker, day), writes the\n"
        "  ticker's aggregate as of that day, queues its recommendation.\n");
}
