"""Export fixtures: a local blob folder per test, course shapes, callers, and helpers to
call the export functions and read back the ZIPs they store."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers import call_function, local_blob_store

APP = "/api/apps/sparkacademy"
BASE_URL = "http://exports.test"


@pytest.fixture(autouse=True)
def blobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from local_blob_store(tmp_path, monkeypatch, BASE_URL)


def quiz(title: str, questions: int = 2, passing: int = 80) -> dict[str, Any]:
    return {
        "title": title,
        "passing_score": passing,
        "questions": [
            {"question": f"Question {n + 1}?", "options": ["wrong", "right", "also wrong"], "correct_answer": 1}
            for n in range(questions)
        ],
    }


def course_doc(instructor_email: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": "React Hooks Mastery",
        "description": "Hooks from the ground up.",
        "is_published": True,
        "price": 0,
        "instructor_email": instructor_email,
        "modules": [
            {
                "id": "mod_basics",
                "title": "Basics",
                "lessons": [
                    {"id": "les_what", "title": "What are Hooks?", "content": "Hooks let you use state.\n\nMore."},
                    {"id": "les_state", "title": "useState", "content": "useState holds state."},
                ],
                "quiz": {"id": "quiz_basics", **quiz("Basics quiz")},
            },
            {"id": "mod_empty", "title": "Coming soon", "lessons": []},
            {"id": "mod_check", "title": "Checkpoint", "lessons": [], "quiz": quiz("Checkpoint quiz", 1, 70)},
        ],
        **extra,
    }


@pytest.fixture
def world(make_user: Callable[..., tuple[dict[str, Any], str]]) -> dict[str, Any]:
    """An instructor's course, a student enrolled in it, another instructor, an admin."""
    from entities import store

    instructor, instructor_token = make_user("instructor")
    other, other_token = make_user("instructor")
    student, student_token = make_user("student")
    admin, admin_token = make_user("admin")
    course = store.create("Course", course_doc(instructor["email"]), created_by=instructor["email"])
    return {
        "course": course,
        "users": {"instructor": instructor, "other": other, "student": student, "admin": admin},
        "tokens": {
            "instructor": instructor_token,
            "other": other_token,
            "student": student_token,
            "admin": admin_token,
        },
    }


def invoke(gateway: Any, name: str, token: str | None, body: dict[str, Any]) -> Any:
    return call_function(gateway, name, body, token)


def download(gateway: Any, url: str) -> bytes:
    parts = urlsplit(url)
    assert parts.netloc == urlsplit(BASE_URL).netloc
    answer = gateway.get(f"{parts.path}?{parts.query}")
    assert answer.status_code == 200, answer.get_json()
    return bytes(answer.data)


def open_zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))
