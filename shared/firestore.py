"""The one Firestore client of a process, created on first use.

`FIRESTORE_EMULATOR_HOST` (read by the client library itself) points it at the
emulator in development and tests.
"""

from __future__ import annotations

import itertools
import random
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from shared import config
from shared.errors import ServiceUnavailableError

if TYPE_CHECKING:
    from google.cloud.firestore import Client, DocumentSnapshot

# Firestore calls give up after this long and answer a retryable error. The client's
# default retry policy would otherwise keep an unreachable database waiting for minutes.
TIMEOUT_SECONDS = 10.0

# Contenders for the same documents. Firestore's own retries are immediate, so a burst
# of them can keep aborting each other in step: each attempt is ours, followed by a
# full-jitter exponential backoff (BACKOFF_FIRST_SECONDS doubling up to BACKOFF_MAX_SECONDS)
# that separates them, for up to TRANSACTION_BUDGET_SECONDS. A read in a transaction
# waits at most LOCK_WAIT_SECONDS for another's locks.
TRANSACTION_BUDGET_SECONDS = 30.0
BACKOFF_FIRST_SECONDS = 0.05
BACKOFF_MAX_SECONDS = 2.0
LOCK_WAIT_SECONDS = 2.0

# Collection and field of each Firestore TTL policy the product relies on for cleanup
# (deploy.yaml lists them; `gcloud firestore fields ttls update FIELD --collection-group=C --enable-ttl`).
TTL_FIELDS = (
    ("_rate_limits", "expires_at"),
    ("_login_failures", "expires_at"),
    ("_revocations", "expires_at"),
    ("IdempotencyRecord", "expires_at"),
    ("StripeEvent", "expires_at"),
    ("_provisioning_quota", "expires_at"),
)

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

T = TypeVar("T")


@lru_cache(maxsize=1)
def client() -> Client:
    from google.cloud import firestore

    return firestore.Client(project=config.project_id())


def io() -> dict[str, Any]:
    """Keyword arguments bounding one Firestore call: `ref.get(**io())`."""
    from google.api_core.retry import Retry

    retry = Retry(initial=0.1, maximum=1.0, multiplier=2.0, timeout=TIMEOUT_SECONDS)
    return {"timeout": TIMEOUT_SECONDS, "retry": retry}


def existing_data(snapshot: DocumentSnapshot[Any]) -> dict[str, Any]:
    """The fields of a document known to exist: a query's result, or one whose `exists` was checked.

    `to_dict()` answers None only for a missing document, so None here is a bug, reported by name.
    """
    data = snapshot.to_dict()
    if data is None:
        raise LookupError(f"Firestore document {snapshot.reference.path} was expected to exist")
    return data


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


def run_transaction(fn: Callable[[Any], T], settled: Callable[[], T | None] | None = None) -> T:
    """Run `fn(transaction)` and commit, retrying contention; a retryable 503 when it gives up.

    `settled`, when given, is a plain read (it takes no transaction locks) asked
    before each retry: an answer other than None means a contender has done the
    work, and is returned as it is.
    """
    from google.api_core.exceptions import Aborted, DeadlineExceeded
    from google.cloud import firestore

    give_up_at = time.monotonic() + TRANSACTION_BUDGET_SECONDS
    for attempt in itertools.count():
        if attempt and settled is not None and (answer := settled()) is not None:
            return answer
        try:
            result: T = firestore.transactional(fn)(client().transaction(max_attempts=1))
            return result
        except (Aborted, DeadlineExceeded, ValueError) as exc:
            # The library reports a failed commit as a bare ValueError; anything else is not ours to retry.
            if isinstance(exc, ValueError) and not str(exc).startswith("Failed to commit transaction"):
                raise
            pause = random.uniform(0, min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2**attempt))
            if time.monotonic() + pause > give_up_at:
                raise ServiceUnavailableError("Too many concurrent updates; retry shortly") from exc
            time.sleep(pause)
    raise AssertionError("unreachable")
