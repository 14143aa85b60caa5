"""What can be bought: courses (priced by the Course entity) and the subscription
plans (Stripe products and prices found by lookup key, created once), and the
buyer's Stripe customer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock
from typing import Any

from domain.payments.fulfilment import OWNED_STATUSES
from entities import store
from entities.course import is_paid
from entities.enrollment import enrollment_id
from entities.subscription import ACTIVE_STATUSES
from shared import config
from shared.auth import Caller
from shared.errors import ConflictError, InvalidInputError, NotFoundError
from shared.stripe_client import as_dict, client, stripe_call, to_minor_units

# Subscriptions in these states still hold the user's one subscription.
HOLDING_STATUSES = (*ACTIVE_STATUSES, "past_due", "unpaid", "paused")
PRICE_CACHE_SECONDS = 600
SALES_CONTACT = "sales"


# --- courses --------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseForSale:
    id: str
    title: str
    amount: int  # minor units
    currency: str


def course_for_sale(course_id: str, caller: Caller) -> CourseForSale:
    """A course the caller may buy now: 404 missing, 400 unpublished, free or already owned."""
    course = store.find("Course", course_id)
    if course is None:
        raise NotFoundError("Course not found", details={"course_id": course_id})
    if not course.get("is_published"):
        raise InvalidInputError("Course is not published", details={"course_id": course_id, "reason": "not_published"})
    if not is_paid(course):
        raise InvalidInputError(
            "Course is free: enroll without checkout", details={"course_id": course_id, "reason": "free"}
        )
    enrollment = store.find("Enrollment", enrollment_id(course_id, caller.email or ""))
    if enrollment is not None and enrollment.get("status") in OWNED_STATUSES:
        raise InvalidInputError(
            "Already enrolled in this course", details={"course_id": course_id, "reason": "already_enrolled"}
        )
    currency = (course.get("currency") or config.currency()).lower()
    return CourseForSale(
        id=course_id,
        title=str(course.get("title") or course_id)[:250],
        amount=to_minor_units(course["price"], currency),
        currency=currency,
    )


def line_item(course: CourseForSale) -> dict[str, Any]:
    return {
        "quantity": 1,
        "price_data": {
            "currency": course.currency,
            "unit_amount": course.amount,
            "product_data": {"name": course.title, "metadata": {"course_id": course.id}},
        },
    }


# --- plans ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    id: str  # what clients send: plan_monthly
    name: str  # what records say: monthly
    amount_major: int | None  # dollars; None for custom pricing
    interval: str | None

    def lookup_key(self, currency: str) -> str:
        return f"sparkacademy_{self.id}_{currency}"

    @property
    def product_id(self) -> str:
        return f"sparkacademy_{self.id}"


PLANS: dict[str, Plan] = {
    p.id: p
    for p in (
        Plan("plan_monthly", "monthly", 29, "month"),
        Plan("plan_annual", "annual", 290, "year"),
        Plan("plan_enterprise", "enterprise", None, None),
    )
}

_price_cache: dict[tuple[str, str], tuple[float, str]] = {}
_price_lock = Lock()


def clear_price_cache() -> None:
    with _price_lock:
        _price_cache.clear()


def plan_for_checkout(plan_id: str) -> Plan:
    plan = PLANS.get(plan_id)
    if plan is None:
        raise InvalidInputError(f"Unknown plan {plan_id!r}", details={"planId": plan_id, "plans": sorted(PLANS)})
    if plan.amount_major is None:
        raise InvalidInputError(
            "The enterprise plan has custom pricing: contact sales for a quote",
            details={"planId": plan_id, "reason": "custom_pricing", "contact": SALES_CONTACT},
        )
    return plan


def plan_price_id(plan: Plan) -> str:
    """The Stripe price of a plan: found by lookup key, else created once (with its product)."""
    currency = config.currency()
    key = (plan.id, currency)
    with _price_lock:
        cached = _price_cache.get(key)
    if cached and time.monotonic() - cached[0] < PRICE_CACHE_SECONDS:
        return cached[1]
    assert plan.amount_major is not None and plan.interval is not None
    amount = to_minor_units(plan.amount_major, currency)
    lookup_key = plan.lookup_key(currency)
    stripe = client()
    with stripe_call("finding the plan price"):
        found = stripe.v1.prices.list(params={"lookup_keys": [lookup_key], "active": True, "limit": 1}).data
    price = as_dict(found[0]) if found else None
    matches = (
        price is not None
        and price.get("unit_amount") == amount
        and price.get("currency") == currency
        and (price.get("recurring") or {}).get("interval") == plan.interval
    )
    if not matches:
        price = _create_price(plan, amount, currency, lookup_key)
    assert price is not None
    with _price_lock:
        _price_cache[key] = (time.monotonic(), str(price["id"]))
    return str(price["id"])


def _create_price(plan: Plan, amount: int, currency: str, lookup_key: str) -> dict[str, Any]:
    import stripe as stripe_module

    stripe = client()
    with stripe_call("creating the plan product"):
        try:
            stripe.v1.products.retrieve(plan.product_id)
        except stripe_module.InvalidRequestError as exc:
            if exc.http_status != 404:
                raise
            stripe.v1.products.create(
                params={"id": plan.product_id, "name": f"SparkAcademy {plan.name} plan", "metadata": {"plan": plan.id}},
                options={"idempotency_key": f"product-{plan.product_id}"},
            )
    with stripe_call("creating the plan price"):
        created = stripe.v1.prices.create(
            params={
                "product": plan.product_id,
                "currency": currency,
                "unit_amount": amount,
                "recurring": {"interval": plan.interval or "month"},
                "lookup_key": lookup_key,
                # A price with an outdated amount may hold the key: this one takes it over.
                "transfer_lookup_key": True,
                "metadata": {"plan": plan.id},
            },
            options={"idempotency_key": f"price-{lookup_key}-{amount}-{plan.interval}"},
        )
    return as_dict(created)


def current_subscription(caller: Caller) -> dict[str, Any] | None:
    """The caller's subscription that still holds (active, trialing, past due...)."""
    found = store.query("Subscription", {"user_email": caller.email, "status": list(HOLDING_STATUSES)}, limit=1)
    return found[0] if found else None


