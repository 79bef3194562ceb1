#include "services/svc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "lib/db.h"
#include "lib/log.h"

json_t *job_parse(const queue_job *job, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o;

    if (job->len > JOB_MAX_BYTES) {
        snprintf(err, errlen, "job payload is %zu bytes, over the %d limit",
                 job->len, JOB_MAX_BYTES);
        return NULL;
    }
    o = json_loadb(job->payload, job->len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        snprintf(err, errlen, "job payload is not valid JSON: %s at %d",
                 je.text, je.position);
        return NULL;
    }
    if (!json_is_object(o)) {
        snprintf(err, errlen, "job payload must be a JSON object");
        json_decref(o);
        return NULL;
    }
    return o;
}

int job_ticker(json_t *o, const char *key, char out[TICKER_MAX], char *err,
               size_t errlen)
{
    json_t *v = json_object_get(o, key);

    if (!v) {
        snprintf(err, errlen, "job field '%s' is missing: a ticker", key);
        return -1;
    }
    if (!json_is_string(v) ||
        ticker_normalize(json_string_value(v), json_string_length(v), out) <
            0) {
        snprintf(err, errlen, "job field '%s' must be a valid ticker", key);
        return -1;
    }
    return 0;
}

int job_day(json_t *o, const char *key, int32_t *day, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);

    if (!v) {
        snprintf(err, errlen, "job field '%s' is missing: a date YYYY-MM-DD",
                 key);
        return -1;
    }
    if (!json_is_string(v) ||
        date_parse(json_string_value(v), json_string_length(v), day) < 0) {
        snprintf(err, errlen, "job field '%s' must be a date YYYY-MM-DD", key);
        return -1;
    }
    if (!day_plausible_now(*day)) {
        snprintf(err, errlen,
                 "job field '%s' must lie between 1970-01-01 and %d days "
                 "from today",
                 key, DATE_MAX_AHEAD_DAYS);
        return -1;
    }
    return 0;
}

int day_plausible_now(int32_t day)
{
    return date_plausible(day, (int32_t)(time(NULL) / 86400));
}

int job_id(json_t *o, const char *key, long long *id, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        snprintf(err, errlen, "job field '%s' must be a positive integer", key);
        return -1;
    }
    *id = json_integer_value(v);
    return 0;
}

size_t job_doc_ids(worker *w, const queue_job *jobs, size_t n, long long *ids,
                   pgarr *arr)
{
    size_t valid = 0;

    for (size_t i = 0; i < n; i++) {
        char err[256];
        json_t *job = job_parse(&jobs[i], err, sizeof(err));

        ids[i] = 0;
        if (!job || job_id(job, "doc", &ids[i], err, sizeof(err)) < 0) {
            ids[i] = 0;
            if (w)
                worker_job_failed(w, i, err);
        } else {
            pgarr_addf(arr, "%lld", ids[i]);
            valid++;
        }
        json_decref(job);
    }
    return valid;
}

void job_doc_dead(worker *w, const queue_job *job, const char *err)
{
    static const char sql[] =
        "DELETE FROM pending_documents WHERE document_id = $1::bigint";
    long long id[1];
    pgarr none;
    char ids[32];
    const char *p[] = {ids};

    pgarr_init(&none);
    if (job_doc_ids(NULL, job, 1, id, &none) == 1) {
        snprintf(ids, sizeof(ids), "%lld", id[0]);
        if (db_execp(w->db, "doc_dead", sql, 1, p, NULL) != DB_OK)
            LOG_ERROR("cannot release a dead-lettered document; its day "
                      "waits on it",
                      LF_S("document", ids), LF_S("error", db_error(w->db)));
        else
            LOG_WARN("document dead-lettered; its day goes on without it",
                     LF_S("document", ids), LF_S("queue", w->queue),
                     LF_S("error", err));
    }
    pgarr_release(&none);
}

size_t job_ticker_days(worker *w, const queue_job *jobs, size_t n,
                       char (*tickers)[TICKER_MAX], int32_t *days)
{
    size_t valid = 0;

    for (size_t i = 0; i < n; i++) {
        char err[256];
        json_t *job = job_parse(&jobs[i], err, sizeof(err));

        if (!job ||
            job_ticker(job, "ticker", tickers[i], err, sizeof(err)) < 0 ||
            job_day(job, "day", &days[i], err, sizeof(err)) < 0) {
            tickers[i][0] = '\0';
            worker_job_failed(w, i, err);
        } else {
            valid++;
        }
        json_decref(job);
    }
    return valid;
}

/* 1 when a row of r names id in its column 0. */
static int names_id(const PGresult *r, long long id)
{
    for (int i = 0; r && i < PQntuples(r); i++)
        if (atoll(PQgetvalue(r, i, 0)) == id)
            return 1;
    return 0;
}

size_t job_fail_missing(worker *w, long long *ids, size_t n, const PGresult *r,
                        const PGresult *known, const char *why)
{
    size_t marked = 0;

    for (size_t i = 0; i < n; i++) {
        char msg[256];

        if (ids[i] <= 0 || names_id(r, ids[i]) || names_id(known, ids[i]))
            continue;
        marked++;
        if (!w)
            continue;
        snprintf(msg, sizeof(msg), "document %lld %s", ids[i], why);
        worker_job_failed(w, i, msg);
        ids[i] = -ids[i];
    }
    return marked;
}

void pgarr_init(pgarr *a)
{
    buf_init(&a->b);
    buf_addc(&a->b, '{');
    a->n = 0;
}

void pgarr_release(pgarr *a)
{
    buf_release(&a->b);
}

void pgarr_add(pgarr *a, const char *s, size_t len)
{
    db_array_add(&a->b, s, len, a->n == 0);
    a->n++;
}

void pgarr_adds(pgarr *a, const char *s)
{
    pgarr_add(a, s, s ? strlen(s) : 0);
}

void pgarr_addf(pgarr *a, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(tmp))
        n = sizeof(tmp) - 1;
    pgarr_add(a, tmp, (size_t)n);
}

const char *pgarr_text(pgarr *a)
{
    buf_addc(&a->b, '}');
    a->b.len--; /* the brace is not kept: more may be added */
    return a->b.data;
}
