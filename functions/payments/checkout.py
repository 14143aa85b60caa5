"""Creating Checkout Sessions: for courses (createStripeCheckout, createCourseCheckout) and plans."""

from __future__ import annotations

from typing import Any

from functions.payments.catalog import CourseForSale, course_for_sale, customer_id_for, line_item
from functions.payments.fulfilment import CHECKOUT_KIND_COURSES, encode_course_ids
from shared.auth import Caller
from shared.errors import InvalidInputError
from shared.stripe_client import client, stripe_call


def create_course_session(course_ids: list[str], success_url: str, cancel_url: str, caller: Caller) -> dict[str, Any]:
    """Validate every course, then open one Checkout Session with a line item per course."""
    courses: list[CourseForSale] = [course_for_sale(cid, caller) for cid in course_ids]
    currencies = sorted({c.currency for c in courses})
    if len(currencies) > 1:
        raise InvalidInputError(
            "These courses are priced in different currencies; buy them separately",
            details={"currencies": currencies},
        )
    session = open_session(
        caller,
        mode="payment",
        line_items=[line_item(c) for c in courses],
        urls=(success_url, cancel_url),
        metadata=buyer_metadata(caller, CHECKOUT_KIND_COURSES, **encode_course_ids([c.id for c in courses])),
        payment_intent_data={"metadata": {"checkout_kind": CHECKOUT_KIND_COURSES}},
    )
    return {
        "sessionId": session.id,
        "url": session.url,
        "total_amount": sum(c.amount for c in courses),
        "currency": currencies[0],
    }


def buyer_metadata(caller: Caller, kind: str, **extra: str) -> dict[str, str]:
    """What verification and the webhook need to know: the kind of purchase and who made it."""
    return {"kind": kind, **extra, "user_id": caller.user_id or "", "user_email": caller.email or ""}


def open_session(
    caller: Caller,
    *,
    mode: str,
    line_items: list[dict[str, Any]],
    urls: tuple[str, str],
    metadata: dict[str, str],
    **params: Any,
) -> Any:
    """One Checkout Session for the caller's Stripe customer (created once)."""
    customer = customer_id_for(caller)
    success_url, cancel_url = urls
    with stripe_call("creating the checkout session"):
        return client().v1.checkout.sessions.create(
            params={
                "mode": mode,
                "customer": customer,
                "client_reference_id": caller.user_id or None,
                "line_items": line_items,
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": metadata,
                **params,
            }
        )
