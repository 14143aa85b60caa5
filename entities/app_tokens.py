"""Application tokens: what the seed's `createClient({token: VITE_BASE44_TOKEN})` sends.

An application token names a client application (a web front end, a mobile app, a
partner's integration), not a person. An admin issues one per application
(`POST /api/apps/{appId}/app-tokens`); it is shown once and `_app_tokens/{sha256}`
keeps its digest, name and who issued it. Because a front end ships it in its
bundle, it grants nothing a visitor without it lacks: a call carrying it acts as an
anonymous caller of the app, and signing in replaces it with the user's token (the
SDK's `setToken`). What it adds is that a revoked, unknown or mistyped one is a
clear 401 rather than silently anonymous, and that the application is named in logs.
A resolved token is remembered by the instance for CACHE_SECONDS; revoking applies
at once on the instance that revokes and within that time elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
import time
from typing import Any

from shared import logging
from shared.auth import Caller
from shared.errors import ForbiddenError, NotFoundError, UnauthenticatedError
from shared.firestore import client, existing_data, io, new_id, now_iso

TOKENS = "_app_tokens"
PREFIX = "b44_app_"
CACHE_SECONDS = 30.0
MAX_TOKENS = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("id", "name", "prefix", "created_at", "created_by", "revoked_at")}


def _records() -> list[tuple[str, dict[str, Any]]]:
    return [(s.id, existing_data(s)) for s in client().collection(TOKENS).stream(**io())]


def issue(caller: Caller, name: str) -> dict[str, Any]:
    """A new application token, shown this once; admins only."""
    if not caller.is_admin:
        raise ForbiddenError("Only an admin issues application tokens")
    if sum(1 for _, r in _records() if not r.get("revoked_at")) >= MAX_TOKENS:
        raise ForbiddenError(f"At most {MAX_TOKENS} live application tokens; revoke one first")
    token = PREFIX + secrets.token_urlsafe(32)
    record = {
        "id": new_id("apt"),
        "name": name,
        "prefix": token[:14],
        "created_at": now_iso(),
        "created_by": caller.email or caller.user_id,
        "revoked_at": None,
    }
    client().collection(TOKENS).document(_digest(token)).create(record, **io())
    logging.info("application token issued", token_id=record["id"], name=name)
    return {"token": token, "app_token": _shown(record)}


def ensure(token: str, name: str, created_by: str) -> None:
    """Register a token chosen beforehand (a development platform's documented one), once."""
    from google.api_core.exceptions import AlreadyExists

    if not token.startswith(PREFIX):
        raise ValueError(f"application tokens start with {PREFIX}")
    record = {
        "id": new_id("apt"),
        "name": name,
        "prefix": token[:14],
        "created_at": now_iso(),
        "created_by": created_by,
        "revoked_at": None,
    }
    with contextlib.suppress(AlreadyExists):
        client().collection(TOKENS).document(_digest(token)).create(record, **io())


def listing(caller: Caller) -> list[dict[str, Any]]:
    """Every application token (never the tokens themselves), newest first; admins only."""
    if not caller.is_admin:
        raise ForbiddenError("Only an admin sees application tokens")
    return sorted((_shown(r) for _, r in _records()), key=lambda r: str(r["created_at"]), reverse=True)


def revoke(caller: Caller, token_id: str) -> dict[str, Any]:
    if not caller.is_admin:
        raise ForbiddenError("Only an admin revokes application tokens")
    for doc_id, record in _records():
        if record["id"] == token_id and not record.get("revoked_at"):
            client().collection(TOKENS).document(doc_id).update({"revoked_at": now_iso()}, **io())
            _cache.forget(doc_id)
            logging.info("application token revoked", token_id=token_id)
            return {"success": True}
    raise NotFoundError("No such application token", details={"id": token_id})


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[str | None, float]] = {}

    def get(self, digest: str) -> str | None:
        """The token's id (None: not live), looking it up when not known recently."""
        known = self._known.get(digest)
        if known is None or time.monotonic() - known[1] >= CACHE_SECONDS:
            snapshot = client().collection(TOKENS).document(digest).get(**io())
            record = existing_data(snapshot) if snapshot.exists else None
            live = record["id"] if record is not None and not record.get("revoked_at") else None
            with self._lock:
                if len(self._known) > 10_000:
                    self._known.clear()
                self._known[digest] = known = (live, time.monotonic())
        return known[0]

    def forget(self, digest: str | None = None) -> None:
        with self._lock:
            if digest is None:
                self._known.clear()
            else:
                self._known.pop(digest, None)


_cache = _Cache()


def resolve(token: str, ip: str) -> Caller:
    """An anonymous caller of the app; a revoked or unknown application token is a 401."""
    if _cache.get(_digest(token)) is None:
        raise UnauthenticatedError("Invalid or revoked application token")
    return Caller(user_id=None, email=None, role=None, ip=ip)
