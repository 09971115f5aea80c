#!/usr/bin/env python3
"""Raw TCP loopback ceiling for bench/run.sh: one stream, 1 MiB writes, prints MiB/s.

Usage: loopback.py MIB   (sends MIB mebibytes over 127.0.0.1 and prints the rate)
Both ends are in this process (sender thread + receiver thread); send/recv release the GIL.
"""
import socket
import sys
import threading
import time

CHUNK = 1 << 20


def main():
    mib = int(sys.argv[1])
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    received = [0]

    def sink():
        conn, _ = srv.accept()
        buf = bytearray(CHUNK)
        while True:
            n = conn.recv_into(buf)
            if not n:
                break
            received[0] += n
        conn.close()

    t = threading.Thread(target=sink)
    t.start()
    c = socket.create_connection(srv.getsockname())
    data = bytes(CHUNK)
    start = time.perf_counter()
    for _ in range(mib):
        c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    t.join(timeout=120)
    elapsed = time.perf_counter() - start
    c.close()
    srv.close()
    if received[0] != mib * CHUNK:
        print("err")
        return 1
    print(f"{mib / elapsed:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
