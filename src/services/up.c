/*
 * up: the whole stack on one machine.
 *
 * Design: one supervisor process and a table of children. Each child is
 * `/proc/self/exe <service>` (or nginx) in a process group of its own,
 * so a Ctrl-C in the terminal reaches only the supervisor, which then
 * stops the children in order; PR_SET_PDEATHSIG stops them too if the
 * supervisor itself is killed. A child is in one of four states:
 *
 *   running     pid > 0
 *   waiting     pid == 0, restart_at set: it died and comes back after
 *               its backoff (0.5 s doubling to 30 s; a child that ran
 *               30 s starts again from 0.5 s)
 *   finished    the replay scheduler exited 0: its work is done
 *   skipped     the command does not exist in this binary yet
 *
 * The HTTP services listen on the ports of QUERY_API_URL, REGISTRY_URL,
 * TRADING_ENGINE_URL and RISK_ENGINE_URL, so the services that call each
 * other find one another with the same settings; queue workers answer
 * their probes on --probe-base + n. nginx serves web/dist with the
 * proxies of infra/nginx/stonks.conf.template, the file the Helm chart's
 * dashboard container renders too, rendered here by envsubst.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapters/webclient.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/logread.h"
#include "lib/queue.h"
#include "lib/url.h"
#include "lib/worker.h"
#include "lib/xalloc.h"
#include "services/admin.h"
#include "services/cli.h"
#include "services/pipeline.h"
#include "services/up.h"

#define UP_MAX_CHILDREN 32
#define BACKOFF_FIRST_S 0.5
#define BACKOFF_MAX_S 30.0
#define STABLE_AFTER_S 30.0
#define STOP_GRACE_S 10.0
#define READY_TIMEOUT_S 30.0
#define TICK_MS 100
#define LOCK_CHECK_S 1.0 /* admin_stack_lock_watch */

typedef enum up_kind { UP_API, UP_WORKER, UP_NGINX } up_kind;

typedef struct up_child {
    const char *service; /* a stonks command, or "nginx" */
    int replica;
    up_kind kind;
    int port; /* HTTP_PORT of the child; for nginx its listen port */
    pid_t pid; /* 0 while not running */
    char *log; /* its log file, LOGDIR/SERVICE-REPLICA.log */
    size_t log_from; /* size of its log when it was last started */
    double started, restart_at;
    int failures; /* deaths since it last ran STABLE_AFTER_S */
    int finished, skipped, ready;
} up_child;

typedef struct up_options {
    const char *dashboard; /* HOST:PORT nginx listens on */
    char dashboard_host[64]; /* its two parts (dashboard_split) */
    int dashboard_port;
    const char *web_root;
    const char *template_path;
    int probe_base;
    int with_dashboard;
} up_options;

typedef struct up_state {
    const config *cfg;
    up_options opt;
    char *logdir;
    char *nginx_dir;
    db *lockdb; /* holds the database's supervisor lock (admin.h) */
    queue_client *lockq; /* sets its mark in Redis (admin_stack_claim) */
    char me[PATH_MAX + 300]; /* the mark */
    up_child kids[UP_MAX_CHILDREN];
    size_t nkids;
} up_state;

