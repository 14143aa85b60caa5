"""createVideoSession: schedule a live session of a course on the meeting provider (documented function 12).

Role: the course's instructor or an admin (the course's instructor hosts). The
provider is VIDEO_PROVIDER's (Jitsi by default). `scheduledFor` is ISO 8601 with an
offset, not more than five minutes past; `duration` 15-480 minutes. Answers the
session with both links: `join_url` for attendees and `start_url`, the host's link,
which only the host and admins ever see again. Writes VideoSession.
"""

from __future__ import annotations

from typing import Any

from functions.video import sessions
from functions.video.models import CreateVideoSessionRequest
from functions.video.responses import CreateVideoSessionResponse
from shared.auth import Caller
from shared.errors import ForbiddenError, NotFoundError, ServiceUnavailableError, UpstreamError
from shared.router import endpoint


@endpoint(
    "createVideoSession",
    request=CreateVideoSessionRequest,
    response=CreateVideoSessionResponse,
    errors=(ForbiddenError, NotFoundError, UpstreamError, ServiceUnavailableError),
)
def create_video_session(body: CreateVideoSessionRequest, caller: Caller) -> dict[str, Any]:
    created = sessions.create(caller, body.courseId, body.title, body.scheduledFor, body.duration)
    return {"session": sessions.public_view(created)}
