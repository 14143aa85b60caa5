"""verifyCourseCheckout: finalize a course (or bundle) checkout.

Role: the session's own user, or an admin. Rate: payments (10/min). Same checks
and exactly-once writes (Purchase, Enrollment) as verifyStripeSession; answers
the documented flat shape, plus every course of a bundle.
"""

from __future__ import annotations

from typing import Any

from functions.payments.models import VerifySessionRequest
from functions.payments.responses import VerifyCourseCheckoutResponse
from functions.payments.verify import verify_course_session
from shared import config
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "verifyCourseCheckout",
    response=VerifyCourseCheckoutResponse,
    request=VerifySessionRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def verify_course_checkout(body: VerifySessionRequest, caller: Caller) -> dict[str, Any]:
    result = verify_course_session(body.sessionId, caller)
    purchase = result.purchase or {}
    enrollments = result.enrollments
    return {
        "success": True,
        "course_id": enrollments[0]["course_id"] if enrollments else None,
        "student_email": purchase.get("user_email"),
        "enrollment_id": enrollments[0]["id"] if enrollments else None,
        "course_ids": [e["course_id"] for e in enrollments],
        "enrollment_ids": [e["id"] for e in enrollments],
        "purchase_id": purchase.get("id"),
    }