/* The deployment topology (ARCHITECTURE.md): services and replicas. */
static const struct {
    const char *service;
    int replicas;
    up_kind kind;
} topology[] = {
    {"query-api", 1, UP_API},         {"symbol-registry", 1, UP_API},
    {"trading-engine", 1, UP_API},    {"risk-engine", 1, UP_API},
    {"scheduler", 1, UP_WORKER},      {"ingestion", 2, UP_WORKER},
    {"parser", 2, UP_WORKER},         {"extractor", 1, UP_WORKER},
    {"aggregation", 4, UP_WORKER},    {"recommendation", 1, UP_WORKER},
    {"broker-adapter", 1, UP_WORKER}, {"lake-publisher", 1, UP_WORKER},
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The authority ("host:port") of an http:// URL into out, and its port.
 * Returns the port, or -1 when the URL has no explicit port. */
static int url_authority(const char *url, char *out, size_t cap)
{
    url_parts u;
    size_t n;

    if (url_split(url, &u) < 0 || u.port == 0)
        return -1;
    n = (size_t)(u.rest - u.host);
    if (n >= cap)
        return -1;
    memcpy(out, u.host, n);
    out[n] = '\0';
    return u.port;
}

static const char *api_url(const config *c, const char *service)
{
    if (strcmp(service, "query-api") == 0)
        return c->query_api_url;
    if (strcmp(service, "symbol-registry") == 0)
        return c->registry_url;
    if (strcmp(service, "trading-engine") == 0)
        return c->trading_engine_url;
    return c->risk_engine_url;
}

/* 1 when this binary has the command (its --help exits 0). */
static int command_exists(const char *service)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl("/proc/self/exe", "stonks", service, "--help", (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void up_end_with_parent(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(0);
}

/* In the child: its own process group, gone with the supervisor, output
 * to its log file. */
static void child_setup(pid_t parent, const char *log)
{
    int fd;

    setpgid(0, 0);
    up_end_with_parent(parent);
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, 0);
        close(fd);
    }
}

static void exec_nginx(const up_state *st)
{
    char *conf = xasprintf("%s/nginx.conf", st->nginx_dir);
    char *elog = xasprintf("%s/error.log", st->nginx_dir);

    execlp("nginx", "nginx", "-p", st->nginx_dir, "-c", conf, "-e", elog, "-g",
           "daemon off;", (char *)NULL);
    execl("/usr/sbin/nginx", "nginx", "-p", st->nginx_dir, "-c", conf, "-e",
          elog, "-g", "daemon off;", (char *)NULL);
    fprintf(stderr, "cannot run nginx: %s (install it: make deps)\n",
            strerror(errno));
    _exit(127);
}

static void spawn(up_state *st, up_child *k)
{
    pid_t parent = getpid();
    pid_t pid;

    k->log_from = logread_size(k->log);
    pid = worker_fork();

    if (pid == 0) {
        char port[16];

        child_setup(parent, k->log);
        if (k->kind == UP_NGINX)
            exec_nginx(st);
        snprintf(port, sizeof(port), "%d", k->port);
        setenv("HTTP_PORT", port, 1);
        execl("/proc/self/exe", "stonks", k->service, (char *)NULL);
        fprintf(stderr, "cannot exec stonks %s: %s\n", k->service,
                strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        LOG_ERROR("cannot fork", LF_S("child", k->service),
                  LF_S("error", strerror(errno)));
        k->restart_at = now_s() + BACKOFF_MAX_S;
        return;
    }
    k->pid = pid;
    k->started = now_s();
    k->restart_at = 0;
    k->ready = 0;
    LOG_INFO("service started", LF_S("child", k->service),
             LF_I("replica", k->replica), LF_I("pid", pid),
             LF_I("port", k->port));
}

static void add_child(up_state *st, const char *service, int replica,
                      up_kind kind, int port)
{
    up_child *k = &st->kids[st->nkids++];

    memset(k, 0, sizeof(*k));
    k->service = service;
    k->replica = replica;
    k->kind = kind;
    k->port = port;
    k->log = xasprintf("%s/%s-%d.log", st->logdir, service, replica);
}

/* 1 when the replay of range ("START END LAST", KEY_REPLAY_RANGE) is
 * the one c asks for, and sealed through its last session. */
static int replay_done(const config *c, const char *sealed, const char *range)
{
    char start[11], end[11], last[11];

    return sealed && range &&
           sscanf(range, "%10s %10s %10s", start, end, last) == 3 &&
           strcmp(start, c->replay_start) == 0 &&
           strcmp(end, c->replay_end) == 0 && strcmp(sealed, last) == 0;
}

/* Builds the child table; sealed and range are the replay's sealed day
 * and its range (KEY_REPLAY_RANGE), or NULL. Returns 0, or -1 after
 * printing why. */
static int plan(up_state *st, const char *sealed, const char *range)
{
    const config *c = st->cfg;
    int slot = 0;

    for (size_t i = 0; i < sizeof(topology) / sizeof(*topology); i++) {
        const char *svc = topology[i].service;
        int port = 0;

        if (topology[i].kind == UP_API) {
            char auth[256];

            port = url_authority(api_url(c, svc), auth, sizeof(auth));
            if (port < 0) {
                fprintf(stderr,
                        "stonks up: the URL of %s (%s) has no port; set it "
                        "like http://127.0.0.1:8001\n",
                        svc, api_url(c, svc));
                return -1;
            }
        }
        if (!command_exists(svc)) {
            printf("  skipped: %s (not in this build yet)\n", svc);
            continue;
        }
        if (strcmp(svc, "scheduler") == 0 &&
            strcmp(c->scheduler_mode, "replay") == 0 &&
            replay_done(c, sealed, range)) {
            /* (a replay of another range, or one stopped half-way, is
             * not this one done) */
            printf("  skipped: scheduler (the replay of %s..%s is sealed "
                   "through %s; `stonks demo` replays again)\n",
                   c->replay_start, c->replay_end, sealed);
            continue;
        }
        for (int r = 1; r <= topology[i].replicas; r++) {
            if (st->nkids + 1 >= UP_MAX_CHILDREN) {
                fprintf(stderr, "stonks up: more than %d children\n",
                        UP_MAX_CHILDREN - 1);
                return -1;
            }
            if (topology[i].kind == UP_WORKER)
                port = st->opt.probe_base > 0 ? st->opt.probe_base + slot++ : 0;
            add_child(st, svc, r, topology[i].kind, port);
        }
    }
    return 0;
}

int up_nginx_path_ok(const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p == '"' || *p == '\\' || *p == '$' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

/* Refuses a path nginx could not read in its configuration: -1 with
 * err naming the path and what to do instead (fix). */
static int nginx_path_check(const char *path, const char *fix, char *err,
                            size_t errlen)
{
    if (up_nginx_path_ok(path))
        return 0;
    snprintf(err, errlen,
             "%.600s holds a character nginx cannot read in a path ('\"', "
             "'\\', '$' or a control character): %s",
             path, fix);
    return -1;
}

/* Runs envsubst over the template with only the STONKS_* variables, the
 * way the chart's container renders it. Returns 0 or -1. */
static int render_template(up_state *st, const char *out_path, char *err,
                           size_t errlen)
{
    const config *c = st->cfg;
    char qa[256], reg[256], risk[256], root[PATH_MAX];
    int in, out, status;
    pid_t pid;

    if (url_authority(c->query_api_url, qa, sizeof(qa)) < 0 ||
        url_authority(c->registry_url, reg, sizeof(reg)) < 0 ||
        url_authority(c->risk_engine_url, risk, sizeof(risk)) < 0) {
        snprintf(err, errlen, "an API URL has no host:port");
        return -1;
    }
    if (!realpath(st->opt.web_root, root)) {
        snprintf(err, errlen, "%s: %s", st->opt.web_root, strerror(errno));
        return -1;
    }
    if (nginx_path_check(root,
                         "move the dashboard's folder, or give --web another "
                         "folder",
                         err, errlen) < 0)
        return -1;
    in = open(st->opt.template_path, O_RDONLY);
    if (in < 0) {
        snprintf(err, errlen, "cannot read %s: %s", st->opt.template_path,
                 strerror(errno));
        return -1;
    }
    out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        snprintf(err, errlen, "cannot write %s: %s", out_path, strerror(errno));
        close(in);
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        dup2(in, 0);
        dup2(out, 1);
        setenv("STONKS_DASHBOARD_LISTEN", st->opt.dashboard, 1);
        setenv("STONKS_WEB_ROOT", root, 1);
        setenv("STONKS_QUERY_API_UPSTREAM", qa, 1);
        setenv("STONKS_REGISTRY_UPSTREAM", reg, 1);
        setenv("STONKS_RISK_UPSTREAM", risk, 1);
        execlp("envsubst", "envsubst",
               "${STONKS_DASHBOARD_LISTEN} ${STONKS_WEB_ROOT} "
               "${STONKS_QUERY_API_UPSTREAM} ${STONKS_REGISTRY_UPSTREAM} "
               "${STONKS_RISK_UPSTREAM}",
               (char *)NULL);
        _exit(127);
    }
    close(in);
    close(out);
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        snprintf(err, errlen,
                 "envsubst failed on %s (install gettext-base: make deps)",
                 st->opt.template_path);
        return -1;
    }
    return 0;
}

/* nginx.conf of the private prefix: pid, logs and temp files under it,
 * the rendered server block included inside http {}. */
static int write_nginx_conf(up_state *st, char *err, size_t errlen)
{
    char *path = xasprintf("%s/nginx.conf", st->nginx_dir);
    char *server = xasprintf("%s/stonks.conf", st->nginx_dir);
    char *tmp = xasprintf("%s/tmp", st->nginx_dir);
    const char *d = st->nginx_dir;
    FILE *f;
    int rc = -1;

    mkdir(tmp, 0755);
    if (nginx_path_check(d, "give STONKS_VAR_DIR another folder", err, errlen) <
        0)
        goto out;
    if (render_template(st, server, err, errlen) < 0)
        goto out;
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    fprintf(f, "# Written by `stonks up` on every start; edit "
               "infra/nginx/stonks.conf.template instead.\n");
    /* As root, nginx would hand its workers to `nobody`, which may not
     * reach a checkout under a private home: they stay with the user
     * that runs the stack, on loopback only. */
    if (geteuid() == 0)
        fprintf(f, "user root;\n");
    fprintf(f,
            "worker_processes 1;\n"
            "pid \"%s/nginx.pid\";\n"
            "error_log \"%s/error.log\" warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "    types {\n"
            "        text/html html;\n"
            "        text/css css;\n"
            "        application/javascript js mjs;\n"
            "        application/json json map;\n"
            "        image/svg+xml svg;\n"
            "        image/png png;\n"
            "        image/x-icon ico;\n"
            "        font/woff2 woff2;\n"
            "    }\n"
            "    default_type application/octet-stream;\n"
            "    sendfile on;\n"
            "    access_log \"%s/access.log\";\n"
            "    client_body_temp_path \"%s/tmp/body\";\n"
            "    proxy_temp_path \"%s/tmp/proxy\";\n"
            "    fastcgi_temp_path \"%s/tmp/fastcgi\";\n"
            "    uwsgi_temp_path \"%s/tmp/uwsgi\";\n"
            "    scgi_temp_path \"%s/tmp/scgi\";\n"
            "    include \"%s\";\n"
            "}\n",
            d, d, d, d, d, d, d, d, server);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(path);
    free(server);
    free(tmp);
    return rc;
}

/* Migrations, the watchlist when it is empty, and the replay's sealed
 * day and range (new strings, or NULL). Returns 0 or -1 after
 * logging. */
static int prepare(const config *c, char **sealed, char **range)
{
    char err[1024] = "", consumer[128];
    db *d = db_open(c, err, sizeof(err));
    queue_client *q = NULL;
    PGresult *r = NULL;
    int n, rc = -1;

    *sealed = *range = NULL;
    if (!d || admin_migrate(d, c, &n, err, sizeof(err)) < 0)
        goto out;
    if (db_exec(d, "SELECT count(*) FROM symbols", 0, NULL, &r) != DB_OK) {
        snprintf(err, sizeof(err), "%s", db_error(d));
        goto out;
    }
    if (atoll(PQgetvalue(r, 0, 0)) == 0 &&
        admin_seed(d, c, &n, err, sizeof(err)) < 0)
        goto out;
    worker_consumer_name("up", consumer, sizeof(consumer));
    q = queue_open(c, consumer, err, sizeof(err));
    if (!q)
        goto out;
    *sealed = queue_get(q, KEY_SEALED);
    *range = queue_get(q, KEY_REPLAY_RANGE);
    rc = 0;
out:
    if (rc < 0)
        LOG_ERROR("cannot prepare the stack", LF_S("error", err));
    PQclear(r);
    queue_close(q);
    db_close(d);
    return rc;
}

static double backoff_of(int failures)
{
    double b = BACKOFF_FIRST_S;

    for (int i = 1; i < failures && b < BACKOFF_MAX_S; i++)
        b *= 2;
    return b < BACKOFF_MAX_S ? b : BACKOFF_MAX_S;
}

/* Collects children that exited and schedules their restarts. */
/* Why child k ended with status: a signal names itself, the last error
 * line of its log since it started following as what it had said
 * before (it may not be the cause: a kill -9 from outside); an exit
 * with a code gives that line alone ("" when there is none). */
static void exit_reason(const up_child *k, int status, char *out, size_t outlen)
{
    char last[400];

    if (!WIFSIGNALED(status)) {
        logread_last_error(k->log, k->log_from, out, outlen);
        return;
    }
    if (logread_last_error(k->log, k->log_from, last, sizeof(last)))
        snprintf(out, outlen,
                 "ended by signal %d (%s); the last error in its log "
                 "before: %s",
                 WTERMSIG(status), strsignal(WTERMSIG(status)), last);
    else
        snprintf(out, outlen, "ended by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
}

static void reap(up_state *st)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < st->nkids; i++) {
            up_child *k = &st->kids[i];
            double ran, wait;
            char why[512];

            if (k->pid != pid)
                continue;
            k->pid = 0;
            if (worker_stopping())
                break;
            if (strcmp(k->service, "scheduler") == 0 && WIFEXITED(status) &&
                WEXITSTATUS(status) == 0 &&
                strcmp(st->cfg->scheduler_mode, "replay") == 0) {
                k->finished = 1;
                LOG_INFO("the scheduler finished the replay",
                         LF_S("through", st->cfg->replay_end));
                break;
            }
            ran = now_s() - k->started;
            k->failures = ran >= STABLE_AFTER_S ? 1 : k->failures + 1;
            wait = backoff_of(k->failures);
            k->restart_at = now_s() + wait;
            /* why: the signal that ended it, or the last error of its
             * log, so a restart loop says what to mend */
            exit_reason(k, status, why, sizeof(why));
            LOG_WARN(
                "service exited; restarting", LF_S("child", k->service),
                LF_I("replica", k->replica),
                LF_I("exit_code", WIFEXITED(status) ? WEXITSTATUS(status) : -1),
                LF_I("signal", WIFSIGNALED(status) ? WTERMSIG(status) : 0),
                LF_D("ran_s", ran), LF_D("restart_in_s", wait),
                LF_S("error", why), LF_S("log", k->log));
            break;
        }
    }
}

