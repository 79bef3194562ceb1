/*
 * xalloc: allocation that never returns NULL. Out of memory is not a
 * condition any caller can recover from, so these abort with a message;
 * nothing else in the code checks their result.
 */
#ifndef STONKS_XALLOC_H
#define STONKS_XALLOC_H

#include <stddef.h>

/* malloc/calloc/realloc that abort on failure. xcalloc and xreallocarray
 * check the size multiplication for overflow. Free with free(). */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);

/* Copies of strings; the caller frees. xstrndup copies at most n bytes
 * and always terminates. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* qsort that also takes an empty array with a NULL base (qsort itself
 * must not be given NULL, even for zero elements). */
void xqsort(void *base, size_t n, size_t size,
            int (*cmp)(const void *, const void *));

/* printf into a new string; the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
