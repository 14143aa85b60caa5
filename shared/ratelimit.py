"""Fixed-window rate limits shared by every instance, kept in Firestore.

A counter document per (limit, caller, window) holds how many calls have been
admitted anywhere. An instance raises it with a single batched commit whose
transform results give back the new counts, so parallel instances never
read-modify-write, and a call costs at most one Firestore round trip.

Where a window has plenty left, an instance admits several calls with one
increment (a lease) and spends them locally: at most 1/8 of what is left, so
the tokens another instance may hold unused stay few, and tight limits (auth,
payments, AI, exports) always move one call at a time. The shared count never
exceeds the limit, whatever the number of instances. Counter documents carry
`expires_at` for a Firestore TTL policy to sweep.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared import config
from shared.errors import RateLimitedError, SignInRateLimitedError
from shared.firestore import TIMEOUT_SECONDS, client, io

COLLECTION = "_rate_limits"

# A lease takes at most this share of what is left in the window, and at most MAX_LEASE calls.
LEASE_SHARE = 8
MAX_LEASE = 16


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int
    sign_in: bool = False  # counts sign-in, sign-up or reset attempts: refused as such


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
        # Each test fetches documents from the outside world.
        Limit("testSSOConnection", 30, 3600),
        # The 7P REST surface (seed 001): per client address for its account routes,
        # per caller for the rest, and daily quotas by subscription tier.
        Limit("rest", 100, 60),
        Limit("rest.payments", 10, 60),
        Limit("rest.login", 5, 15 * 60, sign_in=True),
        Limit("rest.register", 3, 3600, sign_in=True),
        Limit("rest.reset", 3, 3600, sign_in=True),
        Limit("quota.free", 1_000, 24 * 3600),
        Limit("quota.premium", 10_000, 24 * 3600),
    )
}


@dataclass(frozen=True)
class Verdict:
    """The outcome for the tightest of the limits that applied."""

    limit: int
    remaining: int
    reset: int  # unix seconds when the window ends
    allowed: bool
    sign_in: bool = False

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


@dataclass
class _Window:
    """What this instance knows of one counter document."""

    doc_id: str
    limit: Limit
    reset: int
    tokens: int = 0  # calls admitted here in advance and not yet spent
    count_seen: int | None = None  # the shared count after our latest increment
    refills: int = 0  # our increments still in flight

    def lease_size(self) -> int:
        if self.count_seen is None:
            return 1
        left = self.limit.limit - self.count_seen
        return max(1, min(MAX_LEASE, left // LEASE_SHARE))

    @property
    def exhausted(self) -> bool:
        """Counts only grow within a window: once the limit is seen, refuse without asking."""
        return self.tokens == 0 and self.refills == 0 and (self.count_seen or 0) >= self.limit.limit

    def remaining(self) -> int:
        """Calls still possible as seen from here: the window's unclaimed rest plus our tokens."""
        return max(self.limit.limit - (self.count_seen or 0), 0) + self.tokens

    def spend_token(self) -> Verdict:
        self.tokens -= 1
        return Verdict(self.limit.limit, self.remaining(), self.reset, True, self.limit.sign_in)

    def denied(self) -> Verdict:
        return Verdict(self.limit.limit, 0, self.reset, False, self.limit.sign_in)


@dataclass
class Admission:
    """One call's passage: tokens already held here, and the increment still to commit."""

    limiter: Limiter
    now: float
    verdicts: list[Verdict] = field(default_factory=list)
    refills: list[tuple[_Window, int]] = field(default_factory=list)

    @property
    def settled_locally(self) -> bool:
        return not self.refills

    def settle(self) -> Verdict | None:
        """Commit what is needed; the tightest verdict, or RateLimitedError."""
        if self.refills:
            self.verdicts.extend(self.limiter._refill(self.refills))
            self.refills = []
        if not self.verdicts:
            return None
        denied = [v for v in self.verdicts if not v.allowed]
        if denied:
            worst = max(denied, key=lambda v: v.reset)
            error = SignInRateLimitedError if worst.sign_in else RateLimitedError
            raise error(
                "Rate limit exceeded; try again later",
                details={"limit": worst.limit, "reset": worst.reset},
                headers={**worst.headers(), "Retry-After": str(max(1, math.ceil(worst.reset - self.now)))},
            )
        return min(self.verdicts, key=lambda v: v.remaining)


