/*
 * svc: small helpers the services share: reading job payloads (JSON
 * objects with a size limit and typed fields; the documents a batch's
 * jobs name, marking the jobs that fail on their own), and building the
 * text arrays that carry a whole batch of rows in one SQL parameter.
 */
#ifndef STONKS_SVC_H
#define STONKS_SVC_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/ticker.h"
#include "lib/buf.h"
#include "lib/queue.h"
#include "lib/worker.h"

#define JOB_MAX_BYTES 65536

/* Parses a job payload as a JSON object. Returns a new reference (the
 * caller json_decref's it) or NULL with a message in err. */
json_t *job_parse(const queue_job *job, char *err, size_t errlen);

/* Typed fields of a job. Each returns 0, or -1 with a message naming
 * the field in err. */
int job_ticker(json_t *o, const char *key, char out[TICKER_MAX], char *err,
               size_t errlen);
int job_day(json_t *o, const char *key, int32_t *day, char *err, size_t errlen);

/* date_plausible (domain/date.h) against today's date by the UTC clock:
 * the check of a day a job or a request names. */
int day_plausible_now(int32_t day);
int job_id(json_t *o, const char *key, long long *id, char *err, size_t errlen);

/* A PostgreSQL array literal under construction. */
typedef struct pgarr {
    buf b;
    size_t n;
} pgarr;

void pgarr_init(pgarr *a);
void pgarr_release(pgarr *a);
void pgarr_add(pgarr *a, const char *s, size_t len);
void pgarr_adds(pgarr *a, const char *s);
void pgarr_addf(pgarr *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The literal ("{...}"), owned by a, valid until the next add. */
const char *pgarr_text(pgarr *a);

/* The document ids ("doc") of a batch's jobs: ids[i] for job i, 0 for a
 * job without a valid one (marked failed with worker_job_failed unless
 * w is NULL; the others go on); the valid ones are added to arr.
 * Returns how many. */
size_t job_doc_ids(worker *w, const queue_job *jobs, size_t n, long long *ids,
                   pgarr *arr);

/* The tickers and days ("ticker", "day") of a batch's jobs: tickers[i]
 * and days[i] for job i, tickers[i] "" for a job without valid ones
 * (marked failed with worker_job_failed; the others go on). Returns how
 * many are valid. */
size_t job_ticker_days(worker *w, const queue_job *jobs, size_t n,
                       char (*tickers)[TICKER_MAX], int32_t *days);

/* Marks failed each job i with ids[i] > 0 that no row of r (column 0,
 * an id) or of known (NULL: none) names: "document N " and why, and
 * makes ids[i] -N, so that the caller can leave it out of what it
 * writes. Returns how many there are; with w NULL, counts them and
 * changes nothing. */
size_t job_fail_missing(worker *w, long long *ids, size_t n, const PGresult *r,
                        const PGresult *known, const char *why);

/* worker_def.dead of the parser and the extractor: the document of a
 * dead-lettered job leaves pending_documents, so that its day can be
 * sealed without it (the replay waited on it for ever); its dead letter
 * stays, for `stonks queue retry` after the mend, whose signals then
 * count again for a sealed day as any late signal does. */
void job_doc_dead(worker *w, const queue_job *job, const char *err);

/* Formats a day number as YYYY-MM-DD into a static-size buffer. */
#define DAYSTR(day, buf) (date_format((day), (buf)), (buf))

#endif
