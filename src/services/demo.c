/*
 * demo: the replay of the bundled data through the real services. It
 * migrates and seeds the database, clears earlier pipeline state
 * (unless --no-reset), starts every pipeline service as its own child
 * process with the replicas of the deployment topology, shows progress,
 * waits until the replay is sealed and every queue is empty, stops the
 * children, and prints the per-ticker table and the throughput.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapters/provider.h"
#include "adapters/replay.h"
#include "lib/log.h"
#include "lib/logread.h"
#include "lib/num.h"
#include "lib/objstore.h"
#include "lib/queue.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/admin.h"
#include "services/cli.h"
#include "services/demo.h"
#include "services/extract_model.h"
#include "services/pipeline.h"
#include "services/symbols.h"
#include "services/trading.h"
#include "services/up.h"

typedef struct child {
    const char *service;
    int replica;
    pid_t pid;
    int exited, status;
    size_t log_from; /* size of its log when it was started */
    double started; /* when it was started (now_s) */
    double restart_at; /* when to start it again; 0: not waiting */
    int quick_fails; /* failures at start in a row */
} child;

/* The pipeline services and their replicas (ARCHITECTURE.md). */
static const struct {
    const char *service;
    int replicas;
} topology[] = {
    {"ingestion", 2},       {"parser", 2},         {"extractor", 1},
    {"aggregation", 4},     {"recommendation", 1}, {"risk-engine", 1},
    {"trading-engine", 1},  {"broker-adapter", 1}, {"query-api", 1},
    {"symbol-registry", 1}, {"scheduler", 1}};

/* The read APIs listen on the port of their URL setting while the demo
 * runs, so the data can be browsed during and right after the replay.
 */
static const struct {
    const char *service;
    const char *url_var;
    const char *url_default;
} demo_apis[] = {{"query-api", "QUERY_API_URL", "http://127.0.0.1:8001"},
                 {"symbol-registry", "REGISTRY_URL", "http://127.0.0.1:8002"}};

static const char *api_url(const char *service)
{
    for (size_t i = 0; i < sizeof(demo_apis) / sizeof(*demo_apis); i++)
        if (strcmp(demo_apis[i].service, service) == 0) {
            const char *v = getenv(demo_apis[i].url_var);

            return v && *v ? v : demo_apis[i].url_default;
        }
    return NULL;
}

static const char *const pipeline_queues[] = {
    Q_INGESTION,      Q_PARSING,           Q_EXTRACTION,   Q_AGGREGATION,
    Q_RECOMMENDATION, Q_TRADING_DECISIONS, Q_BROKER_ORDERS};
#define NQUEUES (sizeof(pipeline_queues) / sizeof(*pipeline_queues))

/* DEMO_REPLICAS=N runs N of every worker instead of the topology's
 * numbers (the scheduler, the risk-engine and the read APIs are always
 * one). */
static int is_trading(const char *service)
{
    return strcmp(service, "risk-engine") == 0 ||
           strcmp(service, "trading-engine") == 0 ||
           strcmp(service, "broker-adapter") == 0;
}

/* DEMO_TRADING=0 leaves the trading services out: the pipeline alone,
 * as the pipeline benchmark measures it. */
static int trading_on(void)
{
    const char *v = getenv("DEMO_TRADING");

    return !v || strcmp(v, "0") != 0;
}

