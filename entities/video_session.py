"""VideoSession: a live class of a course on a meeting provider (Zoom, Daily or Jitsi).

Written only by the video functions and the providers' webhooks. Its instructor (the
host) and admins read every field; students enrolled in the course read it too, but
never `start_url`, the host's link that opens the meeting with the host's rights.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from entities.base import EntityModel, EntityType
from shared.auth import Caller

COLLECTION = "VideoSession"
HOST_ONLY_FIELDS = frozenset({"start_url"})


class VideoSession(EntityModel):
    course_id: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=3, max_length=200)
    scheduled_for: str = Field(min_length=1, max_length=40)  # UTC, ISO 8601
    duration: int = Field(ge=15, le=480)  # planned, minutes
    host_email: str = Field(min_length=3, max_length=320)
    provider: Literal["jitsi", "daily", "zoom"]
    provider_meeting_id: str = Field(min_length=1, max_length=300)
    join_url: str = Field(min_length=1, max_length=4000)
    start_url: str = Field(min_length=1, max_length=4000)
    status: Literal["scheduled", "live", "ended"] = "scheduled"
    ended_at: str | None = None
    actual_duration: int | None = Field(default=None, ge=0)  # seconds
    participants: int | None = Field(default=None, ge=0)


def is_host(caller: Caller, session: dict[str, Any]) -> bool:
    return caller.email is not None and caller.email == session.get("host_email")


def may_manage(caller: Caller, session: dict[str, Any]) -> bool:
    return caller.is_admin or is_host(caller, session)


def shown(caller: Caller, session: dict[str, Any]) -> dict[str, Any]:
    """The session as the caller may see it: the host link only for the host and admins."""
    if may_manage(caller, session):
        return session
    return {k: v for k, v in session.items() if k not in HOST_ONLY_FIELDS}


ENTITY = EntityType(name=COLLECTION, model=VideoSession, id_prefix="vid")
