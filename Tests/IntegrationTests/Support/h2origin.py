#!/usr/bin/env python3
"""A small HTTP/2-only TLS origin (python-h2) for tlsgate's upstream HTTP/2 tests.

Prints its port on the first line of stdout, then serves until killed (or its parent dies).
ALPN offers only h2. Endpoints:
  /reset            response head and 1000 bytes of DATA, then RST_STREAM INTERNAL_ERROR
  /refuse-once/KEY  the first request for KEY gets RST_STREAM REFUSED_STREAM (no head), later ones 200 "ok"
  /trailers         "hello" with trailers x-checksum: abc, x-count: 5 (te: trailers seen -> x-te: yes)
  anything else     200 "ok <path>"
Every stream's request trailers (if any) are echoed back as response headers x-req-trailer-NAME.
"""
import argparse
import os
import socket
import ssl
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent  # noqa: E402

import h2.config
import h2.connection
import h2.events
import h2.errors

refused = set()
lock = threading.Lock()


def serve(sock):
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    heads = {}
    trailers = {}
    while True:
        data = sock.recv(65536)
        if not data:
            return
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                heads[ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            elif isinstance(ev, h2.events.TrailersReceived):
                trailers[ev.stream_id] = dict(ev.headers)
            elif isinstance(ev, h2.events.StreamEnded):
                respond(conn, ev.stream_id, heads.get(ev.stream_id, {}), trailers.pop(ev.stream_id, {}))
        sock.sendall(conn.data_to_send())


responded = set()


def respond(conn, sid, head, trailers):
    if sid in responded:
        return
    responded.add(sid)
    path = head.get(":path", "/")
    extra = [("x-req-trailer-" + k, v) for k, v in trailers.items()]
    if path == "/reset":
        conn.send_headers(sid, [(":status", "200")] + extra)
        conn.send_data(sid, b"x" * 1000)
        conn.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
    elif path.startswith("/refuse-once/"):
        with lock:
            first = path not in refused
            refused.add(path)
        if first:
            conn.reset_stream(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
        else:
            conn.send_headers(sid, [(":status", "200"), ("content-length", "2")] + extra)
            conn.send_data(sid, b"ok", end_stream=True)
    elif path == "/trailers":
        te = [("x-te", "yes")] if head.get("te") == "trailers" else []
        conn.send_headers(sid, [(":status", "200")] + te + extra)
        conn.send_data(sid, b"hello")
        conn.send_headers(sid, [("x-checksum", "abc"), ("x-count", "5")], end_stream=True)
    else:
        body = ("ok " + path).encode()
        conn.send_headers(sid, [(":status", "200"), ("content-length", str(len(body)))] + extra)
        conn.send_data(sid, body, end_stream=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    a = p.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(a.cert, a.key)
    ctx.set_alpn_protocols(["h2"])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    print(ls.getsockname()[1], flush=True)
    exit_with_parent()
    while True:
        raw, _ = ls.accept()
        try:
            s = ctx.wrap_socket(raw, server_side=True)
        except Exception:
            raw.close()
            continue
        threading.Thread(target=lambda: (serve(s), s.close()), daemon=True).start()


if __name__ == "__main__":
    main()
