#!/usr/bin/env python3
"""A real HTTP/2 peer for TLSGateHTTP2's unit tests, built on the Python `h2` package (hyper-h2)
and its frame/HPACK layers (hyperframe, hpack).

  h2peer.py client-gen SCENARIO      hex of the bytes a client sends (preface, SETTINGS, frames)
  h2peer.py client-parse SCENARIO    stdin: hex of tlsgate's server output. Replays SCENARIO in an
                                     h2 client (so its state matches), feeds the bytes to it, and
                                     prints one JSON object: {"frames": [...], "events": [...]}
  h2peer.py server SCENARIO          stdin: hex of tlsgate's client output. An h2 server answers it
                                     per SCENARIO; prints {"frames": [...], "events": [...], "out": hex}

"frames" is a plain decode of every frame (hyperframe + hpack), independent of h2's state machine,
so attacks that h2 itself would refuse to send or receive can still be checked.
"""
import json
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings
import hpack
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame,
                              PingFrame, PushPromiseFrame, RstStreamFrame, SettingsFrame,
                              WindowUpdateFrame)

FRAME_NAMES = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE",
               6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def client_conn():
    cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                    validate_outbound_headers=False, normalize_outbound_headers=False,
                                    validate_inbound_headers=True)
    c = h2.connection.H2Connection(config=cfg)
    c.initiate_connection()
    return c


def request_headers(path="/", method="GET", extra=()):
    return [(":method", method), (":scheme", "https"), (":authority", "example.test"),
            (":path", path)] + list(extra)


def raw_headers(stream_id, headers, end_stream=True, encoder=None):
    enc = encoder or hpack.Encoder()
    f = HeadersFrame(stream_id)
    f.data = enc.encode(headers)
    f.flags.add("END_HEADERS")
    if end_stream:
        f.flags.add("END_STREAM")
    return f.serialize()


