"""Routes of the `api` service about the service itself."""

from __future__ import annotations

from typing import Any

from entities.responses import Health
from shared.auth import Caller
from shared.router import route


@route("GET", "/health", name="health", anonymous=True, rate=(), tags=("service",), response=Health)
def health(_body: Any, _caller: Caller) -> Any:
    """Liveness: answers while the process serves requests."""
    return {"ok": True}
