#!/usr/bin/python3
"""Reads every column of every lake table back and compares it with
PostgreSQL, for tests/integration/test_lake.sh.

The lake's tables and column types come from `stonks lake-publisher
--print-ddl` (what Trino is told); each lake column is matched with its
PostgreSQL column (NAME, or NAME_cents for money in cents) and both
sides are rendered the same way: timestamps as microseconds since the
epoch, money as numeric(18,2), prices rounded to numeric(18,4), NULL as
\\N. Floats compare as doubles, booleans as true/false. Rows are
compared as sorted lists, so a row published twice is a difference.
The partition column dt is compared with the day the row belongs to,
written out here independently of the C code.

Usage: lake_compare.py STONKS   (PG* variables name the database)
Prints one line per table; exits 1 on any difference.
"""

import re
import subprocess
import sys

# The day each table is partitioned by, in PostgreSQL terms.
DAY_OF = {
    "documents": "trading_day",
    "signals": "trading_day",
    "aggregates": "as_of",
    "recommendations": "as_of",
    "price_bars": "day",
    "orders": "decision_day",
    "fills": "day",
    "positions": "(now() AT TIME ZONE 'UTC')::date",
    "risk_verdicts": "(created_at AT TIME ZONE 'UTC')::date",
    "portfolio_values": "day",
}

# The PostgreSQL relation a lake table is published from, where the
# names differ (src/domain/lake_schema.c).
SOURCE = {"documents": "documents_with_text"}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[:3], p.stderr.strip()))
    return p.stdout


def parse_ddl(text):
    tables = {}
    for m in re.finditer(
        r"CREATE TABLE IF NOT EXISTS lakehouse\.stonks\.(\w+) \((.*?)\n\)",
        text, re.S):
        cols = re.findall(r'"(\w+)" ([a-z]+(?:\(\d+,\d+\))?)', m.group(2))
        tables[m.group(1)] = [(n, t) for n, t in cols if n != "dt"]
    return tables


def pg_columns(table):
    out = run(["psql", "-X", "-q", "-At", "-c",
               "SELECT column_name FROM information_schema.columns "
               "WHERE table_name = '%s'" % table])
    return set(out.split())


def renders(name, typ, pg_cols):
    """(lake expression, PostgreSQL expression) of one column."""
    q = '"%s"' % name
    if typ == "timestamp":
        return ("epoch_us(%s)" % q,
                "(extract(epoch FROM %s) * 1000000)::bigint" % q)
    if typ == "decimal(18,2)":
        if name in pg_cols:
            return q, "%s::numeric(18,2)" % q
        return q, '("%s_cents" / 100.0)::numeric(18,2)' % name
    if typ == "decimal(18,4)":
        return q, "round(%s::numeric, 4)::numeric(18,4)" % q
    return q, "%s::text" % q if typ == "varchar" else q


def normal(cell, typ):
    if cell == "\\N":
        return None
    if typ == "boolean":
        return {"t": "true", "f": "false"}.get(cell, cell)
    if typ == "double":
        return float(cell)
    return cell


def rows_of(text, types):
    out = []
    for line in text.splitlines():
        cells = line.split("\t")
        out.append(tuple(normal(c, t) for c, t in zip(cells, types)))
    return sorted(out, key=repr)


def main():
    stonks = sys.argv[1]
    tables = parse_ddl(run([stonks, "lake-publisher", "--print-ddl"]))
    failed = 0
    for table, cols in tables.items():
        pg_cols = pg_columns(SOURCE.get(table, table))
        pairs = [renders(n, t, pg_cols) for n, t in cols]
        types = [t for _, t in cols] + ["date"]
        where = ""
        if table == "positions":  # a snapshot: today's is the current one
            where = " WHERE dt = (SELECT max(dt) FROM positions)"
        lake_sql = "SELECT %s, dt FROM %s%s" % (
            ", ".join(p[0] for p in pairs), table, where)
        pg_sql = "COPY (SELECT %s, %s FROM %s) TO STDOUT" % (
            ", ".join(p[1] for p in pairs), DAY_OF[table],
            SOURCE.get(table, table))
        lake = rows_of(run([stonks, "sql", "--no-header", "--max-rows",
                            "1000000", lake_sql]), types)
        pg = rows_of(run(["psql", "-X", "-q", "-c", pg_sql]), types)
        if lake == pg:
            print("  ok: lake %s = PostgreSQL: %d rows x %d columns"
                  % (table, len(pg), len(types)))
            continue
        failed += 1
        print("  FAIL: lake %s differs from PostgreSQL (%d vs %d rows)"
              % (table, len(lake), len(pg)))
        extra = [r for r in lake if r not in pg][:3]
        missing = [r for r in pg if r not in lake][:3]
        for r in extra:
            print("    only in the lake: %r" % (r,))
        for r in missing:
            print("    only in PostgreSQL: %r" % (r,))
    print("  compared %d tables" % len(tables))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
