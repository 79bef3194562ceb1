#!/usr/bin/env python3
"""A local fake of Alpaca's trading API v2 for the integration tests.

Serves /v2/orders, /v2/orders:by_client_order_id, /v2/positions,
/v2/account and /v2/clock on 127.0.0.1 only, from the recorded samples in
tests/fixtures/alpaca (order fields filled in per order). Each symbol
plays one scenario, so one fake covers every case the client must
handle:

  AAPL  accepted, then filled on the first look-up
  MSFT  partially filled (4), then filled (10)
  IBM   403 insufficient buying power
  INTC  422 invalid quantity (the recorded 422 body)
  CSCO  403 potential wash trade
  HPQ   403 market closed
  QCOM  503 on the first submission (order not taken), then accepted
  EBAY  takes the order, then answers only after DELAY_S (a timeout
        after acceptance)
  JPM   takes the order and answers 500; the first two look-ups say 404;
        a resubmission gets 422 "client_order_id must be unique"
  GS    takes the order, then answers only after SLOW_S (the test kills
        the client meanwhile)
  WFC   fills 10 shares more at each look-up; the answer that says 10
        arrives 0.8 s late (within a client's timeout of 1 s), so it is
        older than the answer to a look-up made meanwhile (two clients
        following one order)
  BAC   accepted, then at each look-up "filled" with 1,000,000 shares
        whatever was ordered (an impossible answer)
  PFE   at each look-up the next of: 4 filled at 50.00 with a 1.00
        commission; the same 4 with a commission of 0 (an older answer);
        all 10 with 1.00 in all
  CVX   4 filled at 20.00, then all 10 at an average of 1.00 (the cost
        falls as shares are added: an impossible answer)
  KO    accepted and never filled, until cancelled (DELETE
        /v2/orders/{id}: 204, then "canceled"; 422 once final)
  other accepted, then filled on the first look-up

A second submission of a known client_order_id always gets the 422
duplicate answer. GET /_fake/state returns every order with how many
times it was submitted and looked up; GET /_fake/log the requests.
GET /_fake/down?on=1 makes every /v2/ request answer 503 (an outage:
nothing is taken or counted) until GET /_fake/down?on=0.

usage: alpaca_trading.py PORT KEY SECRET [DELAY_S] [SLOW_S]
"""
import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "alpaca")

PRICES = {"AAPL": "101.5", "MSFT": "25.13", "QCOM": "55.2", "EBAY": "30.01",
          "JPM": "40.4", "GS": "110.25", "WFC": "25.5"}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


class Book:
    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}  # client_order_id -> order dict
        self.posts = {}  # client_order_id -> submissions seen
        self.lookups = {}  # client_order_id -> look-ups seen
        self.log = []


BOOK = Book()
CONFIG = {"key": "", "secret": "", "delay_s": 3.0, "slow_s": 6.0,
          "down": False}


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())


def new_order(req):
    o = fixture("trading_v2_orders_POST_market.json")
    stamp = now_iso()
    o.update({
        "id": str(uuid.uuid4()),
        "client_order_id": req["client_order_id"],
        "created_at": stamp, "updated_at": stamp, "submitted_at": stamp,
        "symbol": req["symbol"], "qty": req["qty"], "filled_qty": "0",
        "side": req["side"], "type": req["type"],
        "order_type": req["type"], "time_in_force": req["time_in_force"],
        "limit_price": req.get("limit_price"), "status": "accepted",
        "commission": 0,
    })
    return o


# Scripted lives: the answer of the n-th look-up (the last one after).
SCRIPTS = {
    "PFE": [("partially_filled", "4", "50.00", "1.00"),
            ("partially_filled", "4", "50.00", "0"),
            ("filled", "10", "50.00", "1.00")],
    "CVX": [("partially_filled", "4", "20.00", "0"),
            ("filled", "10", "1.00", "0")],
}


def advance(o):
    """One step of the order's life, taken at each look-up."""
    sym = o["symbol"]
    price = PRICES.get(sym, "50.0")
    if sym in SCRIPTS:
        steps = SCRIPTS[sym]
        n = o.setdefault("_step", 0)
        status, qty, avg, fee = steps[min(n, len(steps) - 1)]
        o["_step"] = n + 1
        o.update(status=status, filled_qty=qty, filled_avg_price=avg,
                 commission=fee, updated_at=now_iso())
        return
    if o["status"] not in ("accepted", "partially_filled") and sym != "BAC":
        return
    if sym == "KO":
        return
    if sym == "WFC" and int(o["filled_qty"]) + 10 < int(o["qty"]):
        o.update(status="partially_filled",
                 filled_qty=str(int(o["filled_qty"]) + 10),
                 filled_avg_price=price, updated_at=now_iso())
        return
    if sym == "BAC":
        o.update(status="filled", filled_qty="1000000",
                 filled_avg_price=price, updated_at=now_iso())
        return
    if sym == "MSFT" and o["status"] == "accepted":
        o.update(status="partially_filled", filled_qty="4",
                 filled_avg_price="25.10", updated_at=now_iso())
        return
    o.update(status="filled", filled_qty=str(o["qty"]),
             filled_avg_price=price, filled_at=now_iso(),
             updated_at=now_iso())
    if sym == "MSFT":
        # 4 at 25.10 and 6 at 25.15: 251.30 / 10
        o["filled_avg_price"] = "25.13"