static void restart_due(up_state *st)
{
    double t = now_s();

    for (size_t i = 0; i < st->nkids; i++) {
        up_child *k = &st->kids[i];

        if (!k->pid && !k->finished && k->restart_at > 0 && t >= k->restart_at)
            spawn(st, k);
    }
}

/* 1 when GET url answers 200 within a short time. */
static int answers(const char *url)
{
    webclient_request req = {.method = "GET",
                             .url = url,
                             .timeout_ms = 500,
                             .connect_timeout_ms = 200};
    webclient_response res;
    char err[256];
    int ok =
        webclient_do(&req, &res, err, sizeof(err)) == 0 && res.status == 200;

    webclient_response_release(&res);
    return ok;
}

/* Marks the HTTP children that answer; returns 1 when all do. */
static int check_ready(up_state *st)
{
    int all = 1;

    for (size_t i = 0; i < st->nkids; i++) {
        up_child *k = &st->kids[i];
        char *url;

        if (k->kind == UP_WORKER || k->ready)
            continue;
        if (!k->pid) {
            all = 0;
            continue;
        }
        url = k->kind == UP_NGINX
                  ? xasprintf("http://%s/healthz", st->opt.dashboard)
                  : xasprintf("http://127.0.0.1:%d/ready", k->port);
        k->ready = answers(url);
        free(url);
        all = all && k->ready;
    }
    return all;
}

