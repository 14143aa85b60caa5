"""PaymentState: what happened to one payment after it was made: refunds and disputes.

Keyed by the Stripe PaymentIntent (`pst_<pi id>`), so events about the payment land on
one record whether or not its purchase is recorded yet; recording the purchase later
reads it and grants only the access the payment still stands for. Each refund and each
dispute is kept by its own id with its latest known status, merged so that events in
any order and any number of times give the same record (see `domain.payments.reversals`).
Written by the payment code only; admins read them (the default policy).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from entities.base import EntityModel, EntityType

Standing = Literal["good", "suspended", "ended"]


class PaymentState(EntityModel):
    stripe_payment_intent_id: str = Field(min_length=1, max_length=128)
    amount: int | None = Field(default=None, ge=0)  # what was charged, minor units, once known
    amount_refunded: int = Field(default=0, ge=0)  # the most Stripe has reported refunded
    # refund id -> {amount, status, at}; dispute id -> {amount, status, at}
    refunds: dict[str, dict[str, Any]] = Field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    standing: Standing = "good"
    purchase_id: str | None = None


def payment_state_id(payment_intent_id: str) -> str:
    return f"pst_{payment_intent_id}"


ENTITY = EntityType(name="PaymentState", model=PaymentState, id_prefix="pst")
