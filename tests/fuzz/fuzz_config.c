/*
 * libFuzzer harness: configuration values. Each input line is NAME=VALUE
 * put in the environment (for the names of the settings table); then the
 * production loader validates them all.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xstrndup((const char *)data, size);
    char *save = NULL, err[512];
    config c;

    clearenv();
    for (char *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');

        if (!eq || eq == line)
            continue;
        *eq = '\0';
        setenv(line, eq + 1, 1);
    }
    if (config_load(&c, err, sizeof(err)) == 0)
        config_release(&c);
    free(text);
    return 0;
}
