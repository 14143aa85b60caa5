"""Stripe webhook events as the payment effects record them: each handled exactly once.

An event is claimed through `shared.idempotency` in the transaction of its effects and
completed there, and logged as a StripeEvent (both expire together), so a retried or
concurrent delivery of the same event finds it done and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from entities import store
from shared import idempotency
from shared.firestore import run_transaction

EVENT_SCOPE = "stripe-event"  # idempotency keys of webhook events are their ids


@dataclass(frozen=True)
class EventRef:
    """The webhook event being handled, recorded with the effects it caused."""

    id: str
    type: str
    created: int
    livemode: bool = False


def seen(tx: Any, event: EventRef | None) -> bool:
    """True when the event was handled before (read first: the transaction's writes come after)."""
    return event is not None and idempotency.claim(tx, EVENT_SCOPE, event.id) is not None


def done(tx: Any, event: EventRef | None, outcome: str, object_id: str | None, detail: str | None = None) -> None:
    """Complete the event's key and log it as a StripeEvent; both expire together."""
    if event is None:
        return
    idempotency.complete(tx, EVENT_SCOPE, event.id, {"outcome": outcome, "object_id": object_id})
    logged = store.record(
        "StripeEvent",
        {
            "type": event.type,
            "stripe_created": event.created,
            "outcome": outcome,
            "object_id": object_id,
            "detail": detail,
            "livemode": event.livemode,
        },
        created_by="stripe",
        id=event.id,
    )
    # A timestamp, not the model's ISO text, so the TTL policy deletes the record.
    tx.set(store.collection("StripeEvent").document(event.id), {**logged, "expires_at": idempotency.expiry()})


def duplicate_check(event: EventRef | None, answer: type[Any]) -> Callable[[], Any] | None:
    """The event already completed by a contender answers as a duplicate."""
    if event is None:
        return None
    return lambda: answer(duplicate_event=True) if idempotency.previous(EVENT_SCOPE, event.id) else None


def record_event_only(event: EventRef, outcome: str, object_id: str | None, detail: str | None = None) -> bool:
    """Mark an event handled with nothing else to do; False when it already was."""

    def run(tx: Any) -> bool:
        if seen(tx, event):
            return False
        done(tx, event, outcome, object_id, detail)
        return True

    result: bool = run_transaction(run, settled=lambda: False if idempotency.previous(EVENT_SCOPE, event.id) else None)
    return result
