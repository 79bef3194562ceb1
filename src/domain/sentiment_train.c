#include "domain/sentiment_train.h"

#include "domain/features.h"
#include "lib/xalloc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define K LINMODEL_CLASSES
#define HISTORY 10

/* The training set as compact feature ids: example i has the features
 * ids[off[i] .. off[i + 1]); id `dim` (the last row) is the bias. */
typedef struct problem {
    size_t n;
    size_t *off;
    uint32_t *ids;
    uint32_t *bucket_of; /* compact id -> table bucket */
    size_t dim; /* compact feature count */
    const int *labels;
    double *cw; /* per example: sample weight * class weight */
    double l2;
} problem;

void sentiment_train_defaults(sentiment_train_opts *o)
{
    o->l2 = 4.0;
    o->class_power = 0.5;
    o->max_iter = 400;
}

static void problem_build(problem *p, const sentiment_example *ex, size_t n,
                          const sentiment_train_opts *o, int *labels)
{
    uint32_t *compact = xmalloc((size_t)FEAT_TABLE_SIZE * sizeof(uint32_t));
    size_t cap = 1024;
    double class_w[K] = {0};
    double total = 0.0;

    memset(compact, 0xff, (size_t)FEAT_TABLE_SIZE * sizeof(uint32_t));
    p->n = n;
    p->off = xcalloc(n + 1, sizeof(size_t));
    p->ids = xmalloc(cap * sizeof(uint32_t));
    p->bucket_of = xmalloc((size_t)FEAT_TABLE_SIZE * sizeof(uint32_t));
    p->dim = 0;
    for (size_t i = 0; i < n; i++) {
        feat_token toks[FEAT_MAX_TOKENS];
        uint32_t f[FEAT_MAX_FEATURES];
        size_t nt = feat_tokenize(ex[i].text, ex[i].len, toks, FEAT_MAX_TOKENS);
        size_t nf = feat_extract(ex[i].text, toks, nt, f, FEAT_MAX_FEATURES);
        size_t at = p->off[i];

        if (at + nf > cap) {
            cap = 2 * (at + nf);
            p->ids = xreallocarray(p->ids, cap, sizeof(uint32_t));
        }
        for (size_t j = 0; j < nf; j++) {
            if (compact[f[j]] == UINT32_MAX) {
                compact[f[j]] = (uint32_t)p->dim;
                p->bucket_of[p->dim++] = f[j];
            }
            p->ids[at + j] = compact[f[j]];
        }
        p->off[i + 1] = at + nf;
        labels[i] = ex[i].label;
        class_w[ex[i].label] += ex[i].weight;
        total += ex[i].weight;
    }
    free(compact);

    for (int k = 0; k < K; k++)
        class_w[k] = class_w[k] > 0.0
                         ? pow(total / (K * class_w[k]), o->class_power)
                         : 0.0;
    p->cw = xcalloc(n, sizeof(double));
    for (size_t i = 0; i < n; i++)
        p->cw[i] = ex[i].weight * class_w[ex[i].label];
    p->labels = labels;
    p->l2 = o->l2;
}

static void problem_release(problem *p)
{
    free(p->off);
    free(p->ids);
    free(p->bucket_of);
    free(p->cw);
}

/* The objective at x, its gradient into g. x has (dim + 1) * K values;
 * the last K are the bias, which is not penalised. */
