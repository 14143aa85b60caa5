"""verifyStripeSession: after Checkout, confirm the payment and enroll the buyer.

Role: the session's own user, or an admin. Rate: payments (10/min). Reads the
session from Stripe; 402 PAYMENT_FAILED when it is not paid (nothing written).
Writes Purchase and Enrollment exactly once, however often or concurrently it
is called, and whether or not the webhook got there first.
"""

from __future__ import annotations

from typing import Any

from functions.payments.models import VerifySessionRequest
from functions.payments.responses import VerifyStripeSessionResponse
from functions.payments.verify import enrollment_view, verify_course_session
from shared import config
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "verifyStripeSession",
    response=VerifyStripeSessionResponse,
    request=VerifySessionRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def verify_stripe_session(body: VerifySessionRequest, caller: Caller) -> dict[str, Any]:
    result = verify_course_session(body.sessionId, caller)
    views = [enrollment_view(e) for e in result.enrollments]
    return {
        "success": True,
        "enrollment": views[0] if views else None,
        "enrollments": views,
        "purchase_id": result.purchase["id"] if result.purchase else None,
    }
