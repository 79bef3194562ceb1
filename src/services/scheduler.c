/*
 * scheduler: drives the pipeline's clock.
 *
 * Replay mode walks the trading days of the replay data from
 * REPLAY_START to REPLAY_END. Ingestion jobs (one per ticker and day)
 * run up to REPLAY_LOOKAHEAD_DAYS ahead. A day is sealed once every
 * ticker's ingestion job for it has been recorded during this run and
 * no document counting toward that day or earlier is still waiting for
 * parsing or extraction; only then are its aggregation jobs queued, so
 * an aggregate as of day D sees every signal up to D and nothing later,
 * whatever the order in which the workers ran. Sealing is computed from
 * committed rows, so it is exact under at-least-once delivery and any
 * number of replicas. The replay ends when the last day is sealed.
 *
 * Live mode ticks every SCHEDULER_INTERVAL_S (run_live): it queues
 * each ticker's ingestion from its last ingested day to today, unless
 * ingestion has not finished an earlier tick's jobs; on a day the exchange
 * trades, it waits for the day's documents to be extracted (up to one
 * interval) and queues today's aggregation. Throughout, it queues again
 * the parsing or extraction of documents whose jobs were lost
 * (live_repair). Today is New York's date (scheduler_live_day).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/replay.h"
#include "adapters/tstamp.h"
#include "domain/calendar.h"
#include "domain/date.h"
#include "domain/exchange.h"
#include "lib/log.h"
#include "lib/probe.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/pipeline.h"
#include "services/svc.h"
#include "services/symbols.h"

#define POLL_MS 10

typedef struct sched {
    const config *cfg;
    db *db;
    queue_client *q;
    char **tickers;
    size_t ntickers;
    pgarr ticker_arr;
    char started[64]; /* server time at start, for ingest_runs */
    const calendar *cal; /* replay mode: the trading days */
    probe *probe;
} sched;

static int push_day(sched *s, const char *queue, int32_t day, int32_t from,
                    int32_t bars_from);

/* Queues the ingestion of days[i] for every ticker: news dated after the
 * previous trading day (so weekend and holiday news count toward the
 * day), and for the first day also the look-back of bars. */
static int push_ingestion(sched *s, const calendar *cal, const int32_t *days,
                          size_t i)
{
    int32_t first = calendar_prev(cal, days[0]);
    int32_t from = i ? days[i - 1] + 1 : (first >= 0 ? first + 1 : days[0]);
    int32_t bars_from = i ? -1 : days[0] - s->cfg->replay_lookback_days;

    return push_day(s, Q_INGESTION, days[i], from, bars_from);
}

static void free_tickers(sched *s)
{
    ticker_list_free(s->tickers, s->ntickers);
    s->tickers = NULL;
    s->ntickers = 0;
    pgarr_release(&s->ticker_arr);
}

int scheduler_check(const config *c, char *err, size_t errlen)
{
    char **tickers;
    size_t n;
    int rc = 0;

    if (c->replay_tickers[0]) {
        rc = replay_tickers_parse(c, &tickers, &n, err, errlen);
        if (rc == 0)
            ticker_list_free(tickers, n);
    }
    if (rc == 0 && strcmp(c->scheduler_mode, "replay") == 0)
        rc = replay_dir_check(c->replay_dir, err, errlen);
    return rc;
}

/* The trading days of the replay data: the days of its bars; *rejected
 * is the count of rows of both files skipped as unreadable. */
static int replay_calendar(const config *c, calendar *cal, size_t *rejected,
                           char *err, size_t errlen)
{
    replay_index rx;

    if (replay_index_open(c->replay_dir, &rx, err, errlen) < 0)
        return -1;
    calendar_init(cal);
    for (size_t i = 0; i < rx.prices.nrefs; i++)
        calendar_add(cal, rx.prices.refs[i].day);
    calendar_finish(cal);
    *rejected = rx.rejected;
    replay_index_close(&rx);
    return 0;
}

