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

/* Whether ticker is a row of the file not written yet. */
static int still_to_write(const watchlist_entry *rows, long n, const char *done,
                          const char *ticker)
{
    for (long i = 0; i < n; i++)
        if (!done[i] && strcmp(rows[i].s.ticker, ticker) == 0)
            return 1;
    return 0;
}

/* Writes the rows in passes. A row that clashes with what a later row
 * of the file holds now waits for the next pass, since that row may
 * release it (an alias moving from one symbol to another: the file
 * lists both, and the giving row replaces its list). A clash with a
 * symbol the file does not list, or a pass that writes nothing, is a
 * 409 with that row's clash (the pass's first). The file itself is free
 * of clashes (watchlist_parse). done[i] marks the rows written;
 * counts[outcome] counts them. Returns 0, or -1 after the error answer.
 */
static int write_rows(api_call *c, db *d, const watchlist_entry *rows, long n,
                      char *done, long *counts)
{
    long left = n, tries = 0;

    while (left > 0) {
        char first[512] = "";
        long wrote = 0;

        for (long i = 0; i < n; i++) {
            char where[32], msg[512], holder[TICKER_MAX] = "";
            int outcome, rc;

            if (done[i])
                continue;
            if (reg_bulk_step(d, tries++) != DB_OK) {
                reg_db_error(c, d, "cannot update the registry's statistics");
                return -1;
            }
            snprintf(where, sizeof(where), "line %d: ", rows[i].line);
            rc = reg_store(d, &rows[i].s, REG_ALIASES_REPLACE, "import", where,
                           c->req->request_id, &outcome, msg, sizeof(msg));
            if (rc < 0) {
                reg_db_error(c, d, msg);
                return -1;
            }
            /* whose it is: asked again only for a row that clashes */
            if (rc == 1 && reg_conflict(d, &rows[i].s, where, msg, sizeof(msg),
                                        holder) < 0) {
                reg_db_error(c, d, "cannot check the registry");
                return -1;
            }
            if (rc == 0) {
                done[i] = 1;
                counts[outcome]++;
                wrote++;
            } else if (!still_to_write(rows, n, done, holder)) {
                api_error(c, 409, "conflict", "%s", msg);
                return -1;
            } else if (!first[0]) {
                snprintf(first, sizeof(first), "%s", msg);
            }
        }
        if (!wrote) {
            api_error(c, 409, "conflict", "%s", first);
            return -1;
        }
        left -= wrote;
    }
    return 0;
}

void registry_import(api_call *c)
{
    watchlist_entry *rows = NULL;
    long n, counts[3] = {0, 0, 0};
    char err[512];
    db *d = NULL;
    char *done = NULL;
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
    done = xcalloc((size_t)n + 1, 1);
    if (write_rows(c, d, rows, n, done, counts) < 0)
        goto out;
    if (reg_commit(c, d) < 0)
        goto out;
    ok = 1;
    buf_addf(&c->res->body,
             "{\"created\":%ld,\"updated\":%ld,\"unchanged\":%ld}",
             counts[REG_CREATED], counts[REG_UPDATED], counts[REG_UNCHANGED]);
out:
    if (d && !ok)
        db_rollback(d);
    free(done);
    watchlist_free(rows, n);
}
