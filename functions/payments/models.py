"""Request models of the payment functions (camelCase, as the SDK sends them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from entities.purchase import MAX_COURSES
from shared.models import EntityId, RequestModel
from shared.stripe_client import RedirectUrl

SessionId = Annotated[str, StringConstraints(pattern=r"^cs_[A-Za-z0-9_]{1,250}$")]


class CreateStripeCheckoutRequest(RequestModel):
    courseId: EntityId
    successUrl: RedirectUrl
    cancelUrl: RedirectUrl


class CreateCourseCheckoutRequest(RequestModel):
    courseIds: list[EntityId] = Field(min_length=1, max_length=MAX_COURSES)
    successUrl: RedirectUrl
    cancelUrl: RedirectUrl

    @field_validator("courseIds")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("courseIds must be distinct")
        return value


class CreateSubscriptionCheckoutRequest(RequestModel):
    planId: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    successUrl: RedirectUrl
    cancelUrl: RedirectUrl


class CreatePortalSessionRequest(RequestModel):
    returnUrl: RedirectUrl


class VerifySessionRequest(RequestModel):
    sessionId: SessionId


class SyncCoursePurchasesRequest(RequestModel):
    # ISO dates (YYYY-MM-DD), both days included; JSON has no date type, so not strict here.
    model_config = ConfigDict(extra="forbid", strict=False)

    startDate: date
    endDate: date
    fix: bool = False  # also close or reopen access that disagrees with the money (see `reconcile`)

    @field_validator("startDate", "endDate", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError("expected a date as YYYY-MM-DD")
        return value


class SyncStripeSubscriptionsRequest(RequestModel):
    fix: bool = False  # also bring subscription-sourced access in line with the plans
