/*
 * objstore_cli: `stonks objstore put FILE | get KEY | head KEY` for
 * operators and tests: stores a file in the configured object store
 * (OBJECT_STORE=fs or s3) and prints its content-addressed key, writes
 * an object to stdout, or prints its size. Exit codes: 0 done, 1 the
 * object is missing or the store failed, 2 usage or configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "lib/log.h"
#include "lib/fileio.h"
#include "lib/objstore.h"
#include "services/cli.h"

#define OBJSTORE_CLI_MAX (256u << 20)

int cmd_objstore(int argc, char **argv);

static int run(objstore *s, const char *verb, const char *arg)
{
    char err[512], key[72];
    size_t len = 0;
    int rc = 1;

    if (strcmp(verb, "put") == 0) {
        size_t n = 0;
        char *data = file_read(arg, OBJSTORE_CLI_MAX, &n, err, sizeof(err));

        if (data && objstore_put(s, data, n, key, err, sizeof(err)) == 0) {
            printf("%s\n", key);
            rc = 0;
        }
        free(data);
    } else if (strcmp(verb, "get") == 0) {
        char *data =
            objstore_get(s, arg, OBJSTORE_CLI_MAX, &len, err, sizeof(err));

        if (data) {
            rc = fwrite(data, 1, len, stdout) == len ? 0 : 1;
            free(data);
        }
    } else {
        int have = objstore_head(s, arg, &len, err, sizeof(err));

        if (have == 1) {
            printf("%zu\n", len);
            rc = 0;
        } else if (have == 0) {
            snprintf(err, sizeof(err), "object %s not found", arg);
        }
    }
    if (rc)
        fprintf(stderr, "stonks objstore: %s\n", err);
    return rc;
}

int cmd_objstore(int argc, char **argv)
{
    config c;
    objstore *s;
    char err[512];
    int rc;

    if (cli_wants_help(argc, argv) || argc != 3 ||
        (strcmp(argv[1], "put") != 0 && strcmp(argv[1], "get") != 0 &&
         strcmp(argv[1], "head") != 0)) {
        printf("usage: stonks objstore put FILE | get KEY | head KEY\n"
               "  put: stores FILE, prints its key (sha256/<hex>)\n"
               "  get: writes the object to stdout\n"
               "  head: prints the object's size; exit 1 when missing\n");
        return cli_wants_help(argc, argv) ? 0 : 2;
    }
    if (cli_start_tool("objstore", &c) < 0)
        return 2;
    s = objstore_open(&c, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "stonks objstore: %s\n", err);
        config_release(&c);
        return 1;
    }
    rc = run(s, argv[1], argv[2]);
    objstore_close(s);
    config_release(&c);
    return rc;
}
