"""What a learner's progress sets off: the enrollment's derived progress, kept on write.

An enrollment carries its `progress_percent`, completion, learning time and quiz average,
re-derived from its Progress records (`entities.progress.completion`) whenever one changes,
so reports read them without scanning the records.
"""

from __future__ import annotations

from typing import Any

from entities import store, tenancy
from entities.base import require_signed_in
from entities.progress import OPEN_STATUSES, Completion, completion
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError
from shared.firestore import now_iso
from shared.models import ID_PATTERN


def records_of(enrollment_id: str) -> list[dict[str, Any]]:
    return store.query("Progress", {"enrollment_id": enrollment_id}, sort="created_date", limit=store.MAX_LIMIT)


def recompute_enrollment(enrollment_id: str, *, accessed: bool = False) -> tuple[dict[str, Any], Completion]:
    """Store the derived progress on the enrollment; returns it with the completion."""
    enrollment = store.get("Enrollment", enrollment_id)
    course = store.get("Course", enrollment["course_id"])
    records = records_of(enrollment_id)
    result = completion(course, records)
    # Learning time and quiz scores kept on the enrollment, so organizations read them in aggregate.
    spent = sum(int(r.get("time_spent_seconds") or 0) for r in records)
    changes: dict[str, Any] = {"progress_percent": result.percent, "time_spent_seconds": spent}
    scores = [float(r["quiz_score"]) for r in records if not r.get("lesson_id") and r.get("quiz_score") is not None]
    changes["quiz_score_average"] = round(sum(scores) / len(scores), 2) if scores else None
    status = enrollment.get("status", "active")
    if result.complete:
        changes["completed_at"] = enrollment.get("completed_at") or now_iso()
        if status in OPEN_STATUSES:
            changes["status"] = "completed"
    else:
        # A course that grew (a lesson added) is no longer complete until the new part is done.
        changes["completed_at"] = None
        if status in OPEN_STATUSES:
            changes["status"] = "active"
    if accessed:
        changes["last_accessed"] = now_iso()
        if enrollment.get("organization_id"):
            tenancy.touch_member(enrollment["organization_id"], enrollment["student_email"], changes["last_accessed"])
    if all(enrollment.get(k) == v for k, v in changes.items()):
        return enrollment, result
    return store.update("Enrollment", enrollment_id, changes), result


def recompute_course(course_id: str) -> int:
    """Recompute every enrollment of a course (after its lessons or quizzes change)."""
    enrollments = store.query("Enrollment", {"course_id": course_id}, limit=store.MAX_LIMIT)
    for enrollment in enrollments:
        recompute_enrollment(enrollment["id"])
    return len(enrollments)


def writable_enrollment(caller: Caller, enrollment_id: Any) -> dict[str, Any]:
    """The enrollment if the caller is its student or an admin; 400/403 otherwise."""
    require_signed_in(caller)
    if not isinstance(enrollment_id, str) or not enrollment_id:
        raise InvalidInputError(
            "enrollment_id is required",
            details={"fields": [{"field": "enrollment_id", "type": "missing", "message": "enrollment_id is required"}]},
        )
    enrollment = store.find("Enrollment", enrollment_id) if ID_PATTERN.match(enrollment_id) else None
    if enrollment is None:
        raise InvalidInputError("Unknown enrollment", details={"enrollment_id": enrollment_id})
    if not caller.is_admin and not caller.owns(enrollment.get("student_email")):
        raise ForbiddenError("Not your enrollment")
    if enrollment.get("status") not in OPEN_STATUSES:
        raise ForbiddenError("This enrollment is not active", details={"enrollment_status": enrollment.get("status")})
    return enrollment
