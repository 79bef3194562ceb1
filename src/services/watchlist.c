#include "services/watchlist.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/mention.h"
#include "domain/text.h"
#include "domain/ticker.h"
#include "lib/fileio.h"
#include "lib/xalloc.h"

#define WATCHLIST_MAX_BYTES (4u << 20)

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

static const char *const header_names[] = {"ticker", "name", "sector",
                                           "aliases"};

/* The first field of l (4 fields) that is not its name of
 * WATCHLIST_HEADER, in any case and between any spaces or tabs (a
 * spreadsheet's " ticker , name "), from 0; 4 when l is the header. */
static int header_mismatch(const csv_line *l)
{
    for (int i = 0; i < 4; i++) {
        const char *f = l->field[i];
        size_t n = l->len[i];

        while (n && (*f == ' ' || *f == '\t')) {
            f++;
            n--;
        }
        while (n && (f[n - 1] == ' ' || f[n - 1] == '\t'))
            n--;
        if (n != strlen(header_names[i]) ||
            strncasecmp(f, header_names[i], n) != 0)
            return i;
    }
    return 4;
}

/*
 * Conflicts between rows, as the registry's own check (registry.c,
 * reg_conflict) finds them against stored symbols: a name or alias
 * of two symbols, compared as the mention parser reads them
 * (mention_phrase_key: "Apple Inc." is "apple inc"); an alternative ticker of
 * two, or one that is a symbol; an alias written as another row's
 * ticker or alternative ticker. Keys are sorted, so a file of many rows and
 * aliases costs n log n; the conflict reported is the first by line.
 */
typedef struct wl_key {
    const char *text;
    char *key; /* mention_phrase_key of a name or alias, else NULL */
    int kind; /* names: K_NAME, K_ALIAS; tickers: K_SYMBOL, K_ALT */
    const watchlist_entry *row;
    size_t at; /* place in the file: line, then order in the line */
    int possessive; /* key: the name or alias without its possessive 's */
} wl_key;

enum { K_NAME, K_ALIAS, K_SYMBOL, K_ALT };

/* Names apart from tickers; then by text (names by their key); then
 * by place in the file. */
static int same_text(const wl_key *x, const wl_key *y)
{
    if ((x->kind >= K_SYMBOL) != (y->kind >= K_SYMBOL))
        return (x->kind >= K_SYMBOL) - (y->kind >= K_SYMBOL);
    return x->kind >= K_SYMBOL ? strcmp(x->text, y->text)
                               : strcmp(x->key, y->key);
}

