#include "services/admin.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "services/cli.h"
#include "services/pipeline.h"
#include "services/svc.h"
#include "services/watchlist.h"

#define MIGRATION_MAX_BYTES (4u << 20)
#define ADMIN_LOCK "7411"
#define STACK_LOCK "7413" /* a session's: one up or demo per database */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The migration files of dir, sorted by name: "NNN_name.sql". NULL
 * with a message in err when dir cannot be read or holds none. */
static char **list_migrations(const char *dir, size_t *n, char *err,
                              size_t errlen)
{
    DIR *dh = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t cap = 0;

    *n = 0;
    if (!dh) {
        snprintf(err, errlen, "cannot open MIGRATIONS_DIR %s: %s", dir,
                 strerror(errno));
        return NULL;
    }
    while ((e = readdir(dh))) {
        size_t len = strlen(e->d_name);

        if (len < 8 || strcmp(e->d_name + len - 4, ".sql") ||
            e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xreallocarray(names, cap, sizeof(*names));
        }
        names[(*n)++] = xstrdup(e->d_name);
    }
    closedir(dh);
    if (*n == 0) {
        /* a wrong folder would otherwise pass as "up to date" */
        snprintf(err, errlen,
                 "MIGRATIONS_DIR %s holds no migration files (NNN_name.sql): "
                 "point it at the project's db/migrations",
                 dir);
        return NULL;
    }
    xqsort(names, *n, sizeof(*names), cmp_str);
    /* two files of one number: which runs first is a matter of their
     * names, and a copy renamed by hand would be applied twice */
    for (size_t i = 1; i < *n; i++) {
        size_t a = strspn(names[i - 1], "0123456789");

        if (a == strspn(names[i], "0123456789") &&
            strncmp(names[i - 1], names[i], a) == 0) {
            snprintf(err, errlen,
                     "MIGRATIONS_DIR %s holds two migrations numbered "
                     "%.*s (%s, %s): give each its own number",
                     dir, (int)a, names[i], names[i - 1], names[i]);
            for (size_t k = 0; k < *n; k++)
                free(names[k]);
            free(names);
            *n = 0;
            return NULL;
        }
    }
    return names;
}

static int apply_one(db *d, const char *dir, const char *name, int *applied,
                     char *err, size_t errlen)
{
    const char *params[] = {name};
    char *path = xasprintf("%s/%s", dir, name);
    char *sql = NULL;
    PGresult *r = NULL;
    size_t len;
    int rc = -1;

    if (db_execp(d, "mig_seen",
                 "SELECT 1 FROM schema_migrations WHERE name = $1", 1, params,
                 &r) != DB_OK)
        goto dberr;
    if (PQntuples(r) > 0) {
        rc = 0;
        goto out;
    }
    sql = file_read(path, MIGRATION_MAX_BYTES, &len, err, errlen);
    if (!sql)
        goto out;
    if (db_exec_script(d, sql) != DB_OK ||
        db_execp(d, "mig_record",
                 "INSERT INTO schema_migrations (name) VALUES ($1)", 1, params,
                 NULL) != DB_OK) {
        const char *e = db_error(d);
        size_t n = strlen(e), h = strlen(DB_SCHEMA_HINT);

        /* (not the advice to run the command that is running) */
        if (n >= h && strcmp(e + n - h, DB_SCHEMA_HINT) == 0)
            n -= h;
        snprintf(err, errlen, "migration %s failed: %.*s", name, (int)n, e);
        goto out;
    }
    (*applied)++;
    LOG_DEBUG("migration applied", LF_S("name", name));
    rc = 0;
    goto out;
dberr:
    snprintf(err, errlen, "%s", db_error(d));
out:
    PQclear(r);
    free(sql);
    free(path);
    return rc;
}

/* Warns when the database records migrations that names (n) does not
 * hold: a newer build applied them, and this one may not read its
 * schema right (an older build had said "up to date"). */
static void warn_unknown(db *d, char **names, size_t n)
{
    pgarr a;
    const char *p[1];
    PGresult *r = NULL;

    pgarr_init(&a);
    for (size_t i = 0; i < n; i++)
        pgarr_adds(&a, names[i]);
    p[0] = pgarr_text(&a);
    if (db_exec(d,
                "SELECT string_agg(name, ', ' ORDER BY name) FROM "
                "schema_migrations WHERE NOT (name = ANY ($1::text[]))",
                1, p, &r) == DB_OK &&
        !PQgetisnull(r, 0, 0))
        LOG_WARN("the database holds migrations this build does not have: "
                 "a newer build applied them, and this one may not work "
                 "with the schema; run that build, or this build's "
                 "migrations on a new database",
                 LF_S("unknown", PQgetvalue(r, 0, 0)));
    PQclear(r);
    pgarr_release(&a);
}

