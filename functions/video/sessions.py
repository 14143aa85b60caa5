"""Scheduling and ending video sessions on the configured meeting provider."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from entities import store
from entities.course import teaches
from entities.video_session import may_manage
from functions.video import providers
from functions.video.providers import Host
from shared import idempotency, logging
from shared.auth import Caller
from shared.errors import AppError, ConflictError, ForbiddenError, InvalidInputError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, new_id, now_iso, run_transaction
from shared.storage import blob_store

LATEST_START = timedelta(days=366)
# A start this little before the session was made is a class under way: its length counts from it.
PAST_GRACE = timedelta(minutes=5)
END_SCOPE = "video-session-end"
# How long ending holds its key while the provider is called.
END_HOLD = timedelta(minutes=2)


def parse_start(text: str, now: datetime | None = None) -> datetime:
    """The start as an aware UTC time; 400 unless ISO 8601 with an offset, at most a year ahead.

    A start in the past (the seed's own example date, a class starting late) is kept as given:
    the meeting opens now.
    """
    now = now or datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidInputError(
            "scheduledFor must be an ISO 8601 date and time with its offset",
            details={"fields": {"scheduledFor": "expected e.g. 2026-01-20T14:00:00Z"}},
        )
    when = when.astimezone(UTC)
    if when > now + LATEST_START:
        raise InvalidInputError(
            "scheduledFor is more than a year away", details={"fields": {"scheduledFor": "too far ahead"}}
        )
    return when


def room_name(session_id: str) -> str:
    # Lower-case letters and digits only: valid for every provider's room names.
    return "spark-" + hashlib.sha256(f"room|{session_id}".encode()).hexdigest()[:24]


def _host(course: dict[str, Any], caller: Caller) -> Host:
    email = caller.email if teaches(caller, course) else (course.get("instructor_email") or caller.email)
    users = store.query("User", {"email": email}, limit=1)
    user = users[0] if users else {}
    return Host(email=str(email), name=str(user.get("full_name") or email), user_id=str(user.get("id") or email))


def create(caller: Caller, course_id: str, title: str, scheduled_for: str, duration: int) -> dict[str, Any]:
    start = parse_start(scheduled_for)
    course = store.get("Course", course_id)
    if not (caller.is_admin or teaches(caller, course)):
        raise ForbiddenError("Only the course's instructor or an admin may schedule its sessions")
    host = _host(course, caller)
    provider = providers.provider()
    session_id = new_id("vid")
    opens = max(start, datetime.now(UTC))  # a start in the past: the meeting is held from now
    meeting = provider.create_meeting(
        room=room_name(session_id), topic=title, start=opens, duration_minutes=duration, host=host
    )
    return store.create(
        "VideoSession",
        {
            "course_id": course_id,
            "title": title,
            "scheduled_for": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration": duration,
            "host_email": host.email,
            "provider": provider.name,
            "provider_meeting_id": meeting.meeting_id,
            "join_url": meeting.join_url,
            "start_url": meeting.start_url,
            "status": "scheduled",
        },
        created_by=caller.email,
        id=session_id,
    )


def end(caller: Caller, session_id: str) -> dict[str, Any]:
    """End the meeting once; asking again answers the same result without calling the provider."""
    video_session = store.get("VideoSession", session_id)
    if not may_manage(caller, video_session):
        raise ForbiddenError("Only the session's host or an admin may end it")
    if video_session.get("status") == "ended":
        return outcome(video_session)
    held = run_transaction(lambda tx: idempotency.claim(tx, END_SCOPE, session_id, hold=END_HOLD))
    if held is not None:
        if held.completed:
            return outcome(store.get("VideoSession", session_id))
        busy = ConflictError("This session is being ended; retry shortly", headers={"Retry-After": "5"})
        busy.retryable = True
        raise busy
    provider = providers.provider(video_session["provider"])
    try:
        provider.end_meeting(video_session["provider_meeting_id"])
    except BaseException:
        run_transaction(lambda tx: idempotency.release(tx, END_SCOPE, session_id))
        raise
    participants = _participants(provider, video_session["provider_meeting_id"])
    ended = mark_ended(session_id, ended_at=datetime.now(UTC), participants=participants)
    return outcome(ended)


def _participants(provider: providers.VideoProvider, meeting_id: str) -> int | None:
    """The provider's count, or None when its report is not available (the meeting is ended either way)."""
    try:
        return provider.participants(meeting_id)
    except AppError as exc:
        logging.warning("participant report unavailable", provider=provider.name, error=exc.code)
        return None


def mark_ended(
    session_id: str, *, ended_at: datetime, participants: int | None, started_at: datetime | None = None
) -> dict[str, Any]:
    """Record the session as ended (once) and complete its end key, in one transaction."""
    ref = client().collection("VideoSession").document(session_id)

    def apply(tx: Any) -> dict[str, Any]:
        current = existing_data(ref.get(transaction=tx, timeout=LOCK_WAIT_SECONDS))
        idempotency.claim(tx, END_SCOPE, session_id)  # read before writing
        if current.get("status") == "ended":
            return current
        began = started_at or _held_from(current)
        changes = {
            "status": "ended",
            "ended_at": ended_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actual_duration": max(int((ended_at - began).total_seconds()), 0),
            "participants": participants,
        }
        updated = {**store.merged("VideoSession", current, changes), "updated_date": now_iso()}
        tx.set(ref, updated)
        idempotency.complete(tx, END_SCOPE, session_id, {"ended_at": changes["ended_at"]})
        return updated

    return run_transaction(apply)


def _held_from(video_session: dict[str, Any]) -> datetime:
    """Without the provider's start: the scheduled one, or the creation for a start given long past."""
    scheduled = datetime.fromisoformat(video_session["scheduled_for"].replace("Z", "+00:00"))
    made = video_session.get("created_date")
    created = datetime.fromisoformat(made.replace("Z", "+00:00")) if isinstance(made, str) and made else scheduled
    return scheduled if scheduled >= created - PAST_GRACE else created


def outcome(video_session: dict[str, Any]) -> dict[str, Any]:
    """endVideoSession's answer for an ended session, with a fresh link to its recording if ready."""
    return {
        "success": True,
        "duration": int(video_session.get("actual_duration") or 0),
        "participants": video_session.get("participants"),
        "recording_url": recording_url(video_session["id"]),
    }


def recording_url(session_id: str) -> str | None:
    found = store.query("Recording", {"session_id": session_id}, sort="-recorded_at", limit=1)
    return blob_store().signed_url(found[0]["file_path"]) if found else None


def public_view(video_session: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "course_id", "join_url", "start_url", "scheduled_for", "duration", "provider", "status")
    return {key: video_session[key] for key in keys}
