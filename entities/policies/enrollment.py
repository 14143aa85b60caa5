"""Who may read and create enrollments: every new one is granted by `entities.enrolling`."""

from __future__ import annotations

from typing import Any

from entities import enrolling, store
from entities.access import enrollment_source
from entities.base import Policy, require_signed_in
from entities.enrollment import STUDENT_WRITABLE
from entities.licences import enterprise_enrollment
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, InvalidInputError


class EnrollmentPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.role == Role.ORG_ADMIN and caller.org_id:
            return {"$or": [{"student_email": caller.email}, {"organization_id": caller.org_id}]}
        return None if caller.is_admin else {"student_email": caller.email}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
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
