/*
 * Design: every keyword (or word pair) votes for one or more event types
 * with a weight from 1 to 7, packed three bits per type into the
 * lexicon flags. Hyphenated tokens vote by their parts ("spin-off" is
 * "spin off"). The type with the most votes wins; ties go to the type
 * listed first in `priority`. A management change needs a
 * change word ("resigns", "steps down"), or an appointment word ("names",
 * "hires") within TITLE_NEAR words of a title ("CEO", "chairman") in
 * its clause: a CEO
 * quoted in a headline is not a change of management. The whole text
 * votes, window by window (feat_window).
 */
#include "domain/event.h"

#include "domain/features.h"

#include <pthread.h>
#include <string.h>

#define W(type, w) ((uint32_t)(w) << (3 * (type)))
#define TITLE (1u << 30) /* a management title */
#define NEEDS_TITLE (1u << 31) /* counts for a change only with a title */

enum {
    E = EVENT_EARNINGS,
    G = EVENT_GUIDANCE,
    A = EVENT_ANALYST_RATING,
    M = EVENT_MERGER_ACQUISITION,
    L = EVENT_LEGAL_REGULATORY,
    P = EVENT_PRODUCT,
    C = EVENT_MANAGEMENT_CHANGE,
    D = EVENT_DIVIDEND_BUYBACK,
    X = EVENT_MACRO,
};

static const feat_lex_group event_words[] = {
    {W(E, 2), "earnings profit profits revenue revenues income results "
              "quarterly q1 q2 q3 q4 h1 h2"},
    {W(E, 1), "sales net_income quarter loss losses per_share estimates "
              "expectations beat posts reports swings margin margins"},
    {W(E, 3), "eps"},
    {W(G, 3), "outlook forecast forecasts warns profit_warning"},
    {W(G, 4), "guidance"},
    {W(G, 2), "sees expects reaffirms predicts view"},
    {W(G, 1), "full_year targets"},
    {W(A, 4), "upgrade upgrades upgraded downgrade downgrades downgraded"},
    {W(A, 3), "price_target price_targets target_price overweight "
              "underweight equal_weight outperform underperform coverage"},
    {W(A, 1), "initiates analyst"},
    {W(A, 2), "rating ratings analysts"},
    {W(M, 3), "acquire acquires acquired acquisition merge merges buys "
              "tender_offer stake divest divests divestiture buyout"},
    {W(M, 2), "acquisitions buy bid bids split sells sale purchase "
              "joint_venture"},
    {W(M, 4), "merger takeover spin_off spins_off spinoff"},
    {W(M, 1), "offer sell deal talks unit assets"},
    {W(L, 4), "lawsuit lawsuits sue sues sued antitrust"},
    {W(L, 2), "suit patent patents fine charges ban bans blocks approval "
              "clear clears ordered case appeal appeals lawmakers "
              "regulation"},
    {W(L, 3), "court judge jury ruling verdict settle settles settlement "
              "probe investigation investigate regulator regulators "
              "regulatory sec ftc fda justice_department copyright "
              "infringement fined penalty charged fraud insider_trading "
              "indicted indictment approves class_action subpoena "
              "injunction infringe infringed itc"},
    {W(L, 1), "block privacy claims"},
    {W(P, 3), "launch launches launched unveil unveils unveiled introduces "
              "rolls_out roll_out debut debuts recall recalls recalled"},
    {W(P, 2), "introduce product products delivers preview ships"},
    {W(P, 1), "iphone ipad tablet smartphone phone drug vaccine device app "
              "laptop laptops chip service"},
    {TITLE, "ceo cfo coo chairman chairwoman president chief executive "
            "head director board"},
    {W(C, 4), "resigns resign resigned resignation step_down steps_down "
              "stepping_down stepped_down ousted oust ousts"},
    {W(C, 3), "successor retire retires"},
    {W(C, 2), "retirement"},
    {W(C, 3) | NEEDS_TITLE,
     "names named appoints appointed fires fired quits quit departs "
     "departed departure promotes promoted"},
    {W(C, 2) | NEEDS_TITLE,
     "hires hired replaces replaced replacing replace leave leaves "
     "takes_over taps tapped succeed succeeds succeeded"},
    {W(D, 5), "dividend dividends buyback buybacks buy_back repurchase "
              "repurchases"},
    {W(D, 3), "payout"},
    {W(X, 4), "fed federal_reserve ecb central_bank gdp"},
    {W(X, 3), "bernanke inflation unemployment jobless jobless_claims "
              "payrolls economy recession interest_rates treasuries "
              "debt_ceiling debt_crisis eurozone euro_zone oil_prices "
              "factory_output consumer_confidence consumer_spending "
              "retail_sales housing_starts home_sales cpi pmi "
              "trade_deficit"},
    {W(X, 2), "economic rates treasury yields greek greece wall_street "
              "wall_st"},
    {W(X, 1), "stocks manufacturing exports imports debt"},
};

