#include "lib/budget.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

struct budget {
    char *host, *password;
    int port;
    redisContext *rc;
};

/* KEYS: none (the key depends on the server's clock). ARGV: provider,
 * limit. Returns {granted (0/1), ms until the next minute}. */
static const char BUDGET_LUA[] =
    "local t = redis.call('TIME')\n"
    "local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local minute = math.floor(ms / 60000)\n"
    "local key = 'stonks:budget:' .. ARGV[1] .. ':' .. minute\n"
    "local n = redis.call('INCR', key)\n"
    "if n == 1 then redis.call('EXPIRE', key, 120) end\n"
    "local left = (minute + 1) * 60000 - ms\n"
    "if n > tonumber(ARGV[2]) then return {0, left} end\n"
    "return {1, left}\n";

static void drop(budget *b)
{
    if (b->rc)
        redisFree(b->rc);
    b->rc = NULL;
}

static int connect_budget(budget *b, char *err, size_t errlen)
{
    struct timeval tv = {5, 0};
    redisReply *r;

    if (b->rc)
        return 0;
    b->rc = redisConnectWithTimeout(b->host, b->port, tv);
    if (!b->rc || b->rc->err) {
        snprintf(err, errlen, "cannot connect to Redis at %s:%d: %s", b->host,
                 b->port, b->rc ? b->rc->errstr : "out of memory");
        drop(b);
        return -1;
    }
    redisSetTimeout(b->rc, tv);
    if (b->password[0]) {
        r = redisCommand(b->rc, "AUTH %s", b->password);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen,
                     "Redis at %s:%d refused the password (REDIS_PASSWORD)",
                     b->host, b->port);
            if (r)
                freeReplyObject(r);
            drop(b);
            return -1;
        }
        freeReplyObject(r);
    }
    return 0;
}

budget *budget_open(const config *c, char *err, size_t errlen)
{
    budget *b = xcalloc(1, sizeof(*b));

    b->host = xstrdup(c->redis_host);
    b->port = c->redis_port;
    b->password = xstrdup(c->redis_password);
    if (connect_budget(b, err, errlen) < 0) {
        budget_free(b);
        return NULL;
    }
    return b;
}

void budget_free(budget *b)
{
    if (!b)
        return;
    drop(b);
    free(b->host);
    free(b->password);
    free(b);
}

int budget_take(budget *b, const char *provider, int per_min, long *wait_ms,
                char *err, size_t errlen)
{
    char limit[24];
    const char *argv[] = {"EVAL", BUDGET_LUA, "0", provider, limit};
    redisReply *r;
    int rc = -1;

    if (connect_budget(b, err, errlen) < 0)
        return -1;
    snprintf(limit, sizeof(limit), "%d", per_min);
    r = redisCommandArgv(b->rc, 5, argv, NULL);
    if (!r) {
        snprintf(err, errlen, "Redis at %s:%d failed during the budget: %s",
                 b->host, b->port, b->rc->errstr[0] ? b->rc->errstr : "?");
        drop(b);
        return -1;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_INTEGER &&
        r->element[1]->type == REDIS_REPLY_INTEGER) {
        *wait_ms = (long)r->element[1]->integer;
        rc = r->element[0]->integer ? 0 : 1;
    } else {
        snprintf(err, errlen, "Redis refused the budget script: %.200s",
                 r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
    }
    freeReplyObject(r);
    return rc;
}