def error_body(code, message):
    return {"code": code, "message": message}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def outage(self):
        """Answers 503 during an outage; True when it did."""
        if CONFIG["down"]:
            self.reply(503, error_body(50300000, "service unavailable"))
        return CONFIG["down"]

    def authorized(self):
        return (self.headers.get("APCA-API-KEY-ID") == CONFIG["key"] and
                self.headers.get("APCA-API-SECRET-KEY") == CONFIG["secret"])

    def record(self, body=None):
        with BOOK.lock:
            BOOK.log.append({"method": self.command, "path": self.path,
                             "body": body, "at": time.time()})

    def do_GET(self):
        url = urlparse(self.path)
        self.record()
        if url.path == "/_fake/state":
            with BOOK.lock:
                state = {c: {"order": o, "posts": BOOK.posts.get(c, 0),
                             "lookups": BOOK.lookups.get(c, 0)}
                         for c, o in BOOK.orders.items()}
                state["_posts"] = dict(BOOK.posts)
            return self.reply(200, state)
        if url.path == "/_fake/log":
            with BOOK.lock:
                return self.reply(200, list(BOOK.log))
        if url.path == "/_fake/down":
            CONFIG["down"] = parse_qs(url.query).get("on", ["0"])[0] == "1"
            return self.reply(200, {"down": CONFIG["down"]})
        if self.outage():
            return
        if not self.authorized():
            return self.reply(401, error_body(40110000, "request is not "
                                              "authorized"))
        if url.path == "/v2/orders:by_client_order_id":
            coid = parse_qs(url.query).get("client_order_id", [""])[0]
            with BOOK.lock:
                n = BOOK.lookups.get(coid, 0) + 1
                BOOK.lookups[coid] = n
                o = BOOK.orders.get(coid)
                if o and o["symbol"] == "JPM" and n <= 2:
                    o = None  # not visible yet
                if o:
                    advance(o)
                    o = dict(o)
            if not o:
                return self.reply(404, error_body(40410000,
                                                  "order not found"))
            if o["symbol"] == "WFC" and o["filled_qty"] == "10":
                time.sleep(0.8)
            return self.reply(200, o)
        if url.path == "/v2/positions":
            held = {}
            with BOOK.lock:
                for o in BOOK.orders.values():
                    q = int(o["filled_qty"])
                    if q:
                        s = 1 if o["side"] == "buy" else -1
                        held[o["symbol"]] = held.get(o["symbol"], 0) + s * q
            tmpl = fixture("trading_v2_positions_GET.json")[0]
            out = []
            for sym, q in sorted(held.items()):
                if q:
                    p = dict(tmpl)
                    p.update(symbol=sym, qty=str(q))
                    out.append(p)
            return self.reply(200, out)
        if url.path == "/v2/account":
            return self.reply(200, fixture("trading_v2_account_GET.json"))
        if url.path == "/v2/clock":
            return self.reply(200, fixture("trading_v1_clock_GET.json"))
        return self.reply(404, error_body(40410000, "endpoint not found"))

    def do_DELETE(self):
        self.record()
        if self.outage():
            return
        if not self.authorized():
            return self.reply(401, error_body(40110000, "request is not "
                                              "authorized"))
        path = urlparse(self.path).path
        if not path.startswith("/v2/orders/"):
            return self.reply(404, error_body(40410000, "not found"))
        oid = path[len("/v2/orders/"):]
        with BOOK.lock:
            o = next((x for x in BOOK.orders.values() if x["id"] == oid),
                     None)
            if o is None:
                return self.reply(404, error_body(40410000,
                                                  "order not found"))
            if o["status"] not in ("accepted", "partially_filled", "new"):
                return self.reply(422, error_body(
                    42210000, "order is not cancelable"))
            o.update(status="canceled", canceled_at=now_iso(),
                     updated_at=now_iso())
        try:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            req = None
        self.record(req)
        if self.outage():
            return
        if not self.authorized():
            return self.reply(401, error_body(40110000, "request is not "
                                              "authorized"))
        if urlparse(self.path).path != "/v2/orders" or not isinstance(
                req, dict):
            return self.reply(404, error_body(40410000, "not found"))
        coid = req.get("client_order_id", "")
        sym = req.get("symbol", "")
        with BOOK.lock:
            BOOK.posts[coid] = BOOK.posts.get(coid, 0) + 1
            attempt = BOOK.posts[coid]
            known = coid in BOOK.orders
        if known:
            return self.reply(422, error_body(
                40010001, "client_order_id must be unique"))
        if not str(req.get("qty", "")).isdigit():
            return self.reply(422, fixture("error_v2_orders_PATCH_422.json"))
        if sym == "IBM":
            return self.reply(403, error_body(40310000,
                                              "insufficient buying power"))
        if sym == "INTC":
            return self.reply(422, fixture("error_v2_orders_PATCH_422.json"))
        if sym == "CSCO":
            return self.reply(403, error_body(
                40310000, "potential wash trade detected. use complex "
                "orders"))
        if sym == "HPQ":
            return self.reply(403, error_body(40310000, "market is closed"))
        if sym == "QCOM" and attempt == 1:
            return self.reply(503, error_body(50010000,
                                              "service unavailable"))
        o = new_order(req)
        with BOOK.lock:
            BOOK.orders[coid] = o
            o = dict(o)
        if sym == "JPM":
            return self.reply(500, error_body(50010000, "internal error"))
        if sym == "EBAY":
            time.sleep(CONFIG["delay_s"])
        if sym == "GS":
            time.sleep(CONFIG["slow_s"])
        return self.reply(200, o)


def main():
    port = int(sys.argv[1])
    CONFIG["key"], CONFIG["secret"] = sys.argv[2], sys.argv[3]
    if len(sys.argv) > 4:
        CONFIG["delay_s"] = float(sys.argv[4])
    if len(sys.argv) > 5:
        CONFIG["slow_s"] = float(sys.argv[5])
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print("alpaca fake listening on 127.0.0.1:%d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
