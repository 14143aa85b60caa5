"""Enrollment: one student in one course. Its id is derived from the pair, so the
same enrollment can never be created twice, whoever races to create it."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import Field

from entities import store
from entities.base import EntityModel, EntityType, Policy, require_signed_in
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, InvalidInputError

STUDENT_WRITABLE = frozenset({"last_accessed"})


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


class EnrollmentPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.role == Role.ORG_ADMIN and caller.org_id:
            return {"$or": [{"student_email": caller.email}, {"organization_id": caller.org_id}]}
        return None if caller.is_admin else {"student_email": caller.email}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        from entities import enrolling
        from entities.access import enrollment_source
        from entities.licences import enterprise_enrollment

        course_id = data.get("course_id")
        if caller.is_admin:
            return self._by_admin(data)
        if caller.role == Role.ORG_ADMIN and data.get("student_email") not in (None, caller.email):
            return enterprise_enrollment(caller, data)
        if data.get("student_email") not in (None, caller.email):
            raise ForbiddenError("Students enroll only themselves")
        if not isinstance(course_id, str):
            raise InvalidInputError(
                "course_id is required",
                details={"fields": [{"field": "course_id", "type": "missing", "message": "course_id is required"}]},
            )
        course = store.find("Course", course_id)
        if course is None or not course.get("is_published"):
            raise InvalidInputError("Course is not open for enrollment", details={"course_id": course_id})
        granted = enrolling.granted(
            course,
            student_email=str(caller.email),
            student_id=caller.user_id,
            source=enrollment_source(caller, course),
            last_accessed=data.get("last_accessed"),
        )
        return {**data, **granted}  # the server's fields, never the client's

    @staticmethod
    def _by_admin(data: dict[str, Any]) -> dict[str, Any]:
        """An admin sets what they give; what they leave out is granted as for anyone (access by the course)."""
        from entities import enrolling

        course_id, email = data.get("course_id"), data.get("student_email")
        source = data.get("source") or "admin"
        course = store.find("Course", course_id) if isinstance(course_id, str) and course_id else None
        if course is None or not isinstance(email, str):
            return {"source": source, **data}
        defaults = enrolling.granted(course, student_email=email, student_id=None, source=str(source))
        return {**defaults, **data}

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        if caller.is_admin:
            return changes
        if not caller.owns(existing.get("student_email")):
            raise ForbiddenError("Not your enrollment")
        refused = sorted(k for k, v in changes.items() if k not in STUDENT_WRITABLE and existing.get(k) != v)
        if refused:
            raise ForbiddenError("Students may change only last_accessed", details={"fields": refused})
        return changes


ENTITY = EntityType(
    name="Enrollment",
    model=Enrollment,
    id_prefix="enr",
    policy=EnrollmentPolicy(),
    protected_fields=frozenset({"time_spent_seconds", "quiz_score_average", "rating", "rated_at"}),
    natural_id=lambda data: enrollment_id(str(data["course_id"]), str(data["student_email"])),
    # A course's or a status's enrollments by date or progress; recent ones above a progress.
    indexes=(
        ("course_id", "progress_percent"),
        ("status", "progress_percent"),
        (("created_date", "progress_percent"),),
    ),
)