static void print_urls(up_state *st)
{
    printf("\nStonks Oracle is up. Ctrl-C stops every service.\n\n");
    for (size_t i = 0; i < st->nkids; i++) {
        up_child *k = &st->kids[i];
        const char *state = k->ready ? "" : "  (not ready yet: see its log)";

        if (k->kind == UP_NGINX)
            printf("  dashboard        http://%s/%s\n", st->opt.dashboard,
                   state);
        else if (k->kind == UP_API)
            printf("  %-16s http://127.0.0.1:%d/docs%s\n", k->service, k->port,
                   state);
    }
    printf("  logs             %s/\n", st->logdir);
    if (!st->cfg->api_tokens || !st->cfg->api_tokens[0])
        printf("\n  API_TOKENS is not set: changes from the dashboard (symbols,"
               " kill switch)\n  are refused. Set API_TOKENS to a token of 16+"
               " characters and start again.\n");
    printf("\n");
    fflush(stdout);
}

/* SIGTERM to every child, then SIGKILL to those still there after the
 * grace period. */
static void stop_all(up_state *st)
{
    double deadline = now_s() + STOP_GRACE_S;
    size_t left;

    for (size_t i = 0; i < st->nkids; i++)
        if (st->kids[i].pid > 0)
            kill(st->kids[i].pid, SIGTERM);
    do {
        int status;
        pid_t pid;

        left = 0;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            for (size_t i = 0; i < st->nkids; i++)
                if (st->kids[i].pid == pid)
                    st->kids[i].pid = 0;
        for (size_t i = 0; i < st->nkids; i++)
            left += st->kids[i].pid > 0;
        if (left) {
            struct timespec ts = {0, 20 * 1000 * 1000};

            nanosleep(&ts, NULL);
        }
    } while (left && now_s() < deadline);
    for (size_t i = 0; i < st->nkids; i++) {
        if (st->kids[i].pid <= 0)
            continue;
        LOG_WARN("service did not stop in time; killing",
                 LF_S("child", st->kids[i].service),
                 LF_I("pid", st->kids[i].pid));
        kill(st->kids[i].pid, SIGKILL);
        waitpid(st->kids[i].pid, NULL, 0);
        st->kids[i].pid = 0;
    }
}

