"""The 7P surface's course and lesson routes, over the same records as the Base44 functions."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from entities.enrollment import enrollment_id
from rest import commerce_responses as responses
from tests.helpers import bearer


def _course(**fields: Any) -> dict[str, Any]:
    data = {
        "title": "TypeScript Basics",
        "price": 0,
        "is_published": True,
        "instructor_email": "ines@example.test",
        "requirements": ["A browser"],
        "what_you_learn": ["Types"],
        "target_audience": ["Beginners"],
        "modules": [
            {
                "id": "mod_a",
                "title": "Start",
                "lessons": [
                    {"id": "les_a1", "title": "Hello", "duration": 30, "video_url": "https://v.test/1"},
                    {"id": "les_a2", "title": "Types", "duration": 30, "content": "text"},
                ],
                "quiz": {
                    "id": "quiz_a",
                    "title": "Check",
                    "questions": [{"question": "1+1?", "options": ["1", "2"], "correct_answer": 1}],
                },
            }
        ],
        **fields,
    }
    return store.create("Course", data, created_by="ines@example.test")


@pytest.fixture
def teacher(make_user: Any) -> dict[str, Any]:
    user, _ = make_user("instructor", email="ines@example.test", full_name="Ines Teach", bio="Teaches")
    return user


def test_enroll_then_list_and_detail(gateway, make_user, teacher):
    course = _course()
    user, token = make_user("student")
    assert gateway.get("/api/courses").status_code == 401
    enrolled = gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    assert enrolled.status_code == 201, enrolled.get_json()
    body = responses.Enrolled.model_validate(enrolled.get_json())
    assert (body.enrollment.course_id, body.enrollment.user_id, body.enrollment.source) == (
        course["id"],
        user["id"],
        "free",
    )
    assert body.enrollment.access_until is None
    again = gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    assert again.status_code == 409
    assert (again.get_json()["success"], again.get_json()["code"]) == (False, "COURSE_ALREADY_ENROLLED")
    listed = responses.UserCourses.model_validate(gateway.get("/api/courses", headers=bearer(token)).get_json())
    [mine] = listed.courses
    assert (mine.id, mine.progress, mine.total_lessons, mine.duration_hours) == (course["id"], 0, 2, 1.0)
    assert mine.instructor.display_name == "Ines Teach"
    detail = responses.CourseDetail.model_validate(
        gateway.get(f"/api/courses/{course['id']}", headers=bearer(token)).get_json()
    ).course
    assert [(lesson.id, lesson.type, lesson.order_index) for lesson in detail.modules[0].lessons] == [
        ("les_a1", "video", 0),
        ("les_a2", "text", 1),
        ("quiz_a", "quiz", 2),
    ]
    assert (detail.instructor.id, detail.instructor.bio, detail.requirements, detail.is_free) == (
        teacher["id"],
        "Teaches",
        ["A browser"],
        True,
    )


def test_access_days_set_access_until(gateway, make_user, teacher):
    course = _course(access_days=30)
    _, token = make_user("student")
    until = gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token)).get_json()["enrollment"][
        "access_until"
    ]
    assert until and until[:4] >= "2026"


def test_a_student_cannot_choose_their_own_access_end(gateway, make_user, teacher):
    from datetime import UTC, datetime, timedelta

    course = _course(access_days=30)
    _, token = make_user("student")
    sent = {"course_id": course["id"], "access_until": "2099-01-01T00:00:00.000000Z"}
    created = gateway.post("/api/apps/sparkacademy/entities/Enrollment", json=sent, headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    until = datetime.fromisoformat(created.get_json()["access_until"].replace("Z", "+00:00"))
    assert abs(until - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)


def test_paid_course_points_to_checkout_unless_on_a_plan(gateway, make_user, teacher):
    course = _course(price=30)
    user, token = make_user("student")
    refused = gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    assert refused.status_code == 403 and refused.get_json()["details"]["checkout"] == "course"
    assert refused.get_json()["code"] == "COURSE_ACCESS_DENIED"
    store.create(
        "Subscription",
        {
            "user_email": user["email"],
            "plan": "monthly",
            "status": "active",
            "expires_at": "2027-01-01T00:00:00.000000Z",
        },
        created_by=None,
    )
    ok = gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    assert ok.status_code == 201
    assert ok.get_json()["enrollment"]["source"] == "subscription"
    assert ok.get_json()["enrollment"]["access_until"] == "2027-01-01T00:00:00.000000Z"


def test_unknown_or_unpublished_course_is_404(gateway, make_user, teacher):
    draft = _course(is_published=False, title="Draft", modules=[])
    _, token = make_user("student")
    for path in (f"/api/courses/{draft['id']}", "/api/courses/crs_nope"):
        missing = gateway.get(path, headers=bearer(token))
        assert missing.status_code == 404 and missing.get_json()["code"] == "COURSE_NOT_FOUND"
    assert gateway.post(f"/api/courses/{draft['id']}/enroll", headers=bearer(token)).status_code == 404


def test_progress_on_either_surface_is_the_same_record(gateway, make_user, teacher):
    course = _course()
    user, token = make_user("student")
    gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    put = gateway.put(
        f"/api/courses/{course['id']}/progress",
        json={"lesson_id": "les_a1", "progress_percentage": 40, "completed": False, "time_spent_seconds": 60},
        headers=bearer(token),
    )
    assert put.status_code == 200, put.get_json()
    progress = responses.CourseProgressAnswer.model_validate(put.get_json()).updated_progress
    assert (progress.lesson_progress, progress.total_time_spent, progress.completed_lessons) == (40, 60, 0)
    # The Base44 function completes the same lesson: one record, time added up.
    enrollment = enrollment_id(course["id"], user["email"])
    base44 = gateway.post(
        "/api/apps/sparkacademy/functions/recordProgress",
        json={"enrollmentId": enrollment, "lessonId": "les_a1", "timeSpentSeconds": 30},
        headers=bearer(token),
    )
    assert base44.status_code == 200
    records = store.query("Progress", {"enrollment_id": enrollment})
    assert len(records) == 1 and records[0]["time_spent_seconds"] == 90 and records[0]["completed"]
    detail = gateway.get(f"/api/courses/{course['id']}", headers=bearer(token)).get_json()["course"]
    assert [lesson["is_completed"] for lesson in detail["modules"][0]["lessons"]] == [True, False, False]
    # Going back to 10% does not undo a completion.
    put = gateway.put(
        f"/api/courses/{course['id']}/progress",
        json={"lesson_id": "les_a1", "progress_percentage": 10, "completed": False, "time_spent_seconds": 0},
        headers=bearer(token),
    )
    assert put.get_json()["updated_progress"]["lesson_progress"] == 100
    assert put.get_json()["updated_progress"]["course_progress"] == 50


def test_lesson_progress_finds_the_course_and_never_counts_a_reported_quiz_score(gateway, make_user, teacher):
    course = _course()
    user, token = make_user("student")
    gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    for lesson in ("les_a1", "les_a2"):
        resp = gateway.post(
            f"/api/lessons/{lesson}/progress",
            json={
                "progress_percentage": 100,
                "time_spent_seconds": 5,
                "completed": True,
                "quiz_score": 100,
                "notes": "ok",
            },
            headers=bearer(token),
        )
        assert resp.status_code == 200, resp.get_json()
    body = responses.LessonProgressAnswer.model_validate(resp.get_json()).lesson_progress
    assert (body.lesson_id, body.completed, body.quiz_score) == ("les_a2", True, 100)
    enrollment = store.get("Enrollment", enrollment_id(course["id"], user["email"]))
    # Every lesson done, the quiz never taken: not complete, and no quiz result was written.
    assert enrollment["status"] == "active" and enrollment["progress_percent"] == 100
    assert all(r.get("quiz_score") is None for r in store.query("Progress", {"enrollment_id": enrollment["id"]}))
    unknown = gateway.post(
        "/api/lessons/les_nope/progress",
        json={"progress_percentage": 1, "time_spent_seconds": 1, "completed": False},
        headers=bearer(token),
    )
    assert unknown.status_code == 404
    _, stranger = make_user("student")
    refused = gateway.post(
        "/api/lessons/les_a1/progress",
        json={"progress_percentage": 1, "time_spent_seconds": 1, "completed": False},
        headers=bearer(stranger),
    )
    assert refused.status_code == 403


def test_lesson_ids_are_unique_across_courses(gateway, make_user, teacher):
    _course()
    _, admin = make_user("admin")
    clash = gateway.post(
        "/api/apps/sparkacademy/entities/Course",
        json={"title": "Copy", "modules": [{"title": "M", "lessons": [{"id": "les_a1", "title": "Hello"}]}]},
        headers=bearer(admin),
    )
    assert clash.status_code == 409 and clash.get_json()["details"]["lesson_ids"] == ["les_a1"]


@pytest.mark.parametrize(
    "payload",
    [
        {"lesson_id": "les_a1", "progress_percentage": 101, "completed": False, "time_spent_seconds": 1},
        {"lesson_id": "les_a1", "progress_percentage": 5, "completed": "yes", "time_spent_seconds": 1},
        {"lesson_id": "les_zz", "progress_percentage": 5, "completed": False, "time_spent_seconds": 1},
        {"progress_percentage": 5, "completed": False, "time_spent_seconds": 1},
    ],
)
def test_bad_progress_is_400(gateway, make_user, teacher, payload):
    course = _course()
    _, token = make_user("student")
    gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    assert gateway.put(f"/api/courses/{course['id']}/progress", json=payload, headers=bearer(token)).status_code == 400


def test_ratings_once_per_enrollment_and_student_counter(gateway, make_user, teacher):
    course = _course()
    tokens = [make_user("student")[1] for _ in range(3)]
    for token in tokens:
        assert gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token)).status_code == 201
    assert store.get("Course", course["id"])["total_students"] == 3
    first = gateway.post(f"/api/courses/{course['id']}/rating", json={"rating": 5}, headers=bearer(tokens[0]))
    assert first.status_code == 200 and first.get_json()["rating"] == {
        "course_rating": 5,
        "rating_count": 1,
        "your_rating": 5,
    }
    second = gateway.post(f"/api/courses/{course['id']}/rating", json={"rating": 2}, headers=bearer(tokens[1]))
    assert second.get_json()["rating"]["course_rating"] == 3.5
    again = gateway.post(f"/api/courses/{course['id']}/rating", json={"rating": 1}, headers=bearer(tokens[0]))
    assert again.status_code == 409
    _, outsider = make_user("student")
    refused = gateway.post(f"/api/courses/{course['id']}/rating", json={"rating": 1}, headers=bearer(outsider))
    assert refused.status_code == 403
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "5"}, {}):
        assert (
            gateway.post(f"/api/courses/{course['id']}/rating", json=bad, headers=bearer(tokens[2])).status_code == 400
        )
    stored = store.get("Course", course["id"])
    assert (stored["rating"], stored["rating_count"], stored["total_students"]) == (3.5, 2, 3)