/* -1 with err when cal has a trading day from start to end before
 * 1970-01-01: a job's day must lie from then on, so every worker would
 * refuse that day's jobs, and the replay wait for them for ever. */
static int before_1970(const calendar *cal, const config *c, int32_t start,
                       int32_t end, char *err, size_t errlen)
{
    for (size_t i = 0; i < cal->n && cal->days[i] < 0; i++)
        if (cal->days[i] >= start && cal->days[i] <= end) {
            char day[11];

            snprintf(err, errlen,
                     "REPLAY_START %s: the replay data has a trading day "
                     "(%s) before 1970-01-01, which the pipeline does not "
                     "take; start the replay in 1970 or later (stonks "
                     "backtest --from reads earlier days)",
                     c->replay_start, DAYSTR(cal->days[i], day));
            return -1;
        }
    return 0;
}

int scheduler_replay_check(const config *c, char *err, size_t errlen)
{
    calendar cal;
    int32_t start, end;
    size_t rejected;
    int rc = 0;

    if (replay_calendar(c, &cal, &rejected, err, errlen) < 0)
        return -1;
    date_parse(c->replay_start, 10, &start);
    date_parse(c->replay_end, 10, &end);
    if (cal.n == 0) {
        replay_no_bars_msg(c->replay_dir, rejected, err, errlen);
        rc = -1;
    } else if (calendar_range(&cal, start, end, NULL, 0) == 0) {
        char first[11], last[11];

        date_format(cal.days[0], first);
        date_format(cal.days[cal.n - 1], last);
        snprintf(err, errlen,
                 "no trading day from REPLAY_START %s to REPLAY_END %s: the "
                 "replay data has bars from %s to %s",
                 c->replay_start, c->replay_end, first, last);
        rc = -1;
    }
    if (rc == 0)
        rc = before_1970(&cal, c, start, end, err, errlen);
    calendar_release(&cal);
    return rc;
}

static int load_tickers(sched *s, char *err, size_t errlen)
{
    PGresult *r;

    free_tickers(s);
    pgarr_init(&s->ticker_arr);
    if (s->cfg->replay_tickers[0]) {
        if (replay_tickers_resolve(s->db, s->cfg, &s->tickers, &s->ntickers,
                                   err, errlen) < 0)
            return -1;
        for (size_t i = 0; i < s->ntickers; i++)
            pgarr_adds(&s->ticker_arr, s->tickers[i]);
        return replay_tickers_active(s->db, s->tickers, s->ntickers, err,
                                     errlen);
    }
    if (db_exec(s->db,
                "SELECT ticker FROM symbols WHERE active"
                " ORDER BY ticker",
                0, NULL, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(s->db));
        return -1;
    }
    s->ntickers = (size_t)PQntuples(r);
    s->tickers = xcalloc(s->ntickers + 1, sizeof(char *));
    for (size_t i = 0; i < s->ntickers; i++) {
        s->tickers[i] = xstrdup(PQgetvalue(r, (int)i, 0));
        pgarr_adds(&s->ticker_arr, s->tickers[i]);
    }
    PQclear(r);
    return 0;
}

/* Pushes the n jobs of payloads (and frees them); retries while Redis
 * is down. A lost Redis is logged once, not each second, and the probe
 * says not ready until it is back. */
static int push_jobs(sched *s, const char *queue, char **payloads, size_t n)
{
    size_t *lens = xcalloc(n + 1, sizeof(size_t));
    int rc;

    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(payloads[i]);
    for (int tries = 0;
         (rc = queue_push(s->q, queue, (const char *const *)payloads, lens,
                          n)) < 0 &&
         !worker_stopping();
         tries++) {
        if (!tries)
            LOG_ERROR("cannot queue jobs, retrying",
                      LF_S("error", queue_error(s->q)));
        probe_set_ready(s->probe, 0);
        worker_sleep_ms(1000);
    }
    probe_set_ready(s->probe, 1);
    for (size_t i = 0; i < n; i++)
        free(payloads[i]);
    free(payloads);
    free(lens);
    return rc;
}

