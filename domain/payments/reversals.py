"""Access follows the money: refunds, disputes and ended subscriptions.

A payment's later history (its refunds and disputes) is merged into its PaymentState,
keyed by the PaymentIntent. Each refund and dispute is kept under its own id with the
most advanced status seen (a closed dispute never reopens, a failed refund never turns
back into a succeeded one; same rank: the later event wins), and the amount Stripe
reports refunded only grows. From that record follows the payment's standing:

- `ended`: fully refunded, or a dispute lost. Final: no later or replayed event restores it.
- `suspended`: a dispute is open.
- `good`: otherwise (a partial refund keeps access; the refunded amount is recorded).

The enrollments the payment's purchase granted (and only those) follow the standing,
in the same transaction as the event's record: `refunded`, `suspended`, or back to
`active`/`completed` from `suspended`. Each move writes an AccessChange with its cause.

Subscriptions: after any change of a user's subscription, their enrollments whose
source is `subscription` follow the user's tier (`entities.access.tier`): without a
live plan they become `expired`, with one again they come back. Both are derived from
the stored records, so replays and out-of-order events change nothing further.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.payments import access_changes, events
from domain.payments.access_changes import Cause
from entities import access, store
from entities.enrollment import SUBSCRIBED_SOURCES, enrollment_id
from entities.payment_state import payment_state_id
from shared.firestore import LOCK_WAIT_SECONDS, run_transaction

_REFUND_RANK = {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 2, "canceled": 2}
_COUNTED_REFUNDS = ("pending", "requires_action", "succeeded")
OPEN_DISPUTES = frozenset({"warning_needs_response", "warning_under_review", "needs_response", "under_review"})
_DISPUTE_FINAL = frozenset({"won", "lost", "warning_closed", "charge_refunded", "prevented"})
_HOLDS_ACCESS = ("active", "completed")


@dataclass(frozen=True)
class MoneyEvent:
    """What one event (or admin refund) says about one payment; None: not said here."""

    payment_intent_id: str
    at: int  # when Stripe's statement was true (unix seconds)
    charge_amount: int | None = None
    amount_refunded: int | None = None
    refund: tuple[str, int, str] | None = None  # (id, amount, status)
    dispute: tuple[str, int, str] | None = None  # (id, amount, status)


@dataclass
class ReversalResult:
    duplicate_event: bool = False
    state: dict[str, Any] | None = None
    purchase: dict[str, Any] | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)


# --- merging --------------------------------------------------------------------------


def _newer(stored: Mapping[str, Any] | None, incoming: dict[str, Any], rank: Mapping[str, int]) -> bool:
    if stored is None:
        return True
    before, after = rank.get(str(stored.get("status")), 0), rank.get(str(incoming["status"]), 0)
    return after > before or (after == before and int(incoming["at"]) >= int(stored.get("at") or 0))


def merge(state: dict[str, Any], event: MoneyEvent) -> dict[str, Any]:
    """The state with the event's statement merged in (order- and repeat-independent)."""
    out = {
        **state,
        "refunds": dict(state.get("refunds") or {}),
        "disputes": dict(state.get("disputes") or {}),
    }
    if event.charge_amount is not None and not out.get("amount"):
        out["amount"] = event.charge_amount
    if event.amount_refunded is not None:
        out["amount_refunded"] = max(int(out.get("amount_refunded") or 0), event.amount_refunded)
    if event.refund is not None:
        refund_id, amount, status = event.refund
        incoming = {"amount": amount, "status": status, "at": event.at}
        if _newer(out["refunds"].get(refund_id), incoming, _REFUND_RANK):
            out["refunds"][refund_id] = incoming
    if event.dispute is not None:
        dispute_id, amount, status = event.dispute
        incoming = {"amount": amount, "status": status, "at": event.at}
        rank = {s: 1 for s in _DISPUTE_FINAL}
        if _newer(out["disputes"].get(dispute_id), incoming, rank):
            out["disputes"][dispute_id] = incoming
    return out


def refunded_amount(state: Mapping[str, Any]) -> int:
    listed = sum(int(r["amount"]) for r in (state.get("refunds") or {}).values() if r["status"] in _COUNTED_REFUNDS)
    return max(int(state.get("amount_refunded") or 0), listed)


