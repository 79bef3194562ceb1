/*
 * registry_import: POST /symbols/import, the watchlist as CSV in the
 * format of data/watchlist.csv (ticker,name,sector,aliases; aliases
 * separated by '|', "$X" an alternative ticker). The whole file is
 * checked before anything is written, then written in one transaction:
 * any conflict leaves the registry as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "services/registry.h"
#include "services/watchlist.h"

void registry_import(api_call *c)
{
    watchlist_entry *rows = NULL;
    long n, counts[3] = {0, 0, 0};
    char err[512];
    db *d = NULL;
    int ok = 0,
        got = http_media_type(http_request_header(c->req, "Content-Type"),
                              "text/csv", err, sizeof(err));

    if (got <= 0) {
        http_refuse_media(c->req, c->res, "text/csv", got, err);
        return;
    }
    n = watchlist_parse(c->req->body, c->req->body_len, NULL, &rows, err,
                        sizeof(err));
    if (n < 0) {
        api_error(c, 400, "invalid_csv", "%s", err);
        return;
    }
    d = reg_begin(c);
    if (!d)
        goto out;
    for (long i = 0; i < n; i++) {
        char where[32];
        int outcome;

        snprintf(where, sizeof(where), "line %d: ", rows[i].line);
        if (reg_bulk_step(d, i) != DB_OK) {
            reg_db_error(c, d, "cannot update the registry's statistics");
            goto out;
        }
        if (reg_write(c, d, &rows[i].s, "import", where, &outcome) < 0)
            goto out;
        counts[outcome]++;
    }
    if (reg_commit(c, d) < 0)
        goto out;
    ok = 1;
    buf_addf(&c->res->body,
             "{\"created\":%ld,\"updated\":%ld,\"unchanged\":%ld}",
             counts[REG_CREATED], counts[REG_UPDATED], counts[REG_UNCHANGED]);
out:
    if (d && !ok)
        db_rollback(d);
    watchlist_free(rows, n);
}
