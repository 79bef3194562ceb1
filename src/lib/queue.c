#include "lib/queue.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/queue_conn.h"
#include "lib/xalloc.h"

#define GROUP "workers"
#define MAX_GROUPS 32
#define RECLAIM_EVERY_MS 1000

struct queue_client {
    redisContext *rc;
    char *host;
    int port;
    char *password;
    char *consumer;
    int block_ms;
    int visibility_ms;
    int max_attempts;
    int retry_delay_ms;
    char err[512];
    int ngroups;
    char *groups[MAX_GROUPS]; /* streams whose group exists */
    long long last_reclaim_ms[MAX_GROUPS];
    queue_dead_hook dead_hook; /* a job reclaim moved to the dead */
    void *dead_arg;
};

/* Wall-clock milliseconds, for the times a record shows
 * (first_failure_ms, dead_at_ms) and unique names. */
static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic milliseconds, for how often a take looks at due and stalled
 * jobs: a wall clock stepped back stopped those looks until it caught
 * up (retries and a dead worker's jobs waited as long). */
static long long steady_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_err(queue_client *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_err(queue_client *q, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q->err, sizeof(q->err), fmt, ap);
    va_end(ap);
}

const char *queue_error(const queue_client *q)
{
    return q->err;
}

static void drop_connection(queue_client *q)
{
    if (q->rc)
        redisFree(q->rc);
    q->rc = NULL;
    for (int i = 0; i < q->ngroups; i++)
        free(q->groups[i]);
    q->ngroups = 0;
}

static int connect_redis(queue_client *q)
{
    struct timeval tv = {5, 0};
    struct timeval rw;
    redisReply *r;

    if (q->rc)
        return 0;
    q->rc = redisConnectWithTimeout(q->host, q->port, tv);
    if (!q->rc || q->rc->err) {
        set_err(q, "cannot connect to Redis at %s:%d: %s", q->host, q->port,
                q->rc ? q->rc->errstr : "out of memory");
        drop_connection(q);
        return -1;
    }
    /* The read timeout must outlast the longest blocking read. */
    rw.tv_sec = q->block_ms / 1000 + 10;
    rw.tv_usec = 0;
    redisSetTimeout(q->rc, rw);
    if (q->password[0]) {
        r = redisCommand(q->rc, "AUTH %s", q->password);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            set_err(q, "Redis at %s:%d refused the password (REDIS_PASSWORD)",
                    q->host, q->port);
            if (r)
                freeReplyObject(r);
            drop_connection(q);
            return -1;
        }
        freeReplyObject(r);
    }
    return 0;
}

queue_client *queue_open(const config *c, const char *consumer, char *err,
                         size_t errlen)
{
    queue_client *q = xcalloc(1, sizeof(*q));

    q->host = xstrdup(c->redis_host);
    q->port = c->redis_port;
    q->password = xstrdup(c->redis_password);
    q->consumer = xstrdup(consumer);
    q->block_ms = c->queue_block_ms;
    q->visibility_ms = c->queue_visibility_ms;
    q->max_attempts = c->queue_max_attempts;
    q->retry_delay_ms = c->queue_retry_delay_ms;
    if (connect_redis(q) < 0) {
        snprintf(err, errlen, "%s", q->err);
        queue_close(q);
        return NULL;
    }
    return q;
}

void queue_close(queue_client *q)
{
    if (!q)
        return;
    drop_connection(q);
    free(q->host);
    free(q->password);
    free(q->consumer);
    free(q);
}

/* Checks a reply; on a transport failure the connection is dropped so
 * the next call reconnects. Returns the reply or NULL (reply freed). */