def standing(state: Mapping[str, Any], charged: int | None = None) -> str:
    """`ended`, `suspended` or `good` (see the module's docstring); `ended` is final."""
    amount = state.get("amount") or charged
    disputes = [d["status"] for d in (state.get("disputes") or {}).values()]
    if state.get("standing") == "ended" or "lost" in disputes:
        return "ended"
    if amount and refunded_amount(state) >= int(amount):
        return "ended"
    if any(status in OPEN_DISPUTES for status in disputes):
        return "suspended"
    return "good"


def enrollment_status(current: str, standing_: str, completed: bool) -> str:
    """Where an enrollment granted by a payment of this standing belongs."""
    if standing_ == "ended" and current in (*_HOLDS_ACCESS, "suspended"):
        return "refunded"
    if standing_ == "suspended" and current in _HOLDS_ACCESS:
        return "suspended"
    if standing_ == "good" and current == "suspended":
        return "completed" if completed else "active"
    return current


def _cause_name(standing_: str, state: Mapping[str, Any], before: str) -> str:
    disputes = [d["status"] for d in (state.get("disputes") or {}).values()]
    if standing_ == "ended":
        return "dispute_lost" if "lost" in disputes else "refund"
    if standing_ == "suspended":
        return "dispute_opened"
    return "dispute_won" if before == "suspended" else "refund"


# --- applying -------------------------------------------------------------------------


def purchase_of(payment_intent_id: str) -> dict[str, Any] | None:
    found = store.query("Purchase", {"stripe_payment_intent_id": payment_intent_id}, limit=1)
    return found[0] if found else None


def apply(event: MoneyEvent, cause: Cause) -> ReversalResult:
    """Merge the event into the payment's state; its purchase and enrollments follow, exactly once."""
    state_ref = store.collection("PaymentState").document(payment_state_id(event.payment_intent_id))
    known = purchase_of(event.payment_intent_id)
    purchase_ref = store.collection("Purchase").document(known["id"]) if known else None
    enrollment_refs = (
        [store.collection("Enrollment").document(enrollment_id(c, known["user_email"])) for c in known["course_ids"]]
        if known
        else []
    )

    def run(tx: Any) -> ReversalResult:
        if events.seen(tx, cause.event):
            return ReversalResult(duplicate_event=True)
        refs = [state_ref, *([purchase_ref] if purchase_ref else []), *enrollment_refs]
        snaps = {s.reference.path: s for s in tx.get_all(refs, timeout=LOCK_WAIT_SECONDS)}
        stored = snaps[state_ref.path].to_dict() if snaps[state_ref.path].exists else None
        purchase = snaps[purchase_ref.path].to_dict() if purchase_ref and snaps[purchase_ref.path].exists else None
        base = stored or {"stripe_payment_intent_id": event.payment_intent_id}
        merged = merge(base, event)
        merged["standing"] = standing(merged, purchase.get("amount") if purchase else None)
        if purchase:
            merged["purchase_id"] = purchase["id"]
        result = ReversalResult(state=merged, purchase=purchase)
        if stored is None:
            doc = store.record("PaymentState", merged, created_by="stripe", id=state_ref.id)
        else:
            doc = store.merged("PaymentState", stored, merged)
        tx.set(state_ref, doc)
        result.state = doc
        if purchase is not None and purchase_ref is not None:
            changes: dict[str, Any] = {"amount_refunded": min(refunded_amount(doc), int(purchase["amount"]))}
            if doc["standing"] == "ended":
                changes["status"] = "refunded"
            if any(purchase.get(k) != v for k, v in changes.items()):
                result.purchase = store.merged("Purchase", purchase, changes)
                tx.set(purchase_ref, result.purchase)
            for ref in enrollment_refs:
                snap = snaps[ref.path]
                enrollment = snap.to_dict() if snap.exists else None
                if enrollment is None or enrollment.get("purchase_id") != purchase["id"]:
                    continue  # access this payment did not grant (a subscription, another purchase) stays
                change = _move(
                    tx,
                    enrollment,
                    doc["standing"],
                    doc,
                    cause,
                    purchase_id=purchase["id"],
                    stripe_payment_intent_id=event.payment_intent_id,
                )
                if change:
                    result.changes.append(change)
        events.done(tx, cause.event, "processed", event.payment_intent_id)
        return result

    outcome: ReversalResult = run_transaction(run, settled=events.duplicate_check(cause.event, ReversalResult))
    return outcome


