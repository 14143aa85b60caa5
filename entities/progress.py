"""Progress: a student's record of one lesson in one enrollment."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from entities import store
from entities.base import EntityModel, EntityType, Policy, require_signed_in
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError


class Progress(EntityModel):
    enrollment_id: str = Field(min_length=1, max_length=128)
    module_id: str | None = Field(default=None, max_length=128)
    lesson_id: str = Field(min_length=1, max_length=128)
    completed: bool = False
    completed_at: str | None = None
    student_email: str | None = None
    course_id: str | None = None


class ProgressPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        return None if caller.is_admin else {"student_email": caller.email}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        enrollment_id = data.get("enrollment_id")
        if not isinstance(enrollment_id, str):
            raise InvalidInputError(
                "enrollment_id is required", details={"fields": [{"field": "enrollment_id", "type": "missing"}]}
            )
        enrollment = store.find("Enrollment", enrollment_id)
        if enrollment is None:
            raise InvalidInputError("Unknown enrollment", details={"enrollment_id": enrollment_id})
        if not caller.is_admin and not caller.owns(enrollment.get("student_email")):
            raise ForbiddenError("Not your enrollment")
        return {**data, "student_email": enrollment["student_email"], "course_id": enrollment["course_id"]}

    def check_update(
        self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        require_signed_in(caller)
        if not caller.is_admin and not caller.owns(existing.get("student_email")):
            raise ForbiddenError("Not your progress")
        for key in ("enrollment_id", "student_email", "course_id"):
            if key in changes and changes[key] != existing.get(key):
                raise ForbiddenError(f"{key} cannot be changed")
        return changes

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        self.check_update(caller, existing, {})


ENTITY = EntityType(name="Progress", model=Progress, id_prefix="prg", policy=ProgressPolicy())
