/*
 * provider_replay: the replay files (adapters/replay) behind the
 * provider interface. A news row is published at 00:00 UTC of its file
 * date (the Reuters archive has no time of day) and counts from that
 * date; its provider id is "reuters:YYYYMMDD:<first 16 hex of its
 * content hash>". The raw payload is the rows' CSV lines. The trading
 * days are the days that have bars in the price file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/provider.h"
#include "adapters/replay.h"
#include "domain/date.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static int replay_fetch(provider *p, const provider_query *q,
                        provider_result *out, char *err, size_t errlen)
{
    replay_data *r = p->impl;
    const replay_bar *bars;
    size_t nbars;

    (void)err;
    (void)errlen;
    for (size_t f = 0; f < q->nfeeds; f++) {
        const replay_news *news;
        size_t k = replay_news_range(r, q->feeds[f], q->from, q->to, &news);

        for (size_t i = 0; i < k; i++) {
            char hash[65], pid[64], dstr[11];
            provider_news *n =
                provider_add_news(out, "", news[i].title, news[i].title_len,
                                  news[i].summary, news[i].summary_len, "");

            free(n->news_type);
            n->news_type = xstrndup(news[i].news_type, news[i].news_type_len);
            n->published = (long long)news[i].date * 86400;
            n->day = news[i].date;
            n->tagged = 1;
            provider_content_hash(n, hash);
            date_format(news[i].date, dstr);
            snprintf(pid, sizeof(pid), "reuters:%.4s%.2s%.2s:%.16s", dstr,
                     dstr + 5, dstr + 8, hash);
            free(n->provider_id);
            n->provider_id = xstrdup(pid);
            buf_add(&out->raw, news[i].line, news[i].line_len);
            buf_addc(&out->raw, '\n');
        }
    }
    nbars = replay_bars_range(r, q->ticker, q->bars_from, q->to, &bars);
    for (size_t i = 0; i < nbars; i++) {
        provider_bar b = {bars[i].day, bars[i].open,  bars[i].high,
                          bars[i].low, bars[i].close, bars[i].volume};

        provider_add_bar(out, &b);
        buf_add(&out->raw, bars[i].line, bars[i].line_len);
        buf_addc(&out->raw, '\n');
    }
    return PROVIDER_OK;
}

static void replay_trading_days(provider *p, calendar *cal)
{
    replay_data *r = p->impl;

    for (size_t i = 0; i < r->nbars; i++)
        calendar_add(cal, r->bars[i].day);
}

static void replay_free_impl(provider *p)
{
    replay_release(p->impl);
    free(p->impl);
}

provider *provider_replay_open(const config *c, char *err, size_t errlen)
{
    replay_data *r = xcalloc(1, sizeof(*r));
    provider *p;

    if (replay_load(c->replay_dir, r, err, errlen) < 0) {
        replay_release(r);
        free(r);
        return NULL;
    }
    if (r->rejected)
        LOG_WARN("replay rows skipped as unreadable",
                 LF_I("rows", r->rejected));
    p = xcalloc(1, sizeof(*p));
    p->name = "replay";
    p->source = "reuters-replay";
    p->bar_source = "replay";
    p->fetch = replay_fetch;
    p->trading_days = replay_trading_days;
    p->release = replay_free_impl;
    p->impl = r;
    return p;
}
