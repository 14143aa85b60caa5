"""Every way into a course grants the enrollment alike: access ends by the course's `access_days`
(never by what the client sent), and the course counts the student in the same write."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from entities import store
from entities.enrollment import enrollment_id
from tests.helpers import bearer
from tests.payments.conftest import make_event
from tests.payments.test_webhook import session_object

ENTITIES = "/api/apps/sparkacademy/entities"


def _ends_in(enrollment: dict[str, Any], days: int) -> bool:
    until = datetime.fromisoformat(str(enrollment["access_until"]).replace("Z", "+00:00"))
    return abs(until - (datetime.now(UTC) + timedelta(days=days))) < timedelta(minutes=5)


def _enrollment(course: dict[str, Any], email: str) -> dict[str, Any]:
    return store.get("Enrollment", enrollment_id(course["id"], email))


def test_a_bought_course_honours_access_days(stripe_server, make_user, make_course, deliver):
    course = make_course(access_days=30)
    user, _ = make_user("student")
    event = make_event("checkout.session.completed", session_object([course["id"]], user), created=int(time.time()))
    assert deliver(event).json["outcome"] == "processed"
    enrollment = _enrollment(course, user["email"])
    assert (enrollment["source"], enrollment["status"]) == ("purchase", "active")
    assert _ends_in(enrollment, 30)
    assert store.get("Course", course["id"])["total_students"] == 1


def test_a_bought_course_without_access_days_is_for_good(stripe_server, make_user, make_course, deliver):
    course = make_course()
    user, _ = make_user("student")
    event = make_event("checkout.session.completed", session_object([course["id"]], user), created=int(time.time()))
    assert deliver(event).json["outcome"] == "processed"
    assert _enrollment(course, user["email"])["access_until"] is None


def test_a_repurchase_restores_access_for_a_new_period_and_counts_the_student_once(
    stripe_server, make_user, make_course, deliver
):
    course = make_course(access_days=10)
    user, _ = make_user("student")
    first = session_object([course["id"]], user)
    assert deliver(make_event("checkout.session.completed", first)).json["outcome"] == "processed"
    ended = store.update(
        "Enrollment",
        enrollment_id(course["id"], user["email"]),
        {"status": "refunded", "access_until": "2020-01-01T00:00:00.000000Z", "progress_percent": 40},
    )
    assert ended["status"] == "refunded"
    again = session_object([course["id"]], user, id="cs_test_again", payment_intent="pi_test_again")
    assert deliver(make_event("checkout.session.completed", again)).json["outcome"] == "processed"
    restored = _enrollment(course, user["email"])
    assert (restored["status"], restored["progress_percent"]) == ("active", 40)
    assert _ends_in(restored, 10)
    assert store.get("Course", course["id"])["total_students"] == 1


def test_base44_create_honours_access_days_and_counts_in_the_same_write(gateway, make_user, make_course):
    course = make_course(price=0, access_days=7)
    _, token = make_user("student")
    sent = {"course_id": course["id"], "access_until": "2099-01-01T00:00:00.000000Z", "purchase_id": "pur_x"}
    created = gateway.post(f"{ENTITIES}/Enrollment", json=sent, headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    assert _ends_in(created.get_json(), 7) and created.get_json()["purchase_id"] is None
    again = gateway.post(f"{ENTITIES}/Enrollment", json={"course_id": course["id"]}, headers=bearer(token))
    assert again.status_code == 409
    assert store.get("Course", course["id"])["total_students"] == 1  # the refused second one counts nothing


def test_rest_enroll_honours_access_days(gateway, make_user, make_course):
    course = make_course(price=0, access_days=14)
    user, token = make_user("student")
    enrolled = gateway.post(f"/api/courses/{course['id']}/enroll", headers=bearer(token))
    assert enrolled.status_code == 201, enrolled.get_json()
    assert _ends_in(enrolled.get_json()["enrollment"], 14)
    assert _ends_in(_enrollment(course, user["email"]), 14)
    assert store.get("Course", course["id"])["total_students"] == 1


def test_admin_bulk_create_grants_access_days_unless_the_admin_sets_an_end(gateway, make_user, make_course):
    course = make_course(access_days=3)
    (a, _), (b, _) = make_user("student"), make_user("student")
    _, admin = make_user("admin")
    items = [
        {"course_id": course["id"], "student_email": a["email"]},
        {"course_id": course["id"], "student_email": b["email"], "access_until": "2030-01-01T00:00:00.000000Z"},
    ]
    created = gateway.post(f"{ENTITIES}/Enrollment/bulk", json=items, headers=bearer(admin))
    assert created.status_code in (200, 201), created.get_json()
    assert _ends_in(_enrollment(course, a["email"]), 3)
    assert _enrollment(course, b["email"])["access_until"] == "2030-01-01T00:00:00.000000Z"
    assert _enrollment(course, a["email"])["source"] == "admin"
    assert store.get("Course", course["id"])["total_students"] == 2


def test_a_plans_enrollment_ends_with_the_plan_not_a_date(gateway, make_user, make_course):
    course = make_course(price=30, access_days=5)
    user, token = make_user("student")
    store.create(
        "Subscription",
        {"user_email": user["email"], "plan": "monthly", "status": "active"},
        created_by=None,
    )
    created = gateway.post(f"{ENTITIES}/Enrollment", json={"course_id": course["id"]}, headers=bearer(token))
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["source"], created.get_json()["access_until"]) == ("subscription", None)
