"""stripeWebhook: signatures, exactly-once handling, ordering, and localstripe's real deliveries."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from entities.enrollment import enrollment_id
from tests.helpers import docs, wait_for
from tests.payments.conftest import WEBHOOK_SECRET, make_event, sign


def session_object(course_ids: list[str], user: dict[str, Any], **over: Any) -> dict[str, Any]:
    session = {
        "id": f"cs_test_{'_'.join(c[-6:] for c in course_ids)}",
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": 4999 * len(course_ids),
        "currency": "usd",
        "customer": "cus_test123",
        "payment_intent": "pi_test123",
        "metadata": {
            "kind": "course_purchase",
            "course_ids": ",".join(course_ids),
            "user_id": user["id"],
            "user_email": user["email"],
        },
    }
    session.update(over)
    return session


def subscription_object(user: dict[str, Any], status: str = "active", **over: Any) -> dict[str, Any]:
    sub = {
        "id": "sub_test_1",
        "object": "subscription",
        "customer": "cus_test123",
        "status": status,
        "start_date": 1767225600,  # 2026-01-01
        "cancel_at_period_end": False,
        "canceled_at": None,
        "metadata": {"plan": "plan_monthly", "user_id": user["id"], "user_email": user["email"]},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_1",
                    "current_period_end": 1769904000,
                    "price": {"id": "price_1", "recurring": {"interval": "month"}},
                }
            ],
        },
    }
    sub.update(over)
    return sub


def test_valid_checkout_completed_enrolls_buyer_and_records_event(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([course["id"]], user), event_id="evt_ok_1")
    resp = deliver(payload)
    assert resp.status_code == 200
    assert resp.json == {"received": True, "event_id": "evt_ok_1", "outcome": "processed"}
    [enrollment] = docs("Enrollment")
    assert enrollment["id"] == enrollment_id(course["id"], user["email"])
    assert (enrollment["status"], enrollment["source"], enrollment["student_id"]) == ("active", "purchase", user["id"])
    [purchase] = docs("Purchase")
    assert purchase["id"] == enrollment["purchase_id"] == f"pur_cs_test_{course['id'][-6:]}"
    assert (purchase["amount"], purchase["currency"], purchase["status"], purchase["course_ids"]) == (
        4999,
        "usd",
        "paid",
        [course["id"]],
    )
    [event] = docs("StripeEvent")
    assert (event["id"], event["type"], event["outcome"]) == ("evt_ok_1", "checkout.session.completed", "processed")


@pytest.mark.parametrize("case", ["tampered", "wrong_secret", "stale", "missing", "garbage", "future_only_v0"])
def test_bad_signatures_are_refused_and_nothing_is_written(stripe_server, make_user, make_course, deliver, case):
    course = make_course()
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([course["id"]], user))
    header = sign(payload)
    if case == "tampered":
        payload = payload.replace(b'"amount_total": 4999', b'"amount_total": 1')
    elif case == "wrong_secret":
        header = sign(payload, secret="whsec_someone_else")
    elif case == "stale":
        header = sign(payload, timestamp=int(time.time()) - 301)
    elif case == "missing":
        header = ""
    elif case == "garbage":
        header = "t=abc,v1=nothex"
    else:
        header = header.replace("v1=", "v0=")
    resp = deliver(payload, header)
    assert resp.status_code == 400
    assert resp.json["code"] == "INVALID_PARAMETERS"
    assert docs("Enrollment") == [] and docs("Purchase") == [] and docs("StripeEvent") == []


def test_the_7p_address_answers_errors_in_the_7p_envelope(stripe_server, gateway, make_user, make_course):
    course = make_course()
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([course["id"]], user))
    headers = {"Stripe-Signature": sign(payload, secret="whsec_someone_else"), "Content-Type": "application/json"}
    refused = gateway.post("/api/webhooks/stripe", data=payload, headers=headers)
    assert refused.status_code == 400
    assert refused.json["success"] is False and refused.json["code"] == "VALIDATION_ERROR", refused.json
    assert "timestamp" not in refused.json and refused.json["error"]
    base44 = gateway.post("/api/stripe-webhook", data=payload, headers=headers)
    assert base44.json["code"] == "INVALID_PARAMETERS" and "success" not in base44.json
    signed = {"Stripe-Signature": sign(payload), "Content-Type": "application/json"}
    assert gateway.post("/api/webhooks/stripe", data=payload, headers=signed).json["received"] is True
    assert docs("Enrollment") and docs("StripeEvent")


def test_signed_body_that_is_not_an_event_is_400(stripe_server, deliver):
    for body in (b"not json", b"[1,2]", json.dumps({"id": "evt_1", "type": "x"}).encode()):
        resp = deliver(body)
        assert resp.status_code == 400
        assert resp.json["code"] == "INVALID_PARAMETERS"
    assert docs("StripeEvent") == []


def test_rotated_secrets_both_verify(stripe_server, make_user, make_course, deliver, monkeypatch):
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", f"whsec_new_one,{WEBHOOK_SECRET}")
    course = make_course()
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([course["id"]], user))
    assert deliver(payload, sign(payload, secret="whsec_new_one")).status_code == 200
    assert len(docs("Enrollment")) == 1


def test_missing_webhook_secret_is_503_and_writes_nothing(stripe_server, make_user, make_course, deliver, monkeypatch):
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([make_course()["id"]], user))
    resp = deliver(payload)
    assert resp.status_code == 503
    assert resp.json["code"] == "CONFIGURATION_ERROR"
    assert "whsec" not in resp.get_data(as_text=True)
    assert docs("Enrollment") == []


def test_redelivery_answers_200_and_changes_nothing(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([course["id"]], user), event_id="evt_again")
    assert deliver(payload).json["outcome"] == "processed"
    before = {c: docs(c) for c in ("Enrollment", "Purchase", "StripeEvent")}
    resp = deliver(payload)
    assert resp.status_code == 200
    assert resp.json["outcome"] == "duplicate"
    assert {c: docs(c) for c in before} == before


def test_ten_concurrent_deliveries_create_one_enrollment(stripe_server, make_user, make_course, deliver, gateway):
    course = make_course()
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([course["id"]], user), event_id="evt_storm")
    header = sign(payload)
    results: list[Any] = []
    barrier = threading.Barrier(10, timeout=30)  # a thread that fails must not leave the others waiting
    from emulator.gateway import create_app

    clients = [create_app().test_client() for _ in range(10)]

    def send(client: Any) -> None:
        barrier.wait()
        resp = client.post(
            "/api/stripe-webhook",
            data=payload,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )
        results.append((resp.status_code, resp.json.get("outcome")))

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == sorted([(200, "processed")] + [(200, "duplicate")] * 9)
    assert len(docs("Enrollment")) == 1
    assert len(docs("Purchase")) == 1
    assert len(docs("StripeEvent")) == 1


def test_distinct_events_for_one_payment_still_enroll_once(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    session = session_object([course["id"]], user)
    assert deliver(make_event("checkout.session.completed", session, event_id="evt_a")).json["outcome"] == "processed"
    assert (
        deliver(make_event("checkout.session.async_payment_succeeded", session, event_id="evt_b")).json["outcome"]
        == "processed"
    )
    assert len(docs("Enrollment")) == 1 and len(docs("Purchase")) == 1
    assert sorted(e["outcome"] for e in docs("StripeEvent")) == ["already_fulfilled", "processed"]


def test_bundle_checkout_enrolls_every_course(stripe_server, make_user, make_course, deliver):
    courses = [make_course() for _ in range(3)]
    user, _ = make_user("student")
    deliver(make_event("checkout.session.completed", session_object([c["id"] for c in courses], user)))
    assert sorted(e["course_id"] for e in docs("Enrollment")) == sorted(c["id"] for c in courses)


def test_unpaid_checkout_completion_enrolls_nobody(stripe_server, make_user, make_course, deliver):
    user, _ = make_user("student")
    payload = make_event(
        "checkout.session.completed", session_object([make_course()["id"]], user, payment_status="unpaid")
    )
    resp = deliver(payload)
    assert (resp.status_code, resp.json["outcome"]) == (200, "recorded")
    assert docs("Enrollment") == [] and docs("Purchase") == []


def test_unknown_event_type_is_acknowledged_and_recorded(stripe_server, deliver):
    resp = deliver(make_event("payout.created", {"id": "po_1", "object": "payout"}, event_id="evt_unknown"))
    assert resp.status_code == 200
    assert resp.json == {"received": True, "event_id": "evt_unknown", "handled": False}
    [event] = docs("StripeEvent")
    assert (event["outcome"], event["type"]) == ("ignored", "payout.created")


def test_signed_event_with_malformed_object_is_acknowledged_not_500(stripe_server, deliver):
    resp = deliver(make_event("customer.subscription.updated", {"object": "subscription", "status": "active"}))
    assert resp.status_code == 200
    assert resp.json["outcome"] == "recorded"
    assert docs("Subscription") == []


def test_subscription_lifecycle_and_out_of_order_events(stripe_server, make_user, deliver):
    user, _ = make_user("student")
    t0 = int(time.time()) - 100
    created = deliver(make_event("customer.subscription.created", subscription_object(user, "incomplete"), created=t0))
    assert created.json["outcome"] == "processed"
    assert (
        deliver(make_event("customer.subscription.updated", subscription_object(user, "active"), created=t0 + 10)).json[
            "outcome"
        ]
        == "processed"
    )
    [sub] = docs("Subscription")
    assert (sub["id"], sub["status"], sub["plan"], sub["user_email"]) == (
        "sub_test_1",
        "active",
        "monthly",
        user["email"],
    )
    assert sub["expires_at"].startswith("2026-02-01") and sub["started_at"].startswith("2026-01-01")
    assert sub["stripe_state_at"] == t0 + 10
    # An update created before the stored state arrives late: ignored.
    late = deliver(make_event("customer.subscription.updated", subscription_object(user, "incomplete"), created=t0 + 5))
    assert (late.status_code, late.json["outcome"]) == (200, "stale")
    assert docs("Subscription") == [sub]
    # A later failure, then a later payment.
    assert (
        deliver(
            make_event(
                "invoice.payment_failed",
                {"id": "in_1", "object": "invoice", "subscription": "sub_test_1"},
                created=t0 + 20,
            )
        ).json["outcome"]
        == "processed"
    )
    assert docs("Subscription")[0]["status"] == "past_due"
    paid = {
        "id": "in_2",
        "object": "invoice",
        "parent": {"subscription_details": {"subscription": "sub_test_1"}},
        "lines": {"data": [{"period": {"start": 1769904000, "end": 1772323200}}]},
    }
    assert deliver(make_event("invoice.paid", paid, created=t0 + 30)).json["outcome"] == "processed"
    sub = docs("Subscription")[0]
    assert (sub["status"], sub["expires_at"][:10]) == ("active", "2026-03-01")
    # Cancellation, then an old 'active' update arriving after it: stays cancelled.
    deleted = subscription_object(user, "canceled", canceled_at=1770000000)
    assert deliver(make_event("customer.subscription.deleted", deleted, created=t0 + 40)).json["outcome"] == "processed"
    assert (
        deliver(make_event("customer.subscription.updated", subscription_object(user, "active"), created=t0 + 35)).json[
            "outcome"
        ]
        == "stale"
    )
    sub = docs("Subscription")[0]
    assert sub["status"] == "canceled" and sub["canceled_at"].startswith("2026-02-02")


def test_invoice_for_unknown_subscription_is_ignored(stripe_server, deliver):
    resp = deliver(make_event("invoice.paid", {"id": "in_9", "object": "invoice", "subscription": "sub_nobody"}))
    assert (resp.status_code, resp.json["outcome"]) == (200, "ignored")
    assert docs("Subscription") == []


def test_payment_intent_events_of_the_custom_flow(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    intent = {
        "id": "pi_custom_1",
        "object": "payment_intent",
        "amount": 4999,
        "currency": "usd",
        "customer": None,
        "metadata": {"course_id": course["id"], "user_id": user["id"], "user_email": user["email"]},
        "last_payment_error": {"message": "Your card was declined."},
    }
    assert deliver(make_event("payment_intent.payment_failed", intent)).json["outcome"] == "processed"
    [failed] = docs("Purchase")
    assert (failed["id"], failed["status"], failed["failure_message"]) == (
        "pur_pi_custom_1",
        "failed",
        "Your card was declined.",
    )
    assert docs("Enrollment") == []
    assert (
        deliver(make_event("payment_intent.succeeded", {**intent, "amount_received": 4999})).json["outcome"]
        == "processed"
    )
    [paid] = docs("Purchase")
    assert (paid["status"], paid["failure_message"]) == ("paid", None)
    [enrollment] = docs("Enrollment")
    assert enrollment["purchase_id"] == "pur_pi_custom_1"
    # A later failure report never downgrades the paid purchase.
    deliver(make_event("payment_intent.payment_failed", intent))
    assert docs("Purchase")[0]["status"] == "paid"
    # A PaymentIntent made by Checkout carries no course metadata: the session event does the work.
    resp = deliver(
        make_event("payment_intent.succeeded", {"id": "pi_checkout", "object": "payment_intent", "metadata": {}})
    )
    assert resp.json["outcome"] == "recorded"


def test_localstripe_delivers_signed_events_for_real_payments(
    stripe_server, make_user, make_course, live_gateway, stripe_webhook_url
):
    """End to end with Stripe's own signing: localstripe posts to the running gateway."""
    import stripe

    from shared.stripe_client import client

    course = make_course()
    user, _ = make_user("student")
    sdk = client()
    customer = sdk.v1.customers.create(params={"email": user["email"]})
    intent = sdk.v1.payment_intents.create(
        params={
            "amount": 4999,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"course_id": course["id"], "user_id": user["id"], "user_email": user["email"]},
        }
    )
    assert intent.status == "succeeded"
    enrollments = wait_for(lambda: docs("Enrollment"))
    assert [e["course_id"] for e in enrollments] == [course["id"]]
    assert docs("Purchase")[0]["id"] == f"pur_{intent.id}"
    # A declined card: localstripe sends payment_intent.payment_failed.
    other = make_course()
    with pytest.raises(stripe.CardError):
        sdk.v1.payment_intents.create(
            params={
                "amount": 1000,
                "currency": "usd",
                "customer": customer.id,
                "payment_method": "pm_card_chargeCustomerFail",
                "confirm": True,
                "metadata": {"course_id": other["id"], "user_id": user["id"], "user_email": user["email"]},
            }
        )
    failed = wait_for(lambda: [p for p in docs("Purchase") if p["status"] == "failed"])
    assert failed[0]["course_ids"] == [other["id"]]
    assert len(docs("Enrollment")) == 1


