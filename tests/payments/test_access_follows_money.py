"""Access follows the money: refunds, disputes and ended subscriptions, in every order Stripe can send them."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from entities.enrollment import enrollment_id
from tests.helpers import bearer, docs
from tests.payments.conftest import make_event
from tests.payments.test_webhook import session_object, subscription_object

BASE = "/api/apps/sparkacademy/entities"
PI = "pi_test123"  # the PaymentIntent of `session_object`'s checkout


def _lesson_course(make_course: Any, **fields: Any) -> dict[str, Any]:
    lessons = [{"id": f"les_{fields.get('title', 'c')}_1", "title": "One", "content": "secret text"}]
    return make_course(modules=[{"title": "M", "lessons": lessons}], **fields)


def _buy(deliver: Any, course: dict[str, Any], user: dict[str, Any], at: int) -> None:
    event = make_event("checkout.session.completed", session_object([course["id"]], user), created=at)
    assert deliver(event).json["outcome"] == "processed"


def _charge(amount_refunded: int, amount: int = 4999) -> dict[str, Any]:
    return {
        "id": "ch_1",
        "object": "charge",
        "amount": amount,
        "amount_refunded": amount_refunded,
        "payment_intent": PI,
    }


def _refund(status: str, amount: int = 4999, refund_id: str = "re_1") -> dict[str, Any]:
    return {"id": refund_id, "object": "refund", "amount": amount, "status": status, "payment_intent": PI}


def _dispute(status: str) -> dict[str, Any]:
    return {"id": "dp_1", "object": "dispute", "amount": 4999, "status": status, "charge": "ch_1", "payment_intent": PI}


def _status(course: dict[str, Any], user: dict[str, Any]) -> str:
    [found] = [e for e in docs("Enrollment") if e["id"] == enrollment_id(course["id"], user["email"])]
    return str(found["status"])


def _sees_content(gateway: Any, course: dict[str, Any], token: str) -> bool:
    got = gateway.get(f"{BASE}/Course/{course['id']}", headers=bearer(token)).get_json()
    return "content" in got["modules"][0]["lessons"][0]


def test_full_refund_ends_access_and_records_why(stripe_server, make_user, make_course, deliver, gateway):
    course = _lesson_course(make_course)
    user, token = make_user("student")
    _buy(deliver, course, user, int(time.time()) - 50)
    assert _sees_content(gateway, course, token)
    resp = deliver(make_event("charge.refunded", _charge(4999), event_id="evt_refund_full"))
    assert (resp.status_code, resp.json["outcome"]) == (200, "processed")
    assert _status(course, user) == "refunded"
    [purchase] = docs("Purchase")
    assert (purchase["status"], purchase["amount_refunded"]) == ("refunded", 4999)
    assert not _sees_content(gateway, course, token)
    [change] = docs("AccessChange")
    assert (change["from_status"], change["to_status"], change["cause"], change["stripe_event_id"]) == (
        "active",
        "refunded",
        "refund",
        "evt_refund_full",
    )
    # Admins see the change; the student does not.
    _, admin = make_user("admin")
    listed = gateway.get(f"{BASE}/AccessChange", headers=bearer(admin))
    assert listed.status_code == 200 and [c["id"] for c in listed.get_json()] == [change["id"]]
    assert gateway.get(f"{BASE}/AccessChange", headers=bearer(token)).status_code == 403


def test_partial_refund_keeps_access_and_records_the_amount(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    _buy(deliver, course, user, int(time.time()) - 50)
    from entities import store

    assert store.get("Course", course["id"])["total_students"] == 1  # counted once, on the purchase
    deliver(make_event("charge.refunded", _charge(1000)))
    assert _status(course, user) == "active"
    [purchase] = docs("Purchase")
    assert (purchase["status"], purchase["amount_refunded"]) == ("paid", 1000)
    assert docs("AccessChange") == []
    # A second partial refund reaching the whole amount ends it.
    deliver(make_event("refund.updated", _refund("succeeded", 1000, "re_a")))
    deliver(make_event("refund.updated", _refund("succeeded", 3999, "re_b")))
    assert _status(course, user) == "refunded"


REFUND_EVENTS = [
    ("refund.created", _refund("pending")),
    ("refund.updated", _refund("succeeded")),
    ("charge.refunded", _charge(4999)),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_refund_events_in_any_order_and_replayed_end_access_once(stripe_server, make_user, make_course, deliver, order):
    course = make_course()
    user, _ = make_user("student")
    t0 = int(time.time()) - 100
    _buy(deliver, course, user, t0)
    events = [make_event(kind, obj, created=t0 + 10 + i) for i, (kind, obj) in enumerate(REFUND_EVENTS)]
    for index in order:
        assert deliver(events[index]).status_code == 200
    for index in order:  # every event delivered again
        assert deliver(events[index]).json["outcome"] == "duplicate"
    assert _status(course, user) == "refunded"
    assert len(docs("AccessChange")) == 1
    [state] = docs("PaymentState")
    assert state["refunds"]["re_1"]["status"] == "succeeded" and state["standing"] == "ended"


def test_refund_reported_before_the_purchase_grants_nothing(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    t0 = int(time.time()) - 100
    deliver(make_event("charge.refunded", _charge(4999), created=t0 + 20))
    _buy(deliver, course, user, t0)  # the checkout event arrives last
    assert docs("Enrollment") == []
    assert docs("Purchase")[0]["status"] == "refunded"


def test_dispute_suspends_then_a_win_restores(stripe_server, make_user, make_course, deliver, gateway):
    course = _lesson_course(make_course)
    user, token = make_user("student")
    t0 = int(time.time()) - 100
    _buy(deliver, course, user, t0)
    created = make_event("charge.dispute.created", _dispute("needs_response"), created=t0 + 10)
    deliver(created)
    assert _status(course, user) == "suspended" and not _sees_content(gateway, course, token)
    deliver(make_event("charge.dispute.updated", _dispute("under_review"), created=t0 + 20))
    deliver(make_event("charge.dispute.closed", _dispute("won"), created=t0 + 30))
    assert _status(course, user) == "active" and _sees_content(gateway, course, token)
    # A late copy of the opening (a new event id for the same state) suspends nothing.
    deliver(make_event("charge.dispute.updated", _dispute("needs_response"), created=t0 + 5))
    assert _status(course, user) == "active"
    causes = sorted((c["from_status"], c["to_status"], c["cause"]) for c in docs("AccessChange"))
    assert causes == [("active", "suspended", "dispute_opened"), ("suspended", "active", "dispute_won")]


def test_dispute_closed_before_created_never_suspends(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    t0 = int(time.time()) - 100
    _buy(deliver, course, user, t0)
    deliver(make_event("charge.dispute.closed", _dispute("won"), created=t0 + 30))
    deliver(make_event("charge.dispute.created", _dispute("needs_response"), created=t0 + 10))
    assert _status(course, user) == "active"
    assert docs("AccessChange") == []


def test_lost_dispute_ends_access_for_good(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    t0 = int(time.time()) - 100
    _buy(deliver, course, user, t0)
    deliver(make_event("charge.dispute.created", _dispute("needs_response"), created=t0 + 10))
    deliver(make_event("charge.dispute.closed", _dispute("lost"), created=t0 + 30))
    assert _status(course, user) == "refunded" and docs("Purchase")[0]["status"] == "refunded"
    deliver(make_event("charge.dispute.updated", _dispute("under_review"), created=t0 + 40))
    assert _status(course, user) == "refunded"
    assert [c["cause"] for c in sorted(docs("AccessChange"), key=lambda c: c["created_date"])] == [
        "dispute_opened",
        "dispute_lost",
    ]


def test_dispute_opened_before_the_purchase_grants_suspended_access(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    t0 = int(time.time()) - 100
    deliver(make_event("charge.dispute.created", _dispute("needs_response"), created=t0 + 10))
    _buy(deliver, course, user, t0)
    assert _status(course, user) == "suspended"
    deliver(make_event("charge.dispute.closed", _dispute("won"), created=t0 + 30))
    assert _status(course, user) == "active"


def test_refund_touches_only_the_access_that_payment_granted(stripe_server, make_user, make_course, deliver, gateway):
    bought = make_course(title="Bought")
    other = make_course(title="Other", price=0)
    user, token = make_user("student")
    enrolled = gateway.post(f"{BASE}/Enrollment", json={"course_id": other["id"]}, headers=bearer(token))
    assert enrolled.status_code == 201
    _buy(deliver, bought, user, int(time.time()) - 50)
    deliver(make_event("charge.refunded", _charge(4999)))
    assert (_status(bought, user), _status(other, user)) == ("refunded", "active")


# --- subscriptions ---------------------------------------------------------------------


def _subscribe(deliver: Any, user: dict[str, Any], at: int, plan: str = "plan_monthly") -> None:
    sub = subscription_object(user, "active")
    sub["metadata"]["plan"] = plan
    assert deliver(make_event("customer.subscription.created", sub, created=at)).json["outcome"] == "processed"


def test_premium_plan_enrolls_in_paid_courses_and_its_end_takes_only_that_access(
    stripe_server, make_user, make_course, deliver, gateway
):
    via_plan = _lesson_course(make_course, title="Plan")
    bought = make_course(title="Bought")
    user, token = make_user("student")
    t0 = int(time.time()) - 100
    refused = gateway.post(f"{BASE}/Enrollment", json={"course_id": via_plan["id"]}, headers=bearer(token))
    assert (
        refused.status_code == 403 and refused.get_json()["message"] == "This course is paid: enroll through checkout"
    )
    _subscribe(deliver, user, t0)
    enrolled = gateway.post(f"{BASE}/Enrollment", json={"course_id": via_plan["id"]}, headers=bearer(token))
    assert enrolled.status_code == 201 and enrolled.get_json()["source"] == "subscription"
    assert _sees_content(gateway, via_plan, token)
    _buy(deliver, bought, user, t0 + 5)
    deleted = subscription_object(user, "canceled", canceled_at=t0 + 20)
    gone = make_event("customer.subscription.deleted", deleted, created=t0 + 20, event_id="evt_sub_gone")
    assert deliver(gone).json["outcome"] == "processed"
    assert (_status(via_plan, user), _status(bought, user)) == ("expired", "active")
    assert not _sees_content(gateway, via_plan, token)
    [change] = docs("AccessChange")
    assert (change["cause"], change["stripe_event_id"], change["stripe_subscription_id"]) == (
        "subscription_ended",
        "evt_sub_gone",
        "sub_test_1",
    )
    # An older 'active' update arriving late, and a replay, give nothing back.
    late = make_event("customer.subscription.updated", subscription_object(user, "active"), created=t0 + 10)
    assert deliver(late).json["outcome"] == "stale"
    assert deliver(gone).json["outcome"] == "duplicate"
    assert _status(via_plan, user) == "expired" and len(docs("AccessChange")) == 1


def test_unpaid_after_retries_ends_and_payment_restores(stripe_server, make_user, make_course, deliver, gateway):
    course = make_course()
    user, token = make_user("student")
    t0 = int(time.time()) - 100
    _subscribe(deliver, user, t0)
    gateway.post(f"{BASE}/Enrollment", json={"course_id": course["id"]}, headers=bearer(token))
    deliver(make_event("invoice.payment_failed", {"id": "in_1", "subscription": "sub_test_1"}, created=t0 + 10))
    assert _status(course, user) == "active"  # past_due: Stripe is still retrying
    unpaid = make_event("customer.subscription.updated", subscription_object(user, "unpaid"), created=t0 + 20)
    deliver(unpaid)
    assert _status(course, user) == "expired"
    paid = {"id": "in_2", "subscription": "sub_test_1", "lines": {"data": [{"period": {"end": t0 + 9999}}]}}
    deliver(make_event("invoice.paid", paid, created=t0 + 30))
    assert _status(course, user) == "active"
    assert [c["cause"] for c in sorted(docs("AccessChange"), key=lambda c: c["created_date"])] == [
        "subscription_ended",
        "subscription_resumed",
    ]


def test_access_of_a_subscription_ends_with_it_even_before_any_event(make_user, make_course, gateway, db):
    from entities import store

    course = _lesson_course(make_course)
    user, token = make_user("student")
    store.create(
        "Subscription",
        {"user_email": user["email"], "plan": "annual", "status": "active"},
        created_by=None,
        id="sub_direct",
    )
    gateway.post(f"{BASE}/Enrollment", json={"course_id": course["id"]}, headers=bearer(token))
    assert _sees_content(gateway, course, token)
    store.update("Subscription", "sub_direct", {"status": "canceled"})
    assert not _sees_content(gateway, course, token)


def test_free_tier_holds_three_active_free_courses(make_user, make_course, gateway, db, monkeypatch):
    courses = [make_course(title=f"Free {i}", price=0) for i in range(5)]
    _, token = make_user("student")
    answers = [
        gateway.post(f"{BASE}/Enrollment", json={"course_id": c["id"]}, headers=bearer(token)).status_code
        for c in courses[:4]
    ]
    assert answers == [201, 201, 201, 403]
    monkeypatch.setenv("FREE_TIER_COURSE_LIMIT", "4")
    assert (
        gateway.post(f"{BASE}/Enrollment", json={"course_id": courses[3]["id"]}, headers=bearer(token)).status_code
        == 201
    )
    assert (
        gateway.post(f"{BASE}/Enrollment", json={"course_id": courses[4]["id"]}, headers=bearer(token)).status_code
        == 403
    )
