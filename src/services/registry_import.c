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

/* A row of an import by its ticker, for row_of. */
typedef struct row_key {
    const char *ticker;
    long row;
} row_key;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const row_key *)a)->ticker, ((const row_key *)b)->ticker);
}

/* The row whose ticker is t in keys (n, sorted by cmp_key), or -1. */
static long row_of(const row_key *keys, long n, const char *t)
{
    row_key k = {t, -1};
    const row_key *hit = bsearch(&k, keys, (size_t)n, sizeof(k), cmp_key);

    return hit ? hit->row : -1;
}

/* Writes the rows of the file. A row that clashes with what another
 * row of the file holds now waits while that row is written first
 * (depth first, on a stack), since it may release it: an alias moving
 * from one symbol to another, the file listing both and the giving row
 * replacing its list. A clash with a symbol the file does not list,
 * with a row already written, or around a circle of rows (two symbols
 * swapping an alias) is a 409 naming the waiting row. Each row is tried
 * at most once more than the rows it waits for, so an import of n rows
 * runs at most 2n conflict checks. The file itself is free of clashes
 * (watchlist_parse). counts[outcome] counts the rows written. Returns
 * 0, or -1 after the error answer. */
static int write_rows(api_call *c, db *d, const watchlist_entry *rows, long n,
                      long *counts)
{
    row_key *keys = xcalloc((size_t)n + 1, sizeof(*keys));
    long *stack = xcalloc((size_t)n + 1, sizeof(long)), top = 0, tries = 0;
    char *state = xcalloc((size_t)n + 1, 1); /* 0 new, 1 stacked, 2 done */
    int rc = 0;

    for (long i = 0; i < n; i++)
        keys[i] = (row_key){rows[i].s.ticker, i};
    qsort(keys, (size_t)n, sizeof(*keys), cmp_key);
    for (long i = 0; i < n && !rc; i++) {
        if (state[i])
            continue;
        stack[top++] = i;
        state[i] = 1;
        while (top > 0 && !rc) {
            long j = stack[top - 1], h;
            char where[32], msg[512], holder[TICKER_MAX];
            int outcome;

            if (reg_bulk_step(d, tries++) != DB_OK) {
                reg_db_error(c, d, "cannot update the registry's statistics");
                rc = -1;
                break;
            }
            snprintf(where, sizeof(where), "line %d: ", rows[j].line);
            switch (reg_store(d, &rows[j].s, REG_ALIASES_REPLACE, "import",
                              where, c->req->request_id, &outcome, msg,
                              sizeof(msg), holder)) {
            case 0:
                state[j] = 2;
                counts[outcome]++;
                top--;
                continue;
            case 1:
                h = holder[0] ? row_of(keys, n, holder) : -1;
                if (h >= 0 && state[h] == 0) {
                    stack[top++] = h;
                    state[h] = 1;
                    continue;
                }
                api_error(c, 409, "conflict", "%s", msg);
                break;
            default:
                reg_db_error(c, d, msg);
                break;
            }
            rc = -1;
        }
    }
    free(state);
    free(stack);
    free(keys);
    return rc;
}

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
    if (write_rows(c, d, rows, n, counts) < 0)
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
    watchlist_free(rows, n);
}
