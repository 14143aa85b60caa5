"""Structured JSON logs on stdout, in the shape Cloud Logging understands.

Each line carries `severity`, `message`, the request id (Cloud Functions'
`Function-Execution-Id`, or one we make) and the trace. Keys that look secret are
masked before anything is written.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_trace: ContextVar[str | None] = ContextVar("trace", default=None)
_function: ContextVar[str | None] = ContextVar("function", default=None)

_SECRET_MARKERS = ("password", "secret", "token", "authorization", "api_key", "apikey", "signature")


def bind_request(request_id: str | None, trace_header: str | None, function: str) -> str:
    """Remember who is being served, for every log line of this request."""
    rid = request_id or uuid.uuid4().hex
    _request_id.set(rid)
    _function.set(function)
    _trace.set(trace_header.split("/")[0] if trace_header else None)
    return rid


def current_request_id() -> str | None:
    return _request_id.get()


def redact(value: Any) -> Any:
    """Mask values under secret-looking keys, recursively."""
    if isinstance(value, dict):
        return {
            k: "[redacted]" if any(m in str(k).lower() for m in _SECRET_MARKERS) else redact(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def log(severity: str, message: str, **fields: Any) -> None:
    entry: dict[str, Any] = {
        "severity": severity,
        "message": message,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if (rid := _request_id.get()) is not None:
        entry["request_id"] = rid
    if (fn := _function.get()) is not None:
        entry["function"] = fn
    if (trace := _trace.get()) is not None:
        entry["logging.googleapis.com/trace"] = trace
    entry.update(redact(fields))
    sys.stdout.write(json.dumps(entry, default=str) + "\n")
    sys.stdout.flush()


def access(method: str, path: str, status: int, started: float) -> None:
    """The one line an answered request leaves; `started` is its `time.perf_counter()` at arrival."""
    info(
        f"{method} {path} {status}",
        method=method,
        path=path,  # without the query string, which may carry tokens
        status=status,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, **fields: Any) -> None:
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)
