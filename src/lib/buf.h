/*
 * buf: a growable byte buffer, always NUL-terminated, for building
 * strings, JSON and SQL parameter text. The struct is owned by the
 * caller: buf_init before use, buf_release after; buf_detach hands the
 * bytes to the caller (free with free()).
 */
#ifndef STONKS_BUF_H
#define STONKS_BUF_H

#include <stddef.h>

typedef struct buf {
    char *data; /* always NUL-terminated once initialised */
    size_t len;
    size_t cap;
} buf;

void buf_init(buf *b);
void buf_release(buf *b);
void buf_reset(buf *b);
void buf_grow(buf *b, size_t extra);
void buf_add(buf *b, const void *data, size_t len);
void buf_adds(buf *b, const char *s);
void buf_addc(buf *b, char c);
void buf_addf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends s as a JSON string literal (with quotes), escaping control
 * characters, quotes and backslashes. Valid UTF-8 is copied as is; a
 * byte that is not part of valid UTF-8 becomes \u00XX, so the result is
 * always valid JSON. */
void buf_add_json_str(buf *b, const char *s, size_t len);

/* Returns the data and leaves b empty; the caller frees. */
char *buf_detach(buf *b, size_t *len);

#endif
