/*
 * demo: `stonks demo` (the replay through every service) and
 * `stonks report` (the per-ticker table of what the database holds).
 */
#ifndef STONKS_DEMO_H
#define STONKS_DEMO_H

#include <stdio.h>

#include "lib/config.h"
#include "lib/db.h"

/* Prints the table per active ticker (documents, signals, mean
 * sentiment, last close, latest recommendation and conviction) and the
 * totals. Returns 0, or -1 with the database's error in err (the
 * caller reports it). */
int demo_print_report(db *d, const config *c, FILE *out, char *err,
                      size_t errlen);

int cmd_demo(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
