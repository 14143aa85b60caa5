"""createVideoSession / endVideoSession with self-hosted Jitsi (the default provider):
JWT room links, who may schedule and end, who sees which link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from tests.helpers import bearer
from tests.video.conftest import APP, JITSI_SECRET, call, create_session, soon


def claims(url: str) -> dict[str, Any]:
    token = parse_qs(urlsplit(url).query)["jwt"][0]
    return jwt.decode(token, JITSI_SECRET, algorithms=["HS256"], audience="jitsi")


def test_create_answers_the_documented_shape_with_room_scoped_links(
    gateway: Any, world: dict[str, Any], db: Any
) -> None:
    start = soon(90)
    resp = create_session(gateway, world, scheduledFor=start)
    assert resp.status_code == 200, resp.get_json()
    session = resp.get_json()["session"]
    assert session["id"].startswith("vid_") and session["scheduled_for"] == start
    assert session["provider"] == "jitsi" and session["status"] == "scheduled"
    join, host = urlsplit(session["join_url"]), urlsplit(session["start_url"])
    assert join.netloc == host.netloc == "meet.sparkacademy.test"
    room = join.path.lstrip("/")
    assert host.path.lstrip("/") == room and room.startswith("spark-")
    member, owner = claims(session["join_url"]), claims(session["start_url"])
    for token in (member, owner):
        assert token["iss"] == "sparkacademy" and token["aud"] == "jitsi"
        assert token["sub"] == "meet.sparkacademy.test" and token["room"] == room
        assert all(isinstance(v, str) for v in token["context"]["user"].values())
        planned_end = datetime.fromisoformat(start.replace("Z", "+00:00")) + timedelta(minutes=60)
        assert token["exp"] == int((planned_end + timedelta(hours=2)).timestamp())
        assert token["nbf"] < datetime.now(UTC).timestamp()
    assert owner["context"]["user"]["affiliation"] == "owner"
    assert owner["context"]["user"]["email"] == world["instructor"]["email"]
    assert member["context"]["user"]["affiliation"] == "member"
    assert member["context"]["user"]["email"] == ""
    assert db.collection("VideoSession").document(session["id"]).get().exists


def test_links_of_two_sessions_do_not_open_each_others_rooms(gateway: Any, world: dict[str, Any]) -> None:
    first = create_session(gateway, world).get_json()["session"]
    second = create_session(gateway, world).get_json()["session"]
    assert claims(first["join_url"])["room"] != claims(second["join_url"])["room"]


def test_a_link_signed_with_another_secret_or_expired_is_refused_by_jitsi_rules(
    gateway: Any, world: dict[str, Any]
) -> None:
    session = create_session(gateway, world).get_json()["session"]
    token = parse_qs(urlsplit(session["join_url"]).query)["jwt"][0]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-sufficient-length!!", algorithms=["HS256"], audience="jitsi")
    later = claims(session["join_url"])["exp"] + 1
    with pytest.raises(jwt.ExpiredSignatureError):
        # As Jitsi would judge it one second after `exp` (a negative leeway moves "now" forward).
        jwt.decode(
            token,
            JITSI_SECRET,
            algorithms=["HS256"],
            audience="jitsi",
            leeway=-(later - datetime.now(UTC).timestamp()),
            options={"verify_nbf": False},
        )


def test_admin_may_schedule_and_the_instructor_hosts(gateway: Any, world: dict[str, Any]) -> None:
    resp = create_session(gateway, world, token=world["tokens"]["admin"])
    assert resp.status_code == 200
    assert claims(resp.get_json()["session"]["start_url"])["context"]["user"]["email"] == world["instructor"]["email"]


@pytest.mark.parametrize("who", ["student", "other_instructor"])
def test_only_instructor_or_admin_may_schedule(gateway: Any, world: dict[str, Any], db: Any, who: str) -> None:
    resp = create_session(gateway, world, token=world["tokens"][who])
    assert resp.status_code == 403
    assert list(db.collection("VideoSession").stream()) == []


@pytest.mark.parametrize(
    "change",
    [
        {"scheduledFor": "2099-01-01T10:00:00Z"},
        {"scheduledFor": "2026-13-01T10:00:00Z"},
        {"scheduledFor": "2030-01-01T10:00:00"},
        {"scheduledFor": "tomorrow at noon"},
        {"duration": 14},
        {"duration": 481},
        {"duration": "60"},
        {"title": "ab"},
        {"title": "x" * 201},
        {"courseId": "../x"},
        {"extra": 1},
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(
    gateway: Any, world: dict[str, Any], db: Any, change: dict[str, Any]
) -> None:
    resp = create_session(gateway, world, **change)
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["code"] == "INVALID_PARAMETERS"
    assert list(db.collection("VideoSession").stream()) == []


def test_a_start_a_minute_ago_is_within_the_grace(gateway: Any, world: dict[str, Any]) -> None:
    assert create_session(gateway, world, scheduledFor=soon(-1)).status_code == 200


def test_the_seeds_example_date_long_past_is_held_from_now(gateway: Any, world: dict[str, Any]) -> None:
    resp = create_session(gateway, world, scheduledFor="2026-01-20T14:00:00Z")
    assert resp.status_code == 200, resp.get_json()
    session = resp.get_json()["session"]
    assert session["scheduled_for"] == "2026-01-20T14:00:00Z"
    link = claims(session["join_url"])
    assert link["nbf"] < datetime.now(UTC).timestamp() < link["exp"]  # the room opens now, not in January
    ended = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert 0 <= ended.get_json()["duration"] < 60  # counted from now, not from the date given


def test_unknown_course_is_404(gateway: Any, world: dict[str, Any]) -> None:
    resp = create_session(gateway, world, courseId="crs_missing", token=world["tokens"]["admin"])
    assert resp.status_code == 404


def test_end_has_no_report_and_answers_the_same_twice(gateway: Any, world: dict[str, Any], db: Any) -> None:
    session = create_session(gateway, world, scheduledFor=soon(-2)).get_json()["session"]
    first = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["instructor"])
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["success"] is True and body["participants"] is None and body["recording_url"] is None
    assert 100 <= body["duration"] <= 200
    again = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"]["admin"])
    assert again.get_json() == body
    stored = db.collection("VideoSession").document(session["id"]).get().to_dict()
    assert stored["status"] == "ended" and stored["actual_duration"] == body["duration"]


@pytest.mark.parametrize("who", ["student", "other", "other_instructor"])
def test_only_host_or_admin_may_end(gateway: Any, world: dict[str, Any], db: Any, who: str) -> None:
    session = create_session(gateway, world).get_json()["session"]
    resp = call(gateway, "endVideoSession", {"sessionId": session["id"]}, world["tokens"][who])
    assert resp.status_code == 403
    assert db.collection("VideoSession").document(session["id"]).get().to_dict()["status"] == "scheduled"


def test_end_unknown_session_is_404(gateway: Any, world: dict[str, Any]) -> None:
    assert call(gateway, "endVideoSession", {"sessionId": "vid_nope"}, world["tokens"]["admin"]).status_code == 404


def sessions_seen(gateway: Any, token: str) -> list[dict[str, Any]]:
    resp = gateway.get(f"{APP}/entities/VideoSession", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_enrolled_students_read_the_join_link_but_never_the_host_link(gateway: Any, world: dict[str, Any]) -> None:
    session = create_session(gateway, world).get_json()["session"]
    seen = sessions_seen(gateway, world["tokens"]["student"])
    assert [s["id"] for s in seen] == [session["id"]]
    assert seen[0]["join_url"] == session["join_url"] and "start_url" not in seen[0]
    one = gateway.get(f"{APP}/entities/VideoSession/{session['id']}", headers=bearer(world["tokens"]["student"]))
    assert one.status_code == 200 and "start_url" not in one.get_json()
    refused = gateway.get(
        f"{APP}/entities/VideoSession?q=" + '{"start_url":"x"}', headers=bearer(world["tokens"]["student"])
    )
    assert refused.status_code in (400, 403)
    assert sessions_seen(gateway, world["tokens"]["other"]) == []
    assert sessions_seen(gateway, world["tokens"]["other_instructor"]) == []
    host_view = sessions_seen(gateway, world["tokens"]["instructor"])
    assert host_view[0]["start_url"] == session["start_url"]
    assert sessions_seen(gateway, world["tokens"]["admin"])[0]["start_url"] == session["start_url"]


def test_nobody_writes_sessions_through_the_entity_api(gateway: Any, world: dict[str, Any]) -> None:
    session = create_session(gateway, world).get_json()["session"]
    for who in ("instructor", "student"):
        headers = bearer(world["tokens"][who])
        url = f"{APP}/entities/VideoSession"
        assert gateway.post(url, json={"title": "x"}, headers=headers).status_code == 403
        assert gateway.put(f"{url}/{session['id']}", json={"join_url": "x"}, headers=headers).status_code == 403
