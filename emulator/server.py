"""The local HTTP server for the gateway: threaded, with HTTP/1.1 keep-alive.

Werkzeug's default handler speaks HTTP/1.0, so every call would pay for a new
connection and a new thread; clients such as the SDK's axios keep connections open.
"""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"


class QuietKeepAliveHandler(KeepAliveHandler):
    def log(self, *args: Any) -> None:
        pass


def make(app: Any, host: str = "127.0.0.1", port: int = 0, quiet: bool = False) -> BaseWSGIServer:
    handler = QuietKeepAliveHandler if quiet else KeepAliveHandler
    return make_server(host, port, app, threaded=True, request_handler=handler)


def start_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> BaseWSGIServer:
    server = make(app, host, port, quiet)
    threading.Thread(target=server.serve_forever, daemon=True, name="gateway").start()
    return server
