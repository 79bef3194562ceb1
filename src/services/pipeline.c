#include "services/pipeline.h"

#include <stdio.h>

#include "lib/worker.h"
#include "services/cli.h"

int pipeline_run_worker(const worker_def *def, int argc, char **argv,
                        const char *usage)
{
    config c;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    if (cli_start(def->service, &c) < 0)
        return 2;
    rc = worker_run(def, &c);
    config_release(&c);
    return rc;
}
