#!/usr/bin/env python3
"""Python clients for tlsgate integration tests. Each subcommand prints one JSON object on stdout.

  roundtrip --proxy H:P --base http://HOST --size N
      http.client through the proxy on one connection: POST N pattern bytes to /echo (compare the
      echo), then GET /bytes/N (compare). Keys: upload_ok, download_ok, statuses, connects.
  sequence --proxy H:P --spec JSON
      Requests on one http.client connection. Spec: [{"method","url","body_size"?, "headers"?}].
      Keys: connects, results: [{status, length, sha256, pattern_ok, headers, local_port}] or error.
  raw --proxy H:P --data-b64 B64 [--timeout S]
      Sends raw bytes, reads one response (head + Content-Length body) or until close.
      Keys: status, head, body, closed.
  tunnel --proxy H:P --host H --port N --cafile CA [--split-hello] [--http10]
         [--servername S] [--path P] [--tls-max 1.2|1.3]
      CONNECT, then TLS (verified against CA) and GET PATH inside the tunnel.
      Keys: connect_status, tls_version, cipher, http_status, body_len, body_sha256, error, hello_len.
  hello --proxy H:P --host H --port N --kind garbage|truncated|oversized [--stall]
      CONNECT, then bad "ClientHello" bytes; reports what the proxy sent back and whether it closed.
      Keys: connect_status, received_hex, closed, elapsed, error.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent, pattern  # noqa: E402


def split_hostport(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def out(obj):
    print(json.dumps(obj), flush=True)


class CountingConnection(http.client.HTTPConnection):
    connects = 0

    def connect(self):
        CountingConnection.connects += 1
        super().connect()


# -- forward-mode clients -----------------------------------------------------------------------

def cmd_roundtrip(a):
    host, port = split_hostport(a.proxy)
    conn = CountingConnection(host, port, timeout=60)
    body = pattern(a.size)
    statuses = []
    conn.request("POST", a.base + "/echo", body=body,
                 headers={"Content-Type": "application/octet-stream"})
    r = conn.getresponse()
    echoed = r.read()
    statuses.append(r.status)
    conn.request("GET", a.base + f"/bytes/{a.size}")
    r = conn.getresponse()
    got = r.read()
    statuses.append(r.status)
    out({
        "upload_ok": echoed == body,
        "upload_len": len(echoed),
        "download_ok": got == body,
        "download_len": len(got),
        "statuses": statuses,
        "connects": CountingConnection.connects,
    })


def cmd_sequence(a):
    host, port = split_hostport(a.proxy)
    spec = json.loads(a.spec)
    conn = CountingConnection(host, port, timeout=a.timeout)
    results = []
    for item in spec:
        try:
            body = pattern(item["body_size"]) if "body_size" in item else None
            conn.request(item.get("method", "GET"), item["url"], body=body,
                         headers=item.get("headers", {}))
            local_port = conn.sock.getsockname()[1] if conn.sock else None
            r = conn.getresponse()
            data = r.read()
            results.append({
                "status": r.status,
                "length": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "pattern_ok": data == pattern(len(data)),
                "headers": {k.lower(): v for k, v in r.getheaders()},
                "local_port": local_port,
            })
        except Exception as e:  # report, do not crash: the test asserts on it
            results.append({"error": repr(e)})
            break
    out({"connects": CountingConnection.connects, "results": results})


def read_head(sock, limit=65536):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            break
        buf += chunk
        if len(buf) > limit:
            break
    return buf


def cmd_raw(a):
    host, port = split_hostport(a.proxy)
    data = base64.b64decode(a.data_b64)
    s = socket.create_connection((host, port), timeout=a.timeout)
    closed = False
    try:
        s.sendall(data)
    except OSError:
        pass
    buf = b""
    try:
        buf = read_head(s)
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            rest += chunk
        buf = head + b"\r\n\r\n" + rest
    except (socket.timeout, OSError):
        pass
    head, _, body = buf.partition(b"\r\n\r\n")
    status = None
    first = head.split(b"\r\n", 1)[0].split(b" ")
    if len(first) >= 2 and first[0].startswith(b"HTTP/") and first[1].isdigit():
        status = int(first[1])
    out({"status": status, "head": head.decode("latin-1"), "body": body.decode("latin-1"),
         "closed": closed})


# -- tunnel-mode clients ------------------------------------------------------------------------

def connect_tunnel(a):
    """Opens a socket to the proxy and sends CONNECT. Returns (sock, status, head)."""
    host, port = split_hostport(a.proxy)
    s = socket.create_connection((host, port), timeout=a.timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    target = f"{a.host}:{a.port}"
    if getattr(a, "userinfo", None):
        target = f"{a.userinfo}@{target}"
    if a.http10:
        req = f"CONNECT {target} HTTP/1.0\r\n\r\n"
    else:
        req = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"
    s.sendall(req.encode())
    head = b""
    while b"\r\n\r\n" not in head:  # byte at a time: nothing after the head may be consumed
        c = s.recv(1)
        if not c:
            break
        head += c
        if len(head) > 16384:
            break
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    status = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
    return s, status, head.decode("latin-1")


def cmd_tunnel(a):
    s, status, head = connect_tunnel(a)
    res = {"connect_status": status, "connect_head": head}
    if status != 200:
        out(res)
        return
    ctx = ssl.create_default_context(cafile=a.cafile)
    if a.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=a.servername or a.host)
    first_flight = True

    def flush():
        nonlocal first_flight
        data = outgoing.read()
        if not data:
            return
        if a.split_hello and first_flight:
            res["hello_len"] = len(data)
            for i in range(min(len(data), 8192)):  # bounded: a ClientHello is well under 8 KiB
                s.sendall(data[i:i + 1])
                time.sleep(0.002)
            if len(data) > 8192:
                s.sendall(data[8192:])
        else:
            s.sendall(data)
        first_flight = False

    def pump():
        flush()
        chunk = s.recv(65536)
        if not chunk:
            incoming.write_eof()
        else:
            incoming.write(chunk)

    try:
        for _ in range(1000):
            try:
                obj.do_handshake()
                flush()
                break
            except ssl.SSLWantReadError:
                pump()
        res["tls_version"] = obj.version()
        res["cipher"] = obj.cipher()[0]
        req = f"GET {a.path} HTTP/1.1\r\nHost: {a.host}\r\nConnection: close\r\n\r\n".encode()
        obj.write(req)
        flush()
        data = b""
        for _ in range(200000):
            try:
                piece = obj.read(65536)
                if not piece:
                    break
                data += piece
            except ssl.SSLWantReadError:
                pump()
            except ssl.SSLZeroReturnError:
                break
            except ssl.SSLEOFError:
                break
        head, _, body = data.partition(b"\r\n\r\n")
        parts = head.split(b"\r\n", 1)[0].split(b" ")
        res["http_status"] = int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
        res["body_len"] = len(body)
        res["body_sha256"] = hashlib.sha256(body).hexdigest()
    except Exception as e:
        res["error"] = repr(e)
    out(res)


def client_hello_bytes(host):
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=host)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def cmd_hello(a):
    s, status, head = connect_tunnel(a)
    res = {"connect_status": status, "connect_head": head}
    if status != 200:
        out(res)
        return
    start = time.monotonic()
    try:
        if a.kind == "garbage":
            s.sendall(b"this is not TLS at all\r\n\r\n" + bytes(range(256)))
        elif a.kind == "truncated":
            hello = client_hello_bytes(a.host)
            s.sendall(hello[: len(hello) // 2])
            if not a.stall:
                s.shutdown(socket.SHUT_WR)
        elif a.kind == "oversized":
            # A handshake record longer than TLS allows (2^14), then a flood: must not be buffered
            # without bound.
            s.sendall(b"\x16\x03\x01\xff\xff\x01\xff\xff\xfb\x03\x03")
            junk = b"\x00" * 65536
            for _ in range(64):  # at most 4 MiB
                s.sendall(junk)
    except OSError as e:
        res["send_error"] = repr(e)
    received = b""
    closed = False
    try:
        while len(received) < 65536:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            received += chunk
    except socket.timeout:
        pass
    except OSError as e:  # ECONNRESET counts as closed
        res["recv_error"] = repr(e)
        closed = True
    res["received_hex"] = received[:64].hex()
    res["closed"] = closed
    res["elapsed"] = time.monotonic() - start
    out(res)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("roundtrip")
    p.add_argument("--proxy", required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--size", type=int, default=1 << 20)
    p = sub.add_parser("sequence")
    p.add_argument("--proxy", required=True)
    p.add_argument("--spec", required=True)
    p.add_argument("--timeout", type=float, default=20)
    p = sub.add_parser("raw")
    p.add_argument("--proxy", required=True)
    p.add_argument("--data-b64", required=True)
    p.add_argument("--timeout", type=float, default=10)
    for name in ("tunnel", "hello"):
        p = sub.add_parser(name)
        p.add_argument("--proxy", required=True)
        p.add_argument("--host", required=True)
        p.add_argument("--port", type=int, default=443)
        p.add_argument("--http10", action="store_true")
        p.add_argument("--userinfo", help="user:password@ in the CONNECT target (to test its refusal)")
        p.add_argument("--timeout", type=float, default=15)
        if name == "tunnel":
            p.add_argument("--cafile", required=True)
            p.add_argument("--split-hello", action="store_true")
            p.add_argument("--servername")
            p.add_argument("--path", default="/headers")
            p.add_argument("--tls-max", choices=["1.2", "1.3"])
        else:
            p.add_argument("--kind", choices=["garbage", "truncated", "oversized"], required=True)
            p.add_argument("--stall", action="store_true")
    a = ap.parse_args()
    exit_with_parent()
    {"roundtrip": cmd_roundtrip, "sequence": cmd_sequence, "raw": cmd_raw,
     "tunnel": cmd_tunnel, "hello": cmd_hello}[a.cmd](a)


if __name__ == "__main__":
    main()
