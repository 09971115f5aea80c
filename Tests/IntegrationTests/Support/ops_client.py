#!/usr/bin/env python3
"""Clients for the Operations integration tests. Progress lines go to stdout as they happen; the
last stdout line is one JSON object with the results.

  flood --proxy H:P --url URL --count N [--timeout S]
      N concurrent connections, one forward request each (GET URL plus i=INDEX in the query, so
      every request has its own audit path). Prints "sent N" once every request is written.
      Keys: sent, complete (full responses), statuses {code: n}, errors {kind: n}, completed_ids.
  slowloris --proxy H:P --url URL --clients N --duration S [--interval S]
      N clients each dribbling a never-ending request head one byte per interval; a client cut off
      by the proxy reconnects until the duration is over.
      Keys: connections, cut_off, connect_errors, statuses {code: n}, max_lifetime (of cut-off
      connections), open_at_end, max_open_age (of connections still open at the end).
  hold-tunnel --proxy H:P --host H --cafile CA [--hold S]
      CONNECT H:443, TLS, GET /bytes/10 (keep-alive), prints "ready", then waits (up to --hold) for
      the proxy to close. Keys: http_status, closed, closed_after (seconds after ready), error.
  no-read --proxy H:P --url URL [--hold S]
      Sends GET URL with a tiny receive buffer, prints "sent", reads nothing for --hold seconds, then
      drains. Keys: received, eof (closed before the full body), reset, status.
  upload-stall --proxy H:P --url URL --size N [--hold S]
      POST with Content-Length N, sending until a send blocks for 1 s (prints "stalled BYTES"), then
      waits up to --hold for the proxy's answer or close.
      Keys: sent, stalled, status, closed, closed_after (seconds after the stall), error.
"""
import argparse
import asyncio
import json
import os
import resource
import socket
import ssl
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent  # noqa: E402


