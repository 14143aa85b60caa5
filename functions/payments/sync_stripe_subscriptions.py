"""syncStripeSubscriptions: admins bring every Subscription record in line with Stripe.

Role: admin. Rate: payments (10/min). Walks all of Stripe's subscriptions with
auto-pagination and stores each one's state (records are keyed by Stripe
subscription id; an unchanged one is not written, so a second run changes
nothing). Subscriptions that name no user in their metadata are matched through
their Stripe customer's metadata, else left out. Then subscription-sourced access is
checked against the plans (`functions.payments.reconcile`), and fixed when `fix` is true.
Writes Subscription, Enrollment, AccessChange.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from entities import store
from functions.payments import reconcile
from functions.payments.fulfilment import apply_subscription, subscription_state
from functions.payments.models import SyncStripeSubscriptionsRequest
from functions.payments.responses import SyncStripeSubscriptionsResponse
from shared import config
from shared.auth import Caller, Role
from shared.router import Deploy, endpoint
from shared.stripe_client import as_dict, client, stripe_call

PAGE_SIZE = 100
ACTIVE = ("active", "trialing")


@endpoint(
    "syncStripeSubscriptions",
    response=SyncStripeSubscriptionsResponse,
    request=SyncStripeSubscriptionsRequest,
    roles={Role.ADMIN},
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
    deploy=Deploy(memory="512Mi", timeout="540s"),
)
def sync_stripe_subscriptions(body: SyncStripeSubscriptionsRequest, caller: Caller) -> dict[str, Any]:
    counts = {"active_subscriptions": 0, "cancelled": 0, "past_due": 0, "updated": 0, "skipped": 0}
    customers: dict[str, dict[str, Any]] = {}
    stripe = client()
    with stripe_call("listing subscriptions"):
        for item in stripe.v1.subscriptions.list(params={"status": "all", "limit": PAGE_SIZE}).auto_paging_iter():
            read_at = int(time.time())
            state = subscription_state(as_dict(item))
            if not state.user_email and state.stripe_customer_id:
                customer = customers.get(state.stripe_customer_id)
                if customer is None:
                    customer = as_dict(stripe.v1.customers.retrieve(state.stripe_customer_id))
                    customers[state.stripe_customer_id] = customer
                state = replace(
                    state,
                    user_email=customer.get("email") or None,
                    user_id=state.user_id or (customer.get("metadata") or {}).get("user_id") or None,
                )
            result = apply_subscription(state, as_of=read_at, touch_when_unchanged=False)
            if result.unattributed:
                counts["skipped"] += 1
                continue
            status = (result.record or {}).get("status")
            counts["active_subscriptions"] += status in ACTIVE
            counts["cancelled"] += status == "canceled"
            counts["past_due"] += status == "past_due"
            counts["updated"] += result.changed
    users = [
        str(r["user_email"]) for r in store.query("Subscription", None, limit=store.MAX_LIMIT) if r.get("user_email")
    ]
    drift = reconcile.subscription_access(users, reconcile.admin_cause(caller), fix=body.fix)
    return {"success": True, **counts, "drift": drift}
