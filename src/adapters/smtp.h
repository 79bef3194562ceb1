/*
 * smtp: sends one plain-text e-mail with libcurl (SMTP with STARTTLS, as
 * Gmail wants on port 587). TLS is required unless the server is on a
 * loopback address (a local test server). The password is given to
 * libcurl only; it never appears in a message or a log line.
 */
#ifndef STONKS_SMTP_H
#define STONKS_SMTP_H

#include <stddef.h>

typedef struct smtp_options {
    const char *url; /* smtp://smtp.gmail.com:587 */
    const char *username; /* "" or NULL: no login */
    const char *password;
    long timeout_ms; /* 0 means 15 s */
} smtp_options;

typedef struct smtp_message {
    const char *from;
    const char *to;
    const char *subject; /* one line of ASCII */
    const char *body; /* text; LF or CRLF line ends */
} smtp_message;

/* Sends m. Returns 0, or -1 with a message in err (the server refused,
 * could not connect, TLS could not be started). */
int smtp_send(const smtp_options *o, const smtp_message *m, char *err,
              size_t errlen);

/* Writes the RFC 5322 text of m (headers, blank line, CRLF body) into a
 * new string; the caller frees. date is an RFC 5322 date. */
char *smtp_format(const smtp_message *m, const char *date);

#endif
