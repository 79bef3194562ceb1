/* queue_dead: the dead letters of a queue listed and moved back
 * (queue_dead_list, queue_dead_retry of queue.h), on the connection
 * queue.c keeps (queue_conn.h). */
#include "lib/queue.h"

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/hex.h"
#include "lib/log.h"
#include "lib/queue_conn.h"
#include "lib/xalloc.h"

static char *dead_list_once(queue_client *q, const char *queue, long max)
{
    char dkey[160], stop[32];
    const char *argv[] = {"LRANGE", dkey, "0", stop};
    redisReply *r;
    buf b;

    queue_dead_key(dkey, sizeof(dkey), queue);
    snprintf(stop, sizeof(stop), "%ld", max > 0 ? max - 1 : 0);
    r = queue_command(q, "LRANGE", 4, argv, NULL);
    if (!r)
        return NULL;
    buf_init(&b);
    buf_addc(&b, '[');
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        json_t *rec = json_loadb(e->str, e->len, JSON_REJECT_DUPLICATES, NULL);

        if (i)
            buf_addc(&b, ',');
        if (json_is_object(rec)) {
            buf_add(&b, e->str, e->len);
        } else {
            /* not a record we wrote (pushed by hand): shown as text, so
             * that the list stays JSON */
            buf_adds(&b, "{\"unreadable\":");
            buf_add_json_str(&b, e->str, e->len);
            buf_addc(&b, '}');
        }
        json_decref(rec);
    }
    buf_addc(&b, ']');
    freeReplyObject(r);
    return buf_detach(&b, NULL);
}

char *queue_dead_list(queue_client *q, const char *queue, long max)
{
    int had = queue_connected(q);
    char *v = dead_list_once(q, queue, max);

    if (!v && queue_lost_kept(q, had))
        v = dead_list_once(q, queue, max);
    return v;
}

/* Pulls the "payload" string out of a dead-letter record we wrote. */
static char *dead_payload(const char *rec, size_t *len);

int queue_dead_retry(queue_client *q, const char *queue, long *moved,
                     long *kept)
{
    char dkey[160];
    const char *argv[] = {"RPOP", dkey};
    const char *llen[] = {"LLEN", dkey};
    long long n;

    *moved = 0;
    *kept = 0;
    queue_dead_key(dkey, sizeof(dkey), queue);
    n = queue_integer(q, 2, llen);
    if (n < 0)
        return -1;
    /* Each dead letter there now, once: one kept goes back to the head,
     * where new ones arrive, and the oldest are taken from the tail. */
    for (long long i = 0; i < n; i++) {
        redisReply *r = queue_command(q, "RPOP", 2, argv, NULL);
        char *payload;
        size_t len;
        int rc;

        if (!r)
            return -1;
        if (r->type != REDIS_REPLY_STRING) {
            freeReplyObject(r);
            return 0;
        }
        {
            /* (not JSON, not ours: queue_dead_list shows it as
             * unreadable, and a payload found in its text is no job) */
            json_t *rec =
                json_loadb(r->str, r->len, JSON_REJECT_DUPLICATES, NULL);

            payload = json_is_object(rec) ? dead_payload(r->str, &len) : NULL;
            json_decref(rec);
        }
        if (!payload || len == 0 || strstr(r->str, ",\"payload_cut\":true")) {
            /* no worker could take it: its payload was cut or missing,
             * or the record is not one we wrote (pushed by hand) */
            if (!payload)
                LOG_WARN("unreadable dead letter kept", LF_S("queue", queue));
            const char *back[] = {"LPUSH", dkey, r->str};
            size_t blen[] = {5, strlen(dkey), r->len};
            redisReply *b2 = queue_command(q, "LPUSH", 3, back, blen);

            free(payload);
            freeReplyObject(r);
            if (!b2)
                return -1;
            freeReplyObject(b2);
            (*kept)++;
            continue;
        }
        {
            const char *p[] = {payload};

            rc = queue_push(q, queue, p, &len, 1);
        }
        if (rc < 0) {
            /* Put it back so nothing is lost. */
            const char *back[] = {"RPUSH", dkey, r->str};
            size_t blen[] = {5, strlen(dkey), r->len};
            redisReply *b2 = queue_command(q, "RPUSH", 3, back, blen);

            if (b2)
                freeReplyObject(b2);
            free(payload);
            freeReplyObject(r);
            return -1;
        }
        (*moved)++;
        free(payload);
        freeReplyObject(r);
    }
    return 0;
}

static char *dead_payload(const char *rec, size_t *len)
{
    const char *p = strstr(rec, ",\"payload\":\"");
    buf b;

    if (!p)
        return NULL;
    p += strlen(",\"payload\":\"");
    buf_init(&b);
    while (*p && *p != '"') {
        if (*p != '\\') {
            buf_addc(&b, *p++);
            continue;
        }
        p++;
        switch (*p) {
        case 'n':
            buf_addc(&b, '\n');
            break;
        case 't':
            buf_addc(&b, '\t');
            break;
        case 'r':
            buf_addc(&b, '\r');
            break;
        case 'u': {
            int v = 0;

            for (int i = 1; i <= 4; i++) {
                int h = hex_digit(p[i]);

                if (h < 0) {
                    buf_release(&b);
                    return NULL;
                }
                v = v * 16 + h;
            }
            buf_addc(&b, (char)v);
            p += 4;
            break;
        }
        case '\0':
            buf_release(&b);
            return NULL;
        default:
            buf_addc(&b, *p);
        }
        p++;
    }
    return buf_detach(&b, len);
}
