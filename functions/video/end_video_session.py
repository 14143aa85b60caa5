"""endVideoSession: end a session's meeting at the provider (documented function 13).

Role: the session's host or an admin. Answers how long it ran (seconds, from its
scheduled start), the distinct participants from the provider's report (null for
Jitsi, which has none) and a signed link to our copy of the recording (null until
the provider's webhook has delivered it). Ending again answers the same result and
does not call the provider again. Writes VideoSession.
"""

from __future__ import annotations

from typing import Any

from functions.video import recordings, sessions
from functions.video.models import EndVideoSessionRequest
from functions.video.responses import EndVideoSessionResponse
from shared.auth import Caller
from shared.errors import ConflictError, ForbiddenError, NotFoundError, ServiceUnavailableError, UpstreamError
from shared.router import endpoint


@endpoint(
    "endVideoSession",
    deploy=recordings.LINKS_DEPLOY,
    request=EndVideoSessionRequest,
    response=EndVideoSessionResponse,
    errors=(ForbiddenError, NotFoundError, ConflictError, UpstreamError, ServiceUnavailableError),
)
def end_video_session(body: EndVideoSessionRequest, caller: Caller) -> dict[str, Any]:
    return sessions.end(caller, body.sessionId)