/* Pushes one job per ticker for a day. from < 0: an aggregation job;
 * bars_from >= 0: also load bars from that day (the look-back before
 * the first replayed day). */
static int push_day(sched *s, const char *queue, int32_t day, int32_t from,
                    int32_t bars_from)
{
    char **payloads = xcalloc(s->ntickers + 1, sizeof(char *));
    char ds[11], fs[11], bs[40] = "";

    date_format(day, ds);
    date_format(from, fs);
    if (bars_from >= 0) {
        char b[11];

        snprintf(bs, sizeof(bs), ",\"bars_from\":\"%s\"", DAYSTR(bars_from, b));
    }
    for (size_t i = 0; i < s->ntickers; i++) {
        if (from >= 0)
            payloads[i] = xasprintf("{\"ticker\":\"%s\",\"day\":\"%s\","
                                    "\"from\":\"%s\"%s}",
                                    s->tickers[i], ds, fs, bs);
        else
            payloads[i] = xasprintf("{\"ticker\":\"%s\",\"day\":\"%s\"}",
                                    s->tickers[i], ds);
    }
    return push_jobs(s, queue, payloads, s->ntickers);
}

/* 1 when day is sealed, 0 when not yet, -1 on a database error. */
static int is_sealed(sched *s, int32_t day)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM ingest_runs WHERE day = $1::date"
        "        AND ticker = ANY($2::text[]) AND done_at >= $3::timestamptz)"
        "  = $4::bigint"
        " AND NOT EXISTS (SELECT 1 FROM pending_documents"
        "  WHERE trading_day <= $1::date)";
    char ds[11], n[32];
    const char *p[4];
    PGresult *r;
    int sealed;

    snprintf(n, sizeof(n), "%zu", s->ntickers);
    p[0] = DAYSTR(day, ds);
    p[1] = pgarr_text(&s->ticker_arr);
    p[2] = s->started;
    p[3] = n;
    if (db_execp(s->db, "sched_sealed", sql, 4, p, &r) != DB_OK)
        return -1;
    sealed = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return sealed;
}

static int mark_start(sched *s, char *err, size_t errlen)
{
    PGresult *r;

    if (db_exec(s->db, "SELECT now()::text", 0, NULL, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(s->db));
        return -1;
    }
    snprintf(s->started, sizeof(s->started), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static void publish_progress(sched *s, size_t done, size_t total,
                             int32_t sealed)
{
    char v[64], ds[11];

    snprintf(v, sizeof(v), "%zu %zu", done, total);
    if (queue_set(s->q, KEY_PROGRESS, v) < 0 ||
        (sealed >= 0 && queue_set(s->q, KEY_SEALED, DAYSTR(sealed, ds)) < 0))
        LOG_WARN("cannot publish replay progress",
                 LF_S("error", queue_error(s->q)));
}

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 when the queues named are empty with nothing in flight. */
static int queues_idle(sched *s, const char *const *queues, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        queue_stats st;

        if (queue_stats_get(s->q, queues[i], &st) < 0 || st.depth ||
            st.in_flight)
            return 0;
    }
    return 1;
}

/* Seconds without progress, with idle queues, after which the scheduler
 * assumes jobs were lost (Redis restarted without its data) and queues
 * again what the database says is missing. */
static double repair_after(const sched *s)
{
    double v = 2.0 * s->cfg->queue_visibility_ms / 1000.0;

    return v < 2.0 ? 2.0 : v;
}

/* Pushes {"doc": id} jobs for the pending documents in a given status:
 * those counting toward day or earlier (any day when day is -1) and
 * last changed at least min_age_s seconds ago (a worker that has just
 * committed a document pushes its job a moment later). */
static int push_docs_in(sched *s, const char *status, const char *queue,
                        int32_t day, int min_age_s)
{
    static const char sql[] =
        "SELECT d.id FROM pending_documents p"
        " JOIN documents d ON d.id = p.document_id"
        " WHERE d.status = $1"
        " AND ($2::date IS NULL OR p.trading_day <= $2::date)"
        " AND d.updated_at <= now() - make_interval(secs => $3::int)"
        " ORDER BY d.id";
    char ds[11], age[16];
    const char *p[] = {status, day >= 0 ? DAYSTR(day, ds) : NULL, age};
    PGresult *r;
    size_t n;
    char **payloads;
    size_t *lens;
    int rc;

    snprintf(age, sizeof(age), "%d", min_age_s);
    if (db_execp(s->db, "sched_docs", sql, 3, p, &r) != DB_OK)
        return -1;
    n = (size_t)PQntuples(r);
    payloads = xcalloc(n + 1, sizeof(char *));
    lens = xcalloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        payloads[i] = xasprintf("{\"doc\":%s}", PQgetvalue(r, (int)i, 0));
        lens[i] = strlen(payloads[i]);
    }
    rc =
        n ? queue_push(s->q, queue, (const char *const *)payloads, lens, n) : 0;
    if (n)
        LOG_WARN("repair: documents queued again", LF_S("queue", queue),
                 LF_I("documents", n));
    for (size_t i = 0; i < n; i++)
        free(payloads[i]);
    free(payloads);
    free(lens);
    PQclear(r);
    return rc;
}

