"""Enrollment: one student in one course. Its id is derived from the pair, so the
same enrollment can never be created twice, whoever races to create it."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field

from entities.base import EntityModel, EntityType

STUDENT_WRITABLE = frozenset({"last_accessed"})
# Sources whose access ends with the plan, not a date: the tier is what counts while it lasts.
SUBSCRIBED_SOURCES = frozenset({"subscription"})


class Enrollment(EntityModel):
    course_id: str = Field(min_length=1, max_length=128)
    student_email: str = Field(min_length=3, max_length=320)
    student_id: str | None = None
    # suspended: a dispute of its payment is open; refunded: its payment came back.
    status: Literal["active", "completed", "cancelled", "refunded", "expired", "suspended"] = "active"
    enrolled_at: str | None = None
    source: Literal["free", "purchase", "subscription", "admin", "enterprise"] | None = None
    purchase_id: str | None = None
    progress_percent: float = Field(default=0, ge=0, le=100)
    completed_at: str | None = None
    last_accessed: str | None = None
    organization_id: str | None = None
    time_spent_seconds: int = Field(default=0, ge=0)  # the lessons' time, kept by the server
    quiz_score_average: float | None = Field(default=None, ge=0, le=100)  # of the best scores, kept by the server
    access_until: str | None = None  # UTC ISO 8601; None: no end (see `entities.enrolling.access_until`)
    rating: int | None = Field(default=None, ge=1, le=5)  # the learner's one rating of the course
    rated_at: str | None = None


def enrollment_id(course_id: str, student_email: str) -> str:
    digest = hashlib.sha256(f"{course_id}|{student_email.lower()}".encode()).hexdigest()
    return f"enr_{digest[:24]}"


ENTITY = EntityType(
    name="Enrollment",
    model=Enrollment,
    id_prefix="enr",
    protected_fields=frozenset({"time_spent_seconds", "quiz_score_average", "rating", "rated_at"}),
    natural_id=lambda data: enrollment_id(str(data["course_id"]), str(data["student_email"])),
    # A course's or a status's enrollments by date or progress; recent ones above a progress.
    indexes=(
        ("course_id", "progress_percent"),
        ("status", "progress_percent"),
        (("created_date", "progress_percent"),),
    ),
)
