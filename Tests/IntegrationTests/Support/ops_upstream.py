#!/usr/bin/env python3
"""HTTPS upstreams for the Operations integration tests (asyncio, many concurrent connections).

Prints its bound port on the first line of stdout, then serves until killed (or its parent dies).

  serve --cert C --key K [--stats FILE] [--release FILE]
      HTTP/1.1 keep-alive origin:
        /delay?ms=N     "ok\\n" after N milliseconds (N <= 60000); with gate=1, the delay starts once
                        the --release FILE exists (waits at most 60 s for it)
        /bytes/N        N bytes of the 0..255 pattern (Content-Length)
        anything else   "ok\\n"
      Request bodies (Content-Length only) are read and discarded.
      --stats FILE: {"arrived": A, "answered": B, "open": C} rewritten (atomically) every 50 ms, where
      arrived counts request heads received and answered counts responses fully written.
  blackhole --cert C --key K
      Accepts, completes the TLS handshake, then never reads or writes again (holds the
      connection up to 120 s). For stalled-upload tests.
"""
import argparse
import asyncio
import json
import os
import resource
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent, iter_pattern  # noqa: E402

MAX_HEAD = 65536


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


class Stats:
    def __init__(self, path):
        self.path = path
        self.arrived = 0
        self.answered = 0
        self.open = 0

    async def writer(self):
        if not self.path:
            return
        last = None
        while True:
            now = (self.arrived, self.answered, self.open)
            if now != last:
                tmp = self.path + ".tmp"
                with open(tmp, "w") as f:
                    json.dump({"arrived": now[0], "answered": now[1], "open": now[2]}, f)
                os.replace(tmp, self.path)
                last = now
            await asyncio.sleep(0.05)


async def handle(reader, writer, stats, release):
    stats.open += 1
    try:
        for _ in range(100000):  # requests per connection (bounded)
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ssl.SSLError):
                return
            stats.arrived += 1
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                return
            method, target = parts[0], parts[1]
            length = 0
            close = False
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            remaining = length
            while remaining > 0:
                chunk = await reader.read(min(remaining, 65536))
                if not chunk:
                    return
                remaining -= len(chunk)
            path, _, query = target.partition("?")
            params = dict(p.partition("=")[::2] for p in query.split("&") if p)
            if path == "/delay":
                if params.get("gate") == "1" and release:
                    for _ in range(1200):  # wait (at most 60 s) for the release file
                        if os.path.exists(release):
                            break
                        await asyncio.sleep(0.05)
                ms = min(int(params.get("ms", "1000")), 60000)
                await asyncio.sleep(ms / 1000)
            if path.startswith("/bytes/"):
                n = int(path[len("/bytes/"):])
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Content-Length: %d\r\n\r\n" % n)
                if method != "HEAD":
                    for piece in iter_pattern(n):
                        writer.write(piece)
                        await writer.drain()
            else:
                body = b"ok\n"
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body)
                             + (body if method != "HEAD" else b""))
            await writer.drain()
            stats.answered += 1
            if close:
                return
    except (ConnectionError, ssl.SSLError, ValueError, OSError):
        return
    finally:
        stats.open -= 1
        try:
            writer.close()
        except Exception:
            pass


async def serve(args):
    stats = Stats(args.stats)
    server = await asyncio.start_server(lambda r, w: handle(r, w, stats, args.release), "127.0.0.1", 0,
                                        ssl=tls_context(args.cert, args.key), backlog=4096,
                                        limit=MAX_HEAD, ssl_handshake_timeout=30)
    print(server.sockets[0].getsockname()[1], flush=True)
    asyncio.ensure_future(stats.writer())
    async with server:
        await server.serve_forever()


def blackhole(args):
    """Blocking sockets on purpose: nothing reads behind our back (asyncio's TLS transport would)."""
    ctx = tls_context(args.cert, args.key)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # inherited by accepted sockets
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    print(lsock.getsockname()[1], flush=True)
    held = []

    def hold(conn):
        try:
            conn.settimeout(30)
            tls = ctx.wrap_socket(conn, server_side=True)
            held.append(tls)  # keep a reference: never read, never write
        except (OSError, ssl.SSLError):
            conn.close()
            return
        time.sleep(120)
        tls.close()

    for _ in range(1000):  # bounded
        conn, _ = lsock.accept()
        threading.Thread(target=hold, args=(conn,), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "blackhole"):
        p = sub.add_parser(name)
        p.add_argument("--cert", required=True)
        p.add_argument("--key", required=True)
        if name == "serve":
            p.add_argument("--stats")
            p.add_argument("--release")
    args = ap.parse_args()
    exit_with_parent()
    raise_nofile()
    try:
        if args.cmd == "serve":
            asyncio.run(serve(args))
        else:
            blackhole(args)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