def split_hostport(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def out(obj):
    print(json.dumps(obj), flush=True)


def say(line):
    print(line, flush=True)


def status_of(head):
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


def content_length(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def request_bytes(method, url, extra=b""):
    host = urlsplit(url).netloc.encode()
    return b"%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (method.encode(), url.encode(), host, extra)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- flood --------------------------------------------------------------------------------------

async def flood(a):
    host, port = split_hostport(a.proxy)
    sep = "&" if "?" in a.url else "?"
    statuses, errors = Counter(), Counter()
    state = {"sent": 0, "complete": 0}
    completed = []
    all_sent = asyncio.Event()

    async def one(index):
        req = request_bytes("GET", "%s%si=%d" % (a.url, sep, index))
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as e:
            errors["connect:" + type(e).__name__] += 1
            return
        try:
            writer.write(req)
            await writer.drain()
            state["sent"] += 1
            if state["sent"] == a.count:
                all_sent.set()
            head = await reader.readuntil(b"\r\n\r\n")
            code = status_of(head)
            statuses[str(code)] += 1
            await reader.readexactly(content_length(head))
            state["complete"] += 1
            completed.append(index)
        except asyncio.IncompleteReadError as e:
            errors["closed_after_%d_bytes" % min(len(e.partial), 1)] += 1
        except (OSError, asyncio.LimitOverrunError) as e:
            errors[type(e).__name__] += 1
        finally:
            writer.close()

    async def announce():
        await all_sent.wait()
        say("sent %d" % a.count)

    announcer = asyncio.ensure_future(announce())
    tasks = [asyncio.ensure_future(one(i)) for i in range(a.count)]
    done, pending = await asyncio.wait(tasks, timeout=a.timeout)
    for t in pending:
        t.cancel()
    if pending:
        errors["timeout"] += len(pending)
    announcer.cancel()
    out({"sent": state["sent"], "complete": state["complete"], "statuses": dict(statuses),
         "errors": dict(errors), "completed_ids": sorted(completed)})


# -- slowloris ----------------------------------------------------------------------------------

async def slowloris(a):
    host, port = split_hostport(a.proxy)
    head = request_bytes("GET", a.url)[:-2]  # no final empty line: the head never ends
    head += b"".join(b"X-Slow-%d: %s\r\n" % (i, b"v" * 20) for i in range(4000))
    end = time.monotonic() + a.duration
    stats = {"connections": 0, "cut_off": 0, "connect_errors": 0, "max_lifetime": 0.0,
             "open_at_end": 0, "max_open_age": 0.0}
    statuses = Counter()

    async def client():
        while time.monotonic() < end:
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                stats["connect_errors"] += 1
                await asyncio.sleep(0.2)
                continue
            stats["connections"] += 1
            started = time.monotonic()
            received = b""
            closed = False
            try:
                for i in range(len(head)):
                    if time.monotonic() >= end:
                        break
                    writer.write(head[i:i + 1])
                    await writer.drain()
                    wait_until = min(time.monotonic() + a.interval, end)
                    while True:  # read while waiting for the next byte's turn
                        left = wait_until - time.monotonic()
                        if left <= 0:
                            break
                        try:
                            data = await asyncio.wait_for(reader.read(4096), left)
                        except asyncio.TimeoutError:
                            break
                        if not data:
                            closed = True
                            break
                        received += data[:4096 - len(received)] if len(received) < 4096 else b""
                    if closed:
                        break
            except (OSError, ConnectionError):
                closed = True
            lifetime = time.monotonic() - started
            if closed:
                stats["cut_off"] += 1
                stats["max_lifetime"] = max(stats["max_lifetime"], lifetime)
                statuses[str(status_of(received))] += 1
            else:
                stats["open_at_end"] += 1
                stats["max_open_age"] = max(stats["max_open_age"], lifetime)
            writer.close()

    await asyncio.gather(*(client() for _ in range(a.clients)))
    stats["statuses"] = dict(statuses)
    out(stats)


# -- hold-tunnel ----------------------------------------------------------------------------------

def read_head_bytewise(s, limit=16384):
    head = b""
    while b"\r\n\r\n" not in head and len(head) < limit:
        c = s.recv(1)
        if not c:
            break
        head += c
    return head


def hold_tunnel(a):
    host, port = split_hostport(a.proxy)
    res = {}
    try:
        s = socket.create_connection((host, port), timeout=15)
        s.sendall(b"CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" % (a.host.encode(), a.host.encode()))
        head = read_head_bytewise(s)
        res["connect_status"] = status_of(head)
        if res["connect_status"] != 200:
            out(res)
            return
        ctx = ssl.create_default_context(cafile=a.cafile)
        tls = ctx.wrap_socket(s, server_hostname=a.host)
        tls.sendall(b"GET /bytes/10 HTTP/1.1\r\nHost: %s\r\n\r\n" % a.host.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = tls.recv(4096)
            if not chunk:
                break
            buf += chunk
        rhead, _, body = buf.partition(b"\r\n\r\n")
        res["http_status"] = status_of(rhead)
        while len(body) < content_length(rhead):
            chunk = tls.recv(4096)
            if not chunk:
                break
            body += chunk
        say("ready")
        ready = time.monotonic()
        tls.settimeout(a.hold)
        res["closed"] = False
        try:
            data = tls.recv(4096)
            res["closed"] = not data
        except socket.timeout:
            pass
        except (OSError, ssl.SSLError) as e:
            res["closed"] = True
            res["close_error"] = repr(e)
        res["closed_after"] = time.monotonic() - ready
    except Exception as e:
        res["error"] = repr(e)
    out(res)


# -- no-read ------------------------------------------------------------------------------------

def no_read(a):
    host, port = split_hostport(a.proxy)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((host, port))
    s.sendall(request_bytes("GET", a.url))
    say("sent")
    time.sleep(a.hold)
    received = 0
    first = b""
    eof = reset = False
    s.settimeout(3)
    for _ in range(1_000_000):  # bounded drain
        try:
            data = s.recv(1 << 20)
        except socket.timeout:
            break
        except OSError:
            reset = True
            break
        if not data:
            eof = True
            break
        if len(first) < 512:
            first += data[:512]
        received += len(data)
    out({"received": received, "eof": eof, "reset": reset, "status": status_of(first)})


# -- upload-stall -------------------------------------------------------------------------------

def upload_stall(a):
    host, port = split_hostport(a.proxy)
    res = {"sent": 0, "stalled": False, "closed": False, "status": None}
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
    s.settimeout(10)
    s.connect((host, port))
    s.sendall(request_bytes("POST", a.url, b"Content-Length: %d\r\nContent-Type: application/octet-stream\r\n" % a.size))
    chunk = bytes(range(256)) * 256
    s.settimeout(1.0)
    try:
        while res["sent"] < a.size:
            try:
                n = s.send(chunk[: min(len(chunk), a.size - res["sent"])])
            except socket.timeout:
                res["stalled"] = True
                break
            res["sent"] += n
    except OSError as e:
        res["error"] = repr(e)
        res["closed"] = True
        out(res)
        return
    say("stalled %d" % res["sent"])
    stalled_at = time.monotonic()
    s.settimeout(a.hold)
    buf = b""
    try:
        for _ in range(1000):
            data = s.recv(65536)
            if not data:
                res["closed"] = True
                break
            buf += data[:65536]
    except socket.timeout:
        pass
    except OSError as e:
        res["closed"] = True
        res["error"] = repr(e)
    res["status"] = status_of(buf)
    res["closed_after"] = time.monotonic() - stalled_at
    out(res)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("flood")
    p.add_argument("--proxy", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--timeout", type=float, default=60)
    p = sub.add_parser("slowloris")
    p.add_argument("--proxy", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--duration", type=float, default=6)
    p.add_argument("--interval", type=float, default=1.0)
    p = sub.add_parser("hold-tunnel")
    p.add_argument("--proxy", required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--cafile", required=True)
    p.add_argument("--hold", type=float, default=30)
    p = sub.add_parser("no-read")
    p.add_argument("--proxy", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--hold", type=float, default=10)
    p = sub.add_parser("upload-stall")
    p.add_argument("--proxy", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--size", type=int, default=200_000_000)
    p.add_argument("--hold", type=float, default=15)
    a = ap.parse_args()
    exit_with_parent()
    raise_nofile()
    if a.cmd == "flood":
        asyncio.run(flood(a))
    elif a.cmd == "slowloris":
        asyncio.run(slowloris(a))
    elif a.cmd == "hold-tunnel":
        hold_tunnel(a)
    elif a.cmd == "no-read":
        no_read(a)
    else:
        upload_stall(a)


if __name__ == "__main__":
    main()
