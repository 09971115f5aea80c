#!/usr/bin/env python3
"""Capture real TLS ClientHello / ServerHello / alert bytes on loopback for the parser tests.

Refresh the fixtures (from the repository root):

    python3 Tests/TLSGateTLSTests/Fixtures/capture.py > Tests/TLSGateTLSTests/CapturedHellos.swift

Needs openssl, curl and python3 on PATH. Uses only 127.0.0.1; every process it starts is
ended by its PID. Certificates are made in a temporary directory and deleted afterwards.
The randoms, session ids and key shares differ at every run; the tests check only the stable
fields (versions, SNI, ALPN, cipher suites, sentinels, alerts).
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"
LEGACY = dict(os.environ, OPENSSL_CONF="/dev/null")  # no system MinProtocol/SECLEVEL


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_flight(conn, limit=16384, idle=0.7, total=5.0):
    """Read until `idle` seconds of silence, EOF, `limit` bytes or `total` seconds."""
    conn.settimeout(idle)
    data = b""
    deadline = time.time() + total
    while len(data) < limit and time.time() < deadline:
        try:
            chunk = conn.recv(limit - len(data))
        except socket.timeout:
            if data:
                break
            continue
        if not chunk:
            break
        data += chunk
    return data


def first_records(data, max_records):
    """Keep whole TLS records only, at most max_records of them."""
    out, off, n = b"", 0, 0
    while off + 5 <= len(data) and n < max_records:
        ln = int.from_bytes(data[off + 3:off + 5], "big")
        if off + 5 + ln > len(data):
            break
        out += data[off:off + 5 + ln]
        off += 5 + ln
        n += 1
    return out


def capture_client_hello(client_cmd, env=None):
    """Listen, run the client, return the first bytes it sends."""
    port = free_port()
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((HOST, port))
    lsock.listen(1)
    lsock.settimeout(10)
    cmd = [a.replace("PORT", str(port)) for a in client_cmd]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        conn, _ = lsock.accept()
        data = read_flight(conn)
        conn.close()
    finally:
        lsock.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return first_records(data, 4)


def capture_server_reply(server_args, hello, env=None, max_records=3):
    """Start openssl s_server, send `hello` as a raw client, return its first records."""
    port = free_port()
    cmd = ["openssl", "s_server", "-accept", f"{HOST}:{port}", "-naccept", "1", "-quiet",
           "-cert", CERT, "-key", KEY] + server_args
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        sock = None
        for _ in range(100):
            try:
                sock = socket.create_connection((HOST, port), timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        if sock is None:
            raise RuntimeError("s_server did not start: %r" % cmd)
        sock.sendall(hello)
        data = read_flight(sock)
        sock.close()
    finally:
        proc.kill()  # by PID (Popen object)
        proc.wait()
    return first_records(data, max_records)


def swift_hex(name, doc, data):
    h = data.hex()
    lines = [h[i:i + 96] for i in range(0, len(h), 96)]
    body = ",\n".join('        "%s"' % l for l in lines)
    return f"    /// {doc}\n    static let {name} = bytes(\n{body}\n    )\n"


def main():
    global CERT, KEY
    tmp = tempfile.mkdtemp(prefix="tlsgate-capture-")
    CERT, KEY = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=example.test", "-addext", "subjectAltName=DNS:example.test",
                    "-keyout", KEY, "-out", CERT], check=True, capture_output=True)

    sc = ["openssl", "s_client", "-connect", f"{HOST}:PORT"]
    py = ("import socket,ssl,sys;c=ssl.create_default_context();c.check_hostname=False;"
          "c.verify_mode=ssl.CERT_NONE;c.set_alpn_protocols(['http/1.1']);"
          "s=socket.create_connection(('127.0.0.1',int(sys.argv[1])));"
          "c.wrap_socket(s,server_hostname='Py.Example.TEST')")
    client_cases = [
        ("curl", "curl 7.88 (OpenSSL 3.0), SNI example.test, ALPN h2,http/1.1.",
         ["curl", "-sk", "--max-time", "5", "--resolve", f"example.test:PORT:{HOST}",
          "https://example.test:PORT/"], None),
        ("python", "Python ssl default context, SNI Py.Example.TEST (mixed case), ALPN http/1.1.",
         ["python3", "-c", py, "PORT"], None),
        ("sClientDefault", "openssl s_client, system config (TLS 1.2-1.3), SNI example.test.",
         sc + ["-servername", "example.test"], None),
        ("sClientTLS12", "openssl s_client -tls1_2, SNI example.test.",
         sc + ["-servername", "example.test", "-tls1_2"], None),
        ("sClientTLS11", "openssl s_client -tls1_1 -cipher DEFAULT@SECLEVEL=0, no system config.",
         sc + ["-servername", "example.test", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], LEGACY),
        ("sClientFallbackSCSV", "openssl s_client -tls1_2 -fallback_scsv, SNI example.test.",
         sc + ["-servername", "example.test", "-tls1_2", "-fallback_scsv"], None),
        ("sClientALPN", "openssl s_client -alpn h2,http/1.1, SNI example.test.",
         sc + ["-servername", "example.test", "-alpn", "h2,http/1.1"], None),
        ("sClientNoSNI", "openssl s_client -noservername.",
         sc + ["-noservername"], None),
    ]
    hellos = {}
    for name, doc, cmd, env in client_cases:
        hellos[name] = (doc, capture_client_hello(cmd, env))
        assert hellos[name][1][:1] == b"\x16", name

    ch13 = hellos["sClientDefault"][1]
    ch12 = hellos["sClientTLS12"][1]
    ch11 = hellos["sClientTLS11"][1]
    chscsv = hellos["sClientFallbackSCSV"][1]
    chalpn = hellos["sClientALPN"][1]
    server_cases = [
        ("serverTLS13", "s_server (system config) answering sClientDefault: TLS 1.3 ServerHello.",
         [], ch13, None),
        ("serverTLS12Downgrade", "s_server (TLS 1.3 capable) answering sClientTLS12: TLS 1.2 "
         "ServerHello with the DOWNGRD\\x01 sentinel.", [], ch12, None),
        ("serverTLS11Downgrade", "s_server (no system config, SECLEVEL=0, TLS 1.0-1.3) answering "
         "sClientTLS11: TLS 1.1 ServerHello with the DOWNGRD\\x00 sentinel.",
         ["-cipher", "DEFAULT@SECLEVEL=0"], ch11, LEGACY),
        ("serverTLS11Only", "s_server -tls1_1 (no system config, SECLEVEL=0) answering "
         "sClientTLS11: TLS 1.1 ServerHello, no sentinel.",
         ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], ch11, LEGACY),
        ("serverTLS12ALPN", "s_server -tls1_2 -alpn h2 answering sClientALPN: TLS 1.2 ServerHello "
         "selecting ALPN h2, no sentinel (server cannot do 1.3).",
         ["-tls1_2", "-alpn", "h2"], chalpn, None),
        ("serverHRR", "s_server -groups P-384 answering sClientDefault (x25519 key share): "
         "HelloRetryRequest.", ["-groups", "P-384"], ch13, None),
        ("alertProtocolVersion", "s_server -min_protocol TLSv1.2 (no system config, SECLEVEL=0) "
         "answering sClientTLS11: fatal protocol_version alert.",
         ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1.2"], ch11, LEGACY),
        ("alertInappropriateFallback", "s_server (TLS 1.3 capable) answering sClientFallbackSCSV: "
         "fatal inappropriate_fallback alert.", [], chscsv, None),
    ]
    replies = {}
    for name, doc, args, hello, env in server_cases:
        replies[name] = (doc, capture_server_reply(args, hello, env))
        assert replies[name][1], name

    out = ["// Generated by Fixtures/capture.py from real loopback handshakes "
           "(curl, python ssl, openssl s_client/s_server, " +
           subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip() +
           "). Do not edit by hand.",
           "",
           "/// Real captured TLS handshake bytes.",
           "enum CapturedHellos {"]
    out.append("    // MARK: ClientHellos (everything the client sent first)\n")
    for name, (doc, data) in hellos.items():
        out.append(swift_hex(name, doc, data))
    out.append("    // MARK: Server replies (at most the first 3 records)\n")
    for name, (doc, data) in replies.items():
        out.append(swift_hex(name, doc, data))
    out.append("""    /// Decodes the hex lines above.
    private static func bytes(_ parts: String...) -> [UInt8] {
        let hex = Array(parts.joined().utf8)
        var out: [UInt8] = []
        out.reserveCapacity(hex.count / 2)
        var i = 0
        while i + 1 < hex.count {
            out.append(nibble(hex[i]) << 4 | nibble(hex[i + 1]))
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return 0
        }
    }
}""")
    print("\n".join(out))
    for f in (CERT, KEY):
        os.unlink(f)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
