/*
 * libFuzzer harness: job payloads as the workers read them (JSON with a
 * size limit and typed fields).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/queue.h"
#include "services/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256], ticker[TICKER_MAX];
    queue_job job;
    long long id;
    int32_t day;
    json_t *o;

    memset(&job, 0, sizeof(job));
    job.payload = (char *)data;
    job.len = size;
    o = job_parse(&job, err, sizeof(err));
    if (!o)
        return 0;
    job_ticker(o, "ticker", ticker, err, sizeof(err));
    job_day(o, "day", &day, err, sizeof(err));
    job_day(o, "from", &day, err, sizeof(err));
    job_id(o, "doc", &id, err, sizeof(err));
    json_decref(o);
    return 0;
}
