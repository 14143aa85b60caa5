"""Fixed-window rate limits shared by every instance, kept in Firestore.

One call costs one Firestore round trip: every counter that applies to the call
is incremented in a single batched commit, and the commit's transform results
give back the new counts, so parallel instances never read-modify-write.
Counter documents carry `expires_at` for a Firestore TTL policy to sweep.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from shared import config
from shared.errors import RateLimitedError
from shared.firestore import client, io

COLLECTION = "_rate_limits"


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int


# The documented limits. Function-specific ones are named after the function.
LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit("auth", 10, 60),
        Limit("entity", 100, 60),
        Limit("ai", 20, 3600),
        Limit("payments", 10, 60),
        Limit("exports", 5, 3600),
        Limit("functions", 100, 60),
        # Public certificate checks: slow enough that guessing codes gets nowhere.
        Limit("verify", 30, 60),
        Limit("generateContentUpdates", 3, 24 * 3600),
    )
}


@dataclass(frozen=True)
class Verdict:
    """The outcome for the tightest of the limits that applied."""

    limit: int
    remaining: int
    reset: int  # unix seconds when the window ends
    allowed: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def hit(names: tuple[str, ...], key: str, now: float | None = None) -> Verdict | None:
    """Count one call against each named limit for `key`; None when nothing applies."""
    limits = [LIMITS[n] for n in names]
    if not limits or not config.rate_limits_enabled():
        return None
    from google.cloud import firestore

    now = time.time() if now is None else now
    db = client()
    batch = db.batch()
    windows = []
    for lim in limits:
        start = int(now // lim.window_seconds) * lim.window_seconds
        reset = start + lim.window_seconds
        ref = db.collection(COLLECTION).document(f"{lim.name}:{key}:{start}".replace("/", "_"))
        batch.set(
            ref,
            {"count": firestore.Increment(1), "expires_at": _datetime(reset)},
            merge=True,
        )
        windows.append((lim, reset))
    results = batch.commit(**io())
    verdicts = []
    for (lim, reset), result in zip(windows, results, strict=True):
        count = int(result.transform_results[0].integer_value)
        verdicts.append(
            Verdict(lim.limit, max(lim.limit - count, 0), reset, allowed=count <= lim.limit)
        )
    denied = [v for v in verdicts if not v.allowed]
    if denied:
        worst = max(denied, key=lambda v: v.reset)
        raise RateLimitedError(
            "Rate limit exceeded; try again later",
            details={"limit": worst.limit, "reset": worst.reset},
            headers={**worst.headers(), "Retry-After": str(max(1, math.ceil(worst.reset - now)))},
        )
    return min(verdicts, key=lambda v: v.remaining)


def _datetime(ts: int):  # noqa: ANN202 - a datetime for Firestore's TTL
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC)
