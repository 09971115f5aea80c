#!/usr/bin/env python3
"""Writes the captured hellos of Tests/TLSGateTLSTests/CapturedHellos.swift as binary seed files:
ClientHellos into Corpus/client-hello/, server replies (ServerHellos, HRR, alerts) into
Corpus/server-hello/. Run from the repository root: python3 Tests/Fuzz/tools/hello-seeds.py"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[3]
source = (root / "Tests/TLSGateTLSTests/CapturedHellos.swift").read_text()
corpus = root / "Tests/Fuzz/Corpus"
servers = source.index("// MARK: Server replies")
for match in re.finditer(r"static let (\w+) = bytes\(\s*((?:\"[0-9a-f]*\",?\s*)+)\)", source):
    name, parts = match.group(1), match.group(2)
    data = bytes.fromhex("".join(re.findall(r"\"([0-9a-f]*)\"", parts)))
    target = "server-hello" if match.start() > servers else "client-hello"
    (corpus / target).mkdir(parents=True, exist_ok=True)
    (corpus / target / f"captured-{name}").write_bytes(data)
    print(f"{target}/captured-{name}: {len(data)} bytes")


def fragmented(data: bytes, size: int) -> bytes:
    """The first handshake message of `data` re-split into handshake records of `size` bytes."""
    length = int.from_bytes(data[3:5], "big")
    message = data[5:5 + length]
    message = message[:4 + int.from_bytes(message[1:4], "big")]
    out = b""
    for i in range(0, len(message), size):
        part = message[i:i + size]
        out += data[0:3] + len(part).to_bytes(2, "big") + part
    return out


for target, name, size in [("client-hello", "curl", 100), ("client-hello", "sClientNoSNI", 3),
                           ("server-hello", "serverTLS13", 7)]:
    data = (corpus / target / f"captured-{name}").read_bytes()
    (corpus / target / f"fragmented-{size}-{name}").write_bytes(fragmented(data, size))
    print(f"{target}/fragmented-{size}-{name}")