static redisReply *checked(queue_client *q, redisReply *r, const char *what)
{
    if (!r) {
        set_err(q, "Redis at %s:%d failed during %s: %s", q->host, q->port,
                what, q->rc && q->rc->errstr[0] ? q->rc->errstr : "no reply");
        drop_connection(q);
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        set_err(q, "Redis refused %s: %.200s", what, r->str);
        /* A restarted Redis lost the stream and its group: forget what
         * we knew so the next call creates them again. */
        if (strncmp(r->str, "NOGROUP", 7) == 0)
            drop_connection(q);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static redisReply *command_argv(queue_client *q, const char *what, int argc,
                                const char **argv, const size_t *lens)
{
    if (connect_redis(q) < 0)
        return NULL;
    return checked(q, redisCommandArgv(q->rc, argc, argv, lens), what);
}

static void stream_key(char *out, size_t cap, const char *queue)
{
    snprintf(out, cap, "stonks:queue:%s", queue);
}

/* The failed jobs of a queue that wait for their time: a sorted set of
 * their old ids by due time (ms), and a hash of their fields by id. */
static void delay_keys(char *zset, char *hash, size_t cap, const char *queue)
{
    snprintf(zset, cap, "stonks:delay:%s", queue);
    snprintf(hash, cap, "stonks:delayed:%s", queue);
}

static void dead_key(char *out, size_t cap, const char *queue)
{
    snprintf(out, cap, "stonks:dead:%s", queue);
}

redisReply *queue_command(queue_client *q, const char *what, int argc,
                          const char **argv, const size_t *lens)
{
    return command_argv(q, what, argc, argv, lens);
}

void queue_dead_key(char *out, size_t cap, const char *queue)
{
    dead_key(out, cap, queue);
}

static int group_index(queue_client *q, const char *key)
{
    redisReply *r;

    for (int i = 0; i < q->ngroups; i++)
        if (strcmp(q->groups[i], key) == 0)
            return i;
    if (connect_redis(q) < 0)
        return -1;
    r = redisCommand(q->rc, "XGROUP CREATE %s " GROUP " 0 MKSTREAM", key);
    if (!r) {
        checked(q, r, "XGROUP CREATE");
        return -1;
    }
    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9)) {
        set_err(q, "Redis refused XGROUP CREATE %s: %.200s", key, r->str);
        freeReplyObject(r);
        return -1;
    }
    freeReplyObject(r);
    if (q->ngroups == MAX_GROUPS)
        return MAX_GROUPS; /* works, only not cached */
    q->groups[q->ngroups] = xstrdup(key);
    q->last_reclaim_ms[q->ngroups] = 0;
    return q->ngroups++;
}

