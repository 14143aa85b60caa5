"""Ended sessions: signed, unexpired tokens that are refused all the same.

Every token names its session (`sid`). Signing out ends that session; a password
change or reset ends every session of the user begun before it. Each ending is
written to `_revocations` (`revoked_at` is the server's commit time; `expires_at`,
for a Firestore TTL policy, is when every token it names has expired anyway).

Each instance holds the unexpired endings in memory. Its own apply at once; the
others' arrive through a query for entries revoked since the last one, asked by
the first request that finds the view older than REVOCATION_REFRESH_SECONDS. So a
live session costs no Firestore read on most calls, and an ending reaches every
instance within that interval plus one query. A new instance loads every
unexpired entry before it lets a token through. Instance clocks are assumed to
agree within `OVERLAP`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import config, logging
from shared.firestore import client, existing_data, io, is_storage_failure

REVOCATIONS = "_revocations"
# A refresh asks again for entries this much older than the last query began:
# commits that land late, or a clock slightly behind, are still found.
OVERLAP = timedelta(seconds=5)


class RevocationView:
    """One instance's view of ended sessions."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()  # one refresh at a time
        self._write_lock = threading.Lock()  # entries change under it; lookups need no lock
        self._sessions: dict[str, float] = {}  # sid -> when its token expires (unix seconds)
        # user id -> (sessions begun before, entry expiry, the one session spared or "")
        self._users: dict[str, tuple[float, float, str]] = {}
        self._asked_since: datetime | None = None  # revoked_at bound of the next query; None: load everything
        self._refreshed_at: float | None = None  # clock reading of the last refresh
        self.queries = 0

    def is_ended(self, claims: Mapping[str, Any]) -> bool:
        self._refresh_if_stale()
        sid = claims.get("sid")
        if sid is not None and sid in self._sessions:
            return True
        user = self._users.get(str(claims.get("sub")))
        return user is not None and float(claims["iat"]) < user[0] and sid != user[2]

    def apply(self, entry: Mapping[str, Any]) -> None:
        expires = _unix(entry["expires_at"])
        with self._write_lock:
            if entry.get("kind") == "session":
                self._sessions[str(entry["sid"])] = expires
                return
            user_id = str(entry["user_id"])
            known = self._users.get(user_id)
            if known is None or known[0] < float(entry["before"]):
                self._users[user_id] = (float(entry["before"]), expires, str(entry.get("except_sid") or ""))

    def _refresh_if_stale(self) -> None:
        if self._is_fresh():
            return
        # A new instance waits for its first load; later, one request refreshes while the rest go on.
        if not self._lock.acquire(blocking=self._asked_since is None):
            return
        try:
            if not self._is_fresh():
                self._refresh()
        finally:
            self._lock.release()

    def _is_fresh(self) -> bool:
        return (
            self._refreshed_at is not None and self._clock() - self._refreshed_at < config.revocation_refresh_seconds()
        )

    def _refresh(self) -> None:
        from google.cloud.firestore import FieldFilter

        self._refreshed_at = self._clock()
        began = datetime.now(UTC)
        entries = client().collection(REVOCATIONS)
        query = (
            entries.where(filter=FieldFilter("expires_at", ">", began))
            if self._asked_since is None
            else entries.where(filter=FieldFilter("revoked_at", ">", self._asked_since))
        )
        self.queries += 1
        try:
            for snapshot in query.stream(**io()):
                self.apply(existing_data(snapshot))
        except Exception as exc:
            if not is_storage_failure(exc):
                raise
            logging.error("Ended sessions could not be refreshed; using the view held", code="SERVICE_UNAVAILABLE")
            return
        self._asked_since = began - OVERLAP
        self._forget_expired(time.time())

    def _forget_expired(self, now: float) -> None:
        with self._write_lock:
            self._sessions = {sid: exp for sid, exp in self._sessions.items() if exp > now}
            self._users = {uid: entry for uid, entry in self._users.items() if entry[1] > now}


_view = RevocationView()


def is_ended(claims: Mapping[str, Any]) -> bool:
    """True when the token's session was ended (on this instance at once, elsewhere within the refresh bound)."""
    return _view.is_ended(claims)


def end_session(sid: str, user_id: str, expires_at: float) -> None:
    """End one session (signing out); its token expires at `expires_at` anyway."""
    _record(f"session:{sid}", {"kind": "session", "sid": sid, "user_id": user_id}, expires_at)


def end_all_sessions(user_id: str, except_sid: str | None = None) -> float:
    """End every session of the user begun until now (a password changed or reset), but
    `except_sid` (the caller's, when MFA is turned on); returns that instant."""
    before = time.time()
    expires_at = before + config.longest_session_seconds()  # a refresh token outlives any access token
    entry = {"kind": "user", "user_id": user_id, "before": before, "except_sid": except_sid}
    _record(f"user:{user_id}", entry, expires_at)
    return before


def _record(doc_id: str, entry: dict[str, Any], expires_at: float) -> None:
    from google.cloud import firestore

    expiry = datetime.fromtimestamp(expires_at, UTC)
    client().collection(REVOCATIONS).document(doc_id).set(
        {**entry, "expires_at": expiry, "revoked_at": firestore.SERVER_TIMESTAMP}, **io()
    )
    _view.apply({**entry, "expires_at": expiry})


def _unix(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)
