#!/usr/bin/python3
"""Checks the Superset bundle (infra/superset/dashboard) for what an
import needs and Superset cannot be asked here: every file is YAML of
export format 1.0.0; the charts' datasets, the datasets' connection and
the dashboard's charts exist by uuid; the connection points at Trino's
lakehouse catalog; every dataset is a lake table of schema stonks whose
columns (and the columns its charts name) are in infra/sql/lakehouse.sql.

Usage: superset_check.py BUNDLE_DIR LAKEHOUSE_SQL
Prints one line per check; exits 1 on any failure. Needs Debian's
python3-yaml (run with /usr/bin/python3).
"""

import glob
import os
import re
import sys

import yaml


def main():
    bundle, ddl_path = sys.argv[1:3]
    ddl = open(ddl_path).read()
    lake = {}
    for m in re.finditer(
        r"CREATE TABLE IF NOT EXISTS lakehouse\.stonks\.(\w+) \((.*?)\n\)",
        ddl, re.S):
        lake[m.group(1)] = set(re.findall(r'"(\w+)"', m.group(2)))

    def load(pattern):
        out = []
        for path in sorted(glob.glob(os.path.join(bundle, pattern))):
            doc = yaml.safe_load(open(path))
            out.append((os.path.relpath(path, bundle), doc))
        return out

    failures = []

    def check(what, ok):
        print("  %s: %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            failures.append(what)

    meta = yaml.safe_load(open(os.path.join(bundle, "metadata.yaml")))
    check("metadata: a Dashboard export, version 1.0.0",
          meta.get("type") == "Dashboard" and meta.get("version") == "1.0.0")
    dbs = load("databases/*.yaml")
    sets = load("datasets/*/*.yaml")
    charts = load("charts/*.yaml")
    boards = load("dashboards/*.yaml")
    check("one connection, %d datasets, %d charts, one dashboard"
          % (len(sets), len(charts)),
          len(dbs) == 1 and len(boards) == 1 and sets and charts)
    everything = dbs + sets + charts + boards
    check("every file has version 1.0.0 and a uuid",
          all(d.get("version") == "1.0.0" and d.get("uuid")
              for _, d in everything))
    check("uuids are unique",
          len({d["uuid"] for _, d in everything}) == len(everything))
    db = dbs[0][1]
    check("connection: %s" % db["sqlalchemy_uri"],
          db["sqlalchemy_uri"].startswith("trino://")
          and db["sqlalchemy_uri"].endswith("@trino:8080/lakehouse")
          and not db.get("allow_dml"))
    by_uuid = {d["uuid"]: d for _, d in sets}
    for path, d in sets:
        cols = {c["column_name"] for c in d["columns"]}
        check("%s: lake table stonks.%s on the connection"
              % (path, d["table_name"]),
              d["schema"] == "stonks" and d["table_name"] in lake
              and d["database_uuid"] == db["uuid"])
        missing = cols - lake.get(d["table_name"], set())
        check("%s: columns in lakehouse.sql%s"
              % (path, " (missing %s)" % sorted(missing) if missing else ""),
              not missing and d["main_dttm_col"] in cols)
    for path, c in charts:
        ds = by_uuid.get(c["dataset_uuid"])
        p = c["params"]
        named = set(p.get("groupby", []))
        if p.get("x_axis"):
            named.add(p["x_axis"])
        metrics = set(p.get("metrics", [])) | (
            {p["metric"]} if p.get("metric") else set())
        ok = ds is not None
        if ds:
            ok = named <= {x["column_name"] for x in ds["columns"]} and (
                metrics <= {m["metric_name"] for m in ds["metrics"]})
        check("%s: dataset, columns and metrics exist" % path, ok)
    chart_uuids = {c["uuid"] for _, c in charts}
    pos = boards[0][1]["position"]
    placed = {v["meta"]["uuid"] for v in pos.values()
              if isinstance(v, dict) and v.get("type") == "CHART"}
    check("dashboard: places every chart", placed == chart_uuids)
    ids = {k for k in pos if k != "DASHBOARD_VERSION_KEY"}
    linked = all(
        all(ch in ids for ch in v.get("children", []))
        for k, v in pos.items() if isinstance(v, dict))
    check("dashboard: layout children all exist", linked)
    print("  %d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
