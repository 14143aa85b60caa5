"""The 7P payment routes against localstripe: checkout, payment intents, history, portal, subscriptions."""

from __future__ import annotations

import json
from typing import Any

from entities import store
from entities.enrollment import enrollment_id
from rest import commerce_responses as responses
from tests.helpers import bearer, docs
from tests.payments.conftest import SECRET_KEY, make_event

URLS = {"successUrl": "https://sparkacademy.test/ok", "cancelUrl": "https://sparkacademy.test/no"}


def _checkout(gateway: Any, token: str, **body: Any) -> Any:
    return gateway.post("/api/payments/create-checkout-session", json={**body, **URLS}, headers=bearer(token))


def test_course_and_bundle_checkouts_enroll_through_the_shared_fulfilment(
    stripe_server, make_user, make_course, gateway, invoke
):
    single = make_course(title="Single", price=49.99)
    a, b = make_course(title="A", price=40), make_course(title="B", price=40)
    bundle = store.create(
        "Bundle", {"title": "A+B", "course_ids": [a["id"], b["id"]], "price": 60, "is_published": True}, created_by=None
    )
    user, token = make_user("student")
    course_session = _checkout(gateway, token, type="course", courseId=single["id"])
    assert course_session.status_code == 200, course_session.get_json()
    responses.CheckoutSession.model_validate(course_session.get_json())
    bundle_session = _checkout(gateway, token, type="bundle", bundleId=bundle["id"])
    assert bundle_session.status_code == 200, bundle_session.get_json()
    sent = stripe_server.form("/v1/checkout/sessions")[-1]
    assert (sent["line_items[0][price_data][unit_amount]"], sent["metadata[bundle_id]"]) == ("6000", bundle["id"])
    assert sent["metadata[course_ids]"] == f"{a['id']},{b['id']}"
    session_id = bundle_session.get_json()["sessionId"]
    stripe_server.complete(session_id)
    assert invoke("verifyStripeSession", {"sessionId": session_id}, token).status_code == 200
    assert {e["id"] for e in docs("Enrollment")} == {
        enrollment_id(a["id"], user["email"]),
        enrollment_id(b["id"], user["email"]),
    }
    [purchase] = docs("Purchase")
    assert (purchase["amount"], purchase["course_ids"]) == (6000, [a["id"], b["id"]])
    # Owning both, the bundle is not sold again; an unknown bundle is a 404.
    assert _checkout(gateway, token, type="bundle", bundleId=bundle["id"]).status_code == 400
    assert _checkout(gateway, token, type="bundle", bundleId="bnd_nope").status_code == 404


def test_checkout_input_and_plans(stripe_server, make_user, gateway):
    _, token = make_user("student")
    for bad in (
        {"type": "course"},
        {"type": "subscription"},
        {"type": "gift"},
        {"type": "course", "courseId": "x", "y": 1},
    ):
        assert _checkout(gateway, token, **bad).status_code == 400
    assert _checkout(gateway, token, type="subscription", planId="plan_enterprise").status_code == 400
    ok = _checkout(gateway, token, type="subscription", planId="plan_monthly")
    assert ok.status_code == 200 and ok.get_json()["sessionId"].startswith("cs_")
    assert (
        gateway.post("/api/payments/create-checkout-session", json={"type": "course", "courseId": "c"}).status_code
        == 401
    )


def test_payment_intent_is_priced_by_the_course_and_fulfilled_by_its_webhook(
    stripe_server, make_user, make_course, gateway, deliver
):
    course = make_course(price=49.99)
    user, token = make_user("student")
    path = "/api/payments/create-payment-intent"
    wrong = gateway.post(
        path, json={"amount": 100, "currency": "usd", "course_id": course["id"]}, headers=bearer(token)
    )
    assert wrong.status_code == 400 and wrong.get_json()["details"] == {"amount": 4999, "currency": "usd"}
    assert (
        gateway.post(
            path, json={"amount": 4999, "currency": "eur", "course_id": course["id"]}, headers=bearer(token)
        ).status_code
        == 400
    )
    ok = gateway.post(
        path,
        json={
            "amount": 4999,
            "currency": "usd",
            "course_id": course["id"],
            "metadata": {"course_ids": "crs_other", "ref": "x"},
        },
        headers=bearer(token),
    )
    assert ok.status_code == 200, ok.get_json()
    answer = responses.PaymentIntentAnswer.model_validate(ok.get_json())
    import stripe

    sdk = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_server.url})
    data = sdk.v1.payment_intents.retrieve(answer.payment_intent_id).to_dict()
    assert data["metadata"]["course_ids"] == course["id"] and data["metadata"]["client_course_ids"] == "crs_other"
    assert data["amount"] == 4999 and data["customer"].startswith("cus_")
    data.update(status="succeeded", amount_received=4999)  # as Stripe reports it once the card is charged
    assert deliver(make_event("payment_intent.succeeded", json.loads(json.dumps(data)))).json["outcome"] == "processed"
    [enrollment] = docs("Enrollment")
    assert enrollment["id"] == enrollment_id(course["id"], user["email"]) and enrollment["status"] == "active"


