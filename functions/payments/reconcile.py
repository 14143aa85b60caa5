"""Reconciliation: Stripe's payments, refunds and subscriptions against our records.

A drift report lists what does not agree, each item with what it is about and whether it
was fixed:

- `missing_purchase`: a paid course checkout in Stripe with no Purchase here (fixed by
  recording it through the same fulfilment as the webhook);
- `refund_not_recorded`: a refund in Stripe that the payment's record does not count (fixed
  by merging it, which moves the access as the webhook would have);
- `payment_without_access`: a paid purchase in good standing whose course is not open to
  its buyer (fixed by opening it again);
- `access_without_payment`: an open enrollment whose purchase was refunded, failed or is not
  there, or whose subscription no longer holds (fixed by closing it).

Fixes happen only when asked (`fix`), except that the course purchase sync records missing
purchases as it always has. Every access fixed is recorded as an AccessChange whose cause
is `reconciliation`, naming the admin who asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.payments import access_changes
from domain.payments.access_changes import Cause
from domain.payments.fulfilment import Payment, fulfil_payment, iso_from_unix, payment_from_session
from domain.payments.reversals import MoneyEvent, apply, follow_subscriptions, standing
from entities import access, store
from entities.enrollment import SUBSCRIBED_SOURCES, enrollment_id
from entities.purchase import purchase_id
from shared.firestore import LOCK_WAIT_SECONDS, run_transaction
from shared.stripe_client import as_dict, client, stripe_call

_OPEN = ("active", "completed")
_CLOSED_BY_MONEY = ("expired", "refunded", "suspended")
_COUNTED_REFUNDS = ("pending", "requires_action", "succeeded")


def _item(kind: str, fixed: bool, **about: Any) -> dict[str, Any]:
    return {"kind": kind, "fixed": fixed, **{k: v for k, v in about.items() if v is not None}}


def _set_status(enrollment: dict[str, Any], target: str, cause: Cause, **refs: str | None) -> None:
    ref = store.collection("Enrollment").document(enrollment["id"])

    def run(tx: Any) -> None:
        snap = ref.get(transaction=tx, timeout=LOCK_WAIT_SECONDS)
        current = snap.to_dict() if snap.exists else None
        if current is not None and current.get("status") == enrollment.get("status"):
            access_changes.record(tx, current, target, "reconciliation", cause, **refs)

    run_transaction(run)


def missing_purchases(sessions: Iterable[dict[str, Any]], payments: dict[str, Payment]) -> list[dict[str, Any]]:
    """Paid course sessions with no Purchase yet (reported before the sync records them)."""
    found = store.find_all("Purchase", [purchase_id(str(s["id"])) for s in sessions])
    return [
        _item("missing_purchase", False, stripe_id=sid, user_email=p.user_email, course_ids=list(p.course_ids))
        for sid, p in payments.items()
        if purchase_id(sid) not in found
    ]


def refunds_and_access(purchases: list[dict[str, Any]], cause: Cause, fix: bool) -> list[dict[str, Any]]:
    """Refunds Stripe made that the records miss, then each purchase's access against its standing."""
    report: list[dict[str, Any]] = []
    by_intent: dict[str, list[dict[str, Any]]] = {}
    for refund in client().v1.refunds.list(params={"limit": 100}).auto_paging_iter():
        data = as_dict(refund)
        if data.get("payment_intent") and data.get("status") in _COUNTED_REFUNDS:
            by_intent.setdefault(str(data["payment_intent"]), []).append(data)
    for listed in purchases:
        purchase = listed
        intent = purchase.get("stripe_payment_intent_id")
        refunds = by_intent.get(str(intent), []) if intent else []
        if sum(int(r["amount"]) for r in refunds) > int(purchase.get("amount_refunded") or 0):
            if fix:
                for r in refunds:
                    event = MoneyEvent(
                        str(intent),
                        int(r.get("created") or 0),
                        refund=(str(r["id"]), int(r["amount"]), str(r["status"])),
                    )
                    apply(event, Cause(admin_email=cause.admin_email, reason=cause.reason, action_id=str(r["id"])))
                purchase = store.get("Purchase", purchase["id"])
            report.append(_item("refund_not_recorded", fix, purchase_id=purchase["id"], stripe_id=intent))
        report.extend(_purchase_access(purchase, cause, fix))
    return report


