"""getRecordings: who may list a course's recordings, their order, pages and links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import bearer
from tests.video.conftest import APP, call, local_get


def add_recordings(world: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Copied recordings as the webhooks leave them: a file in blob storage and its record."""
    from entities import store
    from entities.recording import recording_id
    from functions.video.recordings import recording_path
    from shared.storage import blob_store

    made = []
    for n in range(count):
        rec_id = recording_id("jitsi", f"r{n}")
        path = recording_path(world["course"]["id"], rec_id)
        blob_store().put(path, f"video {n}".encode(), "video/mp4")
        made.append(
            store.create(
                "Recording",
                {
                    "session_id": f"vid_{n}",
                    "course_id": world["course"]["id"],
                    "title": f"Session {n}",
                    "duration": 60 * (n + 1),
                    "recorded_at": f"2026-01-{10 + n:02d}T14:00:00Z",
                    "size": len(f"video {n}"),
                    "file_path": path,
                    "provider": "jitsi",
                    "provider_recording_id": f"r{n}",
                },
                created_by=None,
                id=rec_id,
            )
        )
    return made


@pytest.mark.parametrize("who", ["student", "instructor", "admin"])
def test_enrolled_students_instructor_and_admins_list_newest_first(
    gateway: Any, world: dict[str, Any], who: str
) -> None:
    add_recordings(world, 3)
    resp = call(gateway, "getRecordings", {"courseId": world["course"]["id"]}, world["tokens"][who])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [r["title"] for r in body["recordings"]] == ["Session 2", "Session 1", "Session 0"]
    assert body["next_cursor"] is None
    newest = body["recordings"][0]
    assert set(newest) == {"id", "session_id", "title", "duration", "recorded_at", "size", "url", "thumbnail_url"}
    assert urlsplit(newest["url"]).netloc == "video.test" and "signature=" in newest["url"]
    download = local_get(gateway, newest["url"])
    assert download.status_code == 200 and download.data == b"video 2"
    tampered = local_get(gateway, newest["url"].replace("expires=", "expires=9"))
    assert tampered.status_code == 403


@pytest.mark.parametrize("who", ["other", "other_instructor"])
def test_others_are_refused(gateway: Any, world: dict[str, Any], who: str) -> None:
    add_recordings(world, 1)
    resp = call(gateway, "getRecordings", {"courseId": world["course"]["id"]}, world["tokens"][who])
    assert resp.status_code == 403
    listed = gateway.get(f"{APP}/entities/Recording", headers=bearer(world["tokens"][who]))
    assert listed.status_code == 200 and listed.get_json() == []


def test_anonymous_is_401_and_unknown_course_404(gateway: Any, world: dict[str, Any]) -> None:
    assert call(gateway, "getRecordings", {"courseId": world["course"]["id"]}).status_code == 401
    assert call(gateway, "getRecordings", {"courseId": "crs_nope"}, world["tokens"]["admin"]).status_code == 404


def test_pages_follow_the_cursor(gateway: Any, world: dict[str, Any]) -> None:
    add_recordings(world, 5)
    token = world["tokens"]["student"]
    seen: list[str] = []
    payload: dict[str, Any] = {"courseId": world["course"]["id"], "limit": 2}
    for _ in range(5):
        body = call(gateway, "getRecordings", payload, token).get_json()
        seen += [r["title"] for r in body["recordings"]]
        if body["next_cursor"] is None:
            break
        payload["cursor"] = body["next_cursor"]
    assert seen == [f"Session {n}" for n in (4, 3, 2, 1, 0)]


@pytest.mark.parametrize("bad", [{"limit": 0}, {"limit": 101}, {"cursor": ""}, {"cursor": "garbage"}])
def test_bad_paging_is_400(gateway: Any, world: dict[str, Any], bad: dict[str, Any]) -> None:
    resp = call(gateway, "getRecordings", {"courseId": world["course"]["id"], **bad}, world["tokens"]["admin"])
    assert resp.status_code == 400


def test_students_see_recordings_through_the_entity_api_but_cannot_write_them(
    gateway: Any, world: dict[str, Any]
) -> None:
    (made,) = add_recordings(world, 1)
    headers = bearer(world["tokens"]["student"])
    assert [r["id"] for r in gateway.get(f"{APP}/entities/Recording", headers=headers).get_json()] == [made["id"]]
    assert gateway.post(f"{APP}/entities/Recording", json={"title": "x"}, headers=headers).status_code == 403