def gen(scenario):
    """(connection, bytes) of a client for SCENARIO."""
    c = client_conn()
    out = bytearray(c.data_to_send())
    if scenario == "get":
        c.send_headers(1, request_headers("/x?y=1", extra=[("cookie", "a=1"), ("user-agent", "h2peer"),
                                                             ("cookie", "b=2"), ("te", "trailers")]),
                       end_stream=True)
    elif scenario == "post-trailers":
        c.send_headers(1, request_headers("/upload", "POST", [("content-type", "text/plain")]))
        c.send_data(1, b"hello, ")
        c.send_data(1, b"world")
        c.send_headers(1, [("x-checksum", "abc")], end_stream=True)
    elif scenario == "post-big":
        # 200 KiB body: more than one WINDOW_UPDATE's worth, less than the stream window.
        # As if tlsgate's SETTINGS (1 MiB stream window) and connection WINDOW_UPDATE had arrived.
        c.receive_data(SettingsFrame(0, settings={SettingsFrame.INITIAL_WINDOW_SIZE: 1 << 20}).serialize()
                       + WindowUpdateFrame(0, window_increment=(8 << 20) - 65535).serialize())
        c.send_headers(1, request_headers("/big", "POST"))
        body = bytes(range(256)) * 800
        for i in range(0, len(body), 16384):
            c.send_data(1, body[i:i + 16384], end_stream=i + 16384 >= len(body))
    elif scenario == "post-padded":
        # 50 DATA frames of 1000 bytes, each padded with 200 more (+1 pad-length byte): 60050 bytes
        # of window, within the 65535 a client may send before the server's SETTINGS.
        c.send_headers(1, request_headers("/padded", "POST"))
        for i in range(50):
            c.send_data(1, bytes([i]) * 1000, pad_length=200, end_stream=i == 49)
    elif scenario == "connection-header":
        c.send_headers(1, request_headers(extra=[("connection", "keep-alive")]), end_stream=True)
    elif scenario == "te-gzip":
        c.send_headers(1, request_headers(extra=[("te", "gzip")]), end_stream=True)
    elif scenario == "missing-path":
        c.send_headers(1, [(":method", "GET"), (":scheme", "https"), (":authority", "example.test")],
                       end_stream=True)
    elif scenario == "extended-connect":
        c.send_headers(1, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https"),
                           (":authority", "example.test"), (":path", "/chat")], end_stream=False)
    elif scenario == "connect":
        c.send_headers(1, [(":method", "CONNECT"), (":authority", "example.test:443")], end_stream=False)
    elif scenario == "big-headers":
        # 80 fields of 1 KiB: over the 64 KiB header-list cap (each field also counts 32 bytes).
        c.send_headers(1, request_headers(extra=[("x-pad-%d" % i, "v" * 1000) for i in range(80)]),
                       end_stream=True)
        c.send_headers(3, request_headers("/after"), end_stream=True)
    elif scenario == "hpack-bomb":
        # One 4000-byte field enters the dynamic table, then is referenced by a 1-byte index again
        # and again: a small header block that decodes to megabytes.
        enc = hpack.Encoder()
        block = enc.encode([(":method", "GET"), (":scheme", "https"), (":authority", "example.test"),
                            (":path", "/"), ("x-bomb", "b" * 4000)])
        index = bytes([0x80 | 62])  # indexed field: first dynamic-table entry
        f = HeadersFrame(1)
        f.data = block + index * 1000
        f.flags.add("END_HEADERS")
        f.flags.add("END_STREAM")
        out += c.data_to_send()
        out += f.serialize()
        return c, bytes(out)
    elif scenario == "ping-flood":
        out += c.data_to_send()
        for i in range(1000):
            out += PingFrame(0, opaque_data=i.to_bytes(8, "big")).serialize()
        return c, bytes(out)
    elif scenario == "settings-flood":
        out += c.data_to_send()
        for _ in range(1000):
            out += SettingsFrame(0, settings={SettingsFrame.MAX_CONCURRENT_STREAMS: 100}).serialize()
        return c, bytes(out)
    elif scenario == "empty-data-flood":
        c.send_headers(1, request_headers("/slow", "POST"))
        out += c.data_to_send()
        for _ in range(1000):
            out += DataFrame(1, data=b"").serialize()
        return c, bytes(out)
    elif scenario == "rapid-reset":
        out += c.data_to_send()
        enc = hpack.Encoder()
        for i in range(3000):
            sid = 1 + 2 * i
            out += raw_headers(sid, request_headers("/r%d" % i), end_stream=True, encoder=enc)
            out += RstStreamFrame(sid, error_code=8).serialize()
        return c, bytes(out)
    elif scenario == "continuation-flood":
        out += c.data_to_send()
        enc = hpack.Encoder()
        f = HeadersFrame(1)
        f.data = enc.encode(request_headers())
        out += f.serialize()  # no END_HEADERS: CONTINUATION frames follow, forever
        for i in range(10000):
            cf = ContinuationFrame(1)
            cf.data = enc.encode([("x-c%d" % i, "y" * 64)])
            out += cf.serialize()
        return c, bytes(out)
    elif scenario == "too-many-streams":
        for i in range(150):
            c.send_headers(1 + 2 * i, request_headers("/s%d" % i), end_stream=True)
    elif scenario == "client-reset":
        c.send_headers(1, request_headers("/long", "POST"))
        c.send_data(1, b"partial")
        c.reset_stream(1, error_code=8)
    elif scenario == "bad-preface":
        return c, b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"
    elif scenario == "preface-only":
        pass
    else:
        raise SystemExit("unknown scenario " + scenario)
    out += c.data_to_send()
    return c, bytes(out)


