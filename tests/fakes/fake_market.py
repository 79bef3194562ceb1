#!/usr/bin/python3
"""A fake Polygon.io, Alpaca market data and feed server for the provider
tests, on 127.0.0.1 only (Python 3 standard library, no packages).

It serves the recorded answers of tests/fixtures/providers/ (Polygon and
Alpaca), the SEC EDGAR Atom feed of tests/fixtures/rss/ and the 8-K
submission of tests/fixtures/sec_edgar/, and scripts the trouble a real
API gives:

  Polygon (key "Authorization: Bearer test-polygon-key", else 401)
    /v2/aggs/ticker/AAPL/range/1/day/..   page 1 = the 2005 mock with a
        next_url added; page 2 (cursor=page2) = the OpenAPI example, whose
        next_url (cursor=bGlt..) leads to an empty page that points back
        at page 2: a repeated cursor the client must not follow.
    /v2/reference/news?ticker=AAPL        429 with "Retry-After: 1" the
        first time; then the OpenAPI news example, whose next_url leads
        to the NFLX mock.
    /v2/aggs/ticker/NFLX/range/1/day/..   503 the first time, then a body
        cut short of its Content-Length, then the OpenAPI example.
    /v2/reference/news?ticker=NFLX        the NFLX mock.
    /v2/aggs/ticker/GE/range/1/day/..     503, always.
    /v2/aggs/ticker/HPQ/range/1/day/..    429 with "Retry-After: 0", always.
    /v2/aggs/ticker/IBM/range/1/day/..    301 to /moved.
    /v2/aggs/ticker/INTC/range/1/day/..   200 with an HTML page.
  Alpaca (APCA-API-KEY-ID test-alpaca-key, APCA-API-SECRET-KEY
  test-alpaca-secret, else 403)
    /v2/stocks/bars?symbols=AAPL          429 with an HTTP-date Retry-After
        the first time; page 1 = bars_GET_AAPL; its next_page_token gives
        bars_GET_multi (502 the first time).
    /v1beta1/news                         page1, then (page_token) page2.
  Polygon, hostile answers (ticker MSFT)
    /v2/aggs/ticker/MSFT/range/1/day/..   two sane bars among bars with
        bad prices, high below low, absurd volumes and missing fields.
    /v2/reference/news?ticker=MSFT        a page holding an article with
        a 10,000-byte id, one with \u0000 in its title, one with a
        Latin-1 byte and a lone surrogate, and a plain one.
  Feeds
    /rss/sec-latest.xml                   the SEC Atom feed (ISO-8859-1)
    /rss/filings.xml                      a one-entry Atom feed written
        here, linking an 8-K index page on this server
    /rss/hostile.xml                      an 8-K entry linking an index
        page on http://localhost:PORT (another host than the feed's),
        an entry with a 9,000-byte link and a plain entry
    /internal/...                         what the hostile entry points
        at; it must never be fetched (counted as "internal")
    /Archives/edgar/data/.../0001213900-25-032135.txt   the ABVC 8-K
  Control
    /__stats                              JSON: requests per route

Recorded next_url values name the real hosts; they are rewritten to
https://polygon.invalid (a name that never resolves) so that a client
that failed to rebase them could reach nothing.

Usage: fake_market.py --port PORT --fixtures DIR
"""

import argparse
import email.utils
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

POLYGON_KEY = "test-polygon-key"
ALPACA_KEY = "test-alpaca-key"
ALPACA_SECRET = "test-alpaca-secret"
INVALID = "https://polygon.invalid"

FILINGS_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Latest Filings (test)</title>
<entry>
<title>8-K - ABVC BIOPHARMA, INC. (0001173313) (Filer)</title>
<link rel="alternate" type="text/html" href="{base}/Archives/edgar/data/1173313/000121390025032135/0001213900-25-032135-index.htm"/>
<summary type="html"> &lt;b&gt;Filed:&lt;/b&gt; 2025-04-15 &lt;b&gt;AccNo:&lt;/b&gt; 0001213900-25-032135 &lt;b&gt;Size:&lt;/b&gt; 234 KB</summary>
<updated>2025-04-15T16:30:25-04:00</updated>
<category scheme="https://www.sec.gov/" label="form type" term="8-K"/>
<id>urn:tag:sec.gov,2008:accession-number=0001213900-25-032135</id>
</entry>
</feed>
"""


HOSTILE_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Hostile filings</title>
<updated>2025-04-17T18:00:00-04:00</updated>
<entry>
<title>8-K - INTERNAL PROBE INC (0000000001) (Filer)</title>
<link rel="alternate" type="text/html" href="http://localhost:{port}/internal/0000000001-25-000001-index.htm"/>
<summary type="html">Filed: 2025-04-17 probe</summary>
<updated>2025-04-17T10:00:00-04:00</updated>
<category scheme="https://www.sec.gov/" label="form type" term="8-K"/>
<id>urn:tag:sec.gov,2008:accession-number=0000000001-25-000001</id>
</entry>
<entry>
<title>Long link entry</title>
<link href="{base}/news/{long}"/>
<summary>too long an id</summary>
<updated>2025-04-17T11:00:00-04:00</updated>
<id>urn:long</id>
</entry>
<entry>
<title>Plain entry</title>
<link href="{base}/news/plain"/>
<summary>kept</summary>
<updated>2025-04-17T12:00:00-04:00</updated>
<id>urn:plain</id>
</entry>
</feed>
"""


