"""stripeWebhook: Stripe's events, at `/api/stripe-webhook` and as its own Cloud Function.

Anonymous (Stripe calls it); no rate limit. The `Stripe-Signature` header is
checked over the raw body with the endpoint secret before anything else: a bad,
missing or stale signature is a 400 and nothing is written. Each event is then
handled in one Firestore transaction that also records its id (StripeEvent), so a
redelivery answers 200 and changes nothing. Handling uses only the event's own
payload (no call to Stripe), so the 2xx Stripe waits for comes after one
transaction. Writes Purchase, Enrollment, Subscription, StripeEvent.

Handled: checkout.session.completed (and async_payment_succeeded),
customer.subscription.created/updated/deleted, invoice.paid (and
invoice.payment_succeeded), invoice.payment_failed, payment_intent.succeeded,
payment_intent.payment_failed; and access that follows the money
(`domain.payments.reversals`): charge.refunded, refund.created/updated,
charge.refund.updated, charge.dispute.created/updated/closed, and every subscription
change brings the user's subscription-sourced enrollments in line with their plan.
Other types are recorded, logged and answered 200. Also served at `/api/webhooks/stripe`,
whose errors answer the 7P envelope `{success: false, error, code, details}`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from domain.payments.access_changes import Cause
from domain.payments.events import EventRef, record_event_only
from domain.payments.fulfilment import (
    CHECKOUT_KIND_SUBSCRIPTION,
    SubscriptionResult,
    SubscriptionState,
    apply_subscription,
    fulfil_payment,
    invoice_period_end,
    invoice_subscription_id,
    iso_from_unix,
    payment_from_intent,
    payment_from_session,
    plan_name,
    record_failed_payment,
    subscription_state,
)
from domain.payments.reversals import (
    MoneyEvent,
    apply,
    follow_subscriptions,
    from_charge,
    from_dispute,
    from_refund,
)
from functions.payments.responses import StripeWebhookResponse
from shared import config, logging
from shared.errors import InvalidInputError
from shared.http import SEVEN_P, Reply
from shared.router import raw_endpoint
from shared.stripe_client import verify_webhook

if TYPE_CHECKING:
    import flask


class MalformedEventError(Exception):
    """A signed event whose object lacks what its type promises."""


def _read(reader: Callable[..., Any], *args: Any) -> Any:
    """Run a reader of Stripe objects; a shape it cannot read is a MalformedEventError."""
    try:
        return reader(*args)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedEventError(f"{reader.__name__}: {type(exc).__name__}") from exc


def _parse(payload: bytes) -> tuple[EventRef, dict[str, Any]]:
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise InvalidInputError("Webhook body is not JSON") from exc
    if not isinstance(event, dict):
        raise InvalidInputError("Webhook body is not an event")
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    obj = (event.get("data") or {}).get("object") if isinstance(event.get("data"), dict) else None
    if (
        not isinstance(event_id, str)
        or not event_id.startswith("evt_")
        or len(event_id) > 128
        or not isinstance(event_type, str)
        or not isinstance(created, int)
        or not isinstance(obj, dict)
    ):
        raise InvalidInputError("Webhook body is not a Stripe event")
    return EventRef(event_id, event_type, created, bool(event.get("livemode"))), obj


def _subscription_outcome(result: SubscriptionResult, event: EventRef | None = None) -> str:
    email = (result.record or {}).get("user_email")
    if event is not None and email:
        # Stored state decides, so a replayed or stale event settles the same way.
        follow_subscriptions(str(email), Cause(event=event), (result.record or {}).get("stripe_subscription_id"))
    if result.duplicate_event:
        return "duplicate"
    if result.stale:
        return "stale"
    if result.unattributed:
        return "ignored"
    return "processed"


def _checkout_completed(event: EventRef, session: dict[str, Any]) -> str:
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        # Delayed payment methods: checkout.session.async_payment_succeeded follows.
        return _ignore(event, session.get("id"), "unpaid")
    metadata = session.get("metadata") or {}
    if session.get("mode") == "subscription" and metadata.get("kind") == CHECKOUT_KIND_SUBSCRIPTION:
        sub_id = session.get("subscription")
        sub_id = sub_id.get("id") if isinstance(sub_id, dict) else sub_id
        if not sub_id:
            return _ignore(event, session.get("id"), "no subscription")
        state = SubscriptionState(
            stripe_subscription_id=str(sub_id),
            status="active",
            user_id=metadata.get("user_id") or None,
            user_email=metadata.get("user_email") or None,
            plan=plan_name(metadata.get("plan")),
            stripe_customer_id=session.get("customer") if isinstance(session.get("customer"), str) else None,
        )
        return _subscription_outcome(apply_subscription(state, as_of=event.created, event=event), event)
    payment = _read(payment_from_session, session)
    if payment is None:
        return _ignore(event, session.get("id"), "not a course checkout")
    result = fulfil_payment(payment, event)
    return "duplicate" if result.duplicate_event else "processed"


def _subscription_changed(event: EventRef, subscription: dict[str, Any]) -> str:
    state = _read(subscription_state, subscription)
    return _subscription_outcome(apply_subscription(state, as_of=event.created, event=event), event)


def _invoice(status: str) -> Callable[[EventRef, dict[str, Any]], str]:
    def handle(event: EventRef, invoice: dict[str, Any]) -> str:
        sub_id = _read(invoice_subscription_id, invoice)
        if not sub_id:
            return _ignore(event, invoice.get("id"), "not a subscription invoice")
        state = SubscriptionState(
            stripe_subscription_id=sub_id,
            status=status,
            expires_at=_read(lambda: iso_from_unix(invoice_period_end(invoice))) if status == "active" else None,
        )
        result = apply_subscription(state, as_of=event.created, event=event, create=False)
        return _subscription_outcome(result, event)

    return handle


def _intent_succeeded(event: EventRef, intent: dict[str, Any]) -> str:
    payment = _read(payment_from_intent, intent)
    if payment is None:  # Checkout's own PaymentIntents: the session event does the work
        return _ignore(event, intent.get("id"), "no course metadata")
    return "duplicate" if fulfil_payment(payment, event).duplicate_event else "processed"


def _intent_failed(event: EventRef, intent: dict[str, Any]) -> str:
    payment = _read(payment_from_intent, intent)
    if payment is None:
        return _ignore(event, intent.get("id"), "no course metadata")
    return "duplicate" if record_failed_payment(payment, event).duplicate_event else "processed"


def _money(reader: Callable[[dict[str, Any], int], MoneyEvent | None]) -> Callable[[EventRef, dict[str, Any]], str]:
    def handle(event: EventRef, obj: dict[str, Any]) -> str:
        money = _read(reader, obj, event.created)
        if money is None:
            return _ignore(event, obj.get("id"), "no payment intent")
        return "duplicate" if apply(money, Cause(event=event)).duplicate_event else "processed"

    return handle


HANDLERS: dict[str, Callable[[EventRef, dict[str, Any]], str]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "customer.subscription.created": _subscription_changed,
    "customer.subscription.updated": _subscription_changed,
    "customer.subscription.deleted": _subscription_changed,
    "invoice.paid": _invoice("active"),
    "invoice.payment_succeeded": _invoice("active"),
    "invoice.payment_failed": _invoice("past_due"),
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "charge.refunded": _money(from_charge),
    "refund.created": _money(from_refund),
    "refund.updated": _money(from_refund),
    "charge.refund.updated": _money(from_refund),
    "charge.dispute.created": _money(from_dispute),
    "charge.dispute.updated": _money(from_dispute),
    "charge.dispute.closed": _money(from_dispute),
}


@raw_endpoint(
    "stripeWebhook",
    response=StripeWebhookResponse,
    settings=(config.STRIPE_WEBHOOK_SECRET,),
    # The 7P address answers its errors in the 7P envelope, as every 7P route does.
    paths=("/api/stripe-webhook", ("/api/webhooks/stripe", SEVEN_P)),
)
def stripe_webhook(request: flask.Request) -> Reply:
    payload = request.get_data(cache=True)
    verify_webhook(payload, request.headers.get("Stripe-Signature"))
    event, obj = _parse(payload)
    handler = HANDLERS.get(event.type)
    with _one_delivery_at_a_time(event.id):
        if handler is None:
            outcome = _ignore(event, obj.get("id"), "unhandled type")
            logging.info("stripe event not handled", event_id=event.id, event_type=event.type, outcome=outcome)
            return Reply({"received": True, "event_id": event.id, "handled": False})
        try:
            outcome = handler(event, obj)
        except (MalformedEventError, InvalidInputError) as exc:
            # Signed by Stripe but not in a shape we can use: retrying would not help, so
            # it is recorded and acknowledged, and the log says why.
            logging.warning("stripe event malformed", event_id=event.id, event_type=event.type, error=str(exc))
            outcome = _ignore(event, None, "malformed object")
    logging.info("stripe event", event_id=event.id, event_type=event.type, outcome=outcome)
    return Reply({"received": True, "event_id": event.id, "outcome": outcome})


def _ignore(event: EventRef, object_id: str | None, why: str) -> str:
    """Record an event we do not act on; "duplicate" when it was recorded before."""
    return "recorded" if record_event_only(event, "ignored", object_id, why) else "duplicate"


_deliveries_guard = threading.Lock()
_deliveries: dict[str, tuple[threading.Lock, int]] = {}


@contextmanager
def _one_delivery_at_a_time(event_id: str) -> Iterator[None]:
    """Deliveries of one event that reach this instance together take turns.

    The later ones then find the event recorded instead of contending for the same
    documents; across instances the transaction's retries settle it.
    """
    with _deliveries_guard:
        lock, users = _deliveries.get(event_id, (threading.Lock(), 0))
        _deliveries[event_id] = (lock, users + 1)
    try:
        with lock:
            yield
    finally:
        with _deliveries_guard:
            lock, users = _deliveries[event_id]
            if users == 1:
                del _deliveries[event_id]
            else:
                _deliveries[event_id] = (lock, users - 1)
