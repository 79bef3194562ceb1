#include "lib/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define DB_MAX_PREPARED 64

struct db {
    PGconn *conn;
    char *conninfo_host;
    char err[512];
    int err_is_data; /* err was set by db_set_error */
    char sqlstate[6]; /* of the last statement that failed, or "" */
    int in_tx;
    long idle_tx_ms; /* db_set_idle_tx_timeout's, 0: none */
    int nprepared;
    const char *prepared[DB_MAX_PREPARED]; /* names, constant strings */
};

/* s as one line: each line break and the blanks after it "; ", a line
 * of only blanks and '^' (the pointer under a statement's error
 * position) left out, and the blanks at the end. libpq's messages run
 * over several lines ("...failed: Connection refused\n\tIs the server
 * running..."; "LINE 1: SELEC 1;\n        ^"), and ours are one.
 * s has room for cap bytes. */
static void one_line(char *s, size_t cap)
{
    char *in = xstrdup(s);
    size_t w = 0;

    for (size_t r = 0; in[r] && w + 2 < cap;) {
        size_t pointer;

        if (in[r] != '\n') {
            s[w++] = in[r++];
            continue;
        }
        while (in[r] == '\n' || in[r] == ' ' || in[r] == '\t')
            r++;
        pointer = strspn(in + r, "^ \t");
        if (in[r] == '^' && (!in[r + pointer] || in[r + pointer] == '\n'))
            r += pointer;
        else if (in[r] && w > 0)
            s[w++] = ';', s[w++] = ' ';
    }
    while (w && (s[w - 1] == ' ' || s[w - 1] == '\t'))
        w--;
    s[w] = '\0';
    free(in);
}

static void set_err(db *d, const char *what, const char *detail)
{
    d->err_is_data = 0;
    snprintf(d->err, sizeof(d->err), "%s: %s", what, detail);
    one_line(d->err, sizeof(d->err));
}

const char *db_error(const db *d)
{
    return d->err;
}

void db_set_error(db *d, const char *msg)
{
    d->sqlstate[0] = '\0'; /* (none of the server's) */
    snprintf(d->err, sizeof(d->err), "%s", msg);
    one_line(d->err, sizeof(d->err));
    d->err_is_data = 1;
}

int db_error_is_data(const db *d)
{
    return d->err_is_data;
}

const char *db_sqlstate(const db *d)
{
    return d->sqlstate;
}

/* Every session in UTC, whatever PGTZ or the server's timezone says
 * (PGTZ reaches the server after any "options" we could give): the
 * timestamps of our JSON answers read alike from every service (the
 * trading-engine's had followed PGTZ, "07:26-05:00"), and a date taken
 * of now() is the same date everywhere. */
static PGconn *connect_with(const config *c)
{
    char port[16], timeout[16];
    PGconn *conn;
    const char *keys[] = {"host",
                          "port",
                          "dbname",
                          "user",
                          "password",
                          "connect_timeout",
                          "application_name",
                          NULL};
    const char *vals[] = {c->pg_host,     port,    c->pg_db,      c->pg_user,
                          c->pg_password, timeout, log_service(), NULL};

    snprintf(port, sizeof(port), "%d", c->pg_port);
    snprintf(timeout, sizeof(timeout), "%d", c->pg_connect_timeout_s);
    conn = PQconnectdbParams(keys, vals, 0);
    if (PQstatus(conn) == CONNECTION_OK)
        PQclear(PQexec(conn, "SET TimeZone = 'UTC'"));
    return conn;
}

/* The session's idle-in-transaction limit (0: none, the default). */
static void set_idle_tx(PGconn *conn, long ms)
{
    char sql[80];

    snprintf(sql, sizeof(sql), "SET idle_in_transaction_session_timeout = %ld",
             ms);
    PQclear(PQexec(conn, sql));
}