int queue_push(queue_client *q, const char *queue, const char *const *payloads,
               const size_t *lens, size_t n)
{
    char key[160];
    int rc = 0;

    stream_key(key, sizeof(key), queue);
    if (connect_redis(q) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *argv[] = {"XADD", key, "*", "p", payloads[i]};
        size_t alen[] = {4, strlen(key), 1, 1, lens[i]};

        if (lens[i] > QUEUE_MAX_PAYLOAD) {
            set_err(q, "job for queue %s is %zu bytes, over the %u limit",
                    queue, lens[i], QUEUE_MAX_PAYLOAD);
            return -1;
        }
        redisAppendCommandArgv(q->rc, 5, argv, alen);
    }
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;

        if (redisGetReply(q->rc, (void **)&r) != REDIS_OK) {
            checked(q, NULL, "XADD");
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            set_err(q, "Redis refused XADD to %s: %.200s", key, r->str);
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

void queue_set_dead_hook(queue_client *q, queue_dead_hook fn, void *arg)
{
    q->dead_hook = fn;
    q->dead_arg = arg;
}

void queue_jobs_free(queue_job *jobs, size_t n)
{
    if (!jobs)
        return;
    for (size_t i = 0; i < n; i++)
        free(jobs[i].payload);
    free(jobs);
}

/* Fills a job from a stream entry [id, [field, value, ...]]. Returns 0,
 * or -1 for an entry without a payload (deleted, or not ours). */
static int parse_entry(const redisReply *e, queue_job *job)
{
    const redisReply *fields;

    memset(job, 0, sizeof(*job));
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
        e->element[0]->type != REDIS_REPLY_STRING)
        return -1;
    snprintf(job->id, sizeof(job->id), "%s", e->element[0]->str);
    fields = e->element[1];
    if (fields->type != REDIS_REPLY_ARRAY)
        return -1;
    for (size_t i = 0; i + 1 < fields->elements; i += 2) {
        const redisReply *k = fields->element[i];
        const redisReply *v = fields->element[i + 1];

        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (strcmp(k->str, "p") == 0) {
            size_t keep = v->len;

            if (v->len > QUEUE_MAX_PAYLOAD) {
                job->oversize = v->len;
                keep = QUEUE_DEAD_EXCERPT;
            }
            free(job->payload);
            job->payload = xmalloc(keep + 1);
            memcpy(job->payload, v->str, keep);
            job->payload[keep] = '\0';
            job->len = keep;
        } else if (strcmp(k->str, "a") == 0) {
            job->attempts = atoi(v->str);
        } else if (strcmp(k->str, "f") == 0) {
            job->first_failure_ms = atoll(v->str);
        }
    }
    /* An entry someone added without our field cannot be handled: it is
     * kept (empty) so that it is dead-lettered, not left in flight. */
    if (!job->payload) {
        job->payload = xstrdup("");
        job->len = 0;
        job->malformed = 1;
    }
    return 0;
}

static void append_entries(const redisReply *arr, queue_job **jobs, size_t *n,
                           size_t *cap)
{
    for (size_t i = 0; i < arr->elements; i++) {
        queue_job job;

        if (parse_entry(arr->element[i], &job) < 0) {
            free(job.payload);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *jobs = xreallocarray(*jobs, *cap, sizeof(**jobs));
        }
        (*jobs)[(*n)++] = job;
    }
}

static int move_to_dead(queue_client *q, const char *queue,
                        const queue_job *job, const char *error, int attempts);
static int move_due(queue_client *q, const char *queue, size_t max);
static long long run_script(queue_client *q, const char *what, int argc,
                            const char **argv, const size_t *lens);

/* Claims jobs whose holder has not acknowledged them within the
 * visibility timeout. Jobs delivered too often (their workers died on
 * them) go to the dead letters. */
static int reclaim(queue_client *q, const char *queue, const char *key,
                   size_t max, queue_job **jobs, size_t *n, size_t *cap)
{
    char idle[32], count[32];
    redisReply *pend, *claimed;
    const char *argv[8 + 256];
    int deliveries[256];
    int argc = 0;

    if (max > 256)
        max = 256;
    snprintf(idle, sizeof(idle), "%d", q->visibility_ms);
    snprintf(count, sizeof(count), "%zu", max);
    {
        const char *pargv[] = {"XPENDING", key, GROUP, "IDLE",
                               idle,       "-", "+",   count};

        pend = command_argv(q, "XPENDING", 8, pargv, NULL);
    }
    if (!pend)
        return -1;
    if (pend->type != REDIS_REPLY_ARRAY || pend->elements == 0) {
        freeReplyObject(pend);
        return 0;
    }
    argv[argc++] = "XCLAIM";
    argv[argc++] = key;
    argv[argc++] = GROUP;
    argv[argc++] = q->consumer;
    argv[argc++] = idle;
    for (size_t i = 0; i < pend->elements && i < max; i++) {
        const redisReply *e = pend->element[i];

        if (e->type != REDIS_REPLY_ARRAY || e->elements < 4)
            continue;
        deliveries[argc - 5] = (int)e->element[3]->integer;
        argv[argc++] = e->element[0]->str;
    }
    if (argc == 5) {
        freeReplyObject(pend);
        return 0;
    }
    claimed = command_argv(q, "XCLAIM", argc, argv, NULL);
    if (!claimed) {
        freeReplyObject(pend);
        return -1;
    }
    for (size_t i = 0; i < claimed->elements; i++) {
        queue_job job;
        int times = 1;

        if (parse_entry(claimed->element[i], &job) < 0) {
            free(job.payload);
            continue;
        }
        for (int k = 5; k < argc; k++)
            if (strcmp(argv[k], job.id) == 0)
                times = deliveries[k - 5];
        /* Each earlier delivery that was never acknowledged is a crash
         * or a timeout: count it as a failed attempt. */
        job.attempts += times;
        if (!job.first_failure_ms)
            job.first_failure_ms = now_ms();
        LOG_WARN("job redelivered after visibility timeout",
                 LF_S("queue", queue), LF_S("id", job.id),
                 LF_I("attempts", job.attempts));
        if (job.attempts >= q->max_attempts) {
            static const char why[] = "the worker holding this job stopped "
                                      "(crash or timeout) too many times";

            /* (a job that waited for ever on it, such as a replay's day
             * on its document, is told, as after a failure) */
            if (move_to_dead(q, queue, &job, why, job.attempts) == 0 &&
                q->dead_hook)
                q->dead_hook(q->dead_arg, &job, why);
            free(job.payload);
            continue;
        }
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *jobs = xreallocarray(*jobs, *cap, sizeof(**jobs));
        }
        (*jobs)[(*n)++] = job;
    }
    freeReplyObject(claimed);
    freeReplyObject(pend);
    return 0;
}

