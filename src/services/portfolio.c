/*
 * portfolio: `stonks portfolio`, and the trading table the demo ends
 * with: order counts by status, each position with its cost, value and
 * P&L at the last close, cash, equity and the P&L since the start.
 * Every figure comes from the database (integer cents), so two runs over
 * the same data print the same table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/cli.h"
#include "services/trading.h"

static const char SQL_COUNTS[] =
    "SELECT count(*),"
    " count(*) FILTER (WHERE status = 'filled'),"
    " count(*) FILTER (WHERE status IN ('queued', 'submitting', 'accepted',"
    "  'partially_filled')),"
    " count(*) FILTER (WHERE status = 'denied'),"
    " count(*) FILTER (WHERE status = 'rejected'),"
    " count(*) FILTER (WHERE status = 'expired'),"
    " (SELECT count(*) FROM fills),"
    " (SELECT count(*) FROM trading_decisions),"
    " (SELECT count(*) FROM trading_decisions WHERE outcome = 'denied'),"
    " (SELECT min(day) || '..' || max(day) FROM trading_runs),"
    " count(*) FILTER (WHERE status = 'canceled')"
    " FROM orders";

static const char SQL_POSITIONS[] =
    "SELECT p.ticker, p.qty, p.cost_basis_cents, p.realized_pnl_cents,"
    " (SELECT b.close FROM price_bars b"
    "  WHERE b.ticker = p.ticker ORDER BY b.day DESC LIMIT 1)"
    " FROM positions p WHERE p.qty <> 0 OR p.realized_pnl_cents <> 0"
    " ORDER BY p.ticker";

static const char SQL_ACCOUNT[] =
    "SELECT cash_cents, starting_cash_cents, realized_pnl_cents,"
    " commissions_cents FROM account WHERE id = 1";

static const char *usd(cents c, char out[MONEY_FMT_MAX])
{
    money_format(c, out);
    return out;
}

static int print_positions(db *d, FILE *out, cents *value)
{
    PGresult *r;
    char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX], v[MONEY_FMT_MAX], u[MONEY_FMT_MAX],
        z[MONEY_FMT_MAX];

    *value = 0;
    if (db_exec(d, SQL_POSITIONS, 0, NULL, &r) != DB_OK)
        return -1;
    fprintf(out, "  %-6s %7s %10s %10s %12s %11s %11s\n", "ticker", "qty",
            "avg cost", "last", "value", "unrealized", "realized");
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t qty = atoll(PQgetvalue(r, i, 1));
        cents basis = atoll(PQgetvalue(r, i, 2));
        cents realized = atoll(PQgetvalue(r, i, 3));
        cents last = 0, val = 0, avg = 0;

        if (!PQgetisnull(r, i, 4))
            money_from_text(PQgetvalue(r, i, 4), &last);

        money_mul(last, qty, &val);
        if (qty > 0)
            money_muldiv(basis, 1, qty, &avg);
        *value += val;
        fprintf(out, "  %-6s %7lld %10s %10s %12s %11s %11s\n",
                PQgetvalue(r, i, 0), (long long)qty, usd(avg, a), usd(last, b),
                usd(val, v), usd(val - basis, u), usd(realized, z));
    }
    PQclear(r);
    return 0;
}

int trading_print_summary(db *d, const config *c, FILE *out, char *err,
                          size_t errlen)
{
    PGresult *r;
    cents value, cash, start, realized, fees, equity;
    char s1[MONEY_FMT_MAX], s2[MONEY_FMT_MAX], s3[MONEY_FMT_MAX],
        s4[MONEY_FMT_MAX], s5[MONEY_FMT_MAX], s6[MONEY_FMT_MAX],
        s7[MONEY_FMT_MAX];

    if (db_exec(d, SQL_COUNTS, 0, NULL, &r) != DB_OK)
        goto dberr;
    fprintf(out,
            "\nTrading (%s, broker %s), sessions %s\n"
            "  decisions %s (denied by the screen %s); orders %s: filled "
            "%s, open %s, denied %s, rejected %s, expired %s, canceled %s; "
            "fills %s\n",
            trading_mode(c), c->broker,
            PQgetisnull(r, 0, 9) ? "none" : PQgetvalue(r, 0, 9),
            PQgetvalue(r, 0, 7), PQgetvalue(r, 0, 8), PQgetvalue(r, 0, 0),
            PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3),
            PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5), PQgetvalue(r, 0, 10),
            PQgetvalue(r, 0, 6));
    PQclear(r);
    if (print_positions(d, out, &value) < 0 ||
        db_exec(d, SQL_ACCOUNT, 0, NULL, &r) != DB_OK)
        goto dberr;
    if (PQntuples(r) == 0) {
        PQclear(r);
        fprintf(out, "  no account yet\n");
        return 0;
    }
    cash = atoll(PQgetvalue(r, 0, 0));
    start = atoll(PQgetvalue(r, 0, 1));
    realized = atoll(PQgetvalue(r, 0, 2));
    fees = atoll(PQgetvalue(r, 0, 3));
    PQclear(r);
    equity = cash + value;
    fprintf(out,
            "  cash %s  positions %s  equity %s  (started with %s)\n"
            "  P&L %s (%+.2f%%), realized %s, commissions %s\n",
            usd(cash, s1), usd(value, s2), usd(equity, s3), usd(start, s4),
            usd(equity - start, s5),
            start > 0 ? (double)money_ratio_bps(equity - start, start) / 100
                      : 0.0,
            usd(realized, s6), usd(fees, s7));
    return 0;
dberr:
    snprintf(err, errlen, "%s", db_error(d));
    return -1;
}

int cmd_portfolio(int argc, char **argv)
{
    config c;
    char err[512];
    db *d;
    int rc;

    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks portfolio\n"
               "  Prints the orders, positions, cash, equity and P&L.\n");
        return 0;
    }
    if (cli_start_tool("portfolio", &c) < 0)
        return 2;
    d = db_open(&c, err, sizeof(err));
    if (!d) {
        fprintf(stderr, "stonks portfolio: %s\n", err);
        config_release(&c);
        return 1;
    }
    rc = trading_print_summary(d, &c, stdout, err, sizeof(err)) < 0 ? 1 : 0;
    if (rc)
        fprintf(stderr, "stonks portfolio: %s\n", err);
    db_close(d);
    config_release(&c);
    return rc;
}
