#!/usr/bin/python3
"""A fake Ollama server for the tests of src/adapters/ollama.c.

Serves POST /api/chat on 127.0.0.1 only. Every answer is built from the
documented samples in tests/fixtures/ollama/ (see its README.md). The
request's "model" picks what the fake does:

  fake-valid      a valid signal list for the tickers the request lists
  fake-nodone     the same, with the envelope of chat_nostream_response
                  (no done_reason)
  fake-length     done_reason "length" and the content cut mid-JSON
  fake-badjson    content that is not JSON
  fake-schema     JSON with a sentiment of 1.5
  fake-ticker     a signal for a ticker the document does not have
  fake-missing    one signal fewer than the tickers
  fake-error      HTTP 500 with the documented error object
  fake-timeout    waits --delay seconds, then answers as fake-valid
  fake-mixed      as fake-schema when the document holds REFUSE, else
                  as fake-valid (one bad document in a batch)
  fake-cut        closes the connection without an answer (a server
                  that fails on this document)

Before any of that it checks the request as the client must send it
(stream false, temperature 0, an integer num_ctx, a JSON schema in
"format" whose ticker enum are the tickers, a system and a user message,
the document in one delimited data block) and answers 400 with an error
object naming the first problem otherwise. Each request is written to
--log-dir as request-N.json.

Usage: fake_ollama.py --port-file FILE --log-dir DIR [--delay S]
It listens on a free port and writes its number to FILE.
"""
import argparse
import copy
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "ollama")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


STRUCTURED = fixture("chat_structured_response.json")
NOSTREAM = fixture("chat_nostream_response.json")
ERROR = fixture("error_response.json")
OPEN, CLOSE = "<<<DOCUMENT\n", "\nDOCUMENT>>>"


def check_request(req):
    """Returns (tickers, None) or (None, problem)."""
    if not isinstance(req, dict):
        return None, "body is not a JSON object"
    if req.get("stream") is not False:
        return None, "stream must be false"
    opts = req.get("options")
    if not isinstance(opts, dict) or opts.get("temperature") != 0:
        return None, "options.temperature must be 0"
    if not isinstance(opts.get("num_ctx"), int) or opts["num_ctx"] < 512:
        return None, "options.num_ctx must be an integer >= 512"
    fmt = req.get("format")
    try:
        items = fmt["properties"]["signals"]["items"]
        tickers = items["properties"]["ticker"]["enum"]
        assert fmt["required"] == ["signals"]
        assert fmt["additionalProperties"] is False
        assert items["additionalProperties"] is False
        assert fmt["properties"]["signals"]["minItems"] == len(tickers)
    except (KeyError, TypeError, AssertionError):
        return None, "format is not the signal list schema"
    msgs = req.get("messages")
    if (not isinstance(msgs, list) or len(msgs) != 2 or
            [m.get("role") for m in msgs] != ["system", "user"]):
        return None, "messages must be one system and one user message"
    user = msgs[1].get("content", "")
    if (user.count(OPEN) != 1 or user.count(CLOSE) != 1 or
            user.index(OPEN) > user.index(CLOSE)):
        return None, "the document must be in one delimited data block"
    body = user[user.index(OPEN) + len(OPEN):user.index(CLOSE)]
    if "<<<" in body or ">>>" in body:
        return None, "the data block holds a delimiter"
    if not user.startswith("Tickers: " + ", ".join(tickers) + "\n"):
        return None, "the user message must list the tickers first"
    return tickers, None


def signals(tickers):
    out = []
    for i, t in enumerate(tickers):
        if i == 0:
            s = (0.75, "positive", 0.9, "earnings", 0.8)
        elif i == 1:
            s = (-0.5, "negative", 0.4, "legal_regulatory", 0.7)
        else:
            s = (0, "neutral", 0.2, "other", 0.5)
        out.append({"ticker": t, "sentiment": s[0], "label": s[1],
                    "relevance": s[2], "event_type": s[3],
                    "confidence": s[4]})
    return {"signals": out}


def answer(model, tickers):
    """(status, body dict) for the scenario model names."""
    env = copy.deepcopy(STRUCTURED)
    env["model"] = model
    content = json.dumps(signals(tickers))
    if model == "fake-nodone":
        env = copy.deepcopy(NOSTREAM)
        env["model"] = model
    elif model == "fake-length":
        env["done_reason"] = "length"
        content = content[:len(content) // 2]
    elif model == "fake-badjson":
        content = "Sure! Here are the signals: {signals: [" + tickers[0]
    elif model == "fake-schema":
        bad = signals(tickers)
        bad["signals"][0]["sentiment"] = 1.5
        content = json.dumps(bad)
    elif model == "fake-ticker":
        bad = signals(tickers)
        bad["signals"][0]["ticker"] = "MSFT"
        content = json.dumps(bad)
    elif model == "fake-missing":
        bad = signals(tickers)
        bad["signals"].pop()
        content = json.dumps(bad)
    elif model == "fake-error":
        return 500, copy.deepcopy(ERROR)
    elif model not in ("fake-valid", "fake-timeout"):
        return 404, {"error": "model '%s' not found" % model}
    env["message"]["content"] = content
    return 200, env


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-ollama/1"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj):
        data = json.dumps(obj).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        with self.server.lock:
            self.server.count += 1
            path = os.path.join(self.server.log_dir,
                                "request-%d.json" % self.server.count)
        with open(path, "wb") as f:
            f.write(raw)
        if self.path != "/api/chat":
            self.send_json(404, {"error": "fake ollama: no " + self.path})
            return
        if self.headers.get("Content-Type") != "application/json":
            self.send_json(400, {"error": "fake ollama: not JSON"})
            return
        try:
            req = json.loads(raw)
        except ValueError:
            self.send_json(400, {"error": "fake ollama: invalid JSON"})
            return
        tickers, problem = check_request(req)
        if problem:
            self.send_json(400, {"error": "fake ollama: " + problem})
            return
        model = req.get("model", "")
        if model == "fake-mixed":
            refuse = "REFUSE" in req["messages"][1]["content"]
            model = "fake-schema" if refuse else "fake-valid"
        if model == "fake-cut":
            self.close_connection = True
            return
        if model == "fake-timeout":
            time.sleep(self.server.delay)
        status, body = answer(model, tickers)
        self.send_json(status, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log-dir", required=True)
    ap.add_argument("--delay", type=float, default=3.0)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.lock = threading.Lock()
    srv.count = 0
    srv.log_dir = args.log_dir
    srv.delay = args.delay
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
