"""Demo data for local development: accounts, courses and an enrollment.

The records the seed document's examples name exist under those ids: courses
`crs_abc123` (paid, for the purchase flow) and `crs_def456` (free), whose module
`mod_abc123` holds lesson `les_abc123`; the student's enrollment `enr_abc123` in
it; organization `org_abc123`, administered by the organization admin. Missing
demo records are made again at each start; nothing else is touched.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from entities import accounts, app_tokens, store
from shared.auth import Role
from shared.errors import ConflictError

DEFAULT_PASSWORD = "Spark-demo-2026!"
ORGANIZATION_ID = "org_abc123"
ENROLLMENT_ID = "enr_abc123"
ACCOUNTS = (
    ("admin@sparkacademy.test", "Ada Admin", Role.ADMIN),
    ("instructor@sparkacademy.test", "Ines Instructor", Role.INSTRUCTOR),
    ("student@sparkacademy.test", "Sam Student", Role.STUDENT),
    ("orgadmin@sparkacademy.test", "Olga Org-Admin", Role.ORG_ADMIN),
)


def _lessons(*titles: str) -> list[dict[str, Any]]:
    return [{"title": t, "content": f"{t}: notes and examples.", "duration": 10} for t in titles]


COURSES: tuple[dict[str, Any], ...] = (
    {
        "id": "crs_abc123",
        "title": "React Fundamentals",
        "description": "Components, props and state from the ground up.",
        "category": "programming",
        "level": "beginner",
        "price": 49.99,
        "is_published": True,
        "modules": [
            {
                "title": "Getting Started",
                "lessons": _lessons("What is React?", "Your first component"),
                "quiz": {
                    "questions": [
                        {
                            "question": "What does JSX compile to?",
                            "options": ["HTML", "function calls"],
                            "correct_answer": 1,
                        }
                    ],
                    "passing_score": 70,
                },
            },
            {"title": "State", "lessons": _lessons("useState", "Lifting state up")},
        ],
    },
    {
        "id": "crs_def456",
        "title": "Introduction to Python",
        "description": "A free first course in programming.",
        "category": "programming",
        "level": "beginner",
        "price": 0,
        "is_published": True,
        "modules": [
            {
                "id": "mod_abc123",
                "title": "Basics",
                "lessons": [
                    {
                        "id": "les_abc123",
                        "title": "Variables",
                        "content": "Variables: notes and examples.",
                        "duration": 10,
                    },
                    *_lessons("Loops", "Functions"),
                ],
            }
        ],
    },
    {
        "id": "crs_ghi789",
        "title": "Advanced TypeScript Patterns",
        "description": "Generics, conditional types and API design.",
        "category": "programming",
        "level": "advanced",
        "price": 99,
        "is_published": True,
        "modules": [{"title": "Types in depth", "lessons": _lessons("Generics", "Conditional types")}],
    },
    {
        "id": "crs_jkl012",
        "title": "Kubernetes for Developers (draft)",
        "description": "Not yet published.",
        "category": "devops",
        "level": "intermediate",
        "price": 79,
        "is_published": False,
        "modules": [{"title": "Pods", "lessons": _lessons("What is a pod?")}],
    },
)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


# The application token a front end of the demo sends (`VITE_BASE44_TOKEN`); it names the app only.
DEFAULT_APP_TOKEN = "b44_app_sparkacademy_demo_frontend"


def demo_app_token() -> str:
    return os.environ.get("DEMO_APP_TOKEN") or DEFAULT_APP_TOKEN


def _create_account(email: str, name: str, role: Role) -> dict[str, Any]:
    organization = ORGANIZATION_ID if role == Role.ORG_ADMIN else None
    try:
        return accounts.create_user(
            email=email,
            password=demo_password(),
            full_name=name,
            role=role,
            created_by=None,
            organization_id=organization,
        )
    except ConflictError:  # made by another process meanwhile
        return accounts.user_by_email(email) or {}


def _create_missing(name: str, record_id: str, data: dict[str, Any], created_by: str) -> None:
    if store.find(name, record_id) is None:
        fields = {k: v for k, v in data.items() if k != "id"}
        with contextlib.suppress(ConflictError):
            store.create(name, fields, created_by=created_by, id=record_id)


def load() -> dict[str, Any]:
    """Create the demo accounts, courses and enrollment that are not there.

    Records are made side by side: password hashing and the emulator's round trips
    are most of `make dev`'s first start.
    """
    with ThreadPoolExecutor(max_workers=len(ACCOUNTS) + len(COURSES)) as pool:
        found = list(
            pool.map(lambda account: accounts.user_by_email(account[0]) or _create_account(*account), ACCOUNTS)
        )
        users = {role: user for (_, _, role), user in zip(ACCOUNTS, found, strict=True)}
        instructor, student = users[Role.INSTRUCTOR], users[Role.STUDENT]
        teacher = {"instructor_email": instructor["email"], "instructor_name": instructor["full_name"]}
        writes = [
            pool.submit(_create_missing, "Course", course["id"], {**course, **teacher}, instructor["email"])
            for course in COURSES
        ]
        enrollment = {
            "course_id": "crs_def456",
            "student_email": student["email"],
            "student_id": student["id"],
            "status": "active",
            "source": "free",
            "enrolled_at": "2026-01-17T10:00:00Z",
        }
        writes.append(pool.submit(_create_missing, "Enrollment", ENROLLMENT_ID, enrollment, student["email"]))
        writes.append(pool.submit(app_tokens.ensure, demo_app_token(), "Demo front end", "make dev"))
        for write in writes:
            write.result()
    return {
        "accounts": [email for email, _, _ in ACCOUNTS],
        "password": demo_password(),
        "app_token": demo_app_token(),
    }
