#include "adapters/sec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/html.h"
#include "domain/date.h"
#include "domain/text.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

static const char *find_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, needle, n) == 0)
            return s + i;
    return NULL;
}

/* Copies the rest of the line after a header key ("KEY:\tvalue"). */
static void header_field(const char *hdr, size_t len, const char *key,
                         char *out, size_t cap)
{
    const char *p = find_ci(hdr, len, key), *end;
    size_t n;

    if (!p || out[0])
        return;
    p += strlen(key);
    while (*p == ' ' || *p == '\t')
        p++;
    end = p;
    while (end < hdr + len && *end != '\n' && *end != '\r')
        end++;
    n = (size_t)(end - p) < cap - 1 ? (size_t)(end - p) : cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
        out[--n] = '\0';
}

static void yyyymmdd_to_iso(char d[11])
{
    char tmp[11];

    if (strlen(d) != 8)
        return;
    snprintf(tmp, sizeof(tmp), "%.4s-%.2s-%.2s", d, d + 4, d + 6);
    memcpy(d, tmp, 11);
}

/* A <TAG>value line inside a document envelope. */
static void tag_value(const char *s, size_t len, const char *tag, char *out,
                      size_t cap)
{
    header_field(s, len, tag, out, cap);
}

static const char *const month_names[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

/* "November 14, 2024" at s -> "2024-11-14". Returns 1 when found. */
static int long_date(const char *s, char out[11])
{
    for (int m = 0; m < 12; m++) {
        size_t n = strlen(month_names[m]);
        int d, y;
        char sep;

        if (strncasecmp(s, month_names[m], n) != 0)
            continue;
        if (sscanf(s + n, " %d%c %d", &d, &sep, &y) == 3 && sep == ',' &&
            d >= 1 && d <= 31 && y >= 1990 && y <= 2100) {
            date_format(date_from_ymd(y, m + 1, d), out);
            return 1;
        }
    }
    return 0;
}

/* The date of report from the cover page: the first long date within
 * 300 bytes after "Date of Report". */
static void report_date(const char *text, size_t len, char out[11])
{
    const char *p = find_ci(text, len, "Date of Report");

    if (!p || out[0])
        return;
    for (const char *q = p; q < p + 300 && q < text + len; q++)
        if (long_date(q, out))
            return;
}

static void add_item(sec_filing *f, const char *num)
{
    for (size_t i = 0; i < f->nitems; i++)
        if (strcmp(f->items[i], num) == 0)
            return;
    if (f->nitems < SEC_MAX_ITEMS)
        snprintf(f->items[f->nitems++], sizeof(f->items[0]), "%s", num);
}

/* Skips spaces and U+00A0 from p; returns the new position. */
static const char *skip_space(const char *p, const char *end)
{
    for (;;) {
        if (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
            p++;
        else if (p + 1 < end && (unsigned char)p[0] == 0xC2 &&
                 (unsigned char)p[1] == 0xA0)
            p += 2;
        else
            return p;
    }
}

/* "Item 5.02" anywhere; when there is none, "Item 9." integers. */
static void find_items(sec_filing *f, const char *text, size_t len)
{
    const char *end = text + len;

    for (int modern = 1; modern >= 0 && f->nitems == 0; modern--) {
        for (const char *p = text; p + 4 < end; p++) {
            const char *q;
            char num[8];
            int a, b = -1;

            if (strncasecmp(p, "item", 4) != 0 ||
                (p > text && isalpha((unsigned char)p[-1])))
                continue;
            q = skip_space(p + 4, end);
            if (q >= end || !isdigit((unsigned char)*q))
                continue;
            a = 0;
            while (q < end && isdigit((unsigned char)*q) && a < 100)
                a = a * 10 + (*q++ - '0');
            if (q + 2 < end && *q == '.' && isdigit((unsigned char)q[1]) &&
                isdigit((unsigned char)q[2]) &&
                !(q + 3 < end && isdigit((unsigned char)q[3])))
                b = (q[1] - '0') * 10 + (q[2] - '0');
            if (modern && b >= 0 && a >= 1 && a <= 9) {
                snprintf(num, sizeof(num), "%d.%02d", a, b);
                add_item(f, num);
            } else if (!modern && b < 0 && a >= 1 && a <= 12 && q < end &&
                       *q == '.') {
                snprintf(num, sizeof(num), "%d", a);
                add_item(f, num);
            }
        }
    }
}

/* The text of an inline-XBRL fact named name ("dei:DocumentType"). */
static void xbrl_fact(const char *html, size_t len, const char *name, char *out,
                      size_t cap)
{
    char attr[96], err[64];
    const char *p, *start, *stop;
    buf b;

    if (out[0])
        return;
    snprintf(attr, sizeof(attr), "name=\"%s\"", name);
    p = find_ci(html, len, attr);
    if (!p)
        return;
    start = memchr(p, '>', (size_t)(html + len - p));
    if (!start)
        return;
    start++;
    stop = find_ci(start, (size_t)(html + len - start), "</ix:");
    if (!stop || stop - start > 4096)
        return;
    buf_init(&b);
    if (html_fragment_text(start, (size_t)(stop - start), 0, &b, err,
                           sizeof(err)) == 0)
        snprintf(out, cap, "%s", b.data);
    buf_release(&b);
}

static int is_html(const char *s, size_t len)
{
    size_t n = len < 4096 ? len : 4096;

    return find_ci(s, n, "<html") || find_ci(s, n, "<body") ||
           find_ci(s, n, "<div") || find_ci(s, n, "<p");
}

/* Old plain text as UTF-8: when it is not UTF-8 it is read as Latin-1
 * (as libxml2 reads HTML that is not), and a NUL byte is a space. */
static void plain_text(const char *s, size_t len, buf *out)
{
    int utf8 = text_valid_utf8(s, len);

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == 0) {
            buf_addc(out, ' ');
        } else if (c < 0x80 || utf8) {
            buf_addc(out, (char)c);
        } else {
            buf_addc(out, (char)(0xC0 | (c >> 6)));
            buf_addc(out, (char)(0x80 | (c & 0x3F)));
        }
    }
}

