"""Reconciliation through the sync functions: the drift report, and fixes only when asked."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from entities import store
from entities.enrollment import enrollment_id
from tests.helpers import docs
from tests.payments.conftest import SECRET_KEY
from tests.payments.test_verify import open_session

TODAY = datetime.now(UTC).strftime("%Y-%m-%d")
RANGE = {"startDate": TODAY, "endDate": TODAY}


def _bought(stripe_server: Any, make_user: Any, make_course: Any, invoke: Any) -> tuple[dict, dict, dict]:
    course = make_course(price=49.99)
    user, token = make_user("student")
    session_id = open_session(invoke, token, [course["id"]])
    stripe_server.complete(session_id)
    assert invoke("verifyStripeSession", {"sessionId": session_id}, token).status_code == 200
    return course, user, docs("Purchase")[0]


def _kinds(resp: Any) -> list[tuple[str, bool]]:
    assert resp.status_code == 200, resp.json
    return sorted((d["kind"], d["fixed"]) for d in resp.json["drift"])


def test_a_refund_made_at_stripe_alone_is_reported_then_fixed(stripe_server, make_user, make_course, invoke):
    course, user, purchase = _bought(stripe_server, make_user, make_course, invoke)
    import stripe

    sdk = stripe.StripeClient(SECRET_KEY, base_addresses={"api": stripe_server.url})
    sdk.v1.refunds.create(params={"payment_intent": purchase["stripe_payment_intent_id"]})  # no webhook arrives
    admin, token = make_user("admin")
    report = invoke("syncCoursePurchases", RANGE, token)
    assert _kinds(report) == [("refund_not_recorded", False)]
    assert store.get("Enrollment", enrollment_id(course["id"], user["email"]))["status"] == "active"
    fixed = invoke("syncCoursePurchases", {**RANGE, "fix": True}, token)
    assert _kinds(fixed) == [("refund_not_recorded", True)]
    assert store.get("Enrollment", enrollment_id(course["id"], user["email"]))["status"] == "refunded"
    [change] = docs("AccessChange")
    assert (change["cause"], change["admin_email"]) == ("refund", admin["email"])
    assert invoke("syncCoursePurchases", RANGE, token).json["drift"] == []


def test_access_without_payment_and_payment_without_access(stripe_server, make_user, make_course, invoke):
    course, user, _purchase = _bought(stripe_server, make_user, make_course, invoke)
    store.update("Enrollment", enrollment_id(course["id"], user["email"]), {"status": "expired"})
    stray_course = make_course(title="Stray")
    stray = store.create(
        "Enrollment",
        {
            "course_id": stray_course["id"],
            "student_email": user["email"],
            "source": "purchase",
            "purchase_id": "pur_cs_gone",
        },
        created_by=None,
        id=enrollment_id(stray_course["id"], user["email"]),
    )
    _, token = make_user("admin")
    assert _kinds(invoke("syncCoursePurchases", RANGE, token)) == [
        ("access_without_payment", False),
        ("payment_without_access", False),
    ]
    assert _kinds(invoke("syncCoursePurchases", {**RANGE, "fix": True}, token)) == [
        ("access_without_payment", True),
        ("payment_without_access", True),
    ]
    assert store.get("Enrollment", enrollment_id(course["id"], user["email"]))["status"] == "active"
    assert store.get("Enrollment", stray["id"])["status"] == "cancelled"
    assert {c["cause"] for c in docs("AccessChange")} == {"reconciliation"}
    assert invoke("syncCoursePurchases", RANGE, token).json["drift"] == []


def test_subscription_access_is_reconciled_with_the_plans(stripe_server, make_user, make_course, invoke):
    course = make_course()
    user, _ = make_user("student")
    store.create(
        "Subscription",
        {"user_email": user["email"], "plan": "monthly", "status": "canceled", "stripe_state_at": int(time.time())},
        created_by=None,
        id="sub_gone",
    )
    store.create(
        "Enrollment",
        {"course_id": course["id"], "student_email": user["email"], "source": "subscription"},
        created_by=None,
        id=enrollment_id(course["id"], user["email"]),
    )
    _, token = make_user("admin")
    assert _kinds(invoke("syncStripeSubscriptions", {}, token)) == [("access_without_payment", False)]
    assert _kinds(invoke("syncStripeSubscriptions", {"fix": True}, token)) == [("access_without_payment", True)]
    assert store.get("Enrollment", enrollment_id(course["id"], user["email"]))["status"] == "expired"
    assert invoke("syncStripeSubscriptions", {}, token).json["drift"] == []
