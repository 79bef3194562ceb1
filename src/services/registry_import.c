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
#include <strings.h>

#include "lib/xalloc.h"
#include "services/registry.h"
#include "services/watchlist.h"

#define IMPORT_MAX_ROWS 5000

typedef struct import_row {
    reg_symbol s;
    int line;
} import_row;

static int media_is_csv(const char *ct)
{
    return ct && strncasecmp(ct, "text/csv", 8) == 0 &&
           (ct[8] == '\0' || ct[8] == ';' || ct[8] == ' ');
}

/* Splits the body into rows. Returns the number of rows, or -1 after
 * the error answer. */
static long parse_csv(api_call *c, import_row **rows)
{
    const char *text = c->req->body;
    size_t len = c->req->body_len, pos = 0;
    char *scratch = xmalloc(len + 1);
    long n = 0;
    int lineno = 0, header = 0;
    char err[256];

    *rows = NULL;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        csv_line l;

        pos += ll + (nl ? 1 : 0);
        lineno++;
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            continue;
        if (memchr(line, '\0', ll)) {
            api_error(c, 400, "invalid_csv",
                      "line %d: contains a NUL byte; send UTF-8 text", lineno);
            goto fail;
        }
        if (csv_split(line, ll, scratch, &l) != 4) {
            api_error(c, 400, "invalid_csv",
                      "line %d: expected 4 fields (ticker,name,sector,aliases)",
                      lineno);
            goto fail;
        }
        if (!header++) {
            if (l.len[0] != 6 || strncasecmp(l.field[0], "ticker", 6) ||
                l.len[1] != 4 || strncasecmp(l.field[1], "name", 4) ||
                l.len[2] != 6 || strncasecmp(l.field[2], "sector", 6) ||
                l.len[3] != 7 || strncasecmp(l.field[3], "aliases", 7)) {
                api_error(c, 400, "invalid_csv",
                          "line %d: the first line must be the header "
                          "ticker,name,sector,aliases",
                          lineno);
                goto fail;
            }
            continue;
        }
        if (n == IMPORT_MAX_ROWS) {
            api_error(c, 400, "invalid_csv", "more than %d rows",
                      IMPORT_MAX_ROWS);
            goto fail;
        }
        *rows = xreallocarray(*rows, (size_t)n + 1, sizeof(**rows));
        reg_symbol_init(&(*rows)[n].s);
        (*rows)[n].line = lineno;
        if (watchlist_row(&l, &(*rows)[n++].s, err, sizeof(err)) < 0) {
            api_error(c, 400, "invalid_csv", "line %d: %s", lineno, err);
            goto fail;
        }
        for (long k = 0; k < n - 1; k++)
            if (strcmp((*rows)[k].s.ticker, (*rows)[n - 1].s.ticker) == 0) {
                api_error(c, 400, "invalid_csv",
                          "line %d: %s is also on line %d", lineno,
                          (*rows)[n - 1].s.ticker, (*rows)[k].line);
                goto fail;
            }
    }
    free(scratch);
    if (n == 0) {
        api_error(
            c, 400, "invalid_csv",
            "no rows: send the header ticker,name,sector,aliases and one line "
            "per symbol");
        return -1;
    }
    return n;
fail:
    free(scratch);
    for (long k = 0; k < n; k++)
        reg_symbol_release(&(*rows)[k].s);
    free(*rows);
    *rows = NULL;
    return -1;
}

void registry_import(api_call *c)
{
    import_row *rows = NULL;
    long n, counts[3] = {0, 0, 0};
    db *d = NULL;
    int ok = 0;

    if (!media_is_csv(http_request_header(c->req, "Content-Type"))) {
        api_error(c, 415, "unsupported_media_type",
                  "send the body as Content-Type: text/csv");
        return;
    }
    n = parse_csv(c, &rows);
    if (n < 0)
        return;
    d = reg_begin(c);
    if (!d)
        goto out;
    for (long i = 0; i < n; i++) {
        char where[32];
        int outcome;

        snprintf(where, sizeof(where), "line %d: ", rows[i].line);
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
    for (long k = 0; k < n; k++)
        reg_symbol_release(&rows[k].s);
    free(rows);
}