static int replicas_of(size_t i)
{
    const char *v = getenv("DEMO_REPLICAS");
    int n = v ? atoi(v) : 0;

    if (is_trading(topology[i].service) && !trading_on())
        return 0;
    /* one scheduler, and one of each service on a port of its own */
    if (strcmp(topology[i].service, "scheduler") == 0 ||
        strcmp(topology[i].service, "risk-engine") == 0 ||
        api_url(topology[i].service) || n < 1 || n > 8)
        return topology[i].replicas;
    return n;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *log_path(const char *logdir, const char *service, int replica)
{
    return xasprintf("%s/%s-%d.log", logdir, service, replica);
}

/* The port spawn gives the child in slot (0: none). */
static int child_port(const char *service, int slot)
{
    const char *base = getenv("STONKS_DEMO_HTTP_BASE");

    if (api_url(service))
        return config_url_port(api_url(service));
    return base && atoi(base) > 0 ? atoi(base) + slot : 0;
}

/* Children get their own probe port when STONKS_DEMO_HTTP_BASE is set
 * (base + slot), and none otherwise: many replicas on one machine
 * cannot share HTTP_PORT. */
static pid_t spawn(const char *service, int replica, int slot,
                   const char *logdir)
{
    char *log = log_path(logdir, service, replica);
    pid_t parent = getpid();
    pid_t pid = worker_fork();

    if (pid == 0) {
        char port[16];
        int fd;

        /* A demo killed outright (SIGKILL) takes its services with it:
         * they held its ports and queues, and the next demo was refused
         * for ever as "another program" on them. */
        up_end_with_parent(parent);
        snprintf(port, sizeof(port), "%d", child_port(service, slot));
        setenv("HTTP_PORT", port, 1);
        fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl("/proc/self/exe", "stonks", service, (char *)NULL);
        fprintf(stderr, "cannot exec stonks %s: %s\n", service,
                strerror(errno));
        _exit(127);
    }
    free(log);
    return pid;
}

/* Every port the children will listen on, with the servers', is free
 * and their own: checked before a reset (a probe slot on an API's port
 * restarted both services until the demo gave up, the last replay
 * emptied for nothing). Returns 0, or -1 after a message. */
static int ports_ok(const config *c)
{
    up_port p[8 * sizeof(topology) / sizeof(*topology) + 2];
    size_t n = 0;
    int slot = 0;

    up_port_add_servers(c, p, &n);
    for (size_t i = 0; i < sizeof(topology) / sizeof(*topology); i++)
        for (int r = 0; r < replicas_of(i); r++, slot++) {
            const char *svc = topology[i].service;
            int port = child_port(svc, slot);

            /* (the trading services listen on their URL's port when it
             * is a loopback one, whatever HTTP_PORT says; a second
             * trading-engine finds it served by the first, and runs on
             * as a worker without its API, as designed) */
            if (strcmp(svc, "risk-engine") == 0 ||
                strcmp(svc, "trading-engine") == 0) {
                config cc = *c;

                if (r > 0)
                    continue;

                cc.http_port = port;
                port = trading_listen_port(&cc, svc[0] == 'r'
                                                    ? c->risk_engine_url
                                                    : c->trading_engine_url);
            }

            if (port > 0 && n < sizeof(p) / sizeof(*p))
                up_port_add(p, &n, svc, r + 1, port, c->http_bind);
        }
    return up_ports_check("demo", p, n,
                          "the *_URL settings, STONKS_DEMO_HTTP_BASE");
}

/* Starts kids[i] (again), noting where its log ends before it writes. */
static void start_child(child *kids, size_t i, const char *logdir)
{
    char *log = log_path(logdir, kids[i].service, kids[i].replica);

    kids[i].log_from = logread_size(log);
    kids[i].pid = spawn(kids[i].service, kids[i].replica, (int)i, logdir);
    kids[i].exited = 0;
    kids[i].started = now_s();
    kids[i].restart_at = 0;
    free(log);
}

/* The last "error" line k wrote to its log since it was started
 * (logread_last_error) into out. Returns the log's path (the caller
 * frees it), for the message that points there. */
static char *last_error(const child *k, const char *logdir, char *out,
                        size_t outlen)
{
    char *log = log_path(logdir, k->service, k->replica);

    logread_last_error(log, k->log_from, out, outlen);
    return log;
}

/* Rows of the replay files ingestion skipped, as its replicas logged
 * them (each reads the files whole), said as stonks backtest says it:
 * the report counts only the rows read. */
static void say_skipped(const child *kids, size_t n, const char *logdir,
                        const config *c)
{
    long long most = -1;

    for (size_t i = 0; i < n; i++) {
        char *log;
        long long rows;

        if (strcmp(kids[i].service, "ingestion") != 0)
            continue;
        log = log_path(logdir, kids[i].service, kids[i].replica);
        rows =
            logread_last_int(log, kids[i].log_from, REPLAY_SKIPPED_MSG, "rows");
        most = rows > most ? rows : most;
        free(log);
    }
    if (most > 0)
        fprintf(stderr,
                "stonks demo: %lld row%s of the replay files in %s skipped "
                "(" REPLAY_SKIPPED_WHY ")\n",
                most, most == 1 ? "" : "s", c->replay_dir);
}

static void stop_children(child *kids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!kids[i].exited && kids[i].pid > 0)
            kill(kids[i].pid, SIGTERM);
    for (size_t i = 0; i < n; i++)
        if (!kids[i].exited && kids[i].pid > 0) {
            waitpid(kids[i].pid, &kids[i].status, 0);
            kids[i].exited = 1;
        }
}

