"""The video functions and webhook on Daily, against a fake Daily server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.video_providers import FakeDaily
from tests.queue_fixtures import JobQueue, finished_jobs
from tests.video.conftest import call, create_session, local_get, soon

WEBHOOK = "/api/video/daily-webhook"


def signed(event: dict[str, Any], secret: str = "c2VjcmV0LWRhaWx5LWhtYWMta2V5") -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()))
    digest = hmac.new(base64.b64decode(secret), timestamp.encode() + b"." + body, hashlib.sha256).digest()
    return body, {
        "X-Webhook-Signature": base64.b64encode(digest).decode(),
        "X-Webhook-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


def ready_event(room: str, recording_id: str = "rec-1", event_id: str = "evt-1") -> dict[str, Any]:
    return {
        "version": "1.0.0",
        "type": "recording.ready-to-download",
        "id": event_id,
        "event_ts": 1768921200.5,
        "payload": {
            "type": "cloud",
            "recording_id": recording_id,
            "room_name": room,
            "start_ts": 1768917600,
            "status": "finished",
            "max_participants": 3,
            "duration": 3600,
            "s3_key": f"spark/{room}/{recording_id}",
        },
    }


def test_create_makes_a_private_room_with_owner_and_member_tokens(
    gateway: Any, world: dict[str, Any], daily: FakeDaily
) -> None:
    resp = create_session(gateway, world)
    assert resp.status_code == 200, resp.get_json()
    session = resp.get_json()["session"]
    assert session["provider"] == "daily"
    (room_call,) = daily.seen("POST", "/v1/rooms")
    room = room_call.json()
    assert room["privacy"] == "private" and room["properties"]["enable_recording"] == "cloud"
    assert room["properties"]["eject_at_room_exp"] is True
    owner = [t for t in daily.tokens if t["is_owner"]]
    member = [t for t in daily.tokens if not t["is_owner"]]
    assert len(owner) == len(member) == 1 and owner[0]["room_name"] == room["name"]
    assert session["join_url"].startswith(f"https://spark.daily.co/{room['name']}?t=")
    join_token = parse_qs(urlsplit(session["join_url"]).query)["t"][0]
    host_token = parse_qs(urlsplit(session["start_url"]).query)["t"][0]
    assert join_token != host_token
    assert daily.tokens[int(host_token.rsplit("-", 1)[1]) - 1]["is_owner"] is True


def test_busy_daily_is_retried_after_retry_after(gateway: Any, world: dict[str, Any], daily: FakeDaily) -> None:
    daily.fail_next("POST", "/v1/rooms", 429, {"error": "rate-limit", "info": "slow down"}, {"Retry-After": "1"})
    resp = create_session(gateway, world)
    assert resp.status_code == 200, resp.get_json()
    assert len(daily.seen("POST", "/v1/rooms")) == 2


def test_daily_failing_is_a_retryable_502_or_503_and_writes_nothing(
    gateway: Any, world: dict[str, Any], daily: FakeDaily, db: Any
) -> None:
    daily.fail_next("POST", "/v1/rooms", 500, {"error": "server-error", "info": "boom"}, times=5)
    resp = create_session(gateway, world)
    assert resp.status_code == 502 and resp.get_json()["retryable"] is True
    daily.fail_next("POST", "/v1/rooms", 429, {"error": "rate-limit", "info": "x"}, {"Retry-After": "0"}, times=5)
    resp = create_session(gateway, world)
    assert resp.status_code == 503 and resp.get_json()["retryable"] is True
    assert list(db.collection("VideoSession").stream()) == []


def test_end_deletes_the_room_once_and_reports_participants(
    gateway: Any, world: dict[str, Any], daily: FakeDaily, db: Any
) -> None:
    session = create_session(gateway, world, scheduledFor=soon(-1)).get_json()["session"]
    room = db.collection("VideoSession").document(session["id"]).get().to_dict()["provider_meeting_id"]
    daily.add_recording(room, size=1000, max_participants=7)
    daily.recordings["rec-1"]["status"] = "in-progress"
    first = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["participants"] == 7 and first.get_json()["recording_url"] is None
    second = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert second.get_json() == first.get_json()
    assert len(daily.seen("DELETE", "/v1/rooms/")) == 1


def test_a_room_daily_does_not_know_is_our_404_and_can_be_ended_later(
    gateway: Any, world: dict[str, Any], daily: FakeDaily, db: Any
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    room = db.collection("VideoSession").document(session["id"]).get().to_dict()["provider_meeting_id"]
    daily.fail_next("DELETE", f"/v1/rooms/{room}", 404, {"error": "not-found", "info": "no room"})
    resp = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert resp.status_code == 404
    assert db.collection("VideoSession").document(session["id"]).get().to_dict()["status"] == "scheduled"
    again = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert again.status_code == 200


def test_recording_ready_is_copied_once_and_listed_with_our_signed_link(
    gateway: Any, world: dict[str, Any], daily: FakeDaily, db: Any, blobs: Any, job_queue: JobQueue
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    room = db.collection("VideoSession").document(session["id"]).get().to_dict()["provider_meeting_id"]
    daily.add_recording(room, size=3 * 1024 * 1024 + 17)
    body, headers = signed(ready_event(room))
    resp = gateway.post(WEBHOOK, data=body, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"received": True, "outcome": "queued"}
    again = gateway.post(WEBHOOK, data=body, headers=headers)
    assert again.get_json()["outcome"] == "duplicate"
    (job,) = finished_jobs(db)
    assert (job["kind"], job["status"], job["processed"], job["total"]) == ("recording_copy", "succeeded", 1, 1)
    assert gateway.post(WEBHOOK, data=body, headers=headers).get_json()["outcome"] == "duplicate"
    assert len(daily.seen("GET", "/files/")) == 1
    listed = call(gateway, "getRecordings", {"courseId": world["course"]["id"]}, world["tokens"]["student"])
    assert listed.status_code == 200, listed.get_json()
    (recording,) = listed.get_json()["recordings"]
    assert recording["session_id"] == session["id"] and recording["duration"] == 3600
    assert recording["size"] == 3 * 1024 * 1024 + 17 and recording["recorded_at"] == "2026-01-20T14:00:00Z"
    assert "daily" not in recording["url"] and daily.url not in recording["url"]
    download = local_get(gateway, recording["url"])
    assert download.status_code == 200 and len(download.data) == recording["size"]
    ended = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert urlsplit(ended.get_json()["recording_url"]).netloc == "video.test"


def test_bad_or_missing_signature_is_a_400_and_copies_nothing(
    gateway: Any, world: dict[str, Any], daily: FakeDaily, db: Any
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    room = db.collection("VideoSession").document(session["id"]).get().to_dict()["provider_meeting_id"]
    daily.add_recording(room, size=10)
    body, headers = signed(ready_event(room), secret=base64.b64encode(b"wrong").decode())
    assert gateway.post(WEBHOOK, data=body, headers=headers).status_code == 400
    _, good = signed(ready_event(room))
    tampered = body.replace(b"rec-1", b"rec-2")
    assert gateway.post(WEBHOOK, data=tampered, headers=good).status_code == 400
    assert gateway.post(WEBHOOK, data=body, headers={"Content-Type": "application/json"}).status_code == 400
    assert daily.seen("GET", "/files/") == [] and list(db.collection("Recording").stream()) == []


def test_the_registration_ping_is_answered(gateway: Any, daily: FakeDaily, db: Any) -> None:
    resp = gateway.post(WEBHOOK, data=b'{"test":"test"}', headers={"Content-Type": "application/json"})
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "ping"


def test_meeting_ended_event_ends_the_session_without_calling_daily_to_end(
    gateway: Any, world: dict[str, Any], daily: FakeDaily, db: Any
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    room = db.collection("VideoSession").document(session["id"]).get().to_dict()["provider_meeting_id"]
    event = {
        "version": "1.0.0",
        "type": "meeting.ended",
        "id": "evt-end",
        "event_ts": 1768921200,
        "payload": {"start_ts": 1768917600, "end_ts": 1768921200.4, "meeting_id": "m1", "room": room},
    }
    body, headers = signed(event)
    assert gateway.post(WEBHOOK, data=body, headers=headers).get_json()["outcome"] == "ended"
    stored = db.collection("VideoSession").document(session["id"]).get().to_dict()
    assert stored["status"] == "ended" and stored["actual_duration"] == 3600
    resp = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert resp.get_json()["duration"] == 3600
    assert daily.seen("DELETE", "/v1/rooms/") == []


def test_a_failed_copy_is_delivered_again_and_copied_once(
    gateway: Any, world: dict[str, Any], daily: FakeDaily, db: Any, blobs: Any, job_queue: JobQueue
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    room = db.collection("VideoSession").document(session["id"]).get().to_dict()["provider_meeting_id"]
    daily.add_recording(room, size=4096)
    # GIVEN Daily refusing the first download of the file (an expired link: a 502 of ours, retryable)
    daily.fail_next("GET", "/files/rec-1", 403, {"error": "forbidden", "info": "link expired"})
    body, headers = signed(ready_event(room))
    # WHEN the event arrives
    accepted = gateway.post(WEBHOOK, data=body, headers=headers)
    assert accepted.status_code == 200 and accepted.get_json()["outcome"] == "queued"
    # THEN the queue delivers the job again, which copies the file once, through a fresh link
    (job,) = finished_jobs(db)
    assert (job["status"], job["attempts"]) == ("succeeded", 2), job
    assert len(daily.seen("GET", "/files/rec-1")) == 2
    assert len(daily.seen("GET", "/v1/recordings/rec-1/access-link")) == 2
    assert len(list(db.collection("Recording").stream())) == 1
    assert len(list(blobs.rglob("*.mp4"))) == 1
