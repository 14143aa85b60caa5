"""Demo data for local development: three accounts and a few courses."""

from __future__ import annotations

import os
from typing import Any

from entities import accounts, store
from shared.auth import Role
from shared.errors import ConflictError

DEFAULT_PASSWORD = "Spark-demo-2026!"
ACCOUNTS = (
    ("admin@sparkacademy.test", "Ada Admin", Role.ADMIN),
    ("instructor@sparkacademy.test", "Ines Instructor", Role.INSTRUCTOR),
    ("student@sparkacademy.test", "Sam Student", Role.STUDENT),
)


def _lessons(*titles: str) -> list[dict[str, Any]]:
    return [{"title": t, "content": f"{t}: notes and examples.", "duration": 10} for t in titles]


COURSES: tuple[dict[str, Any], ...] = (
    {
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
        "title": "Introduction to Python",
        "description": "A free first course in programming.",
        "category": "programming",
        "level": "beginner",
        "price": 0,
        "is_published": True,
        "modules": [{"title": "Basics", "lessons": _lessons("Variables", "Loops", "Functions")}],
    },
    {
        "title": "Advanced TypeScript Patterns",
        "description": "Generics, conditional types and API design.",
        "category": "programming",
        "level": "advanced",
        "price": 99,
        "is_published": True,
        "modules": [{"title": "Types in depth", "lessons": _lessons("Generics", "Conditional types")}],
    },
    {
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


def load() -> dict[str, Any]:
    """Create the demo accounts and courses unless they are there already."""
    users = {}
    for email, name, role in ACCOUNTS:
        try:
            users[role] = accounts.create_user(
                email=email, password=demo_password(), full_name=name, role=role, created_by=None
            )
        except ConflictError:
            users[role] = accounts.user_by_email(email)
    instructor = users[Role.INSTRUCTOR]
    if not store.query("Course", {"instructor_email": instructor["email"]}, limit=1):
        for course in COURSES:
            store.create(
                "Course",
                {**course, "instructor_email": instructor["email"], "instructor_name": instructor["full_name"]},
                created_by=instructor["email"],
            )
    return {"accounts": [email for email, _, _ in ACCOUNTS], "password": demo_password()}
