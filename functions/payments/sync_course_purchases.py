"""syncCoursePurchases: admins reconcile course purchases from Stripe over a date range.

Role: admin. Rate: payments (10/min). Walks Stripe's completed Checkout Sessions
created between `startDate` and `endDate` (both days included, UTC) with
auto-pagination, and records each paid course purchase and its enrollments
through the same exactly-once transaction as verify and the webhook: a second
run over the same range writes nothing (each page's recorded purchases are read
in one call and left alone). A run that reaches SYNC_TIME_BUDGET_SECONDS saves
where it stopped (SyncCheckpoint, for that range) and answers `complete: false`;
the next run over the same range goes on from there. Writes Purchase, Enrollment,
SyncCheckpoint. The run that starts a walk first reports the drift between
Stripe and the records in the range (`functions.payments.reconcile`), fixing access
when `fix` is true (AccessChange).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

from domain.payments.fulfilment import Payment, fulfil_payment, payment_from_session
from entities import store
from functions.payments import checkpoint, reconcile
from functions.payments.models import SyncCoursePurchasesRequest
from functions.payments.responses import SyncCoursePurchasesResponse
from shared import config
from shared.auth import Caller, Role
from shared.errors import InvalidInputError
from shared.router import Deploy, endpoint
from shared.stripe_client import as_dict, client, stripe_call

if TYPE_CHECKING:
    from stripe.params.checkout import SessionListParams

SYNC = "syncCoursePurchases"
MAX_RANGE_DAYS = 366
PAGE_SIZE = 100


def _pages(start: int, end: int, starting_after: str | None) -> Iterator[list[dict[str, Any]]]:
    """Stripe's completed sessions in the range, a page at a time, through auto-pagination."""
    params: SessionListParams = {"created": {"gte": start, "lt": end}, "status": "complete", "limit": PAGE_SIZE}
    if starting_after:
        params["starting_after"] = starting_after
    items = client().v1.checkout.sessions.list(params=params).auto_paging_iter()
    while page := [as_dict(item) for item in islice(items, PAGE_SIZE)]:
        yield page


def _paid(session: dict[str, Any]) -> Payment | None:
    if session.get("mode") != "payment" or session.get("payment_status") != "paid":
        return None
    return payment_from_session(session, source="sync")


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
    synced = new_purchases = new_enrollments = 0
    revenue: dict[str, int] = {}
    walk = f"{start}-{end}"
    saved = checkpoint.load(SYNC, walk)
    # The drift is reported once per walk, by the run that starts it.
    drift = [] if saved else reconcile.before_course_sync(start, end, caller, fix=body.fix)
    budget = checkpoint.Budget()
    complete = True
    with stripe_call("listing checkout sessions"):
        for page in _pages(start, end, saved.get("starting_after")):
            payments = [p for p in (_paid(session) for session in page) if p is not None]
            recorded = store.find_all("Purchase", [p.purchase_id for p in payments])
            for payment in payments:
                synced += 1
                revenue[payment.currency] = revenue.get(payment.currency, 0) + payment.amount
                if recorded.get(payment.purchase_id, {}).get("status") in ("paid", "refunded"):
                    continue  # fulfilled before: the transaction would change nothing
                result = fulfil_payment(payment)
                new_purchases += int(result.purchase_created)
                new_enrollments += result.new_enrollments
            if budget.spent() and len(page) == PAGE_SIZE:
                checkpoint.save(SYNC, page[-1]["id"], walk)
                complete = False
                break
    if complete and saved:
        checkpoint.clear(SYNC)
    return {
        "success": True,
        "purchases_synced": synced,
        "new_purchases": new_purchases,
        "total_revenue": int(revenue.get(currency, 0)),  # cents, as every amount of money paid
        "currency": currency,
        "revenue_by_currency": revenue,
        "new_enrollments": new_enrollments,
        "complete": complete,
        "resumed": bool(saved),
        "drift": drift,
    }
