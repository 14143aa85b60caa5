"""Who may read and write courses; a course's writes re-derive its learners' progress."""

from __future__ import annotations

from typing import Any

from google.cloud.firestore import FieldFilter

from entities import access, learning, store
from entities.base import Policy, require_signed_in
from entities.course import named_lesson_ids, teaches
from entities.query import FIRESTORE_IN_LIMIT
from shared.auth import Caller, Role
from shared.errors import ConflictError, ForbiddenError
from shared.firestore import io


def refuse_clashes(data: dict[str, Any], own_id: str | None) -> None:
    """409 when another course has the slug or one of the lesson ids: a lesson id finds its one course."""
    slug = data.get("slug")
    if isinstance(slug, str) and any(c["id"] != own_id for c in store.query("Course", {"slug": slug}, limit=2)):
        raise ConflictError("Another course has this slug", details={"slug": slug})
    wanted = named_lesson_ids(data)
    for start in range(0, len(wanted), FIRESTORE_IN_LIMIT):
        chunk = wanted[start : start + FIRESTORE_IN_LIMIT]
        found = store.collection("Course").where(filter=FieldFilter("lesson_ids", "array_contains_any", chunk))
        for snapshot in found.limit(2).stream(**io()):
            if snapshot.id != own_id:
                taken = sorted(set(chunk) & set((snapshot.to_dict() or {}).get("lesson_ids") or []))
                raise ConflictError("Lesson ids belong to another course", details={"lesson_ids": taken})


class CoursePolicy(Policy):
    anonymous_read = True

    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        if caller.is_admin:
            return None
        if caller.role == Role.INSTRUCTOR:
            return {
                "$or": [
                    {"is_published": True},
                    {"instructor_email": caller.email},
                    {"created_by": caller.email},
                ]
            }
        return {"is_published": True}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        refuse_clashes(data, None)
        if caller.is_admin:
            return data
        if caller.role != Role.INSTRUCTOR:
            raise ForbiddenError("Only instructors and admins create courses")
        if data.get("instructor_email") not in (None, caller.email):
            raise ForbiddenError("Instructors create courses under their own name")
        return {**data, "instructor_email": caller.email}

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        if caller.is_admin:
            refuse_clashes(changes, existing.get("id"))
            return changes
        if caller.role != Role.INSTRUCTOR or not teaches(caller, existing):
            raise ForbiddenError("Only the course's instructor or an admin may change it")
        if changes.get("instructor_email", existing.get("instructor_email")) != existing.get("instructor_email"):
            raise ForbiddenError("Only an admin may hand a course to another instructor")
        refuse_clashes(changes, existing.get("id"))
        return changes

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        self.check_update(caller, existing, {})

    def after_write(self, record: dict[str, Any]) -> None:
        # Lessons or quizzes may have changed: completion is derived from the record, so re-derive it.
        learning.recompute_course(record["id"])

    def visible(self, caller: Caller, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return access.visible(caller, records)

    def hidden_fields(self, caller: Caller) -> frozenset[str]:
        return frozenset() if caller.is_admin else access.CONTENT_FIELDS
