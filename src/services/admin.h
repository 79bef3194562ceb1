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

/* Apply pending migrations / load the watchlist on an open connection.
 * Return 0, or -1 with a message in err. *applied / *loaded count what
 * changed. */
int admin_migrate(db *d, const config *c, int *applied, char *err,
                  size_t errlen);
int admin_seed(db *d, const config *c, int *loaded, char *err, size_t errlen);

int cmd_migrate(int argc, char **argv);
int cmd_seed(int argc, char **argv);

#endif
