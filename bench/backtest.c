/*
 * backtest: speed of `stonks backtest` on the bundled data (2011H2, 40
 * tickers, the settings' defaults, 10 null-model runs), on one thread.
 * Each round does the whole job but writing files: read the replay
 * files, the watchlist and the model, build the documents and signals,
 * run the strategy, buy-and-hold and the null model. It prints the
 * median round (process CPU time, so that other work on a shared
 * machine weighs less), its parts, and the rates
 *   days_per_second N        trading sessions simulated per second
 *   documents_per_second N   distinct articles turned into signals
 *   bars_per_second N        daily price bars read and used
 * Options: --rounds N (7), --null-runs N (10).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/xalloc.h"
#include "services/backtest.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

int main(int argc, char **argv)
{
    int rounds = 7, nulls = 10;
    double *cpu, *wall, *load, *sig, *sim;
    size_t days = 0, docs = 0, bars = 0;
    char err[512];

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--null-runs") == 0)
            nulls = atoi(argv[i + 1]);
    }
    if (rounds < 1 || rounds > 1000 || nulls < 0 || nulls > 1000) {
        fprintf(stderr, "usage: backtest [--rounds N] [--null-runs N]\n");
        return 2;
    }
    log_init("bench-backtest", LOG_LEVEL_WARN);
    cpu = xcalloc((size_t)rounds, sizeof(double));
    wall = xcalloc((size_t)rounds, sizeof(double));
    load = xcalloc((size_t)rounds, sizeof(double));
    sig = xcalloc((size_t)rounds, sizeof(double));
    sim = xcalloc((size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        double w0 = clock_s(CLOCK_MONOTONIC);
        bt_options o;
        bt_world w;
        bt_outcome out;

        if (bt_options_default(&o, err, sizeof(err)) < 0 ||
            bt_world_load(&w, &o, err, sizeof(err)) < 0) {
            fprintf(stderr, "bench backtest: %s\n", err);
            return 1;
        }
        o.null_runs = nulls;
        bt_simulate(&w, &o, &out, NULL, NULL);
        cpu[r] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        wall[r] = clock_s(CLOCK_MONOTONIC) - w0;
        load[r] = w.load_seconds;
        sig[r] = w.signal_seconds;
        sim[r] = out.sim_seconds;
        days = w.nsessions;
        docs = w.sigs.ndocs;
        bars = w.nbars;
        bt_outcome_release(&out);
        bt_world_release(&w);
        bt_options_release(&o);
    }
    {
        double c = median(cpu, rounds);

        printf("rounds %d\nnull_runs %d\n", rounds, nulls);
        printf("sessions %zu\ndocuments %zu\nbars %zu\n", days, docs, bars);
        printf("seconds_cpu_median %.3f\nseconds_wall_median %.3f\n", c,
               median(wall, rounds));
        printf("seconds_load %.3f\nseconds_signals %.3f\n"
               "seconds_simulation %.3f\n",
               median(load, rounds), median(sig, rounds), median(sim, rounds));
        printf("days_per_second %.0f\n", (double)days / c);
        printf("documents_per_second %.0f\n", (double)docs / c);
        printf("bars_per_second %.0f\n", (double)bars / c);
    }
    free(cpu);
    free(wall);
    free(load);
    free(sig);
    free(sim);
    return 0;
}
