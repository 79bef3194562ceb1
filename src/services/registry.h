/*
 * registry: the symbol-registry service (`stonks symbol-registry`): the
 * watchlist's writes over HTTP (create, change, deactivate, CSV import)
 * next to the reads of services/symbols.h. Every write runs in one
 * transaction under an advisory lock, checks that tickers, alternative
 * tickers, company names and name aliases stay unique (names and
 * aliases whatever their case), and records the symbol as it became in
 * symbol_events. A trigger (migration 003) bumps the sequence
 * registry_version on every change, which is how the parser learns that
 * it must reload its aliases; the scheduler reads the active symbols on
 * each tick.
 */
#ifndef STONKS_REGISTRY_H
#define STONKS_REGISTRY_H

#include <stddef.h>

#include "domain/ticker.h"
#include "lib/api.h"

#define REG_NAME_MAX 200
#define REG_SECTOR_MAX 100
#define REG_ALIAS_MIN 2
#define REG_ALIAS_MAX 100
#define REG_MAX_ALIASES 32
#define REG_MAX_ALT 8
/* The feeds a symbol's news is listed under: its ticker's and each of
 * its alternative tickers' (ingestion and the backtest read them all). */
#define REG_MAX_FEEDS (1 + REG_MAX_ALT)

/* A symbol as a request describes it. For a change, NULL / -1 / has_*
 * = 0 mean "leave as it is". */
typedef struct reg_symbol {
    char ticker[TICKER_MAX];
    char *name;
    char *sector;
    int active; /* 1, 0, or -1 */
    int has_aliases;
    char *aliases[REG_MAX_ALIASES];
    size_t naliases;
    int has_alt;
    char alt[REG_MAX_ALT][TICKER_MAX];
    size_t nalt;
} reg_symbol;

enum { REG_UNCHANGED = 0, REG_CREATED, REG_UPDATED };

void reg_symbol_init(reg_symbol *s);
void reg_symbol_release(reg_symbol *s);

/* Checks a name, sector or alias (trimmed in place by the caller): its
 * length and characters. Returns 0, or -1 with a message in err. */
int reg_check_text(const char *what, const char *s, size_t min, size_t max,
                   char *err, size_t errlen);

/* Removes the blanks (spaces, tabs) at both ends of s in place, as
 * every name, sector and alias is stored. Returns s. */
char *reg_trim(char *s);

/* Checks a name or alias (trimmed): it must hold a letter or a digit
 * (mention_phrase_has_word), since one of only punctuation or blanks
 * would tag any article that holds it, and pass reg_check_text. Text
 * without one is told so whatever its length. It must not be only
 * common words or company suffixes (mention_phrase_generic: "The",
 * "Inc", "The Co."), which would tag any company's news. Returns 0, or
 * -1 with a message in err. */
int reg_check_name(const char *what, const char *s, size_t min, size_t max,
                   char *err, size_t errlen);

/* Adds an alias (trimmed, then checked by reg_check_name; one
 * starting with '$' is refused, being the import's alternative ticker)
 * / alternative ticker to s, ignoring exact repeats. Returns 0, or -1
 * with a message in err. */
int reg_add_alias(reg_symbol *s, const char *alias, char *err, size_t errlen);
int reg_add_alt(reg_symbol *s, const char *ticker, char *err, size_t errlen);

/* Whether s would take a name, alias or alternative ticker of another
 * stored symbol, or have an alias that is another's ticker or
 * alternative ticker, or a ticker or alternative ticker that is
 * another's alias: 1 with the message (after where) in msg and,
 * when holder is not NULL, in holder (TICKER_MAX bytes) the stored
 * symbol whose name, alias or alternative ticker it is (a change of
 * that symbol can mend it), or "" for a clash with a stored ticker; 0
 * when not, -1 on a database error. */
int reg_conflict(db *d, const reg_symbol *s, const char *where, char *msg,
                 size_t cap, char *holder);

/* The message of a clash between the kind ("name", "alias") text and
 * ticker's stored_kind stored, the one the other with a possessive 's
 * (mention_phrase_possessive_pair), after where, in out. */
void reg_possessive_msg(char *out, size_t cap, const char *where,
                        const char *kind, const char *text, const char *ticker,
                        const char *stored_kind, const char *stored);

/* How reg_store treats the aliases and alternative tickers of s: as
 * the whole list (those not in s are removed), or as ones to add. */
enum { REG_ALIASES_REPLACE = 0, REG_ALIASES_ADD };

/* Writes s inside the caller's transaction on d (the registry lock
 * held): conflict checks, the symbol row (a NULL name or sector, an
 * active of -1 leave the stored one), its aliases as mode says, the
 * history event (action, request_id), and sets *outcome. where prefixes
 * messages ("line 4: " in an import). Returns 0; 1 with the conflict in
 * err (nothing written) and, when holder is not NULL, the symbol
 * holding what s would take in it (reg_conflict's holder; "" when none
 * or for a limit); -1 on a database error, with what failed in err and
 * the error in db_error(d). */
int reg_store(db *d, const reg_symbol *s, int mode, const char *action,
              const char *where, const char *request_id, int *outcome,
              char *err, size_t errlen, char *holder);

/* reg_store for an API request, replacing the aliases. Returns 0, or
 * -1 after the error answer (409 for a conflict). */

int reg_write(api_call *c, db *d, const reg_symbol *s, const char *action,
              const char *where, int *outcome);

/* Takes the registry lock inside the caller's transaction: every writer
 * of symbols (the API, the import, stonks seed) holds it. Returns the
 * db_* code. */
int reg_lock(db *d);

/* For a write of many symbols in one transaction (an import, stonks
 * seed): before the row of index i, every REG_ANALYZE_ROWS rows,
 * updates the tables' statistics, which then count the rows this
 * transaction added. Without it the planner knows the tables as they
 * were before the write, and the conflict check of each row read both
 * tables whole (5,000 rows took two minutes). Returns the db_* code. */
#define REG_ANALYZE_ROWS 512
int reg_bulk_step(db *d, long i);

/* Starts the registry transaction on the request's connection. Returns
 * the connection, or NULL after the error answer. */
db *reg_begin(api_call *c);

/* Commits; returns 0, or -1 after the error answer. */
int reg_commit(api_call *c, db *d);

/* Answers a database failure inside a registry transaction. */
void reg_db_error(api_call *c, db *d, const char *what);

/* The service's routes and documentation (for the OpenAPI test). */
extern const api_def registry_api;

/* POST /symbols/import (registry_import.c). */
void registry_import(api_call *c);

int cmd_symbol_registry(int argc, char **argv);

#endif
