/*
 * The backtest's HTML report: one file with no outside references (the
 * style inline, the charts inline SVG, no script), so that it can be
 * mailed or archived as it is. Charts: equity of the strategy, of
 * buy-and-hold and the null model's range; drawdowns; each ticker's
 * contribution. Coordinates are printed with one decimal, so the file
 * is the same on every machine.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"
#include "lib/xalloc.h"
#include "services/backtest.h"

#define C_STRATEGY "#1f6fb4"
#define C_HOLD "#e07b18"
#define C_NULL "#8c8c8c"
#define C_BAND "#e3e3e3"
#define C_GAIN "#2e8b57"
#define C_LOSS "#c0392b"

typedef struct chart {
    double w, h, left, right, top, bottom;
    double ymin, ymax;
    size_t npts;
} chart;

static double cx(const chart *c, size_t i)
{
    double span = c->npts > 1 ? (double)(c->npts - 1) : 1.0;

    return c->left + (c->w - c->left - c->right) * (double)i / span;
}

static double cy(const chart *c, double v)
{
    return c->top +
           (c->h - c->top - c->bottom) * (c->ymax - v) / (c->ymax - c->ymin);
}

/* A round step for about n grid lines over range. */
static double nice_step(double range, int n)
{
    double raw = range / n, mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;

    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/* Widens [lo, hi] to whole grid steps. */
static void y_range(chart *c, double lo, double hi)
{
    double step;

    if (!(hi > lo)) {
        hi = lo + 1.0;
        lo -= 1.0;
    }
    step = nice_step(hi - lo, 5);
    c->ymin = floor(lo / step) * step;
    c->ymax = ceil(hi / step) * step;
}

static void svg_open(buf *b, const chart *c, const char *label)
{
    buf_addf(b,
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
             "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
             "aria-label=\"%s\">\n",
             c->w, c->h, c->w, c->h, label);
}

/* Horizontal grid lines with labels (dollars or percent), and the
 * months along the bottom. */
static void axes(buf *b, const chart *c, const bt_world *w, int percent)
{
    double step = nice_step(c->ymax - c->ymin, 5);
    int last_month = -1;

    for (int k = 0; c->ymin + k * step <= c->ymax + step / 2; k++) {
        double v = c->ymin + k * step, y = cy(c, v);
        double pv = fabs(v * 100.0) < 0.5 ? 0.0 : v * 100.0;

        buf_addf(b,
                 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                 "class=\"grid\"/>",
                 c->left, y, c->w - c->right, y);
        if (percent)
            buf_addf(b,
                     "<text x=\"%.1f\" y=\"%.1f\" class=\"yl\">%.0f%%</text>\n",
                     c->left - 6, y + 4, pv);
        else
            buf_addf(b,
                     "<text x=\"%.1f\" y=\"%.1f\" class=\"yl\">%.0f</text>\n",
                     c->left - 6, y + 4, v);
    }
    for (size_t i = 1; i < c->npts; i++) {
        int y, m, d;
        double x = cx(c, i);

        date_to_ymd(bt_point_day(w, i), &y, &m, &d);
        if (m == last_month)
            continue;
        last_month = m;
        buf_addf(b,
                 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                 "class=\"tick\"/><text x=\"%.1f\" y=\"%.1f\" "
                 "class=\"xl\">%04d-%02d</text>\n",
                 x, c->h - c->bottom, x, c->h - c->bottom + 4, x,
                 c->h - c->bottom + 16, y, m);
    }
}

static void polyline(buf *b, const chart *c, const double *v, const char *color,
                     double width)
{
    buf_addf(b,
             "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
             "points=\"",
             color, width);
    for (size_t i = 0; i < c->npts; i++)
        buf_addf(b, "%s%.1f,%.1f", i ? " " : "", cx(c, i), cy(c, v[i]));
    buf_adds(b, "\"/>\n");
}

/* The area between lo and hi, or between v and 0 when hi is NULL. */
static void area(buf *b, const chart *c, const double *lo, const double *hi,
                 const char *color, double opacity)
{
    buf_addf(b, "<polygon fill=\"%s\" fill-opacity=\"%.2f\" points=\"", color,
             opacity);
    for (size_t i = 0; i < c->npts; i++)
        buf_addf(b, "%s%.1f,%.1f", i ? " " : "", cx(c, i),
                 cy(c, hi ? hi[i] : lo[i]));
    for (size_t i = c->npts; i > 0; i--)
        buf_addf(b, " %.1f,%.1f", cx(c, i - 1), cy(c, hi ? lo[i - 1] : 0.0));
    buf_adds(b, "\"/>\n");
}

static void legend(buf *b, const chart *c, int n, const char *const *names,
                   const char *const *colors)
{
    double x = c->left;

    for (int i = 0; i < n; i++) {
        buf_addf(b,
                 "<rect x=\"%.1f\" y=\"6\" width=\"12\" height=\"10\" "
                 "fill=\"%s\"/><text x=\"%.1f\" y=\"15\" "
                 "class=\"lg\">%s</text>\n",
                 x, colors[i], x + 16, names[i]);
        x += 24 + 7.0 * (double)strlen(names[i]);
    }
}

static void equity_chart(buf *b, const bt_world *w, const bt_outcome *out)
{
    chart c = {.w = 860,
               .h = 320,
               .left = 70,
               .right = 16,
               .top = 26,
               .bottom = 28,
               .npts = w->nsessions + 1};
    double lo = out->main_equity[0], hi = lo;
    const char *names[] = {"strategy", "buy &amp; hold",
                           "null model (median, "
                           "range)"};
    const char *colors[] = {C_STRATEGY, C_HOLD, C_NULL};

    for (size_t i = 0; i < c.npts; i++) {
        double v[4] = {out->main_equity[i], out->hold_equity[i],
                       out->null_lo[i], out->null_hi[i]};

        for (int k = 0; k < (out->nnull ? 4 : 2); k++) {
            lo = v[k] < lo ? v[k] : lo;
            hi = v[k] > hi ? v[k] : hi;
        }
    }
    y_range(&c, lo, hi);
    svg_open(b, &c, "equity curves");
    axes(b, &c, w, 0);
    if (out->nnull) {
        area(b, &c, out->null_lo, out->null_hi, C_BAND, 1.0);
        polyline(b, &c, out->null_mid, C_NULL, 1.0);
    }
    polyline(b, &c, out->hold_equity, C_HOLD, 1.5);
    polyline(b, &c, out->main_equity, C_STRATEGY, 2.0);
    legend(b, &c, out->nnull ? 3 : 2, names, colors);
    buf_adds(b, "</svg>\n");
}

static void drawdown_chart(buf *b, const bt_world *w, const bt_outcome *out)
{
    chart c = {.w = 860,
               .h = 200,
               .left = 70,
               .right = 16,
               .top = 26,
               .bottom = 28,
               .npts = w->nsessions + 1};
    double *dm = xcalloc(c.npts, sizeof(*dm)),
           *dh = xcalloc(c.npts, sizeof(*dh));
    double lo = 0.0;
    const char *names[] = {"strategy", "buy &amp; hold"};
    const char *colors[] = {C_STRATEGY, C_HOLD};

    perf_drawdown_series(out->main_equity, c.npts, dm);
    perf_drawdown_series(out->hold_equity, c.npts, dh);
    for (size_t i = 0; i < c.npts; i++) {
        lo = dm[i] < lo ? dm[i] : lo;
        lo = dh[i] < lo ? dh[i] : lo;
    }
    y_range(&c, lo < 0 ? lo : -0.01, 0.0);
    svg_open(b, &c, "drawdowns");
    axes(b, &c, w, 1);
    area(b, &c, dh, NULL, C_HOLD, 0.35);
    area(b, &c, dm, NULL, C_STRATEGY, 0.45);
    legend(b, &c, 2, names, colors);
    buf_adds(b, "</svg>\n");
    free(dm);
    free(dh);
}

/* One row per ticker, best first: the strategy's profit or loss (a
 * thick bar) and buy-and-hold's (a thin one). */
static void contribution_chart(buf *b, const bt_world *w, const bt_outcome *out)
{
    size_t *idx = bt_contribution_order(&out->main);
    chart c = {.w = 860, .left = 70, .right = 110, .top = 26, .bottom = 8};
    double lo = 0, hi = 0, x0, scale;
    const char *names[] = {"strategy", "buy &amp; hold"};
    const char *colors[] = {C_GAIN, C_HOLD};

    c.h = c.top + c.bottom + 18.0 * (double)w->ntickers;
    for (size_t t = 0; t < w->ntickers; t++) {
        double a = (double)out->main.contribution[t] / 100.0;
        double h = (double)out->hold.contribution[t] / 100.0;

        lo = fmin(lo, fmin(a, h));
        hi = fmax(hi, fmax(a, h));
    }
    if (!(hi > lo))
        hi = lo + 1;
    scale = (c.w - c.left - c.right) / (hi - lo);
    x0 = c.left - lo * scale;
    svg_open(b, &c, "contribution per ticker");
    buf_addf(b,
             "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
             "class=\"tick\"/>\n",
             x0, c.top - 4, x0, c.h - c.bottom);
    for (size_t r = 0; r < w->ntickers; r++) {
        size_t t = idx[r];
        double a = (double)out->main.contribution[t] / 100.0;
        double h = (double)out->hold.contribution[t] / 100.0;
        double y = c.top + 18.0 * (double)r;
        char v[32];

        buf_addf(b,
                 "<text x=\"%.1f\" y=\"%.1f\" class=\"yl\">%s</text>"
                 "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" "
                 "fill=\"%s\"/><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                 "height=\"3\" fill=\"%s\"/>"
                 "<text x=\"%.1f\" y=\"%.1f\" class=\"lg\">%s</text>\n",
                 c.left - 6, y + 10, w->tickers[t], a < 0 ? x0 + a * scale : x0,
                 y, fabs(a) * scale, a < 0 ? C_LOSS : C_GAIN,
                 h < 0 ? x0 + h * scale : x0, y + 11, fabs(h) * scale, C_HOLD,
                 c.w - c.right + 8, y + 10,
                 bt_usd(out->main.contribution[t], v));
    }
    legend(b, &c, 2, names, colors);
    buf_adds(b, "</svg>\n");
    free(idx);
}

static void metrics_table(buf *b, const bt_world *w, const bt_outcome *out)
{
    char x[32], y[32], z[32], d1[11], d2[11];
    const perf_drawdown *a = &out->main_perf.dd, *h = &out->hold_perf.dd;

    buf_adds(b, "<table><tr><th></th><th>strategy</th><th>buy &amp; hold"
                "</th><th>null median</th></tr>\n");
    for (size_t i = 0; i < bt_nmetrics; i++) {
        const bt_metric *m = &bt_metrics[i];

        buf_addf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
                 m->name,
                 m->fmt(bt_metric_value(&out->main_perf, m->offset), x),
                 m->fmt(bt_metric_value(&out->hold_perf, m->offset), y),
                 out->nnull ? m->fmt(bt_null_median(out, m->offset), z) : "-");
        if (!m->dd_dates)
            continue;
        buf_addf(b,
                 "<tr class=\"sub\"><td>peak &rarr; trough</td><td>%s &rarr; "
                 "%s</td>",
                 a->depth > 0 ? bt_day(bt_point_day(w, a->peak), d1) : "-",
                 a->depth > 0 ? bt_day(bt_point_day(w, a->trough), d2) : "-");
        buf_addf(b, "<td>%s &rarr; %s</td><td></td></tr>\n",
                 h->depth > 0 ? bt_day(bt_point_day(w, h->peak), d1) : "-",
                 h->depth > 0 ? bt_day(bt_point_day(w, h->trough), d2) : "-");
    }
    buf_addf(b,
             "<tr><td>trades (fills)</td><td>%zu</td><td>%zu</td><td></td>"
             "</tr>\n",
             out->main.nfills, out->hold.nfills);
    buf_addf(b,
             "<tr><td>costs paid (commission + slippage)</td><td>%s</td>"
             "<td>%s</td><td></td></tr>\n",
             bt_usd(out->main.commissions + out->main.slippage, x),
             bt_usd(out->hold.commissions + out->hold.slippage, y));
    buf_adds(b, "</table>\n");
}

