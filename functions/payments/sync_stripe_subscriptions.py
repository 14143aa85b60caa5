"""syncStripeSubscriptions: admins bring every Subscription record in line with Stripe.

Role: admin. Rate: payments (10/min). Walks all of Stripe's subscriptions with
auto-pagination, each page with its customers expanded (no call per customer), and
stores each page's states in one transaction (records are keyed by Stripe subscription
id; an unchanged one is not written, so a second run changes nothing). Subscriptions
that name no user in their metadata are matched through their customer's email and
metadata, else left out. A run that reaches SYNC_TIME_BUDGET_SECONDS saves where it
stopped (SyncCheckpoint) and answers `complete: false`; the next run goes on from
there. When a walk completes, subscription-sourced access is checked against the plans
(`functions.payments.reconcile`), and fixed when `fix` is true. Writes Subscription,
SyncCheckpoint, Enrollment, AccessChange.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any

from domain.payments.fulfilment import SubscriptionState, apply_subscriptions, subscription_state
from entities import store
from functions.payments import checkpoint, reconcile
from functions.payments.models import SyncStripeSubscriptionsRequest
from functions.payments.responses import SyncStripeSubscriptionsResponse
from shared import config
from shared.auth import Caller, Role
from shared.router import Deploy, endpoint
from shared.stripe_client import as_dict, client, stripe_call

if TYPE_CHECKING:
    from stripe.params import SubscriptionListParams

SYNC = "syncStripeSubscriptions"
PAGE_SIZE = 100
ACTIVE = ("active", "trialing")
COUNTS = ("active_subscriptions", "cancelled", "past_due", "updated", "skipped")


def _attributed(sub: dict[str, Any]) -> SubscriptionState:
    """The subscription's state, its user taken from the expanded customer when its own
    metadata names none."""
    state = subscription_state(sub)
    customer = sub.get("customer")
    if state.user_email or not isinstance(customer, dict):
        return state
    return replace(
        state,
        user_email=customer.get("email") or None,
        user_id=state.user_id or (customer.get("metadata") or {}).get("user_id") or None,
    )


def _pages(starting_after: str | None) -> Iterator[list[dict[str, Any]]]:
    """Stripe's subscriptions, a page at a time, through the SDK's auto-pagination."""
    params: SubscriptionListParams = {"status": "all", "limit": PAGE_SIZE, "expand": ["data.customer"]}
    if starting_after:
        params["starting_after"] = starting_after
    items = client().v1.subscriptions.list(params=params).auto_paging_iter()
    while page := [as_dict(item) for item in islice(items, PAGE_SIZE)]:
        yield page


def _count(counts: dict[str, int], results: list[Any]) -> None:
    for result in results:
        if result.unattributed:
            counts["skipped"] += 1
            continue
        status = (result.record or {}).get("status")
        counts["active_subscriptions"] += status in ACTIVE
        counts["cancelled"] += status == "canceled"
        counts["past_due"] += status == "past_due"
        counts["updated"] += result.changed


@endpoint(
    SYNC,
    response=SyncStripeSubscriptionsResponse,
    request=SyncStripeSubscriptionsRequest,
    roles={Role.ADMIN},
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
    deploy=Deploy(memory="512Mi", timeout="540s"),
)
def sync_stripe_subscriptions(body: SyncStripeSubscriptionsRequest, caller: Caller) -> dict[str, Any]:
    saved = checkpoint.load(SYNC)
    counts = {name: 0 for name in COUNTS}
    budget = checkpoint.Budget()
    complete = True
    with stripe_call("listing subscriptions"):
        for page in _pages(saved.get("starting_after")):
            read_at = int(time.time())
            _count(counts, apply_subscriptions([(_attributed(sub), read_at) for sub in page]))
            if budget.spent() and len(page) == PAGE_SIZE:
                checkpoint.save(SYNC, page[-1]["id"])
                complete = False
                break
    if complete and saved:
        checkpoint.clear(SYNC)
    drift: list[dict[str, Any]] = []
    if complete:
        users = [
            str(r["user_email"])
            for r in store.query("Subscription", None, limit=store.MAX_LIMIT)
            if r.get("user_email")
        ]
        drift = reconcile.subscription_access(users, reconcile.admin_cause(caller), fix=body.fix)
    return {"success": True, **counts, "complete": complete, "resumed": bool(saved), "drift": drift}
