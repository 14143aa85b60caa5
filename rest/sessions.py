"""Sessions of the 7P surface: one per sign-in, with its device and its refresh tokens.

A session (`_sign_ins/{sid}`) records the User-Agent and address it began from,
when it began and was last refreshed, and when it ends. Its access tokens are
the product's ordinary tokens naming it (`sid`), so both surfaces accept them and
ending it goes through `shared.sessions` (no Firestore read per call).

Refresh tokens are opaque and stored as SHA-256 digests (`_refresh_tokens`). By
default a session keeps its one refresh token for its lifetime (the seed's refresh
answer carries none to replace it). A client may opt in to rotation per refresh
(`rotate`): the token presented is spent and a new one answered; a spent one
presented again means it leaked, so the whole session (its family) ends and the
reuse is logged. A password change or reset
ends every session begun before it; so does too many sessions at once, oldest
first.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from entities import store
from shared import auth, config, logging, sessions
from shared.errors import ForbiddenError, NotFoundError, UnauthenticatedError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, run_transaction

SIGN_INS = "_sign_ins"
REFRESH_TOKENS = "_refresh_tokens"
_USER_AGENT_MAX = 512


@dataclass(frozen=True)
class Device:
    user_agent: str
    ip: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _when(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def _iso(unix: float) -> str:
    return _when(unix).strftime("%Y-%m-%dT%H:%M:%SZ")


def _access_token(user: dict[str, Any], sid: str) -> tuple[str, int]:
    return auth.issue_token(
        user_id=user["id"],
        email=user["email"],
        role=user["role"],
        org_id=user.get("organization_id"),
        ttl=config.access_token_ttl_seconds(),
        sid=sid,
    )


def _tokens(user: dict[str, Any], sid: str, refresh_token: str) -> dict[str, Any]:
    access, exp = _access_token(user, sid)
    return {
        "access_token": access,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": max(0, exp - int(auth.clock())),
        "session_id": sid,
    }


def start(user: dict[str, Any], device: Device, remember_me: bool) -> dict[str, Any]:
    """Begin a session for a user whose credentials were checked; its first tokens."""
    now = auth.clock()
    sid = secrets.token_hex(16)
    ttl = config.refresh_token_ttl_seconds(remember_me)
    refresh_token = secrets.token_urlsafe(32)
    db = client()
    batch = db.batch()
    batch.create(
        db.collection(SIGN_INS).document(sid),
        {
            "user_id": user["id"],
            "user_agent": device.user_agent[:_USER_AGENT_MAX],
            "ip_address": device.ip,
            "created_at": now,
            "last_used_at": now,
            "ends_at": now + ttl,
            "ended_at": None,
            "remember_me": remember_me,
            "expires_at": _when(now + ttl),  # for a Firestore TTL policy
        },
    )
    batch.create(db.collection(REFRESH_TOKENS).document(_digest(refresh_token)), _refresh_record(sid, user, now, ttl))
    batch.commit(**io())
    _end_beyond_limit(user["id"])
    return _tokens(user, sid, refresh_token)


def _refresh_record(sid: str, user: dict[str, Any], now: float, ttl: int) -> dict[str, Any]:
    return {
        "session_id": sid,
        "user_id": user["id"],
        "used_at": None,
        "ends_at": now + ttl,
        "expires_at": _when(now + ttl),
    }


def refresh(token: str, rotate: bool = False) -> dict[str, Any]:
    """A new access token for a refresh token; with `rotate`, the token is spent and a new one answered.

    A spent token presented again ends its session.
    """
    token_ref = client().collection(REFRESH_TOKENS).document(_digest(token))
    now = auth.clock()
    replacement = secrets.token_urlsafe(32) if rotate else token

    def use(transaction: Any) -> tuple[str, dict[str, Any] | None]:
        snapshot = token_ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if not snapshot.exists:
            return "unknown", None
        record = existing_data(snapshot)
        session_ref = client().collection(SIGN_INS).document(record["session_id"])
        session = session_ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        info = existing_data(session) if session.exists else None
        if info is None or info.get("ended_at") is not None or _ended_elsewhere(record["session_id"], info):
            return "ended", None
        if record.get("used_at") is not None:
            transaction.update(session_ref, {"ended_at": now, "ended_by": "refresh_token_reuse"})
            return "reused", {**info, "id": record["session_id"]}
        if float(record["ends_at"]) <= now or float(info["ends_at"]) <= now:
            return "expired", None
        transaction.update(session_ref, {"last_used_at": now})
        if rotate:
            transaction.update(token_ref, {"used_at": now})
            ttl = int(float(info["ends_at"]) - now)
            transaction.create(
                client().collection(REFRESH_TOKENS).document(_digest(replacement)),
                _refresh_record(record["session_id"], {"id": record["user_id"]}, now, ttl),
            )
        return "refreshed", {**info, "id": record["session_id"]}

    outcome, session = run_transaction(use)
    if outcome == "reused" and session is not None:
        _revoke_tokens(session["id"], session["user_id"])
        logging.warning(
            "refresh token reused: its session ended",
            code="AUTH_TOKEN_REUSED",
            session_id=session["id"],
            user_id=session["user_id"],
        )
        raise UnauthenticatedError("Refresh token already used; the session has ended")
    if outcome != "refreshed" or session is None:
        raise UnauthenticatedError("Refresh token is invalid or has expired")
    user = store.find("User", session["user_id"])
    if user is None:
        raise UnauthenticatedError("This account no longer exists")
    if user.get("disabled"):
        raise ForbiddenError("This account is disabled")
    return _tokens(user, session["id"], replacement)


def _ended_elsewhere(sid: str, info: dict[str, Any]) -> bool:
    """Ended by a password change or reset, or by an account change, since it began."""
    return sessions.is_ended({"sid": sid, "sub": info["user_id"], "iat": info["created_at"]})


def end(sid: str, user_id: str, reason: str) -> None:
    """End one session: its refresh tokens and its access tokens stop working now."""
    from google.api_core.exceptions import NotFound

    # A token of a Base44 sign-in has no session record: the revocation alone ends it.
    with contextlib.suppress(NotFound):
        client().collection(SIGN_INS).document(sid).update({"ended_at": auth.clock(), "ended_by": reason}, **io())
    _revoke_tokens(sid, user_id)


def _revoke_tokens(sid: str, user_id: str) -> None:
    sessions.end_session(sid, user_id, auth.clock() + config.access_token_ttl_seconds())


def active(user_id: str) -> list[dict[str, Any]]:
    """The user's live sessions, newest first."""
    from google.cloud.firestore import FieldFilter

    now = auth.clock()
    found = []
    query = client().collection(SIGN_INS).where(filter=FieldFilter("user_id", "==", user_id))
    for snapshot in query.stream(**io()):
        info = existing_data(snapshot)
        if info.get("ended_at") is None and float(info["ends_at"]) > now and not _ended_elsewhere(snapshot.id, info):
            found.append({**info, "id": snapshot.id})
    return sorted(found, key=lambda s: s["created_at"], reverse=True)


