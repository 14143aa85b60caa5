"""The emulator's last requests, for its front page: method, path, status, duration and request id.

Only the path is kept (a query string may carry a token), never headers or bodies.
Each request gets an id as Cloud Functions gives one (`Function-Execution-Id`), so
the id shown here is the one in the request's log lines.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

KEPT = 50
_recent: deque[dict[str, Any]] = deque(maxlen=KEPT)
_lock = threading.Lock()


def recent() -> list[dict[str, Any]]:
    """The last requests answered, newest first."""
    with _lock:
        return list(reversed(_recent))


class RequestLog:
    """WSGI middleware that notes every request the gateway answers."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        # Cloud Functions sets this header on every request; the emulator does the same.
        request_id = environ.get("HTTP_FUNCTION_EXECUTION_ID") or uuid.uuid4().hex
        environ["HTTP_FUNCTION_EXECUTION_ID"] = request_id
        answered: dict[str, int] = {}

        def noting_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answered["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, noting_start_response)
        finally:
            entry = {
                "time": time.strftime("%H:%M:%S"),
                "method": environ.get("REQUEST_METHOD", ""),
                "path": environ.get("PATH_INFO", ""),
                "status": answered.get("status", 500),
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "request_id": request_id,
            }
            with _lock:
                _recent.append(entry)
