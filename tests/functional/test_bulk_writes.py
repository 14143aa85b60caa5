"""Bulk creates and updates through the entity routes are all or nothing."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from entities.enrollment import enrollment_id
from tests.helpers import bearer

BASE = "/api/apps/sparkacademy/entities"


def _course(title: str, **fields: Any) -> dict[str, Any]:
    return store.create("Course", {"title": title, **fields}, created_by=fields.get("instructor_email"))


@pytest.fixture
def courses(db: Any) -> dict[str, dict[str, Any]]:
    lesson = {"id": "les_1", "title": "One"}
    return {
        "mine": _course("Mine", is_published=True, instructor_email="ines@example.test", price=10),
        "mine_too": _course(
            "Mine too",
            is_published=True,
            instructor_email="ines@example.test",
            modules=[{"id": "mod_1", "title": "Basics", "lessons": [lesson]}],
        ),
        "otto": _course("Otto's", is_published=True, instructor_email="otto@example.test"),
        "free": _course("Free", is_published=True, price=0, instructor_email="otto@example.test"),
        "free_too": _course("Free too", is_published=True, instructor_email="otto@example.test"),
        "paid": _course("Paid", is_published=True, price=25, instructor_email="otto@example.test"),
    }


def _titles() -> list[str]:
    return sorted(c["title"] for c in store.query("Course"))


def _failures(resp: Any) -> list[tuple[int, str]]:
    return [(item["index"], item["code"]) for item in resp.get_json()["details"]["items"]]


@pytest.fixture
def ines(make_user: Any) -> str:
    return make_user("instructor", email="ines@example.test")[1]


def test_bulk_update_with_an_invalid_item_writes_nothing(gateway: Any, ines: str, courses: Any) -> None:
    # GIVEN one valid change and one that fails validation
    items = [{"id": courses["mine"]["id"], "title": "Renamed"}, {"id": courses["mine_too"]["id"], "price": -1}]
    # WHEN they are sent together
    resp = gateway.put(f"{BASE}/Course/bulk", json=items, headers=bearer(ines))
    # THEN the request is refused naming the bad item, and the valid one is not written
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["code"] == "INVALID_PARAMETERS"
    assert body["details"]["items"] == [
        {
            "index": 1,
            "code": "INVALID_PARAMETERS",
            "message": "Invalid Course",
            "fields": [
                {
                    "field": "price",
                    "type": "greater_than_equal",
                    "message": "Input should be greater than or equal to 0",
                }
            ],
        }
    ]
    assert store.get("Course", courses["mine"]["id"])["title"] == "Mine"


def test_bulk_update_with_a_forbidden_item_writes_nothing(gateway: Any, ines: str, courses: Any) -> None:
    items = [{"id": courses["mine"]["id"], "title": "Renamed"}, {"id": courses["otto"]["id"], "title": "Taken"}]
    resp = gateway.put(f"{BASE}/Course/bulk", json=items, headers=bearer(ines))
    assert resp.status_code == 403
    assert resp.get_json()["code"] == "PERMISSION_DENIED"
    assert _failures(resp) == [(1, "PERMISSION_DENIED")]
    assert _titles() == ["Free", "Free too", "Mine", "Mine too", "Otto's", "Paid"]


def test_bulk_update_with_a_missing_item_writes_nothing(gateway: Any, ines: str, courses: Any) -> None:
    items = [{"id": "crs_missing", "title": "Ghost"}, {"id": courses["mine"]["id"], "title": "Renamed"}]
    resp = gateway.put(f"{BASE}/Course/bulk", json=items, headers=bearer(ines))
    assert resp.status_code == 404
    item = resp.get_json()["details"]["items"][0]
    assert item == {
        "index": 0,
        "code": "RESOURCE_NOT_FOUND",
        "message": "Course crs_missing not found",
        "entity": "Course",
        "id": "crs_missing",
    }
    assert store.get("Course", courses["mine"]["id"])["title"] == "Mine"


def test_bulk_update_names_every_failing_item_and_answers_400_when_they_differ(
    gateway: Any, ines: str, courses: Any
) -> None:
    items = [
        {"id": courses["otto"]["id"], "title": "Taken"},
        {"id": courses["mine"]["id"], "title": "Renamed"},
        {"id": "crs_missing", "title": "Ghost"},
        {"title": "no id"},
    ]
    resp = gateway.put(f"{BASE}/Course/bulk", json=items, headers=bearer(ines))
    assert resp.status_code == 400
    assert resp.get_json()["message"] == "3 records were refused; nothing was written"
    assert _failures(resp) == [(0, "PERMISSION_DENIED"), (2, "RESOURCE_NOT_FOUND"), (3, "INVALID_PARAMETERS")]
    assert store.get("Course", courses["mine"]["id"])["title"] == "Mine"


def test_bulk_update_with_the_same_id_twice_is_refused(gateway: Any, ines: str, courses: Any) -> None:
    same = courses["mine"]["id"]
    resp = gateway.put(f"{BASE}/Course/bulk", json=[{"id": same, "title": "A"}, {"id": same}], headers=bearer(ines))
    assert resp.status_code == 400
    assert resp.get_json()["details"]["items"] == [
        {"index": 1, "code": "INVALID_PARAMETERS", "message": "Same id as record 0", "id": same}
    ]
    assert store.get("Course", same)["title"] == "Mine"


def test_bulk_update_writes_all_and_runs_the_hooks_after_the_commit(
    gateway: Any, ines: str, make_user: Any, courses: Any
) -> None:
    # GIVEN a student who has completed the only lesson of a course
    course = courses["mine_too"]
    enrollment = store.create(
        "Enrollment",
        {
            "course_id": course["id"],
            "student_email": "sam@example.test",
            "status": "completed",
            "progress_percent": 100,
        },
        created_by=None,
        id=enrollment_id(course["id"], "sam@example.test"),
    )
    store.create(
        "Progress",
        {"enrollment_id": enrollment["id"], "module_id": "mod_1", "lesson_id": "les_1", "completed": True},
        created_by=None,
    )
    grown = [{**course["modules"][0], "lessons": [*course["modules"][0]["lessons"], {"id": "les_2", "title": "Two"}]}]
    # WHEN the course gains a lesson in a bulk update with another course
    items = [{"id": courses["mine"]["id"], "title": "Renamed"}, {"id": course["id"], "modules": grown}]
    resp = gateway.put(f"{BASE}/Course/bulk", json=items, headers=bearer(ines))
    # THEN both are written and the enrollment's derived progress follows the course
    assert resp.status_code == 200
    assert [c["id"] for c in resp.get_json()] == [courses["mine"]["id"], course["id"]]
    assert store.get("Course", courses["mine"]["id"])["title"] == "Renamed"
    updated = store.get("Enrollment", enrollment["id"])
    assert (updated["progress_percent"], updated["status"]) == (50.0, "active")


def test_bulk_enrollment_in_a_free_and_a_paid_course_creates_neither(
    gateway: Any, make_user: Any, courses: Any
) -> None:
    _, sam = make_user("student", email="sam@example.test")
    items = [{"course_id": courses["free"]["id"]}, {"course_id": courses["paid"]["id"]}]
    resp = gateway.post(f"{BASE}/Enrollment/bulk", json=items, headers=bearer(sam))
    assert resp.status_code == 403
    assert resp.get_json()["message"] == "Record 1: This course is paid: enroll through checkout; nothing was written"
    assert resp.get_json()["details"]["items"] == [
        {
            "index": 1,
            "code": "PERMISSION_DENIED",
            "message": "This course is paid: enroll through checkout",
            "course_id": courses["paid"]["id"],
        }
    ]
    assert store.count("Enrollment") == 0


def test_bulk_enrollment_with_one_already_there_is_a_409_and_writes_nothing(
    gateway: Any, make_user: Any, courses: Any
) -> None:
    _, sam = make_user("student", email="sam@example.test")
    first = gateway.post(f"{BASE}/Enrollment", json={"course_id": courses["free"]["id"]}, headers=bearer(sam))
    assert first.status_code == 201
    items = [{"course_id": courses["free_too"]["id"]}, {"course_id": courses["free"]["id"]}]
    resp = gateway.post(f"{BASE}/Enrollment/bulk", json=items, headers=bearer(sam))
    assert resp.status_code == 409
    assert resp.get_json()["code"] == "CONFLICT"
    assert resp.get_json()["details"]["items"] == [
        {
            "index": 1,
            "code": "CONFLICT",
            "message": f"Enrollment {first.get_json()['id']} already exists",
            "id": first.get_json()["id"],
        }
    ]
    assert [e["course_id"] for e in store.query("Enrollment")] == [courses["free"]["id"]]


def test_bulk_enrollment_in_the_same_course_twice_is_refused(gateway: Any, make_user: Any, courses: Any) -> None:
    _, sam = make_user("student", email="sam@example.test")
    items = [{"course_id": courses["free"]["id"]}, {"course_id": courses["free"]["id"]}]
    resp = gateway.post(f"{BASE}/Enrollment/bulk", json=items, headers=bearer(sam))
    assert resp.status_code == 400
    assert _failures(resp) == [(1, "INVALID_PARAMETERS")]
    assert store.count("Enrollment") == 0


def test_bulk_enrollment_in_free_courses_creates_each_once(gateway: Any, make_user: Any, courses: Any) -> None:
    _, sam = make_user("student", email="sam@example.test")
    items = [{"course_id": courses["free"]["id"]}, {"course_id": courses["free_too"]["id"]}]
    resp = gateway.post(f"{BASE}/Enrollment/bulk", json=items, headers=bearer(sam))
    assert resp.status_code == 201
    expected = [enrollment_id(courses[k]["id"], "sam@example.test") for k in ("free", "free_too")]
    assert [e["id"] for e in resp.get_json()] == expected
    assert sorted(e["id"] for e in store.query("Enrollment")) == sorted(expected)


def test_bulk_create_names_every_invalid_item_and_writes_nothing(gateway: Any, ines: str, courses: Any) -> None:
    items = [{"title": ""}, {"title": "Fine"}, {"title": "Priced", "price": -5}]
    resp = gateway.post(f"{BASE}/Course/bulk", json=items, headers=bearer(ines))
    assert resp.status_code == 400
    assert _failures(resp) == [(0, "INVALID_PARAMETERS"), (2, "INVALID_PARAMETERS")]
    assert store.count("Course") == len(courses)


def test_bulk_update_of_large_courses_commits_only_what_changes(gateway: Any, ines: str, db: Any) -> None:
    # GIVEN courses whose records together exceed what one Firestore commit carries
    big = [{"id": "mod_1", "title": "Long", "lessons": [{"id": "les_1", "title": "Text", "content": "x" * 190_000}]}]
    courses = [
        _course(f"Big {n}", instructor_email="ines@example.test", modules=big, description="d" * 19_000)
        for n in range(25)
    ]
    # WHEN a small change is made to each of them in one bulk update
    items = [{"id": c["id"], "title": f"Renamed {n}"} for n, c in enumerate(courses)]
    resp = gateway.put(f"{BASE}/Course/bulk", json=items, headers=bearer(ines))
    # THEN it lands, and the rest of each record is untouched
    assert resp.status_code == 200, resp.get_json()
    stored = {c["id"]: c for c in store.query("Course")}
    assert [stored[c["id"]]["title"] for c in courses] == [f"Renamed {n}" for n in range(25)]
    assert all(stored[c["id"]]["modules"] == c["modules"] for c in courses)
