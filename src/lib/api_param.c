/*
 * api_param: the checks of what a request brings (query parameters,
 * path ids, cursors, JSON bodies) and the page and single-object
 * answers (part of the api module; see api.h). Every value that reaches
 * PostgreSQL passed one of these checks first, so that a bad input is a
 * 400 with a message and never a database error.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/api.h"
#include "lib/num.h"
#include "lib/xalloc.h"

static const char B64URL[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int api_text_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned char c = p[i];
        size_t more;
        unsigned cp;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return 0;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            cp = c & 0x07u;
        } else {
            return 0;
        }
        if (i + more >= n)
            return 0;
        for (size_t k = 1; k <= more; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        /* C1 controls; the bidirectional embeddings, overrides and
         * isolates, which turn the text after them around on a screen
         * (a reason with U+202E read backwards on the dashboard); and
         * the invisible zero width space, word joiner and byte order
         * mark, with which "Ap\u200bple Inc" looked like Apple's name,
         * and the Hangul fillers, as invisible; and the line and
         * paragraph separators, which break a line of text; and the
         * noncharacters (U+FDD0-FDEF, U+FFFE and U+FFFF of every plane)
         * and the tag characters, never text to show */
        if (cp <= 0x9f || (cp >= 0x202a && cp <= 0x202e) ||
            (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200b || cp == 0x2060 ||
            cp == 0xfeff || cp == 0x115f || cp == 0x1160 || cp == 0x3164 ||
            cp == 0xffa0 || cp == 0x2028 || cp == 0x2029 ||
            (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe ||
            (cp >= 0xe0000 && cp <= 0xe007f))
            return 0;
        i += more + 1;
    }
    return 1;
}

int api_param_str(api_call *c, const char *name, size_t maxlen, char *out,
                  size_t cap)
{
    char *tmp = xmalloc(maxlen + 2);
    int rc = -1;
    int got = http_query_param(c->req, name, tmp, maxlen + 2);
    if (got == 0) {
        rc = 0;
    } else if (got < 0 || strlen(tmp) > maxlen) {
        api_error(c, 400, "invalid_parameter", "%s is longer than %zu bytes",
                  name, maxlen);
    } else if (!api_text_ok(tmp, strlen(tmp))) {
        api_error(c, 400, "invalid_parameter",
                  "%s must be UTF-8 text without control characters", name);
    } else if (strlen(tmp) >= cap) {
        api_error(c, 400, "invalid_parameter", "%s is too long", name);
    } else {
        memcpy(out, tmp, strlen(tmp) + 1);
        rc = 1;
    }
    free(tmp);
    return rc;
}

int api_param_int(api_call *c, const char *name, long long min, long long max,
                  long long *out)
{
    char v[32];
    long long n;
    int got = http_query_param(c->req, name, v, sizeof(v));

    if (got == 0)
        return 0;
    if (got < 0 || num_int(v, min, max, &n) < 0) {
        api_error(c, 400, "invalid_parameter",
                  "%s must be an integer from %lld to %lld", name, min, max);
        return -1;
    }
    *out = n;
    return 1;
}

int api_param_bool(api_call *c, const char *name, int *out)
{
    char v[8];
    int got = http_query_param(c->req, name, v, sizeof(v));

    if (got == 0)
        return 0;
    if (got > 0 && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)) {
        *out = 1;
        return 1;
    }
    if (got > 0 && (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)) {
        *out = 0;
        return 1;
    }
    api_error(c, 400, "invalid_parameter", "%s must be true or false", name);
    return -1;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* "YYYY-MM-DD" at s, checked. */
static int parse_date(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, y) ||
        digits(s + 5, 2, m) || digits(s + 8, 2, d))
        return -1;
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    return 0;
}

/* The ISO 8601 UTC forms accepted (see api.h); writes the canonical
 * form into out. */
static int parse_time(const char *s, char out[40])
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    const char *p = s + 10;
    char frac[8] = "";

    if (parse_date(s, &y, &mo, &d) < 0)
        return -1;
    if (*p == 'T' || *p == 't') {
        if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi))
            return -1;
        p += 6;
        if (*p == ':') {
            if (digits(p + 1, 2, &sec))
                return -1;
            p += 3;
            if (*p == '.') {
                size_t n = strspn(p + 1, "0123456789");

                if (n == 0 || n > 6)
                    return -1;
                frac[0] = '.';
                memcpy(frac + 1, p + 1, n);
                frac[n + 1] = '\0';
                p += n + 1;
            }
        }
        if (strcmp(p, "Z") != 0 && strcmp(p, "z") != 0 &&
            strcmp(p, "+00:00") != 0)
            return -1;
        if (h > 23 || mi > 59 || sec > 59)
            return -1;
    } else if (*p) {
        return -1;
    }
    snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", y, mo, d, h, mi, sec,
             frac);
    return 0;
}

