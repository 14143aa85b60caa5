"""The 7P surface's admin payment route: `POST /api/admin/payments/refund` (seed 001, Admin)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints

from domain.payments.refunds import refund_payment
from rest.commerce_responses import RefundAnswer
from rest.surface import PAYMENT_RATE, rest_route
from shared import config
from shared.auth import Caller, Role
from shared.errors import ConflictError, InvalidInputError, NotFoundError
from shared.models import RequestModel


class RefundRequest(RequestModel):
    payment_intent_id: Annotated[str, StringConstraints(pattern=r"^pi_[A-Za-z0-9_]{1,250}$")]
    amount: int | None = Field(default=None, gt=0, le=100_000_000, description="Minor units; omitted: all that remains")
    reason: str | None = Field(default=None, max_length=500)


@rest_route(
    "POST",
    "/admin/payments/refund",
    name="rest.admin.refundPayment",
    request=RefundRequest,
    response=RefundAnswer,
    roles={Role.ADMIN},
    rate=PAYMENT_RATE,
    settings=(config.STRIPE_SECRET_KEY,),
    errors=(InvalidInputError, ConflictError, NotFoundError),
)
def refund(body: RefundRequest, caller: Caller) -> dict[str, Any]:
    """Refund a payment, wholly or in part; a retried request refunds once.

    Send an `Idempotency-Key` header to tell two intended refunds of the same amount apart;
    without it, the payment, amount and reason are the key. A full refund ends the access the
    payment granted; a partial one keeps it and records the amount.
    """
    import flask

    key = flask.request.headers.get("Idempotency-Key") or None
    answer = refund_payment(body.payment_intent_id, body.amount, body.reason, caller.email or "", key)
    return {"success": True, "refund": answer}
