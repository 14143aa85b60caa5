"""Who may record progress: a learner in their own open enrollment (quizzes only through submitQuiz)."""

from __future__ import annotations

from typing import Any

from entities import learning, store
from entities.base import Policy, require_signed_in
from entities.progress import find_lesson
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError
from shared.firestore import now_iso


class ProgressPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        return None if caller.is_admin else {"student_email": caller.email}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        enrollment = learning.writable_enrollment(caller, data.get("enrollment_id"))
        course = store.get("Course", enrollment["course_id"])
        lesson_id = data.get("lesson_id")
        if lesson_id:
            found = find_lesson(course, str(lesson_id))
            if found is None:
                raise InvalidInputError("This lesson is not part of the course", details={"lesson_id": lesson_id})
            module, _ = found
            if data.get("module_id") not in (None, module.get("id")):
                raise InvalidInputError("The lesson belongs to another module", details={"module_id": module.get("id")})
            data = {**data, "module_id": module.get("id")}
        elif not caller.is_admin:
            raise ForbiddenError("Quiz results are recorded by submitQuiz")
        now = now_iso()
        if data.get("completed") and not data.get("completed_at"):
            data = {**data, "completed_at": now}
        return {
            **data,
            "student_email": enrollment["student_email"],
            "course_id": enrollment["course_id"],
            "last_accessed": now,
        }

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        if not caller.is_admin and not caller.owns(existing.get("student_email")):
            raise ForbiddenError("Not your progress")
        for key in ("enrollment_id", "student_email", "course_id", "lesson_id", "module_id"):
            if key in changes and changes[key] != existing.get(key):
                raise ForbiddenError(f"{key} cannot be changed")
        if changes.get("completed") and existing.get("completed"):
            # Completing again counts once: the first completion time stands.
            changes = {**changes, "completed_at": existing.get("completed_at")}
        elif changes.get("completed") and not changes.get("completed_at"):
            changes = {**changes, "completed_at": now_iso()}
        elif changes.get("completed") is False:
            changes = {**changes, "completed_at": None}
        return {**changes, "last_accessed": now_iso()}

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        self.check_update(caller, existing, {})

    def after_write(self, record: dict[str, Any]) -> None:
        learning.recompute_enrollment(record["enrollment_id"], accessed=True)
