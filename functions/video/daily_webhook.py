"""dailyWebhook: Daily's events, at `/api/video/daily-webhook` and as its own Cloud Function.

Anonymous (Daily calls it). Daily's test ping on registering the webhook (`{"test": ...}`)
is answered 200. Anything else must carry `X-Webhook-Signature` over
`X-Webhook-Timestamp` and the raw body, with the webhook's `hmac` (DAILY_WEBHOOK_SECRET);
otherwise a 400. `recording.ready-to-download` queues the copy of the recording into
our storage (a job, through a fresh access link: DAILY_API_KEY); `meeting.ended` records
the session as ended. Each event (by its `id`) once.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from functions.video import recording_jobs, webhooks
from functions.video.responses import DailyWebhookResponse
from shared import config, logging
from shared.errors import ConflictError, InvalidInputError, NotFoundError, ServiceUnavailableError, UpstreamError
from shared.http import Reply
from shared.router import raw_endpoint

if TYPE_CHECKING:
    import flask


@raw_endpoint(
    "dailyWebhook",
    response=DailyWebhookResponse,
    settings=(config.DAILY_WEBHOOK_SECRET, config.DAILY_API_KEY),
    paths=("/api/video/daily-webhook",),
    errors=(InvalidInputError, ConflictError, NotFoundError, ServiceUnavailableError, UpstreamError),
)
def daily_webhook(request: flask.Request) -> Reply:
    payload = request.get_data(cache=True)
    if _is_ping(payload):
        return Reply({"received": True, "outcome": "ping"})
    webhooks.verify_daily(
        payload, request.headers.get("X-Webhook-Signature"), request.headers.get("X-Webhook-Timestamp")
    )
    event = webhooks.parse(payload)
    kind, event_id = event.get("type"), event.get("id")
    inner = event.get("payload")
    body: dict[str, Any] = inner if isinstance(inner, dict) else {}
    if not isinstance(event_id, str) or not event_id or len(event_id) > 200:
        raise InvalidInputError("Webhook event has no id")
    outcome = _handle(str(kind), event_id, body)
    logging.info("daily event", event_type=kind, event_id=event_id, outcome=outcome)
    return Reply({"received": True, "outcome": outcome})


def _is_ping(payload: bytes) -> bool:
    """Daily's unsigned test delivery: a small object with `test` and no event type."""
    if len(payload) > 200:
        return False
    try:
        body = json.loads(payload)
    except ValueError:
        return False
    return isinstance(body, dict) and "test" in body and "type" not in body


def _handle(kind: str, event_id: str, body: dict[str, Any]) -> str:
    if kind == "recording.ready-to-download":
        video_session = webhooks.session_for("daily", body.get("room_name"))
        recording_id = body.get("recording_id")
        if video_session is None or not isinstance(recording_id, str) or not recording_id:
            return "unknown meeting"
        return recording_jobs.queue_daily(video_session, event_id, recording_id, body)
    if kind == "meeting.ended":
        video_session = webhooks.session_for("daily", body.get("room"))
        if video_session is None:
            return "unknown meeting"
        return webhooks.once(
            "daily-event", event_id, lambda: webhooks.ended(video_session, body.get("start_ts"), body.get("end_ts"))
        )
    return "ignored"
