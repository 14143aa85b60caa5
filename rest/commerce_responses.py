"""Response models of the 7P surface's courses, marketplace, payments and admin routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from entities.responses import ResponseModel


class RefundView(ResponseModel):
    id: str = Field(description="Stripe refund id (re_...)")
    amount: int = Field(ge=0, description="Refunded, in minor units (cents)")
    status: str = Field(description="Stripe's refund status: pending, succeeded, failed...")
    created: int = Field(description="Unix time")


class RefundAnswer(ResponseModel):
    success: Literal[True]
    refund: RefundView