def listing(user_id: str, current_sid: str | None) -> list[dict[str, Any]]:
    """What a user sees of their sessions: device, times, and which one is asking."""
    return [
        {
            "id": s["id"],
            "user_agent": s["user_agent"],
            "ip_address": s["ip_address"],
            "created_at": _iso(s["created_at"]),
            "last_used_at": _iso(s["last_used_at"]),
            "expires_at": _iso(s["ends_at"]),
            "current": s["id"] == current_sid,
        }
        for s in active(user_id)
    ]


def end_own(sid: str, user_id: str) -> None:
    """End one of the caller's own sessions; anyone else's is as unknown as a missing one."""
    snapshot = client().collection(SIGN_INS).document(sid).get(**io())
    info = existing_data(snapshot) if snapshot.exists else None
    if info is None or info["user_id"] != user_id or info.get("ended_at") is not None:
        raise NotFoundError("No such session", details={"session_id": sid})
    end(sid, user_id, "signed_out_elsewhere")


def _end_beyond_limit(user_id: str) -> None:
    limit = config.max_sessions_per_user()
    if limit <= 0:
        return
    for extra in active(user_id)[limit:]:
        end(extra["id"], user_id, "session_limit")
        logging.info("oldest session ended: concurrent session limit", user_id=user_id, session_id=extra["id"])