def hostile_bars():
    """Two sane bars (2024-03-01 and 2024-03-11) among bad ones."""
    day0 = 1709269200000  # 2024-03-01 00:00 New York (EST) in ms
    ok = {"o": 10, "h": 11, "l": 9, "c": 10.5, "v": 1000}
    bad = [
        {"o": -10},
        {"h": 8, "l": 9.5},
        {"h": 1e308},
        {"l": 5e-324},
        {"v": 9.3e18},
        {"v": 1e300},
        {"h": None},
    ]
    rows = [dict(ok, t=day0)]
    for k, b in enumerate(bad):
        r = dict(ok, t=day0 + (k + 1) * 86400000)
        r.update(b)
        rows.append({key: v for key, v in r.items() if v is not None})
    # 2024-03-11 00:00 New York is EDT, an hour earlier in UTC.
    rows.append(dict(ok, o=12, h=12.5, l=11.5, c=12.25, v=2000,
                     t=day0 + 10 * 86400000 - 3600000))
    return {"ticker": "MSFT", "status": "OK", "results": rows}


def hostile_news():
    """Raw bytes: one item holds a Latin-1 byte, which JSON forbids."""
    def item(pid, title):
        return ('{"id":"%s","published_utc":"2024-03-05T15:00:00Z",'
                '"title":"%s","tickers":["MSFT"]}' % (pid, title))
    items = [
        item("m-long-" + "x" * 10000, "Long id"),
        item("m-nul", "Microsoft\\u0000gains"),
        item("m-latin1", "Caf\xe9 \\udc00 Microsoft"),
        item("m-plain", "Microsoft plain"),
    ]
    body = '{"status":"OK","results":[' + ",".join(items) + "]}"
    return body.encode("latin-1")


class State:
    def __init__(self, fixtures):
        self.fixtures = fixtures
        self.lock = threading.Lock()
        self.hits = {}
        self.first_aggs_path = ""

    def hit(self, route):
        with self.lock:
            self.hits[route] = self.hits.get(route, 0) + 1
            return self.hits[route]

    def read(self, *parts):
        with open(os.path.join(self.fixtures, *parts), "rb") as f:
            return f.read()

    def json(self, *parts):
        return json.loads(self.read(*parts))


