"""StripeEvent: a Stripe webhook event that has been handled, keyed by the event id.

It is written in the same transaction as the event's effects and its idempotency
key (`shared.idempotency`), so an event is either fully handled and recorded or
neither; a redelivery finds the key and changes nothing. Both expire after
`expires_at` (a Firestore TTL policy deletes them). Admins only (the default policy).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from entities.base import EntityModel, EntityType


class StripeEvent(EntityModel):
    type: str = Field(min_length=1, max_length=200)
    stripe_created: int  # the event's `created` (unix seconds)
    # processed: effects written; ignored: nothing to do (unknown type, not ours);
    # stale: older than the state already stored.
    outcome: str = Field(min_length=1, max_length=40)
    object_id: str | None = None
    detail: str | None = Field(default=None, max_length=500)
    livemode: bool = False
    # Set by the webhook as a Firestore timestamp, after validation (the model's dump is text).
    expires_at: datetime | None = None


ENTITY = EntityType(name="StripeEvent", model=StripeEvent, id_prefix="evt")
