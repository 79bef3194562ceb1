/*
 * logread: reading back the JSON log lines a child process wrote to its
 * log file (lib/log.h's format), for the supervisors that started it
 * (stonks demo and stonks up) to say why it failed.
 */
#ifndef STONKS_LOGREAD_H
#define STONKS_LOGREAD_H

#include <stddef.h>

/* Of the lines path holds past byte from, the last one of level
 * "error", as "msg: error" (or msg alone), or nginx's "[emerg]" one
 * (its text after the tag), into out; "it wrote no error
 * line" when there is none, or the file cannot be read. Reads at most
 * the last LOGREAD_TAIL bytes. Returns 1 when a line was found, else
 * 0. */
#define LOGREAD_TAIL (1u << 20)
int logread_last_error(const char *path, size_t from, char *out, size_t outlen);

/* Of the lines path holds past byte from (its last LOGREAD_TAIL
 * bytes), the value of the whole number field, 0 or more, of the last
 * JSON line whose msg is msg; -1 when there is none. */
long long logread_last_int(const char *path, size_t from, const char *msg,
                           const char *field);

/* The size of path now, or 0: the from of a child about to start. */
size_t logread_size(const char *path);

#endif