static int reset_state(db *d, queue_client *q, char *err, size_t errlen)
{
    if (db_exec(d,
                "TRUNCATE signals, aggregates, recommendations,"
                " document_tickers, pending_documents, document_texts,"
                " documents, price_bars, ingest_runs"
                " RESTART IDENTITY",
                0, NULL, NULL) != DB_OK ||
        trading_reset(d) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        return -1;
    }
    for (size_t i = 0; i < NQUEUES; i++)
        if (queue_purge(q, pipeline_queues[i]) < 0) {
            snprintf(err, errlen, "%s", queue_error(q));
            return -1;
        }
    queue_del(q, KEY_SEALED);
    queue_del(q, KEY_REPLAY_RANGE);
    queue_del(q, KEY_LIVE_TICK); /* (a tick of the days emptied) */
    return 0;
}

#define SQL_EXTRACTED                                                          \
    "SELECT count(*) FROM documents WHERE status = 'extracted'"

static long long count_of(db *d, const char *sql)
{
    PGresult *r;
    long long v;

    if (db_exec(d, sql, 0, NULL, &r) != DB_OK)
        return -1;
    v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* 1 when every pipeline queue is empty with nothing in flight. */
static int queues_idle(queue_client *q)
{
    for (size_t i = 0; i < NQUEUES; i++) {
        queue_stats st;

        if (!trading_on() &&
            (strcmp(pipeline_queues[i], Q_TRADING_DECISIONS) == 0 ||
             strcmp(pipeline_queues[i], Q_BROKER_ORDERS) == 0))
            continue;
        if (queue_stats_get(q, pipeline_queues[i], &st) < 0 || st.depth ||
            st.in_flight)
            return 0;
    }
    return 1;
}

/* One progress line. docs0 is the count of extracted documents before
 * this run (0 after a reset): the rate counts this run's documents. */
static void show_progress(queue_client *q, db *d, double t0, long long docs0,
                          int tty)
{
    char *p = queue_get(q, KEY_PROGRESS);
    long long docs = count_of(d, SQL_EXTRACTED);
    double el = now_s() - t0;
    unsigned done = 0, total = 0;

    if (p)
        sscanf(p, "%u %u", &done, &total);
    free(p);
    if (docs < docs0)
        docs = docs0;
    if (total == 0) /* the scheduler has not said how many days yet */
        printf("%sreplay: starting  documents extracted %lld", tty ? "\r" : "",
               docs);
    else
        printf("%sreplay: day %u/%u  documents extracted %lld", tty ? "\r" : "",
               done, total, docs);
    if (docs0 > 0)
        printf(" (%lld new)", docs - docs0);
    /* (trading goes on after the last day's recommendations: the
     * sessions it has traded show it moving) */
    printf("  %.0f docs/s", el > 0 ? (double)(docs - docs0) / el : 0.0);
    if (trading_on())
        printf("  sessions traded %lld",
               count_of(d, "SELECT count(*) FROM trading_runs"));
    printf("  %.1fs%s", el, tty ? "   " : "\n");
    fflush(stdout);
}

/* A scheduler killed by a signal is started again this many times: it
 * replays the range from its start, and what is already written stays
 * (every write is keyed), so it only redoes the checks. */
#define SCHEDULER_RESTARTS 3

/* A worker that exits with an error within START_FAIL_S of its start
 * failed at start (a setting only it reads, such as a weights file that
 * does not load): it is started again after 0.2 s, doubling, and after
 * START_FAILS such failures in a row the demo stops and says why. A
 * worker killed by a signal is started again at once. */
#define START_FAIL_S 5.0
#define START_FAILS 5

/* Notes that kids[i] exited with status, and when to start it again.
 * Returns 1 when it failed at start START_FAILS times in a row. */
static int note_exit(child *k, int status)
{
    double now = now_s();

    k->exited = 1;
    k->status = status;
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
        now - k->started < START_FAIL_S)
        k->quick_fails++;
    else
        k->quick_fails = 0;
    if (k->quick_fails >= START_FAILS)
        return 1;
    k->restart_at = now + (k->quick_fails ? 0.1 * (1 << k->quick_fails) : 0);
    return 0;
}