static double objective(const problem *p, const double *x, double *g)
{
    size_t nx = (p->dim + 1) * K;
    const double *bias = x + p->dim * K;
    double f = 0.0;

    for (size_t j = 0; j < p->dim * K; j++) {
        f += 0.5 * p->l2 * x[j] * x[j];
        g[j] = p->l2 * x[j];
    }
    for (size_t j = p->dim * K; j < nx; j++)
        g[j] = 0.0;
    for (size_t i = 0; i < p->n; i++) {
        double z[K];
        double max;
        double sum = 0.0;
        int y = p->labels[i];

        for (int k = 0; k < K; k++)
            z[k] = bias[k];
        for (size_t j = p->off[i]; j < p->off[i + 1]; j++) {
            const double *row = x + (size_t)p->ids[j] * K;

            for (int k = 0; k < K; k++)
                z[k] += row[k];
        }
        max = fmax(z[0], fmax(z[1], z[2]));
        for (int k = 0; k < K; k++) {
            z[k] = exp(z[k] - max);
            sum += z[k];
        }
        f += p->cw[i] * -log(z[y] / sum);
        for (int k = 0; k < K; k++)
            z[k] = p->cw[i] * (z[k] / sum - (k == y));
        for (size_t j = p->off[i]; j < p->off[i + 1]; j++) {
            double *row = g + (size_t)p->ids[j] * K;

            for (int k = 0; k < K; k++)
                row[k] += z[k];
        }
        for (int k = 0; k < K; k++)
            g[p->dim * K + k] += z[k];
    }
    return f;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;

    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* The L-BFGS direction -H g from the stored pairs, into d. */
static void direction(const double *g, double *const *s, double *const *y,
                      const double *rho, int stored, int newest, size_t nx,
                      double *d)
{
    double alpha[HISTORY];

    for (size_t j = 0; j < nx; j++)
        d[j] = -g[j];
    for (int h = 0; h < stored; h++) {
        int b = (newest - h + HISTORY) % HISTORY;

        alpha[b] = rho[b] * dot(s[b], d, nx);
        for (size_t j = 0; j < nx; j++)
            d[j] -= alpha[b] * y[b][j];
    }
    if (stored > 0) {
        double gamma =
            dot(s[newest], y[newest], nx) / dot(y[newest], y[newest], nx);

        for (size_t j = 0; j < nx; j++)
            d[j] *= gamma;
    }
    for (int h = stored - 1; h >= 0; h--) {
        int b = (newest - h + HISTORY) % HISTORY;
        double beta = rho[b] * dot(y[b], d, nx);

        for (size_t j = 0; j < nx; j++)
            d[j] += (alpha[b] - beta) * s[b][j];
    }
}

static int minimise(const problem *p, double *x, int max_iter)
{
    size_t nx = (p->dim + 1) * K;
    double *g = xcalloc(nx, sizeof(double));
    double *gn = xcalloc(nx, sizeof(double));
    double *xn = xcalloc(nx, sizeof(double));
    double *d = xcalloc(nx, sizeof(double));
    double *s[HISTORY];
    double *y[HISTORY];
    double rho[HISTORY];
    int stored = 0;
    int newest = HISTORY - 1;
    double f = objective(p, x, g);
    int it;

    for (int h = 0; h < HISTORY; h++) {
        s[h] = xcalloc(nx, sizeof(double));
        y[h] = xcalloc(nx, sizeof(double));
    }
    for (it = 0; it < max_iter; it++) {
        double gd;
        double step = 1.0;
        double fn = f;
        int tries;

        direction(g, s, y, rho, stored, newest, nx, d);
        gd = dot(g, d, nx);
        if (gd >= 0.0) {
            for (size_t j = 0; j < nx; j++)
                d[j] = -g[j];
            gd = dot(g, d, nx);
        }
        if (stored == 0)
            step = 1.0 / fmax(1.0, sqrt(dot(g, g, nx)));
        for (tries = 0; tries < 40; tries++) {
            for (size_t j = 0; j < nx; j++)
                xn[j] = x[j] + step * d[j];
            fn = objective(p, xn, gn);
            if (fn <= f + 1e-4 * step * gd)
                break;
            step *= 0.5;
        }
        if (tries == 40)
            break;

        newest = (newest + 1) % HISTORY;
        for (size_t j = 0; j < nx; j++) {
            s[newest][j] = xn[j] - x[j];
            y[newest][j] = gn[j] - g[j];
        }
        double ys = dot(y[newest], s[newest], nx);

        if (ys > 1e-12) {
            rho[newest] = 1.0 / ys;
            stored += stored < HISTORY;
        } else {
            newest = (newest + HISTORY - 1) % HISTORY;
        }
        memcpy(x, xn, nx * sizeof(double));
        memcpy(g, gn, nx * sizeof(double));
        if (f - fn < 1e-9 * fmax(1.0, fabs(f))) {
            f = fn;
            break;
        }
        f = fn;
    }

    for (int h = 0; h < HISTORY; h++) {
        free(s[h]);
        free(y[h]);
    }
    free(g);
    free(gn);
    free(xn);
    free(d);
    return it;
}

int sentiment_train(const sentiment_example *ex, size_t n,
                    const sentiment_train_opts *o, linmodel *m)
{
    int *labels = xcalloc(n, sizeof(int));
    problem p;
    double *x;
    int iters;

    problem_build(&p, ex, n, o, labels);
    x = xcalloc((p.dim + 1) * K, sizeof(double));
    iters = minimise(&p, x, o->max_iter);

    memset(m->w, 0, (size_t)FEAT_TABLE_SIZE * K * sizeof(float));
    for (size_t j = 0; j < p.dim; j++) {
        for (int k = 0; k < K; k++)
            m->w[(size_t)p.bucket_of[j] * K + k] = (float)x[j * K + k];
    }
    for (int k = 0; k < K; k++)
        m->bias[k] = (float)x[p.dim * K + k];
    linmodel_pack(m);

    free(x);
    problem_release(&p);
    free(labels);
    return iters;
}
