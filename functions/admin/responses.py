"""Response models of the admin functions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.models import ResponseModel

Day = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="UTC date, YYYY-MM-DD")


class PaidUser(ResponseModel):
    email: str
    user_id: str | None
    plan: Literal["monthly", "annual", "enterprise"]
    subscription_id: str = Field(description="Stripe subscription id, else the record's id")
    status: Literal["active", "trialing"]
    started_at: str | None = Day
    expires_at: str | None = Day


class ListPaidUsersResponse(ResponseModel):
    users: list[PaidUser] = Field(description="Newest subscriptions first")
    total: int = Field(ge=0, description="Paid users in all pages")
    page: int = Field(ge=1)
    limit: int = Field(ge=1, le=100)
    pages: int = Field(ge=0)
    next_cursor: str | None = Field(
        description="Send as `cursor` for the next page; null on the last or an offset page"
    )
    has_more: bool