/* 1 while a worker that failed at start has yet to show it can start:
 * it waits to be started again, or has run less than START_FAIL_S
 * since. A replay found finished at once ended the demo with 0 before
 * such a worker's fifth failure. */
static int start_in_doubt(const child *kids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (kids[i].quick_fails > 0 &&
            (kids[i].exited || now_s() - kids[i].started < START_FAIL_S))
            return 1;
    return 0;
}

/* The dead letters of the pipeline queues as last counted; known[i] is
 * 0 until queue i's first count, the baseline, taken before the
 * services start (a demo run with --no-reset keeps the letters of
 * earlier runs). */
typedef struct dead_watch {
    long long dead[NQUEUES];
    int known[NQUEUES];
} dead_watch;

/* Says so on stderr when a pipeline queue has more dead letters than
 * dw counted: a job that failed for good leaves its day waiting, and
 * the progress line alone would just stop moving. */
static void note_dead_letters(queue_client *q, dead_watch *dw)
{
    for (size_t i = 0; i < NQUEUES; i++) {
        queue_stats st;

        if (queue_stats_get(q, pipeline_queues[i], &st) < 0)
            continue;
        if (dw->known[i] && st.dead > dw->dead[i])
            fprintf(stderr,
                    "%sstonks demo: %lld job(s) of the %s queue failed for "
                    "good (`stonks queue dead %s` shows why): the replay "
                    "may wait for them\n",
                    isatty(1) ? "\n" : "", st.dead - dw->dead[i],
                    pipeline_queues[i], pipeline_queues[i]);
        dw->dead[i] = st.dead;
        dw->known[i] = 1;
    }
}

/* Waits for the replay to end. Returns 0, or -1 when the scheduler
 * failed or a signal stopped the demo. Restarts a worker that died, and
 * a scheduler that was killed (SCHEDULER_RESTARTS times at most). */
static int wait_replay(child *kids, size_t n, queue_client *q, db *d,
                       const char *me, double t0, long long docs0,
                       const char *logdir, dead_watch *dw, double *t_pipeline)
{
    int tty = isatty(1), sched_restarts = 0, lock_lost = 0;
    double last_show = 0, lock_checked = 0;
    const child *failing = NULL;

    for (;;) {
        int status, sched_done = 0;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            for (size_t i = 0; i < n; i++) {
                if (kids[i].pid != pid)
                    continue;
                if (strcmp(kids[i].service, "scheduler") == 0 &&
                    (!WIFSIGNALED(status) ||
                     sched_restarts++ >= SCHEDULER_RESTARTS)) {
                    kids[i].exited = 1;
                    kids[i].status = status;
                    break;
                }
                if (note_exit(&kids[i], status)) {
                    failing = &kids[i];
                    break;
                }
                LOG_WARN("service exited, restarting",
                         LF_S("child", kids[i].service), LF_I("status", status),
                         LF_D("in_s", fmax(0.0, kids[i].restart_at - now_s())));
            }
        }
        for (size_t i = 0; i < n; i++)
            if (kids[i].exited && kids[i].restart_at > 0 &&
                now_s() >= kids[i].restart_at)
                start_child(kids, i, logdir);
        for (size_t i = 0; i < n; i++)
            if (strcmp(kids[i].service, "scheduler") == 0 && kids[i].exited) {
                if (!WIFEXITED(kids[i].status) ||
                    WEXITSTATUS(kids[i].status) != 0) {
                    char why[1024],
                        *log = last_error(&kids[i], logdir, why, sizeof(why));

                    LOG_ERROR("the scheduler failed", LF_S("error", why),
                              LF_S("log", log));
                    free(log);
                    return -1;
                }
                /* The scheduler exits once every aggregate and
                 * recommendation of the replay is written. */
                if (!sched_done && *t_pipeline == 0)
                    *t_pipeline = now_s();
                sched_done = 1;
            }
        if (failing) {
            char why[1024],
                *log = last_error(failing, logdir, why, sizeof(why));

            LOG_ERROR("a service failed at start",
                      LF_S("child", failing->service),
                      LF_I("times", START_FAILS), LF_S("error", why),
                      LF_S("log", log));
            free(log);
            return -1;
        }
        if (worker_stopping())
            return -1;
        if (now_s() - last_show >= (tty ? 0.2 : 2.0)) {
            show_progress(q, d, t0, docs0, tty);
            last_show = now_s();
        }
        if (now_s() - lock_checked >= 1.0) {
            admin_stack_lock_watch(d, "demo", &lock_lost);
            admin_stack_beat(q, me);
            note_dead_letters(q, dw);
            lock_checked = now_s();
        }
        if (sched_done && queues_idle(q) && !start_in_doubt(kids, n)) {
            note_dead_letters(q, dw); /* (its last second) */
            show_progress(q, d, t0, docs0, tty);
            if (tty)
                printf("\n");
            return 0;
        }
        worker_sleep_ms(5);
    }
}

