"""Course records through the entity routes: the catalogue is public, lessons need access,
answer keys are the instructor's and admins'."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from entities import store
from entities.enrollment import enrollment_id
from tests.helpers import bearer

BASE = "/api/apps/sparkacademy/entities"
INSTRUCTOR = "ines@example.test"
STUDENT = "sam@example.test"

LESSON = {
    "id": "les_1",
    "title": "Welcome",
    "content": "The whole lesson text",
    "duration": 12,
    "video_url": "https://video.example/les_1.mp4",
    "order": 1,
}
QUESTION = {"question": "2 + 2?", "options": ["3", "4"], "correct_answer": 1, "explanation": "Arithmetic"}
QUIZ = {"id": "quiz_1", "title": "Check", "questions": [QUESTION], "passing_score": 80}
MODULE = {"id": "mod_1", "title": "Start", "description": "First steps", "order": 1, "lessons": [LESSON], "quiz": QUIZ}
PROJECT = {"brief": "Build a thing", "solution": "The answer"}

# What each view shows of MODULE, written out rather than derived from the code under test.
OUTLINE_MODULES = [
    {
        "id": "mod_1",
        "title": "Start",
        "description": "First steps",
        "order": 1,
        "lessons": [{"id": "les_1", "title": "Welcome", "duration": 12, "order": 1}],
        "quiz": {"id": "quiz_1", "title": "Check", "passing_score": 80},
    }
]
CONTENT_MODULES = [
    {
        **MODULE,
        "quiz": {
            "id": "quiz_1",
            "title": "Check",
            "passing_score": 80,
            "questions": [{"question": "2 + 2?", "options": ["3", "4"]}],
        },
    }
]
FULL_MODULES = [MODULE]


def _course(title: str, **fields: Any) -> dict[str, Any]:
    return store.create(
        "Course",
        {"title": title, "is_published": True, "modules": [MODULE], "final_project": PROJECT, **fields},
        created_by=fields.get("instructor_email", INSTRUCTOR),
    )


@pytest.fixture
def paid(db: Any) -> dict[str, Any]:
    return _course("Paid", price=49, instructor_email=INSTRUCTOR, description="Learn it all")


def _enroll(course: dict[str, Any], email: str, status: str) -> None:
    store.create(
        "Enrollment",
        {"course_id": course["id"], "student_email": email, "status": status, "source": "purchase"},
        created_by=None,
        id=enrollment_id(course["id"], email),
    )


def _as_seen(course: dict[str, Any], view: str) -> dict[str, Any]:
    if view == "full":
        return course
    if view == "content":
        return {**course, "modules": CONTENT_MODULES}
    return {k: v for k, v in {**course, "modules": OUTLINE_MODULES}.items() if k != "final_project"}


def _caller(make_user: Any, course: dict[str, Any], who: str) -> dict[str, str]:
    """Headers of a caller of kind `who` (and the enrollment that kind has)."""
    if who == "anonymous":
        return {}
    if who in ("instructor", "other instructor", "admin"):
        role = "admin" if who == "admin" else "instructor"
        return bearer(make_user(role, email=INSTRUCTOR if who == "instructor" else None)[1])
    _, token = make_user("student", email=STUDENT)
    if who != "student not enrolled":
        _enroll(course, STUDENT, who.removeprefix("student "))
    return bearer(token)


WHO_SEES_WHAT = [
    ("anonymous", "outline"),
    ("student not enrolled", "outline"),
    ("student active", "content"),
    ("student completed", "content"),
    ("student cancelled", "outline"),
    ("student refunded", "outline"),
    ("student expired", "outline"),
    ("instructor", "full"),
    ("other instructor", "outline"),
    ("admin", "full"),
]


def _q(query: dict[str, Any]) -> str:
    return quote(json.dumps(query))


@pytest.mark.parametrize(("who", "view"), WHO_SEES_WHAT)
def test_each_caller_sees_the_course_as_their_access_allows(
    gateway: Any, make_user: Any, paid: dict[str, Any], who: str, view: str
) -> None:
    # GIVEN a published paid course with lessons, a quiz and a final project, and a caller
    headers = _caller(make_user, paid, who)
    expected = _as_seen(paid, view)
    by_id = _q({"id": paid["id"]})
    # WHEN the caller reads it through every read route
    got = gateway.get(f"{BASE}/Course/{paid['id']}", headers=headers)
    listed = gateway.get(f"{BASE}/Course", headers=headers)
    projected = gateway.get(f"{BASE}/Course?q={by_id}&fields=modules,final_project,title", headers=headers)
    page = gateway.get(f"{BASE}/Course/v2/list?q={by_id}", headers=headers)
    distinct = gateway.get(f"{BASE}/Course/v2/list?q={by_id}&distinct=modules", headers=headers)
    count = gateway.get(f"{BASE}/Course/count", headers=headers)
    # THEN each answer shows exactly what the caller's view holds
    assert [r.status_code for r in (got, listed, projected, page, distinct, count)] == [200] * 6
    assert got.get_json() == expected
    assert listed.get_json() == [expected]
    assert projected.get_json() == [
        {k: expected[k] for k in ("id", "modules", "final_project", "title") if k in expected}
    ]
    assert page.get_json() == {"items": [expected], "next_cursor": None, "has_more": False}
    assert distinct.get_json() == {"items": [expected["modules"]], "next_cursor": None, "has_more": False}
    assert count.get_json() == {"count": 1}


def test_free_course_content_is_for_enrolled_students_too(gateway: Any, make_user: Any, db: Any) -> None:
    free = _course("Free", price=0, instructor_email=INSTRUCTOR)
    _, token = make_user("student", email=STUDENT)
    before = gateway.get(f"{BASE}/Course/{free['id']}", headers=bearer(token))
    assert before.get_json()["modules"] == OUTLINE_MODULES
    enrolled = gateway.post(f"{BASE}/Enrollment", json={"course_id": free["id"]}, headers=bearer(token))
    assert enrolled.status_code == 201
    after = gateway.get(f"{BASE}/Course/{free['id']}", headers=bearer(token)).get_json()
    assert after.pop("total_students") == 1  # the enrollment is counted on the course
    assert after == {k: v for k, v in _as_seen(free, "content").items() if k != "total_students"}


def test_a_listing_shows_each_course_by_its_own_access_with_one_enrollment_query(
    gateway: Any, make_user: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN more courses than one Firestore `in` filter takes, the student enrolled in two
    courses = [_course(f"Course {n:02}", price=10) for n in range(35)]
    _, token = make_user("student", email=STUDENT)
    _enroll(courses[3], STUDENT, "active")
    _enroll(courses[30], STUDENT, "completed")
    _enroll(courses[7], STUDENT, "refunded")
    queried: list[str] = []
    real_query = store.query

    def recording_query(name: str, *args: Any, **kwargs: Any) -> Any:
        queried.append(name)
        return real_query(name, *args, **kwargs)

    monkeypatch.setattr(store, "query", recording_query)
    # WHEN the student lists every course
    listed = gateway.get(f"{BASE}/Course?limit=100", headers=bearer(token))
    # THEN the enrolled courses show their lessons, the others only their outline,
    # and the request asked for the student's enrollments once
    assert queried.count("Enrollment") == 1
    opened = {c["title"] for c in listed.get_json() if c["modules"] == CONTENT_MODULES}
    assert opened == {"Course 03", "Course 30"}
    assert all(c["modules"] in (CONTENT_MODULES, OUTLINE_MODULES) for c in listed.get_json())
    # AND so does a page of them (few enough for one Firestore `in` filter)
    queried.clear()
    page = gateway.get(f"{BASE}/Course/v2/list?limit=10&sort=title", headers=bearer(token))
    assert queried.count("Enrollment") == 1
    assert [c["title"] for c in page.get_json()["items"] if c["modules"] == CONTENT_MODULES] == ["Course 03"]


@pytest.mark.parametrize(
    "path",
    [
        "Course?q=" + _q({"modules": {"$regex": "lesson"}}),
        "Course?q=" + _q({"modules": [MODULE]}),
        "Course?q=" + _q({"$or": [{"title": "x"}, {"final_project.solution": {"$regex": "^The"}}]}),
        "Course?sort=modules",
        "Course?sort=-final_project.solution",
        "Course/v2/list?sort=modules",
        "Course/v2/list?q=" + _q({"modules": {"$exists": True}}),
        "Course/v2/list?distinct=title&q=" + _q({"final_project.solution": "The answer"}),
        "Course/count?q=" + _q({"final_project.solution": "The answer"}),
    ],
    ids=[
        "regex on modules",
        "equality on modules",
        "final project inside $or",
        "sort by modules",
        "sort by final project",
        "page sorted by modules",
        "page filtered on modules",
        "distinct filtered on final project",
        "count filtered on final project",
    ],
)
def test_queries_and_sorts_on_hidden_fields_are_refused_to_all_but_admins(
    gateway: Any, make_user: Any, paid: dict[str, Any], path: str
) -> None:
    _, instructor = make_user("instructor", email=INSTRUCTOR)
    for headers in ({}, bearer(instructor)):
        resp = gateway.get(f"{BASE}/{path}", headers=headers)
        assert resp.status_code == 400, resp.get_json()
        assert resp.get_json()["code"] == "INVALID_PARAMETERS"
        assert resp.get_json()["message"] == "These fields cannot be used in queries or sorts"
    _, admin = make_user("admin")
    assert gateway.get(f"{BASE}/{path}", headers=bearer(admin)).status_code == 200


def test_hidden_field_refusal_names_the_fields(gateway: Any, paid: dict[str, Any]) -> None:
    query = _q({"final_project.solution": "x", "modules": [], "title": "Paid"})
    resp = gateway.get(f"{BASE}/Course?q={query}&sort=modules")
    assert resp.status_code == 400
    assert resp.get_json()["details"] == {"fields": ["final_project.solution", "modules"], "entity": "Course"}


def test_writes_answer_the_writer_with_the_whole_course(gateway: Any, make_user: Any, paid: dict[str, Any]) -> None:
    _, instructor = make_user("instructor", email=INSTRUCTOR)
    updated = gateway.put(f"{BASE}/Course/{paid['id']}", json={"title": "Paid 2"}, headers=bearer(instructor))
    assert updated.status_code == 200
    assert updated.get_json()["modules"] == FULL_MODULES
    assert updated.get_json()["final_project"] == PROJECT