/* 0 when no two of the ports the stack will listen on are the same
 * (the services', the probes from --probe-base, the dashboard's, and
 * PostgreSQL's and Redis's), and no other program holds one of the
 * first three kinds; else -1 after naming them. A probe range over an
 * API's port, or another stack on them, had left a service failing to
 * bind while its URL answered for another. */
void up_port_add(up_port *p, size_t *n, const char *what, int replica, int port,
                 const char *addr)
{
    p[*n].addr = addr;
    if (replica > 1)
        snprintf(p[*n].what, sizeof(p[*n].what), "%s (replica %d)", what,
                 replica);
    else
        snprintf(p[*n].what, sizeof(p[*n].what), "%s", what);
    p[(*n)++].port = port;
}

static int is_loopback(const char *host)
{
    url_parts u = {.host = host, .host_len = strlen(host)};

    return url_is_loopback(&u);
}

/* 1 when h[0..n) is an IPv6 address in brackets ("[::1]"), with it in
 * out; else 0. */
static int bracketed_ipv6(const char *h, size_t n, struct in6_addr *out)
{
    char b[64];

    if (n < 3 || n - 2 >= sizeof(b) || h[0] != '[' || h[n - 1] != ']')
        return 0;
    memcpy(b, h + 1, n - 2);
    b[n - 2] = '\0';
    return inet_pton(AF_INET6, b, out) == 1;
}

/* Why port of the address addr (IPv4, "[IPv6]", "*": every IPv4
 * address) cannot be listened on, found by trying to bind it:
 * EADDRINUSE (something listens on it or holds it), EADDRNOTAVAIL (no
 * interface of this machine has the address), or 0 when it is free, or
 * addr is a name (left to the child to find out). */
static int port_taken(const char *addr, int port)
{
    struct sockaddr_in sa;
    struct sockaddr_in6 sa6;
    struct sockaddr *to = (struct sockaddr *)&sa;
    socklen_t len = sizeof(sa);
    int fd, one = 1, taken = 0;

    memset(&sa, 0, sizeof(sa));
    memset(&sa6, 0, sizeof(sa6));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (addr[0] == '[') {
        if (!bracketed_ipv6(addr, strlen(addr), &sa6.sin6_addr))
            return 0;
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)port);
        to = (struct sockaddr *)&sa6;
        len = sizeof(sa6);
    } else if (strcmp(addr, "*") != 0 &&
               inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        return 0;
    }
    fd = socket(to->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, to, len) < 0 &&
        (errno == EADDRINUSE || errno == EADDRNOTAVAIL))
        taken = errno;
    close(fd);
    return taken;
}

