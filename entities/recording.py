"""Recording: our copy of a video session's recording, kept in blob storage.

Its id is derived from the provider's recording id, so a webhook delivered twice or a
copy retried lands on the same record. Written only when the copy is complete.
Students enrolled in the course, its instructor and admins read it; links to the file
are signed and expiring (`getRecordings`), never the provider's own.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import Field

from entities.base import EntityModel, EntityType, Policy, require_signed_in
from entities.video_session import open_course_ids
from shared.auth import Caller
from shared.errors import ForbiddenError

COLLECTION = "Recording"


class Recording(EntityModel):
    session_id: str = Field(min_length=1, max_length=128)
    course_id: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=1, max_length=200)
    duration: int | None = Field(default=None, ge=0)  # seconds
    recorded_at: str | None = Field(default=None, max_length=40)  # UTC, ISO 8601
    size: int = Field(ge=0)  # bytes
    file_path: str = Field(min_length=1, max_length=1024)
    thumbnail_path: str | None = Field(default=None, max_length=1024)
    provider: str = Field(min_length=1, max_length=20)
    provider_recording_id: str = Field(min_length=1, max_length=300)


def recording_id(provider: str, provider_recording_id: str) -> str:
    return "rec_" + hashlib.sha256(f"recording|{provider}|{provider_recording_id}".encode()).hexdigest()[:20]


class RecordingPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.is_admin:
            return None
        courses = open_course_ids(caller)
        return {"course_id": courses} if courses else {"course_id": "__none__"}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Recordings are stored when the provider has them ready")

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Recordings are never edited")


ENTITY = EntityType(
    name=COLLECTION,
    model=Recording,
    id_prefix="rec",
    policy=RecordingPolicy(),
    indexes=(("course_id", "recorded_at"), ("session_id", "recorded_at")),  # newest recordings first
)
