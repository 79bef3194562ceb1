#!/usr/bin/env python3
"""A fake Redis on 127.0.0.1 for one client: answers each command it
reads with the next reply given (raw RESP, such as ':2' or '-ERR x'; a
bulk string as '$text'), then closes. Touches READY_FILE once it
listens, and gives up after 20 seconds.

usage: fake_redis.py PORT READY_FILE REPLY...
"""
import socket
import sys


def read_command(conn, buf):
    """Reads one RESP array of bulk strings; returns (args, rest)."""
    while True:
        parsed = parse(buf)
        if parsed is not None:
            return parsed
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk


def parse(buf):
    if not buf.startswith(b"*") or b"\r\n" not in buf:
        return None
    head, rest = buf.split(b"\r\n", 1)
    args = []
    for _ in range(int(head[1:])):
        if b"\r\n" not in rest:
            return None
        size, rest = rest.split(b"\r\n", 1)
        n = int(size[1:])
        if len(rest) < n + 2:
            return None
        args.append(rest[:n])
        rest = rest[n + 2:]
    return args, rest


def encode(reply):
    if reply.startswith("$"):
        body = reply[1:].encode()
        return b"$%d\r\n%s\r\n" % (len(body), body)
    return reply.encode() + b"\r\n"


def main():
    port, ready, replies = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(1)
    srv.settimeout(20)
    open(ready, "w").close()
    conn, _ = srv.accept()
    conn.settimeout(20)
    buf = b""
    for reply in replies:
        args, buf = read_command(conn, buf)
        if args is None:
            break
        conn.sendall(encode(reply))
    conn.close()
    srv.close()


if __name__ == "__main__":
    main()