int api_param_time(api_call *c, const char *name, char out[40])
{
    char v[48];
    int got = http_query_param(c->req, name, v, sizeof(v));

    if (got == 0)
        return 0;
    if (got < 0 || parse_time(v, out) < 0) {
        api_error(
            c, 400, "invalid_parameter",
            "%s must be an ISO 8601 UTC date or date-time, like 2011-09-01 or "
            "2011-09-01T13:30:00Z",
            name);
        return -1;
    }
    return 1;
}

int api_limit(api_call *c, long *limit)
{
    long long v = API_PAGE_DEFAULT;

    if (api_param_int(c, "limit", 1, API_PAGE_MAX, &v) < 0)
        return -1;
    *limit = (long)v;
    return 0;
}

static void b64url_encode(buf *b, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        size_t left = n - i;

        if (left > 1)
            v |= (unsigned)s[i + 1] << 8;
        if (left > 2)
            v |= s[i + 2];
        buf_addc(b, B64URL[(v >> 18) & 63]);
        buf_addc(b, B64URL[(v >> 12) & 63]);
        if (left > 1)
            buf_addc(b, B64URL[(v >> 6) & 63]);
        if (left > 2)
            buf_addc(b, B64URL[v & 63]);
    }
}

/* Returns the decoded length, or -1 on a bad character or length. */
static long b64url_decode(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s), o = 0;
    unsigned v = 0;
    int bits = 0;

    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(B64URL, s[i]);

        if (!p || !s[i])
            return -1;
        v = (v << 6) | (unsigned)(p - B64URL);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (unsigned char)((v >> bits) & 0xff);
        }
    }
    return (long)o;
}

static int cursor_part_ok(char kind, const char *s)
{
    long long n;
    int y, m, d;
    char canon[40];

    switch (kind) {
    case 'i':
        return num_int(s, LLONG_MIN, LLONG_MAX, &n) == 0;
    case 'd':
        return strlen(s) == 10 && parse_date(s, &y, &m, &d) == 0;
    case 't':
        return parse_time(s, canon) == 0;
    default:
        return s[0] && api_text_ok(s, strlen(s));
    }
}

int api_cursor(api_call *c, const char *kinds,
               char parts[][API_CURSOR_PART_MAX])
{
    char v[API_CURSOR_PARTS * API_CURSOR_PART_MAX * 2];
    unsigned char raw[API_CURSOR_PARTS * API_CURSOR_PART_MAX];
    size_t nk = strlen(kinds), k = 0;
    int got = http_query_param(c->req, "cursor", v, sizeof(v));
    long n;
    char *p, *save = NULL;

    if (got == 0)
        return 0;
    n = got < 0 ? -1 : b64url_decode(v, raw, sizeof(raw) - 1);
    if (n < 0)
        goto bad;
    raw[n] = '\0';
    if (memchr(raw, '\0', (size_t)n))
        goto bad;
    for (p = strtok_r((char *)raw, "\n", &save); p;
         p = strtok_r(NULL, "\n", &save)) {
        if (k >= nk || strlen(p) >= API_CURSOR_PART_MAX ||
            !cursor_part_ok(kinds[k], p))
            goto bad;
        memcpy(parts[k++], p, strlen(p) + 1);
    }
    if (k != nk)
        goto bad;
    return 1;
bad:
    api_error(c, 400, "invalid_cursor",
              "cursor is not one this route gave out; start again without it");
    return -1;
}

int api_arg_id(api_call *c, int index, long long *id)
{
    const char *s = c->args[index];

    if (!s || num_int(s, 1, LLONG_MAX, id) < 0) {
        api_error(c, 400, "invalid_parameter",
                  "id must be a positive integer no larger than %lld",
                  LLONG_MAX);
        return -1;
    }
    return 0;
}

void api_add_json(buf *b, const char *s, size_t n)
{
    size_t start = 0;
    int in_str = 0;

    buf_grow(b, n);
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
            buf_add(b, s + start, i - start);
            start = i + 1;
        }
    }
    if (start < n)
        buf_add(b, s + start, n - start);
}

/* Type OIDs of the columns the APIs select (pg_type.h of the server,
 * which clients do not get). */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_JSON = 114,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_TIMESTAMP = 1114,
    OID_NUMERIC = 1700,
    OID_JSONB = 3802,
};

/* "2011-09-01 13:30:00[.123]" (a timestamp at UTC, DateStyle ISO) as
 * "2011-09-01T13:30:00Z"; anything else as a plain string. */