def rewrite_host(url):
    u = urlparse(url)
    return INVALID + u.path + ("?" + u.query if u.query else "")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-market/1"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake: " + (fmt % args) + "\n")

    def send(self, status, body, ctype="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_cut(self, body):
        """Promises more bytes than it sends, then hangs up."""
        body = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) + 500))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        st = self.server.state
        u = urlparse(self.path)
        q = parse_qs(u.query)
        p = u.path
        try:
            if p == "/__stats":
                with st.lock:
                    return self.send(200, dict(st.hits))
            if p.startswith("/v2/aggs/") or p == "/v2/reference/news":
                return self.polygon(st, p, q)
            if p in ("/v2/stocks/bars", "/v1beta1/news"):
                return self.alpaca(st, p, q)
            if p == "/rss/sec-latest.xml":
                st.hit("rss:sec-latest")
                return self.send(
                    200,
                    st.read("rss", "sec_edgar_latest_filings_atom_2025-12-12.xml"),
                    "application/atom+xml",
                )
            if p == "/rss/filings.xml":
                st.hit("rss:filings")
                base = "http://127.0.0.1:%d" % self.server.server_port
                return self.send(
                    200, FILINGS_FEED.format(base=base), "application/atom+xml"
                )
            if p == "/rss/hostile.xml":
                st.hit("rss:hostile")
                port = self.server.server_port
                return self.send(
                    200,
                    HOSTILE_FEED.format(
                        port=port,
                        base="http://127.0.0.1:%d" % port,
                        long="l" * 9000,
                    ),
                    "application/atom+xml",
                )
            if p.startswith("/internal/"):
                st.hit("internal")
                return self.send(200, "internal secret", "text/plain")
            if p.endswith("/0001213900-25-032135.txt"):
                st.hit("sec:abvc")
                return self.send(
                    200,
                    st.read(
                        "sec_edgar",
                        "abvc_8-K_2025-04-15_items2.02-4.02-7.01-9.01_"
                        "0001213900-25-032135_cut.txt",
                    ),
                    "text/plain",
                )
            return self.send(404, {"error": "no such route: " + p})
        except BrokenPipeError:
            pass

    def polygon(self, st, p, q):
        if self.headers.get("Authorization") != "Bearer " + POLYGON_KEY:
            st.hit("polygon:unauthorized")
            return self.send(401, {"status": "ERROR", "error": "bad key"})
        cursor = q.get("cursor", [""])[0]
        if p.startswith("/v2/aggs/ticker/AAPL/"):
            st.hit("polygon:aggs:AAPL:" + (cursor or "first"))
            if not cursor:
                st.first_aggs_path = p
                body = st.json(
                    "providers", "polygon",
                    "mock_v2_aggs_ticker_AAPL_range_1_day_2005-04-01_"
                    "2005-04-04.json",
                )
                body["next_url"] = INVALID + p + "?cursor=page2"
                return self.send(200, body)
            if cursor == "page2":
                body = st.json("providers", "polygon", "openapi_example_v2_aggs_ticker_range.json")
                body["next_url"] = rewrite_host(body["next_url"])
                return self.send(200, body)
            # The last page hands back page 2's URL.
            return self.send(
                200,
                {
                    "ticker": "AAPL",
                    "status": "OK",
                    "resultsCount": 0,
                    "results": [],
                    "next_url": INVALID + st.first_aggs_path + "?cursor=page2",
                },
            )
        if p.startswith("/v2/aggs/ticker/GE/"):
            st.hit("polygon:aggs:GE")
            return self.send(503, {"status": "ERROR", "error": "busy"})
        if p.startswith("/v2/aggs/ticker/HPQ/"):
            st.hit("polygon:aggs:HPQ")
            return self.send(
                429,
                {"status": "ERROR", "error": "too many requests"},
                headers=[("Retry-After", "0")],
            )
        if p.startswith("/v2/aggs/ticker/IBM/"):
            st.hit("polygon:aggs:IBM")
            return self.send(
                301, "", "text/plain", headers=[("Location", "/moved")]
            )
        if p.startswith("/v2/aggs/ticker/INTC/"):
            st.hit("polygon:aggs:INTC")
            return self.send(200, "<html>maintenance</html>", "text/html")
        if p.startswith("/v2/aggs/ticker/MSFT/"):
            st.hit("polygon:aggs:MSFT")
            return self.send(200, hostile_bars())
        if p == "/v2/reference/news" and q.get("ticker", [""])[0] == "MSFT":
            st.hit("polygon:news:MSFT")
            return self.send(200, hostile_news())
        if p.startswith("/v2/aggs/ticker/NFLX/"):
            n = st.hit("polygon:aggs:NFLX")
            if n == 1:
                return self.send(503, {"status": "ERROR", "error": "busy"})
            body = st.json("providers", "polygon", "openapi_example_v2_aggs_ticker_range.json")
            del body["next_url"]
            body["ticker"] = "NFLX"
            if n == 2:
                return self.send_cut(body)
            return self.send(200, body)
        if p == "/v2/reference/news":
            ticker = q.get("ticker", [""])[0]
            if ticker == "AAPL" and not cursor:
                n = st.hit("polygon:news:AAPL:first")
                if n == 1:
                    return self.send(
                        429,
                        {"status": "ERROR", "error": "too many requests"},
                        headers=[("Retry-After", "1")],
                    )
                body = st.json("providers", "polygon", "openapi_example_v2_reference_news.json")
                body["next_url"] = rewrite_host(body["next_url"])
                return self.send(200, body)
            st.hit("polygon:news:%s:%s" % (ticker, cursor and "next" or "first"))
            return self.send(
                200, st.json("providers", "polygon", "mock_v2_reference_news_ticker_NFLX.json")
            )
        return self.send(404, {"status": "NOT_FOUND"})

    def alpaca(self, st, p, q):
        if (
            self.headers.get("APCA-API-KEY-ID") != ALPACA_KEY
            or self.headers.get("APCA-API-SECRET-KEY") != ALPACA_SECRET
        ):
            st.hit("alpaca:forbidden")
            return self.send(403, {"code": 40310000, "message": "forbidden"})
        token = q.get("page_token", [""])[0]
        if p == "/v2/stocks/bars":
            n = st.hit("alpaca:bars:" + (token and "next" or "first"))
            if not token:
                if n == 1:
                    when = email.utils.formatdate(time.time() + 1, usegmt=True)
                    return self.send(
                        429,
                        {"code": 42910000, "message": "rate limit exceeded"},
                        headers=[("Retry-After", when)],
                    )
                return self.send(
                    200, st.json("providers", "alpaca", "data_v2_stocks_bars_GET_AAPL.json")
                )
            if n == 1:
                return self.send(502, "<html>bad gateway</html>", "text/html")
            return self.send(
                200, st.json("providers", "alpaca", "data_v2_stocks_bars_GET_multi.json")
            )
        st.hit("alpaca:news:" + (token and "next" or "first"))
        page = "page2" if token else "page1"
        return self.send(
            200, st.json("providers", "alpaca", "data_v1beta1_news_GET_%s.json" % page)
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--fixtures", required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(a.fixtures)
    print("fake_market: listening on 127.0.0.1:%d" % a.port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
