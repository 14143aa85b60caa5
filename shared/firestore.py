"""The one Firestore client of a process, created on first use.

`FIRESTORE_EMULATOR_HOST` (read by the client library itself) points it at the
emulator in development and tests.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared import config

if TYPE_CHECKING:
    from google.cloud.firestore import Client

# Firestore calls give up after this long and answer a retryable error. The client's
# default retry policy would otherwise keep an unreachable database waiting for minutes.
TIMEOUT_SECONDS = 10.0

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@lru_cache(maxsize=1)
def client() -> Client:
    from google.cloud import firestore

    return firestore.Client(project=config.project_id())


def io() -> dict[str, Any]:
    """Keyword arguments bounding one Firestore call: `ref.get(**io())`."""
    from google.api_core.retry import Retry

    retry = Retry(initial=0.1, maximum=1.0, multiplier=2.0, timeout=TIMEOUT_SECONDS)
    return {"timeout": TIMEOUT_SECONDS, "retry": retry}


def reset_client() -> None:
    """Forget the cached client (tests switch projects or emulators)."""
    client.cache_clear()


def now_iso() -> str:
    """Timestamps are stored as fixed-width UTC ISO strings so they sort as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(20))


def is_storage_failure(exc: BaseException) -> bool:
    """True for Google API transport/availability errors (without importing them eagerly)."""
    module = type(exc).__module__
    return module.startswith(("google.api_core", "grpc")) and not _is_client_fault(exc)


def _is_client_fault(exc: BaseException) -> bool:
    return type(exc).__name__ in {"InvalidArgument", "FailedPrecondition", "NotFound", "AlreadyExists"}