static void add_utc(buf *b, const char *v, size_t n)
{
    if (n >= 19 && v[10] == ' ' && v[4] == '-' && v[13] == ':' &&
        (n == 19 || v[19] == '.')) {
        buf_addc(b, '"');
        buf_add(b, v, 10);
        buf_addc(b, 'T');
        buf_add(b, v + 11, 8);
        buf_adds(b, "Z\"");
        return;
    }
    buf_add_json_str(b, v, n);
}

static void add_value(buf *b, const PGresult *r, int row, int col)
{
    const char *v = PQgetvalue(r, row, col);
    size_t n = (size_t)PQgetlength(r, row, col);

    if (PQgetisnull(r, row, col)) {
        buf_adds(b, "null");
        return;
    }
    switch (PQftype(r, col)) {
    case OID_BOOL:
        buf_adds(b, v[0] == 't' ? "true" : "false");
        break;
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
        buf_add(b, v, n);
        break;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        /* NaN and the infinities have no JSON form. */
        if ((v[0] >= '0' && v[0] <= '9') ||
            (v[0] == '-' && v[1] >= '0' && v[1] <= '9'))
            buf_add(b, v, n);
        else
            buf_adds(b, "null");
        break;
    case OID_JSON:
    case OID_JSONB:
        api_add_json(b, v, n);
        break;
    case OID_TIMESTAMP:
        add_utc(b, v, n);
        break;
    default:
        buf_add_json_str(b, v, n);
    }
}

void api_row_object(buf *b, const PGresult *r, int row, int from)
{
    buf_addc(b, '{');
    for (int col = from; col < PQnfields(r); col++) {
        const char *name = PQfname(r, col);

        if (col > from)
            buf_addc(b, ',');
        buf_add_json_str(b, name, strlen(name));
        buf_addc(b, ':');
        add_value(b, r, row, col);
    }
    buf_addc(b, '}');
}

void api_rows_array(buf *b, const PGresult *r, int from)
{
    buf_addc(b, '[');
    for (int i = 0; i < PQntuples(r); i++) {
        if (i)
            buf_addc(b, ',');
        api_row_object(b, r, i, from);
    }
    buf_addc(b, ']');
}

void api_page(api_call *c, PGresult *r, long limit, int ncur)
{
    buf *b = &c->res->body;
    int rows = PQntuples(r);
    int n = rows > limit ? (int)limit : rows;

    buf_reset(b);
    buf_adds(b, "{\"items\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            buf_addc(b, ',');
        api_row_object(b, r, i, ncur);
    }
    buf_adds(b, "],\"next_cursor\":");
    if (rows > limit && n > 0 && ncur > 0) {
        buf raw;

        buf_init(&raw);
        for (int k = 0; k < ncur; k++) {
            if (k)
                buf_addc(&raw, '\n');
            buf_adds(&raw, PQgetvalue(r, n - 1, k));
        }
        buf_addc(b, '"');
        b64url_encode(b, (const unsigned char *)raw.data, raw.len);
        buf_addc(b, '"');
        buf_release(&raw);
    } else {
        buf_adds(b, "null");
    }
    buf_addc(b, '}');
}

void api_one(api_call *c, PGresult *r, const char *what)
{
    if (PQntuples(r) == 0) {
        api_error(c, 404, "not_found", "%s", what);
        return;
    }
    buf_reset(&c->res->body);
    api_row_object(&c->res->body, r, 0, 0);
}

void api_json_problem(const json_error_t *je, const char *what, char *out,
                      size_t cap)
{
    if (json_error_code(je) == json_error_null_character)
        snprintf(out, cap,
                 "%s holds a NUL (\\u0000), which is not allowed (line %d, "
                 "column %d)",
                 what, je->line, je->column);
    else
        snprintf(out, cap, "%s is not valid JSON: %s (line %d, column %d)",
                 what, je->text, je->line, je->column);
}

json_t *api_json_body(api_call *c)
{
    json_error_t je;
    json_t *o;
    char msg[JSON_ERROR_TEXT_LENGTH + 100];

    if (!http_require_json(c->req, c->res))
        return NULL;
    if (c->req->body_len == 0) {
        api_error(c, 400, "invalid_json",
                  "the request body is empty; send a JSON object");
        return NULL;
    }
    o = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        api_json_problem(&je, "the request body", msg, sizeof(msg));
        api_error(c, 400, "invalid_json", "%s", msg);
        return NULL;
    }
    if (!json_is_object(o)) {
        api_error(c, 400, "invalid_json",
                  "the request body must be a JSON object");
        json_decref(o);
        return NULL;
    }
    return o;
}
