"""Recording: our copy of a video session's recording, kept in blob storage.

Its id is derived from the provider's recording id, so a webhook delivered twice or a
copy retried lands on the same record. Written only when the copy is complete.
Students enrolled in the course, its instructor and admins read it; links to the file
are signed and expiring (`getRecordings`), never the provider's own.
"""

from __future__ import annotations

import hashlib

from pydantic import Field

from entities.base import EntityModel, EntityType

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


ENTITY = EntityType(
    name=COLLECTION,
    model=Recording,
    id_prefix="rec",
    indexes=(("course_id", "recorded_at"), ("session_id", "recorded_at")),  # newest recordings first
)