/* Ties go to the type listed first. */
static const event_type priority[] = {
    EVENT_DIVIDEND_BUYBACK,   EVENT_MANAGEMENT_CHANGE, EVENT_LEGAL_REGULATORY,
    EVENT_MERGER_ACQUISITION, EVENT_ANALYST_RATING,    EVENT_GUIDANCE,
    EVENT_EARNINGS,           EVENT_PRODUCT,           EVENT_MACRO,
};

static feat_lexicon event_lex;
static pthread_once_t event_lex_once = PTHREAD_ONCE_INIT;

static void event_lex_init(void)
{
    feat_lexicon_build(&event_lex, event_words,
                       sizeof(event_words) / sizeof(event_words[0]));
}

/* The votes of a text read so far, word by word. A word that needs a
 * title counts for a management change only with a title within
 * TITLE_NEAR words before or after it. */
#define TITLE_NEAR 4

typedef struct votes {
    int score[EVENT_TYPE_COUNT];
    uint64_t prev; /* the word before, 0 after a phrase break */
    size_t pos; /* words (and breaks) read */
    size_t title_at; /* pos + 1 of the last title, 0 for none */
    size_t pending_at; /* pos + 1 of a change word waiting for a title */
    int pending; /* its weight, 0 for none */
} votes;

static void vote(votes *v, uint32_t flags)
{
    int change = (int)((flags >> (3 * C)) & 7);
    size_t here = v->pos + 1;

    for (int t = 1; t < EVENT_TYPE_COUNT; t++) {
        if (t != C || !(flags & NEEDS_TITLE))
            v->score[t] += (int)((flags >> (3 * t)) & 7);
    }
    if (flags & NEEDS_TITLE) {
        if (v->title_at && here - v->title_at <= TITLE_NEAR) {
            v->score[C] += change;
        } else {
            v->pending = change;
            v->pending_at = here;
        }
    }
    if (flags & TITLE) {
        v->title_at = here;
        if (v->pending && here - v->pending_at <= TITLE_NEAR) {
            v->score[C] += v->pending;
            v->pending = 0;
        }
    }
}

/* Reads one word's hash (0: a phrase break): its vote and the pair's. */
static void add_word(votes *v, uint64_t h)
{
    if (h) {
        vote(v, feat_lexicon_get(&event_lex, h));
        if (v->prev)
            vote(v, feat_lexicon_get(&event_lex, feat_hash_pair(v->prev, h)));
    }
    v->prev = h;
    v->pos++;
}

/* Reads the tokens, a hyphenated word by its parts. */
static void add_tokens(votes *v, const char *text, const feat_token *toks,
                       size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = text + toks[i].off;
        size_t len = toks[i].len;
        size_t start = 0;

        if (toks[i].kind != FEAT_K_WORD) {
            add_word(v, 0);
            if (toks[i].kind == FEAT_K_BREAK) /* a title stays in its clause */
                v->title_at = v->pending = 0;
            continue;
        }
        if (!memchr(s, '-', len)) {
            add_word(v, toks[i].hash);
            continue;
        }
        for (size_t j = 0; j <= len; j++) {
            if (j < len && s[j] != '-')
                continue;
            if (j > start)
                add_word(v, feat_hash_word(s + start, j - start));
            start = j + 1;
        }
    }
}

event_type event_classify(const char *text, size_t len)
{
    feat_token toks[FEAT_MAX_TOKENS];
    votes v = {.prev = 0};
    event_type best = EVENT_OTHER;

    if (!text)
        return EVENT_OTHER;
    pthread_once(&event_lex_once, event_lex_init);
    /* the whole text votes, window by window */
    for (size_t off = 0, next = 0; off < len; off += next) {
        size_t n = feat_window(text + off, len - off, toks, &next);

        add_tokens(&v, text + off, toks, n);
    }
    for (size_t i = 0; i < sizeof(priority) / sizeof(priority[0]); i++) {
        event_type t = priority[i];

        if (v.score[t] > 0 &&
            (best == EVENT_OTHER || v.score[t] > v.score[best]))
            best = t;
    }
    return best;
}

const char *event_type_name(event_type t)
{
    switch (t) {
    case EVENT_EARNINGS:
        return "earnings";
    case EVENT_GUIDANCE:
        return "guidance";
    case EVENT_ANALYST_RATING:
        return "analyst_rating";
    case EVENT_MERGER_ACQUISITION:
        return "merger_acquisition";
    case EVENT_LEGAL_REGULATORY:
        return "legal_regulatory";
    case EVENT_PRODUCT:
        return "product";
    case EVENT_MANAGEMENT_CHANGE:
        return "management_change";
    case EVENT_DIVIDEND_BUYBACK:
        return "dividend_buyback";
    case EVENT_MACRO:
        return "macro";
    case EVENT_OTHER:
    case EVENT_TYPE_COUNT:
        break;
    }
    return "other";
}

int event_type_parse(const char *name)
{
    for (int t = 0; t < EVENT_TYPE_COUNT; t++) {
        if (strcmp(event_type_name((event_type)t), name) == 0)
            return t;
    }
    return -1;
}