/* Server notices ("relation already exists, skipping") are not errors:
 * they go to the debug log instead of raw stderr. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    LOG_DEBUG("PostgreSQL notice", LF_S("notice", message));
}

db *db_open(const config *c, char *err, size_t errlen)
{
    PGconn *conn = connect_with(c);
    db *d;

    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to PostgreSQL at %s:%d: %s",
                 c->pg_host, c->pg_port, PQerrorMessage(conn));
        one_line(err, errlen);
        PQfinish(conn);
        return NULL;
    }
    PQsetNoticeProcessor(conn, on_notice, NULL);
    d = xcalloc(1, sizeof(*d));
    d->conn = conn;
    d->conninfo_host = xasprintf("%s:%d", c->pg_host, c->pg_port);
    return d;
}

db *db_open_anyway(const config *c)
{
    PGconn *conn = connect_with(c);
    db *d = xcalloc(1, sizeof(*d));

    PQsetNoticeProcessor(conn, on_notice, NULL);
    d->conn = conn;
    d->conninfo_host = xasprintf("%s:%d", c->pg_host, c->pg_port);
    return d;
}

void db_set_idle_tx_timeout(db *d, long ms)
{
    d->idle_tx_ms = ms > 0 ? ms : 0;
    if (PQstatus(d->conn) == CONNECTION_OK)
        set_idle_tx(d->conn, d->idle_tx_ms);
}

void db_close(db *d)
{
    if (!d)
        return;
    PQfinish(d->conn);
    free(d->conninfo_host);
    free(d);
}

/* Reconnects a dropped connection. Prepared statements die with the
 * old session, so the cache is emptied. */
static int reconnect(db *d)
{
    PQreset(d->conn);
    d->nprepared = 0;
    d->in_tx = 0;
    if (PQstatus(d->conn) != CONNECTION_OK) {
        set_err(d, "cannot reconnect to PostgreSQL", PQerrorMessage(d->conn));
        return DB_RETRY;
    }
    /* (a new session: what connect_with and db_set_idle_tx_timeout set
     * on the old one is set again; the time zone had been the server's
     * after a PostgreSQL restart) */
    PQclear(PQexec(d->conn, "SET TimeZone = 'UTC'"));
    if (d->idle_tx_ms > 0)
        set_idle_tx(d->conn, d->idle_tx_ms);
    LOG_INFO("reconnected to PostgreSQL", LF_S("server", d->conninfo_host));
    return DB_OK;
}

/* 1 when the server refused a statement for a table or column it does
 * not have (undefined_table, undefined_column): the database was never
 * migrated, or is behind this build. */
static int schema_behind(const char *state)
{
    return state &&
           (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0);
}

int db_schema_behind(const db *d)
{
    return schema_behind(d->sqlstate);
}

int db_sqlstate_transient(const char *state)
{
    static const char *const states[] = {
        "40001", /* serialization_failure */
        "40P01", /* deadlock_detected */
        "57P01", /* admin_shutdown */
        "57P02", /* crash_shutdown */
        "57P03", /* cannot_connect_now: starting or in recovery */
        "25006", /* read_only_sql_transaction: a standby answered */
        "53100", /* disk_full */
        "53300", /* too_many_connections */
    };

    if (!state)
        return 0;
    if (strncmp(state, "08", 2) == 0) /* connection_exception */
        return 1;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(state, states[i]) == 0)
            return 1;
    return 0;
}

static int classify(db *d, PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

    if (schema_behind(state) && primary)
        snprintf(d->err, sizeof(d->err), "PostgreSQL error: %s" DB_SCHEMA_HINT,
                 primary);
    else
        set_err(d, "PostgreSQL error", PQresultErrorMessage(r));
    snprintf(d->sqlstate, sizeof(d->sqlstate), "%s", state ? state : "");
    if (PQstatus(d->conn) != CONNECTION_OK)
        return DB_RETRY;
    return db_sqlstate_transient(state) ? DB_RETRY : DB_FAIL;
}

static int finish(db *d, PGresult *r, PGresult **res)
{
    ExecStatusType st = PQresultStatus(r);
    int rc;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (res)
            *res = r;
        else
            PQclear(r);
        return DB_OK;
    }
    rc = classify(d, r);
    PQclear(r);
    return rc;
}

static int is_prepared(const db *d, const char *name)
{
    for (int i = 0; i < d->nprepared; i++)
        if (d->prepared[i] == name || strcmp(d->prepared[i], name) == 0)
            return 1;
    return 0;
}

