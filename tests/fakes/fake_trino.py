#!/usr/bin/python3
"""A fake Trino coordinator speaking the HTTP client protocol, for tests.

POST /v1/statement starts a query (QUEUED); GET on each nextUri moves it
along (RUNNING with the columns, then pages of rows, then FINISHED or
FAILED); DELETE on a nextUri cancels it. What a query does depends on
its text:

  fake_fail      FAILED with a USER_ERROR (SYNTAX_ERROR)
  fake_internal  FAILED with an INTERNAL_ERROR
  fake_slow      stays RUNNING forever, 200 ms per poll
  fake_busy      the first poll answers 503 (the client must retry)
  fake_many      25 rows (n bigint, label varchar) in pages of 5
  fake_evil      a nextUri on another port (the client must refuse it)
  fake_nul       one row (s varchar) whose value holds a NUL: "a\\u0000b"
  fake_garbled   the first poll answers 500 with terminal escapes, a
                 bell and a C1 CSI (U+009B) in its text
  anything else  runs on PostgreSQL through psql (PG* variables), and
                 answers its rows with columns typed bigint, double or
                 varchar from their values

Listens on 127.0.0.1 only. Usage:

  fake_trino.py --port-file FILE --log FILE

writes the chosen port to FILE once listening, and appends one line per
request to the log: "METHOD PATH user=... catalog=... schema=...
session=...". Stdlib only (run with /usr/bin/python3).
"""

import argparse
import csv
import io
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

QUERIES = {}
LOCK = threading.Lock()
IDS = itertools.count(1)
LOG = None


def log(line):
    with LOCK:
        LOG.write(line + "\n")
        LOG.flush()


def infer_type(values):
    present = [v for v in values if v is not None]
    if present and all(re.fullmatch(r"-?\d+", v) for v in present):
        return "bigint"
    if present and all(
        re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", v) for v in present
    ):
        return "double"
    return "varchar"


def convert(value, typ):
    if value is None:
        return None
    if typ == "bigint":
        return int(value)
    if typ == "double":
        return float(value)
    return value


def run_on_postgres(sql):
    """Returns (columns, rows) or raises ValueError with psql's message."""
    p = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-P",
         "null=\\N", "-c", sql],
        capture_output=True,
        text=True,
    )
    if p.returncode != 0:
        raise ValueError(p.stderr.strip() or "psql failed")
    table = list(csv.reader(io.StringIO(p.stdout)))
    if not table:
        return [], []
    names, body = table[0], table[1:]
    body = [[None if v == "\\N" else v for v in row] for row in body]
    types = [infer_type([row[i] for row in body]) for i in range(len(names))]
    cols = [{"name": n, "type": t, "typeSignature": {"rawType": t}}
            for n, t in zip(names, types)]
    rows = [[convert(v, t) for v, t in zip(row, types)] for row in body]
    return cols, rows


class Query:
    def __init__(self, qid, sql):
        self.id = qid
        self.sql = sql
        self.cols = []
        self.rows = []
        self.error = None
        self.page = 0
        self.busy_left = 1 if "fake_busy" in sql else 0
        if "fake_fail" in sql:
            self.error = ("line 1:8: mismatched input 'fake_fail'",
                          "USER_ERROR", "SYNTAX_ERROR")
        elif "fake_internal" in sql:
            self.error = ("worker exploded", "INTERNAL_ERROR",
                          "GENERIC_INTERNAL_ERROR")
        elif "fake_many" in sql:
            self.cols = [{"name": "n", "type": "bigint"},
                         {"name": "label", "type": "varchar"}]
            self.rows = [[i, "row %d" % i] for i in range(1, 26)]
        elif "fake_nul" in sql:
            self.cols = [{"name": "s", "type": "varchar"}]
            self.rows = [["a\u0000b"]]
        elif "fake_slow" in sql or "fake_evil" in sql:
            self.cols = [{"name": "x", "type": "bigint"}]
        else:
            try:
                self.cols, self.rows = run_on_postgres(sql)
            except ValueError as e:
                self.error = (str(e), "USER_ERROR", "SYNTAX_ERROR")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_port

    def record(self):
        h = self.headers
        log("%s %s user=%s catalog=%s schema=%s session=%s" % (
            self.command, self.path, h.get("X-Trino-User"),
            h.get("X-Trino-Catalog"), h.get("X-Trino-Schema"),
            h.get("X-Trino-Session")))

    def answer(self, status, obj=None, text=None):
        body = (json.dumps(obj) if obj is not None else (text or "")).encode()
        self.send_response(status)
        self.send_header("Content-Type",
                         "application/json" if obj is not None else
                         "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def state(self, q, state, next_uri=None, cols=False, data=None):
        out = {"id": q.id, "infoUri": "%s/ui/query.html?%s" % (self.base(),
                                                              q.id),
               "stats": {"state": state}}
        if next_uri:
            out["nextUri"] = next_uri
        if cols and q.cols:
            out["columns"] = q.cols
        if data:
            out["data"] = data
        return out

    def do_POST(self):
        self.record()
        length = int(self.headers.get("Content-Length") or 0)
        sql = self.rfile.read(length).decode()
        if self.path != "/v1/statement":
            return self.answer(404, text="no such resource")
        if not self.headers.get("X-Trino-User"):
            return self.answer(400, text="User must be set")
        q = Query("q%d" % next(IDS), sql)
        with LOCK:
            QUERIES[q.id] = q
        self.answer(200, self.state(
            q, "QUEUED", "%s/v1/statement/queued/%s/1" % (self.base(), q.id)))

    def do_GET(self):
        self.record()
        m = re.fullmatch(r"/v1/statement/(queued|executing)/(q\d+)/(\d+)",
                         self.path)
        q = QUERIES.get(m.group(2)) if m else None
        if not q:
            return self.answer(404, text="no such query")
        if q.busy_left:
            q.busy_left -= 1
            return self.answer(503, text="busy")
        if "fake_garbled" in q.sql:
            return self.answer(500, text="\x1b[2J\x1b[31mdown\x07\u009b2J\r\n")
        token = int(m.group(3))
        nxt = "%s/v1/statement/executing/%s/%d" % (self.base(), q.id,
                                                     token + 1)
        if q.error:
            msg, etype, ename = q.error
            out = self.state(q, "FAILED")
            out["error"] = {"message": msg, "errorCode": 1,
                            "errorName": ename, "errorType": etype}
            return self.answer(200, out)
        if "fake_slow" in q.sql:
            time.sleep(0.2)
            return self.answer(200, self.state(q, "RUNNING", nxt, cols=True))
        if "fake_evil" in q.sql:
            evil = "http://127.0.0.1:1/v1/statement/executing/%s/9" % q.id
            return self.answer(200, self.state(q, "RUNNING", evil, cols=True))
        if m.group(1) == "queued":
            first = "%s/v1/statement/executing/%s/1" % (self.base(), q.id)
            return self.answer(200, self.state(q, "RUNNING", first,
                                               cols=True))
        page = 5 if "fake_many" in q.sql else 1000
        start = (token - 1) * page
        chunk = q.rows[start:start + page]
        done = start + page >= len(q.rows)
        self.answer(200, self.state(q, "FINISHED" if done else "RUNNING",
                                    None if done else nxt, cols=True,
                                    data=chunk))

    def do_DELETE(self):
        self.record()
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    global LOG
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    LOG = open(a.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_port))
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