/* The settings a service checks at start, against the database or the
 * disk: the start-up checks of the scheduler (a REPLAY_DIR without the
 * replay files, a replay range without a trading day), of ingestion (its
 * provider and object store) and of the trading services when they run, as
 * `stonks config` runs them; the tickers of REPLAY_TICKERS (the scheduler's)
 * and the model's weights (the extractor's). Returns 0, or -1 with err. */
static int usable_settings(db *d, const config *c, char *err, size_t errlen)
{
    extract_model *m;
    char **tickers = NULL;
    size_t n = 0;
    int rc;

    if (scheduler_check(c, err, errlen) < 0 ||
        (strcmp(c->scheduler_mode, "replay") == 0 &&
         scheduler_replay_check(c, err, errlen) < 0) ||
        provider_check(c, err, errlen) < 0 ||
        objstore_check(c, err, errlen) < 0 ||
        (trading_on() && trading_mode_check(c, err, errlen) < 0))
        return -1;
    if (c->replay_tickers[0]) {
        if (replay_tickers_resolve(d, c, &tickers, &n, err, errlen) < 0)
            return -1;
        rc = replay_tickers_active(d, tickers, n, err, errlen);
        for (size_t i = 0; i < n; i++)
            free(tickers[i]);
        free(tickers);
        if (rc < 0)
            return -1;
    }
    if (!(m = extract_model_open(c, err, errlen)))
        return -1;
    extract_model_free(m);
    return 0;
}

