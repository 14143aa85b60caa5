"""The local HTTP server for the gateway: waitress, with HTTP/1.1 keep-alive.

Clients such as the SDK's axios keep connections open; waitress serves them from
a pool of worker threads and costs about a third less per request than
Werkzeug's development server.
"""

from __future__ import annotations

import threading
from typing import Any

# Well above the gateway's own body limit, so oversize bodies still get the JSON envelope.
MAX_BUFFERED_BODY = 64 * 1024 * 1024


class GatewayServer:
    def __init__(self, app: Any, host: str, port: int, threads: int) -> None:
        from waitress.server import create_server

        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            ident="sparkacademy-emulator",
            max_request_body_size=MAX_BUFFERED_BODY,
            expose_tracebacks=False,
        )
        self._stopped = threading.Event()
        self._serving = threading.Event()

    def set_app(self, app: Any) -> None:
        """Serve `app` (the listener may be opened before the app is built)."""
        self._server.application = app

    @property
    def server_port(self) -> int:
        return int(self._server.effective_port)

    def serve_forever(self) -> None:
        self._serving.set()
        try:
            self._server.run()
        finally:
            self._server.task_dispatcher.shutdown()
            self._stopped.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Close the listener and every open connection from the server's own loop."""

        def close_all() -> None:
            for channel in list(self._server._map.values()):
                channel.close()

        if self._stopped.is_set():
            return
        if not self._serving.is_set():  # never served: no loop to ask, just close the listener
            self._server.close()
            self._stopped.set()
            return
        try:
            self._server.trigger.pull_trigger(close_all)
        except OSError:
            return  # the loop has closed its trigger already: it is on its way out, nothing left to close
        self._stopped.wait(timeout)


def make(app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 16) -> GatewayServer:
    return GatewayServer(app, host, port, threads)


def start_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0) -> GatewayServer:
    server = make(app, host, port)
    server._serving.set()  # from now on a shutdown goes through the loop, whenever it starts
    threading.Thread(target=server.serve_forever, daemon=True, name="gateway").start()
    return server
