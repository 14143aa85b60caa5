"""verifyStripeSession / verifyCourseCheckout: ownership, payment, exactly-once, races with the webhook."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from entities.enrollment import enrollment_id
from tests.helpers import docs, refused_url
from tests.payments.conftest import make_event, sign

URLS = {
    "successUrl": "https://sparkacademy.test/success?session_id={CHECKOUT_SESSION_ID}",
    "cancelUrl": "https://sparkacademy.test/courses",
}


def open_session(invoke: Any, token: str, course_ids: list[str]) -> str:
    if len(course_ids) == 1:
        resp = invoke("createStripeCheckout", {"courseId": course_ids[0], **URLS}, token)
    else:
        resp = invoke("createCourseCheckout", {"courseIds": course_ids, **URLS}, token)
    assert resp.status_code == 200, resp.json
    return str(resp.json["sessionId"])


def test_verify_paid_session_enrolls_exactly_once(stripe_server, make_user, make_course, invoke):
    course = make_course(price=49.99)
    user, token = make_user("student")
    session_id = open_session(invoke, token, [course["id"]])
    stripe_server.complete(session_id)
    first = invoke("verifyStripeSession", {"sessionId": session_id}, token)
    assert first.status_code == 200, first.json
    expected_id = enrollment_id(course["id"], user["email"])
    assert first.json["success"] is True
    enrollment = first.json["enrollment"]
    assert (enrollment["id"], enrollment["course_id"], enrollment["student_email"], enrollment["status"]) == (
        expected_id,
        course["id"],
        user["email"],
        "active",
    )
    assert enrollment["enrolled_at"]
    assert first.json["purchase_id"] == f"pur_{session_id}"
    stored = docs("Enrollment")
    [purchase] = docs("Purchase")
    assert (purchase["amount"], purchase["status"], purchase["user_id"], purchase["stripe_payment_intent_id"][:3]) == (
        4999,
        "paid",
        user["id"],
        "pi_",
    )
    again = invoke("verifyStripeSession", {"sessionId": session_id}, token)
    assert again.status_code == 200
    assert again.json["enrollment"] == enrollment
    assert docs("Enrollment") == stored and docs("Purchase") == [purchase]


def test_verify_course_checkout_bundle_shape(stripe_server, make_user, make_course, invoke):
    courses = [make_course(price=10), make_course(price=20)]
    user, token = make_user("student")
    session_id = open_session(invoke, token, [c["id"] for c in courses])
    stripe_server.complete(session_id)
    resp = invoke("verifyCourseCheckout", {"sessionId": session_id}, token)
    assert resp.status_code == 200, resp.json
    ids = [enrollment_id(c["id"], user["email"]) for c in courses]
    assert resp.json == {
        "success": True,
        "course_id": courses[0]["id"],
        "student_email": user["email"],
        "enrollment_id": ids[0],
        "course_ids": [c["id"] for c in courses],
        "enrollment_ids": ids,
        "purchase_id": f"pur_{session_id}",
    }
    assert docs("Purchase")[0]["amount"] == 3000


def test_unpaid_session_is_402_and_writes_nothing(stripe_server, make_user, make_course, invoke):
    course = make_course()
    _, token = make_user("student")
    session_id = open_session(invoke, token, [course["id"]])
    resp = invoke("verifyStripeSession", {"sessionId": session_id}, token)
    assert resp.status_code == 402
    assert resp.json["code"] == "PAYMENT_FAILED"
    assert resp.json["details"] == {"status": "open", "payment_status": "unpaid"}
    declined = stripe_server.complete(session_id, card="decline")
    assert declined["_status"] == 402
    assert invoke("verifyCourseCheckout", {"sessionId": session_id}, token).status_code == 402
    assert docs("Enrollment") == [] and docs("Purchase") == []


def test_only_the_sessions_user_or_an_admin_may_verify(stripe_server, make_user, make_course, invoke):
    course = make_course()
    owner, token = make_user("student")
    _, stranger = make_user("student")
    _, admin = make_user("admin")
    session_id = open_session(invoke, token, [course["id"]])
    stripe_server.complete(session_id)
    resp = invoke("verifyStripeSession", {"sessionId": session_id}, stranger)
    assert resp.status_code == 403 and resp.json["code"] == "PERMISSION_DENIED"
    assert docs("Enrollment") == []
    assert invoke("verifyStripeSession", {"sessionId": session_id}, None).status_code == 401
    resp = invoke("verifyStripeSession", {"sessionId": session_id}, admin)
    assert resp.status_code == 200
    assert resp.json["enrollment"]["student_email"] == owner["email"]


def test_unknown_or_malformed_session_ids(stripe_server, make_user, invoke):
    _, token = make_user("student")
    resp = invoke("verifyStripeSession", {"sessionId": "cs_test_doesnotexist"}, token)
    assert resp.status_code == 404 and resp.json["message"] == "Checkout session not found"
    for bad in ({"sessionId": "pi_123"}, {"sessionId": 5}, {}, {"sessionId": "cs_x", "more": 1}):
        assert invoke("verifyStripeSession", bad, token).status_code == 400


def test_subscription_session_is_not_a_course_purchase(stripe_server, make_user, invoke):
    _, token = make_user("student")
    session_id = invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token).json["sessionId"]
    stripe_server.complete(session_id)
    resp = invoke("verifyStripeSession", {"sessionId": session_id}, token)
    assert resp.status_code == 400
    assert docs("Enrollment") == [] and docs("Purchase") == []


def test_concurrent_verifies_and_webhook_create_one_enrollment(
    stripe_server, make_user, make_course, invoke, monkeypatch
):
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    course = make_course()
    user, token = make_user("student")
    session_id = open_session(invoke, token, [course["id"]])
    session = stripe_server.complete(session_id)
    payload = make_event("checkout.session.completed", session, event_id="evt_race")
    header = sign(payload)
    statuses: list[int] = []
    barrier = threading.Barrier(8, timeout=30)  # a thread that fails must not leave the others waiting
    from emulator.gateway import create_app

    app = create_app()

    def verify() -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post(
            "/api/apps/sparkacademy/functions/verifyStripeSession",
            json={"sessionId": session_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        statuses.append(resp.status_code)

    def webhook() -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post("/api/stripe-webhook", data=payload, headers={"Stripe-Signature": header})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=verify) for _ in range(5)] + [threading.Thread(target=webhook) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 8
    [enrollment] = docs("Enrollment")
    assert enrollment["id"] == enrollment_id(course["id"], user["email"])
    assert len(docs("Purchase")) == 1
    assert [e["id"] for e in docs("StripeEvent")] == ["evt_race"]


def test_cancelled_enrollment_is_not_revived_by_a_repeat_verify(stripe_server, make_user, make_course, invoke):
    from entities import store

    course = make_course()
    user, token = make_user("student")
    session_id = open_session(invoke, token, [course["id"]])
    stripe_server.complete(session_id)
    assert invoke("verifyStripeSession", {"sessionId": session_id}, token).status_code == 200
    eid = enrollment_id(course["id"], user["email"])
    store.update("Enrollment", eid, {"status": "refunded"})
    assert invoke("verifyStripeSession", {"sessionId": session_id}, token).status_code == 200
    assert store.get("Enrollment", eid)["status"] == "refunded"


@pytest.mark.parametrize(
    ("status", "error", "count", "expected_status", "expected_code", "retryable"),
    [
        (500, {"type": "api_error", "message": "boom"}, 3, 502, "UPSTREAM_ERROR", True),
        (503, {"type": "api_error", "message": "down"}, 3, 502, "UPSTREAM_ERROR", True),
        (
            429,
            {"type": "invalid_request_error", "code": "rate_limit", "message": "slow"},
            3,
            503,
            "SERVICE_UNAVAILABLE",
            True,
        ),
        # A rejected key is our misconfiguration: retrying will not help, and the key is never echoed.
        (
            401,
            {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_***"},
            1,
            503,
            "CONFIGURATION_ERROR",
            False,
        ),
        (
            402,
            {"type": "card_error", "code": "card_declined", "message": "Your card was declined."},
            1,
            402,
            "PAYMENT_FAILED",
            False,
        ),
    ],
)
def test_stripe_failures_answer_clear_errors_and_write_nothing(
    stripe_server, make_user, make_course, invoke, status, error, count, expected_status, expected_code, retryable
):
    course = make_course()
    _, token = make_user("student")
    session_id = open_session(invoke, token, [course["id"]])
    stripe_server.complete(session_id)
    stripe_server.fail(f"/v1/checkout/sessions/{session_id}", status, error, count=count)
    resp = invoke("verifyStripeSession", {"sessionId": session_id}, token)
    assert resp.status_code == expected_status, resp.json
    assert resp.json["code"] == expected_code
    assert resp.json.get("retryable", False) is retryable
    assert "sk_test" not in resp.get_data(as_text=True)
    assert docs("Enrollment") == [] and docs("Purchase") == []


def test_a_single_stripe_5xx_is_retried_by_the_sdk(stripe_server, make_user, make_course, invoke):
    course = make_course()
    _, token = make_user("student")
    stripe_server.fail("/v1/checkout/sessions", 500, count=1, method="POST")
    resp = invoke("createStripeCheckout", {"courseId": course["id"], **URLS}, token)
    assert resp.status_code == 200, resp.json
    creates = stripe_server.requests("/v1/checkout/sessions", "POST")
    assert len(creates) == 2 and creates[0]["idempotency_key"] == creates[1]["idempotency_key"]


def test_unreachable_stripe_is_503(stripe_server, make_user, make_course, invoke, monkeypatch):
    from shared.stripe_client import reset_client

    with refused_url() as url:
        monkeypatch.setenv("STRIPE_API_BASE", url)
        reset_client()
        course = make_course()
        _, token = make_user("student")
        resp = invoke("createStripeCheckout", {"courseId": course["id"], **URLS}, token)
    assert resp.status_code == 503
    assert resp.json["code"] == "SERVICE_UNAVAILABLE" and resp.json["retryable"] is True
