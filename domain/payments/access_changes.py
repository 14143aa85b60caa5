"""Access changes: an enrollment's status moved by money or plans, each move recorded with its cause.

A move is written in the transaction that decides it, with an AccessChange whose id derives
from the enrollment, the new status and the cause, so a replayed cause records nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.payments.events import EventRef
from entities import store
from entities.access_change import access_change_id


@dataclass(frozen=True)
class Cause:
    """Why access changes: a Stripe event, or an admin with a reason."""

    event: EventRef | None = None
    admin_email: str | None = None
    reason: str | None = None
    action_id: str | None = None  # what the admin did (the refund's id)

    @property
    def key(self) -> str:
        return self.event.id if self.event else f"admin:{self.admin_email}:{self.action_id}"

    def fields(self) -> dict[str, Any]:
        return {
            "stripe_event_id": self.event.id if self.event else None,
            "admin_email": self.admin_email,
            "reason": (self.reason or "")[:500] or None,
        }


def record(
    tx: Any, enrollment: dict[str, Any], target: str, cause_name: str, cause: Cause, **refs: str | None
) -> dict[str, Any]:
    """Move the enrollment to `target` in the transaction, with the AccessChange that says why."""
    current = str(enrollment.get("status"))
    updated = store.merged("Enrollment", enrollment, {"status": target})
    tx.set(store.collection("Enrollment").document(enrollment["id"]), updated)
    change_id = access_change_id(enrollment["id"], target, cause.key)
    record = store.record(
        "AccessChange",
        {
            "enrollment_id": enrollment["id"],
            "course_id": enrollment["course_id"],
            "student_email": enrollment["student_email"],
            "from_status": current,
            "to_status": target,
            "cause": cause_name,
            **cause.fields(),
            **refs,
        },
        created_by=cause.admin_email or "stripe",
        id=change_id,
    )
    tx.set(store.collection("AccessChange").document(change_id), record)
    return record
