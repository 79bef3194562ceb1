/*
 * cli: what every command does first: --help detection, reading the
 * configuration (a bad setting stops the command with the variable's
 * name), and starting the JSON log under the command's name.
 */
#ifndef STONKS_CLI_H
#define STONKS_CLI_H

#include "lib/config.h"

/* 1 when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* For a command that takes no arguments (from argv[first] on): when
 * argv holds -h or --help, 0 (the command prints its help); else, for
 * the first other argument, prints "stonks CMD: unknown argument 'X'
 * (see --help)" and returns 2, the exit status of misuse; else 0. */
int cli_no_more_args(const char *cmd, int argc, char **argv, int first);

/* For the commands that refuse an option given twice (the later one
 * would silently win): 1 when argv[i] equals the option at one of the
 * positions seen[0..*n) read before it; else 0, after adding i to seen
 * (which has room for argc positions). */
int cli_given_before(char **argv, int i, int *seen, int *n);

/* Loads c and starts logging as service. Returns 0, or -1 after
 * printing the configuration error (the caller exits 2): as a JSON log
 * line and as "stonks SERVICE: message" on stderr. */
int cli_start(const char *service, config *c);

/* cli_start for a command that runs once and reports to a person
 * (stonks sql, seed, report...): the error as the one stderr line
 * only, as its other errors are. */
int cli_start_tool(const char *command, config *c);

#endif
