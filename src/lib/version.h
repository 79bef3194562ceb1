/*
 * version: the version of stonks, the one place it is written.
 * `stonks --version` and `stonks version` print "stonks VERSION". The
 * Helm chart's appVersion names the same release
 * (tests/integration/test_cli.sh compares them).
 */
#ifndef STONKS_VERSION_H
#define STONKS_VERSION_H

#define STONKS_VERSION "0.1.0"

#endif
