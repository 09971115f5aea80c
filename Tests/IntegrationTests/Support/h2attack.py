#!/usr/bin/env python3
"""An HTTP/2 client (Python h2 + hyperframe) through tlsgate's CONNECT, TLS with ALPN h2 against
the intercept CA, for attacks and stream resets the usual clients do not send.

  h2attack.py PROXY_HOST:PORT HOST CA_FILE MODE

MODE: ping-flood | settings-flood | rapid-reset | big-headers | cancel | trailers | idle | drain
Prints one JSON object: what came back (GOAWAY code, statuses, frames counted).
"""
import json
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import hpack
from hyperframe.frame import Frame, GoAwayFrame, HeadersFrame, PingFrame, RstStreamFrame, SettingsFrame


def connect(proxy, host, ca):
    ph, pp = proxy.rsplit(":", 1)
    raw = socket.create_connection((ph, int(pp)), timeout=10)
    raw.sendall(b"CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n" % (host.encode(), host.encode()))
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = raw.recv(4096)
        if not chunk:
            raise SystemExit("proxy closed during CONNECT")
        head += chunk
    if b" 200 " not in head.split(b"\r\n")[0]:
        raise SystemExit("CONNECT refused: %r" % head[:100])
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["h2"])
    tls = ctx.wrap_socket(raw, server_hostname=host)
    if tls.selected_alpn_protocol() != "h2":
        raise SystemExit("ALPN did not select h2: %r" % tls.selected_alpn_protocol())
    return tls


def request_headers(host, path):
    return [(":method", "GET"), (":scheme", "https"), (":authority", host), (":path", path)]


def read_until_closed(tls, conn, budget=10.0, stop=None, stop_on_goaway=True):
    """Feeds what the server sends to `conn` until it closes, GOAWAYs or `stop(events)` is true."""
    events = []
    deadline = time.time() + budget
    tls.settimeout(0.5)
    while time.time() < deadline:
        try:
            data = tls.recv(65536)
        except socket.timeout:
            continue
        except (ssl.SSLError, OSError):
            break
        if not data:
            break
        try:
            evs = conn.receive_data(data)
        except Exception as e:  # noqa: BLE001 - the attack made h2 unhappy: report and stop
            events.append({"error": str(e)})
            break
        for ev in evs:
            events.append(ev)
            if isinstance(ev, h2.events.DataReceived):
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        out = conn.data_to_send()
        if out:
            try:
                tls.sendall(out)
            except OSError:
                break
        if stop_on_goaway and any(isinstance(e, h2.events.ConnectionTerminated) for e in events):
            break
        if stop and stop(events):
            break
    return events


def raw_goaway(tls, budget=10.0):
    """Reads frames (hyperframe, no state machine: the attack confuses h2) until the server closes;
    the last GOAWAY's error code, or None."""
    buf = b""
    code = None
    deadline = time.time() + budget
    tls.settimeout(0.5)
    while time.time() < deadline:
        try:
            data = tls.recv(65536)
        except socket.timeout:
            continue
        except (ssl.SSLError, OSError):
            break
        if not data:
            break
        buf += data
        while len(buf) >= 9:
            frame, length = Frame.parse_frame_header(memoryview(buf[:9]))
            if len(buf) < 9 + length:
                break
            frame.parse_body(memoryview(buf[9:9 + length]))
            buf = buf[9 + length:]
            if isinstance(frame, GoAwayFrame):
                code = frame.error_code
    return code


