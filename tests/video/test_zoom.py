"""The video functions and webhook on Zoom, against a fake Zoom server."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest

from tests.fakes.video_providers import FakeZoom
from tests.queue_fixtures import JobQueue, finished_jobs
from tests.video.conftest import call, create_session, soon

WEBHOOK = "/api/video/zoom-webhook"
SECRET = "zoom-webhook-secret-token"


def signed(event: dict[str, Any], *, at: int | None = None, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    timestamp = str(at if at is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return body, {
        "x-zm-signature": f"v0={digest}",
        "x-zm-request-timestamp": timestamp,
        "Content-Type": "application/json",
    }


def meeting_of(db: Any, session_id: str) -> str:
    return db.collection("VideoSession").document(session_id).get().to_dict()["provider_meeting_id"]


def test_create_schedules_a_cloud_recorded_meeting_with_one_token(
    gateway: Any, world: dict[str, Any], zoom: FakeZoom
) -> None:
    start = soon(30)
    resp = create_session(gateway, world, scheduledFor=start, duration=90)
    assert resp.status_code == 200, resp.get_json()
    session = resp.get_json()["session"]
    (created,) = zoom.seen("POST", "/v2/users/me/meetings")
    assert created.json()["type"] == 2 and created.json()["start_time"] == start
    assert created.json()["duration"] == 90 and created.json()["settings"]["auto_recording"] == "cloud"
    assert session["join_url"].startswith("https://zoom.us/j/") and session["start_url"].startswith(
        "https://zoom.us/s/"
    )
    create_session(gateway, world)
    assert zoom.issued == 1  # the token is cached until it expires


def test_an_expired_token_is_fetched_again_once(gateway: Any, world: dict[str, Any], zoom: FakeZoom) -> None:
    assert create_session(gateway, world).status_code == 200
    zoom.expire_tokens()
    resp = create_session(gateway, world)
    assert resp.status_code == 200, resp.get_json()
    assert zoom.issued == 2


def test_a_refused_token_request_is_a_502_not_retried(
    gateway: Any, world: dict[str, Any], zoom: FakeZoom, db: Any
) -> None:
    zoom.fail_next(
        "POST", "/oauth/token", 400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
    )
    resp = create_session(gateway, world)
    assert resp.status_code == 502 and "retryable" not in resp.get_json()
    assert list(db.collection("VideoSession").stream()) == []


def test_429_with_retry_after_is_waited_for(gateway: Any, world: dict[str, Any], zoom: FakeZoom) -> None:
    zoom.fail_next(
        "POST", "/v2/users/me/meetings", 429, {"code": 429, "message": "Too many requests"}, {"Retry-After": "1"}
    )
    began = time.monotonic()
    assert create_session(gateway, world).status_code == 200
    assert time.monotonic() - began >= 0.9
    assert len(zoom.seen("POST", "/v2/users/me/meetings")) == 2


def test_end_counts_distinct_participants_across_pages_and_calls_zoom_once(
    gateway: Any, world: dict[str, Any], zoom: FakeZoom, db: Any
) -> None:
    session = create_session(gateway, world, scheduledFor=soon(-1)).get_json()["session"]
    meeting = meeting_of(db, session["id"])
    people = [{"id": f"p{i}", "name": f"P {i}", "user_email": f"p{i}@x.test"} for i in range(400)]
    rejoined = {"id": "p0-again", "name": "P 0", "user_email": "p0@x.test"}
    zoom.participants[meeting] = [*people, rejoined]
    first = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["participants"] == 400
    assert len(zoom.seen("GET", f"/v2/past_meetings/{meeting}/participants")) == 2
    (ended,) = zoom.seen("PUT", f"/v2/meetings/{meeting}/status")
    assert ended.json() == {"action": "end"}
    again = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["admin"])
    assert again.get_json() == first.get_json()
    assert len(zoom.seen("PUT", "/v2/meetings/")) == 1


def test_a_meeting_zoom_does_not_know_is_our_404(gateway: Any, world: dict[str, Any], zoom: FakeZoom, db: Any) -> None:
    session = create_session(gateway, world).get_json()["session"]
    zoom.meetings.pop(meeting_of(db, session["id"]))
    resp = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert resp.status_code == 404
    assert db.collection("VideoSession").document(session["id"]).get().to_dict()["status"] == "scheduled"


def test_url_validation_is_answered_with_the_encrypted_token(gateway: Any, zoom: FakeZoom, db: Any) -> None:
    body, headers = signed({"event": "endpoint.url_validation", "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}})
    resp = gateway.post(WEBHOOK, data=body, headers=headers)
    assert resp.status_code == 200
    expected = hmac.new(SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert resp.get_json() == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}


@pytest.mark.parametrize("problem", ["secret", "stale", "future", "tampered", "missing"])
def test_bad_signatures_and_stale_deliveries_are_400(gateway: Any, zoom: FakeZoom, db: Any, problem: str) -> None:
    event = {"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}}
    now = int(time.time())
    body, headers = signed(
        event,
        secret="another-secret" if problem == "secret" else SECRET,
        at={"stale": now - 301, "future": now + 301}.get(problem, now),
    )
    if problem == "tampered":
        body = body.replace(b"abc", b"abd")
    if problem == "missing":
        headers.pop("x-zm-signature")
    assert gateway.post(WEBHOOK, data=body, headers=headers).status_code == 400


def test_recording_completed_is_copied_once_with_the_download_token(
    gateway: Any, world: dict[str, Any], zoom: FakeZoom, db: Any, job_queue: JobQueue
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    meeting = meeting_of(db, session["id"])
    zoom.add_recording(meeting, size=2 * 1024 * 1024 + 5)
    zoom.download_tokens.add("dl-token")
    zoom.expire_tokens()  # the webhook's own token must be what opens the file
    event = {
        "event": "recording.completed",
        "event_ts": 1768921200123,
        "download_token": "dl-token",
        "payload": {"account_id": FakeZoom.ACCOUNT, "object": zoom.recording_object(meeting)},
    }
    body, headers = signed(event)
    resp = gateway.post(WEBHOOK, data=body, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["outcome"] == "queued"
    assert gateway.post(WEBHOOK, data=body, headers=headers).get_json()["outcome"] == "duplicate"
    (job,) = finished_jobs(db)
    assert job["status"] == "succeeded", job
    (download,) = zoom.seen("GET", "/files/")
    assert download.query["access_token"] == ["dl-token"]
    (stored,) = [s.to_dict() for s in db.collection("Recording").stream()]
    assert stored["size"] == 2 * 1024 * 1024 + 5 and stored["duration"] == 3600


def test_meeting_ended_event_records_the_actual_duration(
    gateway: Any, world: dict[str, Any], zoom: FakeZoom, db: Any
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    meeting = meeting_of(db, session["id"])
    zoom.participants[meeting] = [{"id": "a", "name": "A", "user_email": "a@x.test"}]
    event = {
        "event": "meeting.ended",
        "event_ts": 1768921200123,
        "payload": {
            "account_id": FakeZoom.ACCOUNT,
            "object": {
                "id": meeting,  # a string here, a number elsewhere
                "uuid": "u-1",
                "host_id": "h",
                "topic": "Live Q&A Session",
                "type": 2,
                "start_time": "2026-01-20T14:00:00Z",
                "duration": 60,
                "end_time": "2026-01-20T14:45:30Z",
            },
        },
    }
    body, headers = signed(event)
    assert gateway.post(WEBHOOK, data=body, headers=headers).get_json()["outcome"] == "ended"
    resp = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert resp.get_json()["duration"] == 2730 and resp.get_json()["participants"] == 1
    assert zoom.seen("PUT", "/v2/meetings/") == []
