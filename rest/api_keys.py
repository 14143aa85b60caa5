"""API keys: `Authorization: Bearer test_pk_...` (test environments) or `live_pk_...` (production).

A key acts as its owner, with the owner's current role. It is shown once, when
created; `_api_keys/{sha256(key)}` keeps its digest, owner, name and environment.
A key of the other environment is refused. A resolved key is remembered by the
instance for KEY_CACHE_SECONDS, so a busy key costs no read per call; revoking
applies at once on the instance that revokes it and within that time elsewhere.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Any

from entities import store
from shared import config, logging
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, NotFoundError, UnauthenticatedError
from shared.firestore import client, existing_data, io, new_id, now_iso

KEYS = "_api_keys"
PREFIXES = {"test": "test_pk_", "live": "live_pk_"}
KEY_CACHE_SECONDS = 30.0
MAX_KEYS_PER_USER = 20


def environment() -> str:
    return "live" if config.is_production() else "test"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in ("id", "name", "prefix", "environment", "created_at")}


def _owned(user_id: str) -> list[tuple[str, dict[str, Any]]]:
    from google.cloud.firestore import FieldFilter

    query = client().collection(KEYS).where(filter=FieldFilter("user_id", "==", user_id))
    return [(s.id, existing_data(s)) for s in query.stream(**io()) if not existing_data(s).get("revoked_at")]


def create(caller: Caller, name: str) -> dict[str, Any]:
    """A new key for the caller, shown this once."""
    if caller.session_id is None:
        raise ForbiddenError("API keys are created from a signed-in session, not with another key")
    if len(_owned(str(caller.user_id))) >= MAX_KEYS_PER_USER:
        raise ForbiddenError(f"At most {MAX_KEYS_PER_USER} API keys per account; revoke one first")
    env = environment()
    key = PREFIXES[env] + secrets.token_hex(24)
    record = {
        "id": new_id("key"),
        "user_id": caller.user_id,
        "name": name,
        "prefix": key[:12],
        "environment": env,
        "created_at": now_iso(),
        "revoked_at": None,
    }
    client().collection(KEYS).document(_digest(key)).create(record, **io())
    logging.info("api key created", user_id=caller.user_id, key_id=record["id"])
    return {"success": True, "key": key, "api_key": _shown(record)}


def listing(user_id: str) -> dict[str, Any]:
    keys = sorted((_shown(r) for _, r in _owned(user_id)), key=lambda r: r["created_at"], reverse=True)
    return {"success": True, "api_keys": keys}


def revoke(user_id: str, key_id: str) -> dict[str, Any]:
    for doc_id, record in _owned(user_id):
        if record["id"] == key_id:
            client().collection(KEYS).document(doc_id).update({"revoked_at": now_iso()}, **io())
            _cache.forget(doc_id)
            logging.info("api key revoked", user_id=user_id, key_id=key_id)
            return {"success": True, "message": "API key revoked"}
    raise NotFoundError("No such API key", details={"id": key_id})


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[Caller | None, float]] = {}

    def get(self, digest: str) -> tuple[Caller | None, float] | None:
        return self._known.get(digest)

    def put(self, digest: str, caller: Caller | None) -> None:
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[digest] = (caller, time.monotonic())

    def forget(self, digest: str | None = None) -> None:
        with self._lock:
            if digest is None:
                self._known.clear()
            else:
                self._known.pop(digest, None)


_cache = _KeyCache()


def resolve(key: str, ip: str) -> Caller:
    """The caller an API key acts as; a revoked, unknown or other-environment key is a 401."""
    if not key.startswith(PREFIXES[environment()]):
        other = "production" if environment() == "test" else "test environments"
        raise UnauthenticatedError(f"This API key is for {other} only")
    digest = _digest(key)
    known = _cache.get(digest)
    if known is None or time.monotonic() - known[1] >= KEY_CACHE_SECONDS:
        _cache.put(digest, _owner(digest))
        known = _cache.get(digest)
    owner = known[0] if known else None
    if owner is None:
        raise UnauthenticatedError("Invalid API key")
    return Caller(user_id=owner.user_id, email=owner.email, role=owner.role, org_id=owner.org_id, ip=ip)


def _owner(digest: str) -> Caller | None:
    snapshot = client().collection(KEYS).document(digest).get(**io())
    record = existing_data(snapshot) if snapshot.exists else None
    if record is None or record.get("revoked_at") or record.get("environment") != environment():
        return None
    user = store.find("User", record["user_id"])
    if user is None or user.get("disabled"):
        return None
    return Caller(user_id=user["id"], email=user["email"], role=Role(user["role"]), org_id=user.get("organization_id"))
