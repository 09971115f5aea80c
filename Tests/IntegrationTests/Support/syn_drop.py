#!/usr/bin/env python3
"""A loopback address that drops SYNs: a listener with backlog 0 whose accept queue is full.

Linux drops a SYN to a listener whose accept queue is full (it never answers, so the connecting
side waits in SYN_SENT and retransmits). The listener is never accepted from; one connection made
here fills its queue. Prints the port, then stays until its parent exits.
"""
import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()
    exit_with_parent()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((args.host, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    # Fill the queue (backlog 0 holds one connection), then check that a further SYN goes unanswered.
    fillers = []
    for _ in range(4):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((args.host, port))
        except BlockingIOError:
            pass
        fillers.append(s)
    time.sleep(0.3)
    probe = socket.socket(family, socket.SOCK_STREAM)
    probe.settimeout(1.5)
    try:
        probe.connect((args.host, port))
        sys.stderr.write("syn_drop: the probe connected: SYNs are not dropped\n")
        sys.exit(1)
    except socket.timeout:
        pass
    finally:
        probe.close()
    print(port, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
