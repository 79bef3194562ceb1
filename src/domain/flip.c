/*
 * The pairs and rules of flip.h. Written for this project; the pairs
 * are the direction and quality words of the sentiment features
 * (features.c) that have a plain opposite.
 */
#include "domain/flip.h"

#include "domain/features.h"

#include <string.h>

static const char *const pairs[][2] = {
    {"rose", "fell"},
    {"rise", "fall"},
    {"rises", "falls"},
    {"risen", "fallen"},
    {"rising", "falling"},
    {"increased", "decreased"},
    {"increase", "decrease"},
    {"increases", "decreases"},
    {"increasing", "decreasing"},
    {"grew", "shrank"},
    {"improved", "deteriorated"},
    {"improvement", "deterioration"},
    {"higher", "lower"},
    {"up", "down"},
    {"jumped", "dropped"},
    {"climbed", "declined"},
    {"doubled", "halved"},
    {"surged", "plunged"},
    {"strengthened", "weakened"},
    {"gained", "slipped"},
    {"widened", "narrowed"},
    {"widen", "narrow"},
    {"widening", "narrowing"},
    {"above", "below"},
    {"better", "worse"},
    {"good", "poor"},
    {"strong", "weak"},
    {"stronger", "weaker"},
    {"positive", "negative"},
    {"upgraded", "downgraded"},
};

/* Words after which "up" or "down" is a move ("went up to"): before
 * "to" otherwise it is a bound ("cut up to 30 jobs"). */
static const char *const movers[] = {"went",  "gone",  "go",   "goes",
                                     "going", "moved", "came", "shot"};

/* Words after "up" or "down" that keep it a direction ("down 5 %",
 * "up from", "down slightly"); before any other word it is part of a
 * verb ("set up a unit", "teamed up with", "turned down"). */
static const char *const after_move[] = {
    "from",  "by",   "on",       "year-on-year", "quarter-on-quarter",
    "y-y",   "yoy",  "slightly", "sharply",      "almost",
    "about", "again"};

/* Verbs that make "up" or "down" after them a particle, even before a
 * figure ("signed up 1,500 clients", "operations speeded up ."). */
static const char *const particle_verbs[] = {
    "signed",  "sign",    "signs",  "speeded", "sped",  "set",   "sets",
    "teamed",  "stepped", "step",   "steps",   "shut",  "broke", "broken",
    "brought", "bring",   "turned", "turn",    "turns", "backed"};

/* Words after which "lower" is a verb ("should lower its rates"). */
static const char *const before_verb[] = {
    "to", "will", "would", "should", "could", "can", "may", "might", "must"};

/* Words that set the figure after them against another. */
static const char *const comparers[] = {"compared", "versus", "vs", "against"};

enum { NEAR_TO = 12, NEAR_FIGURE = 4, NEAR_BEFORE = 10, NEAR_PAREN = 3 };

typedef struct word {
    size_t at;
    size_t len;
} word;

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int upper(int c)
{
    return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
}

/* w equals s, ignoring the case of ASCII letters. */
static int word_is(const char *text, const word *w, const char *s)
{
    size_t n = strlen(s);

    if (n != w->len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (lower((unsigned char)text[w->at + i]) != s[i])
            return 0;
    }
    return 1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A word that starts with a digit and is not a year (1900 to 2099):
 * "the first quarter of 2010 , down from EUR 6.3 mn" compares 6.3 with
 * the amount before the year. */
static int is_figure(const char *text, const word *w)
{
    const char *p = text + w->at;

    if (!is_digit(p[0]))
        return 0;
    return !(w->len == 4 && is_digit(p[1]) && is_digit(p[2]) &&
             is_digit(p[3]) &&
             ((p[0] == '1' && p[1] == '9') || (p[0] == '2' && p[1] == '0')));
}

static int is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int in_list(const char *text, const word *w, const char *const *list,
                   size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (word_is(text, w, list[i]))
            return 1;
    }
    return 0;
}

#define IN_LIST(text, w, list)                                                 \
    in_list(text, w, list, sizeof(list) / sizeof(list[0]))

/* Scales of figures, for telling comparable figures apart. */
enum { SCALE_NONE, SCALE_PCT, SCALE_K, SCALE_M, SCALE_B };

/* The scale a unit names: a word ("mn", "%") or a figure's suffix
 * ("190mn", "3.3-percent"); SCALE_NONE for anything else. */
static int unit_scale(const char *text, word u)
{
    static const struct {
        const char *s;
        int scale;
    } units[] = {
        {"%", SCALE_PCT},   {"percent", SCALE_PCT},  {"pct", SCALE_PCT},
        {"per", SCALE_PCT}, {"-percent", SCALE_PCT}, {"-per-cent", SCALE_PCT},
        {"k", SCALE_K},     {"thousand", SCALE_K},   {"m", SCALE_M},
        {"mn", SCALE_M},    {"mln", SCALE_M},        {"million", SCALE_M},
        {"bn", SCALE_B},    {"bln", SCALE_B},        {"billion", SCALE_B}};

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (word_is(text, &u, units[i].s))
            return units[i].scale;
    }
    return SCALE_NONE;
}