static const char style[] =
    "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:900px;"
    "margin:2em auto;padding:0 1em;color:#222}h1{font-size:1.4em}"
    "h2{font-size:1.1em;margin-top:1.6em}table{border-collapse:collapse}"
    "td,th{padding:2px 12px;text-align:right;border-bottom:1px solid #eee}"
    "td:first-child,th:first-child{text-align:left}tr.sub td{color:#666;"
    "font-size:.9em}.warn{background:#fff6e0;border-left:4px solid #e0a800;"
    "padding:.6em 1em}svg{display:block;margin:.5em 0}"
    ".grid{stroke:#eee}.tick{stroke:#999}.yl{font-size:11px;"
    "text-anchor:end;fill:#555}.xl{font-size:11px;text-anchor:middle;"
    "fill:#555}.lg{font-size:12px;fill:#333}code{background:#f4f4f4;"
    "padding:0 3px}</style>\n";

static void inputs(buf *b, const bt_world *w, const bt_options *o)
{
    const backtest_params *p = &o->params;
    char d1[11], d2[11], x[32], y[32];

    buf_addf(b,
             "<p>%zu session%s from %s to %s, %zu ticker%s. Inputs: %zu news "
             "rows, %zu documents (%zu near-duplicates counted once), %zu "
             "signals, %zu daily bars. Decisions are taken at each "
             "session's close on what was known by then, and orders fill "
             "at the next session's open.</p>\n",
             w->nsessions, bt_s(w->nsessions), bt_day(w->sessions[0], d1),
             bt_day(w->sessions[w->nsessions - 1], d2), w->ntickers,
             bt_s(w->ntickers), w->sigs.nrows, w->sigs.ndocs,
             w->sigs.nduplicates, w->sigs.nsignals, w->nbars);
    buf_addf(b,
             "<p>Starting cash %s; slippage %lld bp; commission $%lld.%04lld "
             "a share and %s an order. Strategy: buy above %+.2f, sell "
             "below %+.2f, at least %d signals in 7 days, at most %.2f%% "
             "of equity per position. Risk limits as the migrations "
             "(<code>db/migrations</code>) set them unless "
             "<code>--limit</code> changed them.</p>\n",
             bt_usd(p->starting_cash, x), (long long)p->slippage_bps,
             (long long)(p->commission_share_e4 / 10000),
             (long long)(p->commission_share_e4 % 10000),
             bt_usd(p->commission_order, y), p->strategy.buy_threshold,
             p->strategy.sell_threshold, p->strategy.min_signals,
             p->strategy.max_weight * 100.0);
}

