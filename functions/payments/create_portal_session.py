"""createPortalSession: a Stripe billing portal session for the caller's own customer.

Role: any signed-in user. Rate: payments (10/min). 404 when the caller has no
Stripe customer yet. Reads Subscription; calls Stripe; writes nothing.
"""

from __future__ import annotations

from typing import Any

from domain.payments.catalog import portal_url
from functions.payments.models import CreatePortalSessionRequest
from functions.payments.responses import CreatePortalSessionResponse
from shared import config
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "createPortalSession",
    response=CreatePortalSessionResponse,
    request=CreatePortalSessionRequest,
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
)
def create_portal_session(body: CreatePortalSessionRequest, caller: Caller) -> dict[str, Any]:
    return {"url": portal_url(caller, body.returnUrl)}
