"""Subscription: a user's paid plan, mirrored from Stripe. Written by the payment
functions and the webhook; users read their own, admins all."""

from __future__ import annotations

from typing import Any, Literal

from entities.base import EntityModel, EntityType, Policy, require_signed_in
from shared.auth import Caller

ACTIVE_STATUSES = ("active", "trialing")


class Subscription(EntityModel):
    user_id: str | None = None
    user_email: str
    plan: Literal["monthly", "annual", "enterprise"]
    status: Literal[
        "active", "trialing", "past_due", "canceled", "unpaid", "incomplete", "incomplete_expired", "paused"
    ]
    stripe_subscription_id: str | None = None
    stripe_customer_id: str | None = None
    started_at: str | None = None
    expires_at: str | None = None
    cancel_at_period_end: bool = False
    canceled_at: str | None = None
    # Unix time of the Stripe state this record reflects; older events never overwrite it.
    stripe_state_at: int | None = None


class SubscriptionPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        return None if caller.is_admin else {"user_email": caller.email}


ENTITY = EntityType(name="Subscription", model=Subscription, id_prefix="subr")
