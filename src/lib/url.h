/*
 * url: the one reading of the URLs in our settings (service URLs,
 * provider and feed links, SMTP_URL, CORS_ORIGIN): a scheme, a host and
 * an optional port, and the rest. What does not read plainly (user
 * info, a '\' or '_' in the authority, a port of six digits) is refused
 * rather than interpreted, so that every caller sees the same host.
 */
#ifndef STONKS_URL_H
#define STONKS_URL_H

#include <stddef.h>

/* Pointers into the URL text. */
typedef struct url_parts {
    const char *scheme; /* letters, digits, '+', '-', '.'; not empty */
    size_t scheme_len;
    const char *host; /* [A-Za-z0-9.-]+ or a bracketed IPv6 address */
    size_t host_len;
    int port; /* 1..65535 as written, or 0 when absent */
    const char *rest; /* "" or from the first '/', '?' or '#' */
} url_parts;

/* Splits "scheme://host[:port][rest]". Returns 0, or -1 when url is not
 * of that form. */
int url_split(const char *url, url_parts *out);

/* 1 when url has user info: an '@' between its "://" and the first
 * '/', '?' or '#' after it ("http://user:pw@host/"), which url_split
 * refuses; callers name that problem without echoing the URL. */
int url_has_userinfo(const char *url);

/* 1 when the scheme is name, in any case. */
int url_scheme_is(const url_parts *u, const char *name);

/* 1 when the host is localhost, an IPv4 address 127.x.y.z (four
 * numbers of 0 to 255) or [::1]. */
int url_is_loopback(const url_parts *u);

/* "scheme://host:port" of an http:// or https:// URL, lower case, the
 * port made explicit (80, 443). Returns 0, or -1 when url is not such a
 * URL or the origin does not fit in cap bytes. */
int url_origin(const char *url, char *out, size_t cap);

#endif