def main():
    proxy, host, ca, mode = sys.argv[1:5]
    tls = connect(proxy, host, ca)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    tls.sendall(conn.data_to_send())
    result = {"mode": mode}
    if mode in ("ping-flood", "settings-flood", "rapid-reset"):
        payload = bytearray()
        if mode == "ping-flood":
            for i in range(5000):
                payload += PingFrame(0, opaque_data=i.to_bytes(8, "big")).serialize()
        elif mode == "settings-flood":
            for _ in range(5000):
                payload += SettingsFrame(0, settings={SettingsFrame.MAX_CONCURRENT_STREAMS: 100}).serialize()
        else:
            enc = hpack.Encoder()
            for i in range(3000):
                f = HeadersFrame(1 + 2 * i)
                f.data = enc.encode(request_headers(host, "/status/204"))
                f.flags.add("END_HEADERS")
                f.flags.add("END_STREAM")
                payload += f.serialize() + RstStreamFrame(1 + 2 * i, error_code=8).serialize()
        try:
            tls.sendall(bytes(payload))
        except OSError:
            pass
        result["goaway"] = raw_goaway(tls)
    elif mode == "big-headers":
        conn.send_headers(1, request_headers(host, "/headers") + [("x-pad-%d" % i, "v" * 1000) for i in range(80)],
                          end_stream=True)
        conn.send_headers(3, request_headers(host, "/headers"), end_stream=True)
        tls.sendall(conn.data_to_send())
        events = read_until_closed(tls, conn, stop=lambda evs: sum(isinstance(e, h2.events.StreamEnded) for e in evs) >= 2)
        statuses = {}
        for e in events:
            if isinstance(e, h2.events.ResponseReceived):
                statuses[e.stream_id] = dict(e.headers)[":status"]
        result["statuses"] = statuses
    elif mode == "cancel":
        # A 64 MiB download cancelled after 1 MiB, then a small request on the same connection.
        conn.send_headers(1, request_headers(host, "/bytes/67108864"), end_stream=True)
        tls.sendall(conn.data_to_send())
        got = [0]

        def enough(evs):
            got[0] = sum(len(e.data) for e in evs if isinstance(e, h2.events.DataReceived) and e.stream_id == 1)
            return got[0] >= 1 << 20
        read_until_closed(tls, conn, stop=enough)
        conn.reset_stream(1, error_code=8)
        conn.send_headers(3, request_headers(host, "/bytes/1000"), end_stream=True)
        tls.sendall(conn.data_to_send())
        events = read_until_closed(tls, conn, stop=lambda evs: any(isinstance(e, h2.events.StreamEnded) and e.stream_id == 3 for e in evs))
        result["cancelled_after"] = got[0]
        result["second"] = sum(len(e.data) for e in events if isinstance(e, h2.events.DataReceived) and e.stream_id == 3)
    elif mode == "trailers":
        # A body of unknown length with trailers up (chunked upstream), then a response with trailers down.
        conn.send_headers(1, [(":method", "POST"), (":scheme", "https"), (":authority", host), (":path", "/echo")])
        conn.send_data(1, b"hello, world")
        conn.send_headers(1, [("x-sum", "42")], end_stream=True)
        conn.send_headers(3, request_headers(host, "/trailers"), end_stream=True)
        tls.sendall(conn.data_to_send())
        events = read_until_closed(tls, conn, stop=lambda evs: sum(isinstance(e, h2.events.StreamEnded) for e in evs) >= 2)
        for e in events:
            if isinstance(e, h2.events.ResponseReceived) and e.stream_id == 1:
                h = dict(e.headers)
                result["echo_trailers"] = h.get("x-echo-trailers")
                result["echo_framing"] = h.get("x-echo-framing")
            if isinstance(e, h2.events.TrailersReceived) and e.stream_id == 3:
                result["trailers"] = dict(e.headers)
            if isinstance(e, h2.events.DataReceived) and e.stream_id == 3:
                result["body"] = result.get("body", "") + e.data.decode()
    elif mode == "drain":
        # A 32 MiB download read slowly; tlsgate is told to shut down meanwhile (the test sends
        # SIGTERM after "receiving"): GOAWAY, and the stream still completes.
        conn.send_headers(1, request_headers(host, "/bytes/33554432"), end_stream=True)
        tls.sendall(conn.data_to_send())
        got = [0]
        announced = [False]

        def done(evs):
            got[0] = sum(len(e.data) for e in evs if isinstance(e, h2.events.DataReceived))
            if got[0] >= 1 << 20 and not announced[0]:
                announced[0] = True
                sys.stderr.write("receiving\n")
                sys.stderr.flush()
                time.sleep(1)
            return any(isinstance(e, h2.events.StreamEnded) for e in evs)
        # A graceful GOAWAY lets stream 1 finish: keep reading after it.
        events = read_until_closed(tls, conn, budget=30, stop=done, stop_on_goaway=False)
        result["body"] = got[0]
        result["goaway"] = [int(e.error_code) for e in events if isinstance(e, h2.events.ConnectionTerminated)]
        result["ended"] = any(isinstance(e, h2.events.StreamEnded) for e in events)
    elif mode == "idle":
        # One request, then nothing: tlsgate ends the idle connection (GOAWAY, close).
        conn.send_headers(1, request_headers(host, "/bytes/10"), end_stream=True)
        tls.sendall(conn.data_to_send())
        start = time.time()
        events = read_until_closed(tls, conn, budget=15)
        result["closed_after"] = round(time.time() - start, 2)
        result["goaway"] = [int(e.error_code) for e in events if isinstance(e, h2.events.ConnectionTerminated)]
        result["ended"] = any(isinstance(e, h2.events.StreamEnded) for e in events)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
