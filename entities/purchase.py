"""Purchase: one paid (or failed) one-time payment for one or more courses.

Its id is derived from the Stripe object that paid it (the Checkout Session, or the
PaymentIntent of a custom payment flow), so verifying, the webhook and a sync all
land on the same record. Written only by the payment functions; buyers read their
own, admins all.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from entities.base import EntityModel, EntityType, Policy, require_signed_in
from shared.auth import Caller

MAX_COURSES = 20


class Purchase(EntityModel):
    user_id: str | None = None
    user_email: str = Field(min_length=3, max_length=320)
    course_ids: list[str] = Field(min_length=1, max_length=MAX_COURSES)
    amount: int = Field(ge=0)  # minor units (cents), as Stripe charged it
    currency: str = Field(pattern=r"^[a-z]{3}$")
    status: Literal["paid", "failed", "refunded"]
    source: Literal["checkout", "payment_intent", "sync"]
    stripe_session_id: str | None = None
    stripe_payment_intent_id: str | None = None
    stripe_customer_id: str | None = None
    paid_at: str | None = None
    failure_message: str | None = Field(default=None, max_length=500)
    # Refunded so far (minor units); a full refund or a lost dispute makes the status `refunded`.
    amount_refunded: int = Field(default=0, ge=0)


def purchase_id(stripe_object_id: str) -> str:
    """The record id for the Checkout Session or PaymentIntent that paid."""
    return f"pur_{stripe_object_id}"


class PurchasePolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        return None if caller.is_admin else {"user_email": caller.email}


ENTITY = EntityType(name="Purchase", model=Purchase, id_prefix="pur")