void up_port_add_servers(const config *c, up_port *p, size_t *n)
{
    /* (PostgreSQL and Redis when they run on this machine) */
    if (is_loopback(c->pg_host))
        up_port_add(p, n, "PostgreSQL", 1, c->pg_port, NULL);
    if (is_loopback(c->redis_host))
        up_port_add(p, n, "Redis", 1, c->redis_port, NULL);
}

int up_ports_check(const char *cmd, const up_port *p, size_t n,
                   const char *settings)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (p[i].port == p[j].port) {
                fprintf(stderr,
                        "stonks %s: %s and %s would both listen on port %d: "
                        "move one (%s)\n",
                        cmd, p[i].what, p[j].what, p[i].port, settings);
                return -1;
            }
    /* Another program on one of ours: this stack's service would fail
     * to bind and restart for good, while the other answered for it. */
    for (size_t i = 0; i < n; i++) {
        int why = p[i].addr ? port_taken(p[i].addr, p[i].port) : 0;

        if (why == EADDRINUSE)
            fprintf(stderr,
                    "stonks %s: port %d of %s is in use by another program "
                    "(another stack?): stop it, or move this one (%s)\n",
                    cmd, p[i].port, p[i].what, settings);
        else if (why)
            fprintf(stderr,
                    "stonks %s: %s cannot listen on %s: no interface of this "
                    "machine has that address (%s)\n",
                    cmd, p[i].what, p[i].addr,
                    strcmp(cmd, "up") == 0 ? "--dashboard, HTTP_BIND"
                                           : "HTTP_BIND");
        if (why)
            return -1;
    }
    return 0;
}

static int ports_usable(const up_state *st)
{
    up_port p[UP_MAX_CHILDREN + 3];
    size_t n = 0;

    up_port_add_servers(st->cfg, p, &n);
    if (st->opt.with_dashboard)
        up_port_add(p, &n, "the dashboard", 1, st->opt.dashboard_port,
                    st->opt.dashboard_host);
    for (size_t i = 0; i < st->nkids; i++)
        if (st->kids[i].port > 0)
            up_port_add(p, &n, st->kids[i].service, st->kids[i].replica,
                        st->kids[i].port, st->cfg->http_bind);
    return up_ports_check("up", p, n,
                          "the *_URL settings, --probe-base, --dashboard");
}

/* One `stonks up` or `stonks demo` per folder: a second one would share
 * the first's logs, nginx configuration and probe ports, and its
 * services would fail to bind while it printed the first's URLs as its
 * own (a demo would empty the tables under it). The lock (flock on
 * var/up.pid, holding the pid) goes with the process, however it ends.
 * Returns 0, or -1 after saying who holds it. */
int up_var_dir(const char *dir, const char *logdir, const char *cmd,
               char var[PATH_MAX])
{
    const char *what = "cannot make";
    int e;

    if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
        what = "cannot use";
        if (realpath(dir, var) && (mkdir(logdir, 0755) == 0 || errno == EEXIST))
            return 0;
    }
    e = errno;
    fprintf(stderr,
            "stonks %s: %s STONKS_VAR_DIR %s (%s): %sset STONKS_VAR_DIR to "
            "a folder this user may write\n",
            cmd, what, dir, strerror(e),
            e == ENOENT ? "make its parent folder first, or " : "");
    return -1;
}

int up_take_lock(const char *var, const char *cmd)
{
    char *path = xasprintf("%s/up.pid", var), pid[32] = "", err[512];
    int rc = file_lock_pid(path, pid, sizeof(pid), err, sizeof(err));

    if (rc < 0)
        fprintf(stderr, "stonks %s: %s\n", cmd, err);
    else if (rc > 0)
        fprintf(stderr,
                "stonks %s: stonks up or demo is already running for %s "
                "(pid %s): stop that one first (Ctrl-C), or give this one "
                "its own STONKS_VAR_DIR and ports\n",
                cmd, var, pid[0] ? pid : "unknown");
    free(path);
    return rc == 0 ? 0 : -1;
}

