"""Video fixtures: a local blob folder, a course with its instructor, an enrolled student,
another student and an admin, fake Zoom and Daily servers, and the provider settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fakes.video_providers import FakeDaily, FakeZoom
from tests.helpers import call_function, local_blob_store

APP = "/api/apps/sparkacademy"
JITSI_SECRET = "jitsi-app-secret-for-tests-0123456789"


@pytest.fixture(autouse=True)
def blobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("JITSI_DOMAIN", "meet.sparkacademy.test")
    monkeypatch.setenv("JITSI_APP_ID", "sparkacademy")
    monkeypatch.setenv("JITSI_APP_SECRET", JITSI_SECRET)
    monkeypatch.delenv("VIDEO_PROVIDER", raising=False)
    yield from local_blob_store(tmp_path, monkeypatch, "http://video.test")


@pytest.fixture
def daily(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDaily]:
    fake = FakeDaily()
    monkeypatch.setenv("VIDEO_PROVIDER", "daily")
    monkeypatch.setenv("DAILY_API_KEY", FakeDaily.API_KEY)
    monkeypatch.setenv("DAILY_API_BASE", f"{fake.url}/v1")
    monkeypatch.setenv("DAILY_WEBHOOK_SECRET", "c2VjcmV0LWRhaWx5LWhtYWMta2V5")
    yield fake
    fake.close()


@pytest.fixture
def zoom(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeZoom]:
    from functions.video.providers import ZoomToken

    fake = FakeZoom()
    ZoomToken.forget()
    monkeypatch.setenv("VIDEO_PROVIDER", "zoom")
    monkeypatch.setenv("ZOOM_ACCOUNT_ID", FakeZoom.ACCOUNT)
    monkeypatch.setenv("ZOOM_CLIENT_ID", FakeZoom.CLIENT_ID)
    monkeypatch.setenv("ZOOM_CLIENT_SECRET", FakeZoom.CLIENT_SECRET)
    monkeypatch.setenv("ZOOM_API_BASE", f"{fake.url}/v2")
    monkeypatch.setenv("ZOOM_OAUTH_URL", f"{fake.url}/oauth/")
    monkeypatch.setenv("ZOOM_WEBHOOK_SECRET", "zoom-webhook-secret-token")
    yield fake
    ZoomToken.forget()
    fake.close()


@pytest.fixture
def world(make_user: Callable[..., tuple[dict[str, Any], str]]) -> dict[str, Any]:
    from entities import store
    from entities.enrollment import enrollment_id

    instructor, instructor_token = make_user("instructor", full_name="Grace Hopper")
    _, other_instructor_token = make_user("instructor", full_name="Alan Other")
    student, student_token = make_user("student", full_name="Zoë Ødegård")
    _, other_token = make_user("student", full_name="Mallory Other")
    admin, admin_token = make_user("admin", full_name="Ada Admin")
    course = store.create(
        "Course",
        {"title": "Live React", "is_published": True, "price": 0, "instructor_email": instructor["email"]},
        created_by=instructor["email"],
    )
    store.create(
        "Enrollment",
        {"course_id": course["id"], "student_email": student["email"], "student_id": student["id"], "status": "active"},
        created_by=student["email"],
        id=enrollment_id(course["id"], student["email"]),
    )
    return {
        "course": course,
        "instructor": instructor,
        "student": student,
        "admin": admin,
        "tokens": {
            "instructor": instructor_token,
            "other_instructor": other_instructor_token,
            "student": student_token,
            "other": other_token,
            "admin": admin_token,
        },
    }


def call(gateway: Any, name: str, payload: Any, token: str | None = None) -> Any:
    return call_function(gateway, name, payload, token)


def soon(minutes: int = 60) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_session(gateway: Any, world: dict[str, Any], token: str | None = None, **extra: Any) -> Any:
    payload = {"courseId": world["course"]["id"], "title": "Live Q&A Session", "scheduledFor": soon(), "duration": 60}
    return call(gateway, "createVideoSession", {**payload, **extra}, token or world["tokens"]["instructor"])


def local_get(gateway: Any, url: str) -> Any:
    parts = urlsplit(url)
    assert parts.netloc == "video.test", url
    return gateway.get(f"{parts.path}?{parts.query}")
