/*
 * queue_cli: `stonks queue stats | dead <queue> | retry <queue>` for
 * operators: depths, jobs in flight and dead letters of every queue,
 * the dead letters of one queue as JSON, and putting them back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/queue.h"
#include "lib/worker.h"
#include "services/cli.h"
#include "services/pipeline.h"

static const char *const all_queues[] = {
    Q_INGESTION,      Q_PARSING,           Q_EXTRACTION,    Q_AGGREGATION,
    Q_RECOMMENDATION, "trading_decisions", "broker_orders", "lake_publish"};

static int known_queue(const char *name)
{
    for (size_t i = 0; i < sizeof(all_queues) / sizeof(*all_queues); i++)
        if (strcmp(all_queues[i], name) == 0)
            return 1;
    return 0;
}

static int print_stats(queue_client *q)
{
    printf("%-18s %10s %10s %10s\n", "queue", "depth", "in_flight", "dead");
    for (size_t i = 0; i < sizeof(all_queues) / sizeof(*all_queues); i++) {
        queue_stats st;

        if (queue_stats_get(q, all_queues[i], &st) < 0) {
            fprintf(stderr, "stonks queue: %s\n", queue_error(q));
            return 1;
        }
        printf("%-18s %10lld %10lld %10lld\n", all_queues[i], st.depth,
               st.in_flight, st.dead);
    }
    return 0;
}

/* Dead letters `stonks queue dead` prints, newest first. */
#define DEAD_SHOWN 1000

int cmd_queue(int argc, char **argv)
{
    config c;
    queue_client *q;
    char err[512], consumer[128];
    int rc = 0;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        printf("usage: stonks queue stats\n"
               "       stonks queue dead <queue>   list dead letters (JSON)\n"
               "       stonks queue retry <queue>  put them back\n");
        return argc < 2 ? 2 : 0;
    }
    if ((strcmp(argv[1], "dead") == 0 || strcmp(argv[1], "retry") == 0) &&
        (argc < 3 || !known_queue(argv[2]))) {
        fprintf(stderr,
                "stonks queue %s: name one of the queues listed by "
                "`stonks queue stats`\n",
                argv[1]);
        return 2;
    }
    /* stats takes no argument, dead and retry one queue */
    if (cli_no_more_args("queue", argc, argv,
                         strcmp(argv[1], "stats") == 0 ? 2 : 3))
        return 2;
    if (cli_start_tool("queue", &c) < 0)
        return 2;
    worker_consumer_name("queue-cli", consumer, sizeof(consumer));
    q = queue_open(&c, consumer, err, sizeof(err));
    if (!q) {
        fprintf(stderr, "stonks queue: %s\n", err);
        config_release(&c);
        return 1;
    }
    if (strcmp(argv[1], "stats") == 0) {
        rc = print_stats(q);
    } else if (strcmp(argv[1], "dead") == 0) {
        char *list = queue_dead_list(q, argv[2], DEAD_SHOWN);
        queue_stats st;

        if (list)
            printf("%s\n", list);
        else
            fprintf(stderr, "stonks queue: %s\n", queue_error(q));
        /* the list is cut: say so, or the rest would pass unseen */
        if (list && queue_stats_get(q, argv[2], &st) == 0 &&
            st.dead > DEAD_SHOWN)
            fprintf(stderr,
                    "stonks queue dead: the newest %d of %lld dead letters "
                    "shown\n",
                    DEAD_SHOWN, st.dead);
        rc = list ? 0 : 1;
        free(list);
    } else if (strcmp(argv[1], "retry") == 0) {
        long moved = 0, kept = 0;

        if (queue_dead_retry(q, argv[2], &moved, &kept) < 0) {
            /* the error alone; what was moved before it, in its line */
            if (moved)
                fprintf(stderr,
                        "stonks queue: %s (after %ld job(s) moved back to "
                        "%s)\n",
                        queue_error(q), moved, argv[2]);
            else
                fprintf(stderr, "stonks queue: %s\n", queue_error(q));
            rc = 1;
        } else {
            printf("%ld job(s) moved back to %s\n", moved, argv[2]);
            if (kept)
                fprintf(stderr,
                        "stonks queue retry: %ld left in the dead letters: "
                        "their payload was cut (over %u bytes) or missing, "
                        "or they are no record of ours, so no worker could "
                        "take them\n",
                        kept, QUEUE_MAX_PAYLOAD);
        }
    } else {
        fprintf(stderr, "stonks queue: unknown subcommand '%s'\n", argv[1]);
        rc = 2;
    }
    queue_close(q);
    config_release(&c);
    return rc;
}
