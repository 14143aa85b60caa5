"""Enterprise bulk enrollment through the entity API: org admins enroll their own
members, paid courses take licence seats (per course, then the pool), and a licence no
longer in force neither enrolls nor opens courses."""

from __future__ import annotations

from typing import Any

import pytest

from entities import accounts, store
from tests.enterprise.conftest import ENTITIES, invoke
from tests.helpers import bearer

LESSON = {"id": "les_1", "title": "One", "content": "The secret sauce"}


def _course(title: str, price: float) -> dict[str, Any]:
    modules = [{"id": "mod_1", "title": "Basics", "lessons": [LESSON]}]
    return store.create(
        "Course", {"title": title, "price": price, "is_published": True, "modules": modules}, created_by=None
    )


def _provision(gateway: Any, org: dict[str, Any], token: str, *emails: str) -> list[dict[str, Any]]:
    body = {"users": [{"email": e} for e in emails], "organizationId": org["id"]}
    rows: list[dict[str, Any]] = invoke(gateway, "provisionUsers", body, token).get_json()["users"]
    return rows


def _enroll(gateway: Any, token: str, course: dict[str, Any], email: str, **extra: Any) -> Any:
    body = {
        "course_id": course["id"],
        "student_email": email,
        "enrolled_at": "2026-01-05T09:00:00Z",
        "status": "active",
    }
    return gateway.post(f"{ENTITIES}/Enrollment", json={**body, **extra}, headers=bearer(token))


@pytest.fixture
def licensed(make_org: Any) -> tuple[dict[str, Any], str, dict[str, Any]]:
    paid = _course("Kubernetes", 200)
    org, token = make_org("Acme", licence={"pool_seats": 1, "course_seats": {paid["id"]: 1}})
    return org, token, paid


def test_org_admins_enroll_members_and_paid_courses_take_seats(gateway: Any, licensed: Any) -> None:
    org, token, paid = licensed
    free = _course("Intro", 0)
    _provision(gateway, org, token, "a@acme.test", "b@acme.test", "c@acme.test")
    enrolled = _enroll(gateway, token, free, "A@acme.test")
    assert enrolled.status_code == 201, enrolled.get_json()
    record = enrolled.get_json()
    assert (record["source"], record["organization_id"], record["student_email"]) == (
        "enterprise",
        org["id"],
        "a@acme.test",
    )
    assert record["student_id"] == accounts.user_by_email("a@acme.test")["id"]
    assert store.get("Organization", org["id"])["seats_used"] == {}  # free courses take no seat
    assert _enroll(gateway, token, paid, "a@acme.test").status_code == 201  # the course's own seat
    assert _enroll(gateway, token, paid, "b@acme.test").status_code == 201  # then the pool
    refused = _enroll(gateway, token, paid, "c@acme.test")
    assert refused.status_code == 403 and refused.get_json()["details"]["reason"] == "no_seats_left"
    assert _enroll(gateway, token, paid, "a@acme.test").status_code == 409  # once per student
    assert store.get("Organization", org["id"])["seats_used"] == {paid["id"]: 1, "pool": 1}
    listed = gateway.get(f"{ENTITIES}/Enrollment", headers=bearer(token)).get_json()
    assert sorted(e["student_email"] for e in listed) == ["a@acme.test", "a@acme.test", "b@acme.test"]


def test_only_members_of_the_org_admins_own_organization_are_enrolled(
    gateway: Any, make_user: Any, licensed: Any, globex: Any
) -> None:
    org, token, _ = licensed
    other, other_token = globex
    _provision(gateway, other, other_token, "g@globex.test")
    make_user("student", email="loner@example.test")
    free = _course("Intro", 0)
    assert _enroll(gateway, token, free, "g@globex.test").status_code == 404
    assert _enroll(gateway, token, free, "loner@example.test").status_code == 404
    assert _enroll(gateway, token, free, "g@globex.test", organization_id=other["id"]).status_code == 404
    _enroll(gateway, other_token, free, "g@globex.test")
    assert gateway.get(f"{ENTITIES}/Enrollment", headers=bearer(token)).get_json() == []
    _, student = make_user("student", organization_id=org["id"])
    assert _enroll(gateway, student, free, "g@globex.test").status_code == 403
    assert store.get("Organization", org["id"])["seats_used"] == {}


def test_a_licence_no_longer_in_force_enrolls_no_one_and_closes_its_courses(gateway: Any, licensed: Any) -> None:
    org, token, paid = licensed
    _provision(gateway, org, token, "a@acme.test", "b@acme.test")
    assert _enroll(gateway, token, paid, "a@acme.test").status_code == 201
    learner = accounts.session_for(accounts.user_by_email("a@acme.test"))["access_token"]

    def lesson_content() -> Any:
        course = gateway.get(f"{ENTITIES}/Course/{paid['id']}", headers=bearer(learner)).get_json()
        return course["modules"][0]["lessons"][0].get("content")

    assert lesson_content() == "The secret sauce"
    store.update("Organization", org["id"], {"licence": {**org["licence"], "expires_at": "2020-01-01T00:00:00Z"}})
    assert lesson_content() is None
    refused = _enroll(gateway, token, paid, "b@acme.test")
    assert refused.status_code == 403 and refused.get_json()["details"]["reason"] == "licence_not_in_force"


def test_an_enterprise_enrollment_ends_by_the_courses_access_days_whatever_the_org_admin_sends(
    gateway: Any, licensed: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    org, token, _ = licensed
    course = store.create(
        "Course", {"title": "Yearly", "price": 0, "is_published": True, "access_days": 365}, created_by=None
    )
    _provision(gateway, org, token, "a@acme.test")
    enrolled = _enroll(gateway, token, course, "a@acme.test", access_until="2099-01-01T00:00:00.000000Z")
    assert enrolled.status_code == 201, enrolled.get_json()
    until = datetime.fromisoformat(enrolled.get_json()["access_until"].replace("Z", "+00:00"))
    assert abs(until - (datetime.now(UTC) + timedelta(days=365))) < timedelta(minutes=5)
    assert store.get("Course", course["id"])["total_students"] == 1
