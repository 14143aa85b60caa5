"""Creating Checkout Sessions: for courses (createStripeCheckout, createCourseCheckout) and plans."""

from __future__ import annotations

from typing import Any

from domain.payments.catalog import (
    CourseForSale,
    course_for_sale,
    customer_id_for,
    line_item,
    plan_for_checkout,
    plan_price_id,
    refuse_second_subscription,
)
from domain.payments.fulfilment import (
    CHECKOUT_KIND_COURSES,
    CHECKOUT_KIND_SUBSCRIPTION,
    OWNED_STATUSES,
    encode_course_ids,
)
from entities import store
from entities.enrollment import enrollment_id
from shared import config
from shared.auth import Caller
from shared.errors import InvalidInputError, NotFoundError
from shared.stripe_client import client, stripe_call, to_minor_units


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
    session: Any = {  # the SDK's typed params accept these keys; built as data, checked by Stripe
        "mode": mode,
        "customer": customer,
        "client_reference_id": caller.user_id or None,
        "line_items": line_items,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        **params,
    }
    with stripe_call("creating the checkout session"):
        return client().v1.checkout.sessions.create(params=session)


def create_subscription_session(plan_id: str, success_url: str, cancel_url: str, caller: Caller) -> dict[str, Any]:
    """A Checkout Session for a plan: 400 for enterprise (custom pricing), 409 when one is held."""
    plan = plan_for_checkout(plan_id)
    refuse_second_subscription(caller)
    price_id = plan_price_id(plan)
    metadata = buyer_metadata(caller, CHECKOUT_KIND_SUBSCRIPTION, plan=plan.id)
    session = open_session(
        caller,
        mode="subscription",
        line_items=[{"price": price_id, "quantity": 1}],
        urls=(success_url, cancel_url),
        metadata=metadata,
        # The subscription carries who it belongs to, for its own webhook events.
        subscription_data={"metadata": metadata},
    )
    return {"sessionId": session.id, "url": session.url, "plan": plan.name}


def create_bundle_session(bundle_id: str, success_url: str, cancel_url: str, caller: Caller) -> dict[str, Any]:
    """One Checkout Session at the bundle's price; its purchase names every course of the bundle."""

    bundle = store.find("Bundle", bundle_id)
    if bundle is None or not bundle.get("is_published"):
        raise NotFoundError("Bundle not found", details={"bundle_id": bundle_id})
    courses = store.find_all("Course", list(bundle["course_ids"]))
    missing = [cid for cid in bundle["course_ids"] if not (courses.get(cid) or {}).get("is_published")]
    if missing:
        raise InvalidInputError("Some courses of this bundle are not for sale", details={"course_ids": missing})
    owned = store.find_all("Enrollment", [enrollment_id(cid, caller.email or "") for cid in bundle["course_ids"]])
    if all(
        owned.get(enrollment_id(cid, caller.email or ""), {}).get("status") in OWNED_STATUSES
        for cid in bundle["course_ids"]
    ):
        raise InvalidInputError("You own every course of this bundle already", details={"reason": "already_enrolled"})
    currency = (bundle.get("currency") or config.currency()).lower()
    amount = to_minor_units(bundle["price"], currency)
    item = {
        "quantity": 1,
        "price_data": {
            "currency": currency,
            "unit_amount": amount,
            "product_data": {"name": str(bundle["title"])[:250], "metadata": {"bundle_id": bundle_id}},
        },
    }
    session = open_session(
        caller,
        mode="payment",
        line_items=[item],
        urls=(success_url, cancel_url),
        metadata=buyer_metadata(
            caller, CHECKOUT_KIND_COURSES, bundle_id=bundle_id, **encode_course_ids(list(bundle["course_ids"]))
        ),
        payment_intent_data={"metadata": {"checkout_kind": CHECKOUT_KIND_COURSES}},
    )
    return {"sessionId": session.id, "url": session.url, "total_amount": amount, "currency": currency}


# A payment of the custom flow that names no course: it is taken, and grants nothing.
CUSTOM_PAYMENT_KIND = "custom_payment"


def create_custom_payment_intent(
    caller: Caller, amount: int, currency: str, client_metadata: dict[str, str]
) -> dict[str, Any]:
    """A PaymentIntent for the client's own amount, naming no course (the seed's `course_id` is optional).

    Its metadata names the buyer under another kind than a course purchase, so the webhook
    never fulfils it into an enrollment, whatever the client's metadata says.
    """
    customer = customer_id_for(caller)
    extra = {f"client_{key}"[:40]: str(value)[:500] for key, value in client_metadata.items()}
    metadata = {**extra, **buyer_metadata(caller, CUSTOM_PAYMENT_KIND)}
    with stripe_call("creating the payment intent"):
        intent = client().v1.payment_intents.create(
            params={"amount": amount, "currency": currency.lower(), "customer": customer, "metadata": metadata}
        )
    return {"client_secret": intent.client_secret, "payment_intent_id": intent.id}


def create_payment_intent(
    caller: Caller, course_id: str, amount: int, currency: str, client_metadata: dict[str, str]
) -> dict[str, Any]:
    """A PaymentIntent for one course, at the course's price: a client amount or currency that differs is a 400.

    The payment is fulfilled by the webhook's `payment_intent.succeeded` (its metadata names
    the course and the buyer); the client's own metadata is kept under `client_` keys, so it
    can never name courses or buyers.
    """
    course = course_for_sale(course_id, caller)
    if amount != course.amount or currency.lower() != course.currency:
        raise InvalidInputError(
            "The amount and currency must be the course's price",
            details={"amount": course.amount, "currency": course.currency},
        )
    customer = customer_id_for(caller)
    extra = {f"client_{key}"[:40]: str(value)[:500] for key, value in client_metadata.items()}
    metadata = {**extra, **buyer_metadata(caller, CHECKOUT_KIND_COURSES, **encode_course_ids([course.id]))}
    with stripe_call("creating the payment intent"):
        intent = client().v1.payment_intents.create(
            params={"amount": course.amount, "currency": course.currency, "customer": customer, "metadata": metadata}
        )
    return {"client_secret": intent.client_secret, "payment_intent_id": intent.id}
