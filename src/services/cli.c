#include "services/cli.h"

#include <stdio.h>
#include <string.h>

#include "lib/log.h"

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int cli_no_more_args(const char *cmd, int argc, char **argv, int first)
{
    if (cli_wants_help(argc, argv) || first >= argc)
        return 0;
    fprintf(stderr, "stonks %s: unknown argument '%s' (see --help)\n", cmd,
            argv[first]);
    return 2;
}

int cli_given_before(char **argv, int i, int *seen, int *n)
{
    for (int k = 0; k < *n; k++)
        if (strcmp(argv[seen[k]], argv[i]) == 0)
            return 1;
    seen[(*n)++] = i;
    return 0;
}

static int start(const char *service, config *c, int as_service)
{
    char err[512];

    log_init(service, LOG_LEVEL_INFO);
    if (config_load(c, err, sizeof(err)) < 0) {
        if (as_service)
            LOG_ERROR("invalid configuration", LF_S("error", err));
        fprintf(stderr, "stonks %s: %s\n", service, err);
        return -1;
    }
    log_init(service, (log_level)log_level_parse(c->log_level));
    return 0;
}

int cli_start(const char *service, config *c)
{
    return start(service, c, 1);
}

int cli_start_tool(const char *command, config *c)
{
    return start(command, c, 0);
}
