/*
 * report: the table the demo ends with, also `stonks report`. Every
 * figure comes from the database, so two runs over the same data print
 * the same table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/cli.h"
#include "services/demo.h"

static const char SQL_TABLE[] =
    "SELECT s.ticker,"
    " (SELECT count(*) FROM document_tickers t WHERE t.ticker = s.ticker),"
    " (SELECT count(*) FROM signals g WHERE g.ticker = s.ticker),"
    " (SELECT coalesce(to_char(avg(g.sentiment), 'SG0.000'), '')"
    "  FROM signals g WHERE g.ticker = s.ticker),"
    " coalesce((SELECT to_char(round(b.close::numeric, 2), 'FM99990.00')"
    "  FROM price_bars b"
    "  WHERE b.ticker = s.ticker AND b.day <= $1::date"
    "  ORDER BY b.day DESC LIMIT 1), '-'),"
    " coalesce((SELECT r.action || ' ' || to_char(r.conviction, 'FM0.00')"
    "  || ' (' || r.as_of || ')' FROM recommendations r"
    "  WHERE r.ticker = s.ticker ORDER BY r.as_of DESC LIMIT 1), '-')"
    " FROM symbols s WHERE s.active ORDER BY s.ticker";

static const char SQL_TOTALS[] =
    "SELECT (SELECT count(*) FROM documents),"
    " (SELECT count(*) FROM document_tickers WHERE origin = 'feed'),"
    " (SELECT count(*) FROM document_tickers WHERE origin = 'mention'),"
    " (SELECT count(*) FROM signals),"
    " (SELECT count(*) FROM documents WHERE duplicate_of IS NOT NULL),"
    " (SELECT count(*) FROM price_bars),"
    " (SELECT count(*) FROM aggregates),"
    " (SELECT count(*) FROM recommendations),"
    " (SELECT count(*) FILTER (WHERE action = 'BUY') || '/' ||"
    "  count(*) FILTER (WHERE action = 'SELL') || '/' ||"
    "  count(*) FILTER (WHERE action = 'HOLD') FROM recommendations)";

int demo_print_report(db *d, const config *c, FILE *out, char *err,
                      size_t errlen)
{
    const char *p[] = {c->replay_end};
    PGresult *r;

    if (db_exec(d, SQL_TABLE, 1, p, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        return -1;
    }
    fprintf(out, "\n%-7s %9s %8s %10s %11s  %s\n", "ticker", "documents",
            "signals", "sentiment", "last close", "latest recommendation");
    for (int i = 0; i < PQntuples(r); i++)
        fprintf(out, "%-7s %9s %8s %10s %11s  %s\n", PQgetvalue(r, i, 0),
                PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
    PQclear(r);
    if (db_exec(d, SQL_TOTALS, 0, NULL, &r) != DB_OK) {
        snprintf(err, errlen, "%s", db_error(d));
        return -1;
    }
    fprintf(out,
            "\ntotals: documents %s, article-ticker tags %s (+%s mentions),"
            " signals %s,\n        near-duplicates flagged %s, price bars "
            "%s, aggregates %s,\n        recommendations %s (BUY/SELL/HOLD "
            "%s)\n",
            PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
            PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5),
            PQgetvalue(r, 0, 6), PQgetvalue(r, 0, 7), PQgetvalue(r, 0, 8));
    PQclear(r);
    return 0;
}

int cmd_report(int argc, char **argv)
{
    config c;
    char err[512];
    db *d;
    int rc;

    if (cli_wants_help(argc, argv)) {
        printf("usage: stonks report\n  Prints the per-ticker table of "
               "documents, signals and recommendations.\n");
        return 0;
    }
    if (cli_start_tool("report", &c) < 0)
        return 2;
    d = db_open(&c, err, sizeof(err));
    if (!d) {
        fprintf(stderr, "stonks report: %s\n", err);
        config_release(&c);
        return 1;
    }
    rc = demo_print_report(d, &c, stdout, err, sizeof(err)) < 0 ? 1 : 0;
    if (rc)
        fprintf(stderr, "stonks report: %s\n", err);
    db_close(d);
    config_release(&c);
    return rc;
}
