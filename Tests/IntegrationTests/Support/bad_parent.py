#!/usr/bin/env python3
"""A misbehaving parent proxy on 127.0.0.1 for tlsgate's upstream.proxy tests.

--mode silent: reads the CONNECT and never answers.
--mode huge:   answers 200 with a response head larger than tlsgate accepts (endless headers).
--mode early:  answers 200 and sends bytes before the client has spoken.
Prints the port, serves until its parent exits.
"""
import argparse
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent  # noqa: E402


def serve(conn, mode):
    try:
        conn.recv(65536)
        if mode == "silent":
            time.sleep(60)
        elif mode == "huge":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for i in range(2000):
                conn.sendall(b"X-Pad-%d: %s\r\n" % (i, b"a" * 100))
            time.sleep(5)
        elif mode == "early":
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\nSURPRISE")
            time.sleep(5)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["silent", "huge", "early"], required=True)
    args = ap.parse_args()
    exit_with_parent()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    main()
