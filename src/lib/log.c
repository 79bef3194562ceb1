#include "lib/log.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"

static char log_service_name[64] = "stonks";
static log_level log_min = LOG_LEVEL_INFO;
static _Thread_local char log_job[64];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error",
                                          "off"};

void log_init(const char *service, log_level min)
{
    snprintf(log_service_name, sizeof(log_service_name), "%s", service);
    log_min = min;
}

int log_level_parse(const char *s)
{
    for (int i = 0; i <= LOG_LEVEL_OFF; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

const char *log_service(void)
{
    return log_service_name;
}

int log_enabled(log_level level)
{
    return level >= log_min && level < LOG_LEVEL_OFF;
}

void log_set_job(const char *job)
{
    if (job)
        snprintf(log_job, sizeof(log_job), "%s", job);
    else
        log_job[0] = '\0';
}

static void add_field(buf *b, const log_field *f)
{
    buf_addc(b, ',');
    buf_add_json_str(b, f->key, strlen(f->key));
    buf_addc(b, ':');
    switch (f->kind) {
    case LF_STR:
        if (f->s)
            buf_add_json_str(b, f->s, strlen(f->s));
        else
            buf_adds(b, "null");
        break;
    case LF_INT:
        buf_addf(b, "%lld", f->i);
        break;
    case LF_DBL:
        if (isfinite(f->d))
            buf_addf(b, "%.6g", f->d);
        else
            buf_adds(b, "null");
        break;
    case LF_NONE:
        buf_adds(b, "null");
        break;
    }
}

void log_write(log_level level, const char *msg, const log_field *fields,
               size_t n)
{
    struct timespec ts;
    struct tm tm;
    char tbuf[40];
    buf b;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);

    buf_init(&b);
    buf_addf(&b, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\",\"service\":", tbuf,
             ts.tv_nsec / 1000000, level_names[level]);
    buf_add_json_str(&b, log_service_name, strlen(log_service_name));
    buf_adds(&b, ",\"msg\":");
    buf_add_json_str(&b, msg, strlen(msg));
    if (log_job[0]) {
        buf_adds(&b, ",\"job\":");
        buf_add_json_str(&b, log_job, strlen(log_job));
    }
    for (size_t i = 0; i < n; i++)
        if (fields[i].kind != LF_NONE && fields[i].key)
            add_field(&b, &fields[i]);
    buf_adds(&b, "}\n");

    pthread_mutex_lock(&log_lock);
    fwrite(b.data, 1, b.len, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    buf_release(&b);
}
