"""Response models of the video functions and the providers' webhooks."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from shared.models import ResponseModel


class SessionView(ResponseModel):
    id: str
    title: str
    course_id: str
    join_url: str = Field(description="The link attendees join with")
    start_url: str = Field(description="The host's link; shown to the host and admins only")
    scheduled_for: str = Field(description="UTC, ISO 8601")
    duration: int = Field(description="Planned length in minutes")
    provider: Literal["jitsi", "daily", "zoom"]
    status: Literal["scheduled", "live", "ended"]


class CreateVideoSessionResponse(ResponseModel):
    session: SessionView


class EndVideoSessionResponse(ResponseModel):
    success: Literal[True]
    duration: int = Field(description="How long the session ran, seconds")
    participants: int | None = Field(description="Distinct people who joined; null when the provider has no report")
    recording_url: str | None = Field(description="Signed, expiring link to our copy; null until it is ready")


class RecordingView(ResponseModel):
    id: str
    session_id: str
    title: str
    duration: int | None = Field(description="Seconds")
    recorded_at: str | None
    size: int = Field(description="Bytes")
    url: str = Field(description="Signed, expiring link to our copy")
    thumbnail_url: str | None


class GetRecordingsResponse(ResponseModel):
    recordings: list[RecordingView] = Field(description="Newest first")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class VideoEventHandled(ResponseModel):
    received: Literal[True]
    outcome: str = Field(description="copied, ended, duplicate, ignored, unknown meeting, ping...")


class DailyWebhookResponse(RootModel[VideoEventHandled]):
    pass


class ZoomValidation(ResponseModel):
    """The answer to Zoom's `endpoint.url_validation` challenge."""

    plainToken: str
    encryptedToken: str = Field(description="hex HMAC-SHA256 of plainToken with the secret token")


class ZoomWebhookResponse(RootModel[VideoEventHandled | ZoomValidation]):
    pass