/* Queues again the work of days[from..to) the database shows undone. */
static int repair_ingestion(sched *s, const calendar *cal, const int32_t *days,
                            size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (is_sealed(s, days[i]) == 1)
            continue;
        LOG_WARN("repair: ingestion of a day queued again",
                 LF_I("day_index", i));
        if (push_ingestion(s, cal, days, i) < 0)
            return -1;
    }
    if (to == 0)
        return 0;
    if (push_docs_in(s, "new", Q_PARSING, days[to - 1], 0) < 0 ||
        push_docs_in(s, "parsed", Q_EXTRACTION, days[to - 1], 0) < 0)
        return -1;
    return 0;
}

/* Pushes aggregation or recommendation jobs for the (ticker, day) pairs
 * of the run whose row was not written in this run. Returns how many
 * pairs are missing, or -1. */
static long push_missing(sched *s, const char *table, const char *queue,
                         int32_t first, int32_t last, int push)
{
    static const char agg_sql[] =
        "SELECT t.ticker, d.day::date::text"
        " FROM unnest($1::text[]) AS t(ticker)"
        " CROSS JOIN unnest($2::text[]) AS d(day)"
        " LEFT JOIN aggregates a ON a.ticker = t.ticker"
        " AND a.as_of = d.day::date AND a.computed_at >= $3::timestamptz"
        " WHERE a.ticker IS NULL ORDER BY 1, 2";
    static const char rec_sql[] =
        "SELECT t.ticker, d.day::date::text"
        " FROM unnest($1::text[]) AS t(ticker)"
        " CROSS JOIN unnest($2::text[]) AS d(day)"
        " LEFT JOIN recommendations a ON a.ticker = t.ticker"
        " AND a.as_of = d.day::date AND a.computed_at >= $3::timestamptz"
        " WHERE a.ticker IS NULL ORDER BY 1, 2";
    int is_agg = strcmp(table, "aggregates") == 0;
    pgarr dayarr;
    PGresult *r;
    long missing;
    char ds[11];

    pgarr_init(&dayarr);
    for (int32_t d = first; d <= last; d++)
        if (s->cal && calendar_is_trading(s->cal, d))
            pgarr_adds(&dayarr, DAYSTR(d, ds));
    {
        const char *p[] = {pgarr_text(&s->ticker_arr), pgarr_text(&dayarr),
                           s->started};

        if (db_execp(s->db, is_agg ? "sched_miss_agg" : "sched_miss_rec",
                     is_agg ? agg_sql : rec_sql, 3, p, &r) != DB_OK) {
            pgarr_release(&dayarr);
            return -1;
        }
    }
    pgarr_release(&dayarr);
    missing = PQntuples(r);
    if (push && missing > 0) {
        char **payloads = xcalloc((size_t)missing, sizeof(char *));
        size_t *lens = xcalloc((size_t)missing, sizeof(size_t));

        for (long i = 0; i < missing; i++) {
            payloads[i] =
                xasprintf("{\"ticker\":\"%s\",\"day\":\"%s\"}",
                          PQgetvalue(r, (int)i, 0), PQgetvalue(r, (int)i, 1));
            lens[i] = strlen(payloads[i]);
        }
        LOG_WARN("repair: jobs queued again", LF_S("queue", queue),
                 LF_I("jobs", missing));
        if (queue_push(s->q, queue, (const char *const *)payloads, lens,
                       (size_t)missing) < 0)
            missing = -1;
        for (long i = 0; i < (long)PQntuples(r); i++)
            free(payloads[i]);
        free(payloads);
        free(lens);
    }
    PQclear(r);
    return missing;
}

