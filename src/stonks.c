/*
 * stonks: the one binary. `stonks <command> [options]` runs a service or
 * a one-shot command from the table below; `stonks --help` lists them
 * and `stonks <command> --help` explains one.
 */
#include <stdio.h>
#include <string.h>

#include "adapters/lake_store.h"
#include "adapters/provider.h"
#include "lib/config.h"
#include "lib/objstore.h"
#include "lib/version.h"
#include "services/admin.h"
#include "services/cli.h"
#include "services/demo.h"
#include "services/extract_model.h"
#include "services/lake.h"
#include "services/model_cli.h"
#include "services/pipeline.h"
#include "services/query_api.h"
#include "services/registry.h"
#include "services/trading.h"
#include "services/up.h"

int cmd_queue(int argc, char **argv);
int cmd_objstore(int argc, char **argv);
int cmd_backtest(int argc, char **argv);

/* A command reads its own arguments (ARGS), or takes none but --help
 * (NO_ARGS: main refuses any other, see cli_no_more_args). */
enum { NO_ARGS = 0, ARGS = 1 };

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    int args;
} command;

static int cmd_config(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const command commands[] = {
    {"migrate", cmd_migrate, "apply pending database migrations", NO_ARGS},
    {"seed", cmd_seed, "load the watchlist (symbols, names, aliases)", ARGS},
    {"scheduler", cmd_scheduler, "service: drive the replay or live clock",
     NO_ARGS},
    {"ingestion", cmd_ingestion, "service: fetch bars and news", NO_ARGS},
    {"parser", cmd_parser, "service: clean text, find tickers", NO_ARGS},
    {"extractor", cmd_extractor, "service: one signal per document+ticker",
     NO_ARGS},
    {"extract-once", cmd_extract_once, "run the signal model on one text",
     ARGS},
    {"aggregation", cmd_aggregation, "service: per-ticker features", NO_ARGS},
    {"recommendation", cmd_recommendation, "service: BUY / SELL / HOLD",
     NO_ARGS},
    {"query-api", cmd_query_api, "service: the read API (HTTP)", NO_ARGS},
    {"symbol-registry", cmd_symbol_registry,
     "service: the watchlist API (HTTP)", NO_ARGS},
    {"trading-engine", cmd_trading_engine, "service: orders from decisions",
     NO_ARGS},
    {"risk-engine", cmd_risk_engine, "service: the risk gate (HTTP)", NO_ARGS},
    {"broker-adapter", cmd_broker_adapter, "service: orders to the broker",
     NO_ARGS},
    {"portfolio", cmd_portfolio, "print orders, positions, cash and P&L",
     NO_ARGS},
    {"demo", cmd_demo, "replay the bundled data through the services", ARGS},
    {"up", cmd_up, "the whole stack on one machine, with the dashboard", ARGS},
    {"report", cmd_report, "print the per-ticker table", NO_ARGS},
    {"queue", cmd_queue, "queue stats, dead letters, retry", ARGS},
    {"objstore", cmd_objstore, "put, get or head a raw payload object", ARGS},
    {"train", cmd_train, "train the embedded sentiment model", ARGS},
    {"eval", cmd_eval, "score the sentiment model on labelled sentences", ARGS},
    {"backtest", cmd_backtest, "replay history in one process: report", ARGS},
    {"lake-publisher", cmd_lake_publisher,
     "service: Parquet lake from the database", ARGS},
    {"sql", cmd_sql, "run one SELECT over the Parquet lake", ARGS},
    {"config", cmd_config, "check the settings, or print them (--markdown)",
     ARGS},
    {"version", cmd_version, "print the version (also: stonks --version)",
     NO_ARGS},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The start-up checks of the services that `stonks config` runs too. */
static int (*const checks[])(const config *, char *, size_t) = {
    trading_mode_check, extract_model_check, provider_check,
    objstore_check,     lake_store_check,    scheduler_check,
};

#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

static int cmd_config(int argc, char **argv)
{
    config c;
    char err[512];

    int markdown = argc > 1 && strcmp(argv[1], "--markdown") == 0;

    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks config [--markdown]\n  Validates the "
               "settings in the environment, or prints their table.\n");
        return 0;
    }
    if (markdown && argc > 2 && strcmp(argv[2], "--markdown") == 0) {
        fprintf(stderr, "stonks config: --markdown is given twice\n");
        return 2;
    }
    if (cli_no_more_args("config", argc, argv, markdown ? 2 : 1))
        return 2;
    if (markdown) {
        config_print_markdown();
        return 0;
    }
    if (config_load(&c, err, sizeof(err)) < 0) {
        fprintf(stderr, "stonks config: %s\n", err);
        return 2;
    }
    /* What the services check at start-up, by the same functions. */
    for (size_t i = 0; i < NCHECKS; i++)
        if (checks[i](&c, err, sizeof(err)) < 0) {
            fprintf(stderr, "stonks config: %s\n", err);
            config_release(&c);
            return 2;
        }
    config_release(&c);
    printf("configuration ok\n");
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks version (or stonks --version)\n  Prints "
               "\"stonks VERSION\".\n");
        return 0;
    }
    printf("stonks %s\n", STONKS_VERSION);
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: stonks <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-15s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n`stonks <command> --help` explains one command. "
                 "Settings come from the\nenvironment: "
                 "`stonks config --markdown` lists them.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        if (cli_no_more_args("--version", argc - 1, argv + 1, 1))
            return 2;
        return cmd_version(argc - 1, argv + 1);
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            if (commands[i].args == NO_ARGS &&
                cli_no_more_args(argv[1], argc - 1, argv + 1, 1))
                return 2;
            return commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "stonks: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