class Limiter:
    """The leases of one process. Every instance has its own; Firestore holds the truth."""

    def __init__(self) -> None:
        self._windows: dict[str, _Window] = {}
        self._changed = threading.Condition()

    def begin(self, names: tuple[str, ...], key: str, now: float | None = None) -> Admission:
        now = time.time() if now is None else now
        admission = Admission(self, now)
        if not names or not config.rate_limits_enabled():
            return admission
        with self._changed:
            self._forget_ended(now)
            for name in names:
                lim = LIMITS[name]
                start = int(now // lim.window_seconds) * lim.window_seconds
                doc_id = f"{lim.name}:{key}:{start}".replace("/", "_")
                window = self._windows.get(doc_id)
                if window is None or window.limit != lim:
                    window = self._windows[doc_id] = _Window(doc_id, lim, start + lim.window_seconds)
                if window.tokens > 0:
                    admission.verdicts.append(window.spend_token())
                elif window.exhausted:
                    admission.verdicts.append(window.denied())
                else:
                    window.refills += 1
                    admission.refills.append((window, window.lease_size()))
        return admission

    def hit(self, names: tuple[str, ...], key: str, now: float | None = None) -> Verdict | None:
        return self.begin(names, key, now).settle()

    def forget(self) -> None:
        """Drop every lease (the counters were wiped, as between tests)."""
        with self._changed:
            self._windows.clear()

    def _refill(self, refills: list[tuple[_Window, int]]) -> list[Verdict]:
        try:
            counts = _increment([(w.doc_id, w.reset, n) for w, n in refills])
        except BaseException:
            with self._changed:
                for window, _ in refills:
                    window.refills -= 1
                self._changed.notify_all()
            raise
        verdicts: list[Verdict | None] = []
        with self._changed:
            for (window, asked), count in zip(refills, counts, strict=True):
                window.refills -= 1
                window.count_seen = max(window.count_seen or 0, count)
                granted = max(0, min(asked, window.limit.limit - (count - asked)))
                if granted:
                    window.tokens += granted - 1
                    # This call's own view: what was unclaimed after its increment, plus its lease.
                    left = max(window.limit.limit - count, 0) + granted - 1
                    verdicts.append(Verdict(window.limit.limit, left, window.reset, True, window.limit.sign_in))
                else:
                    verdicts.append(None)
            self._changed.notify_all()
            # Refused by the shared count, but a lease of ours still in flight may bring
            # tokens: wait for it, so that one instance admits exactly the limit.
            deadline = time.monotonic() + TIMEOUT_SECONDS
            for i, ((window, _), verdict) in enumerate(zip(refills, verdicts, strict=True)):
                if verdict is not None:
                    continue
                while window.tokens == 0 and window.refills > 0 and time.monotonic() < deadline:
                    self._changed.wait(deadline - time.monotonic())
                verdicts[i] = window.spend_token() if window.tokens > 0 else window.denied()
        return [v for v in verdicts if v is not None]

    def _forget_ended(self, now: float) -> None:
        if len(self._windows) > 1000:
            for doc_id in [d for d, w in self._windows.items() if w.reset <= now and w.refills == 0]:
                del self._windows[doc_id]


def _increment(counters: list[tuple[str, int, int]]) -> list[int]:
    """Add to each (doc id, reset, amount) counter in one commit; the counts after."""
    from google.cloud import firestore

    db = client()
    batch = db.batch()
    for doc_id, reset, amount in counters:
        ref = db.collection(COLLECTION).document(doc_id)
        batch.set(ref, {"count": firestore.Increment(amount), "expires_at": _datetime(reset)}, merge=True)
    results = batch.commit(**io())
    return [int(result.transform_results[0].integer_value) for result in results]


_limiter = Limiter()


def begin(names: tuple[str, ...], key: str, now: float | None = None) -> Admission:
    """Start admitting one call: spends leased tokens now; `settle()` commits the rest."""
    return _limiter.begin(names, key, now)


def hit(names: tuple[str, ...], key: str, now: float | None = None) -> Verdict | None:
    """Count one call against each named limit for `key`; None when nothing applies."""
    return _limiter.hit(names, key, now)


def forget_leases() -> None:
    _limiter.forget()


def _datetime(ts: int) -> datetime:
    """A datetime for Firestore's TTL policy."""

    return datetime.fromtimestamp(ts, UTC)
