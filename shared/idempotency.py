"""Doing something once per key: a keyed record written in the caller's transaction.

A record (collection `IdempotencyRecord`) names a scope and a key, says whether
the work is `in_progress` or `completed`, keeps the work's result, and carries
`expires_at`, a Firestore timestamp. A TTL policy on that field deletes old
records (see README, Deploying); until it does, a record past `expires_at` counts
as absent, so an expired key can be claimed again.

Work done inside one Firestore transaction (a webhook event's writes) claims and
completes in that transaction; a contender's transaction then conflicts, retries
and finds the record::

    def run(tx):
        if (previous := idempotency.claim(tx, "stripe-event", event_id)) is not None:
            return previous.result  # done before
        ...  # reads, then writes
        idempotency.complete(tx, "stripe-event", event_id, {"outcome": "processed"})
        return {"outcome": "processed"}

    run_transaction(run)

(`previous(scope, key)`, a plain read, suits `run_transaction`'s `settled` check.)

Work that calls another service (a refund, an HR sync) holds the key in a
transaction of its own first (`claim(tx, scope, key, hold=timedelta(minutes=5))`),
calls out, then completes in a second transaction. A contender meanwhile sees an
`in_progress` Previous; a holder that died releases the key when `hold` runs out.
`claim` only reads unless `hold` is given, so callers may read more after it; a
transaction's reads must all come before its writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.firestore import LOCK_WAIT_SECONDS, client, io

if TYPE_CHECKING:
    from google.cloud.firestore import DocumentReference

COLLECTION = "IdempotencyRecord"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
# Stripe retries a webhook for three days; keys outlive every retry by a wide margin.
DEFAULT_TTL = timedelta(days=30)


@dataclass(frozen=True)
class Previous:
    """What an earlier claimant left under a key."""

    status: str  # IN_PROGRESS or COMPLETED
    result: Any  # what `complete` stored; None while in progress
    expires_at: datetime

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED


def record_ref(scope: str, key: str) -> DocumentReference:
    """The record's document: the key is hashed, so any text (slashes too) is a valid key."""
    if not scope or not key:
        raise ValueError("idempotency scope and key must not be empty")
    digest = hashlib.sha256(f"{scope}\n{key}".encode()).hexdigest()[:40]
    return client().collection(COLLECTION).document(f"{scope}-{digest}")


def claim(transaction: Any, scope: str, key: str, *, hold: timedelta | None = None) -> Previous | None:
    """None when the caller may do the work; else what is (or was being) done under the key.

    With `hold`, the key is also marked in progress for that long (a write: the
    transaction reads nothing more after this).
    """
    ref = record_ref(scope, key)
    previous = _previous(ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS))
    if previous is None and hold is not None:
        transaction.set(ref, _record(scope, key, IN_PROGRESS, None, hold))
    return previous


def complete(transaction: Any, scope: str, key: str, result: Any = None, *, ttl: timedelta = DEFAULT_TTL) -> None:
    """Record the work under the key as done, with its result (JSON-like values), until `ttl` passes."""
    transaction.set(record_ref(scope, key), _record(scope, key, COMPLETED, result, ttl))


def release(transaction: Any, scope: str, key: str) -> None:
    """Give up a held key (the work failed and may be tried again)."""
    transaction.delete(record_ref(scope, key))


def previous(scope: str, key: str) -> Previous | None:
    """A plain read of the key, outside any transaction (see `run_transaction`'s `settled`)."""
    return _previous(record_ref(scope, key).get(**io()))


def expiry(ttl: timedelta = DEFAULT_TTL) -> datetime:
    """When a record written now expires; stored as a Firestore timestamp for the TTL policy."""
    return datetime.now(UTC) + ttl


def _record(scope: str, key: str, status: str, result: Any, ttl: timedelta) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"scope": scope, "key": key, "status": status, "result": result, "updated_at": now, "expires_at": now + ttl}


def _previous(snapshot: Any) -> Previous | None:
    if not snapshot.exists:
        return None
    data = snapshot.to_dict()
    expires_at = data.get("expires_at")
    if not isinstance(expires_at, datetime) or expires_at <= datetime.now(UTC):
        return None  # expired but not yet deleted by the TTL policy
    return Previous(status=str(data.get("status")), result=data.get("result"), expires_at=expires_at)