static void orders(buf *b, const bt_options *o, const bt_outcome *out)
{
    const backtest_result *r = &out->main;
    char d[11], x[32], y[32];

    buf_addf(b,
             "<p>%zu changed recommendations were decided on: %zu orders, "
             "%zu denied by the risk rules, %zu still open at the end. "
             "Kill switch: %s%s.</p>\n",
             r->ndec, r->ordered, r->denied, r->open_at_end,
             r->kill_switch ? "tripped on " : "never tripped",
             r->kill_switch ? bt_day(r->kill_day, d) : "");
    if (out->nnull)
        buf_addf(b,
                 "<p>Null model: the same strategy on sentiment shuffled "
                 "among all signals, %zu run%s (seeds %llu to %llu). Median "
                 "total return %s; the strategy's %s beats %zu of %zu "
                 "runs. A strategy that does not clearly beat its own "
                 "shuffled version has not shown that the news helps.</p>\n",
                 out->nnull, bt_s(out->nnull), (unsigned long long)o->seed,
                 (unsigned long long)(o->seed + out->nnull - 1),
                 bt_pct(out->null_total_median, x),
                 bt_pct(out->main_perf.total, y), out->null_beaten, out->nnull);
}

void bt_html(buf *b, const bt_world *w, const bt_options *o,
             const bt_outcome *out)
{
    char d1[11], d2[11];

    buf_addf(b,
             "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
             "charset=\"utf-8\"><title>Stonks Oracle backtest %s to "
             "%s</title>\n",
             bt_day(w->sessions[0], d1),
             bt_day(w->sessions[w->nsessions - 1], d2));
    buf_adds(b, style);
    buf_addf(b, "</head><body>\n<h1>Backtest %s to %s</h1>\n", d1, d2);
    buf_adds(b, "<p class=\"warn\">One backtest is one path through one "
                "stretch of history, with one set of parameters. It is no "
                "forecast and no promise of future results; read "
                "<code>docs/BACKTEST.md</code> before drawing any "
                "conclusion.</p>\n");
    inputs(b, w, o);
    buf_adds(b, "<h2>Figures</h2>\n");
    metrics_table(b, w, out);
    orders(b, o, out);
    buf_adds(b, "<h2>Equity (dollars)</h2>\n");
    equity_chart(b, w, out);
    buf_adds(b, "<h2>Drawdown from the running peak</h2>\n");
    drawdown_chart(b, w, out);
    buf_adds(b, "<h2>Profit and loss per ticker</h2>\n");
    contribution_chart(b, w, out);
    buf_adds(b, "<p>The files next to this report hold the daily equity "
                "(<code>equity.csv</code>), every fill "
                "(<code>trades.csv</code>), the positions at each close "
                "(<code>positions.csv</code>), every decision with its "
                "reasons (<code>decisions.csv</code>) and every "
                "recommendation with the aggregate behind it "
                "(<code>recommendations.csv</code>).</p>\n"
                "</body></html>\n");
}
