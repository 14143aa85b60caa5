"""Granting enrollments: the one write path of a new (or restored) enrollment.

Every way into a course comes here: a student's or an admin's `Enrollment.create`, an org
admin's enterprise enrollment, the 7P `POST /courses/{id}/enroll`, and a Stripe payment's
fulfilment. `granted` sets the fields the server owns (status, source, when access ends by
the course's `access_days`, never the client's); `write` puts the enrollment and what it
sets off (the course's `total_students`) into one Firestore transaction, so a counted
student always has an enrollment and the reverse.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from entities import store
from entities.enrollment import SUBSCRIBED_SOURCES, enrollment_id
from shared.errors import AppError, ConflictError
from shared.firestore import LOCK_WAIT_SECONDS, now_iso, run_transaction


def access_until(course: Mapping[str, Any], source: str, granted_at: datetime | None = None) -> str | None:
    """When an enrollment granted now stops opening the course: the course's `access_days` after
    today; None for a subscription (its plan decides) or a course that sets no end."""
    days = course.get("access_days")
    if source in SUBSCRIBED_SOURCES or not days:
        return None
    start = granted_at or datetime.now(UTC)
    return (start + timedelta(days=int(days))).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def granted(
    course: Mapping[str, Any],
    *,
    student_email: str,
    student_id: str | None,
    source: str,
    status: str = "active",
    purchase_id: str | None = None,
    organization_id: str | None = None,
    last_accessed: str | None = None,
) -> dict[str, Any]:
    """The fields of an enrollment the server grants now: only these, whoever asked."""
    now = now_iso()
    return {
        "course_id": str(course["id"]),
        "student_email": student_email,
        "student_id": student_id,
        "status": status,
        "source": source,
        "purchase_id": purchase_id,
        "organization_id": organization_id,
        "enrolled_at": now,
        "access_until": access_until(course, source),
        "progress_percent": 0,
        "completed_at": None,
        "last_accessed": last_accessed,
    }


def restored(existing: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """An ended enrollment (cancelled, refunded, expired) granted again: its progress stays."""
    kept = {k: v for k, v in fields.items() if k not in ("progress_percent", "last_accessed")}
    return store.merged("Enrollment", dict(existing), kept)


def write(tx: Any, record: dict[str, Any], *, new: bool) -> None:
    """Put an enrollment into the transaction (which has read it before: absent when `new`).

    A new enrollment's student is counted with `count_students` in the same transaction."""
    ref = store.collection("Enrollment").document(record["id"])
    if new:
        tx.create(ref, record)
    else:
        tx.set(ref, record)


def count_students(tx: Any, new_records: list[dict[str, Any]], existing_courses: set[str]) -> None:
    """One more student on each existing course per new enrollment, in the transaction that wrote them."""
    from google.cloud.firestore import Increment

    per_course = Counter(str(r["course_id"]) for r in new_records)
    for course_id, added in per_course.items():
        if course_id in existing_courses:
            tx.update(store.collection("Course").document(course_id), {"total_students": Increment(added)})


def course_refs(course_ids: Iterable[str]) -> list[Any]:
    """The courses of new enrollments, once each: what a granting transaction reads besides them."""
    return [store.collection("Course").document(c) for c in dict.fromkeys(course_ids)]


def record_of(fields: Mapping[str, Any], *, created_by: str | None) -> dict[str, Any]:
    """The complete new enrollment record of granted (or checked) fields, under its natural id."""
    data = dict(fields)
    return store.record(
        "Enrollment", data, created_by=created_by, id=enrollment_id(data["course_id"], data["student_email"])
    )


def insert(records: list[dict[str, Any]], *, bulk: bool = False) -> list[dict[str, Any]]:
    """Write new enrollments (complete records) and count their students, all in one transaction.

    An enrollment already there is a 409 naming it (by index in a bulk request); then nothing
    is written.
    """
    refs = [store.collection("Enrollment").document(r["id"]) for r in records]

    def run(tx: Any) -> list[dict[str, Any]]:
        snaps = list(tx.get_all([*refs, *course_refs(str(r["course_id"]) for r in records)], timeout=LOCK_WAIT_SECONDS))
        present = {s.reference.path for s in snaps if s.exists}
        taken = [i for i, ref in enumerate(refs) if ref.path in present]
        if taken and not bulk:
            raise ConflictError(f"Enrollment {refs[0].id} already exists", details={"id": refs[0].id})
        if taken:
            conflicts: list[tuple[int, AppError]] = [
                (i, ConflictError(f"Enrollment {refs[i].id} already exists", details={"id": refs[i].id})) for i in taken
            ]
            raise store.bulk_error(conflicts)
        for record in records:
            write(tx, record, new=True)
        count_students(tx, records, {s.id for s in snaps if s.exists and s.reference.parent.id == "Course"})
        return records

    result: list[dict[str, Any]] = run_transaction(run)
    return result