/* queue_renew: KEYS[1] the stream, ARGV[1] the group, ARGV[2] the
 * consumer, then the ids. The consumer's pending entries (its jobs in
 * hand, and not many more) are read at once, and those of them asked
 * for are claimed again in one XCLAIM (JUSTID counts no delivery): a
 * look-up per id cost Redis 11 us a job, 45 ms for a batch of 4,096. */
static const char LUA_RENEW[] =
    "local want, n = {}, 0; "
    "for i = 3, #ARGV do if not want[ARGV[i]] then want[ARGV[i]] = true; "
    "n = n + 1 end end; "
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', "
    "n * 2 + 16, ARGV[2]); "
    "local claim = {KEYS[1], ARGV[1], ARGV[2], '0'}; "
    "for _, e in ipairs(p) do if want[e[1]] then claim[#claim + 1] = e[1] "
    "end end; "
    "if #claim == 4 then return 0 end; "
    "claim[#claim + 1] = 'JUSTID'; "
    "redis.call('XCLAIM', unpack(claim)); return #claim - 5";

long queue_renew(queue_client *q, const char *queue, const char *const *ids,
                 size_t n)
{
    char key[160];
    const char **argv;
    long long renewed;

    if (n == 0)
        return 0;
    stream_key(key, sizeof(key), queue);
    argv = xcalloc(n + 6, sizeof(*argv));
    argv[0] = "EVAL";
    argv[1] = LUA_RENEW;
    argv[2] = "1";
    argv[3] = key;
    argv[4] = GROUP;
    argv[5] = q->consumer;
    for (size_t i = 0; i < n; i++)
        argv[6 + i] = ids[i];
    renewed = run_script(q, "renew", (int)n + 6, argv, NULL);
    free(argv);
    return (long)renewed;
}

/* Moves jobs whose payload is over QUEUE_MAX_PAYLOAD to the dead
 * letters at once: no handler could take them, and holding them would
 * only outlast the visibility timeout. */
static void drop_oversized(queue_client *q, const char *queue, queue_job *jobs,
                           size_t *n)
{
    size_t kept = 0;

    for (size_t i = 0; i < *n; i++) {
        char err[128];

        if (!jobs[i].oversize && !jobs[i].malformed) {
            jobs[kept++] = jobs[i];
            continue;
        }
        if (jobs[i].malformed)
            snprintf(err, sizeof(err),
                     "stream entry has no payload field 'p' (not a job "
                     "queued by stonks)");
        else
            snprintf(err, sizeof(err),
                     "job payload is %zu bytes, over the %u-byte queue "
                     "limit (first %d bytes kept)",
                     jobs[i].oversize, QUEUE_MAX_PAYLOAD, QUEUE_DEAD_EXCERPT);
        move_to_dead(q, queue, &jobs[i], err, jobs[i].attempts + 1);
        free(jobs[i].payload);
    }
    *n = kept;
}

int queue_take(queue_client *q, const char *queue, size_t max, int block_ms,
               queue_job **jobs, size_t *n)
{
    char key[160], count[32], block[32];
    size_t cap = 0;
    redisReply *r;
    int gi;
    long long t = steady_ms();

    *jobs = NULL;
    *n = 0;
    stream_key(key, sizeof(key), queue);
    gi = group_index(q, key);
    if (gi < 0)
        return -1;
    if (gi == MAX_GROUPS || t - q->last_reclaim_ms[gi] >= RECLAIM_EVERY_MS) {
        if (gi < MAX_GROUPS)
            q->last_reclaim_ms[gi] = t;
        if (move_due(q, queue, max) < 0 ||
            reclaim(q, queue, key, max, jobs, n, &cap) < 0)
            goto fail;
        drop_oversized(q, queue, *jobs, n);
        if (*n > 0)
            return 0;
    }
    snprintf(count, sizeof(count), "%zu", max);
    /* at most until the next reclaim: a failed job whose wait is over,
     * or one its worker died on, is moved back by a take, and a worker
     * blocked for QUEUE_BLOCK_MS (up to a minute) on an idle queue left
     * it there that long */
    snprintf(block, sizeof(block), "%d",
             block_ms < RECLAIM_EVERY_MS ? block_ms : RECLAIM_EVERY_MS);
    {
        /* BLOCK 0 would wait forever: a zero wait leaves it out. */
        const char *argv[] = {"XREADGROUP", "GROUP", GROUP,   q->consumer,
                              "COUNT",      count,   "BLOCK", block,
                              "STREAMS",    key,     ">"};
        const char *nowait[] = {"XREADGROUP", "GROUP", GROUP,
                                q->consumer,  "COUNT", count,
                                "STREAMS",    key,     ">"};

        if (block_ms > 0)
            r = command_argv(q, "XREADGROUP", 11, argv, NULL);
        else
            r = command_argv(q, "XREADGROUP", 9, nowait, NULL);
    }
    if (!r)
        goto fail;
    if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
        const redisReply *stream = r->element[0];

        if (stream->type == REDIS_REPLY_ARRAY && stream->elements == 2)
            append_entries(stream->element[1], jobs, n, &cap);
    }
    freeReplyObject(r);
    drop_oversized(q, queue, *jobs, n);
    return 0;

