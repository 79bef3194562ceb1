/*
 * recommendation: takes (ticker, day) jobs whose aggregate exists and
 * writes BUY / SELL / HOLD with conviction, target weight and a
 * rationale naming its inputs; one row per ticker and day (upsert).
 *
 * Each batch written wakes the trading-engine with one job per day on
 * stonks:queue:trading_decisions. Whether a recommendation changed is
 * decided there, not here: the previous day's row may not be written
 * yet when this one is (aggregation runs in parallel), while the
 * trading-engine trades a day only once all of its recommendations are
 * in, and the days in order (see services/trading_engine.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "domain/strategy.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/pipeline.h"
#include "services/svc.h"
#include "services/trading.h"

static const char SQL_LOAD[] =
    "SELECT DISTINCT a.ticker, a.as_of - DATE '1970-01-01', a.sent_1d,"
    " a.sent_7d,"
    " a.sent_30d, a.count_1d, a.count_7d, a.count_30d, a.ret_1d, a.ret_5d,"
    " a.ret_20d, a.vol_20d, a.last_close"
    " FROM aggregates a JOIN unnest($1::text[], $2::text[]) AS u(t, d)"
    " ON a.ticker = u.t AND a.as_of = u.d::date"
    " ORDER BY 1, 2";

static const char SQL_UPSERT[] =
    "INSERT INTO recommendations (ticker, as_of, action, conviction,"
    " target_weight, rationale)"
    " SELECT DISTINCT ON (u.t, u.d) u.t, u.d::date, u.a, u.c::float8, "
    "u.w::float8, u.r"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    " $5::text[], $6::text[]) AS u(t, d, a, c, w, r)"
    " ORDER BY u.t, u.d"
    " ON CONFLICT (ticker, as_of) DO UPDATE SET action = EXCLUDED.action,"
    " conviction = EXCLUDED.conviction,"
    " target_weight = EXCLUDED.target_weight,"
    " rationale = EXCLUDED.rationale, computed_at = now()";

/* Column c of row i as a number; NULL (a figure unknown for want of
 * price bars) as NaN, as aggregate_compute gives it. */
static double figure(PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) ? NAN : atof(PQgetvalue(r, i, c));
}

static void row_to_aggregate(PGresult *r, int i, aggregate *a)
{
    memset(a, 0, sizeof(*a));
    a->as_of = atoi(PQgetvalue(r, i, 1));
    a->sent_1d = atof(PQgetvalue(r, i, 2));
    a->sent_7d = atof(PQgetvalue(r, i, 3));
    a->sent_30d = atof(PQgetvalue(r, i, 4));
    a->count_1d = atoi(PQgetvalue(r, i, 5));
    a->count_7d = atoi(PQgetvalue(r, i, 6));
    a->count_30d = atoi(PQgetvalue(r, i, 7));
    a->ret_1d = figure(r, i, 8);
    a->ret_5d = figure(r, i, 9);
    a->ret_20d = figure(r, i, 10);
    a->vol_20d = figure(r, i, 11);
    a->last_close = figure(r, i, 12);
}

/* One wake-up job per day of the rows written (r is sorted). */
static int wake_trading(worker *w, PGresult *r)
{
    char **payloads = xcalloc((size_t)PQntuples(r) + 1, sizeof(char *));
    size_t n = 0;
    int rc;

    for (int i = 0; i < PQntuples(r); i++) {
        char ds[11], *job;

        DAYSTR(atoi(PQgetvalue(r, i, 1)), ds);
        job = xasprintf("{\"day\":\"%s\"}", ds);
        for (size_t k = 0; k < n && job; k++)
            if (strcmp(payloads[k], job) == 0) {
                free(job);
                job = NULL;
            }
        if (job)
            payloads[n++] = job;
    }
    rc = worker_push(w, Q_TRADING_DECISIONS, payloads, n);
    for (size_t k = 0; k < n; k++)
        free(payloads[k]);
    free(payloads);
    return rc;
}