/* Plain text of a document body (HTML or old plain text). */
static int body_text(sec_filing *f, const char *s, size_t len, size_t max,
                     char *err, size_t errlen)
{
    buf b;

    buf_init(&b);
    if (is_html(s, len)) {
        if (html_to_text(s, len, NULL, max, &b, err, errlen) < 0) {
            buf_release(&b);
            return -1;
        }
    } else {
        plain_text(s, len, &b);
    }
    f->text = buf_detach(&b, &f->text_len);
    return 0;
}

/* The <TEXT> of a <DOCUMENT> envelope at doc. */
static int envelope(sec_filing *f, const char *doc, size_t len, size_t max,
                    char *err, size_t errlen)
{
    const char *t = find_ci(doc, len, "<TEXT>"), *e;

    if (!t) {
        snprintf(err, errlen, "SEC document has no <TEXT>");
        return -1;
    }
    t += 6;
    e = find_ci(t, (size_t)(doc + len - t), "</TEXT>");
    if (!e)
        e = doc + len;
    return body_text(f, t, (size_t)(e - t), max, err, errlen);
}

/* The length of the <DOCUMENT> at p, up to its end tag or to end. */
static size_t doc_len(const char *p, const char *end)
{
    const char *e = find_ci(p, (size_t)(end - p), "</DOCUMENT>");

    return (size_t)((e ? e : end) - p);
}

static int submission(sec_filing *f, const char *s, size_t len, size_t max,
                      char *err, size_t errlen)
{
    const char *hdr_end = find_ci(s, len, "</SEC-HEADER>");
    size_t hlen = hdr_end ? (size_t)(hdr_end - s) : len;
    const char *doc = NULL;

    header_field(s, hlen, "ACCESSION NUMBER:", f->accession,
                 sizeof(f->accession));
    header_field(s, hlen, "CONFORMED SUBMISSION TYPE:", f->form_type,
                 sizeof(f->form_type));
    header_field(s, hlen, "COMPANY CONFORMED NAME:", f->company,
                 sizeof(f->company));
    header_field(s, hlen, "FILED AS OF DATE:", f->filed, sizeof(f->filed));
    header_field(s, hlen, "CONFORMED PERIOD OF REPORT:", f->period,
                 sizeof(f->period));
    yyyymmdd_to_iso(f->filed);
    yyyymmdd_to_iso(f->period);
    for (const char *p = find_ci(s, len, "<DOCUMENT>"); p;
         p = find_ci(p + 10, (size_t)(s + len - p - 10), "<DOCUMENT>")) {
        char type[32] = "";

        tag_value(p, doc_len(p, s + len), "<TYPE>", type, sizeof(type));
        if (!doc)
            doc = p;
        if (strcmp(type, f->form_type) == 0) {
            doc = p;
            break;
        }
    }
    if (!doc) {
        snprintf(err, errlen, "SEC submission holds no <DOCUMENT>");
        return -1;
    }
    return envelope(f, doc, doc_len(doc, s + len), max, err, errlen);
}

int sec_filing_parse(const char *data, size_t len, size_t max, sec_filing *f,
                     char *err, size_t errlen)
{
    size_t head = len < 512 ? len : 512;
    char fact[64] = "";
    int rc;

    memset(f, 0, sizeof(*f));
    if (!max)
        max = SEC_MAX_BYTES;
    if (len > max) {
        snprintf(err, errlen,
                 "SEC filing of %zu bytes is over the %zu-byte "
                 "limit",
                 len, max);
        return -1;
    }
    if (find_ci(data, head, "<SEC-DOCUMENT>") ||
        find_ci(data, head, "<SEC-HEADER>") ||
        find_ci(data, head, "<IMS-DOCUMENT>")) {
        rc = submission(f, data, len, max, err, errlen);
    } else if (find_ci(data, head, "<DOCUMENT>")) {
        tag_value(data, len, "<TYPE>", f->form_type, sizeof(f->form_type));
        rc = envelope(f, data, len, max, err, errlen);
    } else {
        xbrl_fact(data, len, "dei:DocumentType", f->form_type,
                  sizeof(f->form_type));
        xbrl_fact(data, len, "dei:EntityRegistrantName", f->company,
                  sizeof(f->company));
        xbrl_fact(data, len, "dei:DocumentPeriodEndDate", fact, sizeof(fact));
        long_date(fact, f->period);
        rc = body_text(f, data, len, max, err, errlen);
        if (rc == 0 && !f->form_type[0] &&
            find_ci(f->text, f->text_len, "FORM 8-K"))
            snprintf(f->form_type, sizeof(f->form_type), "8-K");
    }
    if (rc < 0) {
        sec_filing_release(f);
        return -1;
    }
    report_date(f->text, f->text_len, f->period);
    find_items(f, f->text, f->text_len);
    return 0;
}

void sec_filing_release(sec_filing *f)
{
    free(f->text);
    f->text = NULL;
    f->text_len = 0;
}

char *sec_submission_url(const char *index_url)
{
    const char *suffix = strstr(index_url, "-index.htm");
    size_t n;

    if (!suffix)
        return NULL;
    n = (size_t)(suffix - index_url);
    return xasprintf("%.*s.txt", (int)n, index_url);
}
