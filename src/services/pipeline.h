/*
 * pipeline: the queue workers of the pipeline, one per stage, each run
 * as its own process by `stonks <name>`. The queue names are shared
 * with the scheduler and the demo.
 */
#ifndef STONKS_PIPELINE_H
#define STONKS_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"
#include "lib/db.h"

#define Q_INGESTION "ingestion"
#define Q_PARSING "parsing"
#define Q_EXTRACTION "extraction"
#define Q_AGGREGATION "aggregation"
#define Q_RECOMMENDATION "recommendation"

/* The documents' source name for the replayed Reuters file. */
#define REPLAY_SOURCE "reuters-replay"

/* Redis keys of the replay's shared state. */
#define KEY_SEALED "stonks:replay:sealed" /* last sealed day, YYYY-MM-DD */
/* "START END LAST" of the replay that seals into KEY_SEALED: its
 * REPLAY_START and REPLAY_END as given, and its last session, the day
 * KEY_SEALED holds once it is over */
#define KEY_REPLAY_RANGE "stonks:replay:range"
#define KEY_PROGRESS "stonks:replay:progress" /* "done total" days */
/* The live scheduler's last tick, "DAY STARTED DONE TICKERS SESSION
 * EXTRACTED AGGREGATION STOPPED": its New York day (YYYY-MM-DD), its
 * start and end in Unix seconds (DONE 0 while it runs), the tickers it
 * queued, then 1 or 0: the exchange trades that day; every document of
 * the day was extracted when its aggregation was queued; the
 * aggregation was queued (live_backlog can hold it back); the
 * scheduler stopped during the tick, before its aggregation. */
#define KEY_LIVE_TICK "stonks:live:tick"
#define KEY_MODEL_VERSION "stonks:model:version" /* extractor's model */
/* The running `stonks up` or `demo` ("CMD pid PID on HOST, folder
 * DIR"), set again every second with a SUPERVISOR_TTL_MS expiry:
 * admin_stack_claim. */
#define KEY_SUPERVISOR "stonks:supervisor"
#define SUPERVISOR_TTL_MS 5000

int cmd_ingestion(int argc, char **argv);
int cmd_parser(int argc, char **argv);
int cmd_extractor(int argc, char **argv);
int cmd_aggregation(int argc, char **argv);
int cmd_recommendation(int argc, char **argv);
int cmd_scheduler(int argc, char **argv);

/* The scheduler's start-up check: REPLAY_TICKERS, each ticker valid, at
 * least one when set (whether they are active symbols needs the
 * database), and in replay mode a REPLAY_DIR that holds the replay
 * files (replay_dir_check). Also run by `stonks config`. Returns 0, or
 * -1 with a message in err. */
int scheduler_check(const config *c, char *err, size_t errlen);

/* The replay's check against its data (read whole, so not part of
 * scheduler_check): REPLAY_START..REPLAY_END holds a trading day of the
 * replay data. Returns 0, or -1 with a message in err. */
int scheduler_replay_check(const config *c, char *err, size_t errlen);

/* The day a live tick at unix_s works on: New York's date, as the
 * pipeline's days are New York's (tstamp_news_day); a tick at 21:00 in
 * New York, 02:00 UTC of the next date, works on that evening's day. */
int32_t scheduler_live_day(long long unix_s);

/* The first day a live tick on day asks a ticker's news and bars from,
 * the ticker's last ingested day being last (-1: none). That day is read
 * again: news dated it can be published after its tick (with last + 1,
 * a second tick of a day queued jobs whose 'from' was after their
 * 'day', and the news of a day published after its first tick was never
 * read); documents are keyed, so nothing is stored twice. A ticker
 * never ingested, or last ingested more than lookback days ago (the
 * scheduler was down), starts lookback days back; a last day after day
 * (a clock set back) reads day alone. */
int32_t scheduler_live_from(int32_t last, int32_t day, int lookback);

/* Runs the worker of def after the usual start-up; shared by the
 * cmd_* functions above. */
struct worker_def;
int pipeline_run_worker(const struct worker_def *def, int argc, char **argv,
                        const char *usage);

#endif
