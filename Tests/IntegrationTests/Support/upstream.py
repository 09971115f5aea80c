#!/usr/bin/env python3
"""HTTPS test upstream for tlsgate integration tests.

Prints its bound port on the first line of stdout, then serves until killed (or its parent dies).

Endpoints (any method unless noted; HEAD returns the GET headers without a body):
  /echo            request body back verbatim (Content-Length), request info in X-Echo-* headers:
                   X-Echo-Method, X-Echo-Path, X-Echo-Framing (length|chunked|none),
                   X-Echo-Length, X-Echo-Expect, X-Echo-Host
  /headers         JSON: {"method","path","version","headers":[[name,value],...],"body_length","framing"}
  /bytes/N         N bytes of the 0..255 pattern, Content-Length, streamed in 64 KiB writes
  /chunked?size=N&chunk=C
                   N pattern bytes with Transfer-Encoding: chunked, C bytes per chunk (default 8191)
  /status/CODE     a response with that status (204/304: no body; 304 carries an ETag)
  /conn            "PORT" of the upstream-side peer (the proxy's connection), for reuse checks
  /redirect?to=URL 302 with Location: URL

--record FILE appends every request head as received (request line and header lines) to FILE,
so a test can show what did, and did not, leave the proxy.
"""
import argparse
import hashlib
import json
import os
import socket
import ssl
import sys
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent, iter_pattern  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}

MAX_BODY = 256 * 1024 * 1024  # the echo endpoint keeps bodies in memory; bound it


class BadRequest(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tlsgate-test-upstream/1"

    def setup(self):
        self.request.settimeout(60)
        self.request.do_handshake()
        super().setup()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("upstream: " + (fmt % args) + "\n")

    # -- body reading ---------------------------------------------------------------------------

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te and te.lower() != "identity":
            if te.lower() != "chunked":
                raise BadRequest("unsupported transfer-encoding")
            return self.read_chunked(), "chunked"
        cl = self.headers.get("Content-Length")
        if cl is not None:
            n = int(cl)
            if n < 0 or n > MAX_BODY:
                raise BadRequest("bad content-length")
            data = self.rfile.read(n)
            if len(data) != n:
                raise BadRequest("short body")
            return data, "length"
        return b"", "none"

    def read_chunked(self):
        parts = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise BadRequest("bad chunk size line")
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                # trailers until an empty line (kept for /echo's X-Echo-Trailers)
                self.trailers = []
                for _ in range(100):
                    t = self.rfile.readline(8192)
                    if t in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = t.decode("latin-1").partition(":")
                    self.trailers.append("%s=%s" % (name.strip().lower(), value.strip()))
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise BadRequest("body too large")
            parts.append(self.rfile.read(size))
            if self.rfile.read(2) != b"\r\n":
                raise BadRequest("bad chunk terminator")

    # -- dispatch -------------------------------------------------------------------------------

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def dispatch(self):
        if self.server.record:
            with open(self.server.record, "a", encoding="latin-1") as f:
                f.write(self.requestline + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()) + "\r\n")
        url = urlsplit(self.path)
        try:
            body, framing = self.read_body()
        except (BadRequest, ValueError) as e:
            self.send_simple(400, f"bad request: {e}\n".encode())
            self.close_connection = True
            return
        path = url.path
        if path == "/echo":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Echo-Method", self.command)
            self.send_header("X-Echo-Path", self.path)
            self.send_header("X-Echo-Framing", framing)
            self.send_header("X-Echo-Length", str(len(body)))
            self.send_header("X-Echo-Sha256", hashlib.sha256(body).hexdigest())
            self.send_header("X-Echo-Expect", self.headers.get("Expect", ""))
            self.send_header("X-Echo-Host", self.headers.get("Host", ""))
            self.send_header("X-Echo-Trailers", ";".join(getattr(self, "trailers", [])))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        elif path == "/headers":
            doc = {
                "method": self.command,
                "path": self.path,
                "version": self.request_version,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body_length": len(body),
                "framing": framing,
            }
            self.send_simple(200, json.dumps(doc).encode(), "application/json")
        elif path.startswith("/bytes/"):
            try:
                n = int(path[len("/bytes/"):])
            except ValueError:
                self.send_simple(400, b"bad size\n")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command != "HEAD":
                for piece in iter_pattern(n):
                    self.wfile.write(piece)
        elif path == "/chunked":
            q = parse_qs(url.query)
            n = int(q.get("size", ["100000"])[0])
            chunk = int(q.get("chunk", ["8191"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command != "HEAD":
                for piece in iter_pattern(n, chunk):
                    self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
        elif path == "/trailers":
            # A chunked body with trailers (HTTP/2 clients get them as a trailer block).
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Checksum")
            self.end_headers()
            self.wfile.write(b"5\r\nhello\r\n0\r\nX-Checksum: abc123\r\n\r\n")
        elif path.startswith("/status/"):
            try:
                code = int(path[len("/status/"):])
            except ValueError:
                code = 400
            if code in (204, 304) or 100 <= code < 200:
                self.send_response(code)
                if code == 304:
                    self.send_header("ETag", '"v1"')
                self.end_headers()
            else:
                self.send_simple(code, f"status {code}\n".encode())
        elif path == "/conn":
            self.send_simple(200, str(self.client_address[1]).encode())
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", parse_qs(url.query).get("to", ["/"])[0])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_simple(404, b"not found\n")

    def send_simple(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    verbose = False
    record = None

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        sys.stderr.write(f"upstream: connection from {client_address}: {exc!r}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-min", choices=sorted(VERSIONS), default="1.2")
    ap.add_argument("--tls-max", choices=sorted(VERSIONS), default="1.3")
    ap.add_argument("--ciphers", help="OpenSSL cipher string (TLS <= 1.2)")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--record", help="append every request head received to this file")
    args = ap.parse_args()

    exit_with_parent()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = VERSIONS[args.tls_min]
    ctx.maximum_version = VERSIONS[args.tls_max]
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    ctx.load_cert_chain(args.cert, args.key)

    if ":" in args.host:
        Server.address_family = socket.AF_INET6
    srv = Server((args.host, args.port), Handler)
    srv.verbose = args.verbose
    srv.record = args.record
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
