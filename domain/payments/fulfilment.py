"""The exactly-once effects of payments, shared by verify, the webhook and the syncs.

Each effect is one Firestore transaction that reads what it is about to write and
writes only what is missing, keyed by ids derived from Stripe's (purchase ids from
the session or PaymentIntent, enrollment ids from course and email, subscription
records by Stripe subscription id). A webhook event is claimed and completed
through `shared.idempotency` in the same transaction, and logged as a StripeEvent.
However often and however concurrently the same payment is reported, the same
documents result. Firestore retries a transaction that lost a race; the loser then
finds the winner's writes and does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.payments import events, reversals
from domain.payments.events import EventRef
from entities import enrolling, store
from entities.enrollment import enrollment_id
from entities.purchase import purchase_id
from shared.firestore import LOCK_WAIT_SECONDS, now_iso, run_transaction

OWNED_STATUSES = ("active", "completed")
CHECKOUT_KIND_COURSES = "course_purchase"
CHECKOUT_KIND_SUBSCRIPTION = "subscription"
_METADATA_VALUE_LIMIT = 500  # Stripe's limit on one metadata value


@dataclass(frozen=True)
class Payment:
    """A successful (or failed) one-time payment for courses, as Stripe reported it."""

    stripe_id: str  # the Checkout Session or PaymentIntent that paid
    user_id: str | None
    user_email: str
    course_ids: tuple[str, ...]
    amount: int
    currency: str
    source: str  # checkout | payment_intent | sync
    session_id: str | None = None
    payment_intent_id: str | None = None
    customer_id: str | None = None
    failure_message: str | None = None

    @property
    def purchase_id(self) -> str:
        return purchase_id(self.stripe_id)


@dataclass
class Fulfilment:
    duplicate_event: bool = False
    purchase: dict[str, Any] | None = None
    purchase_created: bool = False
    enrollments: list[dict[str, Any]] = field(default_factory=list)
    new_enrollments: int = 0


# --- metadata ------------------------------------------------------------------------


def encode_course_ids(course_ids: list[str]) -> dict[str, str]:
    """Course ids as Stripe metadata: `course_ids`, continued in `course_ids_2`... past 500 chars."""
    chunks: list[str] = []
    current = ""
    for cid in course_ids:
        candidate = f"{current},{cid}" if current else cid
        if len(candidate) > _METADATA_VALUE_LIMIT:
            chunks.append(current)
            current = cid
        else:
            current = candidate
    chunks.append(current)
    out = {"course_ids": chunks[0]}
    for index, chunk in enumerate(chunks[1:], start=2):
        out[f"course_ids_{index}"] = chunk
    return out


def decode_course_ids(metadata: Mapping[str, Any]) -> list[str]:
    if metadata.get("course_ids"):
        parts = [str(metadata["course_ids"])]
        index = 2
        while metadata.get(f"course_ids_{index}"):
            parts.append(str(metadata[f"course_ids_{index}"]))
            index += 1
        ids = [cid for part in parts for cid in part.split(",") if cid]
    elif metadata.get("course_id"):
        ids = [str(metadata["course_id"])]
    else:
        ids = []
    return list(dict.fromkeys(ids))


def iso_from_unix(ts: int | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- transactions -----------------------------------------------------------------


def _snapshots(tx: Any, refs: list[Any]) -> dict[str, Any]:
    return {snap.reference.path: snap for snap in tx.get_all(refs, timeout=LOCK_WAIT_SECONDS)}


def fulfil_payment(payment: Payment, event: EventRef | None = None) -> Fulfilment:
    """Record a paid purchase and enroll its buyer in each course, exactly once."""
    purchases = store.collection("Purchase")
    enrollments = store.collection("Enrollment")
    purchase_ref = purchases.document(payment.purchase_id)
    enrollment_refs = [enrollments.document(enrollment_id(cid, payment.user_email)) for cid in payment.course_ids]
    course_refs = enrolling.course_refs(payment.course_ids)

    def run(tx: Any) -> Fulfilment:
        if events.seen(tx, event):
            return Fulfilment(duplicate_event=True)
        snaps = _snapshots(tx, [purchase_ref, *enrollment_refs, *course_refs])
        # Refunded or disputed before it was recorded: grant only what the payment still stands for.
        standing = reversals.granted_standing(tx, payment.payment_intent_id, payment.amount)
        existing = snaps[purchase_ref.path]
        current = existing.to_dict() if existing.exists else None
        result = Fulfilment()
        if current is not None and current.get("status") in ("paid", "refunded"):
            # Already fulfilled: enrollments changed since (cancelled, refunded) stay as they are.
            result.purchase = current
            result.enrollments = [snaps[r.path].to_dict() for r in enrollment_refs if snaps[r.path].exists]
        else:
            now = now_iso()
            data = {
                "user_id": payment.user_id,
                "user_email": payment.user_email,
                "course_ids": list(payment.course_ids),
                "amount": payment.amount,
                "currency": payment.currency,
                "status": "refunded" if standing == "ended" else "paid",
                "source": payment.source,
                "stripe_session_id": payment.session_id,
                "stripe_payment_intent_id": payment.payment_intent_id,
                "stripe_customer_id": payment.customer_id,
                "paid_at": now,
            }
            if current is None:
                doc = store.record("Purchase", data, created_by=payment.user_email, id=payment.purchase_id)
                tx.create(purchase_ref, doc)
            else:  # a failed attempt, now paid
                doc = store.merged("Purchase", current, {**data, "failure_message": None})
                tx.set(purchase_ref, doc)
            result.purchase, result.purchase_created = doc, True
            courses = {ref.id: snaps[ref.path].to_dict() for ref in course_refs if snaps[ref.path].exists}
            created: list[dict[str, Any]] = []
            for course_id, ref in zip(payment.course_ids, enrollment_refs, strict=True):
                snap = snaps[ref.path]
                enrollment = snap.to_dict() if snap.exists else None
                if (enrollment is not None and enrollment.get("status") in OWNED_STATUSES) or standing == "ended":
                    result.enrollments.extend([enrollment] if enrollment else [])
                    continue
                granted = enrolling.granted(
                    courses.get(course_id) or {"id": course_id},  # a course deleted since: no end of access known
                    student_email=payment.user_email,
                    student_id=payment.user_id,
                    source="purchase",
                    status="suspended" if standing == "suspended" else "active",
                    purchase_id=payment.purchase_id,
                )
                new = enrollment is None
                if enrollment is None:
                    enrollment = store.record("Enrollment", granted, created_by=payment.user_email, id=ref.id)
                    created.append(enrollment)
                else:  # cancelled, refunded or expired before: this payment restores it
                    enrollment = enrolling.restored(enrollment, granted)
                enrolling.write(tx, enrollment, new=new)
                result.enrollments.append(enrollment)
                result.new_enrollments += 1
            enrolling.count_students(tx, created, set(courses))
        events.done(tx, event, "processed" if result.purchase_created else "already_fulfilled", payment.stripe_id)
        return result

    outcome: Fulfilment = run_transaction(run, settled=events.duplicate_check(event, Fulfilment))
    return outcome


def record_failed_payment(payment: Payment, event: EventRef | None = None) -> Fulfilment:
    """Keep a failed attempt on record; a purchase already paid is never downgraded."""
    purchase_ref = store.collection("Purchase").document(payment.purchase_id)

    def run(tx: Any) -> Fulfilment:
        if events.seen(tx, event):
            return Fulfilment(duplicate_event=True)
        snap = purchase_ref.get(transaction=tx, timeout=LOCK_WAIT_SECONDS)
        result = Fulfilment()
        if snap.exists:
            result.purchase = snap.to_dict()
        else:
            doc = store.record(
                "Purchase",
                {
                    "user_id": payment.user_id,
                    "user_email": payment.user_email,
                    "course_ids": list(payment.course_ids),
                    "amount": payment.amount,
                    "currency": payment.currency,
                    "status": "failed",
                    "source": payment.source,
                    "stripe_session_id": payment.session_id,
                    "stripe_payment_intent_id": payment.payment_intent_id,
                    "stripe_customer_id": payment.customer_id,
                    "failure_message": (payment.failure_message or "")[:500] or None,
                },
                created_by=payment.user_email,
                id=payment.purchase_id,
            )
            tx.create(purchase_ref, doc)
            result.purchase, result.purchase_created = doc, True
        events.done(tx, event, "processed" if result.purchase_created else "ignored", payment.stripe_id)
        return result

    outcome: Fulfilment = run_transaction(run, settled=events.duplicate_check(event, Fulfilment))
    return outcome


# --- subscriptions ------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionState:
    """What Stripe says about one subscription; None means "not stated here"."""

    stripe_subscription_id: str
    status: str | None = None
    user_id: str | None = None
    user_email: str | None = None
    plan: str | None = None
    stripe_customer_id: str | None = None
    started_at: str | None = None
    expires_at: str | None = None
    cancel_at_period_end: bool | None = None
    canceled_at: str | None = None

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "stripe_subscription_id"} | {
            "stripe_subscription_id": self.stripe_subscription_id
        }


@dataclass
class SubscriptionResult:
    duplicate_event: bool = False
    stale: bool = False
    created: bool = False
    changed: bool = False
    unattributed: bool = False
    record: dict[str, Any] | None = None


_COMPARED = (
    "status",
    "user_id",
    "user_email",
    "plan",
    "stripe_customer_id",
    "started_at",
    "expires_at",
    "cancel_at_period_end",
    "canceled_at",
)


def apply_subscription(
    state: SubscriptionState,
    *,
    as_of: int,
    event: EventRef | None = None,
    create: bool = True,
    touch_when_unchanged: bool = True,
) -> SubscriptionResult:
    """Move the stored subscription to `state` unless what is stored is newer.

    `as_of` is when Stripe's state was true (an event's `created`, or the time we
    read it). A state older than the stored one is ignored, so events arriving out
    of order never move a subscription back. `create=False` only updates an
    existing record (invoices say too little to create one).
    """
    ref = store.collection("Subscription").document(state.stripe_subscription_id)

    def run(tx: Any) -> SubscriptionResult:
        if events.seen(tx, event):
            return SubscriptionResult(duplicate_event=True)
        snap = ref.get(transaction=tx, timeout=LOCK_WAIT_SECONDS)
        current = snap.to_dict() if snap.exists else None
        result, outcome = _move_subscription(
            tx, ref, current, state, as_of=as_of, create=create, touch_when_unchanged=touch_when_unchanged
        )
        events.done(tx, event, outcome, state.stripe_subscription_id)
        return result

    outcome: SubscriptionResult = run_transaction(run, settled=events.duplicate_check(event, SubscriptionResult))
    return outcome


def apply_subscriptions(states: list[tuple[SubscriptionState, int]]) -> list[SubscriptionResult]:
    """`apply_subscription` for many (a sync's page) in one transaction: one read of all the
    records, one commit of those that change (an unchanged one is not written)."""
    refs = [store.collection("Subscription").document(state.stripe_subscription_id) for state, _ in states]

    def run(tx: Any) -> list[SubscriptionResult]:
        current = {s.id: s.to_dict() for s in tx.get_all(refs, timeout=LOCK_WAIT_SECONDS) if s.exists}
        return [
            _move_subscription(
                tx, ref, current.get(ref.id), state, as_of=as_of, create=True, touch_when_unchanged=False
            )[0]
            for ref, (state, as_of) in zip(refs, states, strict=True)
        ]

    results: list[SubscriptionResult] = run_transaction(run)
    return results


def _move_subscription(
    tx: Any,
    ref: Any,
    current: dict[str, Any] | None,
    state: SubscriptionState,
    *,
    as_of: int,
    create: bool,
    touch_when_unchanged: bool,
) -> tuple[SubscriptionResult, str]:
    """Write (in `tx`) the record `state` makes of `current`, if any; the result and its outcome."""
    result = SubscriptionResult(record=current)
    outcome = "processed"
    if current is not None and int(current.get("stripe_state_at") or 0) > as_of:
        result.stale, outcome = True, "stale"
    elif current is None:
        changes = state.changes()
        if not create or not all(changes.get(k) for k in ("user_email", "plan", "status")):
            result.unattributed, outcome = True, "ignored"
        else:
            doc = store.record(
                "Subscription",
                {**changes, "stripe_state_at": as_of},
                created_by=str(changes["user_email"]),
                id=state.stripe_subscription_id,
            )
            tx.create(ref, doc)
            result.record, result.created, result.changed = doc, True, True
    else:
        changes = state.changes()
        differs = any(current.get(k) != changes[k] for k in _COMPARED if k in changes)
        if differs or (touch_when_unchanged and as_of > int(current.get("stripe_state_at") or 0)):
            doc = store.merged("Subscription", current, {**changes, "stripe_state_at": as_of})
            tx.set(ref, doc)
            result.record, result.changed = doc, differs
    return result, outcome


# --- reading Stripe objects -----------------------------------------------------------


PLAN_BY_INTERVAL = {"month": "monthly", "year": "annual"}


def plan_name(value: Any) -> str | None:
    """`plan_monthly` or `monthly` -> `monthly`; anything else -> None."""
    if not isinstance(value, str):
        return None
    name = value.removeprefix("plan_")
    return name if name in ("monthly", "annual", "enterprise") else None


def _ref_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return str(value.get("id")) if value.get("id") else None
    return str(value) if value else None


def subscription_state(sub: Mapping[str, Any]) -> SubscriptionState:
    """Read a Stripe subscription (current shape, or localstripe's older one)."""
    metadata = sub.get("metadata") or {}
    items = ((sub.get("items") or {}).get("data")) or []
    ends = [int(i["current_period_end"]) for i in items if i.get("current_period_end")]
    period_end = sub.get("current_period_end") or (max(ends) if ends else None)
    plan = plan_name(metadata.get("plan"))
    if plan is None and items:
        price = items[0].get("price") or items[0].get("plan") or {}
        interval = str((price.get("recurring") or {}).get("interval") or price.get("interval") or "")
        plan = plan_name((price.get("metadata") or {}).get("plan")) or PLAN_BY_INTERVAL.get(interval)
    return SubscriptionState(
        stripe_subscription_id=str(sub["id"]),
        status=sub.get("status"),
        user_id=metadata.get("user_id") or None,
        user_email=metadata.get("user_email") or None,
        plan=plan,
        stripe_customer_id=_ref_id(sub.get("customer")),
        started_at=iso_from_unix(sub.get("start_date") or sub.get("created")),
        expires_at=iso_from_unix(period_end),
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
        canceled_at=iso_from_unix(sub.get("canceled_at")),
    )


def invoice_subscription_id(invoice: Mapping[str, Any]) -> str | None:
    """The subscription an invoice bills: `subscription` (older API) or `parent.subscription_details`."""
    direct = _ref_id(invoice.get("subscription"))
    if direct:
        return direct
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return _ref_id(details.get("subscription"))


def invoice_period_end(invoice: Mapping[str, Any]) -> int | None:
    ends = [
        int((line.get("period") or {})["end"])
        for line in ((invoice.get("lines") or {}).get("data") or [])
        if (line.get("period") or {}).get("end")
    ]
    return max(ends) if ends else None


def payment_from_session(session: Mapping[str, Any], source: str = "checkout") -> Payment | None:
    """The course payment a completed Checkout Session stands for; None when it is not ours."""
    metadata = session.get("metadata") or {}
    course_ids = decode_course_ids(metadata)
    email = (
        metadata.get("user_email")
        or session.get("customer_email")
        or ((session.get("customer_details") or {}).get("email"))
    )
    if metadata.get("kind") != CHECKOUT_KIND_COURSES or not course_ids or not email:
        return None
    return Payment(
        stripe_id=str(session["id"]),
        user_id=metadata.get("user_id") or None,
        user_email=str(email),
        course_ids=tuple(course_ids),
        amount=int(session.get("amount_total") or 0),
        currency=str(session.get("currency") or "usd").lower(),
        source=source,
        session_id=str(session["id"]),
        payment_intent_id=_ref_id(session.get("payment_intent")),
        customer_id=_ref_id(session.get("customer")),
    )


def payment_from_intent(intent: Mapping[str, Any]) -> Payment | None:
    """A PaymentIntent of the custom payment flow (metadata names the courses and buyer)."""
    metadata = intent.get("metadata") or {}
    course_ids = decode_course_ids(metadata)
    email = metadata.get("user_email")
    if not course_ids or not email:
        return None
    error = intent.get("last_payment_error") or {}
    return Payment(
        stripe_id=str(intent["id"]),
        user_id=metadata.get("user_id") or None,
        user_email=str(email),
        course_ids=tuple(course_ids),
        amount=int(intent.get("amount_received") or intent.get("amount") or 0),
        currency=str(intent.get("currency") or "usd").lower(),
        source="payment_intent",
        payment_intent_id=str(intent["id"]),
        customer_id=_ref_id(intent.get("customer")),
        failure_message=error.get("message") if isinstance(error, Mapping) else None,
    )