static int run_demo(config *c, int reset)
{
    child kids[64];
    size_t nk = 0;
    char err[1024] = "", consumer[128], var[PATH_MAX], me[PATH_MAX + 300];
    char *logdir = xasprintf("%s/log", c->var_dir);
    db *d = NULL;
    queue_client *q = NULL;
    int n, rc = 1, claimed = 0;
    double t0, t1, tp = 0;
    long long docs, docs0;
    dead_watch dw = {{0}, {0}};

    memset(kids, 0, sizeof(kids));
    /* (a stonks up over this folder would have its tables emptied) */
    if (up_var_dir(c->var_dir, logdir, "demo", var) < 0 ||
        up_take_lock(var, "demo") < 0)
        goto out;
    worker_install_signals();
    worker_consumer_name("demo", consumer, sizeof(consumer));
    d = db_open(c, err, sizeof(err));
    if (d)
        q = queue_open(c, consumer, err, sizeof(err));
    /* (nor one from another folder on this database) */
    /* (nor one in the second after a PostgreSQL restart) */
    admin_stack_me("demo", var, me, sizeof(me));
    if (d && ((n = admin_stack_lock(d, c, "demo", err, sizeof(err))) != 0 ||
              (q && (n = admin_stack_claim(q, c, "demo", me, err,
                                           sizeof(err))) != 0))) {
        if (n > 0)
            fprintf(stderr, "%s\n", err);
        else
            LOG_ERROR("cannot prepare the demo", LF_S("error", err));
        goto out;
    }
    claimed = q != NULL;
    if (d && q && ports_ok(c) < 0)
        goto out;
    /* what the services would refuse at start is refused before a
     * reset, which would otherwise have emptied the last replay for
     * nothing */
    if (!d || !q || admin_migrate(d, c, &n, err, sizeof(err)) < 0 ||
        admin_seed(d, c, &n, err, sizeof(err)) < 0 ||
        (reset && (usable_settings(d, c, err, sizeof(err)) < 0 ||
                   reset_state(d, q, err, sizeof(err)) < 0))) {
        LOG_ERROR("cannot prepare the demo", LF_S("error", err));
        /* (and plainly, as a setting the configuration refuses is) */
        fprintf(stderr, "stonks demo: cannot prepare the demo: %s\n", err);
        goto out;
    }
    /* The progress of an earlier run is not this run's. */
    queue_del(q, KEY_PROGRESS);
    docs0 = count_of(d, SQL_EXTRACTED);
    if (docs0 < 0)
        docs0 = 0;

    printf("Replaying %s..%s through the services (logs in %s)\n",
           c->replay_start, c->replay_end, logdir);
    printf("While it runs: query-api %s, symbol-registry %s\n",
           api_url("query-api"), api_url("symbol-registry"));
    fflush(stdout);
    note_dead_letters(q, &dw);
    t0 = now_s();
    for (size_t i = 0; i < sizeof(topology) / sizeof(*topology); i++)
        for (int r = 0; r < replicas_of(i); r++) {
            kids[nk].service = topology[i].service;
            kids[nk].replica = r + 1;
            start_child(kids, nk, logdir);
            nk++;
        }
    if (wait_replay(kids, nk, q, d, me, t0, docs0, logdir, &dw, &tp) < 0) {
        stop_children(kids, nk);
        if (worker_stopping())
            printf("\nstopped; 'bin/stonks demo --no-reset' (with the stack "
                   "started) finishes the replay\n");
        goto out;
    }
    t1 = now_s();
    stop_children(kids, nk);
    say_skipped(kids, nk, logdir, c);
    nk = 0;
    if (demo_print_report(d, c, stdout, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot read the report", LF_S("error", err));
        goto out;
    }
    if (trading_print_summary(d, c, stdout, err, sizeof(err)) < 0) {
        LOG_ERROR("cannot read the portfolio", LF_S("error", err));
        goto out;
    }
    /* the documents this run extracted, as the progress lines count
     * them: all of them after a reset */
    docs = count_of(d, SQL_EXTRACTED) - docs0;
    printf("\npipeline_seconds %.2f (documents to recommendations)\n", tp - t0);
    printf("pipeline_docs_per_second %.0f\n", (double)docs / (tp - t0));
    printf("replay_seconds %.2f (%s)\n", t1 - t0,
           trading_on() ? "trading included" : "until every service was idle");
    printf("demo_docs_per_second %.0f\n", (double)docs / (t1 - t0));
    rc = 0;
out:
    stop_children(kids, nk);
    if (claimed)
        admin_stack_release(q, me);
    queue_close(q);
    db_close(d);
    free(logdir);
    return rc;
}

/* The demo's own settings (not in the services' table): a whole number
 * in lo..hi when set. Returns 0, or -1 after a message naming it. */
static int demo_int_ok(const char *name, long lo, long hi)
{
    const char *v = getenv(name);
    long long n;

    if (!v)
        return 0;
    if (num_int(v, lo, hi, &n) == 0)
        return 0;
    fprintf(stderr,
            "stonks demo: %s must be a whole number from %ld to %ld, got "
            "'%.40s'\n",
            name, lo, hi, v);
    return -1;
}

static int demo_settings_check(void)
{
    /* At most 8 replicas of each service, one probe port each. */
    size_t slots = 8 * (sizeof(topology) / sizeof(*topology));

    if (demo_int_ok("DEMO_REPLICAS", 1, 8) < 0 ||
        demo_int_ok("DEMO_TRADING", 0, 1) < 0 ||
        demo_int_ok("STONKS_DEMO_HTTP_BASE", 1024, 65535 - (long)slots) < 0)
        return -1;
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    config c;
    int reset = 1, rc;

    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks demo [--no-reset]\n"
               "  Replays REPLAY_START..REPLAY_END of the bundled data "
               "through every\n  pipeline service, then prints a table per "
               "ticker. Needs PostgreSQL\n  and Redis (make demo starts "
               "them). --no-reset keeps earlier state.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-reset") == 0 && !reset) {
            fprintf(stderr, "stonks demo: --no-reset is given twice\n");
            return 2;
        } else if (strcmp(argv[i], "--no-reset") == 0) {
            reset = 0;
        } else {
            fprintf(stderr, "stonks demo: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (demo_settings_check() < 0 || cli_start("demo", &c) < 0)
        return 2;
    rc = run_demo(&c, reset);
    config_release(&c);
    return rc;
}
