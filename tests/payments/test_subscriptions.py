"""Plans, subscription checkout and verification, the billing portal, listPaidUsers after a purchase."""

from __future__ import annotations

import time

import pytest

from tests.helpers import docs
from tests.payments.conftest import make_event

URLS = {"successUrl": "https://sparkacademy.test/welcome", "cancelUrl": "https://sparkacademy.test/pricing"}


@pytest.mark.parametrize(
    ("plan", "amount", "interval"), [("plan_monthly", "2900", "month"), ("plan_annual", "29000", "year")]
)
def test_subscription_checkout_uses_plan_price_created_once(stripe_server, make_user, invoke, plan, amount, interval):
    from domain.payments.catalog import clear_price_cache

    _, a = make_user("student")
    _, b = make_user("student")
    first = invoke("createSubscriptionCheckout", {"planId": plan, **URLS}, a)
    assert first.status_code == 200, first.json
    assert first.json["sessionId"].startswith("cs_test_") and first.json["url"].startswith(
        "https://checkout.stripe.com/"
    )
    clear_price_cache()  # a fresh instance finds the price by its lookup key
    assert invoke("createSubscriptionCheckout", {"planId": plan, **URLS}, b).status_code == 200
    [created] = stripe_server.form("/v1/prices")
    assert (created["unit_amount"], created["currency"], created["recurring[interval]"]) == (amount, "usd", interval)
    assert created["lookup_key"] == f"sparkacademy_{plan}_usd"
    assert len(stripe_server.requests("/v1/products", "POST")) == 1
    lookups = stripe_server.requests("/v1/prices", "GET")
    assert len(lookups) == 2 and ["lookup_keys[0]", f"sparkacademy_{plan}_usd"] in lookups[0]["form"]
    sessions = stripe_server.form("/v1/checkout/sessions")
    price_ids = {f["line_items[0][price]"] for f in sessions}
    assert len(price_ids) == 1 and all(f["mode"] == "subscription" for f in sessions)
    assert sessions[0]["subscription_data[metadata][plan]"] == plan


def test_price_with_outdated_amount_is_replaced(stripe_server, make_user, invoke):
    from shared.stripe_client import client

    sdk = client()
    sdk.v1.products.create(params={"id": "sparkacademy_plan_monthly", "name": "old"})
    old = sdk.v1.prices.create(
        params={
            "product": "sparkacademy_plan_monthly",
            "unit_amount": 1900,
            "currency": "usd",
            "recurring": {"interval": "month"},
            "lookup_key": "sparkacademy_plan_monthly_usd",
        }
    )
    _, token = make_user("student")
    assert invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token).status_code == 200
    price_used = stripe_server.form("/v1/checkout/sessions")[0]["line_items[0][price]"]
    assert price_used != old.id
    assert sdk.v1.prices.retrieve(price_used).unit_amount == 2900


def test_enterprise_plan_points_to_sales(stripe_server, make_user, invoke):
    _, token = make_user("student")
    resp = invoke("createSubscriptionCheckout", {"planId": "plan_enterprise", **URLS}, token)
    assert resp.status_code == 400
    assert resp.json["code"] == "INVALID_PARAMETERS"
    assert "contact sales" in resp.json["message"]
    assert resp.json["details"] == {"planId": "plan_enterprise", "reason": "custom_pricing", "contact": "sales"}
    assert stripe_server.requests() == []


def test_unknown_plan_is_400(stripe_server, make_user, invoke):
    _, token = make_user("student")
    resp = invoke("createSubscriptionCheckout", {"planId": "plan_free_lunch", **URLS}, token)
    assert resp.status_code == 400
    assert resp.json["details"]["plans"] == ["plan_annual", "plan_enterprise", "plan_monthly"]


def test_full_subscription_flow_then_second_checkout_is_409(stripe_server, make_user, invoke, mocker):
    user, token = make_user("student")
    session_id = invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token).json["sessionId"]
    # Before payment: 402 and nothing stored.
    unpaid = invoke("verifySubscriptionSession", {"sessionId": session_id}, token)
    assert unpaid.status_code == 402 and unpaid.json["code"] == "PAYMENT_FAILED"
    assert docs("Subscription") == []
    stripe_server.complete(session_id)
    resp = invoke("verifySubscriptionSession", {"sessionId": session_id}, token)
    assert resp.status_code == 200, resp.json
    assert resp.json["success"] is True and resp.json["plan"] == "monthly" and resp.json["status"] == "active"
    assert resp.json["subscription_id"].startswith("sub_")
    [sub] = docs("Subscription")
    assert (sub["id"], sub["user_email"], sub["user_id"], sub["plan"], sub["status"]) == (
        resp.json["subscription_id"],
        user["email"],
        user["id"],
        "monthly",
        "active",
    )
    assert sub["stripe_customer_id"].startswith("cus_") and sub["expires_at"] > sub["started_at"]
    # Verifying again, even seconds later, changes nothing.
    later = time.time() + 5
    mocker.patch("functions.payments.verify.time.time", return_value=later)
    assert invoke("verifySubscriptionSession", {"sessionId": session_id}, token).json == resp.json
    mocker.stopall()
    assert docs("Subscription") == [sub]
    # One subscription per user.
    again = invoke("createSubscriptionCheckout", {"planId": "plan_annual", **URLS}, token)
    assert again.status_code == 409
    assert again.json["details"] == {"subscription_id": sub["id"], "status": "active"}
    # The subscriber appears in listPaidUsers.
    _, admin = make_user("admin")
    listed = invoke("listPaidUsers", {"page": 1, "limit": 10}, admin)
    assert listed.status_code == 200
    assert [(u["email"], u["plan"], u["status"]) for u in listed.json["users"]] == [
        (user["email"], "monthly", "active")
    ]
    assert (listed.json["total"], listed.json["pages"]) == (1, 1)