def _purchase_access(purchase: dict[str, Any], cause: Cause, fix: bool) -> list[dict[str, Any]]:
    report = []
    state = store.find("PaymentState", f"pst_{purchase.get('stripe_payment_intent_id')}") or {}
    good = purchase["status"] == "paid" and standing(state, int(purchase["amount"])) == "good"
    ids = [enrollment_id(cid, purchase["user_email"]) for cid in purchase["course_ids"]]
    enrollments = store.find_all("Enrollment", ids)
    refs = {"purchase_id": purchase["id"], "stripe_payment_intent_id": purchase.get("stripe_payment_intent_id")}
    for course_id, eid in zip(purchase["course_ids"], ids, strict=True):
        enrollment = enrollments.get(eid)
        status = (enrollment or {}).get("status")
        if good and (enrollment is None or status in _CLOSED_BY_MONEY):
            if fix and enrollment is not None:
                _set_status(enrollment, "active", cause, **refs)
            elif fix:
                fulfil_payment(_payment_of(purchase))
            report.append(
                _item("payment_without_access", fix, purchase_id=purchase["id"], course_id=course_id, enrollment_id=eid)
            )
        elif (
            not good and enrollment is not None and status in _OPEN and enrollment.get("purchase_id") == purchase["id"]
        ):
            if fix:
                _set_status(enrollment, "refunded", cause, **refs)
            report.append(
                _item("access_without_payment", fix, purchase_id=purchase["id"], course_id=course_id, enrollment_id=eid)
            )
    return report


def _payment_of(purchase: dict[str, Any]) -> Payment:
    """A purchase recorded as paid, as the payment that restores what it grants."""
    return Payment(
        stripe_id=purchase["id"].removeprefix("pur_"),
        user_id=purchase.get("user_id"),
        user_email=purchase["user_email"],
        course_ids=tuple(purchase["course_ids"]),
        amount=int(purchase["amount"]),
        currency=purchase["currency"],
        source="sync",
        session_id=purchase.get("stripe_session_id"),
        payment_intent_id=purchase.get("stripe_payment_intent_id"),
    )


def orphan_enrollments(since: str, until: str, cause: Cause, fix: bool) -> list[dict[str, Any]]:
    """Open enrollments from purchases made in the range whose purchase is not recorded."""
    enrollments = store.query(
        "Enrollment",
        {"source": "purchase", "status": list(_OPEN), "created_date": {"$gte": since, "$lt": until}},
        limit=store.MAX_LIMIT,
    )
    known = store.find_all("Purchase", sorted({str(e.get("purchase_id")) for e in enrollments if e.get("purchase_id")}))
    report = []
    for enrollment in enrollments:
        if enrollment.get("purchase_id") in known:
            continue
        if fix:
            _set_status(enrollment, "cancelled", cause)
        report.append(
            _item("access_without_payment", fix, enrollment_id=enrollment["id"], course_id=enrollment["course_id"])
        )
    return report


def subscription_access(emails: Iterable[str], cause: Cause, fix: bool) -> list[dict[str, Any]]:
    """Subscription-sourced enrollments open without a live plan (or closed with one)."""
    report = []
    for email in sorted(set(emails)):
        live = access.tier(email) != access.FREE
        found = store.query(
            "Enrollment", {"student_email": email, "source": list(SUBSCRIBED_SOURCES)}, limit=store.MAX_LIMIT
        )
        wrong = [e for e in found if (e.get("status") in _OPEN) != live and e.get("status") in (*_OPEN, "expired")]
        if wrong and fix:
            follow_subscriptions(
                email, Cause(admin_email=cause.admin_email, reason=cause.reason, action_id="reconciliation")
            )
        for e in wrong:
            kind = "payment_without_access" if live else "access_without_payment"
            report.append(_item(kind, fix, enrollment_id=e["id"], course_id=e["course_id"], user_email=email))
    return report


def admin_cause(caller: Any) -> Cause:
    return Cause(admin_email=caller.email, reason="reconciliation")


def before_course_sync(start: int, end: int, caller: Any, *, fix: bool) -> list[dict[str, Any]]:
    """The course payments' drift over a range (unix seconds, end excluded)."""

    cause = admin_cause(caller)
    with stripe_call("reconciling payments"):
        listed = client().v1.checkout.sessions.list(
            params={"created": {"gte": start, "lt": end}, "status": "complete", "limit": 100}
        )
        sessions = [as_dict(s) for s in listed.auto_paging_iter()]
        payments = {
            str(s["id"]): p
            for s in sessions
            if s.get("mode") == "payment"
            and s.get("payment_status") == "paid"
            and (p := payment_from_session(s, "sync"))
        }
        report = missing_purchases(sessions, payments)
        since, until = str(iso_from_unix(start)), str(iso_from_unix(end))
        # The range's purchases: those of its sessions (recorded whenever), and those recorded in it.
        recorded = store.query("Purchase", {"created_date": {"$gte": since, "$lt": until}}, limit=store.MAX_LIMIT)
        of_sessions = store.find_all("Purchase", [purchase_id(str(s["id"])) for s in sessions])
        purchases = list({p["id"]: p for p in [*recorded, *of_sessions.values()]}.values())
        report += refunds_and_access(purchases, cause, fix)
    report += orphan_enrollments(since, until, cause, fix)
    return report