int admin_migrate(db *d, const config *c, int *applied, char *err,
                  size_t errlen)
{
    size_t n = 0;
    char **names;
    int rc = -1;

    *applied = 0;
    names = list_migrations(c->migrations_dir, &n, err, errlen);
    if (!names)
        return -1;
    if (db_begin(d) != DB_OK ||
        db_exec(d, "SELECT pg_advisory_xact_lock(" ADMIN_LOCK ")", 0, NULL,
                NULL) != DB_OK ||
        db_exec(d,
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY,"
                " applied_at timestamptz NOT NULL DEFAULT now())",
                0, NULL, NULL) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (apply_one(d, c->migrations_dir, names[i], applied, err, errlen) < 0)
            goto out;
    warn_unknown(d, names, n);
    if (db_commit(d) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        goto out;
    }
    /* one line, once committed (a fresh database's demo began with a
     * line for each) */
    if (*applied > 0)
        LOG_INFO("migrations applied", LF_I("count", *applied),
                 LF_S("latest", names[n - 1]));
    rc = 0;
out:
    if (rc < 0)
        db_rollback(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Seeds one watchlist row, checked by watchlist_row, as the registry
 * stores a symbol (its conflict checks and history). A new symbol is
 * written whole; of a stored one, only the file's aliases and
 * alternative tickers are added, its name, sector and whether it is
 * active left as they are: a symbol edited or deactivated through the
 * registry stays so when the stack seeds again. */
static int seed_row(db *d, const reg_symbol *row, const char *where, char *err,
                    size_t errlen)
{
    reg_symbol s = *row;
    const char *p[] = {row->ticker};
    PGresult *r;
    int outcome;
    char holder[TICKER_MAX];

    if (db_execp(d, "seed_known", "SELECT 1 FROM symbols WHERE ticker = $1", 1,
                 p, &r) != DB_OK) {
        snprintf(err, errlen, "%s%s", where, db_error(d));
        return -1;
    }
    if (PQntuples(r) > 0) {
        s.name = NULL;
        s.sector = NULL;
    }
    PQclear(r);
    s.active = -1;
    switch (reg_store(d, &s, REG_ALIASES_ADD, "import", where, "stonks seed",
                      &outcome, err, errlen, holder)) {
    case 0:
        return 0;
    case 1: {
        /* A stored symbol, changed through the registry since, may
         * clash with the file: say where to mend it. */
        size_t n = strlen(err);

        if (holder[0])
            snprintf(err + n, errlen - n,
                     "; fix it in the registry (PATCH /symbols/%s) or in "
                     "the file",
                     holder);
        return -1;
    }
    default: {
        char what[128];

        snprintf(what, sizeof(what), "%s", err);
        snprintf(err, errlen, "%s%s: %s", where, what, db_error(d));
        return -1;
    }
    }
}

int admin_seed(db *d, const config *c, int *loaded, char *err, size_t errlen)
{
    watchlist_entry *rows = NULL;
    long n;
    int rc = -1;

    *loaded = 0;
    if (!c->watchlist_file[0]) {
        snprintf(err, errlen,
                 "no watchlist file named (WATCHLIST_FILE, or the FILE of "
                 "stonks seed, is empty): give one, such as "
                 "data/watchlist.csv");
        return -1;
    }
    /* The whole file is checked before anything is written. */
    n = watchlist_load(c->watchlist_file, &rows, err, errlen);
    if (n < 0)
        return -1;
    if (db_begin(d) != DB_OK ||
        db_exec(d, "SELECT pg_advisory_xact_lock(" ADMIN_LOCK ")", 0, NULL,
                NULL) != DB_OK ||
        reg_lock(d) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        goto out;
    }
    for (long i = 0; i < n; i++) {
        char where[300];

        snprintf(where, sizeof(where), "%.256s:%d: ", c->watchlist_file,
                 rows[i].line);
        if (reg_bulk_step(d, i) != DB_OK) {
            snprintf(err, errlen, "%s", db_error(d));
            goto out;
        }
        if (seed_row(d, &rows[i].s, where, err, errlen) < 0)
            goto out;
        (*loaded)++;
    }
    if (db_commit(d) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        db_rollback(d);
    watchlist_free(rows, n);
    return rc;
}

static int run_admin(int argc, char **argv, int seed)
{
    config c;
    char err[1024] = "";
    db *d;
    int n = 0, rc;
    const char *name = seed ? "seed" : "migrate";
    /* seed's one optional argument: the file, in place of WATCHLIST_FILE */
    const char *file = seed && argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;

    if (cli_wants_help(argc, argv)) {
        printf(seed ? "usage: stonks seed [FILE]\n  Loads the watchlist "
                      "FILE (default WATCHLIST_FILE) into symbols and\n  "
                      "aliases. The format is data/watchlist.csv's.\n"
                    : "usage: stonks migrate\n  Applies the SQL files "
                      "of MIGRATIONS_DIR not applied yet.\n");
        return 0;
    }
    if (cli_no_more_args(name, argc, argv, file ? 2 : 1))
        return 2;
    if (cli_start_tool(name, &c) < 0)
        return 2;
    if (file) {
        free(c.watchlist_file);
        c.watchlist_file = xstrdup(file);
    }
    d = db_open(&c, err, sizeof(err));
    if (!d) {
        fprintf(stderr, "stonks %s: %s\n", name, err);
        config_release(&c);
        return 1;
    }
    rc = seed ? admin_seed(d, &c, &n, err, sizeof(err))
              : admin_migrate(d, &c, &n, err, sizeof(err));
    if (rc < 0)
        fprintf(stderr, "stonks %s: %s\n", name, err);
    else
        LOG_INFO(seed ? "watchlist loaded" : "migrations up to date",
                 LF_I(seed ? "symbols" : "applied", n));
    db_close(d);
    config_release(&c);
    return rc < 0 ? 1 : 0;
}

int cmd_migrate(int argc, char **argv)
{
    return run_admin(argc, argv, 0);
}

int cmd_seed(int argc, char **argv)
{
    return run_admin(argc, argv, 1);
}

int admin_stack_lock(db *d, const config *c, const char *cmd, char *err,
                     size_t errlen)
{
    PGresult *r;
    int held;

    if (db_exec(d, "SELECT pg_try_advisory_lock(" STACK_LOCK ")", 0, NULL,
                &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        return -1;
    }
    held = PQgetvalue(r, 0, 0)[0] != 't';
    PQclear(r);
    if (held)
        snprintf(err, errlen,
                 "stonks %s: another stonks up or demo uses the database %s "
                 "at %s:%d: stop that one first (Ctrl-C), or give this one "
                 "its own STONKS_PG_PORT, STONKS_REDIS_PORT and "
                 "STONKS_STACK_DIR",
                 cmd, c->pg_db, c->pg_host, c->pg_port);
    return held;
}

int admin_stack_lock_keep(db *d)
{
    /* (an advisory lock on one bigint key is classid 0, objid the key,
     * objsubid 1 in pg_locks; CASE evaluates in order, so the lock is
     * not taken a second time when held) */
    static const char sql[] =
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks"
        " WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        " AND classid = 0 AND objid = " STACK_LOCK " AND objsubid = 1"
        " AND granted) THEN true"
        " ELSE pg_try_advisory_lock(" STACK_LOCK ") END";
    PGresult *r;
    int held;

    if (db_exec(d, sql, 0, NULL, &r) != DB_OK)
        return -1;
    held = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return held ? 0 : 1;
}

void admin_stack_me(const char *cmd, const char *folder, char *out, size_t cap)
{
    char host[256] = "";

    gethostname(host, sizeof(host) - 1);
    snprintf(out, cap, "%s pid %ld on %s, folder %s", cmd, (long)getpid(), host,
             folder);
}

int admin_stack_claim(queue_client *q, const config *c, const char *cmd,
                      const char *me, char *err, size_t errlen)
{
    char *other;

    if (queue_lookup(q, KEY_SUPERVISOR, &other) < 0) {
        snprintf(err, errlen, "%s", queue_error(q));
        return -1;
    }
    if (other && strcmp(other, me) != 0) {
        snprintf(err, errlen,
                 "stonks %s: another stonks up or demo (%s) uses the Redis "
                 "at %s:%d (its mark %s is renewed every second): stop that "
                 "one first (Ctrl-C), or give this one its own "
                 "STONKS_PG_PORT, STONKS_REDIS_PORT and STONKS_STACK_DIR; "
                 "the mark of one killed outright is gone %d s later",
                 cmd, other, c->redis_host, c->redis_port, KEY_SUPERVISOR,
                 SUPERVISOR_TTL_MS / 1000);
        free(other);
        return 1;
    }
    free(other);
    if (queue_set_ttl(q, KEY_SUPERVISOR, me, SUPERVISOR_TTL_MS) < 0) {
        snprintf(err, errlen, "%s", queue_error(q));
        return -1;
    }
    return 0;
}

void admin_stack_beat(queue_client *q, const char *me)
{
    queue_set_ttl(q, KEY_SUPERVISOR, me, SUPERVISOR_TTL_MS);
}

void admin_stack_release(queue_client *q, const char *me)
{
    char *v = queue_get(q, KEY_SUPERVISOR);

    if (v && strcmp(v, me) == 0)
        queue_del(q, KEY_SUPERVISOR);
    free(v);
}

void admin_stack_lock_watch(db *d, const char *cmd, int *lost)
{
    int rc = admin_stack_lock_keep(d);

    if (rc == 1 && !*lost)
        LOG_ERROR("the database's supervisor lock was lost (PostgreSQL "
                  "restarted?) and another stonks up or demo holds it now: "
                  "both use this database, and a demo empties its tables; "
                  "stop one of them",
                  LF_S("supervisor", cmd));
    else if (rc == 0 && *lost)
        LOG_INFO("the database's supervisor lock is held again",
                 LF_S("supervisor", cmd));
    if (rc >= 0)
        *lost = rc;
}
