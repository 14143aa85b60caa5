"""POST /api/admin/payments/refund: the SDK's refund against localstripe, once per request, and access after it."""

from __future__ import annotations

from typing import Any

from entities.enrollment import enrollment_id
from tests.helpers import bearer, docs
from tests.payments.test_verify import open_session

REFUND = "/api/admin/payments/refund"


def _paid_purchase(stripe_server: Any, make_user: Any, make_course: Any, invoke: Any) -> tuple[dict, dict, str]:
    course = make_course(price=49.99)
    user, token = make_user("student")
    session_id = open_session(invoke, token, [course["id"]])
    stripe_server.complete(session_id)
    assert invoke("verifyStripeSession", {"sessionId": session_id}, token).status_code == 200
    [purchase] = docs("Purchase")
    return course, user, str(purchase["stripe_payment_intent_id"])


def _status(course: dict[str, Any], user: dict[str, Any]) -> str:
    return next(e["status"] for e in docs("Enrollment") if e["id"] == enrollment_id(course["id"], user["email"]))


def test_partial_then_rest_refund_through_stripe(stripe_server, make_user, make_course, invoke, gateway):
    course, user, intent = _paid_purchase(stripe_server, make_user, make_course, invoke)
    admin, token = make_user("admin")
    part = gateway.post(
        REFUND, json={"payment_intent_id": intent, "amount": 1000, "reason": "late"}, headers=bearer(token)
    )
    assert part.status_code == 200, part.get_json()
    body = part.get_json()
    assert body["success"] is True and body["refund"]["amount"] == 1000 and body["refund"]["id"].startswith("re_")
    [sent] = stripe_server.form("/v1/refunds")
    assert (sent["payment_intent"], sent["amount"], sent["metadata[reason]"]) == (intent, "1000", "late")
    assert _status(course, user) == "active"
    assert docs("Purchase")[0]["amount_refunded"] == 1000
    # More than what remains is refused, and Stripe is not asked.
    too_much = gateway.post(REFUND, json={"payment_intent_id": intent, "amount": 4000}, headers=bearer(token))
    assert too_much.status_code == 400 and too_much.get_json()["details"]["remaining"] == 3999
    assert len(stripe_server.form("/v1/refunds")) == 1
    rest = gateway.post(REFUND, json={"payment_intent_id": intent, "reason": "asked"}, headers=bearer(token))
    assert rest.status_code == 200 and rest.get_json()["refund"]["amount"] == 3999
    assert _status(course, user) == "refunded" and docs("Purchase")[0]["status"] == "refunded"
    [change] = docs("AccessChange")
    assert (change["cause"], change["admin_email"], change["reason"]) == ("refund", admin["email"], "asked")
    nothing_left = gateway.post(REFUND, json={"payment_intent_id": intent, "amount": 1}, headers=bearer(token))
    assert nothing_left.status_code == 400


def test_a_retried_request_refunds_once(stripe_server, make_user, make_course, invoke, gateway):
    _, _, intent = _paid_purchase(stripe_server, make_user, make_course, invoke)
    _, token = make_user("admin")
    request = {"payment_intent_id": intent, "amount": 500, "reason": "goodwill"}
    first = gateway.post(REFUND, json=request, headers=bearer(token))
    again = gateway.post(REFUND, json=request, headers=bearer(token))
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert len(stripe_server.form("/v1/refunds")) == 1
    # A distinct Idempotency-Key makes a second, intended refund of the same amount.
    other = gateway.post(REFUND, json=request, headers={**bearer(token), "Idempotency-Key": "second"})
    assert other.status_code == 200 and other.get_json()["refund"]["id"] != first.get_json()["refund"]["id"]
    assert docs("Purchase")[0]["amount_refunded"] == 1000


def test_refund_failure_at_stripe_can_be_retried(stripe_server, make_user, make_course, invoke, gateway):
    _, _, intent = _paid_purchase(stripe_server, make_user, make_course, invoke)
    _, token = make_user("admin")
    stripe_server.fail("/v1/refunds", 500, count=3, method="POST")
    failed = gateway.post(REFUND, json={"payment_intent_id": intent}, headers=bearer(token))
    assert failed.status_code == 502 and failed.get_json()["retryable"] is True
    ok = gateway.post(REFUND, json={"payment_intent_id": intent}, headers=bearer(token))
    assert ok.status_code == 200 and ok.get_json()["refund"]["amount"] == 4999


def test_refund_is_for_admins_with_valid_input(stripe_server, make_user, gateway):
    _, student = make_user("student")
    _, admin = make_user("admin")
    assert gateway.post(REFUND, json={"payment_intent_id": "pi_x"}, headers=bearer(student)).status_code == 403
    assert gateway.post(REFUND, json={"payment_intent_id": "pi_x"}).status_code == 401
    for bad in (
        {"payment_intent_id": "ch_1"},
        {"payment_intent_id": "pi_1", "amount": 0},
        {},
        {"payment_intent_id": "pi_1", "x": 1},
    ):
        assert gateway.post(REFUND, json=bad, headers=bearer(admin)).status_code == 400
    missing = gateway.post(REFUND, json={"payment_intent_id": "pi_missing"}, headers=bearer(admin))
    assert missing.status_code == 404
