"""What the Zoom and Daily webhooks share: signatures, the session an event is about,
and handling each event once.

Zoom signs `v0:{timestamp}:{raw body}` with the app's secret token (HMAC-SHA256, hex,
`x-zm-signature: v0=...`); deliveries older or newer than five minutes are refused.
Daily signs `{timestamp}.{raw body}` with the webhook's base64 `hmac` (HMAC-SHA256,
base64, `X-Webhook-Signature`). A bad signature is a 400 and nothing is read further.

Each event is handled once (`shared.idempotency`): its key is held while it is handled,
completed when done, released when handling fails so the provider's retry handles it
again. A recording event only queues its copy (`recording_jobs`): the job's id is made
from the event, so a repeated event queues nothing new.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from entities import store
from functions.video import providers, recordings, sessions
from functions.video.providers import ProviderRecording
from shared import config, idempotency, logging
from shared.errors import AppError, ConflictError, InvalidInputError
from shared.firestore import run_transaction

ZOOM_TOLERANCE_SECONDS = 300
# Longer than any handling takes; a holder that died frees the key after this.
EVENT_HOLD = timedelta(minutes=5)


def _signature_error() -> InvalidInputError:
    return InvalidInputError("Webhook signature is missing or invalid")


def verify_zoom(payload: bytes, signature: str | None, timestamp: str | None, now: float | None = None) -> None:
    secret = config.require(config.ZOOM_WEBHOOK_SECRET)
    if not signature or not timestamp or not timestamp.isascii() or not timestamp.isdigit():
        raise _signature_error()
    if abs((now if now is not None else time.time()) - int(timestamp)) > ZOOM_TOLERANCE_SECONDS:
        raise InvalidInputError("Webhook timestamp is outside the accepted window")
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"v0={digest}", signature):
        raise _signature_error()


def zoom_validation(plain_token: str) -> dict[str, str]:
    secret = config.require(config.ZOOM_WEBHOOK_SECRET)
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


def verify_daily(payload: bytes, signature: str | None, timestamp: str | None) -> None:
    try:
        key = base64.b64decode(config.require(config.DAILY_WEBHOOK_SECRET), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInputError("The Daily webhook secret is not base64") from exc
    if not signature or not timestamp:
        raise _signature_error()
    digest = hmac.new(key, timestamp.encode() + b"." + payload, hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), signature):
        raise _signature_error()


def parse(payload: bytes) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise InvalidInputError("Webhook body is not JSON") from exc
    if not isinstance(event, dict):
        raise InvalidInputError("Webhook body is not an event")
    return event


def session_for(provider: str, meeting_id: Any) -> dict[str, Any] | None:
    if not isinstance(meeting_id, str | int) or isinstance(meeting_id, bool) or not str(meeting_id):
        return None
    found = store.query("VideoSession", {"provider": provider, "provider_meeting_id": str(meeting_id)}, limit=1)
    return found[0] if found else None


def once(scope: str, key: str, work: Callable[[], str]) -> str:
    """Run `work` once per key; "duplicate" when it ran (or is running) before."""
    held = run_transaction(lambda tx: idempotency.claim(tx, scope, key, hold=EVENT_HOLD))
    if held is not None:
        if held.completed:
            return "duplicate"
        busy = ConflictError("This event is being handled; retry later")
        busy.retryable = True
        raise busy
    try:
        outcome = work()
    except BaseException:
        run_transaction(lambda tx: idempotency.release(tx, scope, key))
        raise
    run_transaction(lambda tx: idempotency.complete(tx, scope, key, {"outcome": outcome}))
    return outcome


def copy_all(
    video_session: dict[str, Any], found: list[ProviderRecording], on_copied: Callable[[int], None] | None = None
) -> str:
    for done, item in enumerate(found, start=1):
        recordings.copy(video_session, item)
        if on_copied is not None:
            on_copied(done)
    logging.info("recordings copied", session_id=video_session["id"], count=len(found))
    return "copied" if found else "no recording"


def ended(video_session: dict[str, Any], started: Any, finished: Any) -> str:
    """A provider says the meeting ended: record it unless endVideoSession already did."""
    if video_session.get("status") == "ended":
        return "already ended"
    provider = providers.provider(video_session["provider"])
    try:
        participants = provider.participants(video_session["provider_meeting_id"])
    except AppError:
        participants = None
    sessions.mark_ended(
        video_session["id"],
        ended_at=_when(finished) or datetime.now(UTC),
        started_at=_when(started),
        participants=participants,
    )
    return "ended"


def _when(value: Any) -> datetime | None:
    """A time from an event: ISO 8601 text or Unix seconds (possibly fractional)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
