"""enterpriseGetProgress through HTTP: totals over a date range, a cursor-paginated
user list, counters kept on write by learning activity, the CSV export job, and each
org admin confined to their own organization."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from entities import accounts, store
from entities.enrollment import enrollment_id
from entities.organization import membership_id
from functions.enterprise.responses import EnterpriseGetProgressResponse
from shared import jobs
from tests.enterprise.conftest import APP, invoke
from tests.helpers import bearer, local_blob_store

JANUARY = {"startDate": "2026-01-01", "endDate": "2026-01-31"}


@pytest.fixture(autouse=True)
def blobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from local_blob_store(tmp_path, monkeypatch, "http://localhost")


def _enrollment(org_id: str, email: str, course: str, **fields: Any) -> None:
    doc = {"course_id": course, "student_email": email, "organization_id": org_id, "source": "enterprise", **fields}
    store.create("Enrollment", doc, created_by=None, id=enrollment_id(course, email))


def _active(org_id: str, email: str, when: str) -> None:
    store.update("Membership", membership_id(org_id, email), {"last_active_at": when})


@pytest.fixture
def learners(gateway: Any, acme: Any, globex: Any) -> tuple[dict[str, Any], str]:
    org, token = acme
    emails = ["ann@acme.test", "bob@acme.test", "cat@acme.test", "dan@acme.test"]
    invoke(gateway, "provisionUsers", {"users": [{"email": e} for e in emails], "organizationId": org["id"]}, token)
    # ann: 3 enrollments, 2 completed in January, 1 in December; active in January.
    _enrollment(
        org["id"], "ann@acme.test", "crs_a", enrolled_at="2025-12-01T10:00:00Z", completed_at="2025-12-20T10:00:00Z"
    )
    _enrollment(
        org["id"],
        "ann@acme.test",
        "crs_b",
        enrolled_at="2026-01-02T10:00:00Z",
        completed_at="2026-01-10T10:00:00Z",
        last_accessed="2026-01-10T10:00:00Z",
        time_spent_seconds=7200,
    )
    _enrollment(
        org["id"],
        "ann@acme.test",
        "crs_c",
        enrolled_at="2026-01-03T10:00:00Z",
        completed_at="2026-01-31T23:00:00Z",
        last_accessed="2026-01-31T23:00:00Z",
        time_spent_seconds=1800,
    )
    # bob: 2 enrollments, none completed, one studied in January; active in January.
    _enrollment(
        org["id"],
        "bob@acme.test",
        "crs_a",
        enrolled_at="2026-01-05T10:00:00Z",
        last_accessed="2026-01-20T08:00:00Z",
        time_spent_seconds=3600,
    )
    _enrollment(org["id"], "bob@acme.test", "crs_b", enrolled_at="2026-02-02T10:00:00Z")  # after the range
    # cat: completed in February, after the range; active then.
    _enrollment(
        org["id"],
        "cat@acme.test",
        "crs_a",
        enrolled_at="2026-01-15T10:00:00Z",
        completed_at="2026-02-03T10:00:00Z",
        last_accessed="2026-02-03T10:00:00Z",
        time_spent_seconds=900,
    )
    _active(org["id"], "ann@acme.test", "2026-01-31T23:00:00Z")
    _active(org["id"], "bob@acme.test", "2026-01-20T08:00:00Z")
    _active(org["id"], "cat@acme.test", "2026-02-03T10:00:00Z")
    # Another organization's learner, enrolled in the same courses, counts nowhere here.
    other, other_token = globex
    invoke(
        gateway, "provisionUsers", {"users": [{"email": "eve@globex.test"}], "organizationId": other["id"]}, other_token
    )
    _enrollment(
        other["id"], "eve@globex.test", "crs_a", enrolled_at="2026-01-02T10:00:00Z", completed_at="2026-01-09T10:00:00Z"
    )
    _active(other["id"], "eve@globex.test", "2026-01-09T10:00:00Z")
    return org, token


def _progress(gateway: Any, org: dict[str, Any], token: str, **extra: Any) -> dict[str, Any]:
    answer = invoke(gateway, "enterpriseGetProgress", {"organizationId": org["id"], **JANUARY, **extra}, token)
    body: dict[str, Any] = answer.get_json()
    assert answer.status_code == 200, body
    EnterpriseGetProgressResponse.model_validate(body)
    return body


def test_totals_and_users_over_the_range(gateway: Any, learners: Any) -> None:
    org, token = learners
    body = _progress(gateway, org, token)
    assert {k: body[k] for k in ("total_users", "active_users", "courses_completed", "total_learning_hours")} == {
        "total_users": 4,
        "active_users": 2,
        "courses_completed": 2,
        "total_learning_hours": 3.5,  # 7200 + 1800 + 3600 seconds studied in January
    }
    assert body["average_completion_rate"] == 0.6  # 3 completed by the end / 5 enrolled by then
    rows = {row["email"]: row for row in body["users"]}
    assert list(rows) == ["ann@acme.test", "bob@acme.test", "cat@acme.test", "dan@acme.test"]
    ann, bob, cat, dan = (rows[e] for e in rows)
    assert (ann["courses_enrolled"], ann["courses_completed"], ann["completion_rate"], ann["learning_hours"]) == (
        3,
        2,
        1.0,
        2.5,
    )
    assert (bob["courses_enrolled"], bob["courses_completed"], bob["completion_rate"], bob["learning_hours"]) == (
        1,
        0,
        0.0,
        1.0,
    )
    assert (cat["courses_enrolled"], cat["courses_completed"], cat["learning_hours"]) == (1, 0, 0.0)
    assert (dan["courses_enrolled"], dan["completion_rate"], dan["last_active_at"]) == (0, 0.0, None)
    assert body["has_more"] is False and body["next_cursor"] is None and body["export"] is None
    december = _progress(gateway, org, token, startDate="2025-12-01", endDate="2025-12-31")
    assert (december["courses_completed"], december["active_users"], december["average_completion_rate"]) == (1, 0, 1.0)


def test_the_user_list_is_paginated_with_a_cursor(gateway: Any, learners: Any) -> None:
    org, token = learners
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        body = _progress(gateway, org, token, limit=3, **({"cursor": cursor} if cursor else {}))
        assert body["total_users"] == 4  # totals on every page
        seen += [row["email"] for row in body["users"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert seen == ["ann@acme.test", "bob@acme.test", "cat@acme.test", "dan@acme.test"]
    first = _progress(gateway, org, token, limit=1)
    other_range = {"organizationId": org["id"], "startDate": "2026-02-01", "endDate": "2026-02-28"}
    moved = invoke(gateway, "enterpriseGetProgress", {**other_range, "cursor": first["next_cursor"]}, token)
    assert moved.status_code == 400
    forged = invoke(
        gateway, "enterpriseGetProgress", {"organizationId": org["id"], **JANUARY, "cursor": "bm9wZQ"}, token
    )
    assert forged.status_code == 400
    backwards = invoke(
        gateway,
        "enterpriseGetProgress",
        {"organizationId": org["id"], "startDate": "2026-02-01", "endDate": "2026-01-01"},
        token,
    )
    assert backwards.status_code == 400


def test_learning_activity_keeps_the_counters_on_write(gateway: Any, make_user: Any, acme: Any) -> None:
    org, token = acme
    invoke(gateway, "provisionUsers", {"users": [{"email": "ann@acme.test"}], "organizationId": org["id"]}, token)
    lessons = [{"id": "les_1", "title": "One"}, {"id": "les_2", "title": "Two"}]
    course = store.create(
        "Course",
        {
            "title": "Go",
            "price": 0,
            "is_published": True,
            "modules": [{"id": "mod_1", "title": "M", "lessons": lessons}],
        },
        created_by=None,
    )
    enrolled = gateway.post(
        f"{APP}/entities/Enrollment",
        json={"course_id": course["id"], "student_email": "ann@acme.test"},
        headers=bearer(token),
    )
    assert enrolled.status_code == 201
    ann = accounts.session_for(accounts.user_by_email("ann@acme.test"))["access_token"]
    for lesson, seconds in (("les_1", 1800), ("les_2", 1800)):
        done = gateway.post(
            f"{APP}/functions/recordProgress",
            json={"enrollmentId": enrolled.get_json()["id"], "lessonId": lesson, "timeSpentSeconds": seconds},
            headers=bearer(ann),
        )
        assert done.status_code == 200, done.get_json()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    body = _progress(gateway, org, token, startDate=today, endDate=today)
    assert (body["active_users"], body["courses_completed"], body["total_learning_hours"]) == (1, 1, 1.0)
    assert body["users"][0]["learning_hours"] == 1.0 and body["users"][0]["last_active_at"].startswith(today)
    tampered = gateway.put(
        f"{APP}/entities/Enrollment/{enrolled.get_json()['id']}",
        json={"time_spent_seconds": 99999},
        headers=bearer(ann),
    )
    assert tampered.status_code == 403


def test_org_admins_read_only_their_own_organizations_progress(
    gateway: Any, make_user: Any, learners: Any, globex: Any
) -> None:
    org, _ = learners
    _, other_token = globex
    assert (
        invoke(gateway, "enterpriseGetProgress", {"organizationId": org["id"], **JANUARY}, other_token).status_code
        == 404
    )
    _, member = make_user("student", organization_id=org["id"])
    assert invoke(gateway, "enterpriseGetProgress", {"organizationId": org["id"], **JANUARY}, member).status_code == 403
    _, admin = make_user("admin")
    assert _progress(gateway, org, admin)["total_users"] == 4


def test_a_job_poller_never_sees_what_its_worker_holds(gateway: Any, learners: Any) -> None:
    org, token = learners
    secret = {"download_token": "dl-secret"}
    job = jobs.create("recording_copy", owner_id=None, organization_id=org["id"], params=secret)
    answer = gateway.get(f"{APP}/jobs/{job['id']}", headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    shown = answer.get_json()
    assert (shown["id"], shown["status"]) == (job["id"], "queued")
    assert not {"params", "claim", "lease_until", "owner_id"} & set(shown)
    assert "dl-secret" not in answer.get_data(as_text=True)


def test_a_csv_export_job_writes_every_user_to_blob_storage(
    gateway: Any, learners: Any, globex: Any, job_queue: Any
) -> None:
    org, token = learners
    store.update("Membership", membership_id(org["id"], "dan@acme.test"), {"department": "=HYPERLINK(1)"})
    body = _progress(gateway, org, token, format="csv")
    job = body["export"]
    assert body["users"] == [] and job["status"] == "queued" and job["total"] == 4
    deadline = time.monotonic() + 60
    while job["status"] not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = gateway.get(f"{APP}/jobs/{job['id']}", headers=bearer(token)).get_json()
    assert job["status"] == "succeeded", job
    assert (job["processed"], job["progress"], job["attempts"]) == (4, 1.0, 1)
    assert "claim" not in job and "owner_id" not in job
    link = urlsplit(job["result_url"])
    download = gateway.get(f"{link.path}?{link.query}")
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [row["email"] for row in rows] == ["ann@acme.test", "bob@acme.test", "cat@acme.test", "dan@acme.test"]
    assert (rows[0]["courses_completed"], rows[0]["learning_hours"]) == ("2", "2.5")
    assert rows[3]["department"] == "'=HYPERLINK(1)"  # never run as a formula
    _, other_token = globex
    assert gateway.get(f"{APP}/jobs/{job['id']}", headers=bearer(other_token)).status_code == 404
