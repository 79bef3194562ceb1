/*
 * db: one PostgreSQL connection (libpq) with reconnect, parameterised
 * statements only, prepared statements cached per connection, and
 * transactions. Not thread-safe: one db per thread.
 *
 * Errors: every call returns DB_OK, DB_RETRY (the connection dropped,
 * or the server reported a deadlock or serialization failure, or a
 * state of its own that passes: see db_sqlstate_transient; the whole
 * transaction may be tried again) or DB_FAIL (the statement itself is
 * wrong for this input), and writes a message for a person into the
 * db's error text (db_error).
 */
#ifndef STONKS_DB_H
#define STONKS_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/config.h"

enum { DB_OK = 0, DB_FAIL = -1, DB_RETRY = -2 };

/* 1 when an SQLSTATE is the server's condition, not the statement's:
 * a lost connection, a deadlock or serialization failure, a shutdown
 * or start-up, a read-only standby (after a failover), a full disk or
 * no connection slot. Such a refusal is DB_RETRY: as DB_FAIL it was
 * counted against each job of the batch, and good jobs reached the
 * dead letters in a fraction of a second. */
int db_sqlstate_transient(const char *state);

typedef struct db db;

/* Connects with the POSTGRES_* settings. Returns NULL and writes a
 * message into err when the server cannot be reached; the caller may
 * try again later. Free with db_close (NULL is safe). */
db *db_open(const config *c, char *err, size_t errlen);

/* The same, but a handle is returned even when the server cannot be
 * reached: every statement on it first tries to reconnect and fails
 * with DB_RETRY while it stays down (for tests and fuzz harnesses of
 * the APIs without a database). Never NULL. */
db *db_open_anyway(const config *c);
void db_close(db *d);

/* Ends the session (PostgreSQL's idle_in_transaction_session_timeout)
 * when it sits in a transaction without a statement for ms (0: never),
 * now and after every reconnection: the locks of a worker that stopped
 * (SIGSTOP, a frozen machine) mid-transaction held every other worker
 * that took its jobs over. */
void db_set_idle_tx_timeout(db *d, long ms);

/* The message of the last failure, owned by d. */
const char *db_error(const db *d);

/* Records msg as d's last error: a fault found in what was read (not
 * of the server), for callers that report db_error on any failure. */
void db_set_error(db *d, const char *msg);

/* 1 when the last error is db_set_error's (its message may be shown to
 * a client: it names no server detail), 0 for the server's own. */
int db_error_is_data(const db *d);

/* The SQLSTATE of the last statement the server refused ("23505" for a
 * unique violation), or "" when the last failure had none. Owned by d.
 */
const char *db_sqlstate(const db *d);

/* 1 when the last statement was refused for a table or column the
 * database lacks (never migrated, or behind this build): db_error then
 * ends in DB_SCHEMA_HINT. */
int db_schema_behind(const db *d);

/* What db_error adds to the refusal of a statement for a table or
 * column the database lacks. */
#define DB_SCHEMA_HINT                                                         \
    "; the database is not migrated, or older than this build: run "           \
    "`stonks migrate`"

/* Runs sql with text parameters (NULL entries are SQL NULL). On DB_OK
 * and when res is non-NULL, *res holds the result: the caller frees it
 * with PQclear. When the connection was lost outside a transaction,
 * the call reconnects once and tries again. */
int db_exec(db *d, const char *sql, int nparams, const char *const *params,
            PGresult **res);

/* As db_exec, but prepares sql under name the first time it is used on
 * this connection (again after a reconnect). name must be constant for
 * a given sql. */
int db_execp(db *d, const char *name, const char *sql, int nparams,
             const char *const *params, PGresult **res);

/* As db_execp, but the result comes in PostgreSQL's binary format: the
 * numbers need no printing by the server and no parsing here (read them
 * with db_bin_*; text columns read as usual). For results of many
 * numbers, such as aggregation's windows. */
int db_execp_bin(db *d, const char *name, const char *sql, int nparams,
                 const char *const *params, PGresult **res);

/* Type oids of the binary columns db_bin_* read (and of text, which
 * reads as in a text result). */
#define DB_TEXT 25u
#define DB_INT4 23u
#define DB_INT8 20u
#define DB_FLOAT8 701u

/* 0 when column i of r has type oids[i] for every i < n; -1 otherwise,
 * with a message naming the first column that differs in err. */
int db_bin_check(const PGresult *r, const unsigned *oids, int n, char *err,
                 size_t errlen);

/* A value of a binary result checked with db_bin_check; 0 for NULL. */
int32_t db_bin_i4(const PGresult *r, int row, int col);
int64_t db_bin_i8(const PGresult *r, int row, int col);
double db_bin_f8(const PGresult *r, int row, int col);

/* Runs a script of several statements with no parameters (migrations
 * from the repository only, never input). */
int db_exec_script(db *d, const char *sql);

/* Transactions. db_rollback never fails (a broken connection has no
 * transaction left to roll back). */
int db_begin(db *d);
int db_commit(db *d);
void db_rollback(db *d);

/* Returns DB_OK when the connection answers, reconnecting if needed. */
int db_ping(db *d);

/* Appends s as one element of a PostgreSQL array literal ("..."
 * quoted, with backslash escapes), preceded by a comma unless first.
 * NULL appends the NULL element. Used to pass many rows in one text
 * parameter to unnest(). */
struct buf;
void db_array_add(struct buf *b, const char *s, size_t len, int first);

#endif
