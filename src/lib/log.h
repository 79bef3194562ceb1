/*
 * log: one JSON object per line on stderr: ts, level, service, msg, the
 * current job id when a worker is inside a job, then the caller's
 * fields. The level is checked before anything is formatted. Values are
 * JSON-escaped; callers must never pass secrets.
 *
 *     LOG_INFO("job done", LF_S("ticker", t), LF_I("docs", n));
 */
#ifndef STONKS_LOG_H
#define STONKS_LOG_H

#include <stddef.h>

typedef enum log_level {
    LOG_LEVEL_DEBUG = 0,
    LOG_LEVEL_INFO,
    LOG_LEVEL_WARN,
    LOG_LEVEL_ERROR,
    LOG_LEVEL_OFF,
} log_level;

typedef enum log_field_kind {
    LF_NONE = 0,
    LF_STR,
    LF_INT,
    LF_DBL,
} log_field_kind;

typedef struct log_field {
    log_field_kind kind;
    const char *key;
    const char *s;
    long long i;
    double d;
} log_field;

#define LF_S(k, v) ((log_field){LF_STR, (k), (v), 0, 0})
#define LF_I(k, v) ((log_field){LF_INT, (k), NULL, (long long)(v), 0})
#define LF_D(k, v) ((log_field){LF_DBL, (k), NULL, 0, (double)(v)})

/* Sets the service name and the minimum level. Safe to call again. */
void log_init(const char *service, log_level min);

/* Parses "debug", "info", "warn", "error", "off"; -1 when unknown. */
int log_level_parse(const char *s);

int log_enabled(log_level level);

/* The service name given to log_init ("stonks" before). */
const char *log_service(void);

/* The job id added to every line this thread writes; NULL clears it.
 * The string is copied (at most 63 bytes). */
void log_set_job(const char *job);

/* Writes one line. fields[0] is skipped when its kind is LF_NONE (the
 * macros below pass such a sentinel so that a call may have no fields).
 */
void log_write(log_level level, const char *msg, const log_field *fields,
               size_t n);

#define LOG_AT(lvl, msg, ...)                                                  \
    do {                                                                       \
        if (log_enabled(lvl)) {                                                \
            const log_field lf_[] = {{LF_NONE, NULL, NULL, 0, 0},              \
                                     ##__VA_ARGS__};                           \
            log_write(lvl, msg, lf_, sizeof(lf_) / sizeof(lf_[0]));            \
        }                                                                      \
    } while (0)

#define LOG_DEBUG(msg, ...) LOG_AT(LOG_LEVEL_DEBUG, msg, ##__VA_ARGS__)
#define LOG_INFO(msg, ...) LOG_AT(LOG_LEVEL_INFO, msg, ##__VA_ARGS__)
#define LOG_WARN(msg, ...) LOG_AT(LOG_LEVEL_WARN, msg, ##__VA_ARGS__)
#define LOG_ERROR(msg, ...) LOG_AT(LOG_LEVEL_ERROR, msg, ##__VA_ARGS__)

#endif