static int run_up(up_state *st)
{
    char err[1024] = "", *sealed = NULL, *range = NULL, var[PATH_MAX];
    double t0, lock_checked = 0;
    int announced = 0, held, rc, lock_lost = 0;

    if (up_var_dir(st->cfg->var_dir, st->logdir, "up", var) < 0)
        return 1;
    if (up_take_lock(var, "up") < 0)
        return 1;
    /* nginx reads relative paths from its prefix: give it full ones. */
    st->nginx_dir = xasprintf("%s/up-nginx", var);
    worker_install_signals();
    webclient_init();
    if (st->opt.with_dashboard) {
        char *index = xasprintf("%s/index.html", st->opt.web_root);
        int missing = access(index, R_OK) != 0;

        free(index);
        if (missing) {
            fprintf(stderr,
                    "stonks up: %s/index.html not found. Build the dashboard "
                    "first\n  (make up does: cd web && npm ci && npm run "
                    "build), or pass --no-dashboard.\n",
                    st->opt.web_root);
            return 1;
        }
        mkdir(st->nginx_dir, 0755);
        if (write_nginx_conf(st, err, sizeof(err)) < 0) {
            fprintf(stderr, "stonks up: %s\n", err);
            return 1;
        }
    }
    if (prepare(st->cfg, &sealed, &range) < 0)
        return 1;
    if (st->opt.with_dashboard &&
        (strcmp(st->opt.dashboard_host, "*") == 0 ||
         strcmp(st->opt.dashboard_host, "0.0.0.0") == 0 ||
         strcmp(st->opt.dashboard_host, "[::]") == 0))
        printf("Note: the dashboard listens on every address (--dashboard "
               "%s): anyone who reaches this machine can read it, and write "
               "with a token. Give 127.0.0.1:PORT to keep it to this "
               "machine.\n",
               st->opt.dashboard);
    printf("Starting the stack (logs in %s):\n", st->logdir);
    rc = plan(st, sealed, range) < 0 || ports_usable(st) < 0 ? 2 : 0;
    free(sealed);
    free(range);
    if (rc)
        return rc;
    /* one up or demo per database too, whatever its folder (a demo
     * from another folder emptied the tables under this stack) */
    st->lockdb = db_open(st->cfg, err, sizeof(err));
    if (!st->lockdb) {
        LOG_ERROR("cannot prepare the stack", LF_S("error", err));
        return 1;
    }
    /* (and its mark in Redis, for the second after a PostgreSQL restart
     * in which the lock is anybody's) */
    admin_stack_me("up", var, st->me, sizeof(st->me));
    st->lockq = queue_open(st->cfg, "up-lock", err, sizeof(err));
    if (!st->lockq) {
        LOG_ERROR("cannot prepare the stack", LF_S("error", err));
        return 1;
    }
    if ((held = admin_stack_lock(st->lockdb, st->cfg, "up", err,
                                 sizeof(err))) != 0 ||
        (held = admin_stack_claim(st->lockq, st->cfg, "up", st->me, err,
                                  sizeof(err))) != 0) {
        if (held > 0)
            fprintf(stderr, "%s\n", err);
        else
            LOG_ERROR("cannot prepare the stack", LF_S("error", err));
        return 1;
    }
    if (st->opt.with_dashboard)
        add_child(st, "nginx", 1, UP_NGINX, st->opt.dashboard_port);
    fflush(stdout);
    for (size_t i = 0; i < st->nkids; i++)
        spawn(st, &st->kids[i]);
    t0 = now_s();
    while (!worker_stopping()) {
        reap(st);
        restart_due(st);
        if (!announced && (check_ready(st) || now_s() - t0 > READY_TIMEOUT_S)) {
            print_urls(st);
            announced = 1;
        }
        if (now_s() - lock_checked >= LOCK_CHECK_S) {
            admin_stack_lock_watch(st->lockdb, "up", &lock_lost);
            admin_stack_beat(st->lockq, st->me);
            lock_checked = now_s();
        }
        worker_sleep_ms(TICK_MS);
    }
    printf("Stopping the stack...\n");
    fflush(stdout);
    stop_all(st);
    admin_stack_release(st->lockq, st->me);
    printf("Stopped.\n");
    return 0;
}

static int usage(FILE *f, int rc)
{
    fprintf(f, "usage: stonks up [--dashboard HOST:PORT] [--web DIR] "
               "[--template FILE]\n"
               "                 [--probe-base PORT] [--no-dashboard]\n"
               "  Runs every service as a child process on 127.0.0.1 (APIs on "
               "the ports of\n"
               "  QUERY_API_URL, REGISTRY_URL, TRADING_ENGINE_URL, "
               "RISK_ENGINE_URL; workers'\n"
               "  probes on --probe-base + n, default 8010), restarts one that "
               "dies, and\n"
               "  serves the dashboard (--web, default web/dist) with nginx on "
               "--dashboard\n"
               "  (default 127.0.0.1:8080) and the proxies of --template "
               "(default\n"
               "  infra/nginx/stonks.conf.template). Migrates the database and "
               "loads the\n"
               "  watchlist when it is empty. Ctrl-C stops everything. Needs "
               "PostgreSQL and\n"
               "  Redis (make up starts them).\n");
    return rc;
}

/* A --probe-base value: 0 (no probes), or the first of the workers'
 * probe ports, a whole number from 1024 (not a privileged port, nor
 * "25abc" read as 25). Returns 0 with *out, or -1. */
static int probe_base_parse(const char *v, int *out)
{
    char *end;
    long n;

    if (v[0] < '0' || v[0] > '9')
        return -1;
    errno = 0;
    n = strtol(v, &end, 10);
    if (errno || *end || (n != 0 && (n < 1024 || n >= 65500)))
        return -1;
    *out = (int)n;
    return 0;
}

/* 1 when h[0..n) is a host nginx can be told to listen on: "*", an
 * IPv4 address, an IPv6 one in brackets, or a name (letters, digits,
 * '-' and '.', not only digits and dots: "1.2.3" is no address, and
 * nginx would read it as 1.2.0.3). */
