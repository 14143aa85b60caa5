"""The seed's Complete Course Purchase Flow through the real @base44/sdk (Node), with
localstripe also delivering the signed checkout.session.completed webhook meanwhile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entities.enrollment import enrollment_id
from tests.e2e.sdk import SDK, run_flow
from tests.helpers import docs, wait_for

pytestmark = pytest.mark.e2e


def test_complete_course_purchase_flow_through_the_sdk(
    stripe_server, make_user, make_course, live_gateway, stripe_webhook_url
):
    course = make_course(title="React Hooks Mastery", price=99)
    user, _ = make_user("student")
    config = {
        "appId": "sparkacademy",
        "email": user["email"],
        "password": "Passw0rd!",
        "courseId": course["id"],
        "stripeUrl": stripe_server.url,
    }
    report = run_flow(Path(__file__).with_name("sdk_purchase_flow.mjs"), str(SDK), live_gateway, json.dumps(config))

    assert report["checkout"]["ok"], report["checkout"]
    assert report["checkout"]["value"]["url"].startswith("https://checkout.stripe.com/")
    assert report["checkout"]["value"]["total_amount"] == 9900
    unpaid = report["verifyUnpaid"]
    assert (unpaid["ok"], unpaid["status"], unpaid["body"]["code"]) == (False, 402, "PAYMENT_FAILED")
    assert unpaid["body"]["message"] == "Payment not completed for this checkout session"
    assert report["paymentStatus"] == 200
    expected = enrollment_id(course["id"], user["email"])
    assert report["verify"]["ok"], report["verify"]
    enrollment = report["verify"]["value"]["enrollment"]
    assert (enrollment["id"], enrollment["course_id"], enrollment["student_email"]) == (
        expected,
        course["id"],
        user["email"],
    )
    assert report["verifyAgain"]["value"]["enrollment"] == enrollment
    assert report["course"]["ok"] and report["course"]["value"]["title"] == "React Hooks Mastery"
    assert [(e["id"], e["status"], e["source"]) for e in report["myEnrollments"]["value"]] == [
        (expected, "active", "purchase")
    ]
    assert [(p["amount"], p["status"]) for p in report["myPurchases"]["value"]] == [(9900, "paid")]
    again = report["checkoutAgain"]
    assert (again["ok"], again["status"], again["body"]["details"]["reason"]) == (False, 400, "already_enrolled")
    # localstripe's signed webhook for the same payment lands too, and changes nothing.
    events = wait_for(lambda: [e for e in docs("StripeEvent") if e["type"] == "checkout.session.completed"])
    assert events and events[0]["outcome"] in ("already_fulfilled", "processed")
    assert len(docs("Enrollment")) == 1 and len(docs("Purchase")) == 1