/* After the last seal: waits until every aggregate and recommendation
 * of the run is written, queueing again what was lost. */
static int finish_replay(sched *s, int32_t first, int32_t last)
{
    static const char *const tail[] = {Q_AGGREGATION, Q_RECOMMENDATION};
    double idle_since = 0;

    while (!worker_stopping()) {
        long ma, mr;

        if (!queues_idle(s, tail, 2)) {
            idle_since = 0;
            worker_sleep_ms(20);
            continue;
        }
        ma = push_missing(s, "aggregates", Q_AGGREGATION, first, last, 0);
        mr = push_missing(s, "recommendations", Q_RECOMMENDATION, first, last,
                          0);
        if (ma == 0 && mr == 0)
            return 0;
        if (ma < 0 || mr < 0) {
            worker_sleep_ms(500);
            continue;
        }
        if (idle_since == 0)
            idle_since = mono_s();
        if (mono_s() - idle_since >= repair_after(s)) {
            if (ma > 0)
                push_missing(s, "aggregates", Q_AGGREGATION, first, last, 1);
            else
                push_missing(s, "recommendations", Q_RECOMMENDATION, first,
                             last, 1);
            idle_since = 0;
        }
        worker_sleep_ms(20);
    }
    return -1;
}

/* A replay fills the pipeline's tables from empty in seconds, faster
 * than autovacuum's one-minute round: without statistics the planner
 * takes them for a few rows and joins them by scanning them whole,
 * which grows with every day replayed. So the replay analyses the keys
 * the workers join on, after sealing its 4th, 16th and 64th day (each
 * ANALYZE also makes the workers plan their statements again). Only
 * keys whose statistics stay true as the tables grow: ids and hashes
 * (distinct in proportion) and tickers (a fixed few); not the days, of
 * which a young table has few, so that early statistics would make a
 * day look like a large part of a table that has many days. A failure
 * is only logged: statistics change speed, not results. */
static void refresh_statistics(sched *s, size_t sealed)
{
    if (sealed != 4 && sealed != 16 && sealed != 64)
        return;
    if (db_exec(s->db,
                "ANALYZE documents (id, source, content_hash),"
                " document_texts (document_id, text_hash),"
                " document_tickers (document_id, ticker),"
                " signals (document_id, ticker),"
                " aggregates (ticker), recommendations (ticker)",
                0, NULL, NULL) != DB_OK)
        LOG_WARN("cannot analyse the pipeline tables",
                 LF_S("error", db_error(s->db)));
}

