"""createSubscriptionCheckout: a Checkout Session for the monthly or annual plan.

Role: any signed-in user. Rate: payments (10/min). `plan_enterprise` has custom
pricing and answers 400 pointing to sales. A user who already holds a
subscription gets 409. Reads Subscription. Calls Stripe (price by lookup key,
created once; customer; Checkout Session). Writes nothing.
"""

from __future__ import annotations

from typing import Any

from domain.payments.checkout import create_subscription_session
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
    return create_subscription_session(body.planId, body.successUrl, body.cancelUrl, caller)