static int exec_once(db *d, const char *name, const char *sql, int nparams,
                     const char *const *params, int binary, PGresult **res)
{
    PGresult *r;

    if (name && !is_prepared(d, name)) {
        r = PQprepare(d->conn, name, sql, nparams, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return finish(d, r, NULL);
        PQclear(r);
        if (d->nprepared < DB_MAX_PREPARED)
            d->prepared[d->nprepared++] = name;
    }
    if (name)
        r = PQexecPrepared(d->conn, name, nparams, params, NULL, NULL, binary);
    else
        r = PQexecParams(d->conn, sql, nparams, NULL, params, NULL, NULL,
                         binary);
    return finish(d, r, res);
}

static int exec_with(db *d, const char *name, const char *sql, int nparams,
                     const char *const *params, int binary, PGresult **res)
{
    int rc;

    if (res)
        *res = NULL;
    if (PQstatus(d->conn) != CONNECTION_OK) {
        if (d->in_tx) {
            set_err(d, "PostgreSQL connection lost", "inside a transaction");
            d->in_tx = 0;
            return DB_RETRY;
        }
        rc = reconnect(d);
        if (rc != DB_OK)
            return rc;
    }
    rc = exec_once(d, name, sql, nparams, params, binary, res);
    if (rc == DB_RETRY && !d->in_tx && PQstatus(d->conn) != CONNECTION_OK &&
        reconnect(d) == DB_OK)
        rc = exec_once(d, name, sql, nparams, params, binary, res);
    return rc;
}

int db_execp(db *d, const char *name, const char *sql, int nparams,
             const char *const *params, PGresult **res)
{
    return exec_with(d, name, sql, nparams, params, 0, res);
}

int db_execp_bin(db *d, const char *name, const char *sql, int nparams,
                 const char *const *params, PGresult **res)
{
    return exec_with(d, name, sql, nparams, params, 1, res);
}

int db_bin_check(const PGresult *r, const unsigned *oids, int n, char *err,
                 size_t errlen)
{
    if (PQnfields(r) < n) {
        snprintf(err, errlen, "query returned %d columns, expected %d",
                 PQnfields(r), n);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (PQfformat(r, i) != 1 || PQftype(r, i) != oids[i]) {
            snprintf(err, errlen,
                     "column %d (%s) has type oid %u, expected %u in binary", i,
                     PQfname(r, i), (unsigned)PQftype(r, i), oids[i]);
            return -1;
        }
    return 0;
}

/* The big-endian bytes of a binary value of len bytes, or 0. */
static uint64_t bin_bits(const PGresult *r, int row, int col, int len)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t v = 0;

    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != len)
        return 0;
    for (int i = 0; i < len; i++)
        v = v << 8 | p[i];
    return v;
}

int32_t db_bin_i4(const PGresult *r, int row, int col)
{
    return (int32_t)(uint32_t)bin_bits(r, row, col, 4);
}

int64_t db_bin_i8(const PGresult *r, int row, int col)
{
    return (int64_t)bin_bits(r, row, col, 8);
}

double db_bin_f8(const PGresult *r, int row, int col)
{
    uint64_t bits = bin_bits(r, row, col, 8);
    double v;

    memcpy(&v, &bits, sizeof(v));
    return v;
}

int db_exec(db *d, const char *sql, int nparams, const char *const *params,
            PGresult **res)
{
    return db_execp(d, NULL, sql, nparams, params, res);
}

int db_exec_script(db *d, const char *sql)
{
    if (PQstatus(d->conn) != CONNECTION_OK && reconnect(d) != DB_OK)
        return DB_RETRY;
    return finish(d, PQexec(d->conn, sql), NULL);
}

int db_begin(db *d)
{
    int rc = db_exec(d, "BEGIN", 0, NULL, NULL);

    if (rc == DB_OK)
        d->in_tx = 1;
    return rc;
}

int db_commit(db *d)
{
    int rc = db_exec(d, "COMMIT", 0, NULL, NULL);

    d->in_tx = 0;
    return rc;
}

void db_rollback(db *d)
{
    if (PQstatus(d->conn) == CONNECTION_OK &&
        PQtransactionStatus(d->conn) != PQTRANS_IDLE)
        PQclear(PQexec(d->conn, "ROLLBACK"));
    d->in_tx = 0;
}

int db_ping(db *d)
{
    return db_exec(d, "SELECT 1", 0, NULL, NULL);
}

void db_array_add(buf *b, const char *s, size_t len, int first)
{
    if (!first)
        buf_addc(b, ',');
    if (!s) {
        buf_adds(b, "NULL");
        return;
    }
    buf_grow(b, len + 2);
    buf_addc(b, '"');
    for (size_t i = 0; i < len;) {
        size_t run = i;

        while (run < len && s[run] != '"' && s[run] != '\\')
            run++;
        buf_add(b, s + i, run - i);
        if (run == len)
            break;
        buf_addc(b, '\\');
        buf_addc(b, s[run]);
        i = run + 1;
    }
    buf_addc(b, '"');
}
