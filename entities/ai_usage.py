"""AiUsage: model tokens spent per user and per organization per UTC day (see `functions.ai.usage`).

Written by the server only; the default policy lets admins alone read (and correct) them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from entities.base import EntityModel, EntityType

COLLECTION = "AiUsage"


class AiUsage(EntityModel):
    scope: Literal["user", "organization"]
    subject: str = Field(min_length=1, max_length=320)  # the user's email or the organization's id
    day: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    calls: int = Field(default=0, ge=0)
    tokens_in: int = Field(default=0, ge=0)
    tokens_out: int = Field(default=0, ge=0)
    by_function: dict[str, int] = Field(default_factory=dict)  # tokens in and out, per function
    last_call_at: str | None = None


ENTITY = EntityType(name=COLLECTION, model=AiUsage, id_prefix="aiu")
