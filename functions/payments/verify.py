"""Verifying a Checkout Session after the redirect, shared by the three verify functions.

The session is read from Stripe (never trusted from the client), must belong to
the caller (or the caller is an admin), and must be paid; only then are the
effects written, through the same exactly-once transactions as the webhook.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from domain.payments.fulfilment import (
    CHECKOUT_KIND_COURSES,
    CHECKOUT_KIND_SUBSCRIPTION,
    Fulfilment,
    SubscriptionResult,
    apply_subscription,
    fulfil_payment,
    payment_from_session,
    plan_name,
    subscription_state,
)
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError, PaymentFailedError
from shared.stripe_client import as_dict, client, stripe_call

PAID = ("paid", "no_payment_required")


def retrieve_session(session_id: str, caller: Caller, kind: str, expand: list[str] | None = None) -> dict[str, Any]:
    with stripe_call("reading the checkout session", not_found="Checkout session not found"):
        session = as_dict(
            client().v1.checkout.sessions.retrieve(session_id, params={"expand": expand} if expand else None)
        )
    metadata = session.get("metadata") or {}
    if metadata.get("user_id") != caller.user_id and not caller.is_admin:
        # Someone else's session is answered like a missing one would be to its owner: refused.
        raise ForbiddenError("This checkout session belongs to another user")
    if metadata.get("kind") != kind:
        raise InvalidInputError(
            "This checkout session is not a "
            + ("course purchase" if kind == CHECKOUT_KIND_COURSES else "subscription"),
            details={"sessionId": session_id},
        )
    if session.get("status") != "complete" or session.get("payment_status") not in PAID:
        raise PaymentFailedError(
            "Payment not completed for this checkout session",
            details={"status": session.get("status"), "payment_status": session.get("payment_status")},
        )
    return session


def verify_course_session(session_id: str, caller: Caller) -> Fulfilment:
    session = retrieve_session(session_id, caller, CHECKOUT_KIND_COURSES)
    payment = payment_from_session(session)
    if payment is None:
        raise InvalidInputError("This checkout session names no courses", details={"sessionId": session_id})
    return fulfil_payment(payment)


def enrollment_view(enrollment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": enrollment["id"],
        "course_id": enrollment["course_id"],
        "student_email": enrollment["student_email"],
        "status": enrollment.get("status"),
        "enrolled_at": enrollment.get("enrolled_at"),
    }


def verify_subscription(session_id: str, caller: Caller) -> SubscriptionResult:
    # Read time is when this state was true: older webhook events will not undo it.
    read_at = int(time.time())
    session = retrieve_session(session_id, caller, CHECKOUT_KIND_SUBSCRIPTION, expand=["subscription"])
    subscription = session.get("subscription")
    if not isinstance(subscription, dict):
        raise PaymentFailedError("The subscription has not been created yet", details={"sessionId": session_id})
    state = subscription_state(subscription)
    metadata = session.get("metadata") or {}
    # The session's metadata names the buyer even when the subscription's does not.
    state = replace(
        state,
        user_id=state.user_id or metadata.get("user_id") or None,
        user_email=state.user_email or metadata.get("user_email") or None,
        plan=state.plan or plan_name(metadata.get("plan")),
    )
    # Verifying again must change nothing: an unchanged state is not rewritten.
    return apply_subscription(state, as_of=read_at, touch_when_unchanged=False)
