"""Demo data for local development: accounts, courses, an enrollment and an organization.

The records the seed documents' examples name exist under those ids (`seed_ids()`):
courses `crs_abc123` and `crs_def456`, both paid (the bundle checkout buys the two),
`crs_def456`'s module `mod_abc123` holding lesson `les_abc123`; the demo student's
completed enrollment `enr_abc123` in it; organization `org_abc123` (administered by
the organization admin, with a seat pool), its team `team_eng`, its training program
`prog_abc123`, its HR integrations `int_bamboo123` and `int_workday123`; the video
session `vid_abc123` of `crs_abc123`. `crs_mno345` is the free course. Missing demo
records are made again at each start; nothing else is touched; `missing()` names any
seed record that is still absent, and `make dev` refuses to serve without them.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from entities import accounts, app_tokens, store
from entities.learning import recompute_enrollment
from entities.progress import progress_id
from functions.video import providers, sessions
from shared.auth import Role
from shared.errors import ConflictError

DEFAULT_PASSWORD = "Spark-demo-2026!"
ORGANIZATION_ID = "org_abc123"
ENROLLMENT_ID = "enr_abc123"
TEAM_ID = "team_eng"
PROGRAM_ID = "prog_abc123"
VIDEO_SESSION_ID = "vid_abc123"
FREE_COURSE_ID = "crs_mno345"
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
        "description": "A first course in programming.",
        "category": "programming",
        "level": "beginner",
        "price": 29.99,
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
                    {"id": "les_def456", **_lessons("Loops")[0]},
                    {"id": "les_ghi789", **_lessons("Functions")[0]},
                ],
            }
        ],
    },
    {
        "id": FREE_COURSE_ID,
        "title": "Git Basics",
        "description": "A free first look at version control.",
        "category": "programming",
        "level": "beginner",
        "price": 0,
        "is_published": True,
        "modules": [{"title": "Commits", "lessons": _lessons("Your first commit", "Branches")}],
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


def _create_missing(name: str, record_id: str, data: dict[str, Any], created_by: str | None) -> None:
    if store.find(name, record_id) is None:
        fields = {k: v for k, v in data.items() if k != "id"}
        with contextlib.suppress(ConflictError):
            store.create(name, fields, created_by=created_by, id=record_id)


def _organization_records() -> list[tuple[str, str, dict[str, Any]]]:
    """(entity, id, fields) of the seed's organization and what the enterprise examples name in it."""
    org = ORGANIZATION_ID
    return [
        ("Organization", org, {"name": "Company Inc.", "domain": "company.com", "licence": {"pool_seats": 100}}),
        ("Team", TEAM_ID, {"organization_id": org, "name": "Engineering", "source": "manual"}),
        (
            "Program",
            PROGRAM_ID,
            {"organization_id": org, "name": "Web development", "course_ids": ["crs_abc123", "crs_def456"]},
        ),
        ("Integration", "int_bamboo123", {"organization_id": org, "provider": "bamboohr", "name": "BambooHR"}),
        (
            "Integration",
            "int_workday123",
            {"organization_id": org, "provider": "workday", "name": "Workday", "settings": {"source": "workers"}},
        ),
    ]


def _video_session(instructor: dict[str, Any]) -> dict[str, Any]:
    """`vid_abc123`: the seed's live Q&A of crs_abc123, on the local (Jitsi) provider."""
    from datetime import UTC, datetime

    start = datetime(2026, 1, 20, 14, 0, tzinfo=UTC)
    host = providers.Host(email=instructor["email"], name=instructor["full_name"], user_id=instructor["id"])
    provider = providers.provider("jitsi")
    meeting = provider.create_meeting(
        room=sessions.room_name(VIDEO_SESSION_ID), topic="Live Q&A Session", start=start, duration_minutes=60, host=host
    )
    return {
        "course_id": "crs_abc123",
        "title": "Live Q&A Session",
        "scheduled_for": "2026-01-20T14:00:00Z",
        "duration": 60,
        "host_email": instructor["email"],
        "provider": provider.name,
        "provider_meeting_id": meeting.meeting_id,
        "join_url": meeting.join_url,
        "start_url": meeting.start_url,
        "status": "scheduled",
    }


def _completed_lessons(student: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """The demo student has finished crs_def456: one completed Progress record per lesson."""

    course = next(c for c in COURSES if c["id"] == "crs_def456")
    return [
        (
            "Progress",
            progress_id(ENROLLMENT_ID, lesson_id=lesson["id"]),
            {
                "enrollment_id": ENROLLMENT_ID,
                "module_id": module["id"],
                "lesson_id": lesson["id"],
                "completed": True,
                "completed_at": "2026-01-17T10:00:00Z",
                "time_spent_seconds": 600,
                "student_email": student["email"],
                "course_id": course["id"],
            },
        )
        for module in course["modules"]
        for lesson in module["lessons"]
    ]


def load() -> dict[str, Any]:
    """Create the demo records that are not there.

    Records are made side by side: password hashing and the emulator's round trips
    are most of `make dev`'s first start.
    """

    with ThreadPoolExecutor(max_workers=len(ACCOUNTS) + len(COURSES) + 8) as pool:
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
        writes += [pool.submit(_create_missing, *record, None) for record in _organization_records()]
        for write in writes:
            write.result()  # the enrollment, programs and sessions name these courses
        enrollment = {
            "course_id": "crs_def456",
            "student_email": student["email"],
            "student_id": student["id"],
            "status": "active",
            "source": "admin",
            "enrolled_at": "2026-01-17T10:00:00Z",
        }
        writes = [pool.submit(_create_missing, "Enrollment", ENROLLMENT_ID, enrollment, student["email"])]
        writes.append(pool.submit(_create_missing, "VideoSession", VIDEO_SESSION_ID, _video_session(instructor), None))
        writes.append(pool.submit(app_tokens.ensure, demo_app_token(), "Demo front end", "make dev"))
        for write in writes:
            write.result()
        progress = [pool.submit(_create_missing, *record, student["email"]) for record in _completed_lessons(student)]
        for write in progress:
            write.result()
    recompute_enrollment(ENROLLMENT_ID)
    return {
        "accounts": [email for email, _, _ in ACCOUNTS],
        "password": demo_password(),
        "app_token": demo_app_token(),
    }


def seed_ids() -> list[tuple[str, str]]:
    """(entity, id) of every record the seed documents' examples name."""
    return [
        *(("Course", course_id) for course_id in ("crs_abc123", "crs_def456")),
        ("Enrollment", ENROLLMENT_ID),
        *((name, record_id) for name, record_id, _ in _organization_records()),
        ("VideoSession", VIDEO_SESSION_ID),
    ]


def missing() -> list[str]:
    """The seed records that do not exist, as `Entity id`, plus the lesson and module the examples name."""
    absent = [f"{name} {record_id}" for name, record_id in seed_ids() if store.find(name, record_id) is None]
    course = store.find("Course", "crs_def456") or {}
    lessons = {(m.get("id"), les.get("id")) for m in course.get("modules") or [] for les in m.get("lessons") or []}
    if ("mod_abc123", "les_abc123") not in lessons:
        absent.append("Course crs_def456 module mod_abc123 lesson les_abc123")
    for email, _, _ in ACCOUNTS:
        if accounts.user_by_email(email) is None:
            absent.append(f"User {email}")
    return absent