def decode_frames(data, decoder=None):
    """Every frame in `data` as a JSON-able dict (header blocks decoded with one HPACK decoder)."""
    dec = decoder or hpack.Decoder()
    dec.max_allowed_table_size = 65536
    frames = []
    pos = 0
    pending = None  # header block being reassembled: (dict, bytes)
    while pos + 9 <= len(data):
        frame, length = Frame.parse_frame_header(memoryview(data[pos:pos + 9]))
        if pos + 9 + length > len(data):
            frames.append({"type": "TRUNCATED"})
            break
        frame.parse_body(memoryview(data[pos + 9:pos + 9 + length]))
        pos += 9 + length
        d = {"type": FRAME_NAMES.get(frame.type, str(frame.type)), "stream": frame.stream_id,
             "flags": sorted(frame.flags)}
        if isinstance(frame, DataFrame):
            d["len"] = len(frame.data)
        elif isinstance(frame, (HeadersFrame, PushPromiseFrame)):
            pending = (d, bytes(frame.data))
            if "END_HEADERS" in frame.flags:
                d["headers"] = [[n.decode(), v.decode()] for n, v in dec.decode(pending[1], raw=True)]
                pending = None
        elif isinstance(frame, ContinuationFrame) and pending is not None:
            pending = (pending[0], pending[1] + bytes(frame.data))
            if "END_HEADERS" in frame.flags:
                pending[0]["headers"] = [[n.decode(), v.decode()] for n, v in dec.decode(pending[1], raw=True)]
                pending = None
            continue
        elif isinstance(frame, RstStreamFrame):
            d["code"] = frame.error_code
        elif isinstance(frame, GoAwayFrame):
            d["code"] = frame.error_code
            d["last"] = frame.last_stream_id
            d["debug"] = frame.additional_data.decode("latin-1")
        elif isinstance(frame, WindowUpdateFrame):
            d["inc"] = frame.window_increment
        elif isinstance(frame, SettingsFrame):
            d["settings"] = {str(k): v for k, v in frame.settings.items()}
        frames.append(d)
    return frames


def h2_events(conn, data):
    out = []
    try:
        evs = conn.receive_data(data)
    except Exception as e:  # noqa: BLE001 - reported to the test
        return [{"error": "%s: %s" % (type(e).__name__, e)}]
    for ev in evs:
        d = {"event": type(ev).__name__}
        if hasattr(ev, "stream_id"):
            d["stream"] = ev.stream_id
        if isinstance(ev, (h2.events.ResponseReceived, h2.events.TrailersReceived,
                           h2.events.RequestReceived, h2.events.InformationalResponseReceived)):
            d["headers"] = [[n, v] for n, v in ev.headers]
        if isinstance(ev, h2.events.DataReceived):
            d["len"] = len(ev.data)
            d["data"] = ev.data.decode("latin-1")
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        if isinstance(ev, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
            d["code"] = int(ev.error_code)
        out.append(d)
    return out


def server(scenario, data):
    cfg = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
    s = h2.connection.H2Connection(config=cfg)
    s.initiate_connection()
    if scenario == "push":
        s.local_settings.enable_push = 1
    events = h2_events(s, data)
    for ev in list(events):
        if ev.get("event") != "RequestReceived":
            continue
        sid = ev["stream"]
        if scenario == "respond":
            s.send_headers(sid, [(":status", "200"), ("content-type", "text/plain"), ("set-cookie", "k=v")])
            s.send_data(sid, b"from h2 server")
            s.send_headers(sid, [("grpc-status", "0")], end_stream=True)
        elif scenario == "informational":
            s.send_headers(sid, [(":status", "103"), ("link", "</a.css>; rel=preload")])
            s.send_headers(sid, [(":status", "204")], end_stream=True)
        elif scenario == "goaway":
            s.close_connection(error_code=0, last_stream_id=0)
        elif scenario == "push":
            # h2 will not push to a client that disabled it: write the PUSH_PROMISE by hand.
            pp = PushPromiseFrame(sid, promised_stream_id=2)
            pp.data = hpack.Encoder().encode(request_headers("/pushed"))
            pp.flags.add("END_HEADERS")
            out = s.data_to_send() + pp.serialize()
            print(json.dumps({"events": events, "frames": decode_frames(data[len(PREFACE):]), "out": out.hex()}))
            return
        elif scenario == "big-response-headers":
            s.send_headers(sid, [(":status", "200")] + [("x-pad-%d" % i, "v" * 1000) for i in range(80)],
                           end_stream=True)
        elif scenario == "reset":
            s.reset_stream(sid, error_code=2)
    out = s.data_to_send()
    print(json.dumps({"events": events, "frames": decode_frames(data[len(PREFACE):]), "out": out.hex()}))


def main():
    mode, scenario = sys.argv[1], sys.argv[2]
    if mode == "client-gen":
        _, data = gen(scenario)
        sys.stdout.write(data.hex())
    elif mode == "client-parse":
        conn, _ = gen(scenario)
        data = bytes.fromhex(sys.stdin.read().strip())
        print(json.dumps({"frames": decode_frames(data), "events": h2_events(conn, data)}))
    elif mode == "server":
        server(scenario, bytes.fromhex(sys.stdin.read().strip()))
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