/* The scale of the figure w[j]: its suffix, else the unit after it,
 * else thousands when it has a group separator ("415,000"). */
static int figure_scale(const char *text, const word *w, int nw, int j)
{
    word digits = w[j];
    word suffix = w[j];
    int s;

    while (suffix.len > 0 &&
           (is_digit(text[suffix.at]) || text[suffix.at] == '.' ||
            text[suffix.at] == ',')) {
        suffix.at++;
        suffix.len--;
    }
    digits.len -= suffix.len;
    if (suffix.len > 0)
        return unit_scale(text, suffix);
    if (j + 1 < nw && (s = unit_scale(text, w[j + 1])) != SCALE_NONE)
        return s;
    return memchr(text + digits.at, ',', digits.len) ? SCALE_K : SCALE_NONE;
}

/* Whether the figures w[a] and w[b] are of different scales, so that
 * trading them would turn the comparison round or make nonsense:
 * "EUR 415,000 from EUR 7.4 million", "a 3.3-percent increase
 * compared with EURO 124.6 million". A percentage pairs only with a
 * percentage; a figure of no known scale with any other. */
static int scales_differ(const char *text, const word *w, int nw, int a, int b)
{
    int sa = figure_scale(text, w, nw, a);
    int sb = figure_scale(text, w, nw, b);

    if (sa == SCALE_PCT || sb == SCALE_PCT)
        return sa != sb;
    return sa != SCALE_NONE && sb != SCALE_NONE && sa != sb;
}

/* "up" or "down" as a direction, not as part of a verb or a bound:
 * before a figure, a punctuation mark, the end or a word of
 * after_move, or before "to" after a word of movers. */
static int moves(const char *text, const word *w, int nw, int i)
{
    const word *next = i + 1 < nw ? &w[i + 1] : NULL;
    char c;

    if (i > 0 && IN_LIST(text, &w[i - 1], particle_verbs))
        return 0;
    if (!next || is_figure(text, next) || IN_LIST(text, next, after_move))
        return 1;
    c = text[next->at];
    if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (unsigned char)c >= 0x80))
        return 1;
    return word_is(text, next, "to") && i > 0 &&
           IN_LIST(text, &w[i - 1], movers);
}

/* The opposite of w, or NULL. */
static const char *opposite(const char *text, const word *w)
{
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        for (int side = 0; side < 2; side++) {
            if (word_is(text, w, pairs[i][side]))
                return pairs[i][1 - side];
        }
    }
    return NULL;
}

/* The first figure among words (from, from + n], or -1. */
static int figure_after(const char *text, const word *w, int nw, int from,
                        int n)
{
    for (int j = from + 1; j < nw && j <= from + n; j++) {
        if (is_figure(text, &w[j]))
            return j;
    }
    return -1;
}

/* The nearest figure among words [from - n, from), or -1. */
static int figure_before(const char *text, const word *w, int from, int n)
{
    for (int j = from - 1; j >= 0 && j >= from - n; j--) {
        if (is_figure(text, &w[j]))
            return j;
    }
    return -1;
}

/* The figure after the "to" nearest to word i (before it on a tie)
 * that is not word other, or -1. */
static int figure_of_to(const char *text, const word *w, int nw, int i,
                        int other)
{
    for (int d = 1; d <= NEAR_TO; d++) {
        for (int k = i - d; k <= i + d; k += 2 * d) {
            int f;

            if (k < 0 || k >= nw || !word_is(text, &w[k], "to"))
                continue;
            f = figure_after(text, w, nw, k, NEAR_FIGURE);
            if (f >= 0 && f != other)
                return f;
        }
    }
    return -1;
}

/* Pairs the figures of every comparison into swap[] (each word's
 * partner, or -1). Returns 0, or -1 when one has not both figures or
 * a figure would be in two comparisons. */
static int pair_figures(const char *text, const word *w, int nw, int *swap)
{
    for (int i = 0; i < nw; i++)
        swap[i] = -1;
    for (int i = 0; i < nw; i++) {
        int a = -1;
        int b = -1;

        if (word_is(text, &w[i], "(")) {
            /* "X ( Y )"; a bracket without a lone figure is no
             * comparison */
            if (i + 2 >= nw || !is_figure(text, &w[i + 1]) ||
                !word_is(text, &w[i + 2], ")"))
                continue;
            a = figure_before(text, w, i, NEAR_PAREN);
            b = i + 1;
        } else if (word_is(text, &w[i], "from")) {
            /* "to X ... from Y"; "X , up from Y" after a direction
             * word only ("the unit from 2009 to 2010" pairs by "to") */
            b = figure_after(text, w, nw, i, NEAR_FIGURE);
            a = figure_of_to(text, w, nw, i, b);
            if (a < 0 && i > 0 && opposite(text, &w[i - 1]))
                a = figure_before(text, w, i, NEAR_BEFORE);
        } else if (IN_LIST(text, &w[i], comparers)) {
            b = figure_after(text, w, nw, i, NEAR_FIGURE);
            a = figure_before(text, w, i, NEAR_BEFORE);
        } else {
            continue;
        }
        if (a < 0 || b < 0 || a == b || swap[a] >= 0 || swap[b] >= 0 ||
            scales_differ(text, w, nw, a, b))
            return -1;
        swap[a] = b;
        swap[b] = a;
    }
    return 0;
}

