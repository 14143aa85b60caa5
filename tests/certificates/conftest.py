"""Certificate fixtures: a local blob folder per test, a course with lessons and a quiz,
enrollments, and helpers to complete lessons and record quiz results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import bearer, call_function, local_blob_store

APP = "/api/apps/sparkacademy"


@pytest.fixture(autouse=True)
def blobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from local_blob_store(tmp_path, monkeypatch, "http://certs.test")


def course_doc(instructor_email: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": "React Hooks Mastery",
        "is_published": True,
        "price": 0,
        "instructor_email": instructor_email,
        "modules": [
            {
                "id": "mod_basics",
                "title": "Basics",
                "lessons": [
                    {"id": "les_what", "title": "What are Hooks?"},
                    {"id": "les_state", "title": "useState"},
                ],
                "quiz": {
                    "id": "quiz_basics",
                    "title": "Basics quiz",
                    "passing_score": 70,
                    "questions": [
                        {"question": "Which hook holds state?", "options": ["useState", "useRef"], "correct_answer": 0},
                    ],
                },
            },
            {
                "id": "mod_effects",
                "title": "Effects",
                "lessons": [{"id": "les_effect", "title": "useEffect"}],
                "quiz": None,
            },
        ],
        **extra,
    }


@pytest.fixture
def world(make_user: Callable[..., tuple[dict[str, Any], str]]) -> dict[str, Any]:
    """An instructor's course, a student enrolled in it, another student, an admin."""
    from entities import store
    from entities.enrollment import enrollment_id

    instructor, instructor_token = make_user("instructor", full_name="Grace Hopper")
    student, student_token = make_user("student", full_name="Zoë Ødegård")
    other, other_token = make_user("student", full_name="Mallory Other")
    admin, admin_token = make_user("admin", full_name="Ada Admin")
    course = store.create("Course", course_doc(instructor["email"]), created_by=instructor["email"])
    enrollment = store.create(
        "Enrollment",
        {"course_id": course["id"], "student_email": student["email"], "student_id": student["id"], "status": "active"},
        created_by=student["email"],
        id=enrollment_id(course["id"], student["email"]),
    )
    return {
        "course": course,
        "enrollment": enrollment,
        "instructor": instructor,
        "student": student,
        "other": other,
        "admin": admin,
        "tokens": {
            "instructor": instructor_token,
            "student": student_token,
            "other": other_token,
            "admin": admin_token,
        },
    }


def call(gateway: Any, name: str, payload: Any, token: str | None = None) -> Any:
    return call_function(gateway, name, payload, token)


def complete_lessons(gateway: Any, enrollment: dict[str, Any], token: str, lesson_ids: list[str]) -> None:
    for lesson_id in lesson_ids:
        resp = gateway.post(
            f"{APP}/entities/Progress",
            json={"enrollment_id": enrollment["id"], "lesson_id": lesson_id, "completed": True},
            headers=bearer(token),
        )
        assert resp.status_code == 201, resp.get_json()


def record_quiz(enrollment: dict[str, Any], module_id: str, score: float) -> None:
    """A graded quiz result as the server stores it."""
    from entities import store
    from entities.progress import progress_id

    store.create(
        "Progress",
        {
            "enrollment_id": enrollment["id"],
            "module_id": module_id,
            "quiz_score": score,
            "quiz_last_score": score,
            "quiz_passed": score >= 70,
            "quiz_attempts": 1,
            "student_email": enrollment["student_email"],
            "course_id": enrollment["course_id"],
        },
        created_by=enrollment["student_email"],
        id=progress_id(enrollment["id"], module_id=module_id),
    )


ALL_LESSONS = ["les_what", "les_state", "les_effect"]
