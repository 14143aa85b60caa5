"""Organization licences: enterprise enrollments and the seats they take.

An org admin enrolls members of their own organization (`Enrollment.create` with the
member's `student_email`): the enrollment gets `source: enterprise` and the
organization's id. A paid course takes one seat of the organization's licence: a seat
set aside for that course if any is left, else one of the pool. With none left the
enrollment is refused (403, `details.reason: no_seats_left`); free courses take none.

A seat is taken once per (organization, course, student), in the same transaction as
its claim (`_licence_seats/{enrollment id}`), so racing or repeated requests never
count twice. A licence past its `expires_at`, or a suspended organization, enrolls no
one and its enterprise enrollments no longer open their courses (`entities.access`).
"""

from __future__ import annotations

from typing import Any

from entities import enrolling, store, tenancy
from entities.course import is_paid
from entities.enrollment import enrollment_id
from entities.organization import POOL
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError, NotFoundError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, now_iso, run_transaction

SEATS = "_licence_seats"


def in_force(org: dict[str, Any] | None, now: str | None = None) -> bool:
    """Whether the organization's licence lets its members learn right now."""
    if org is None or org.get("status") != "active":
        return False
    expires = (org.get("licence") or {}).get("expires_at")
    return not expires or expires > (now or now_iso())


def _seat_for(org: dict[str, Any], course_id: str) -> str | None:
    """The seat kind a new enrollment takes: the course's own, else the pool; None when none is left."""
    licence = org.get("licence") or {}
    used = org.get("seats_used") or {}
    if used.get(course_id, 0) < (licence.get("course_seats") or {}).get(course_id, 0):
        return course_id
    if used.get(POOL, 0) < (licence.get("pool_seats") or 0):
        return POOL
    return None


def take_seat(org_id: str, course_id: str, student_email: str) -> str | None:
    """Count one seat for this enrollment (once, however often asked); the kind taken."""
    db = client()
    org_ref = store.collection("Organization").document(org_id)
    claim_ref = db.collection(SEATS).document(enrollment_id(course_id, student_email))

    def apply(transaction: Any) -> str | None:
        claim = claim_ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if claim.exists:
            return str(existing_data(claim)["seat"])
        org = existing_data(org_ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS))
        seat = _seat_for(org, course_id)
        if seat is None:
            licence = org.get("licence") or {}
            raise ForbiddenError(
                "No licence seats are left for this course; ask an administrator for more",
                details={
                    "reason": "no_seats_left",
                    "course_id": course_id,
                    "course_seats": (licence.get("course_seats") or {}).get(course_id, 0),
                    "pool_seats": licence.get("pool_seats") or 0,
                },
            )
        used = dict(org.get("seats_used") or {})
        used[seat] = used.get(seat, 0) + 1
        transaction.update(org_ref, {"seats_used": used, "updated_date": now_iso()})
        transaction.create(
            claim_ref,
            {
                "organization_id": org_id,
                "course_id": course_id,
                "student_email": student_email,
                "seat": seat,
                "taken_at": now_iso(),
            },
        )
        return seat

    return run_transaction(apply)


def enterprise_enrollment(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    """An org admin's enrollment of a member: checked, its seat taken, its fields set by the server."""
    org = tenancy.organization_for(caller, data.get("organization_id") or caller.org_id)
    email = str(data.get("student_email") or "").strip().lower()
    membership = tenancy.member(org["id"], email)
    if membership is None:
        raise NotFoundError(
            "Not a member of your organization", details={"entity": "Membership", "student_email": email}
        )
    if not in_force(org):
        raise ForbiddenError("The organization's licence is not in force", details={"reason": "licence_not_in_force"})
    course_id = data.get("course_id")
    course = store.find("Course", course_id) if isinstance(course_id, str) and course_id else None
    if course is None or not course.get("is_published"):
        raise InvalidInputError("Course is not open for enrollment", details={"course_id": course_id})
    granted = enrolling.granted(
        course,
        student_email=email,
        student_id=membership["user_id"],
        source="enterprise",
        organization_id=org["id"],
        last_accessed=data.get("last_accessed"),
    )
    # An import from an HR system may keep when the person was enrolled there.
    enrollment = {**data, **granted, "enrolled_at": data.get("enrolled_at") or granted["enrolled_at"]}
    store.validated("Enrollment", enrollment)  # a refused record takes no seat
    if is_paid(course):
        take_seat(org["id"], course["id"], email)
    return enrollment


def lapsed(enrollments: list[dict[str, Any]]) -> set[str]:
    """Ids of enterprise enrollments whose organization's licence is no longer in force."""
    org_ids = {
        e["organization_id"] for e in enrollments if e.get("source") == "enterprise" and e.get("organization_id")
    }
    if not org_ids:
        return set()
    orgs = store.find_all("Organization", sorted(org_ids))
    now = now_iso()
    return {
        e["id"]
        for e in enrollments
        if e.get("source") == "enterprise"
        and e.get("organization_id")
        and not in_force(orgs.get(e["organization_id"]), now)
    }
