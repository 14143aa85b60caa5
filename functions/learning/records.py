"""Exactly-once writes of Progress records: read, merge and write in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from entities import store


def upsert(
    record_id: str, new: dict[str, Any], change: Callable[[dict[str, Any]], dict[str, Any]], *, by: str | None
) -> dict[str, Any]:
    """Create the record from `new`, or apply `change(existing)` to the one already there."""
    from shared.firestore import LOCK_WAIT_SECONDS, run_transaction

    ref = store.collection("Progress").document(record_id)

    def apply(transaction: Any) -> dict[str, Any]:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if snapshot.exists:
            doc = store.merged("Progress", snapshot.to_dict(), change(snapshot.to_dict()))
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