def test_a_payment_intent_without_a_course_is_taken_and_grants_nothing(
    stripe_server, make_user, make_course, gateway, deliver
):
    make_course(price=49.99)
    user, token = make_user("student")
    body = {"amount": 2500, "currency": "usd", "metadata": {"kind": "course_purchase", "course_ids": "crs_x"}}
    answer = gateway.post("/api/payments/create-payment-intent", json=body, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    import stripe

    sdk = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_server.url})
    data = sdk.v1.payment_intents.retrieve(answer.get_json()["payment_intent_id"]).to_dict()
    assert (data["amount"], data["metadata"]["kind"], data["metadata"]["user_email"]) == (
        2500,
        "custom_payment",
        user["email"],
    )
    assert "course_ids" not in data["metadata"] and data["metadata"]["client_course_ids"] == "crs_x"
    data.update(status="succeeded", amount_received=2500)
    deliver(make_event("payment_intent.succeeded", json.loads(json.dumps(data))))
    assert docs("Enrollment") == [] and docs("Purchase") == []


def test_history_portal_and_subscriptions(stripe_server, make_user, make_course, gateway, invoke):
    course = make_course(title="Bought", price=49.99)
    _, token = make_user("student")
    assert gateway.post("/api/payments/customer-portal", json={}, headers=bearer(token)).status_code == 404
    empty = gateway.get("/api/payments/history", headers=bearer(token))
    assert empty.status_code == 200 and empty.get_json()["payments"] == []
    session_id = _checkout(gateway, token, type="course", courseId=course["id"]).get_json()["sessionId"]
    stripe_server.complete(session_id)
    invoke("verifyStripeSession", {"sessionId": session_id}, token)
    plan = _checkout(gateway, token, type="subscription", planId="plan_monthly").get_json()["sessionId"]
    stripe_server.complete(plan)
    assert invoke("verifySubscriptionSession", {"sessionId": plan}, token).status_code == 200
    history = responses.PaymentHistory.model_validate(
        gateway.get("/api/payments/history", headers=bearer(token)).get_json()
    )
    kinds = sorted((p.course.title if p.course else "invoice", p.status) for p in history.payments)
    assert ("Bought", "succeeded") in kinds and any(k[0] == "invoice" for k in kinds)
    assert history.pagination.total_items == len(history.payments)
    bought = next(p for p in history.payments if p.course)
    assert (bought.amount, bought.currency) == (4999, "usd")  # cents, as the payment intent's amount
    paged = gateway.get("/api/payments/history", query_string={"limit": 1, "page": 2}, headers=bearer(token)).get_json()
    assert len(paged["payments"]) == 1 and paged["pagination"]["total_pages"] == history.pagination.total_items
    failed = gateway.get("/api/payments/history", query_string={"status": "failed"}, headers=bearer(token)).get_json()
    assert failed["payments"] == []
    assert gateway.get("/api/payments/history", query_string={"limit": 51}, headers=bearer(token)).status_code == 400
    portal = gateway.post("/api/payments/customer-portal", json={}, headers=bearer(token))
    assert portal.status_code == 200 and portal.get_json()["url"].startswith("https://billing.stripe.com/")
    subs = responses.Subscriptions.model_validate(
        gateway.get("/api/payments/subscriptions", headers=bearer(token)).get_json()
    )
    [sub] = subs.subscriptions
    assert (sub.plan_name, sub.status, sub.interval, sub.amount, sub.id[:4]) == (
        "monthly",
        "active",
        "month",
        2900,
        "sub_",
    )
    _, other = make_user("student")
    assert gateway.get("/api/payments/subscriptions", headers=bearer(other)).get_json() == {"subscriptions": []}
