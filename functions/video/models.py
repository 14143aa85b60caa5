"""Request models of the video functions."""

from __future__ import annotations

from pydantic import Field

from shared.models import EntityId, RequestModel


class CreateVideoSessionRequest(RequestModel):
    courseId: EntityId
    title: str = Field(min_length=3, max_length=200)
    scheduledFor: str = Field(
        min_length=10, max_length=40, description="ISO 8601 date and time with its offset (Z or +hh:mm)"
    )
    duration: int = Field(ge=15, le=480, description="Planned length in minutes")


class EndVideoSessionRequest(RequestModel):
    sessionId: EntityId


class GetRecordingsRequest(RequestModel):
    courseId: EntityId
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, min_length=1, max_length=2000, description="next_cursor of a page")