/* 1 when r (SQL_LOAD) holds the aggregate of ticker on day. */
static int has_aggregate(PGresult *r, const char *ticker, int32_t day)
{
    for (int i = 0; i < PQntuples(r); i++)
        if (atoi(PQgetvalue(r, i, 1)) == day &&
            strcmp(PQgetvalue(r, i, 0), ticker) == 0)
            return 1;
    return 0;
}

static int rec_handle(worker *w, queue_job *jobs, size_t n, char *err,
                      size_t errlen)
{
    pgarr jt, jd, t, d, a, c, wt, ra;
    PGresult *r = NULL;
    strategy_params sp;
    char(*tickers)[TICKER_MAX] = xcalloc(n, sizeof(*tickers));
    int32_t *days = xcalloc(n, sizeof(*days));
    int rc = WORKER_FAIL, dbrc;

    strategy_params_default(&sp);
    pgarr_init(&jt);
    pgarr_init(&jd);
    pgarr_init(&t);
    pgarr_init(&d);
    pgarr_init(&a);
    pgarr_init(&c);
    pgarr_init(&wt);
    pgarr_init(&ra);
    /* a job that fails on its own (a payload that cannot be read, no
     * aggregate yet) is marked failed and the others go on: the batch
     * was run again job by job, and a ticker and day queued twice in
     * one batch (two rows asked, one found) failed it so, waking the
     * trading-engine once per job */
    if (job_ticker_days(w, jobs, n, tickers, days) == 0) {
        rc = WORKER_OK;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char ds[11];

        if (!tickers[i][0])
            continue;
        pgarr_adds(&jt, tickers[i]);
        pgarr_adds(&jd, DAYSTR(days[i], ds));
    }
    {
        const char *p[] = {pgarr_text(&jt), pgarr_text(&jd)};

        dbrc = db_execp(w->db, "rec_load", SQL_LOAD, 2, p, &r);
        if (dbrc != DB_OK)
            goto dberr;
    }
    for (size_t i = 0; i < n; i++)
        if (tickers[i][0] && !has_aggregate(r, tickers[i], days[i]))
            worker_job_failed(w, i, "no aggregate for this ticker and day yet");
    if (PQntuples(r) == 0) {
        rc = WORKER_OK;
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        aggregate ag;
        recommendation rec;
        char ds[11];

        row_to_aggregate(r, i, &ag);
        strategy_recommend(&ag, &sp, &rec);
        pgarr_adds(&t, PQgetvalue(r, i, 0));
        pgarr_adds(&d, DAYSTR(ag.as_of, ds));
        pgarr_adds(&a, rec_action_name(rec.action));
        pgarr_addf(&c, "%.6f", rec.conviction);
        pgarr_addf(&wt, "%.6f", rec.target_weight);
        pgarr_adds(&ra, rec.rationale);
    }
    {
        const char *p[] = {pgarr_text(&t), pgarr_text(&d),  pgarr_text(&a),
                           pgarr_text(&c), pgarr_text(&wt), pgarr_text(&ra)};

        dbrc = db_execp(w->db, "rec_upsert", SQL_UPSERT, 6, p, NULL);
        if (dbrc != DB_OK)
            goto dberr;
    }
    rc = wake_trading(w, r);
    goto out;
dberr:
    snprintf(err, errlen, "%s", db_error(w->db));
    rc = dbrc == DB_RETRY ? WORKER_RETRY : WORKER_FAIL;
out:
    PQclear(r);
    free(tickers);
    free(days);
    pgarr_release(&jt);
    pgarr_release(&jd);
    pgarr_release(&t);
    pgarr_release(&d);
    pgarr_release(&a);
    pgarr_release(&c);
    pgarr_release(&wt);
    pgarr_release(&ra);
    return rc;
}

static const worker_def recommendation_def = {
    .service = "recommendation",
    .queue = Q_RECOMMENDATION,
    .handle = rec_handle,
};

int cmd_recommendation(int argc, char **argv)
{
    return pipeline_run_worker(
        &recommendation_def, argc, argv,
        "usage: stonks recommendation\n"
        "  Worker: reads stonks:queue:recommendation (ticker, day), writes\n"
        "  BUY / SELL / HOLD with conviction and rationale.\n");
}
