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
 * Live mode ticks every SCHEDULER_INTERVAL_S: it queues today's
 * ingestion for every active ticker, waits for the day's documents to
 * be extracted (up to one interval) and queues today's aggregation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/replay.h"
#include "domain/calendar.h"
#include "domain/date.h"
#include "lib/log.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/pipeline.h"
#include "services/svc.h"

#define POLL_MS 10

typedef struct sched {
    const config *cfg;
    db *db;
    queue_client *q;
    char **tickers;
    size_t ntickers;
    pgarr ticker_arr;
    char started[64]; /* server time at start, for ingest_runs */
} sched;

static void free_tickers(sched *s)
{
    for (size_t i = 0; i < s->ntickers; i++)
        free(s->tickers[i]);
    free(s->tickers);
    s->tickers = NULL;
    s->ntickers = 0;
    pgarr_release(&s->ticker_arr);
}

/* The tickers to schedule: REPLAY_TICKERS, else every active symbol. */
static int load_tickers(sched *s, char *err, size_t errlen)
{
    PGresult *r;

    free_tickers(s);
    pgarr_init(&s->ticker_arr);
    if (s->cfg->replay_tickers[0]) {
        char *list = xstrdup(s->cfg->replay_tickers), *save = NULL;

        for (char *t = strtok_r(list, ", ", &save); t;
             t = strtok_r(NULL, ", ", &save)) {
            char norm[TICKER_MAX];

            if (ticker_normalize(t, strlen(t), norm) < 0) {
                snprintf(err, errlen, "REPLAY_TICKERS: invalid ticker '%.20s'",
                         t);
                free(list);
                return -1;
            }
            s->tickers =
                xreallocarray(s->tickers, s->ntickers + 1, sizeof(char *));
            s->tickers[s->ntickers++] = xstrdup(norm);
            pgarr_adds(&s->ticker_arr, norm);
        }
        free(list);
        return 0;
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

/* Pushes one job per ticker for a day; retries while Redis is down.
 * from < 0: an aggregation job; bars_from >= 0: also load bars from
 * that day (the look-back before the first replayed day). */
static int push_day(sched *s, const char *queue, int32_t day, int32_t from,
                    int32_t bars_from)
{
    char **payloads = xcalloc(s->ntickers + 1, sizeof(char *));
    size_t *lens = xcalloc(s->ntickers + 1, sizeof(size_t));
    char ds[11], fs[11], bs[40] = "";
    int rc;

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
        lens[i] = strlen(payloads[i]);
    }
    while ((rc = queue_push(s->q, queue, (const char *const *)payloads, lens,
                            s->ntickers)) < 0 &&
           !worker_stopping()) {
        LOG_ERROR("cannot queue jobs, retrying",
                  LF_S("error", queue_error(s->q)));
        worker_sleep_ms(1000);
    }
    for (size_t i = 0; i < s->ntickers; i++)
        free(payloads[i]);
    free(payloads);
    free(lens);
    return rc;
}

/* 1 when day is sealed, 0 when not yet, -1 on a database error. */
static int is_sealed(sched *s, int32_t day)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM ingest_runs WHERE day = $1::date"
        "        AND ticker = ANY($2::text[]) AND done_at >= $3::timestamptz)"
        "  = $4::bigint"
        " AND NOT EXISTS (SELECT 1 FROM documents WHERE trading_day <="
        "  $1::date AND status <> 'extracted')";
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

static int run_replay(sched *s)
{
    replay_data rd;
    calendar cal;
    int32_t start, end, *days;
    size_t ndays, next = 0, sealed = 0;
    char err[512];
    int rc = 1, wait = 0;

    date_parse(s->cfg->replay_start, 10, &start);
    date_parse(s->cfg->replay_end, 10, &end);
    if (replay_load(s->cfg->replay_dir, &rd, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot load replay data", LF_S("error", err));
        return 1;
    }
    calendar_init(&cal);
    for (size_t i = 0; i < rd.nbars; i++)
        calendar_add(&cal, rd.bars[i].day);
    calendar_finish(&cal);
    replay_release(&rd);
    ndays = calendar_range(&cal, start, end, NULL, 0);
    days = xcalloc(ndays + 1, sizeof(*days));
    calendar_range(&cal, start, end, days, ndays);
    if (ndays == 0 || load_tickers(s, err, sizeof(err)) < 0 ||
        mark_start(s, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot start the replay",
                  LF_S("error", ndays ? err : "no trading day in range"));
        goto out;
    }
    queue_del(s->q, KEY_SEALED);
    publish_progress(s, 0, ndays, -1);
    LOG_INFO("replay started", LF_S("from", s->cfg->replay_start),
             LF_S("to", s->cfg->replay_end), LF_I("days", ndays),
             LF_I("tickers", s->ntickers));

    while (sealed < ndays && !worker_stopping()) {
        int st;

        while (next < ndays &&
               next < sealed + (size_t)s->cfg->replay_lookahead_days) {
            int32_t first = calendar_prev(&cal, days[0]);
            int32_t from =
                next ? days[next - 1] + 1 : (first >= 0 ? first + 1 : days[0]);
            int32_t bars_from =
                next ? -1 : days[0] - s->cfg->replay_lookback_days;

            if (push_day(s, Q_INGESTION, days[next], from, bars_from) < 0)
                goto out;
            next++;
        }
        st = is_sealed(s, days[sealed]);
        if (st < 0) {
            if (!wait)
                LOG_ERROR("cannot check the replay, retrying",
                          LF_S("error", db_error(s->db)));
            wait = wait ? (wait * 2 > 5000 ? 5000 : wait * 2) : 100;
            worker_sleep_ms(wait);
            continue;
        }
        wait = 0;
        if (st == 0) {
            worker_sleep_ms(POLL_MS);
            continue;
        }
        if (push_day(s, Q_AGGREGATION, days[sealed], -1, -1) < 0)
            goto out;
        sealed++;
        publish_progress(s, sealed, ndays, days[sealed - 1]);
    }
    if (sealed == ndays)
        LOG_INFO("replay finished", LF_I("days", ndays));
    rc = 0;
out:
    free(days);
    calendar_release(&cal);
    return rc;
}

static int32_t today(void)
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static int run_live(sched *s)
{
    int32_t last = -1;
    char err[512];

    while (!worker_stopping()) {
        int32_t day = today();
        int waited = 0;

        if (load_tickers(s, err, sizeof(err)) < 0 ||
            mark_start(s, err, sizeof(err)) < 0) {
            LOG_ERROR("tick skipped", LF_S("error", err));
            worker_sleep_ms(s->cfg->scheduler_interval_s * 1000);
            continue;
        }
        push_day(s, Q_INGESTION, day, last >= 0 ? last + 1 : day, -1);
        while (is_sealed(s, day) != 1 && !worker_stopping() &&
               waited < s->cfg->scheduler_interval_s * 1000) {
            worker_sleep_ms(100);
            waited += 100;
        }
        push_day(s, Q_AGGREGATION, day, -1, -1);
        last = day;
        LOG_INFO("tick done", LF_I("tickers", s->ntickers));
        worker_sleep_ms(s->cfg->scheduler_interval_s * 1000 - waited);
    }
    return 0;
}

int cmd_scheduler(int argc, char **argv)
{
    config c;
    sched s;
    char consumer[128];
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
    memset(&s, 0, sizeof(s));
    s.cfg = &c;
    pgarr_init(&s.ticker_arr);
    worker_install_signals();
    worker_consumer_name("scheduler", consumer, sizeof(consumer));
    if (worker_connect(&c, consumer, &s.db, &s.q) < 0) {
        pgarr_release(&s.ticker_arr);
        config_release(&c);
        return 0;
    }
    rc = strcmp(c.scheduler_mode, "live") == 0 ? run_live(&s) : run_replay(&s);
    free_tickers(&s);
    db_close(s.db);
    queue_close(s.q);
    config_release(&c);
    return rc;
}
