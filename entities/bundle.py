"""Bundle: a priced set of courses sold in one payment. Anyone reads published bundles;
admins write them. Buying one enrolls the buyer in each of its courses (the purchase names
them all, so a refund or dispute of the payment moves every one of them)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from entities.base import EntityModel, EntityType, Policy
from entities.purchase import MAX_COURSES
from shared.auth import Caller


class Bundle(EntityModel):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    course_ids: list[str] = Field(min_length=1, max_length=MAX_COURSES)
    price: float = Field(gt=0, le=100_000)  # major units (dollars)
    currency: str | None = Field(default=None, pattern=r"^[a-z]{3}$")
    is_published: bool = False

    @field_validator("course_ids")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("course_ids must be distinct")
        return value


class BundlePolicy(Policy):
    anonymous_read = True

    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        return None if caller.is_admin else {"is_published": True}


ENTITY = EntityType(name="Bundle", model=Bundle, id_prefix="bnd")
