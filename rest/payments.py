"""The 7P surface's payment routes: `/api/payments/...` (seed 001, Payments).

Thin over the same checkout, catalogue and fulfilment code as the Base44 payment functions:
a course, plan or bundle checkout; a PaymentIntent priced from the course; the caller's
payment history (one-time purchases from our records, subscription invoices from Stripe);
the billing portal; the caller's subscriptions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.payments import catalog, checkout
from entities import store
from rest import commerce_responses as responses
from rest.surface import PAYMENT_RATE, rest_route
from shared import config
from shared.auth import Caller
from shared.errors import ConflictError, InvalidInputError, NotFoundError
from shared.models import EntityId, RequestModel
from shared.stripe_client import RedirectUrl, as_dict, client, stripe_call, to_minor_units

_STRIPE = (config.STRIPE_SECRET_KEY,)


def _default_urls() -> tuple[str, str]:
    base = config.public_base_url()
    return f"{base}/payments/success?session_id={{CHECKOUT_SESSION_ID}}", f"{base}/payments/cancel"


class CheckoutRequest(RequestModel):
    type: Literal["subscription", "course", "bundle"]
    planId: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    courseId: EntityId | None = None
    bundleId: EntityId | None = None
    successUrl: RedirectUrl | None = None
    cancelUrl: RedirectUrl | None = None

    @model_validator(mode="after")
    def _names_what_it_buys(self) -> CheckoutRequest:
        needed = {"subscription": "planId", "course": "courseId", "bundle": "bundleId"}[self.type]
        if getattr(self, needed) is None:
            raise ValueError(f"{needed} is required for type {self.type}")
        return self


@rest_route(
    "POST",
    "/payments/create-checkout-session",
    name="rest.payments.checkout",
    request=CheckoutRequest,
    response=responses.CheckoutSession,
    rate=PAYMENT_RATE,
    settings=_STRIPE,
    errors=(InvalidInputError, NotFoundError, ConflictError),
)
def create_checkout_session(body: CheckoutRequest, caller: Caller) -> dict[str, Any]:
    """A Stripe Checkout Session for a course, a plan (`plan_monthly`, `plan_annual`) or a bundle."""
    success, cancel = _default_urls()
    urls = (body.successUrl or success, body.cancelUrl or cancel)
    if body.type == "course":
        answer = checkout.create_course_session([str(body.courseId)], *urls, caller)
    elif body.type == "bundle":
        answer = checkout.create_bundle_session(str(body.bundleId), *urls, caller)
    else:
        answer = checkout.create_subscription_session(str(body.planId), *urls, caller)
    return {"sessionId": answer["sessionId"], "url": answer["url"]}


class PaymentIntentRequest(RequestModel):
    amount: int = Field(gt=0, le=100_000_000, description="Minor units; must be the course's price")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
    course_id: EntityId | None = None
    metadata: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_]{1,30}$")],
        Annotated[str, StringConstraints(max_length=500)],
    ] = Field(default_factory=dict, max_length=20)


@rest_route(
    "POST",
    "/payments/create-payment-intent",
    name="rest.payments.paymentIntent",
    request=PaymentIntentRequest,
    response=responses.PaymentIntentAnswer,
    rate=PAYMENT_RATE,
    settings=_STRIPE,
    errors=(InvalidInputError, NotFoundError),
)
def create_payment_intent(body: PaymentIntentRequest, caller: Caller) -> dict[str, Any]:
    """A PaymentIntent for one course (the amount must be the course's, else a 400), or without
    `course_id` for the client's own amount, which grants nothing."""
    if body.course_id is None:
        return checkout.create_custom_payment_intent(caller, body.amount, body.currency, dict(body.metadata))
    return checkout.create_payment_intent(caller, body.course_id, body.amount, body.currency, dict(body.metadata))


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(default=1, ge=1, le=10_000)
    limit: int = Field(default=20, ge=1, le=50)
    status: Literal["succeeded", "pending", "failed", "refunded"] | None = None


_PURCHASE_STATUS = {"paid": "succeeded", "failed": "failed", "refunded": "refunded"}
_INVOICE_STATUS = {
    "paid": "succeeded",
    "open": "pending",
    "draft": "pending",
    "uncollectible": "failed",
    "void": "failed",
}


def _iso(ts: Any) -> str:
    return datetime.fromtimestamp(int(ts or 0), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _purchases(caller: Caller) -> list[dict[str, Any]]:
    found = store.query("Purchase", {"user_email": caller.email}, limit=store.MAX_LIMIT)
    titles = store.find_all("Course", sorted({cid for p in found for cid in p["course_ids"][:1]}))
    out = []
    for purchase in found:
        first = purchase["course_ids"][0]
        course = titles.get(first)
        out.append(
            {
                "id": purchase["id"],
                "amount": int(purchase["amount"]),
                "currency": purchase["currency"],
                "status": _PURCHASE_STATUS[purchase["status"]],
                "payment_method": "card",
                "created_at": purchase.get("paid_at") or purchase["created_date"],
                "description": (course or {}).get("title") or "Course purchase",
                "course": {"id": first, "title": (course or {}).get("title") or ""},
                "_intent": purchase.get("stripe_payment_intent_id"),
            }
        )
    return out


def _invoices(caller: Caller) -> list[dict[str, Any]]:
    customer = catalog.find_customer_id(caller)
    if customer is None:
        return []
    out = []
    with stripe_call("listing invoices"):
        for item in client().v1.invoices.list(params={"customer": customer, "limit": 100}).auto_paging_iter():
            invoice = as_dict(item)
            currency = str(invoice.get("currency") or config.currency())
            out.append(
                {
                    "id": str(invoice["id"]),
                    "amount": int(invoice.get("amount_paid") or invoice.get("amount_due") or 0),
                    "currency": currency,
                    "status": _INVOICE_STATUS.get(str(invoice.get("status")), "pending"),
                    "payment_method": "card",
                    "created_at": _iso(invoice.get("created")),
                    "description": str(invoice.get("description") or "Subscription"),
                    "invoice_url": invoice.get("hosted_invoice_url") or invoice.get("invoice_pdf"),
                }
            )
    return out


def _receipt(intent_id: str | None) -> str | None:
    if not intent_id:
        return None
    with stripe_call("reading the receipt"):
        intent = as_dict(client().v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]}))
    charge = intent.get("latest_charge")
    return charge.get("receipt_url") if isinstance(charge, dict) else None


