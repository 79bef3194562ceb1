#include "lib/url.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/hex.h"

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The host at p: its length, or 0 when there is none. */
static size_t host_span(const char *p)
{
    size_t n = 0;

    if (*p == '[') {
        for (n = 1; hex_digit(p[n]) >= 0 || p[n] == ':' || p[n] == '.'; n++)
            ;
        return p[n] == ']' && n >= 3 ? n + 1 : 0;
    }
    while (is_alpha(p[n]) || is_digit(p[n]) || p[n] == '.' || p[n] == '-')
        n++;
    return n;
}

int url_split(const char *url, url_parts *out)
{
    const char *p = url;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (!is_alpha(*p))
        return -1;
    while (is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (strncmp(p, "://", 3) != 0)
        return -1;
    out->scheme = url;
    out->scheme_len = (size_t)(p - url);
    p += 3;
    if ((n = host_span(p)) == 0)
        return -1;
    out->host = p;
    out->host_len = n;
    p += n;
    if (*p == ':') {
        int port = 0, digits = 0;

        for (p++; is_digit(*p) && digits < 6; p++, digits++)
            port = port * 10 + (*p - '0');
        if (digits == 0 || digits > 5 || port < 1 || port > 65535)
            return -1;
        out->port = port;
    }
    if (*p && *p != '/' && *p != '?' && *p != '#')
        return -1;
    out->rest = p;
    return 0;
}

int url_has_userinfo(const char *url)
{
    const char *p = strstr(url, "://");

    if (!p)
        return 0;
    p += 3;
    return memchr(p, '@', strcspn(p, "/?#")) != NULL;
}

int url_scheme_is(const url_parts *u, const char *name)
{
    return strlen(name) == u->scheme_len &&
           strncasecmp(u->scheme, name, u->scheme_len) == 0;
}

int url_is_loopback(const url_parts *u)
{
    const char *h = u->host;
    size_t n = u->host_len, i;
    int parts;

    if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
        (n == 5 && memcmp(h, "[::1]", 5) == 0))
        return 1;
    if (n < 4 || memcmp(h, "127.", 4) != 0)
        return 0;
    /* four numbers of 0 to 255: "127.0.0.1.5" or "127.0.0.256" is a
     * name for the resolver, which may give any address */
    for (i = 0, parts = 0; i < n; parts++) {
        int value = 0, digits = 0;

        for (; i < n && is_digit(h[i]) && digits < 4; i++, digits++)
            value = value * 10 + (h[i] - '0');
        if (digits == 0 || digits > 3 || value > 255 || parts == 4 ||
            (i < n && (h[i] != '.' || ++i == n)))
            return 0;
    }
    return parts == 4;
}

int url_origin(const char *url, char *out, size_t cap)
{
    url_parts u;
    int https, len;

    if (url_split(url, &u) < 0)
        return -1;
    https = url_scheme_is(&u, "https");
    if (!https && !url_scheme_is(&u, "http"))
        return -1;
    len = snprintf(out, cap, "%s://%.*s:%d", https ? "https" : "http",
                   (int)u.host_len, u.host,
                   u.port  ? u.port
                   : https ? 443
                           : 80);
    if (len < 0 || (size_t)len >= cap)
        return -1;
    for (char *c = out; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return 0;
}