def _move(
    tx: Any,
    enrollment: dict[str, Any],
    standing_: str,
    state: Mapping[str, Any],
    cause: Cause,
    **refs: str | None,
) -> dict[str, Any] | None:
    """Move one enrollment to where the standing puts it, with its AccessChange; None if it stays."""
    current = str(enrollment.get("status"))
    target = enrollment_status(current, standing_, bool(enrollment.get("completed_at")))
    if target == current:
        return None
    return access_changes.record(tx, enrollment, target, _cause_name(standing_, state, current), cause, **refs)


def granted_standing(tx: Any, payment_intent_id: str | None, amount: int) -> str:
    """Inside a fulfilment transaction: the standing of a payment before its access is granted."""
    if not payment_intent_id:
        return "good"
    snap = (
        store.collection("PaymentState")
        .document(payment_state_id(payment_intent_id))
        .get(transaction=tx, timeout=LOCK_WAIT_SECONDS)
    )
    return standing(snap.to_dict() or {}, amount) if snap.exists else "good"


# --- subscriptions --------------------------------------------------------------------


def follow_subscriptions(email: str, cause: Cause, stripe_subscription_id: str | None = None) -> list[dict[str, Any]]:
    """Bring the user's subscription-sourced enrollments in line with their tier now."""
    live = access.tier(email) != access.FREE
    found = store.query(
        "Enrollment", {"student_email": email, "source": list(SUBSCRIBED_SOURCES)}, limit=store.MAX_LIMIT
    )
    wrong = [
        e for e in found if (e.get("status") == "expired") == live and e.get("status") in (*_HOLDS_ACCESS, "expired")
    ]
    if not wrong:
        return []
    refs = [store.collection("Enrollment").document(e["id"]) for e in wrong]

    def run(tx: Any) -> list[dict[str, Any]]:
        changes = []
        for snap in tx.get_all(refs, timeout=LOCK_WAIT_SECONDS):
            enrollment = snap.to_dict() if snap.exists else None
            if enrollment is None:
                continue
            status = enrollment.get("status")
            if not live and status in _HOLDS_ACCESS:
                target, name = "expired", "subscription_ended"
            elif live and status == "expired":
                target, name = ("completed" if enrollment.get("completed_at") else "active"), "subscription_resumed"
            else:
                continue
            changes.append(
                access_changes.record(
                    tx, enrollment, target, name, cause, stripe_subscription_id=stripe_subscription_id
                )
            )
        return changes

    result: list[dict[str, Any]] = run_transaction(run)
    return result


# --- reading Stripe objects -----------------------------------------------------------


def _ref_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return str(value) if isinstance(value, str) and value else None


def from_charge(charge: Mapping[str, Any], at: int) -> MoneyEvent | None:
    """`charge.refunded`: the charge's amount and what is refunded so far (and its refunds, when listed)."""
    intent = _ref_id(charge.get("payment_intent"))
    if intent is None:
        return None
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    listed = sum(int(r.get("amount") or 0) for r in refunds if r.get("status") in _COUNTED_REFUNDS)
    return MoneyEvent(
        payment_intent_id=intent,
        at=at,
        charge_amount=int(charge["amount"]),
        amount_refunded=max(int(charge.get("amount_refunded") or 0), listed),
    )


def from_refund(refund: Mapping[str, Any], at: int) -> MoneyEvent | None:
    """`refund.created` / `refund.updated` / `charge.refund.updated`: one refund and its status."""
    intent = _ref_id(refund.get("payment_intent"))
    if intent is None:
        return None
    return MoneyEvent(
        payment_intent_id=intent, at=at, refund=(str(refund["id"]), int(refund["amount"]), str(refund["status"]))
    )


def from_dispute(dispute: Mapping[str, Any], at: int) -> MoneyEvent | None:
    """`charge.dispute.*`: one dispute and its status (open, won, lost)."""
    intent = _ref_id(dispute.get("payment_intent"))
    if intent is None:
        return None
    return MoneyEvent(
        payment_intent_id=intent, at=at, dispute=(str(dispute["id"]), int(dispute["amount"]), str(dispute["status"]))
    )