def test_event_records_carry_a_ttl_timestamp_and_an_expired_key_is_handled_again(
    stripe_server, make_user, make_course, deliver
):
    from datetime import UTC, datetime, timedelta

    from shared import idempotency

    # GIVEN a handled event
    user, _ = make_user("student")
    payload = make_event("checkout.session.completed", session_object([make_course()["id"]], user), event_id="evt_ttl")
    assert deliver(payload).json["outcome"] == "processed"
    # THEN its log and its key expire together, as timestamps a TTL policy can act on
    [event] = docs("StripeEvent")
    [key] = docs(idempotency.COLLECTION)
    assert isinstance(event["expires_at"], datetime) and isinstance(key["expires_at"], datetime)
    assert abs(event["expires_at"] - key["expires_at"]) < timedelta(seconds=5)
    assert (key["scope"], key["key"], key["status"], key["result"]) == (
        "stripe-event",
        "evt_ttl",
        "completed",
        {"outcome": "processed", "object_id": event["object_id"]},
    )
    # WHEN the key has expired (not yet deleted) THEN a redelivery is handled again, changing nothing twice
    idempotency.record_ref("stripe-event", "evt_ttl").update({"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    again = deliver(payload)
    assert again.json["outcome"] == "processed"
    assert len(docs("Enrollment")) == 1 and len(docs("Purchase")) == 1
    assert docs("StripeEvent")[0]["outcome"] == "already_fulfilled"