def refuse_second_subscription(caller: Caller) -> None:
    held = current_subscription(caller)
    if held is not None:
        raise ConflictError(
            "You already have a subscription; manage it from the billing portal",
            details={"subscription_id": held.get("stripe_subscription_id") or held["id"], "status": held["status"]},
        )


# --- customers ------------------------------------------------------------------------


def find_customer_id(caller: Caller) -> str | None:
    """The caller's Stripe customer: from their subscription record, else by email at Stripe."""
    records = store.query("Subscription", {"user_email": caller.email}, limit=1)
    if records and records[0].get("stripe_customer_id"):
        return str(records[0]["stripe_customer_id"])
    with stripe_call("finding the customer"):
        found = client().v1.customers.list(params={"email": caller.email or "", "limit": 1}).data
    return str(found[0].id) if found else None


def customer_id_for(caller: Caller) -> str:
    """The caller's Stripe customer, created once when they have none."""
    existing = find_customer_id(caller)
    if existing:
        return existing
    with stripe_call("creating the customer"):
        created = client().v1.customers.create(
            params={"email": caller.email or "", "metadata": {"user_id": caller.user_id or ""}},
            # Two checkouts started at once by the same user make one customer.
            options={"idempotency_key": f"customer-{caller.user_id}"},
        )
    return str(created.id)


def session_answer(session: Any) -> dict[str, Any]:
    return {"sessionId": session.id, "url": session.url}


def portal_url(caller: Caller, return_url: str) -> str:
    """A billing portal session for the caller's own Stripe customer; 404 when they have none."""
    customer = find_customer_id(caller)
    if customer is None:
        raise NotFoundError("No billing account found: subscribe or buy a course first")
    with stripe_call("creating the portal session", not_found="No billing account found"):
        session = client().v1.billing_portal.sessions.create(params={"customer": customer, "return_url": return_url})
    return str(session.url)