/* Whether word i of a direction word stays as it is: part of a fixed
 * phrase ("home improvement", "higher education", "last fall") or a
 * name, written with a capital inside the sentence ("Rose Poultry"). */
static int kept(const char *text, const word *w, int nw, int i)
{
    static const char *const seasons[] = {"last", "this", "next"};
    unsigned char c0 = (unsigned char)text[w[i].at];
    unsigned char c1 = w[i].len > 1 ? (unsigned char)text[w[i].at + 1] : 0;
    unsigned char p0 = i > 0 ? (unsigned char)text[w[i - 1].at] : 0;

    if (i > 0 && c0 >= 'A' && c0 <= 'Z' && c1 >= 'a' && c1 <= 'z' &&
        ((p0 >= 'a' && p0 <= 'z') || (p0 >= 'A' && p0 <= 'Z') ||
         is_digit((char)p0)))
        return 1;
    if (word_is(text, &w[i], "improvement") && i > 0 &&
        word_is(text, &w[i - 1], "home"))
        return 1;
    if (word_is(text, &w[i], "higher") && i + 1 < nw &&
        word_is(text, &w[i + 1], "education"))
        return 1;
    return word_is(text, &w[i], "fall") && i > 0 &&
           IN_LIST(text, &w[i - 1], seasons);
}

/* Whether the sentence holds a sentiment the flip cannot turn round:
 * "fell short", or a word of the sentiment features' lists (features.h)
 * that has no pair here, since its flip would keep that word's side and
 * take the opposite label ("laid off 700 workers because of falling
 * orders"). */
static int unflippable(const char *text, const word *w, int nw)
{
    for (int i = 0; i < nw; i++) {
        if (feat_sentiment_word(text + w[i].at, w[i].len) &&
            !opposite(text, &w[i]))
            return 1;
        if ((word_is(text, &w[i], "fell") || word_is(text, &w[i], "fall") ||
             word_is(text, &w[i], "falls")) &&
            i + 1 < nw && word_is(text, &w[i + 1], "short"))
            return 1;
    }
    return 0;
}

/* The replacement of word i, or NULL to keep it. */
static const char *replacement(const char *text, const word *w, int nw, int i)
{
    const char *to = opposite(text, &w[i]);

    if (!to || kept(text, w, nw, i))
        return NULL;
    if ((word_is(text, &w[i], "up") || word_is(text, &w[i], "down")) &&
        !moves(text, w, nw, i))
        return NULL;
    if (word_is(text, &w[i], "lower") && i > 0 &&
        IN_LIST(text, &w[i - 1], before_verb))
        return "raise";
    return to;
}

/* Copies s in the case of the word it replaces: "Rose" -> "Fell",
 * "ROSE" -> "FELL". */
static size_t put_cased(char *out, const char *s, const char *text,
                        const word *w)
{
    size_t n = strlen(s);
    int first_up = upper((unsigned char)text[w->at]) == text[w->at] &&
                   lower((unsigned char)text[w->at]) != text[w->at];
    int all_up = first_up && w->len > 1;

    for (size_t i = 1; all_up && i < w->len; i++)
        all_up = lower((unsigned char)text[w->at + i]) != text[w->at + i];
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(all_up || (first_up && i == 0) ? upper(s[i]) : s[i]);
    return n;
}

size_t flip_sentence(const char *text, size_t len, char *out, size_t cap)
{
    word w[FLIP_MAX_WORDS];
    int swap[FLIP_MAX_WORDS];
    int nw = 0;
    int flipped = 0;
    size_t o = 0;

    for (size_t i = 0; i < len;) {
        size_t j = i;

        if (is_space(text[i])) {
            i++;
            continue;
        }
        if (nw == FLIP_MAX_WORDS)
            return 0;
        while (j < len && !is_space(text[j]))
            j++;
        w[nw++] = (word){i, j - i};
        i = j;
    }
    if (unflippable(text, w, nw) || pair_figures(text, w, nw, swap) < 0)
        return 0;
    for (int i = 0; i < nw; i++) {
        const char *to = swap[i] < 0 ? replacement(text, w, nw, i) : NULL;
        const word *src = swap[i] >= 0 ? &w[swap[i]] : &w[i];
        size_t need = (to ? strlen(to) : src->len) + (o > 0);

        if (o + need + 1 > cap)
            return 0;
        if (o > 0)
            out[o++] = ' ';
        if (to) {
            o += put_cased(out + o, to, text, &w[i]);
            flipped = 1;
        } else {
            memcpy(out + o, text + src->at, src->len);
            o += src->len;
        }
    }
    if (!flipped)
        return 0;
    out[o] = '\0';
    return o;
}
