"""createPortalSession: a Stripe billing portal session for the caller's own customer.

Role: any signed-in user. Rate: payments (10/min). 404 when the caller has no
Stripe customer yet. Reads Subscription; calls Stripe; writes nothing.
"""

from __future__ import annotations

from typing import Any

from functions.payments.catalog import find_customer_id
from functions.payments.models import CreatePortalSessionRequest
from functions.payments.responses import CreatePortalSessionResponse
from shared import config
from shared.auth import Caller
from shared.errors import NotFoundError
from shared.router import endpoint
from shared.stripe_client import client, stripe_call


@endpoint(
    "createPortalSession",
    response=CreatePortalSessionResponse,
    request=CreatePortalSessionRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def create_portal_session(body: CreatePortalSessionRequest, caller: Caller) -> dict[str, Any]:
    customer = find_customer_id(caller)
    if customer is None:
        raise NotFoundError("No billing account found: subscribe or buy a course first")
    with stripe_call("creating the portal session", not_found="No billing account found"):
        session = client().v1.billing_portal.sessions.create(
            params={"customer": customer, "return_url": body.returnUrl}
        )
    return {"url": session.url}
