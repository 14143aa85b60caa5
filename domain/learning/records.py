"""Exactly-once writes of Progress records: read, merge and write in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entities import learning, progress, store
from shared.errors import InvalidInputError
from shared.firestore import LOCK_WAIT_SECONDS, now_iso, run_transaction


def upsert(
    record_id: str, new: dict[str, Any], change: Callable[[dict[str, Any]], dict[str, Any]], *, by: str | None
) -> dict[str, Any]:
    """Create the record from `new`, or apply `change(existing)` to the one already there."""
    ref = store.collection("Progress").document(record_id)

    def apply(transaction: Any) -> dict[str, Any]:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if snapshot.exists:
            existing = snapshot.to_dict() or {}
            doc = store.merged("Progress", existing, change(existing))
        else:
            doc = store.record("Progress", new, created_by=by, id=record_id)
        transaction.set(ref, doc)
        return doc

    return run_transaction(apply)


def enrollment_summary(enrollment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": enrollment["id"],
        "progress_percent": enrollment.get("progress_percent", 0),
        "status": enrollment.get("status"),
        "completed_at": enrollment.get("completed_at"),
        "last_accessed": enrollment.get("last_accessed"),
    }


def record_lesson(
    caller: Any,
    enrollment_id: str,
    lesson_id: str,
    *,
    completed: bool,
    time_spent_seconds: int,
    percent: float | None = None,
    notes: str | None = None,
    reported_quiz_score: float | None = None,
) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """A learner's progress in one lesson, whichever surface reports it: (record, enrollment, completion).

    The enrollment must be the caller's (or the caller an admin) and open; the lesson part of
    its course. Completing twice counts once (the first time stays), time spent adds up, the
    lesson's percentage never goes back, notes and a self-reported score keep the latest.
    """
    enrollment = learning.writable_enrollment(caller, enrollment_id)
    course = store.get("Course", enrollment["course_id"])
    found = progress.find_lesson(course, lesson_id)
    if found is None:
        raise InvalidInputError("This lesson is not part of the course", details={"lesson_id": lesson_id})
    module, _lesson = found
    now = now_iso()
    reported = {k: v for k, v in {"notes": notes, "reported_quiz_score": reported_quiz_score}.items() if v is not None}
    new = {
        "enrollment_id": enrollment["id"],
        "module_id": module.get("id"),
        "lesson_id": lesson_id,
        "completed": completed,
        "completed_at": now if completed else None,
        "time_spent_seconds": time_spent_seconds,
        "progress_percent": 100.0 if completed else percent,
        "last_accessed": now,
        "student_email": enrollment["student_email"],
        "course_id": enrollment["course_id"],
        **reported,
    }

    def change(existing: dict[str, Any]) -> dict[str, Any]:
        done = bool(existing.get("completed")) or completed
        known = [p for p in (existing.get("progress_percent"), percent) if p is not None]
        return {
            "completed": done,
            "completed_at": existing.get("completed_at") or (now if done else None),
            "time_spent_seconds": int(existing.get("time_spent_seconds") or 0) + time_spent_seconds,
            "progress_percent": 100.0 if done else (max(known) if known else None),
            "last_accessed": now,
            **reported,
        }

    record = upsert(progress.progress_id(enrollment["id"], lesson_id=lesson_id), new, change, by=caller.email)
    updated, result = learning.recompute_enrollment(enrollment["id"], accessed=True)
    return record, updated, result
