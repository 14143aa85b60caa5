"""createSubscriptionCheckout: a Checkout Session for the monthly or annual plan.

Role: any signed-in user. Rate: payments (10/min). `plan_enterprise` has custom
pricing and answers 400 pointing to sales. A user who already holds a
subscription gets 409. Reads Subscription. Calls Stripe (price by lookup key,
created once; customer; Checkout Session). Writes nothing.
"""

from __future__ import annotations

from typing import Any

from functions.payments.catalog import plan_for_checkout, plan_price_id, refuse_second_subscription
from functions.payments.checkout import buyer_metadata, open_session
from functions.payments.fulfilment import CHECKOUT_KIND_SUBSCRIPTION
from functions.payments.models import CreateSubscriptionCheckoutRequest
from functions.payments.responses import CreateSubscriptionCheckoutResponse
from shared import config
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "createSubscriptionCheckout",
    response=CreateSubscriptionCheckoutResponse,
    request=CreateSubscriptionCheckoutRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def create_subscription_checkout(body: CreateSubscriptionCheckoutRequest, caller: Caller) -> dict[str, Any]:
    plan = plan_for_checkout(body.planId)
    refuse_second_subscription(caller)
    price_id = plan_price_id(plan)
    metadata = buyer_metadata(caller, CHECKOUT_KIND_SUBSCRIPTION, plan=plan.id)
    session = open_session(
        caller,
        mode="subscription",
        line_items=[{"price": price_id, "quantity": 1}],
        urls=(body.successUrl, body.cancelUrl),
        metadata=metadata,
        # The subscription carries who it belongs to, for its own webhook events.
        subscription_data={"metadata": metadata},
    )
    return {"sessionId": session.id, "url": session.url, "plan": plan.name}
