"""recordProgress: a student marks a lesson done and/or adds time spent on it.

Role: the enrollment's student or an admin; the lesson must belong to the course.
Idempotent: completing a lesson twice counts once (the first completion time stays);
time spent accumulates. Recomputes the enrollment's derived progress. Writes Progress
and Enrollment.
"""

from __future__ import annotations

from typing import Any

from domain.learning.records import enrollment_summary, record_lesson
from functions.learning.models import RecordProgressRequest
from functions.learning.responses import RecordProgressResponse
from shared.auth import Caller
from shared.router import endpoint


@endpoint("recordProgress", response=RecordProgressResponse, request=RecordProgressRequest, rate=("entity",))
def record_progress(body: RecordProgressRequest, caller: Caller) -> dict[str, Any]:
    record, updated, _ = record_lesson(
        caller, body.enrollmentId, body.lessonId, completed=body.completed, time_spent_seconds=body.timeSpentSeconds
    )
    return {"progress": record, "enrollment": enrollment_summary(updated)}
