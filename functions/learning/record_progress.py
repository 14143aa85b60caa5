"""recordProgress: a student marks a lesson done and/or adds time spent on it.

Role: the enrollment's student or an admin; the lesson must belong to the course.
Idempotent: completing a lesson twice counts once (the first completion time stays);
time spent accumulates. Recomputes the enrollment's derived progress. Writes Progress
and Enrollment.
"""

from __future__ import annotations

from typing import Any

from entities import progress, store
from functions.learning.models import RecordProgressRequest
from functions.learning.records import enrollment_summary, upsert
from functions.learning.responses import RecordProgressResponse
from shared.auth import Caller
from shared.errors import InvalidInputError
from shared.firestore import now_iso
from shared.router import endpoint


@endpoint("recordProgress", response=RecordProgressResponse, request=RecordProgressRequest, rate=("entity",))
def record_progress(body: RecordProgressRequest, caller: Caller) -> dict[str, Any]:
    enrollment = progress.writable_enrollment(caller, body.enrollmentId)
    course = store.get("Course", enrollment["course_id"])
    found = progress.find_lesson(course, body.lessonId)
    if found is None:
        raise InvalidInputError("This lesson is not part of the course", details={"lesson_id": body.lessonId})
    module, _lesson = found
    now = now_iso()
    new = {
        "enrollment_id": enrollment["id"],
        "module_id": module.get("id"),
        "lesson_id": body.lessonId,
        "completed": body.completed,
        "completed_at": now if body.completed else None,
        "time_spent_seconds": body.timeSpentSeconds,
        "last_accessed": now,
        "student_email": enrollment["student_email"],
        "course_id": enrollment["course_id"],
    }

    def change(existing: dict[str, Any]) -> dict[str, Any]:
        done = bool(existing.get("completed")) or body.completed
        return {
            "completed": done,
            "completed_at": existing.get("completed_at") or (now if done else None),
            "time_spent_seconds": int(existing.get("time_spent_seconds") or 0) + body.timeSpentSeconds,
            "last_accessed": now,
        }

    record = upsert(progress.progress_id(enrollment["id"], lesson_id=body.lessonId), new, change, by=caller.email)
    updated, _ = progress.recompute_enrollment(enrollment["id"], accessed=True)
    return {"progress": record, "enrollment": enrollment_summary(updated)}