static int run_replay(sched *s)
{
    calendar cal;
    int32_t start, end, *days;
    static const char *const upstream[] = {Q_INGESTION, Q_PARSING,
                                           Q_EXTRACTION};
    size_t ndays, next = 0, sealed = 0, rejected;
    double stalled_since = 0, last_seal = mono_s();
    char err[512];
    int rc = 1, wait = 0;

    date_parse(s->cfg->replay_start, 10, &start);
    date_parse(s->cfg->replay_end, 10, &end);
    if (replay_calendar(s->cfg, &cal, &rejected, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot load replay data", LF_S("error", err));
        return 1;
    }
    s->cal = &cal;
    ndays = calendar_range(&cal, start, end, NULL, 0);
    days = xcalloc(ndays + 1, sizeof(*days));
    calendar_range(&cal, start, end, days, ndays);
    if (ndays == 0 ||
        before_1970(&cal, s->cfg, start, end, err, sizeof(err)) < 0 ||
        load_tickers(s, err, sizeof(err)) < 0 ||
        mark_start(s, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot start the replay",
                  LF_S("error", ndays ? err : "no trading day in range"));
        goto out;
    }
    /* (gone first: one that cannot be written is not left stale) */
    queue_del(s->q, KEY_SEALED);
    queue_del(s->q, KEY_REPLAY_RANGE);
    {
        char last[11], *range = xasprintf("%s %s %s", s->cfg->replay_start,
                                          s->cfg->replay_end,
                                          DAYSTR(days[ndays - 1], last));

        if (queue_set(s->q, KEY_REPLAY_RANGE, range) < 0)
            LOG_WARN("cannot publish the replay's range",
                     LF_S("error", queue_error(s->q)));
        free(range);
    }
    publish_progress(s, 0, ndays, -1);
    LOG_INFO("replay started", LF_S("from", s->cfg->replay_start),
             LF_S("to", s->cfg->replay_end), LF_I("days", ndays),
             LF_I("tickers", s->ntickers));

    while (sealed < ndays && !worker_stopping()) {
        int st;

        while (next < ndays &&
               next < sealed + (size_t)s->cfg->replay_lookahead_days) {
            if (push_ingestion(s, &cal, days, next) < 0)
                goto out;
            next++;
        }
        st = is_sealed(s, days[sealed]);
        if (st < 0) {
            if (!wait)
                LOG_ERROR("cannot check the replay, retrying",
                          LF_S("error", db_error(s->db)));
            probe_set_ready(s->probe, 0); /* until PostgreSQL answers */
            wait = wait ? (wait * 2 > 5000 ? 5000 : wait * 2) : 100;
            worker_sleep_ms(wait);
            continue;
        }
        if (wait)
            LOG_INFO("the replay's checks answer again");
        probe_set_ready(s->probe, 1);
        wait = 0;
        if (st == 0) {
            if (!queues_idle(s, upstream, 3)) {
                stalled_since = 0;
            } else if (stalled_since == 0) {
                stalled_since = mono_s();
            } else if (mono_s() - stalled_since >= repair_after(s)) {
                repair_ingestion(s, &cal, days, sealed, next);
                stalled_since = 0;
            }
            worker_sleep_ms(POLL_MS);
            continue;
        }
        stalled_since = 0;
        if (push_day(s, Q_AGGREGATION, days[sealed], -1, -1) < 0)
            goto out;
        sealed++;
        publish_progress(s, sealed, ndays, days[sealed - 1]);
        refresh_statistics(s, sealed);
        if (s->cfg->replay_pace_ms > 0) {
            double due = last_seal + s->cfg->replay_pace_ms / 1000.0;

            if (mono_s() < due)
                worker_sleep_ms((int)((due - mono_s()) * 1000) + 1);
            last_seal = mono_s();
        }
    }
    if (sealed == ndays && finish_replay(s, days[0], days[ndays - 1]) == 0)
        LOG_INFO("replay finished", LF_I("days", ndays));
    rc = 0;
out:
    free(days);
    calendar_release(&cal);
    return rc;
}

int32_t scheduler_live_day(long long unix_s)
{
    return tstamp_ny_date(unix_s);
}

int32_t scheduler_live_from(int32_t last, int32_t day, int lookback)
{
    if (last > day)
        return day;
    return last >= day - lookback ? last : day - lookback;
}

/* Live mode's ingestion: every ticker's news and bars from its last
 * ingested day (scheduler_live_from), so that a restart catches up the
 * days it was down and a new ticker gets its look-back of bars. */
static int push_live_ingestion(sched *s, int32_t day)
{
    static const char sql[] =
        "SELECT u.t, coalesce((SELECT max(r.day) FROM ingest_runs r"
        " WHERE r.ticker = u.t) - DATE '1970-01-01', -1)"
        " FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i";
    const char *p[] = {pgarr_text(&s->ticker_arr)};
    PGresult *r;
    char **payloads;
    size_t n;

    if (db_execp(s->db, "sched_live_from", sql, 1, p, &r) != DB_OK) {
        LOG_ERROR("cannot read the days ingested: no ingestion this tick",
                  LF_S("error", db_error(s->db)));
        return -1;
    }
    n = (size_t)PQntuples(r);
    payloads = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        int32_t from = scheduler_live_from(atoi(PQgetvalue(r, (int)i, 1)), day,
                                           s->cfg->replay_lookback_days);
        char ds[11], fs[11];

        payloads[i] = xasprintf("{\"ticker\":\"%s\",\"day\":\"%s\","
                                "\"from\":\"%s\"}",
                                PQgetvalue(r, (int)i, 0), DAYSTR(day, ds),
                                DAYSTR(from, fs));
    }
    PQclear(r);
    return push_jobs(s, Q_INGESTION, payloads, n);
}

