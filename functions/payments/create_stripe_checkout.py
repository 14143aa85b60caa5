"""createStripeCheckout: a signed-in user opens a Stripe Checkout Session for one course.

Role: any signed-in user. Rate: payments (10/min). Reads Course, Enrollment,
Subscription. Calls Stripe (customer lookup or creation, Checkout Session create).
Writes nothing: the enrollment is made by verifyStripeSession or the webhook.
"""

from __future__ import annotations

from typing import Any

from domain.payments.checkout import create_course_session
from functions.payments.models import CreateStripeCheckoutRequest
from functions.payments.responses import CreateStripeCheckoutResponse
from shared import config
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "createStripeCheckout",
    response=CreateStripeCheckoutResponse,
    request=CreateStripeCheckoutRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def create_stripe_checkout(body: CreateStripeCheckoutRequest, caller: Caller) -> dict[str, Any]:
    return create_course_session([body.courseId], body.successUrl, body.cancelUrl, caller)
