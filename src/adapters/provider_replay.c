/*
 * provider_replay: the replay files (adapters/replay) behind the
 * provider interface. A news row is published at 00:00 UTC of its file
 * date (the Reuters archive has no time of day) and counts from that
 * date; its provider id is "reuters:YYYYMMDD:<first 16 hex of its
 * content hash>". The raw payload is the rows' CSV lines. The trading
 * days are the days that have bars in the price file.
 *
 * The worker keeps only the index of the files (replay_index) and reads
 * the rows of each query from them: holding both files and their parsed
 * rows would be most of the worker's memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/provider.h"
#include "adapters/replay.h"
#include "domain/date.h"
#include "lib/log.h"
#include "lib/xalloc.h"

static void add_news(provider_result *out, const replay_news *row)
{
    char pid[64], dstr[11];
    const char *hash;
    provider_news *n = provider_add_news(out, "", row->title, row->title_len,
                                         row->summary, row->summary_len, "");

    free(n->news_type);
    n->news_type = xstrndup(row->news_type, row->news_type_len);
    n->published = (long long)row->date * 86400;
    n->day = row->date;
    n->tagged = 1;
    hash = provider_news_hash(n);
    date_format(row->date, dstr);
    snprintf(pid, sizeof(pid), "reuters:%.4s%.2s%.2s:%.16s", dstr, dstr + 5,
             dstr + 8, hash);
    free(n->provider_id);
    n->provider_id = xstrdup(pid);
    buf_add(&out->raw, row->line, row->line_len);
    buf_addc(&out->raw, '\n');
}

static int replay_fetch(provider *p, const provider_query *q,
                        provider_result *out, char *err, size_t errlen)
{
    replay_index *x = p->impl;
    size_t first, k;

    for (size_t f = 0; f < q->nfeeds; f++) {
        k = replay_index_news(x, q->feeds[f], q->from, q->to, &first);
        for (size_t i = first; i < first + k; i++) {
            replay_news row;

            if (replay_index_read_news(x, i, &row, err, errlen) < 0)
                return PROVIDER_FAIL;
            add_news(out, &row);
        }
    }
    k = replay_index_bars(x, q->ticker, q->bars_from, q->to, &first);
    for (size_t i = first; i < first + k; i++) {
        replay_bar row;
        provider_bar b;

        if (replay_index_read_bar(x, i, &row, err, errlen) < 0)
            return PROVIDER_FAIL;
        b = (provider_bar){row.day, row.open,  row.high,
                           row.low, row.close, row.volume};
        provider_add_bar(out, &b);
        buf_add(&out->raw, row.line, row.line_len);
        buf_addc(&out->raw, '\n');
    }
    return PROVIDER_OK;
}

static void replay_trading_days(provider *p, calendar *cal)
{
    replay_index *x = p->impl;

    for (size_t i = 0; i < x->prices.nrefs; i++)
        calendar_add(cal, x->prices.refs[i].day);
}

static void replay_free_impl(provider *p)
{
    replay_index_close(p->impl);
    free(p->impl);
}

int provider_replay_check(const config *c, char *err, size_t errlen)
{
    return replay_dir_check(c->replay_dir, err, errlen);
}

provider *provider_replay_open(const config *c, char *err, size_t errlen)
{
    replay_index *x;
    provider *p;

    if (provider_replay_check(c, err, errlen) < 0)
        return NULL;
    x = xcalloc(1, sizeof(*x));
    if (replay_index_open(c->replay_dir, x, err, errlen) < 0) {
        free(x);
        return NULL;
    }
    if (x->rejected)
        LOG_WARN(REPLAY_SKIPPED_MSG, LF_I("rows", x->rejected));
    p = xcalloc(1, sizeof(*p));
    p->name = "replay";
    p->source = "reuters-replay";
    p->bar_source = "replay";
    p->fetch = replay_fetch;
    p->trading_days = replay_trading_days;
    p->release = replay_free_impl;
    p->impl = x;
    return p;
}