/* 1 when queue (ingestion, aggregation) has not finished the jobs of an
 * earlier tick (those waiting for a retry aside): a tick then queues
 * none on it, rather than pile up jobs a slow provider or worker cannot
 * serve, or ask again for what a job in hand is fetching (a new
 * ticker's look-back, twice). *warned: said so already. */
static int live_backlog(sched *s, const char *queue, int *warned)
{
    queue_stats st;

    if (queue_stats_get(s->q, queue, &st) < 0 ||
        st.depth - st.delayed + st.in_flight <= 0) {
        *warned = 0;
        return 0;
    }
    if (!*warned)
        LOG_WARN("the jobs of an earlier tick are not finished: ticks queue "
                 "none on top of them until they are (a provider or worker "
                 "slower than SCHEDULER_INTERVAL_S allows?)",
                 LF_S("queue", queue), LF_I("waiting", st.depth - st.delayed),
                 LF_I("in_flight", st.in_flight));
    *warned = 1;
    return 1;
}

/* Live mode's repair: once parsing and extraction have been idle for
 * repair_after while documents still wait, their jobs were lost (Redis
 * restarted without its data, a worker killed between its commit and
 * its push), so they are queued again. idle_since carries over ticks. */
static void live_repair(sched *s, double *idle_since)
{
    static const char *const docs[] = {Q_PARSING, Q_EXTRACTION};
    int after = (int)repair_after(s);

    if (!queues_idle(s, docs, 2)) {
        *idle_since = 0;
        return;
    }
    if (*idle_since == 0) {
        *idle_since = mono_s();
        return;
    }
    if (mono_s() - *idle_since < after)
        return;
    push_docs_in(s, "new", Q_PARSING, -1, after);
    push_docs_in(s, "parsed", Q_EXTRACTION, -1, after);
    *idle_since = 0;
}

/* Sleeps ms, repairing lost jobs on the way (live_repair). */
static void live_sleep(sched *s, double *idle_since, long ms)
{
    while (ms > 0 && !worker_stopping()) {
        int slice = ms > 1000 ? 1000 : (int)ms;

        live_repair(s, idle_since);
        worker_sleep_ms(slice);
        ms -= slice;
    }
}

/* Publishes the tick's state (KEY_LIVE_TICK) for /pipeline/status:
 * running while done is 0; stopped when the scheduler stops before the
 * aggregation of a session day. */
static void publish_tick(sched *s, int32_t day, long long started,
                         long long done, int extracted, int aggregated)
{
    char v[128], ds[11];

    snprintf(v, sizeof(v), "%s %lld %lld %zu %d %d %d %d", DAYSTR(day, ds),
             started, done, s->ntickers, exchange_is_open(day), extracted,
             aggregated,
             done && exchange_is_open(day) && !aggregated && worker_stopping());
    if (queue_set(s->q, KEY_LIVE_TICK, v) < 0)
        LOG_WARN("cannot publish the tick's progress",
                 LF_S("error", queue_error(s->q)));
}

