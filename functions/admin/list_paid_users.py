"""listPaidUsers: admins page through users with an active paid subscription.

Role: admin. Reads Subscription. No external calls.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from entities import store
from entities.subscription import ACTIVE_STATUSES
from functions.admin.responses import ListPaidUsersResponse
from shared.auth import Caller, Role
from shared.models import RequestModel
from shared.router import endpoint


class ListPaidUsersRequest(RequestModel):
    page: int = Field(default=1, ge=1, le=100_000)
    limit: int = Field(default=100, ge=1, le=100)


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


@endpoint(
    "listPaidUsers",
    response=ListPaidUsersResponse,
    request=ListPaidUsersRequest,
    roles={Role.ADMIN},
    rate=("payments",),
    read_only=True,
)
def list_paid_users(body: ListPaidUsersRequest, caller: Caller) -> dict[str, Any]:
    active = {"status": list(ACTIVE_STATUSES)}
    total = store.count("Subscription", active)
    rows = store.query(
        "Subscription", active, sort="-created_date", limit=body.limit, skip=(body.page - 1) * body.limit
    )
    return {
        "users": [_row(sub) for sub in rows],
        "total": total,
        "page": body.page,
        "limit": body.limit,
        "pages": math.ceil(total / body.limit) if total else 0,
    }
