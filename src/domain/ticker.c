#include "domain/ticker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

#define BASE_MAX 10
#define CLASS_MAX 4

static int is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int is_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

int ticker_normalize(const char *in, size_t len, char out[TICKER_MAX])
{
    size_t i = 0, base = 0, cls = 0, o = 0;
    int in_class = 0;

    while (len > 0 && is_space(in[len - 1]))
        len--;
    while (i < len && is_space(in[i]))
        i++;
    if (i < len && in[i] == '$')
        i++;

    for (; i < len; i++) {
        char c = in[i];

        if (c == '.' || c == '-' || c == '/') {
            if (in_class || base == 0)
                return -1;
            in_class = 1;
            out[o++] = '.';
            continue;
        }
        if (!is_alnum(c))
            return -1;
        if (in_class ? ++cls > CLASS_MAX : ++base > BASE_MAX)
            return -1;
        out[o++] = to_upper(c);
    }

    if (base == 0 || (in_class && cls == 0))
        return -1;
    out[o] = '\0';
    return 0;
}

int ticker_list_parse(const char *list, char ***out, size_t *n, char bad[24])
{
    char *copy = xstrdup(list), *save = NULL;
    int rc = 0;

    *out = NULL;
    *n = 0;
    for (char *t = strtok_r(copy, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        char norm[TICKER_MAX];

        if (ticker_normalize(t, strlen(t), norm) < 0) {
            snprintf(bad, 24, "%.20s", t);
            rc = -1;
            break;
        }
        *out = xreallocarray(*out, *n + 1, sizeof(**out));
        (*out)[(*n)++] = xstrdup(norm);
    }
    free(copy);
    if (rc == 0)
        return 0;
    ticker_list_free(*out, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

void ticker_list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

int ticker_written_as_symbol(const char *text, size_t len, char out[TICKER_MAX])
{
    for (size_t i = 0; i < len; i++)
        if (!(text[i] >= 'A' && text[i] <= 'Z') &&
            !(text[i] >= '0' && text[i] <= '9') && !strchr(".-/", text[i]))
            return 0;
    return ticker_normalize(text, len, out) == 0;
}

/* Sorted for bsearch. Kept in step with the list in ticker.h. */
static const char *const common_words[] = {
    "ACT",  "AGO",  "AI",   "AIR",  "ALL",  "ALSO", "AM",   "AN",   "AND",
    "ANY",  "APP",  "ARE",  "ART",  "AS",   "AT",   "BE",   "BEST", "BIG",
    "BOX",  "BUY",  "BY",   "CAN",  "CAR",  "CASH", "CEO",  "CFO",  "DAY",
    "DO",   "EAT",  "EU",   "EVER", "EYE",  "FAST", "FIVE", "FOR",  "FOUR",
    "FREE", "FUN",  "GAS",  "GDP",  "GET",  "GO",   "GOOD", "GOT",  "HAS",
    "HE",   "HER",  "HI",   "HIS",  "HOME", "HOPE", "HOT",  "HOW",  "IF",
    "IN",   "IPO",  "IS",   "IT",   "JOB",  "JUST", "KEY",  "LIFE", "LIKE",
    "LOVE", "LOW",  "MAIN", "MAN",  "MAY",  "ME",   "MORE", "MOST", "MY",
    "NEW",  "NEXT", "NICE", "NO",   "NOT",  "NOW",  "OF",   "OH",   "OK",
    "OLD",  "ON",   "ONE",  "OPEN", "OR",   "OUR",  "OUT",  "OWN",  "PAY",
    "PLAY", "REAL", "RUN",  "SAFE", "SAVE", "SAY",  "SEE",  "SHE",  "SHOP",
    "SIX",  "SO",   "SOME", "SUN",  "TEN",  "THE",  "TO",   "TOO",  "TOP",
    "TRUE", "TV",   "TWO",  "UK",   "UP",   "US",   "USA",  "USE",  "WAS",
    "WAY",  "WE",   "WELL", "WHEN", "WHO",  "WHY",  "WIN",  "WITH", "WORK",
    "YES",  "YOU",
};

static int cmp_word(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

int ticker_is_common_word(const char *ticker)
{
    if (ticker[0] >= 'A' && ticker[0] <= 'Z' && ticker[1] == '\0')
        return 1;
    return bsearch(ticker, common_words,
                   sizeof(common_words) / sizeof(common_words[0]),
                   sizeof(common_words[0]), cmp_word) != NULL;
}