/* A tick: today's ingestion for every active ticker, then, on a day the
 * exchange trades, a wait for the day's documents to be extracted (up
 * to one interval) and today's aggregation. On other days (weekends,
 * holidays) there is no session to aggregate for: their news counts
 * toward the next session. */
static int run_live(sched *s)
{
    double idle_since = 0;
    int failing = 0, warned = 0, agg_warned = 0;
    char err[512];

    while (!worker_stopping()) {
        long long started = (long long)time(NULL);
        int32_t day = scheduler_live_day(started);
        long interval = s->cfg->scheduler_interval_s * 1000L, waited = 0;
        int st = 0, aggregated = 0;

        if (load_tickers(s, err, sizeof(err)) < 0 ||
            mark_start(s, err, sizeof(err)) < 0) {
            if (!failing)
                LOG_ERROR("ticks skipped until this is mended",
                          LF_S("error", err));
            failing = 1;
            probe_set_ready(s->probe, 0);
            worker_sleep_ms((int)interval);
            continue;
        }
        if (failing)
            LOG_INFO("ticks resume");
        failing = 0;
        probe_set_ready(s->probe, 1);
        publish_tick(s, day, started, 0, 0, 0);
        if (!live_backlog(s, Q_INGESTION, &warned))
            push_live_ingestion(s, day);
        if (exchange_is_open(day)) {
            while ((st = is_sealed(s, day)) != 1 && !worker_stopping() &&
                   waited < interval) {
                probe_set_ready(s->probe, st == 0);
                live_repair(s, &idle_since);
                worker_sleep_ms(100);
                waited += 100;
            }
            if (worker_stopping()) {
                /* (not sealed: its aggregates would lack news) */
                publish_tick(s, day, started, (long long)time(NULL), 0, 0);
                break;
            }
            if (!live_backlog(s, Q_AGGREGATION, &agg_warned))
                aggregated = push_day(s, Q_AGGREGATION, day, -1, -1) == 0;
        }
        publish_tick(s, day, started, (long long)time(NULL), st == 1,
                     aggregated);
        LOG_INFO("tick done", LF_I("tickers", s->ntickers),
                 LF_I("session", exchange_is_open(day)));
        live_sleep(s, &idle_since, interval - waited);
    }
    return 0;
}

int cmd_scheduler(int argc, char **argv)
{
    config c;
    sched s;
    char consumer[128], err[512];
    int rc;

    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks scheduler\n"
               "  Replay mode (SCHEDULER_MODE=replay): walks REPLAY_START.."
               "REPLAY_END,\n  queues ingestion per ticker and day and "
               "aggregation per sealed day,\n  then exits. Live mode: "
               "ticks every SCHEDULER_INTERVAL_S.\n");
        return 0;
    }
    if (cli_start("scheduler", &c) < 0)
        return 2;
    if (scheduler_check(&c, err, sizeof(err)) < 0) {
        LOG_ERROR("invalid configuration", LF_S("error", err));
        fprintf(stderr, "stonks scheduler: %s\n", err);
        config_release(&c);
        return 2;
    }
    memset(&s, 0, sizeof(s));
    s.cfg = &c;
    pgarr_init(&s.ticker_arr);
    worker_install_signals();
    worker_consumer_name("scheduler", consumer, sizeof(consumer));
    s.probe = probe_start(&c, "scheduler", err, sizeof(err));
    if (worker_connect(&c, consumer, &s.db, &s.q) < 0) {
        probe_stop(s.probe);
        pgarr_release(&s.ticker_arr);
        config_release(&c);
        return 0;
    }
    probe_set_ready(s.probe, 1);
    rc = strcmp(c.scheduler_mode, "live") == 0 ? run_live(&s) : run_replay(&s);
    probe_stop(s.probe);
    free_tickers(&s);
    db_close(s.db);
    queue_close(s.q);
    config_release(&c);
    return rc;
}
