"""zoomWebhook: Zoom's events, at `/api/video/zoom-webhook` and as its own Cloud Function.

Anonymous (Zoom calls it). Checked first: `x-zm-signature` over the raw body with the
app's secret token (ZOOM_WEBHOOK_SECRET) and `x-zm-request-timestamp` within five
minutes; otherwise a 400. `endpoint.url_validation` is answered with the token Zoom
checks. `meeting.ended` records the session as ended; `recording.completed` queues the copy of
its MP4 files into our storage (a job, with the event's `download_token`), so the answer
comes well within Zoom's three seconds. Each event once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from functions.video import recording_jobs, webhooks
from functions.video.responses import ZoomWebhookResponse
from shared import config, logging
from shared.errors import ConflictError, InvalidInputError, NotFoundError, ServiceUnavailableError, UpstreamError
from shared.http import Reply
from shared.router import raw_endpoint

if TYPE_CHECKING:
    import flask


@raw_endpoint(
    "zoomWebhook",
    response=ZoomWebhookResponse,
    settings=(config.ZOOM_WEBHOOK_SECRET,),
    paths=("/api/video/zoom-webhook",),
    errors=(InvalidInputError, ConflictError, NotFoundError, ServiceUnavailableError, UpstreamError),
)
def zoom_webhook(request: flask.Request) -> Reply:
    payload = request.get_data(cache=True)
    webhooks.verify_zoom(payload, request.headers.get("x-zm-signature"), request.headers.get("x-zm-request-timestamp"))
    event = webhooks.parse(payload)
    kind = event.get("event")
    inner = event.get("payload")
    body: dict[str, Any] = inner if isinstance(inner, dict) else {}
    if kind == "endpoint.url_validation":
        plain = body.get("plainToken")
        if not isinstance(plain, str) or not plain:
            raise InvalidInputError("plainToken is missing")
        return Reply(webhooks.zoom_validation(plain))
    found = body.get("object")
    meeting: dict[str, Any] = found if isinstance(found, dict) else {}
    outcome = _handle(str(kind), meeting, event)
    logging.info("zoom event", event_type=kind, meeting_id=str(meeting.get("id")), outcome=outcome)
    return Reply({"received": True, "outcome": outcome})


def _handle(kind: str, meeting: dict[str, Any], event: dict[str, Any]) -> str:
    if kind not in ("meeting.ended", "recording.completed"):
        return "ignored"
    video_session = webhooks.session_for("zoom", meeting.get("id"))
    if video_session is None:
        return "unknown meeting"
    key = f"{kind}|{meeting.get('uuid') or meeting.get('id')}"
    if kind == "meeting.ended":
        return webhooks.once(
            "zoom-event",
            key,
            lambda: webhooks.ended(video_session, meeting.get("start_time"), meeting.get("end_time")),
        )
    token = event.get("download_token")
    if not isinstance(token, str) or not token:
        raise InvalidInputError("recording.completed without a download_token")
    return recording_jobs.queue_zoom(video_session, key, meeting, token)
