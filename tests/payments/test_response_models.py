"""The payment functions and the webhook answer as their response models say."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel

from entities.responses import ErrorEnvelope
from functions.admin.responses import ListPaidUsersResponse
from functions.payments.responses import (
    CreateCourseCheckoutResponse,
    CreatePortalSessionResponse,
    CreateStripeCheckoutResponse,
    CreateSubscriptionCheckoutResponse,
    StripeEventHandled,
    StripeEventNotHandled,
    StripeWebhookResponse,
    SyncCoursePurchasesResponse,
    SyncStripeSubscriptionsResponse,
    VerifyCourseCheckoutResponse,
    VerifyStripeSessionResponse,
    VerifySubscriptionSessionResponse,
)
from tests.payments.conftest import make_event, sign
from tests.payments.test_webhook import session_object

URLS = {"successUrl": "https://sparkacademy.test/s", "cancelUrl": "https://sparkacademy.test/c"}


def answer(model: type[BaseModel], resp: Any, status: int = 200) -> Any:
    body = resp.json
    assert resp.status_code == status, body
    return model.model_validate(body, strict=False)


def test_course_purchase_answers(stripe_server, make_user, make_course, invoke, monkeypatch) -> None:
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    one, a, b = make_course(), make_course(price=10), make_course(price=20)
    _, token = make_user("student")
    single = answer(
        CreateStripeCheckoutResponse, invoke("createStripeCheckout", {"courseId": one["id"], **URLS}, token)
    )
    bundle = answer(
        CreateCourseCheckoutResponse, invoke("createCourseCheckout", {"courseIds": [a["id"], b["id"]], **URLS}, token)
    )
    assert (single.total_amount, bundle.total_amount, bundle.currency) == (4999, 3000, "usd")
    answer(
        CreatePortalSessionResponse, invoke("createPortalSession", {"returnUrl": "https://sparkacademy.test/d"}, token)
    )
    stripe_server.complete(single.sessionId)
    stripe_server.complete(bundle.sessionId)
    verified = answer(
        VerifyStripeSessionResponse, invoke("verifyStripeSession", {"sessionId": single.sessionId}, token)
    )
    assert verified.enrollment is not None and verified.enrollment.status == "active"
    both = answer(VerifyCourseCheckoutResponse, invoke("verifyCourseCheckout", {"sessionId": bundle.sessionId}, token))
    assert both.course_ids == [a["id"], b["id"]]
    # The other verify function on the bundle, now already fulfilled.
    again = answer(VerifyStripeSessionResponse, invoke("verifyStripeSession", {"sessionId": bundle.sessionId}, token))
    assert len(again.enrollments) == 2
    _, admin = make_user("admin")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    synced = answer(
        SyncCoursePurchasesResponse, invoke("syncCoursePurchases", {"startDate": today, "endDate": today}, admin)
    )
    assert (synced.purchases_synced, synced.new_purchases, synced.total_revenue) == (2, 0, 7999)


def test_subscription_answers(stripe_server, make_user, invoke) -> None:
    _, token = make_user("student")
    opened = answer(
        CreateSubscriptionCheckoutResponse,
        invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token),
    )
    stripe_server.complete(opened.sessionId)
    verified = answer(
        VerifySubscriptionSessionResponse, invoke("verifySubscriptionSession", {"sessionId": opened.sessionId}, token)
    )
    assert verified.expires_at is not None
    _, admin = make_user("admin")
    synced = answer(SyncStripeSubscriptionsResponse, invoke("syncStripeSubscriptions", None, admin))
    assert synced.active_subscriptions == 1
    listed = answer(ListPaidUsersResponse, invoke("listPaidUsers", {}, admin))
    assert listed.users[0].started_at is not None and listed.users[0].expires_at is not None


def test_webhook_answers(stripe_server, make_user, make_course, deliver) -> None:
    course = make_course()
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([course["id"]], user))
    first = answer(StripeWebhookResponse, deliver(payload)).root
    assert isinstance(first, StripeEventHandled) and first.outcome == "processed"
    assert answer(StripeWebhookResponse, deliver(payload)).root.outcome == "duplicate"
    unhandled = answer(StripeWebhookResponse, deliver(make_event("customer.created", {"id": "cus_1"}))).root
    assert isinstance(unhandled, StripeEventNotHandled)
    paid_elsewhere = make_event("payment_intent.succeeded", {"id": "pi_1", "metadata": {}})
    assert answer(StripeWebhookResponse, deliver(paid_elsewhere)).root.outcome == "recorded"
    refused = deliver(payload, sign(payload, secret="whsec_someone_else"))
    assert answer(ErrorEnvelope, refused, 400).code == "INVALID_PARAMETERS"


def test_unreachable_stripe_answers_a_retryable_envelope(stripe_server, make_user, invoke, monkeypatch) -> None:
    from shared.stripe_client import reset_client

    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    reset_client()
    _, token = make_user("student")
    failed = answer(
        ErrorEnvelope, invoke("createPortalSession", {"returnUrl": "https://sparkacademy.test/d"}, token), 503
    )
    assert failed.retryable is True and "retryable" in failed.model_fields_set
    reset_client()