def test_verify_subscription_does_not_undo_a_newer_webhook_state(stripe_server, make_user, invoke, deliver):
    import time

    user, token = make_user("student")
    session_id = invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token).json["sessionId"]
    completed = stripe_server.complete(session_id)
    future = int(time.time()) + 60
    sub_obj = {
        "id": completed["subscription"],
        "object": "subscription",
        "customer": completed["customer"],
        "status": "past_due",
        "start_date": future - 100,
        "metadata": {"plan": "plan_monthly", "user_id": user["id"], "user_email": user["email"]},
        "items": {"data": [{"current_period_end": future + 1000}]},
    }
    assert deliver(make_event("customer.subscription.updated", sub_obj, created=future)).json["outcome"] == "processed"
    resp = invoke("verifySubscriptionSession", {"sessionId": session_id}, token)
    assert resp.status_code == 200
    assert resp.json["status"] == "past_due"
    assert docs("Subscription")[0]["status"] == "past_due"


def test_other_users_cannot_verify_a_subscription_session(stripe_server, make_user, invoke):
    _, token = make_user("student")
    _, stranger = make_user("student")
    session_id = invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token).json["sessionId"]
    stripe_server.complete(session_id)
    assert invoke("verifySubscriptionSession", {"sessionId": session_id}, stranger).status_code == 403
    assert docs("Subscription") == []


def test_portal_needs_a_stripe_customer(stripe_server, make_user, make_course, invoke):
    _, token = make_user("student")
    resp = invoke("createPortalSession", {"returnUrl": "https://sparkacademy.test/dashboard"}, token)
    assert resp.status_code == 404 and resp.json["code"] == "RESOURCE_NOT_FOUND"
    assert stripe_server.requests("/v1/billing_portal/sessions") == []
    # Buying anything makes the customer.
    course = make_course()
    invoke("createStripeCheckout", {"courseId": course["id"], **URLS}, token)
    resp = invoke("createPortalSession", {"returnUrl": "https://sparkacademy.test/dashboard"}, token)
    assert resp.status_code == 200, resp.json
    assert resp.json["url"].startswith("https://billing.stripe.com/p/session/")
    [form] = stripe_server.form("/v1/billing_portal/sessions")
    assert form["return_url"] == "https://sparkacademy.test/dashboard"
    assert form["customer"] == stripe_server.form("/v1/checkout/sessions")[0]["customer"]


def test_portal_rejects_bad_return_url_and_anonymous(stripe_server, make_user, invoke):
    _, token = make_user("student")
    assert invoke("createPortalSession", {"returnUrl": "dashboard"}, token).status_code == 400
    assert invoke("createPortalSession", {"returnUrl": "https://a.test/d"}).status_code == 401


def test_cancellation_at_stripe_reaches_the_record_through_localstripes_webhook(
    stripe_server, make_user, invoke, live_gateway, stripe_webhook_url
):
    from shared.stripe_client import client
    from tests.helpers import wait_for

    _user, token = make_user("student")
    session_id = invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token).json["sessionId"]
    sub_id = stripe_server.complete(session_id)["subscription"]
    assert invoke("verifySubscriptionSession", {"sessionId": session_id}, token).json["status"] == "active"
    client().v1.subscriptions.cancel(sub_id)
    cancelled = wait_for(lambda: [s for s in docs("Subscription") if s["status"] == "canceled"])
    assert [s["id"] for s in cancelled] == [sub_id]
    deleted = [e for e in docs("StripeEvent") if e["type"] == "customer.subscription.deleted"]
    assert [e["outcome"] for e in deleted] == ["processed"]
    # Cancelled: the user may subscribe again.
    assert invoke("createSubscriptionCheckout", {"planId": "plan_annual", **URLS}, token).status_code == 200
