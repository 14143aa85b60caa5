"""Per-account sign-in lockout: too many failed passwords lock the account for a while.

Counters live in `_login_failures/{sha256(email)}` (every instance shares them;
`expires_at` is for a Firestore TTL policy). Addresses without an account are
counted exactly like real ones, so a lock tells nothing about who is registered.
An attempt is counted before its password is checked: parallel guesses cannot
outrun the lock. A successful sign-in clears the counter. Independent of rate
limits, which may be switched off.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared import config, logging
from shared.errors import AccountLockedError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, run_transaction

FAILURES = "_login_failures"


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt, already counted."""

    key: str
    locks_on_failure: bool  # the attempt that reached the limit: its failure locks the account


def _key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def begin(email: str) -> Attempt:
    """Count an attempt, or refuse it with a 423 while the account is locked."""
    key = _key(email)
    ref = client().collection(FAILURES).document(key)
    threshold, window, lock = (
        config.login_lockout_threshold(),
        config.login_lockout_window_seconds(),
        config.login_lockout_seconds(),
    )
    now = time.time()

    def count(transaction: Any) -> tuple[float, bool]:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        doc = existing_data(snapshot) if snapshot.exists else {}
        locked_until = float(doc.get("locked_until") or 0)
        if locked_until > now:
            return locked_until, False
        fresh = not doc or locked_until or now - float(doc["window_start"]) >= window
        failures = 1 if fresh else int(doc["count"]) + 1
        record = {
            "count": failures,
            "window_start": now if fresh else float(doc["window_start"]),
            "locked_until": now + lock if failures >= threshold else 0,
            "expires_at": datetime.fromtimestamp(now + window + lock, UTC),
        }
        transaction.set(ref, record)
        return 0.0, failures >= threshold

    locked_until, reaches_limit = run_transaction(count)
    if locked_until:
        raise locked(locked_until - now)
    return Attempt(key=key, locks_on_failure=reaches_limit)


def failed(attempt: Attempt) -> None:
    if attempt.locks_on_failure:
        logging.warning(
            "sign-in locked after repeated failures",
            account_key=attempt.key,
            failures=config.login_lockout_threshold(),
            lock_seconds=config.login_lockout_seconds(),
        )


def succeeded(attempt: Attempt) -> None:
    client().collection(FAILURES).document(attempt.key).delete(**io())


def locked(seconds_left: float) -> AccountLockedError:
    retry_after = max(1, math.ceil(seconds_left))
    return AccountLockedError(details={"retry_after": retry_after}, headers={"Retry-After": str(retry_after)})
