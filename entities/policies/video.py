"""Live sessions and their recordings: seen by the course's instructor and learners."""

from __future__ import annotations

from typing import Any

from entities import access, store
from entities.base import Policy, require_signed_in
from entities.course import teaches
from entities.query import FIRESTORE_IN_LIMIT
from entities.video_session import HOST_ONLY_FIELDS, shown
from shared.auth import Caller
from shared.errors import ForbiddenError


def open_course_ids(caller: Caller) -> list[str]:
    """Courses whose sessions and recordings the caller may see (taught or enrolled in)."""
    taught = store.query("Course", {"instructor_email": caller.email}, limit=store.MAX_LIMIT)
    enrolled = store.query("Enrollment", {"student_email": caller.email}, limit=store.MAX_LIMIT)
    ids = {c["id"] for c in taught if teaches(caller, c)}
    ids |= {e["course_id"] for e in enrolled if e.get("status") in access.ACCESS_STATUSES}
    return sorted(ids)[:FIRESTORE_IN_LIMIT]


class VideoSessionPolicy(Policy):
    """Hosts, admins and the course's enrolled students read; only the functions write."""

    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.is_admin:
            return None
        courses = open_course_ids(caller)
        if not courses:
            return {"host_email": caller.email}
        return {"$or": [{"host_email": caller.email}, {"course_id": courses}]}

    def visible(self, caller: Caller, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [shown(caller, record) for record in records]

    def hidden_fields(self, caller: Caller) -> frozenset[str]:
        return frozenset() if caller.is_admin else HOST_ONLY_FIELDS

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Video sessions are created with createVideoSession")

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Video sessions are ended with endVideoSession and never edited")

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        require_signed_in(caller)
        raise ForbiddenError("Video sessions are kept")


class RecordingPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.is_admin:
            return None
        courses = open_course_ids(caller)
        return {"course_id": courses} if courses else {"course_id": "__none__"}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Recordings are stored when the provider has them ready")

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Recordings are never edited")
