"""syncCoursePurchases: admins reconcile course purchases from Stripe over a date range.

Role: admin. Rate: payments (10/min). Walks Stripe's completed Checkout Sessions
created between `startDate` and `endDate` (both days included, UTC) with
auto-pagination, and records each paid course purchase and its enrollments
through the same exactly-once transaction as verify and the webhook: a second
run over the same range writes nothing. First it reports the drift between Stripe and the
records in the range (`functions.payments.reconcile`), fixing access when `fix` is true.
Writes Purchase, Enrollment, AccessChange.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from functions.payments import reconcile
from functions.payments.fulfilment import fulfil_payment, payment_from_session
from functions.payments.models import SyncCoursePurchasesRequest
from functions.payments.responses import SyncCoursePurchasesResponse
from shared import config
from shared.auth import Caller, Role
from shared.errors import InvalidInputError
from shared.router import Deploy, endpoint
from shared.stripe_client import as_dict, client, stripe_call, to_major_units

MAX_RANGE_DAYS = 366
PAGE_SIZE = 100


@endpoint(
    "syncCoursePurchases",
    response=SyncCoursePurchasesResponse,
    request=SyncCoursePurchasesRequest,
    roles={Role.ADMIN},
    rate=("payments",),
    settings=(config.STRIPE_SECRET_KEY,),
    deploy=Deploy(memory="512Mi", timeout="540s"),
)
def sync_course_purchases(body: SyncCoursePurchasesRequest, caller: Caller) -> dict[str, Any]:
    if body.endDate < body.startDate:
        raise InvalidInputError("endDate must not be before startDate")
    if (body.endDate - body.startDate).days >= MAX_RANGE_DAYS:
        raise InvalidInputError(f"The range may span at most {MAX_RANGE_DAYS} days")
    start = int(datetime(body.startDate.year, body.startDate.month, body.startDate.day, tzinfo=UTC).timestamp())
    end = int(
        (datetime(body.endDate.year, body.endDate.month, body.endDate.day, tzinfo=UTC) + timedelta(days=1)).timestamp()
    )
    currency = config.currency()
    drift = reconcile.before_course_sync(start, end, caller, fix=body.fix)
    synced = new_purchases = new_enrollments = 0
    revenue: dict[str, int] = {}
    with stripe_call("listing checkout sessions"):
        pages = client().v1.checkout.sessions.list(
            params={"created": {"gte": start, "lt": end}, "status": "complete", "limit": PAGE_SIZE}
        )
        for item in pages.auto_paging_iter():
            session = as_dict(item)
            if session.get("mode") != "payment" or session.get("payment_status") != "paid":
                continue
            payment = payment_from_session(session, source="sync")
            if payment is None:
                continue
            result = fulfil_payment(payment)
            synced += 1
            revenue[payment.currency] = revenue.get(payment.currency, 0) + payment.amount
            new_purchases += int(result.purchase_created)
            new_enrollments += result.new_enrollments
    return {
        "success": True,
        "purchases_synced": synced,
        "new_purchases": new_purchases,
        "total_revenue": to_major_units(revenue.get(currency, 0), currency),
        "currency": currency,
        "revenue_by_currency": revenue,
        "new_enrollments": new_enrollments,
        "drift": drift,
    }