fail:
    queue_jobs_free(*jobs, *n);
    *jobs = NULL;
    *n = 0;
    return -1;
}

/* Runs a MULTI ... EXEC block of cmds in one round trip. */
static int transact(queue_client *q, const char *what, int ncmds, int *argcs,
                    const char ***argvs, size_t **lens)
{
    redisReply *r;
    int rc = 0;

    if (connect_redis(q) < 0)
        return -1;
    redisAppendCommand(q->rc, "MULTI");
    for (int i = 0; i < ncmds; i++)
        redisAppendCommandArgv(q->rc, argcs[i], argvs[i], lens[i]);
    redisAppendCommand(q->rc, "EXEC");
    for (int i = 0; i < ncmds + 2; i++) {
        r = NULL;
        if (redisGetReply(q->rc, (void **)&r) != REDIS_OK) {
            checked(q, NULL, what);
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            set_err(q, "Redis refused %s: %.200s", what, r->str);
            rc = -1;
        } else if (i == ncmds + 1 && r->type == REDIS_REPLY_NIL) {
            set_err(q, "Redis aborted the transaction for %s", what);
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

int queue_ack(queue_client *q, const char *queue, const queue_job *jobs,
              size_t n)
{
    char key[160];
    const char **ack, **del;
    int argcs[2];
    const char **argvs[2];
    size_t *lens[2] = {NULL, NULL};
    int rc;

    if (n == 0)
        return 0;
    stream_key(key, sizeof(key), queue);
    ack = xcalloc(n + 3, sizeof(*ack));
    del = xcalloc(n + 2, sizeof(*del));
    ack[0] = "XACK";
    ack[1] = key;
    ack[2] = GROUP;
    del[0] = "XDEL";
    del[1] = key;
    for (size_t i = 0; i < n; i++) {
        ack[3 + i] = jobs[i].id;
        del[2 + i] = jobs[i].id;
    }
    argcs[0] = (int)n + 3;
    argcs[1] = (int)n + 2;
    argvs[0] = ack;
    argvs[1] = del;
    rc = transact(q, "XACK", 2, argcs, argvs, lens);
    free(ack);
    free(del);
    return rc;
}

/* Failure bookkeeping runs as one script so that it happens once per
 * delivery: only the holder whose XACK still finds the job pending moves
 * it on. A second holder (the job outlived its visibility timeout while
 * being handled) finds it acknowledged and does nothing. */
static const char LUA_DEAD[] =
    "if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then "
    "redis.call('XDEL', KEYS[1], ARGV[2]); "
    "redis.call('LPUSH', KEYS[2], ARGV[3]); return 1 end; return 0";

/* Due times are Redis's clock in milliseconds (TIME), so that workers
 * whose clocks differ agree on when a delayed job is due (by its
 * queuing process's clock, one behind held it back that much longer). */
#define LUA_NOW_MS                                                             \
    "local t = redis.call('TIME'); "                                           \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000); "

/* A failed job waits in the delay set (KEYS[2], due ARGV[7] ms from
 * now) with its fields (KEYS[3]) until a queue_take moves it back
 * (LUA_DUE); with no wait, it goes back to the stream at once. */
static const char LUA_RETRY[] =
    "if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then "
    "redis.call('XDEL', KEYS[1], ARGV[2]); "
    "if ARGV[7] == '0' then "
    "redis.call('XADD', KEYS[1], '*', 'p', ARGV[3], 'a', ARGV[4], "
    "'f', ARGV[5], 'e', ARGV[6]) else " LUA_NOW_MS
    "redis.call('HSET', KEYS[3], ARGV[2], "
    "cmsgpack.pack(ARGV[3], ARGV[4], ARGV[5], ARGV[6])); "
    "redis.call('ZADD', KEYS[2], string.format('%d', now + "
    "tonumber(ARGV[7])), ARGV[2]) end; "
    "return 1 end; return 0";

/* Moves the delayed jobs due by now (at most ARGV[1]) back to the
 * stream KEYS[1]; returns how many. Once per job: the ZREM of the one
 * script that runs at a time. */
static const char LUA_DUE[] = LUA_NOW_MS
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', "
    "string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[1])); "
    "for _, id in ipairs(ids) do "
    "local v = redis.call('HGET', KEYS[3], id); "
    "if v then local p, a, f, e = cmsgpack.unpack(v); "
    "redis.call('XADD', KEYS[1], '*', 'p', p, 'a', a, 'f', f, 'e', e); "
    "redis.call('HDEL', KEYS[3], id) end; "
    "redis.call('ZREM', KEYS[2], id) end; return #ids";

/* A job for later (queue_push_later): into the delay set (KEYS[1], due
 * ARGV[2] ms from now, or sooner when the member waits already) under
 * ARGV[1], with no attempts and no failure. */
static const char LUA_LATER[] =
    LUA_NOW_MS "redis.call('HSET', KEYS[2], ARGV[1], "
               "cmsgpack.pack(ARGV[3], '0', '0', '')); "
               "redis.call('ZADD', KEYS[1], 'LT', string.format('%d', now + "
               "tonumber(ARGV[2])), ARGV[1]); return 1";

/* Runs a script; returns its integer result, or -1. */
static long long run_script(queue_client *q, const char *what, int argc,
                            const char **argv, const size_t *lens)
{
    redisReply *r = command_argv(q, what, argc, argv, lens);
    long long v;

    if (!r)
        return -1;
    v = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return v;
}

static int move_to_dead(queue_client *q, const char *queue,
                        const queue_job *job, const char *error, int attempts)
{
    char key[160], dkey[160];
    const char *argv[7];
    size_t lens[7];
    long long moved;
    buf b;

    stream_key(key, sizeof(key), queue);
    dead_key(dkey, sizeof(dkey), queue);
    buf_init(&b);
    buf_adds(&b, "{\"id\":");
    buf_add_json_str(&b, job->id, strlen(job->id));
    buf_adds(&b, ",\"queue\":");
    buf_add_json_str(&b, queue, strlen(queue));
    buf_adds(&b, ",\"payload\":");
    buf_add_json_str(&b, job->payload, job->len);
    if (job->oversize)
        buf_adds(&b, ",\"payload_cut\":true");
    buf_adds(&b, ",\"error\":");
    buf_add_json_str(&b, error, strlen(error));
    buf_addf(&b,
             ",\"attempts\":%d,\"first_failure_ms\":%lld,"
             "\"dead_at_ms\":%lld}",
             attempts, job->first_failure_ms ? job->first_failure_ms : now_ms(),
             now_ms());
    argv[0] = "EVAL";
    argv[1] = LUA_DEAD;
    argv[2] = "2";
    argv[3] = key;
    argv[4] = dkey;
    argv[5] = GROUP;
    argv[6] = job->id;
    for (int i = 0; i < 7; i++)
        lens[i] = strlen(argv[i]);
    {
        const char *full[8];
        size_t flens[8];

        memcpy(full, argv, sizeof(argv));
        memcpy(flens, lens, sizeof(lens));
        full[7] = b.data;
        flens[7] = b.len;
        moved = run_script(q, "dead-letter", 8, full, flens);
    }
    if (moved == 1)
        LOG_ERROR("job moved to dead letters", LF_S("queue", queue),
                  LF_S("id", job->id), LF_I("attempts", attempts),
                  LF_S("error", error));
    buf_release(&b);
    return moved < 0 ? -1 : 0;
}

/* How long a job that failed for the a-th time waits before it may be
 * taken again (ms), or 0 for not at all: the delay doubles with each
 * failure, to 60 times the first. */
static long long retry_wait(const queue_client *q, int a)
{
    long long d = q->retry_delay_ms, cap = 60LL * q->retry_delay_ms;

    if (d <= 0)
        return 0;
    for (int i = 1; i < a && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}

int queue_fail(queue_client *q, const char *queue, const queue_job *job,
               const char *error, int *dead)
{
    char key[160], zset[160], hash[160], attempts[16], first[32], due[32];
    const char *argv[13];
    size_t lens[13];
    int a = job->attempts + 1;
    long long ff = job->first_failure_ms ? job->first_failure_ms : now_ms();

    *dead = 0;
    if (a >= q->max_attempts) {
        *dead = 1;
        return move_to_dead(q, queue, job, error, a);
    }
    stream_key(key, sizeof(key), queue);
    delay_keys(zset, hash, sizeof(zset), queue);
    snprintf(attempts, sizeof(attempts), "%d", a);
    snprintf(first, sizeof(first), "%lld", ff);
    snprintf(due, sizeof(due), "%lld", retry_wait(q, a));
    argv[0] = "EVAL";
    argv[1] = LUA_RETRY;
    argv[2] = "3";
    argv[3] = key;
    argv[4] = zset;
    argv[5] = hash;
    argv[6] = GROUP;
    argv[7] = job->id;
    argv[8] = job->payload;
    argv[9] = attempts;
    argv[10] = first;
    argv[11] = error;
    argv[12] = due;
    for (int i = 0; i < 13; i++)
        lens[i] = i == 8 ? job->len : strlen(argv[i]);
    return run_script(q, "retry", 13, argv, lens) < 0 ? -1 : 0;
}

int queue_push_later(queue_client *q, const char *queue, const char *key,
                     const char *payload, size_t len, long delay_ms)
{
    static unsigned long seq;
    char zset[160], hash[160], id[128], due[32];
    const char *argv[8];
    size_t lens[8];

    if (len > QUEUE_MAX_PAYLOAD) {
        set_err(q, "job for queue %s is %zu bytes, over the %u limit", queue,
                len, QUEUE_MAX_PAYLOAD);
        return -1;
    }
    delay_keys(zset, hash, sizeof(zset), queue);
    if (key && strlen(key) >= 100) {
        set_err(q, "delayed job key for queue %s is %zu bytes, over 99", queue,
                strlen(key));
        return -1;
    }
    /* (members of their own: not stream ids, so never one of a retry) */
    if (key)
        snprintf(id, sizeof(id), "later:%s", key);
    else
        snprintf(id, sizeof(id), "later-%lld-%d-%lu", now_ms(), (int)getpid(),
                 ++seq);
    snprintf(due, sizeof(due), "%ld", delay_ms > 0 ? delay_ms : 0);
    argv[0] = "EVAL";
    argv[1] = LUA_LATER;
    argv[2] = "2";
    argv[3] = zset;
    argv[4] = hash;
    argv[5] = id;
    argv[6] = due;
    argv[7] = payload;
    for (int i = 0; i < 8; i++)
        lens[i] = i == 7 ? len : strlen(argv[i]);
    if (connect_redis(q) < 0)
        return -1;
    return run_script(q, "push later", 8, argv, lens) < 0 ? -1 : 0;
}

/* Moves the failed jobs of queue whose wait is over back to its stream
 * (at most max). Returns 0, or -1. */
static int move_due(queue_client *q, const char *queue, size_t max)
{
    char key[160], zset[160], hash[160], count[32];
    const char *argv[] = {"EVAL", LUA_DUE, "3", key, zset, hash, count};

    stream_key(key, sizeof(key), queue);
    delay_keys(zset, hash, sizeof(zset), queue);
    snprintf(count, sizeof(count), "%zu", max);
    return run_script(q, "due retries", 7, argv, NULL) < 0 ? -1 : 0;
}

long long queue_integer(queue_client *q, int argc, const char **argv)
{
    redisReply *r = command_argv(q, argv[0], argc, argv, NULL);
    long long v;

    if (!r)
        return -1;
    v = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return v;
}

/* 1 when a call begun on a connection kept from before (had) lost it:
 * a Redis restarted since the last call cut it, or forgot the group. A
 * read then goes again once, on a new connection; it changes nothing,
 * so the second go is safe. */
static int lost_kept(const queue_client *q, int had)
{
    return had && !q->rc;
}

int queue_connected(const queue_client *q)
{
    return q->rc != NULL;
}

int queue_lost_kept(const queue_client *q, int had)
{
    return lost_kept(q, had);
}

static int stats_once(queue_client *q, const char *queue, queue_stats *st)
{
    char key[160], dkey[160], zset[160], hash[160];
    const char *xlen[] = {"XLEN", key};
    const char *llen[] = {"LLEN", dkey};
    const char *zcard[] = {"ZCARD", zset};
    const char *pend[] = {"XPENDING", key, GROUP};
    redisReply *r;
    long long len, delayed;

    stream_key(key, sizeof(key), queue);
    dead_key(dkey, sizeof(dkey), queue);
    delay_keys(zset, hash, sizeof(zset), queue);
    memset(st, 0, sizeof(*st));
    if (group_index(q, key) < 0)
        return -1;
    len = queue_integer(q, 2, xlen);
    if (len < 0)
        return -1;
    st->dead = queue_integer(q, 2, llen);
    if (st->dead < 0)
        return -1;
    delayed = queue_integer(q, 2, zcard);
    if (delayed < 0)
        return -1;
    r = command_argv(q, "XPENDING", 3, pend, NULL);
    if (!r)
        return -1;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_INTEGER)
        st->in_flight = r->element[0]->integer;
    freeReplyObject(r);
    st->depth = len - st->in_flight;
    if (st->depth < 0)
        st->depth = 0;
    st->depth += delayed; /* failed, waiting for their time */
    st->delayed = delayed;
    return 0;
}

int queue_stats_get(queue_client *q, const char *queue, queue_stats *st)
{
    int had = q->rc != NULL;
    int rc = stats_once(q, queue, st);

    if (rc < 0 && lost_kept(q, had))
        rc = stats_once(q, queue, st);
    return rc;
}

/* SET key value, with "PX ttl" when ttl_ms > 0. */
static int set_key(queue_client *q, const char *key, const char *value,
                   int ttl_ms)
{
    char ttl[32];
    const char *argv[] = {"SET", key, value, "PX", ttl};
    redisReply *r;

    snprintf(ttl, sizeof(ttl), "%d", ttl_ms);
    r = command_argv(q, "SET", ttl_ms > 0 ? 5 : 3, argv, NULL);
    if (!r)
        return -1;
    freeReplyObject(r);
    return 0;
}

int queue_set(queue_client *q, const char *key, const char *value)
{
    return set_key(q, key, value, 0);
}

int queue_set_ttl(queue_client *q, const char *key, const char *value,
                  int ttl_ms)
{
    return set_key(q, key, value, ttl_ms > 0 ? ttl_ms : 1);
}

int queue_lookup(queue_client *q, const char *key, char **value)
{
    const char *argv[] = {"GET", key};
    int had = q->rc != NULL;
    redisReply *r = command_argv(q, "GET", 2, argv, NULL);

    *value = NULL;
    if (!r && lost_kept(q, had))
        r = command_argv(q, "GET", 2, argv, NULL);
    if (!r)
        return -1;
    if (r->type == REDIS_REPLY_STRING)
        *value = xstrndup(r->str, r->len);
    freeReplyObject(r);
    return 0;
}

char *queue_get(queue_client *q, const char *key)
{
    char *v;

    return queue_lookup(q, key, &v) < 0 ? NULL : v;
}

int queue_del(queue_client *q, const char *key)
{
    const char *argv[] = {"DEL", key};
    redisReply *r = command_argv(q, "DEL", 2, argv, NULL);

    if (!r)
        return -1;
    freeReplyObject(r);
    return 0;
}

int queue_purge(queue_client *q, const char *queue)
{
    char key[160], dkey[160], zset[160], hash[160];

    stream_key(key, sizeof(key), queue);
    dead_key(dkey, sizeof(dkey), queue);
    delay_keys(zset, hash, sizeof(zset), queue);
    if (queue_del(q, zset) < 0 || queue_del(q, hash) < 0)
        return -1;
    for (int i = 0; i < q->ngroups; i++) {
        if (strcmp(q->groups[i], key) == 0) {
            free(q->groups[i]);
            q->groups[i] = q->groups[--q->ngroups];
            q->last_reclaim_ms[i] = q->last_reclaim_ms[q->ngroups];
            break;
        }
    }
    if (queue_del(q, key) < 0)
        return -1;
    return queue_del(q, dkey);
}
