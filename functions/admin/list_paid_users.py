"""listPaidUsers: admins page through users with an active paid subscription.

Role: admin. Reads Subscription (only the fields answered). No external calls.
Cursor pages (`cursor`, from the previous answer's `next_cursor`) read `limit + 1`
records wherever they are; `page` N > 1 skips (N - 1) x `limit` records, which
Firestore bills as reads. The total (a count aggregation) and the page are fetched
at the same time.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import Field

from entities import store
from entities.subscription import ACTIVE_STATUSES
from functions.admin.responses import ListPaidUsersResponse
from shared.auth import Caller, Role
from shared.errors import InvalidInputError
from shared.models import RequestModel
from shared.router import endpoint

ANSWERED = ["user_email", "user_id", "plan", "stripe_subscription_id", "status", "started_at", "expires_at"]
NEWEST_FIRST = "-created_date"


class ListPaidUsersRequest(RequestModel):
    page: int = Field(default=1, ge=1, le=100_000, description="Offset page; costs (page - 1) x limit reads")
    limit: int = Field(default=100, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2000, description="next_cursor of the previous page")


def _row(sub: dict[str, Any]) -> dict[str, Any]:
    return {
        "email": sub["user_email"],
        "user_id": sub.get("user_id"),
        "plan": sub["plan"],
        "subscription_id": sub.get("stripe_subscription_id") or sub["id"],
        "status": sub["status"],
        "started_at": (sub.get("started_at") or "")[:10] or None,
        "expires_at": (sub.get("expires_at") or "")[:10] or None,
    }


def _page(body: ListPaidUsersRequest, active: dict[str, Any]) -> dict[str, Any]:
    if body.page == 1:
        return store.page(
            "Subscription", active, sort=NEWEST_FIRST, limit=body.limit, cursor=body.cursor, fields=ANSWERED
        )
    rows = store.query(
        "Subscription",
        active,
        sort=NEWEST_FIRST,
        limit=body.limit,
        skip=(body.page - 1) * body.limit,
        fields=ANSWERED,
    )
    return {"items": rows, "next_cursor": None, "has_more": None}


@endpoint(
    "listPaidUsers",
    response=ListPaidUsersResponse,
    request=ListPaidUsersRequest,
    roles={Role.ADMIN},
    rate=("payments",),
    read_only=True,
)
def list_paid_users(body: ListPaidUsersRequest, caller: Caller) -> dict[str, Any]:
    if body.cursor and body.page != 1:
        raise InvalidInputError("Send either page or cursor, not both")
    active = {"status": list(ACTIVE_STATUSES)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        counting = pool.submit(store.count, "Subscription", active)
        paging = pool.submit(_page, body, active)
        total, found = counting.result(), paging.result()
    pages = math.ceil(total / body.limit) if total else 0
    return {
        "users": [_row(sub) for sub in found["items"]],
        "total": total,
        "page": body.page,
        "limit": body.limit,
        "pages": pages,
        "next_cursor": found["next_cursor"],
        "has_more": body.page < pages if found["has_more"] is None else found["has_more"],
    }
