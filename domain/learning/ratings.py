"""Course counters kept on write: learners' ratings (once per enrollment) and students enrolled.

The course's `rating` is the mean of its `rating_count` ratings, kept with their sum
(`rating_total`) in the same transaction that stores a rating on the enrollment, so it is
never recomputed by scanning. `total_students` grows by one per enrollment created, in the
transaction that creates it (`entities.enrolling`).
"""

from __future__ import annotations

from typing import Any

from entities import store
from entities.access import ACCESS_STATUSES
from entities.enrollment import enrollment_id
from shared.auth import Caller
from shared.errors import ConflictError, ForbiddenError, NotFoundError
from shared.firestore import LOCK_WAIT_SECONDS, existing_data, now_iso, run_transaction


def rate_course(caller: Caller, course_id: str, stars: int) -> dict[str, Any]:
    """Store the caller's rating of a course they are enrolled in; a second one is a 409."""
    enrollment_ref = store.collection("Enrollment").document(enrollment_id(course_id, caller.email or ""))
    course_ref = store.collection("Course").document(course_id)

    def run(tx: Any) -> dict[str, Any]:
        enrollment_snap, course_snap = (
            enrollment_ref.get(transaction=tx, timeout=LOCK_WAIT_SECONDS),
            course_ref.get(transaction=tx, timeout=LOCK_WAIT_SECONDS),
        )
        if not course_snap.exists:
            raise NotFoundError("Course not found", details={"course_id": course_id})
        enrollment = enrollment_snap.to_dict() if enrollment_snap.exists else None
        if enrollment is None or enrollment.get("status") not in ACCESS_STATUSES:
            raise ForbiddenError("Only enrolled learners rate a course", details={"course_id": course_id})
        if enrollment.get("rating") is not None:
            raise ConflictError("You rated this course already", details={"rating": enrollment["rating"]})
        course = existing_data(course_snap)
        count = int(course.get("rating_count") or 0) + 1
        total = float(course.get("rating_total") or 0) + stars
        changes = {"rating_count": count, "rating_total": total, "rating": round(total / count, 2)}
        tx.set(course_ref, store.merged("Course", course, changes))
        tx.set(enrollment_ref, store.merged("Enrollment", enrollment, {"rating": stars, "rated_at": now_iso()}))
        return changes

    result: dict[str, Any] = run_transaction(run)
    return result
