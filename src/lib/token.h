/*
 * token: the bearer tokens of API_TOKENS, one check for every HTTP
 * service (api.c's routes and the trading services). The list is read
 * into SHA-256 digests, and a presented token is compared with each in
 * full, so that the time an answer takes says nothing of how much of a
 * real token the presented one shares. A token_set is plain data: read
 * it from any number of threads once loaded.
 */
#ifndef STONKS_TOKEN_H
#define STONKS_TOKEN_H

#include <stddef.h>

#define TOKEN_MAX 16 /* tokens in API_TOKENS */
#define TOKEN_MIN_LEN 16

typedef struct token_set {
    unsigned char digest[TOKEN_MAX][32];
    int n;
} token_set;

/* Reads list: comma-separated tokens, the blanks (spaces, tabs) around
 * each dropped, empty entries skipped. Returns 0, or -1 with a message
 * in err (more than TOKEN_MAX tokens, or the n-th shorter than
 * TOKEN_MIN_LEN); the message never holds a token. */
int token_set_load(token_set *s, const char *list, char *err, size_t errlen);

/* 1 when authorization is "Bearer <token>" (the scheme in any case,
 * spaces after it, blanks after the token) and the token is one of
 * s's; else 0. */
int token_set_allows(const token_set *s, const char *authorization);

/* The first token of list, without the blanks around it: its start,
 * and its length in *len (0 when list names none). For a service that
 * calls another on its own behalf. */
const char *token_first(const char *list, size_t *len);

#endif
