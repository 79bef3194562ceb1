#include "services/watchlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

static char *field(const csv_line *l, int i)
{
    return reg_trim(xstrndup(l->field[i], l->len[i]));
}

int watchlist_row(const csv_line *l, reg_symbol *s, char *err, size_t errlen)
{
    char *ticker = field(l, 0), *aliases = field(l, 3), *save = NULL;
    int rc = -1;

    s->name = field(l, 1);
    s->sector = field(l, 2);
    s->active = 1;
    s->has_aliases = 1;
    s->has_alt = 1;
    if (ticker_normalize(ticker, strlen(ticker), s->ticker) < 0) {
        snprintf(
            err, errlen,
            "the ticker is not valid: 1-10 letters or digits, with an optional "
            "class of 1-4 after '.', '-' or '/' (BRK.B)");
        goto out;
    }
    if (reg_check_name("the name", s->name, 1, REG_NAME_MAX, err, errlen) < 0 ||
        reg_check_text("the sector", s->sector, 0, REG_SECTOR_MAX, err,
                       errlen) < 0)
        goto out;
    for (char *a = strtok_r(aliases, "|", &save); a;
         a = strtok_r(NULL, "|", &save)) {
        reg_trim(a);
        if (a[0] == '$' ? reg_add_alt(s, a + 1, err, errlen) < 0
                        : reg_add_alias(s, a, err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    free(ticker);
    free(aliases);
    return rc;
}
