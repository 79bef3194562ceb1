/*
 * admin: the one-shot commands that prepare a database: `stonks migrate`
 * (numbered SQL files, each applied once, recorded in
 * schema_migrations) and `stonks seed` (the watchlist with names,
 * sectors and aliases). Both are safe to run again and from several
 * processes at once (an advisory lock serialises them).
 */
#ifndef STONKS_ADMIN_H
#define STONKS_ADMIN_H

#include "lib/config.h"
#include "lib/db.h"
#include "lib/queue.h"

/* Apply pending migrations / load the watchlist on an open connection.
 * Return 0, or -1 with a message in err. *applied / *loaded count what
 * changed. */
int admin_migrate(db *d, const config *c, int *applied, char *err,
                  size_t errlen);
int admin_seed(db *d, const config *c, int *loaded, char *err, size_t errlen);

/* One supervisor (`stonks up`, `stonks demo`) per database: takes a
 * session advisory lock on d, held while d stays open. Returns 0, 1
 * when another session holds it (err says what to do, for cmd, "up"
 * or "demo"), or -1 with a database error in err. A demo emptied the
 * tables under a running stack that shared its database. */
int admin_stack_lock(db *d, const config *c, const char *cmd, char *err,
                     size_t errlen);

/* Keeps the lock of admin_stack_lock while the supervisor runs: a
 * PostgreSQL restart ends the session that held it, and the client's
 * reconnection does not take it back. Called every second or so: 0
 * while held (taken again when lost), 1 when another session took it
 * meanwhile, -1 on a database error (tried again on the next call). */
int admin_stack_lock_keep(db *d);

/* admin_stack_lock_keep with its log lines, for cmd ("up", "demo"):
 * an error when another supervisor took the lock, once until it is
 * held again. *lost carries that between calls (start at 0). */
void admin_stack_lock_watch(db *d, const char *cmd, int *lost);

/* The supervisor's mark in Redis (KEY_SUPERVISOR), for the second the
 * lock above leaves open after a PostgreSQL restart (a demo from
 * another folder started in it got past the lock and emptied the
 * tables under the running stack). admin_stack_me writes this
 * supervisor's mark into out. admin_stack_claim, after
 * admin_stack_lock: 0 when no other supervisor's mark is there (this
 * one's is set), 1 when one is (err says whose and what to do), -1
 * when Redis cannot be asked (err). admin_stack_beat sets the mark
 * again (every second, with the lock's check; a failure is left to
 * the next call); admin_stack_release removes it when it is still
 * this supervisor's. */
void admin_stack_me(const char *cmd, const char *folder, char *out, size_t cap);
int admin_stack_claim(queue_client *q, const config *c, const char *cmd,
                      const char *me, char *err, size_t errlen);
void admin_stack_beat(queue_client *q, const char *me);
void admin_stack_release(queue_client *q, const char *me);

int cmd_migrate(int argc, char **argv);
int cmd_seed(int argc, char **argv);

#endif
