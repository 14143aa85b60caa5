"""Refunding a payment from the admin side, exactly once per request.

The refund is made with Stripe's SDK under an idempotency key, and the key is also held
in our store while Stripe is called, so a retried request (same `Idempotency-Key`
header, or without one the same payment, amount and reason) answers the first refund
instead of making a second. The amount left to refund is asked of Stripe (what was
received minus its refunds): asking for more is a 400. The refund then moves the
payment's access at once (`reversals.apply`, cause: the admin and their reason); the
webhook events that follow find it merged already.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from domain.payments.access_changes import Cause
from domain.payments.reversals import MoneyEvent, apply
from shared import idempotency
from shared.errors import ConflictError, InvalidInputError
from shared.firestore import run_transaction
from shared.stripe_client import as_dict, client, stripe_call

SCOPE = "admin-refund"
HOLD = timedelta(minutes=5)
_COUNTED = ("pending", "requires_action", "succeeded")


def request_key(payment_intent_id: str, amount: int | None, reason: str | None, header: str | None) -> str:
    if header:
        return f"{payment_intent_id}|key|{header}"
    digest = hashlib.sha256(f"{payment_intent_id}|{amount}|{reason or ''}".encode()).hexdigest()[:32]
    return f"{payment_intent_id}|derived|{digest}"


def remaining(payment_intent_id: str) -> tuple[int, int]:
    """What is left to refund of a payment and what it received (minor units); 400 when it was not paid."""
    stripe = client()
    with stripe_call("reading the payment", not_found="Payment not found"):
        intent = as_dict(stripe.v1.payment_intents.retrieve(payment_intent_id))
        refunds = stripe.v1.refunds.list(params={"payment_intent": payment_intent_id, "limit": 100})
        refunded = sum(
            int(r["amount"]) for r in (as_dict(x) for x in refunds.auto_paging_iter()) if r["status"] in _COUNTED
        )
    if intent.get("status") != "succeeded":
        raise InvalidInputError(
            "Only a succeeded payment can be refunded", details={"payment_intent_id": payment_intent_id}
        )
    received = int(intent.get("amount_received") or intent.get("amount") or 0)
    return received - refunded, received


def refund_payment(
    payment_intent_id: str, amount: int | None, reason: str | None, admin_email: str, header_key: str | None
) -> dict[str, Any]:
    """Refund `amount` (everything left when None) of a payment; the same request twice refunds once."""
    key = request_key(payment_intent_id, amount, reason, header_key)

    def hold(tx: Any) -> idempotency.Previous | None:
        return idempotency.claim(tx, SCOPE, key, hold=HOLD)

    earlier: idempotency.Previous | None = run_transaction(hold)
    if earlier is not None:
        if earlier.completed:
            result: dict[str, Any] = earlier.result
            return result
        raise ConflictError("This refund is being made right now; retry shortly", details={"retryable": True})
    try:
        left, received = remaining(payment_intent_id)
        wanted = left if amount is None else amount
        if left <= 0:
            raise InvalidInputError("This payment is already fully refunded", details={"remaining": 0})
        if wanted > left:
            raise InvalidInputError(
                "The refund is more than what remains of the payment", details={"remaining": left, "amount": wanted}
            )
        with stripe_call("creating the refund"):
            refund = as_dict(
                client().v1.refunds.create(
                    params={
                        "payment_intent": payment_intent_id,
                        "amount": wanted,
                        "metadata": {"reason": (reason or "")[:500], "admin_email": admin_email},
                    },
                    options={"idempotency_key": f"{SCOPE}-{hashlib.sha256(key.encode()).hexdigest()[:40]}"},
                )
            )
    except Exception:
        run_transaction(lambda tx: idempotency.release(tx, SCOPE, key))
        raise
    answer: dict[str, Any] = {
        "id": str(refund["id"]),
        "amount": int(refund["amount"]),
        "status": str(refund.get("status") or "pending"),
        "created": int(refund.get("created") or 0),
    }
    run_transaction(lambda tx: idempotency.complete(tx, SCOPE, key, answer))
    apply(
        MoneyEvent(
            payment_intent_id=payment_intent_id,
            at=answer["created"],
            charge_amount=received,
            refund=(answer["id"], answer["amount"], answer["status"]),
        ),
        Cause(admin_email=admin_email, reason=reason, action_id=answer["id"]),
    )
    return answer
