"""Who may read and write which entity through the Base44 entity routes."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from tests.helpers import bearer

BASE = "/api/apps/sparkacademy/entities"


@pytest.fixture
def catalogue(db: Any) -> dict[str, dict[str, Any]]:
    def course(title: str, **fields: Any) -> dict[str, Any]:
        return store.create("Course", {"title": title, **fields}, created_by=fields.get("instructor_email"))

    return {
        "free": course(
            "Free",
            price=0,
            is_published=True,
            instructor_email="ines@example.test",
            modules=[{"id": "mod_1", "title": "Basics", "lessons": [{"id": "les_1", "title": "One"}]}],
        ),
        "paid": course("Paid", price=25, is_published=True, instructor_email="ines@example.test"),
        "draft": course("Draft", price=0, is_published=False, instructor_email="ines@example.test"),
        "other": course("Other draft", is_published=False, instructor_email="otto@example.test"),
    }


def _titles(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.get_json()
    return sorted(c["title"] for c in resp.get_json())


def test_anonymous_and_students_read_only_published_courses(gateway: Any, make_user: Any, catalogue: Any) -> None:
    assert _titles(gateway.get(f"{BASE}/Course")) == ["Free", "Paid"]
    _, student = make_user("student")
    assert _titles(gateway.get(f"{BASE}/Course", headers=bearer(student))) == ["Free", "Paid"]
    hidden = gateway.get(f"{BASE}/Course/{catalogue['draft']['id']}", headers=bearer(student))
    assert hidden.status_code == 404
    assert gateway.get(f"{BASE}/Course/count").get_json() == {"count": 2}


def test_instructors_see_and_write_only_their_own_drafts(gateway: Any, make_user: Any, catalogue: Any) -> None:
    _, ines = make_user("instructor", email="ines@example.test")
    assert _titles(gateway.get(f"{BASE}/Course", headers=bearer(ines))) == ["Draft", "Free", "Paid"]
    ok = gateway.put(f"{BASE}/Course/{catalogue['draft']['id']}", json={"title": "Draft 2"}, headers=bearer(ines))
    assert ok.status_code == 200 and ok.get_json()["title"] == "Draft 2"
    other = gateway.put(f"{BASE}/Course/{catalogue['other']['id']}", json={"title": "Mine"}, headers=bearer(ines))
    assert other.status_code == 404  # not visible, so not there
    published = gateway.put(
        f"{BASE}/Course/{catalogue['free']['id']}", json={"instructor_email": "otto@example.test"}, headers=bearer(ines)
    )
    assert published.status_code == 403
    created = gateway.post(f"{BASE}/Course", json={"title": "New"}, headers=bearer(ines))
    assert created.status_code == 201 and created.get_json()["instructor_email"] == "ines@example.test"


def test_students_cannot_write_courses(gateway: Any, make_user: Any, catalogue: Any) -> None:
    _, student = make_user("student")
    assert gateway.post(f"{BASE}/Course", json={"title": "Mine"}, headers=bearer(student)).status_code == 403
    resp = gateway.delete(f"{BASE}/Course/{catalogue['free']['id']}", headers=bearer(student))
    assert resp.status_code == 403
    assert store.find("Course", catalogue["free"]["id"]) is not None


def test_students_enroll_themselves_in_free_courses_only(gateway: Any, make_user: Any, catalogue: Any) -> None:
    _, student = make_user("student", email="sam@example.test")
    free = gateway.post(f"{BASE}/Enrollment", json={"course_id": catalogue["free"]["id"]}, headers=bearer(student))
    assert free.status_code == 201 and free.get_json()["student_email"] == "sam@example.test"
    paid = gateway.post(f"{BASE}/Enrollment", json={"course_id": catalogue["paid"]["id"]}, headers=bearer(student))
    assert paid.status_code == 403 and paid.get_json()["message"] == "This course is paid: enroll through checkout"
    someone = gateway.post(
        f"{BASE}/Enrollment",
        json={"course_id": catalogue["free"]["id"], "student_email": "else@example.test"},
        headers=bearer(student),
    )
    assert someone.status_code == 403
    draft = gateway.post(f"{BASE}/Enrollment", json={"course_id": catalogue["draft"]["id"]}, headers=bearer(student))
    assert draft.status_code == 400
    assert store.count("Enrollment") == 1


def test_students_read_and_write_only_their_own_enrollments_and_progress(
    gateway: Any, make_user: Any, catalogue: Any
) -> None:
    _, sam = make_user("student", email="sam@example.test")
    _, kim = make_user("student", email="kim@example.test")
    mine = gateway.post(f"{BASE}/Enrollment", json={"course_id": catalogue["free"]["id"]}, headers=bearer(sam))
    enrollment = mine.get_json()
    gateway.post(f"{BASE}/Enrollment", json={"course_id": catalogue["free"]["id"]}, headers=bearer(kim))
    assert [e["student_email"] for e in gateway.get(f"{BASE}/Enrollment", headers=bearer(sam)).get_json()] == [
        "sam@example.test"
    ]
    assert gateway.get(f"{BASE}/Enrollment/{enrollment['id']}", headers=bearer(kim)).status_code == 404
    steal = gateway.put(f"{BASE}/Enrollment/{enrollment['id']}", json={"status": "completed"}, headers=bearer(sam))
    assert steal.status_code == 403
    progress = {"enrollment_id": enrollment["id"], "module_id": "mod_1", "lesson_id": "les_1", "completed": True}
    assert gateway.post(f"{BASE}/Progress", json=progress, headers=bearer(kim)).status_code == 403
    assert gateway.post(f"{BASE}/Progress", json=progress, headers=bearer(sam)).status_code == 201
    assert gateway.get(f"{BASE}/Progress", headers=bearer(kim)).get_json() == []


def test_users_see_only_themselves_and_cannot_promote_themselves(gateway: Any, make_user: Any) -> None:
    me, token = make_user("student")
    make_user("student")
    assert [u["id"] for u in gateway.get(f"{BASE}/User", headers=bearer(token)).get_json()] == [me["id"]]
    promote = gateway.put(f"{BASE}/User/me", json={"role": "admin"}, headers=bearer(token))
    assert promote.status_code == 403 and promote.get_json()["details"] == {"fields": ["role"]}
    assert store.get("User", me["id"])["role"] == "student"


def test_anonymous_callers_cannot_touch_private_entities(gateway: Any, catalogue: Any) -> None:
    for path in ("Enrollment", "Progress", "User", "Subscription"):
        resp = gateway.get(f"{BASE}/{path}")
        assert resp.status_code == 401 and resp.get_json()["code"] == "AUTH_REQUIRED"
    assert gateway.post(f"{BASE}/Course", json={"title": "x"}).status_code == 401


def test_entity_route_input_errors(gateway: Any, make_user: Any, catalogue: Any) -> None:
    _, admin = make_user("admin")
    cases = [
        gateway.get(f"{BASE}/Course?q=not-json", headers=bearer(admin)),
        gateway.get(f"{BASE}/Course?limit=abc", headers=bearer(admin)),
        gateway.get(f"{BASE}/Course?sort=a;b", headers=bearer(admin)),
        gateway.get(f"{BASE}/Course/bad%20id", headers=bearer(admin)),
        gateway.post(f"{BASE}/Course", json={"title": "x", "unknown": 1}, headers=bearer(admin)),
        gateway.post(f"{BASE}/Course", json=["not", "an", "object"], headers=bearer(admin)),
        gateway.post(f"{BASE}/Course/bulk", json={"title": "x"}, headers=bearer(admin)),
        gateway.put(f"{BASE}/Course/{catalogue['free']['id']}", json={"price": -1}, headers=bearer(admin)),
        gateway.get(f"{BASE}/Course/v2/list?cursor=zzz", headers=bearer(admin)),
    ]
    assert [r.status_code for r in cases] == [400] * len(cases)
    assert all(r.get_json()["code"] == "INVALID_PARAMETERS" for r in cases)
    assert store.count("Course") == 4


def test_certificates_are_readable_but_never_writable_through_the_entity_api(
    gateway: Any, make_user: Any, catalogue: Any
) -> None:
    _, student = make_user("student")
    forged = {"enrollment_id": "enr_x", "verification_code": "CERT-2026-AAAAAA"}
    resp = gateway.post(f"{BASE}/Certificate", json=forged, headers=bearer(student))
    assert resp.status_code in (400, 403)
    assert store.count("Certificate") == 0
    assert gateway.get(f"{BASE}/Certificate", headers=bearer(student)).get_json() == []