static int dashboard_host_ok(const char *h, size_t n)
{
    char b[64];
    struct in6_addr a6;
    struct in_addr a4;

    if (n == 0 || n >= sizeof(b))
        return 0;
    memcpy(b, h, n);
    b[n] = '\0';
    if (strcmp(b, "*") == 0)
        return 1;
    if (b[0] == '[')
        return bracketed_ipv6(b, n, &a6);
    if (strspn(b, "0123456789.") == n)
        return inet_pton(AF_INET, b, &a4) == 1;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)b[i]) && b[i] != '-' && b[i] != '.')
            return 0;
    return 1;
}

/* A --dashboard value nginx can listen on: HOST:PORT, the host a name
 * or an address ("[::1]" for IPv6, "*" for every address), the port a
 * whole number from 1 to 65535. Nothing else, as the value is written
 * into nginx's configuration as it is. Returns 0 with o's
 * dashboard_host and dashboard_port set, or -1. */
static int dashboard_split(const char *v, up_options *o)
{
    const char *colon = strrchr(v, ':');
    long port = 0;

    if (!colon || colon == v || !colon[1] || strlen(colon + 1) > 5 ||
        (size_t)(colon - v) >= sizeof(o->dashboard_host))
        return -1;
    if (!dashboard_host_ok(v, (size_t)(colon - v)))
        return -1;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535)
        return -1;
    snprintf(o->dashboard_host, sizeof(o->dashboard_host), "%.*s",
             (int)(colon - v), v);
    o->dashboard_port = (int)port;
    return 0;
}

/* Parses the options into o. Returns 0, 1 for --help, or -1 after
 * saying what is wrong: an unknown option, a missing or bad value, an
 * option given twice. */
static int parse_options(int argc, char **argv, up_options *o)
{
    int seen[8], nseen = 0; /* its five options, each at most once */
    const char *dash_opt = NULL; /* the first option of the dashboard's */

    if (cli_wants_help(argc, argv))
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (nseen == 8 ||
            (strcmp(a, "--no-dashboard") != 0 &&
             strcmp(a, "--dashboard") != 0 && strcmp(a, "--web") != 0 &&
             strcmp(a, "--template") != 0 && strcmp(a, "--probe-base") != 0)) {
            fprintf(stderr, "stonks up: unknown option '%s'\n", a);
            return -1;
        }
        if (cli_given_before(argv, i, seen, &nseen)) {
            fprintf(stderr, "stonks up: %s is given twice\n", a);
            return -1;
        }
        if (strcmp(a, "--no-dashboard") == 0) {
            o->with_dashboard = 0;
            continue;
        }
        if (!dash_opt && strcmp(a, "--probe-base") != 0)
            dash_opt = a;
        if (!v) {
            fprintf(stderr, "stonks up: %s needs a value\n", a);
            return -1;
        }
        if (strcmp(a, "--dashboard") == 0) {
            if (dashboard_split(v, o) < 0) {
                fprintf(stderr,
                        "stonks up: --dashboard: expected HOST:PORT, the host "
                        "an IPv4 address, an IPv6 one in brackets, * or a "
                        "name, the port from 1 to 65535 (127.0.0.1:8080), not "
                        "'%s'\n",
                        v);
                return -1;
            }
            o->dashboard = v;
        } else if (strcmp(a, "--web") == 0)
            o->web_root = v;
        else if (strcmp(a, "--template") == 0)
            o->template_path = v;
        else if (probe_base_parse(v, &o->probe_base) < 0) {
            fprintf(stderr,
                    "stonks up: --probe-base: expected a port from 1024 to "
                    "65499 (0: no probes), not '%s'\n",
                    v);
            return -1;
        }
        i++;
    }
    /* (the dashboard's options with --no-dashboard: one is a mistake) */
    if (dash_opt && !o->with_dashboard) {
        fprintf(stderr,
                "stonks up: %s and --no-dashboard contradict each other: "
                "give one\n",
                dash_opt);
        return -1;
    }
    return 0;
}

int cmd_up(int argc, char **argv)
{
    up_state st;
    config c;
    int rc;

    /* a line at a time, so that what it prints and its refusals on
     * stderr come in the order they happen (the plan came after the
     * refusal, flushed at exit) */
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&st, 0, sizeof(st));
    st.opt.dashboard = "127.0.0.1:8080";
    dashboard_split(st.opt.dashboard, &st.opt);
    st.opt.web_root = "web/dist";
    st.opt.template_path = "infra/nginx/stonks.conf.template";
    st.opt.probe_base = 8010;
    st.opt.with_dashboard = 1;
    rc = parse_options(argc, argv, &st.opt);
    if (rc > 0)
        return usage(stdout, 0);
    if (rc < 0)
        return usage(stderr, 2);
    if (cli_start("up", &c) < 0)
        return 2;
    st.cfg = &c;
    st.logdir = xasprintf("%s/log", c.var_dir);
    rc = run_up(&st);
    for (size_t i = 0; i < st.nkids; i++)
        free(st.kids[i].log);
    db_close(st.lockdb);
    queue_close(st.lockq);
    free(st.logdir);
    free(st.nginx_dir);
    config_release(&c);
    return rc;
}