@rest_route(
    "GET",
    "/payments/history",
    name="rest.payments.history",
    query=HistoryQuery,
    response=responses.PaymentHistory,
    settings=_STRIPE,
)
def history(_body: Any, caller: Caller, query: HistoryQuery) -> dict[str, Any]:
    """The caller's payments, newest first: course purchases and subscription invoices, with receipts."""
    items = [*_purchases(caller), *_invoices(caller)]
    if query.status:
        items = [i for i in items if i["status"] == query.status]
    items.sort(key=lambda i: (str(i["created_at"]), i["id"]), reverse=True)
    start = (query.page - 1) * query.limit
    shown = items[start : start + query.limit]
    for item in shown:
        intent = item.pop("_intent", None)
        if "course" in item:
            item["invoice_url"] = _receipt(intent)
    total = len(items)
    return {
        "payments": shown,
        "pagination": {
            "current_page": query.page,
            "total_pages": (total + query.limit - 1) // query.limit,
            "total_items": total,
        },
    }


class PortalRequest(RequestModel):
    returnUrl: RedirectUrl | None = None


@rest_route(
    "POST",
    "/payments/customer-portal",
    name="rest.payments.portal",
    request=PortalRequest,
    response=responses.PortalAnswer,
    rate=PAYMENT_RATE,
    settings=_STRIPE,
    errors=(NotFoundError,),
)
def customer_portal(body: PortalRequest | None, caller: Caller) -> dict[str, Any]:
    """The caller's Stripe billing portal, to manage subscriptions and cards."""
    return_url = (body.returnUrl if body else None) or f"{config.public_base_url()}/account"
    return {"url": catalog.portal_url(caller, return_url)}


_INTERVAL = {"monthly": ("month", 30), "annual": ("year", 365)}


@rest_route("GET", "/payments/subscriptions", name="rest.payments.subscriptions", response=responses.Subscriptions)
def subscriptions(_body: Any, caller: Caller) -> dict[str, Any]:
    """The caller's subscriptions as recorded (kept in step with Stripe by the webhook and the sync)."""
    found = store.query("Subscription", {"user_email": caller.email}, sort="-created_date", limit=50)
    currency = config.currency()
    out = []
    for sub in found:
        plan = catalog.PLANS.get(f"plan_{sub['plan']}")
        interval, days = _INTERVAL.get(str(sub["plan"]), ("year", 365))
        end = sub.get("expires_at")
        start = (
            (datetime.fromisoformat(str(end).replace("Z", "+00:00")) - timedelta(days=days)).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"
            )
            if end
            else sub.get("started_at")
        )
        out.append(
            {
                "id": sub.get("stripe_subscription_id") or sub["id"],
                "plan_name": sub["plan"],
                "status": sub["status"],
                "current_period_start": start,
                "current_period_end": end,
                "cancel_at_period_end": bool(sub.get("cancel_at_period_end")),
                "amount": to_minor_units(plan.amount_major, currency)
                if plan and plan.amount_major is not None
                else None,
                "currency": currency,
                "interval": interval,
            }
        )
    return {"subscriptions": out}
