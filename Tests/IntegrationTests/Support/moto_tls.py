#!/usr/bin/env python3
"""moto (AWS API mock) served over TLS on 127.0.0.1 for the tlsgate audit tests.

Usage: moto_tls.py --cert CERT --key KEY [--port 0]
Prints the bound port on the first line of stdout, then serves until killed (or its parent dies).
moto dispatches on the Host header / SigV4 credential scope, so one server answers STS and S3.
"""
import argparse
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import exit_with_parent  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    exit_with_parent()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    srv = make_server("127.0.0.1", args.port, app, threaded=True, ssl_context=(args.cert, args.key))
    print(srv.socket.getsockname()[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
