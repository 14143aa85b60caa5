"""verifySubscriptionSession: confirm a subscription checkout and record the subscription.

Role: the session's own user, or an admin. Rate: payments (10/min). Reads the
session (with its subscription) from Stripe; 402 when unpaid (nothing written).
Writes one Subscription record keyed by the Stripe subscription id, never
overwriting a newer state the webhook stored.
"""

from __future__ import annotations

from typing import Any

from functions.payments.models import VerifySessionRequest
from functions.payments.responses import VerifySubscriptionSessionResponse
from functions.payments.verify import verify_subscription
from shared import config
from shared.auth import Caller
from shared.errors import UpstreamError
from shared.router import endpoint


@endpoint(
    "verifySubscriptionSession",
    response=VerifySubscriptionSessionResponse,
    request=VerifySessionRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def verify_subscription_session(body: VerifySessionRequest, caller: Caller) -> dict[str, Any]:
    result = verify_subscription(body.sessionId, caller)
    record = result.record
    if record is None:
        raise UpstreamError("Stripe's subscription lacks the details needed to record it")
    return {
        "success": True,
        "subscription_id": record.get("stripe_subscription_id") or record["id"],
        "plan": record["plan"],
        "status": record["status"],
        "expires_at": record.get("expires_at"),
    }
