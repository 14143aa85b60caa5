"""createCourseCheckout: one Checkout Session for a bundle of 1 to 20 distinct courses.

Role: any signed-in user. Rate: payments (10/min). Every course must exist, be
published and paid, and not be owned by the caller already. One line item per
course; `total_amount` (minor units) is their sum. Calls Stripe; writes nothing.
"""

from __future__ import annotations

from typing import Any

from domain.payments.checkout import create_course_session
from functions.payments.models import CreateCourseCheckoutRequest
from functions.payments.responses import CreateCourseCheckoutResponse
from shared import config
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "createCourseCheckout",
    response=CreateCourseCheckoutResponse,
    request=CreateCourseCheckoutRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def create_course_checkout(body: CreateCourseCheckoutRequest, caller: Caller) -> dict[str, Any]:
    return create_course_session(list(body.courseIds), body.successUrl, body.cancelUrl, caller)
