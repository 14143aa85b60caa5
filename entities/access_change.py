"""AccessChange: one change of a student's access to a course that money caused.

A refund, a dispute or an ended subscription moves an enrollment between states
(`active`, `suspended`, `refunded`, `expired`); each move is recorded here with its
cause: the Stripe event, or the admin and their reason. The id is derived from the
enrollment, the new state and the cause, so a replayed event records nothing twice.
Written by the payment code only; admins read them (the default policy).
"""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import Field

from entities.base import EntityModel, EntityType

Cause = Literal[
    "refund",
    "dispute_opened",
    "dispute_won",
    "dispute_lost",
    "subscription_ended",
    "subscription_resumed",
    "reconciliation",
]


class AccessChange(EntityModel):
    enrollment_id: str = Field(min_length=1, max_length=128)
    course_id: str = Field(min_length=1, max_length=128)
    student_email: str = Field(min_length=3, max_length=320)
    from_status: str = Field(min_length=1, max_length=40)
    to_status: str = Field(min_length=1, max_length=40)
    cause: Cause
    stripe_event_id: str | None = Field(default=None, max_length=128)
    admin_email: str | None = Field(default=None, max_length=320)
    reason: str | None = Field(default=None, max_length=500)
    purchase_id: str | None = None
    stripe_payment_intent_id: str | None = None
    stripe_subscription_id: str | None = None


def access_change_id(enrollment_id: str, to_status: str, cause_key: str) -> str:
    digest = hashlib.sha256(f"{enrollment_id}|{to_status}|{cause_key}".encode()).hexdigest()
    return f"acc_{digest[:24]}"


ENTITY = EntityType(name="AccessChange", model=AccessChange, id_prefix="acc")
