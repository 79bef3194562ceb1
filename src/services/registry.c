#include "services/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/mention.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/svc.h"
#include "services/symbols.h"

/* Serialises registry writes (and nothing else). */
#define REGISTRY_LOCK "7412"

void reg_symbol_init(reg_symbol *s)
{
    memset(s, 0, sizeof(*s));
    s->active = -1;
}

void reg_symbol_release(reg_symbol *s)
{
    free(s->name);
    free(s->sector);
    for (size_t i = 0; i < s->naliases; i++)
        free(s->aliases[i]);
    reg_symbol_init(s);
}

int reg_check_text(const char *what, const char *s, size_t min, size_t max,
                   char *err, size_t errlen)
{
    size_t n = strlen(s);

    if (n < min || n > max) {
        if (min > 0)
            snprintf(err, errlen, "%s must be %zu to %zu bytes long", what, min,
                     max);
        else
            snprintf(err, errlen, "%s must be at most %zu bytes long", what,
                     max);
        return -1;
    }
    if (!api_text_ok(s, n)) {
        snprintf(err, errlen,
                 "%s must be UTF-8 text without control characters", what);
        return -1;
    }
    return 0;
}

char *reg_trim(char *s)
{
    size_t n = strlen(s), k = 0;

    while (k < n && (s[k] == ' ' || s[k] == '\t'))
        k++;
    while (n > k && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memmove(s, s + k, n - k);
    s[n - k] = '\0';
    return s;
}

int reg_check_name(const char *what, const char *s, size_t min, size_t max,
                   char *err, size_t errlen)
{
    size_t n = strlen(s);

    /* One without a letter or digit gets this message whatever its
     * length (an empty one, 300 bytes of no-break spaces): it says what
     * is missing. */
    if (api_text_ok(s, n) && !mention_phrase_has_word(s, n)) {
        snprintf(err, errlen,
                 "%s must contain a letter or a digit, not only punctuation "
                 "or blanks",
                 what);
        return -1;
    }
    if (reg_check_text(what, s, min, max, err, errlen) < 0)
        return -1;
    if (mention_phrase_generic(s)) {
        snprintf(err, errlen,
                 "%s must contain a word of the company's own, not only "
                 "common words or company suffixes such as The, And, Inc, "
                 "Corp, Co, Ltd: '%.60s' would tag any company's news",
                 what, s);
        return -1;
    }
    return 0;
}

/* The refusal of an alias written as a cashtag. Returns -1. */
static int refuse_cashtag(const char *a, char *err, size_t errlen)
{
    snprintf(err, errlen,
             "each alias must not start with '$' ('%.100s' is a cashtag): "
             "give an alternative ticker in alt_tickers, without the '$'",
             a);
    return -1;
}

int reg_add_alias(reg_symbol *s, const char *alias, char *err, size_t errlen)
{
    char *a = reg_trim(xstrdup(alias));
    int bad = 0;

    /* the import reads "$GOOG" as an alternative ticker: so must the API;
     * told first ("$HOT" is a cashtag before it is a common word), and
     * after the other checks for any other "$..." ("$1A") */
    if (a[0] == '$' && (a[1] | 0x20) >= 'a' && (a[1] | 0x20) <= 'z')
        bad = refuse_cashtag(a, err, errlen);
    else if (reg_check_name("each alias", a, REG_ALIAS_MIN, REG_ALIAS_MAX, err,
                            errlen) < 0)
        bad = -1;
    else if (a[0] == '$')
        bad = refuse_cashtag(a, err, errlen);
    if (bad < 0) {
        free(a);
        return -1;
    }
    for (size_t i = 0; i < s->naliases; i++)
        if (strcmp(s->aliases[i], a) == 0) {
            free(a);
            return 0;
        }
    if (s->naliases == REG_MAX_ALIASES) {
        snprintf(err, errlen, "at most %d aliases", REG_MAX_ALIASES);
        free(a);
        return -1;
    }
    s->aliases[s->naliases++] = a;
    return 0;
}

int reg_add_alt(reg_symbol *s, const char *ticker, char *err, size_t errlen)
{
    char t[TICKER_MAX];

    if (ticker_normalize(ticker, strlen(ticker), t) < 0) {
        snprintf(err, errlen,
                 "each alternative ticker must be a valid ticker (BRK.B)");
        return -1;
    }
    if (strcmp(t, s->ticker) == 0) {
        snprintf(err, errlen,
                 "an alternative ticker cannot be the symbol's own ticker");
        return -1;
    }
    for (size_t i = 0; i < s->nalt; i++)
        if (strcmp(s->alt[i], t) == 0)
            return 0;
    if (s->nalt == REG_MAX_ALT) {
        snprintf(err, errlen, "at most %d alternative tickers", REG_MAX_ALT);
        return -1;
    }
    snprintf(s->alt[s->nalt++], TICKER_MAX, "%s", t);
    return 0;
}

void reg_db_error(api_call *c, db *d, const char *what)
{
    if (strcmp(db_sqlstate(d), "23505") == 0)
        api_error(c, 409, "conflict", "%s: a unique name or alias is taken",
                  what);
    else if (db_sqlstate(d)[0] == '\0' || strncmp(db_sqlstate(d), "08", 2) == 0)
        api_error(c, 503, "database_unavailable", "%s", db_error(d));
    else if (db_schema_behind(d))
        api_error(c, 503, "not_available", "%s", db_error(d));
    else
        api_internal(c, what, db_error(d));
}

int reg_lock(db *d)
{
    return db_execp(d, "reg_lock",
                    "SELECT pg_advisory_xact_lock(" REGISTRY_LOCK ")", 0, NULL,
                    NULL);
}

int reg_bulk_step(db *d, long i)
{
    if (i == 0 || i % REG_ANALYZE_ROWS)
        return DB_OK;
    return db_exec(d, "ANALYZE symbols, symbol_aliases", 0, NULL, NULL);
}

db *reg_begin(api_call *c)
{
    db *d = api_db(c);

    if (!d)
        return NULL;
    if (db_begin(d) != DB_OK || reg_lock(d) != DB_OK) {
        reg_db_error(c, d, "cannot start the change");
        db_rollback(d);
        return NULL;
    }
    return d;
}

int reg_commit(api_call *c, db *d)
{
    if (db_commit(d) != DB_OK) {
        reg_db_error(c, d, "cannot commit the change");
        db_rollback(d);
        return -1;
    }
    return 0;
}

/* What could stop s from being unique, in the order the first one is
 * told. An alias written as another symbol's ticker ("AAPL", "AAPL."
 * or "BRK-B" for MSFT: capitals, digits and a class separator, the
 * punctuation around them aside, mention_phrase_symbol) is refused,
 * and so is a ticker written as another symbol's alias: the parser
 * counts the ticker's mentions for its own symbol only (mention.h), so
 * such an alias would never count. So are an alias written as another
 * symbol's alternative ticker ("GOOG" for MSFT) and an alternative
 * ticker written as another symbol's alias: the parser would count the
 * one text for both symbols. The symbols the new name and aliases are
 * read as come from C ($5, $6: mention_phrase_any_symbol, "" for none; a name
 * of five letters or more is read as a ticker in capitals too). Of the stored
 * names and aliases, the query gives those that may be the same phrase as a new
 * one, or written as a new ticker: those with the same name_key (ASCII letters
 * and digits in lower case, indexed: migration 010), which any two such have;
 * and those that may be one with a possessive 's, of the name_key with an 's
 * more or less (the parser prefers the longer phrase: "Apple's" on another
 * symbol took AAPL's mentions written so). reg_conflict confirms each by the
 * parser's own rule (column w: mention_phrase_same or
 * mention_phrase_possessive_pair, or mention_phrase_any_symbol). Kept in step
 * with watchlist.c's rows_conflict. */
static const char SQL_CONFLICT[] =
    "WITH q AS (SELECT 'name' AS kind, x AS txt FROM (SELECT $2::text) "
    "y(x) WHERE x IS NOT NULL UNION ALL SELECT 'alias', x FROM "
    "unnest($3::text[]) x), p AS (SELECT DISTINCT q.kind, q.txt, k.l FROM "
    "q, LATERAL (VALUES (name_key(q.txt)), (name_key(q.txt) || 's'), "
    "(CASE WHEN name_key(q.txt) LIKE '%s' THEN left(name_key(q.txt), -1) "
    "END)) k(l) WHERE k.l IS NOT NULL), n AS (SELECT "
    "p.kind AS pk, 'name' AS nk, s.ticker, s.name AS txt, p.txt AS ptxt "
    "FROM p JOIN symbols s ON name_key(s.name) = p.l WHERE s.ticker <> $1 "
    "AND name_key(s.name) = ANY (ARRAY(SELECT l FROM p)) UNION ALL SELECT "
    "p.kind, 'alias', a.ticker, a.alias, p.txt FROM p JOIN symbol_aliases "
    "a ON name_key(a.alias) = p.l WHERE a.kind = 'name' AND a.ticker <> "
    "$1 AND name_key(a.alias) = ANY (ARRAY(SELECT l FROM p))) SELECT k, "
    "t, v, w FROM (SELECT CASE pk || "
    "nk WHEN 'namename' THEN 1 WHEN 'namealias' THEN 2 WHEN 'aliasalias' "
    "THEN 3 ELSE 4 END AS o, CASE pk || nk WHEN 'namename' THEN 'name' "
    "WHEN 'namealias' THEN 'name_alias' WHEN 'aliasalias' THEN 'alias' "
    "ELSE 'alias_name' END AS k, ticker AS t, CASE pk WHEN 'name' THEN txt "
    "ELSE ptxt END AS v, CASE pk WHEN 'name' THEN ptxt ELSE txt END AS w "
    "FROM n UNION ALL SELECT 5, 'alt', "
    "a.ticker, x, NULL FROM symbol_aliases a, unnest($4::text[]) x "
    "WHERE a.kind = 'ticker' AND a.alias = x AND a.ticker <> $1 UNION "
    "ALL SELECT 6, 'alt_symbol', s.ticker, x, NULL FROM symbols s, "
    "unnest($4::text[]) x WHERE s.ticker = x UNION ALL SELECT 7, "
    "'ticker_alt', a.ticker, a.alias, NULL FROM symbol_aliases a WHERE "
    "a.kind = 'ticker' AND a.alias = $1 AND a.ticker <> $1 UNION ALL "
    "SELECT 8, 'alias_symbol', s.ticker, u.x, NULL FROM symbols s, "
    "unnest($3::text[], $5::text[]) u(x, sym) WHERE s.ticker = u.sym AND "
    "s.ticker <> $1 UNION ALL SELECT 9, 'symbol_alias', a.ticker, $1, "
    "a.alias FROM symbol_aliases a WHERE a.kind = 'name' AND "
    "name_key(a.alias) = name_key($1) AND a.ticker <> $1 UNION ALL "
    "SELECT 10, 'alias_alt', a.ticker, u.x, NULL FROM symbol_aliases a, "
    "unnest($3::text[], $5::text[]) u(x, sym) WHERE a.kind = 'ticker' AND "
    "a.alias = u.sym AND a.ticker <> $1 UNION ALL SELECT 11, 'alt_alias', "
    "a.ticker, x, a.alias FROM symbol_aliases a, unnest($4::text[]) x "
    "WHERE a.kind = 'name' AND name_key(a.alias) = name_key(x) AND "
    "a.ticker <> $1 UNION ALL SELECT 12, 'name_symbol', s.ticker, "
    "$2::text, NULL FROM symbols s WHERE s.ticker = $6 AND s.ticker <> $1 "
    "UNION ALL SELECT 13, 'name_alt', a.ticker, $2::text, NULL FROM "
    "symbol_aliases a WHERE a.kind = 'ticker' AND a.alias = $6 AND "
    "a.ticker <> $1 UNION ALL SELECT 14, 'symbol_name', s.ticker, $1, "
    "s.name FROM symbols s WHERE name_key(s.name) = name_key($1) AND "
    "s.ticker <> $1 UNION ALL SELECT 15, 'alt_name', s.ticker, x, s.name "
    "FROM symbols s, unnest($4::text[]) x WHERE name_key(s.name) = "
    "name_key(x) AND s.ticker <> $1) c ORDER BY o, t, v";

static char *text_array(char *const *v, size_t n);
static char *alt_array(const reg_symbol *s);

/* The symbols s's aliases are read as (mention_phrase_any_symbol), ""
 * for an alias that is none, in the order of s->aliases: an array for
 * SQL_CONFLICT's $5. */
static char *symbol_array(const reg_symbol *s)
{
    pgarr a;
    char *out;

    pgarr_init(&a);
    for (size_t i = 0; s->has_aliases && i < s->naliases; i++) {
        char sym[TICKER_MAX];

        pgarr_adds(&a,
                   mention_phrase_any_symbol(s->aliases[i], sym) ? sym : "");
    }
    out = xstrdup(pgarr_text(&a));
    pgarr_release(&a);
    return out;
}

/* 1 when SQL_CONFLICT's row of kind k, with the new text or ticker v
 * and the stored text w of the same name_key, is a clash as the parser
 * reads them: the same phrase (mention_phrase_same), or, for a ticker
 * against a stored name or alias, w read as that ticker
 * (mention_phrase_any_symbol: written so, in capitals or with a
 * possessive). */
static int read_alike(const char *k, const char *v, const char *w)
{
    char sym[TICKER_MAX];

    if (strcmp(k, "symbol_alias") == 0 || strcmp(k, "alt_alias") == 0 ||
        strcmp(k, "symbol_name") == 0 || strcmp(k, "alt_name") == 0)
        return mention_phrase_any_symbol(w, sym) && strcmp(sym, v) == 0;
    return mention_phrase_same(v, w) || mention_phrase_possessive_pair(v, w);
}

/* The message of SQL_CONFLICT's row i. */
static void conflict_text(const char *where, PGresult *r, int i, char *out,
                          size_t cap)
{
    const char *k = PQgetvalue(r, i, 0);
    const char *t = PQgetvalue(r, i, 1);
    const char *v = PQgetvalue(r, i, 2);

    if (strcmp(k, "name") == 0)
        snprintf(out, cap, "%sthe name '%s' is already the name of %s", where,
                 v, t);
    else if (strcmp(k, "name_alias") == 0)
        snprintf(out, cap, "%sthe name '%s' is already an alias of %s", where,
                 v, t);
    else if (strcmp(k, "alias") == 0)
        snprintf(out, cap, "%sthe alias '%s' is already an alias of %s", where,
                 v, t);
    else if (strcmp(k, "alias_name") == 0)
        snprintf(out, cap, "%sthe alias '%s' is already the name of %s", where,
                 v, t);
    else if (strcmp(k, "alt") == 0)
        snprintf(out, cap, "%sthe alternative ticker %s already belongs to %s",
                 where, v, t);
    else if (strcmp(k, "alt_symbol") == 0)
        snprintf(out, cap, "%sthe alternative ticker %s is a symbol itself",
                 where, v);
    else if (strcmp(k, "alias_symbol") == 0)
        snprintf(out, cap, "%sthe alias '%s' is a symbol itself", where, v);
    else if (strcmp(k, "symbol_alias") == 0)
        snprintf(out, cap, "%s%s is already an alias of %s", where, v, t);
    else if (strcmp(k, "alias_alt") == 0)
        snprintf(out, cap,
                 "%sthe alias '%s' is already an alternative ticker of %s",
                 where, v, t);
    else if (strcmp(k, "alt_alias") == 0)
        snprintf(out, cap,
                 "%sthe alternative ticker %s is already an alias of %s", where,
                 v, t);
    else if (strcmp(k, "name_symbol") == 0)
        snprintf(out, cap, "%sthe name '%s' is a symbol itself", where, v);
    else if (strcmp(k, "name_alt") == 0)
        snprintf(out, cap,
                 "%sthe name '%s' is already an alternative ticker of %s",
                 where, v, t);
    else if (strcmp(k, "symbol_name") == 0)
        snprintf(out, cap, "%s%s is already the name of %s", where, v, t);
    else if (strcmp(k, "alt_name") == 0)
        snprintf(out, cap,
                 "%sthe alternative ticker %s is already the name of %s", where,
                 v, t);
    else
        snprintf(out, cap, "%s%s is already an alternative ticker of %s", where,
                 v, t);
}

void reg_possessive_msg(char *out, size_t cap, const char *where,
                        const char *kind, const char *text, const char *ticker,
                        const char *stored_kind, const char *stored)
{
    char *base = mention_phrase_base_key(text);

    snprintf(out, cap,
             "%sthe %s '%s' is %s's %s '%s' %s a possessive 's: the parser "
             "would take the one's mentions for the other",
             where, kind, text, ticker, stored_kind, stored,
             base ? "with" : "without");
    free(base);
}

/* The message of SQL_CONFLICT's row i when it is a possessive pair:
 * column v holds the stored text and w the new one for a new name, the
 * other way round for a new alias (conflict_text's order). */
static void possessive_text(const char *where, PGresult *r, int i, char *out,
                            size_t cap)
{
    const char *k = PQgetvalue(r, i, 0);
    int new_name = strcmp(k, "name") == 0 || strcmp(k, "name_alias") == 0;
    int stored_name = strcmp(k, "name") == 0 || strcmp(k, "alias_name") == 0;

    reg_possessive_msg(out, cap, where, new_name ? "name" : "alias",
                       PQgetvalue(r, i, new_name ? 3 : 2), PQgetvalue(r, i, 1),
                       stored_name ? "name" : "alias",
                       PQgetvalue(r, i, new_name ? 2 : 3));
}

int reg_conflict(db *d, const reg_symbol *s, const char *where, char *msg,
                 size_t cap, char *holder)
{
    char *aliases = s->has_aliases ? text_array(s->aliases, s->naliases) : NULL;
    char *alts = s->has_alt ? alt_array(s) : NULL;
    char name_sym[TICKER_MAX] = "", *syms = symbol_array(s);
    const char *cp[] = {s->ticker, s->name, aliases, alts, syms, name_sym};
    PGresult *r = NULL;
    int rc = -1;

    if (s->name && !mention_phrase_any_symbol(s->name, name_sym))
        name_sym[0] = '\0';
    if (db_execp(d, "reg_conflict", SQL_CONFLICT, 6, cp, &r) == DB_OK) {
        rc = 0;
        for (int i = 0; i < PQntuples(r) && !rc; i++) {
            /* a row of the same letters: the parser's rule decides */
            if (!PQgetisnull(r, i, 3) &&
                !read_alike(PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
                            PQgetvalue(r, i, 3)))
                continue;
            rc = 1;
            if (!PQgetisnull(r, i, 3) &&
                mention_phrase_possessive_pair(PQgetvalue(r, i, 2),
                                               PQgetvalue(r, i, 3)))
                possessive_text(where, r, i, msg, cap);
            else
                conflict_text(where, r, i, msg, cap);
            /* a stored symbol's ticker is no PATCH's to change */
            if (holder)
                snprintf(holder, TICKER_MAX, "%s",
                         strstr(PQgetvalue(r, i, 0), "_symbol")
                             ? ""
                             : PQgetvalue(r, i, 1));
        }
    }
    PQclear(r);
    free(aliases);
    free(alts);
    free(syms);
    return rc;
}

/* A change leaves a NULL field as it is; the '' for a NULL name only
 * passes the NOT NULL check of the proposed row, since a change is only
 * written for a symbol that exists (the DO UPDATE path). */
static const char SQL_UPSERT[] =
    "INSERT INTO symbols AS s (ticker, name, sector, active) VALUES "
    "($1, coalesce($2, ''), coalesce($3, ''), coalesce($4::boolean, "
    "true)) ON CONFLICT (ticker) DO UPDATE SET name = coalesce($2, "
    "s.name), sector = coalesce($3, s.sector), active = "
    "coalesce($4::boolean, s.active), updated_at = now() WHERE "
    "(s.name, s.sector, s.active) IS DISTINCT FROM (coalesce($2, "
    "s.name), coalesce($3, s.sector), coalesce($4::boolean, s.active)) "
    "RETURNING (xmax = 0)::text";

/* Replaces the aliases of one kind; returns how many rows changed. */
static const char SQL_ALIASES[] =
    "WITH del AS (DELETE FROM symbol_aliases WHERE ticker = $1 AND "
    "kind = $2 AND NOT (alias = ANY ($3::text[])) RETURNING 1), ins AS "
    "(INSERT INTO symbol_aliases (alias, kind, ticker) SELECT x, $2, "
    "$1 FROM unnest($3::text[]) x ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT (SELECT count(*) FROM del) + (SELECT count(*) FROM ins)";

/* Adds the aliases of one kind, keeping the others; returns how many
 * rows were added. */
static const char SQL_ALIASES_ADD[] =
    "WITH ins AS (INSERT INTO symbol_aliases (alias, kind, ticker) SELECT "
    "x, $2, $1 FROM unnest($3::text[]) x ON CONFLICT DO NOTHING RETURNING "
    "1) SELECT count(*) FROM ins";

/* How many aliases and alternative tickers a symbol holds once $2 and
 * $3 are added to those stored. */
static const char SQL_ALIASES_AFTER_ADD[] =
    "SELECT count(*) FILTER (WHERE k = 'name'), count(*) FILTER (WHERE k "
    "= 'ticker') FROM (SELECT kind, alias FROM symbol_aliases WHERE "
    "ticker = $1 UNION SELECT 'name', x FROM unnest($2::text[]) x UNION "
    "SELECT 'ticker', x FROM unnest($3::text[]) x) u(k, a)";

static const char SQL_EVENT[] =
    "INSERT INTO symbol_events (ticker, action, detail, request_id) "
    "VALUES ($1, $2, $3::json, $4)";

/* Appends the symbol as the API shows it to out. Returns 0, -1 on a
 * database error, 1 when it is not there. */
static int symbol_row(db *d, const char *ticker, buf *out)
{
    const char *p[] = {ticker};
    PGresult *r = NULL;
    int rc;

    if (db_execp(d, "sym_get", SYMBOLS_GET_SQL, 1, p, &r) != DB_OK)
        rc = -1;
    else if (PQntuples(r) == 0)
        rc = 1;
    else
        rc = 0;
    if (rc == 0)
        api_row_object(out, r, 0, 0);
    PQclear(r);
    return rc;
}

/* symbol_row for an answer: returns 0, or -1 after the error answer. */
static int symbol_json(api_call *c, db *d, const char *ticker, buf *out)
{
    int rc = symbol_row(d, ticker, out);

    if (rc < 0)
        reg_db_error(c, d, "cannot read the symbol");
    else if (rc > 0)
        api_internal(c, "registry", "the symbol vanished in its transaction");
    return rc ? -1 : 0;
}

static char *text_array(char *const *v, size_t n)
{
    buf b;

    buf_init(&b);
    buf_addc(&b, '{');
    for (size_t i = 0; i < n; i++)
        db_array_add(&b, v[i], strlen(v[i]), i == 0);
    buf_addc(&b, '}');
    return buf_detach(&b, NULL);
}

static char *alt_array(const reg_symbol *s)
{
    char *v[REG_MAX_ALT];

    for (size_t i = 0; i < s->nalt; i++)
        v[i] = (char *)s->alt[i];
    return text_array(v, s->nalt);
}

static int store_aliases(db *d, const char *ticker, const char *kind,
                         const char *arr, int add, long *changed)
{
    const char *p[] = {ticker, kind, arr};
    PGresult *r = NULL;

    if (db_execp(d, add ? "reg_aliases_add" : "reg_aliases",
                 add ? SQL_ALIASES_ADD : SQL_ALIASES, 3, p, &r) != DB_OK)
        return -1;
    *changed += atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* Adding aliases to a stored symbol must keep it within the limits a
 * symbol written whole is held to (the ingestion worker reads at most
 * REG_MAX_ALT alternative tickers of a symbol). Returns 0; 1 with the
 * message in err; -1 on a database error. */
static int add_within_limits(db *d, const reg_symbol *s, const char *aliases,
                             const char *alts, const char *where, char *err,
                             size_t errlen)
{
    const char *p[] = {s->ticker, aliases ? aliases : "{}", alts ? alts : "{}"};
    PGresult *r = NULL;
    long names, tickers;
    int rc = 0;

    if (db_execp(d, "reg_aliases_after_add", SQL_ALIASES_AFTER_ADD, 3, p, &r) !=
        DB_OK)
        return -1;
    names = atol(PQgetvalue(r, 0, 0));
    tickers = atol(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (names > REG_MAX_ALIASES || tickers > REG_MAX_ALT) {
        int many = names > REG_MAX_ALIASES;

        snprintf(err, errlen,
                 "%s%s would have %ld %s with those stored, at most %d; "
                 "remove some in the registry (PATCH /symbols/%s) or in the "
                 "file",
                 where, s->ticker, many ? names : tickers,
                 many ? "aliases" : "alternative tickers",
                 many ? REG_MAX_ALIASES : REG_MAX_ALT, s->ticker);
        rc = 1;
    }
    return rc;
}

/* The history event of a change: the symbol as it is now. */
static int store_event(db *d, const char *ticker, const char *action,
                       const char *request_id)
{
    buf detail;
    const char *ep[4];
    int rc;

    buf_init(&detail);
    rc = symbol_row(d, ticker, &detail);
    if (rc == 0) {
        ep[0] = ticker;
        ep[1] = action;
        ep[2] = detail.data;
        ep[3] = request_id;
        rc = db_execp(d, "reg_event", SQL_EVENT, 4, ep, NULL) == DB_OK ? 0 : -1;
    }
    buf_release(&detail);
    return rc;
}

int reg_store(db *d, const reg_symbol *s, int mode, const char *action,
              const char *where, const char *request_id, int *outcome,
              char *err, size_t errlen, char *holder)
{
    int add = mode == REG_ALIASES_ADD;
    char *aliases = s->has_aliases ? text_array(s->aliases, s->naliases) : NULL;
    char *alts = s->has_alt ? alt_array(s) : NULL;
    const char *cp[] = {s->ticker};
    const char *up[] = {s->ticker, s->name, s->sector,
                        s->active < 0 ? NULL
                        : s->active   ? "true"
                                      : "false"};
    PGresult *r = NULL;
    long changed = 0;
    int rc = -1, row_changed;
    const char *what = "cannot store the symbol";

    *outcome = REG_UNCHANGED;
    if (holder)
        holder[0] = '\0';
    switch (reg_conflict(d, s, where, err, errlen, holder)) {
    case -1:
        what = "cannot check the registry";
        goto out;
    case 1:
        rc = 1;
        goto out;
    }
    switch (add ? add_within_limits(d, s, aliases, alts, where, err, errlen)
                : 0) {
    case -1:
        what = "cannot count the aliases";
        goto out;
    case 1:
        rc = 1;
        goto out;
    }
    if (db_execp(d, "reg_upsert", SQL_UPSERT, 4, up, &r) != DB_OK)
        goto out;
    row_changed = PQntuples(r) > 0;
    if (row_changed)
        *outcome = PQgetvalue(r, 0, 0)[0] == 't' ? REG_CREATED : REG_UPDATED;
    what = "cannot store the aliases";
    if ((aliases &&
         store_aliases(d, s->ticker, "name", aliases, add, &changed) < 0) ||
        (alts &&
         store_aliases(d, s->ticker, "ticker", alts, add, &changed) < 0))
        goto out;
    if (changed && *outcome == REG_UNCHANGED)
        *outcome = REG_UPDATED;
    what = "cannot store the symbol";
    if (changed && !row_changed &&
        db_execp(d, "reg_touch",
                 "UPDATE symbols SET updated_at = now() WHERE ticker = $1", 1,
                 cp, NULL) != DB_OK)
        goto out;
    what = "cannot record the change";
    if (*outcome != REG_UNCHANGED &&
        store_event(d, s->ticker, action, request_id) != 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        snprintf(err, errlen, "%s", what);
    PQclear(r);
    free(aliases);
    free(alts);
    return rc;
}

int reg_write(api_call *c, db *d, const reg_symbol *s, const char *action,
              const char *where, int *outcome)
{
    char msg[512];

    switch (reg_store(d, s, REG_ALIASES_REPLACE, action, where,
                      c->req->request_id, outcome, msg, sizeof(msg), NULL)) {
    case 0:
        return 0;
    case 1:
        api_error(c, 409, "conflict", "%s", msg);
        return -1;
    default:
        reg_db_error(c, d, msg);
        return -1;
    }
}

static const char *const body_fields[] = {
    "ticker", "name", "sector", "active", "aliases", "alt_tickers", NULL};

/* A string field, trimmed, checked by check; 1 when present, 0 absent,
 * -1 after a 400. */
static int body_text(api_call *c, json_t *o, const char *key, size_t min,
                     size_t max,
                     int (*check)(const char *, const char *, size_t, size_t,
                                  char *, size_t),
                     char **out)
{
    json_t *v = json_object_get(o, key);
    char err[320], what[32];
    const char *s;
    size_t n;

    if (!v)
        return 0;
    if (!json_is_string(v)) {
        api_error(c, 400, "invalid_field", "field '%s' must be a string", key);
        return -1;
    }
    s = json_string_value(v);
    n = json_string_length(v);
    if (strlen(s) != n) {
        api_error(c, 400, "invalid_field",
                  "field '%s' must not contain NUL characters", key);
        return -1;
    }
    *out = reg_trim(xstrndup(s, n));
    snprintf(what, sizeof(what), "field '%s'", key);
    if (check(what, *out, min, max, err, sizeof(err)) < 0) {
        api_error(c, 400, "invalid_field", "%s", err);
        return -1;
    }
    return 1;
}

/* An array of strings fed one by one to add. */
static int body_list(api_call *c, json_t *o, const char *key, reg_symbol *s,
                     int (*add)(reg_symbol *, const char *, char *, size_t))
{
    json_t *v = json_object_get(o, key), *e;
    char err[320];
    size_t i;

    if (!v)
        return 0;
    if (!json_is_array(v)) {
        api_error(c, 400, "invalid_field",
                  "field '%s' must be an array of strings", key);
        return -1;
    }
    json_array_foreach(v, i, e)
    {
        char *t;

        if (!json_is_string(e)) {
            api_error(c, 400, "invalid_field",
                      "field '%s' must be an array of strings", key);
            return -1;
        }
        t = xstrndup(json_string_value(e), json_string_length(e));
        if (add(s, t, err, sizeof(err)) < 0) {
            free(t);
            api_error(c, 400, "invalid_field", "field '%s': %s", key, err);
            return -1;
        }
        free(t);
    }
    return 1;
}

/* Reads a create (creating = 1) or change body into s, whose ticker is
 * set for a change. Returns 0, or -1 after the error answer. */
static int parse_body(api_call *c, reg_symbol *s, int creating)
{
    json_t *o = api_json_body(c), *v;
    const char *key;
    char *ticker = NULL;
    int rc = -1, got;

    if (!o)
        return -1;
    json_object_foreach(o, key, v)
    {
        size_t i = 0;

        while (body_fields[i] && strcmp(body_fields[i], key))
            i++;
        if (!body_fields[i] || (!creating && strcmp(key, "ticker") == 0)) {
            if (!creating && strcmp(key, "ticker") == 0)
                api_error(c, 400, "invalid_field",
                          "the ticker of a symbol cannot change; create a new "
                          "symbol and "
                          "deactivate this one");
            else
                api_error(c, 400, "unknown_field",
                          "unknown field '%.64s'; the fields are ticker, name, "
                          "sector, "
                          "active, aliases and alt_tickers",
                          key);
            goto out;
        }
    }
    if (creating) {
        got = body_text(c, o, "ticker", 1, 32, reg_check_text, &ticker);
        if (got < 0)
            goto out;
        if (got == 0) {
            api_error(c, 400, "missing_field", "field 'ticker' is required");
            goto out;
        }
        if (symbols_check_ticker(c, "field 'ticker'", ticker, strlen(ticker),
                                 s->ticker) < 0)
            goto out;
    }
    got = body_text(c, o, "name", 1, REG_NAME_MAX, reg_check_name, &s->name);
    if (got < 0)
        goto out;
    if (creating && got == 0) {
        api_error(c, 400, "missing_field", "field 'name' is required");
        goto out;
    }
    if (body_text(c, o, "sector", 0, REG_SECTOR_MAX, reg_check_text,
                  &s->sector) < 0)
        goto out;
    v = json_object_get(o, "active");
    if (v && !json_is_boolean(v)) {
        api_error(c, 400, "invalid_field",
                  "field 'active' must be true or false");
        goto out;
    }
    if (v)
        s->active = json_is_true(v);
    if ((s->has_aliases = body_list(c, o, "aliases", s, reg_add_alias)) < 0 ||
        (s->has_alt = body_list(c, o, "alt_tickers", s, reg_add_alt)) < 0)
        goto out;
    if (!creating && !s->name && !s->sector && s->active < 0 &&
        !s->has_aliases && !s->has_alt) {
        api_error(c, 400, "nothing_to_change",
                  "nothing to change: give at least one of name, sector, "
                  "active, aliases, alt_tickers");
        goto out;
    }
    rc = 0;
out:
    free(ticker);
    json_decref(o);
    return rc;
}

/* 1 when the symbol exists, 0 when not, -1 after an error answer. */
static int symbol_exists(api_call *c, db *d, const char *ticker)
{
    const char *p[] = {ticker};
    PGresult *r = NULL;
    int found;

    if (db_execp(d, "reg_exists",
                 "SELECT 1 FROM symbols WHERE ticker = $1 FOR UPDATE", 1, p,
                 &r) != DB_OK) {
        reg_db_error(c, d, "cannot read the registry");
        return -1;
    }
    found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

/* Answers with the symbol as it now is. */
static int answer_symbol(api_call *c, db *d, const char *ticker)
{
    buf_reset(&c->res->body);
    return symbol_json(c, d, ticker, &c->res->body);
}

static void finish(api_call *c, db *d, int ok, const char *ticker, int status)
{
    char loc[64];

    if (!ok || reg_commit(c, d) < 0) {
        db_rollback(d);
        return;
    }
    c->res->status = status;
    if (status == 201) {
        snprintf(loc, sizeof(loc), "symbols/%s", ticker);
        http_set_header(c->res, "Location", loc);
    }
    LOG_INFO("registry changed", LF_S("request_id", c->req->request_id),
             LF_S("ticker", ticker), LF_S("method", c->req->method));
}

static void h_create(api_call *c)
{
    reg_symbol s;
    db *d = NULL;
    int outcome, found, ok = 0;

    reg_symbol_init(&s);
    if (parse_body(c, &s, 1) < 0 || !(d = reg_begin(c)))
        goto out;
    found = symbol_exists(c, d, s.ticker);
    if (found > 0)
        api_error(c, 409, "conflict",
                  "symbol %s already exists; change it with PATCH /symbols/%s",
                  s.ticker, s.ticker);
    if (found == 0 && reg_write(c, d, &s, "create", "", &outcome) == 0 &&
        answer_symbol(c, d, s.ticker) == 0)
        ok = 1;
    finish(c, d, ok, s.ticker, 201);
out:
    reg_symbol_release(&s);
}

static void h_patch(api_call *c)
{
    reg_symbol s;
    db *d = NULL;
    int outcome, found, ok = 0;

    reg_symbol_init(&s);
    if (symbols_arg_ticker(c, 0, s.ticker) < 0 || parse_body(c, &s, 0) < 0 ||
        !(d = reg_begin(c)))
        goto out;
    found = symbol_exists(c, d, s.ticker);
    if (found == 0)
        api_error(c, 404, "not_found", "no symbol %s", s.ticker);
    if (found > 0 && reg_write(c, d, &s, "update", "", &outcome) == 0 &&
        answer_symbol(c, d, s.ticker) == 0)
        ok = 1;
    finish(c, d, ok, s.ticker, 200);
out:
    reg_symbol_release(&s);
}

static void h_delete(api_call *c)
{
    reg_symbol s;
    db *d = NULL;
    int outcome, found, ok = 0;

    reg_symbol_init(&s);
    if (symbols_arg_ticker(c, 0, s.ticker) < 0 || !(d = reg_begin(c)))
        goto out;
    s.active = 0;
    found = symbol_exists(c, d, s.ticker);
    if (found == 0)
        api_error(c, 404, "not_found", "no symbol %s", s.ticker);
    if (found > 0 && reg_write(c, d, &s, "deactivate", "", &outcome) == 0 &&
        answer_symbol(c, d, s.ticker) == 0)
        ok = 1;
    finish(c, d, ok, s.ticker, 200);
out:
    reg_symbol_release(&s);
}

#define SYMBOL_REF "{\"$ref\":\"#/components/schemas/Symbol\"}"

static const char SYMBOL_BODY[] =
    "{\"type\":\"object\",\"required\":[\"ticker\","
    "\"name\"],\"additionalProperties\":false,\"properties\":{"
    "\"ticker\":{\"type\":\"string\",\"example\":\"BRK.B\"}"
    ",\"name\":{\"type\":\"string\",\"minLength\":1,"
    "\"maxLength\":200},\"sector\":{\"type\":\"string\","
    "\"maxLength\":100},\"active\":{\"type\":\"boolean\","
    "\"default\":true},\"aliases\":{\"type\":\"array\","
    "\"maxItems\":32,\"items\":{\"type\":\"string\","
    "\"minLength\":2,\"maxLength\":100}},\"alt_tickers\":{"
    "\"type\":\"array\",\"maxItems\":8,\"items\":{"
    "\"type\":\"string\"}}}}";

static const char PATCH_BODY[] =
    "{\"type\":\"object\",\"additionalProperties\":false,"
    "\"minProperties\":1,\"properties\":{\"name\":{"
    "\"type\":\"string\",\"minLength\":1,\"maxLength\":200}"
    ",\"sector\":{\"type\":\"string\",\"maxLength\":100}"
    ",\"active\":{\"type\":\"boolean\"},\"aliases\":{"
    "\"type\":\"array\",\"maxItems\":32,\"items\":{"
    "\"type\":\"string\",\"minLength\":2,\"maxLength\":100}"
    "},\"alt_tickers\":{\"type\":\"array\",\"maxItems\":8,"
    "\"items\":{\"type\":\"string\"}}}}";

static const char IMPORT_ANSWER[] =
    "{\"type\":\"object\",\"properties\":{\"created\":{"
    "\"type\":\"integer\"},\"updated\":{\"type\":\"integer\"}"
    ",\"unchanged\":{\"type\":\"integer\"}}}";

static const char IMPORT_BODY[] =
    "{\"type\":\"string\",\"description\":\"CSV with the header "
    "ticker,name,sector,aliases; aliases are separated by '|', and an "
    "alias written $X is an alternative ticker\"}";

static const api_route registry_routes[] = {
    {"GET", "/symbols", symbols_list, API_READ,
     "List symbols, by ticker; filter by active, sector, text, "
     "alternative ticker",
     symbols_list_params, NULL, NULL,
     "{\"$ref\":\"#/components/schemas/SymbolPage\"}", 0, NULL, 0},
    {"POST", "/symbols", h_create, API_WRITE,
     "Add a symbol (tickers are normalised: brk-b is BRK.B)", NULL,
     "application/json", SYMBOL_BODY, SYMBOL_REF, 201, NULL, 0},
    {"POST", "/symbols/import", registry_import, API_WRITE,
     "Add or update many symbols from CSV, all or nothing; listed "
     "symbols become active",
     NULL, "text/csv", IMPORT_BODY, IMPORT_ANSWER, 0, NULL, 0},
    {"GET", "/symbols/{ticker}", symbols_get, API_READ, "One symbol", NULL,
     NULL, NULL, SYMBOL_REF, 0, NULL, 0},
    {"PATCH", "/symbols/{ticker}", h_patch, API_WRITE,
     "Change a symbol; a list given replaces the symbol's list", NULL,
     "application/json", PATCH_BODY, SYMBOL_REF, 0, NULL, 0},
    {"DELETE", "/symbols/{ticker}", h_delete, API_WRITE,
     "Deactivate a symbol (its history stays; PATCH active=true undoes)", NULL,
     NULL, NULL, SYMBOL_REF, 0, NULL, 0},
    {"GET", "/symbols/{ticker}/history", symbols_history, API_READ,
     "The changes made to a symbol through the registry, newest first",
     symbols_history_params, NULL, NULL,
     "{\"type\":\"object\",\"properties\":{\"items\":{"
     "\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Symb"
     "olEvent\"}},\"next_cursor\":{\"type\":\"string\","
     "\"nullable\":true}}}",
     0, NULL, 0},
};

const api_def registry_api = {
    "symbol-registry",
    "Stonks Oracle symbol registry",
    "The watchlist: the symbols the pipeline follows, their company "
    "names, sectors, the aliases the parser finds in news text, and "
    "alternative tickers. Changes reach the pipeline without a "
    "restart: the scheduler reads the active symbols on each tick and "
    "the parser reloads the aliases within seconds.",
    registry_routes,
    sizeof(registry_routes) / sizeof(registry_routes[0]),
    SYMBOLS_SCHEMAS,
    0,
};

int cmd_symbol_registry(int argc, char **argv)
{
    config c;
    int rc;

    if (cli_wants_help(argc, argv)) {
        printf(
            "usage: stonks symbol-registry\n HTTP service on "
            "HTTP_BIND:HTTP_PORT: the watchlist's reads and writes\n (GET/POST "
            "/symbols, PATCH/DELETE /symbols/{ticker}, POST "
            "/symbols/import).\n Writes need a bearer token from API_TOKENS. "
            "Documentation on /docs.\n");
        return 0;
    }
    if (cli_start("symbol-registry", &c) < 0)
        return 2;
    rc = api_main(&registry_api, &c, NULL);
    config_release(&c);
    return rc;
}
