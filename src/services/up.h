/*
 * up: `stonks up`, the whole stack on one machine. It prepares the
 * database (migrations, and the watchlist when it is empty), runs every
 * service of the deployment topology as its own child process on its
 * own 127.0.0.1 port, restarts a child that dies (with backoff), serves
 * the dashboard with nginx and the chart's proxy rules, prints the
 * URLs, and stops everything on SIGINT or SIGTERM.
 */
#ifndef STONKS_UP_H
#define STONKS_UP_H

#include <limits.h>
#include <sys/types.h>

#include <stddef.h>

#include "lib/config.h"

/* The command. Returns the process exit code: 0 after a clean stop, 1
 * when the stack could not start, 2 for a usage or settings error. */
int cmd_up(int argc, char **argv);

/* In a supervisor's child, after fork: SIGTERM when the supervisor
 * (parent, its pid before the fork) ends, however it ends, so that a
 * supervisor killed outright leaves none of its services running; exits
 * at once when it ended already. */
void up_end_with_parent(pid_t parent);

/* Makes the folder of STONKS_VAR_DIR (dir) and its log folder logdir,
 * and writes dir's full path into var. Returns 0, or -1 after saying,
 * for cmd ("up", "demo"), what is wrong and what to do. */
int up_var_dir(const char *dir, const char *logdir, const char *cmd,
               char var[PATH_MAX]);

/* The lock of the folder var (its full path) for the command cmd
 * ("up", "demo"): one of them at a time per folder. Returns 0 (held
 * until the process ends), or -1 after printing who holds it or why it
 * cannot be taken. */
int up_take_lock(const char *var, const char *cmd);

/* 1 when path can stand inside a double-quoted nginx string as it is
 * (the web root, the prefix's files), else 0: no '"', '\' or '$',
 * which nginx reads as the end of the string, an escape or a variable,
 * and no control character. */
int up_nginx_path_ok(const char *path);

/* A port a supervisor (up, demo) will have listened on: what listens
 * ("query-api (replica 2)") and where this stack binds it (NULL: a
 * server of its own, PostgreSQL or Redis, that holds it already). */
typedef struct up_port {
    char what[64];
    int port;
    const char *addr;
} up_port;

void up_port_add(up_port *p, size_t *n, const char *what, int replica, int port,
                 const char *addr);

/* PostgreSQL's and Redis's ports when they run on this machine. */
void up_port_add_servers(const config *c, up_port *p, size_t *n);

/* 0 when no two of p[0..n) share a port and none of this stack's is
 * taken by another program or on an address no interface has; else -1
 * after a message for `stonks cmd` naming both, or the one, and the
 * settings that move them. */
int up_ports_check(const char *cmd, const up_port *p, size_t n,
                   const char *settings);

#endif