static int cmp_key(const void *a, const void *b)
{
    const wl_key *x = a, *y = b;
    int c = same_text(x, y);

    if (c)
        return c;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* The message of key k against the group's first key f, or NULL when
 * they do not conflict. */
static const char *clash(const wl_key *f, const wl_key *k, char *out,
                         size_t cap)
{
    const char *t = f->row->s.ticker;
    static const char *const what[] = {"name", "alias"};

    if (k->kind < K_SYMBOL) {
        /* (two possessives of one phrase clash by their own keys) */
        if (f->row == k->row || (f->possessive && k->possessive))
            return NULL;
        if (f->possessive != k->possessive)
            reg_possessive_msg(out, cap, "", what[k->kind], k->text, t,
                               what[f->kind], f->text);
        else /* as the registry says it: a name as stored, an alias as
              * given */
            snprintf(out, cap, "the %s '%s' is already %s %s of %s",
                     what[k->kind], k->kind == K_NAME ? f->text : k->text,
                     f->kind == K_NAME ? "the" : "an", what[f->kind], t);
    } else if (k->kind == K_ALT && f->kind == K_SYMBOL)
        snprintf(out, cap, "the alternative ticker %s is a symbol itself",
                 k->text);
    else if (k->kind == K_ALT && f->row != k->row)
        snprintf(out, cap, "the alternative ticker %s already belongs to %s",
                 k->text, t);
    else if (k->kind == K_SYMBOL)
        snprintf(out, cap, "%s is already an alternative ticker of %s", k->text,
                 t);
    else
        return NULL;
    return out;
}

/* The first key of kind K_SYMBOL or K_ALT whose ticker is text, of a
 * row other than row, or NULL; k[0..nk) is sorted by cmp_key. */
static const wl_key *ticker_key(const wl_key *k, size_t nk, const char *text,
                                int kind, const watchlist_entry *row)
{
    const wl_key probe = {text, NULL, K_SYMBOL, NULL, 0, 0};
    size_t lo = 0, hi = nk;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cmp_key(&k[mid], &probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < nk && same_text(&k[lo], &probe) == 0; lo++)
        if (k[lo].kind == kind && k[lo].row != row)
            return &k[lo];
    return NULL;
}

#define LATER(x, y) ((x)->at > (y)->at ? (x)->at : (y)->at)

/* The later of name or alias key a and the key of another row's ticker
 * or alternative ticker it is written as ("BRK-B" for BRK.B, "GOOG" for
 * GOOGL's $GOOG), the earlier clash of the two, with the registry's
 * message in out; NULL when there is none. Such a name or alias would
 * never count: the parser reads it as that ticker. */
static const wl_key *alias_clash(const wl_key *k, size_t nk, const wl_key *a,
                                 char *out, size_t cap)
{
    char canon[TICKER_MAX];
    const wl_key *sym = NULL, *alt = NULL;
    const char *what = a->kind == K_NAME ? "name" : "alias";
    const char *as = a->kind == K_NAME ? "the name" : "an alias";

    /* (or in capitals: a ticker APPLE takes "APPLE" from "Apple"; or
     * with a possessive: "IBM's" would take IBM's mentions so written) */
    if (mention_phrase_any_symbol(a->text, canon)) {
        sym = ticker_key(k, nk, canon, K_SYMBOL, a->row);
        alt = ticker_key(k, nk, canon, K_ALT, a->row);
    }

    if (alt && (!sym || LATER(alt, a) < LATER(sym, a))) {
        if (alt->at < a->at) {
            snprintf(out, cap,
                     "the %s '%s' is already an alternative ticker of %s", what,
                     a->text, alt->row->s.ticker);
            return a;
        }
        snprintf(out, cap, "the alternative ticker %s is already %s of %s",
                 alt->text, as, a->row->s.ticker);
        return alt;
    }
    if (!sym)
        return NULL;
    if (sym->at < a->at) {
        snprintf(out, cap, "the %s '%s' is a symbol itself", what, a->text);
        return a;
    }
    snprintf(out, cap, "%s is already %s of %s", sym->text, as,
             a->row->s.ticker);
    return sym;
}
#undef LATER

/* 0, or -1 with "WHERE: message" of the first conflict in err. */
static int rows_conflict(const watchlist_entry *rows, long n, const char *file,
                         char *err, size_t errlen)
{
    size_t nk = 0, cap = 0, best_at = SIZE_MAX;
    wl_key *k = NULL;
    char msg[400], best[400] = "";
    int best_line = 0;

    for (long i = 0; i < n; i++) {
        const reg_symbol *s = &rows[i].s;
        size_t need = nk + 3 + 2 * s->naliases + s->nalt, o = 0;
        char *base;

        if (need > cap) {
            cap = need * 2;
            k = xreallocarray(k, cap, sizeof(*k));
        }
#define KEY(t, kt, kd, p)                                                      \
    (k[nk++] = (wl_key){(t), (kt), (kd), &rows[i],                             \
                        (size_t)rows[i].line * 1000 + o++, (p)})
        /* a name or alias with a possessive 's also under the key of
         * the phrase without it (registry.c's SQL_CONFLICT says why) */
        KEY(s->name, mention_phrase_key(s->name), K_NAME, 0);
        if ((base = mention_phrase_base_key(s->name)))
            KEY(s->name, base, K_NAME, 1);
        for (size_t a = 0; a < s->naliases; a++) {
            KEY(s->aliases[a], mention_phrase_key(s->aliases[a]), K_ALIAS, 0);
            if ((base = mention_phrase_base_key(s->aliases[a])))
                KEY(s->aliases[a], base, K_ALIAS, 1);
        }
        KEY(s->ticker, NULL, K_SYMBOL, 0);
        for (size_t a = 0; a < s->nalt; a++)
            KEY(s->alt[a], NULL, K_ALT, 0);
#undef KEY
    }
    xqsort(k, nk, sizeof(*k), cmp_key);
    for (size_t i = 0, g = 0; i < nk; i++) {
        if (same_text(&k[g], &k[i]) != 0)
            g = i; /* a new group; its first key is the owner */
        else if (i != g && k[i].at < best_at &&
                 clash(&k[g], &k[i], msg, sizeof(msg))) {
            best_at = k[i].at;
            best_line = k[i].row->line;
            snprintf(best, sizeof(best), "%s", msg);
        }
    }
    for (size_t i = 0; i < nk; i++) {
        const wl_key *at =
            (k[i].kind == K_ALIAS || k[i].kind == K_NAME) && !k[i].possessive
                ? alias_clash(k, nk, &k[i], msg, sizeof(msg))
                : NULL;

        if (at && at->at < best_at) {
            best_at = at->at;
            best_line = at->row->line;
            snprintf(best, sizeof(best), "%s", msg);
        }
    }
    for (size_t i = 0; i < nk; i++)
        free(k[i].key);
    free(k);
    if (!best[0])
        return 0;
    if (file)
        snprintf(err, errlen, "%.256s:%d: %s", file, best_line, best);
    else
        snprintf(err, errlen, "line %d: %s", best_line, best);
    return -1;
}

long watchlist_parse(const char *text, size_t len, const char *file,
                     watchlist_entry **rows, char *err, size_t errlen)
{
    size_t pos = 0;
    char *scratch = xmalloc(len + 1);
    long n = 0;
    int lineno = 0, header = 0;
    char where[300], msg[400];

    *rows = NULL;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - line) : len - pos;
        csv_line l;
        int nf;
        watchlist_entry *e;

        pos += ll + (nl ? 1 : 0);
        lineno++;
        if (ll && line[ll - 1] == '\r')
            ll--;
        {
            size_t k = 0; /* blank, or spaces and tabs only */

            while (k < ll && (line[k] == ' ' || line[k] == '\t'))
                k++;
            if (k == ll)
                continue;
        }
        if (file)
            snprintf(where, sizeof(where), "%.256s:%d: ", file, lineno);
        else
            snprintf(where, sizeof(where), "line %d: ", lineno);
        if (memchr(line, '\0', ll)) {
            snprintf(err, errlen, "%scontains a NUL byte; send UTF-8 text",
                     where);
            goto fail;
        }
        /* (a file of old Mac line ends reads as one line) */
        if (memchr(line, '\r', ll)) {
            snprintf(err, errlen,
                     "%sa carriage return that ends no line: end lines with "
                     "\\n or \\r\\n",
                     where);
            goto fail;
        }
        /* A file's line at once (a Latin-1 file fails on its first
         * accent); a body's fields as the API checks them. */
        if (file && !text_valid_utf8(line, ll)) {
            snprintf(err, errlen, "%snot UTF-8 (save the file as UTF-8)",
                     where);
            goto fail;
        }
        if ((nf = csv_split(line, ll, scratch, &l)) != 4) {
            const char *why = csv_error_text(nf);

            if (why)
                snprintf(err, errlen, "%s%s", where, why);
            else
                snprintf(err, errlen,
                         "%sexpected 4 fields (" WATCHLIST_HEADER ")", where);
            goto fail;
        }
        if (header && header_mismatch(&l) == 4) {
            snprintf(err, errlen, "%sthe header again (are two files joined?)",
                     where);
            goto fail;
        }
        if (!header++) {
            int bad = header_mismatch(&l);

            if (bad < 4) {
                char given[41];

                /* (its control and stray bytes shown as '?': the message
                 * goes to a terminal) */
                text_mask_prefix(given, sizeof(given), l.field[bad],
                                 l.len[bad]);
                snprintf(err, errlen,
                         "%sthe first line must be the header " WATCHLIST_HEADER
                         " (column %d is '%s', not %s)",
                         where, bad + 1, given, header_names[bad]);
                goto fail;
            }
            continue;
        }
        if (n == WATCHLIST_MAX_ROWS) {
            snprintf(err, errlen, "%smore than %d rows", where,
                     WATCHLIST_MAX_ROWS);
            goto fail;
        }
        *rows = xreallocarray(*rows, (size_t)n + 1, sizeof(**rows));
        e = &(*rows)[n++];
        reg_symbol_init(&e->s);
        e->line = lineno;
        if (watchlist_row(&l, &e->s, msg, sizeof(msg)) < 0) {
            snprintf(err, errlen, "%s%s", where, msg);
            goto fail;
        }
        for (long k = 0; k < n - 1; k++)
            if (strcmp((*rows)[k].s.ticker, e->s.ticker) == 0) {
                snprintf(err, errlen, "%s%s is also on line %d", where,
                         e->s.ticker, (*rows)[k].line);
                goto fail;
            }
    }
    free(scratch);
    scratch = NULL;
    if (n > 0 && rows_conflict(*rows, n, file, err, errlen) < 0)
        goto fail;
    if (n == 0) {
        if (file)
            snprintf(err, errlen,
                     "no symbols in %.256s: write the header " WATCHLIST_HEADER
                     " and one line per symbol",
                     file);
        else
            snprintf(err, errlen,
                     "no rows: send the header " WATCHLIST_HEADER
                     " and one line per symbol");
        return -1;
    }
    return n;
fail:
    free(scratch);
    watchlist_free(*rows, n);
    *rows = NULL;
    return -1;
}

long watchlist_load(const char *path, watchlist_entry **rows, char *err,
                    size_t errlen)
{
    size_t len;
    char *text = file_read(path, WATCHLIST_MAX_BYTES, &len, err, errlen);
    long n;

    *rows = NULL;
    if (!text)
        return -1;
    n = watchlist_parse(text, len, path, rows, err, errlen);
    free(text);
    return n;
}

void watchlist_free(watchlist_entry *rows, long n)
{
    for (long k = 0; k < n; k++)
        reg_symbol_release(&rows[k].s);
    free(rows);
}
