"""The 7P Education REST seed document (001): every curl and HTTP example, with its request
body as written, as plain HTTP against `make dev` with its demo data. Each test is one
example, named after its section."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.seeds.conftest import ADMIN, SeedPlatform

# One platform per module, its examples in the order the seed gives them (later ones read earlier ones' data).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_seed_001_rest")]

EMAIL, PASSWORD = "student@example.com", "SecurePassword123!"


def call(seed: SeedPlatform, method: str, path: str, token: str | None = None, **kw: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{seed.url}{path}", headers=headers, timeout=30, **kw)


@pytest.fixture(scope="module")
def registered(seed: SeedPlatform) -> requests.Response:
    """Authentication API / Register User, with the seed's request body."""
    body = {"email": EMAIL, "password": PASSWORD, "full_name": "John Doe", "phone": "+905550000000"}
    return call(seed, "POST", "/api/auth/register", json=body)


@pytest.fixture
def token(seed: SeedPlatform, registered: requests.Response) -> str:
    """Login User: the seed's curl, as written."""
    assert registered.status_code == 201, registered.text
    answer = call(seed, "POST", "/api/auth/login", json={"email": EMAIL, "password": PASSWORD, "remember_me": True})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_authentication_register_user(registered: requests.Response) -> None:
    body = registered.json()
    assert (body["success"], body["message"]) == (True, "Registration successful. Please verify your email.")
    assert body["user_id"].startswith("usr_")


def test_authentication_login_user_curl(seed: SeedPlatform, registered: requests.Response) -> None:
    answer = call(
        seed,
        "POST",
        "/api/auth/login",
        json={"email": "student@example.com", "password": "SecurePassword123!", "remember_me": True},
    )
    body = answer.json()
    assert answer.status_code == 200 and body["success"] is True, body
    assert body["access_token"] and body["refresh_token"]
    assert {"id", "email", "name", "role", "mfa_enabled"} <= set(body["user"])
    assert (body["user"]["email"], body["user"]["name"], body["user"]["mfa_enabled"]) == (EMAIL, "John Doe", False)


def test_authentication_logout_user(seed: SeedPlatform, token: str) -> None:
    answer = call(seed, "POST", "/api/auth/logout", token)
    assert answer.json() == {"success": True, "message": "Logged out successfully"}
    assert call(seed, "GET", "/api/courses", token).status_code == 401


def test_authentication_refresh_token(seed: SeedPlatform, registered: requests.Response) -> None:
    login = call(seed, "POST", "/api/auth/login", json={"email": EMAIL, "password": PASSWORD}).json()
    answer = call(seed, "POST", "/api/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["success"] is True and answer.json()["access_token"] and answer.json()["expires_in"] > 0


def test_authentication_reset_password(seed: SeedPlatform, registered: requests.Response) -> None:
    answer = call(seed, "POST", "/api/auth/reset-password", json={"email": EMAIL})
    assert answer.json() == {"success": True, "message": "Password reset email sent"}


def test_courses_get_course_details(seed: SeedPlatform, token: str) -> None:
    answer = call(seed, "GET", "/api/courses/crs_def456", token)
    course = answer.json()["course"]
    assert answer.status_code == 200 and course["id"] == "crs_def456"
    assert (course["price"], course["is_free"], course["duration_hours"]) == (29.99, False, 0.5)
    lesson = course["modules"][0]["lessons"][0]
    assert (lesson["id"], lesson["type"], lesson["is_completed"]) == ("les_abc123", "text", False)
    assert {"display_name", "bio", "avatar_url"} <= set(course["instructor"])


def test_courses_enroll_in_course_free(seed: SeedPlatform, token: str) -> None:
    answer = call(seed, "POST", "/api/courses/crs_mno345/enroll", token)
    body = answer.json()
    assert answer.status_code == 201 and body["success"] is True, body
    assert body["message"] == "Successfully enrolled in course"
    assert body["enrollment"]["course_id"] == "crs_mno345"


def test_courses_get_user_courses(seed: SeedPlatform, token: str) -> None:
    call(seed, "POST", "/api/courses/crs_mno345/enroll", token)
    answer = call(seed, "GET", "/api/courses", token)
    [course] = answer.json()["courses"]
    assert (course["id"], course["progress"]) == ("crs_mno345", 0)
    assert {"enrolled_at", "last_accessed", "instructor", "category", "duration_hours"} <= set(course)


def _free_lesson(seed: SeedPlatform, token: str, index: int) -> str:
    call(seed, "POST", "/api/courses/crs_mno345/enroll", token)
    detail = call(seed, "GET", "/api/courses/crs_mno345", token).json()["course"]
    return str(detail["modules"][0]["lessons"][index]["id"])


def test_courses_update_course_progress(seed: SeedPlatform, token: str) -> None:
    lesson_id = _free_lesson(seed, token, 0)
    body = {"lesson_id": lesson_id, "progress_percentage": 100, "completed": True, "time_spent_seconds": 300}
    answer = call(seed, "PUT", "/api/courses/crs_mno345/progress", token, json=body)
    progress = answer.json()["updated_progress"]
    assert answer.status_code == 200 and answer.json()["success"] is True, answer.text
    assert (progress["course_progress"], progress["lesson_progress"], progress["completed_lessons"]) == (50, 100, 1)


def test_lessons_update_lesson_progress(seed: SeedPlatform, token: str) -> None:
    lesson_id = _free_lesson(seed, token, 1)
    body = {"progress_percentage": 40, "time_spent_seconds": 120, "completed": False, "notes": "Halfway"}
    answer = call(seed, "POST", f"/api/lessons/{lesson_id}/progress", token, json=body)
    progress = answer.json()["lesson_progress"]
    assert answer.status_code == 200, answer.text
    assert (progress["lesson_id"], progress["progress_percentage"]) == (lesson_id, 40)


def test_marketplace_get_marketplace_courses(seed: SeedPlatform, token: str) -> None:
    query = {"category": "programming", "level": "beginner", "sort": "price", "page": 1, "limit": 50}
    answer = call(seed, "GET", "/api/marketplace", token, params=query)
    body = answer.json()
    assert answer.status_code == 200, body
    by_id = {c["id"]: c for c in body["courses"]}
    assert {"crs_abc123", "crs_def456", "crs_mno345"} <= set(by_id)
    assert by_id["crs_def456"]["duration_hours"] == 0.5  # as the course detail says
    assert by_id["crs_mno345"]["is_free"] is True
    assert {"current_page", "total_pages", "total_items", "has_next", "has_prev"} <= set(body["pagination"])


def test_payments_create_checkout_session(seed: SeedPlatform, token: str) -> None:
    for body in ({"type": "course", "courseId": "crs_abc123"}, {"type": "subscription", "planId": "plan_monthly"}):
        answer = call(seed, "POST", "/api/payments/create-checkout-session", token, json=body)
        assert answer.status_code == 200, answer.text
        assert re.search(r"/dev/checkout/" + answer.json()["sessionId"] + "$", answer.json()["url"])


def test_payments_create_payment_intent(seed: SeedPlatform, token: str) -> None:
    """`course_id?` optional: a payment of the client's amount; with the course, the course's price."""
    custom = call(seed, "POST", "/api/payments/create-payment-intent", token, json={"amount": 5000, "currency": "try"})
    assert custom.status_code == 200, custom.text
    assert custom.json()["client_secret"] and custom.json()["payment_intent_id"].startswith("pi_")
    body = {"amount": 4999, "currency": "usd", "course_id": "crs_abc123", "metadata": {"source": "web"}}
    course = call(seed, "POST", "/api/payments/create-payment-intent", token, json=body)
    assert course.status_code == 200, course.text


def _bought(seed: SeedPlatform, token: str) -> None:
    body = {"type": "course", "courseId": "crs_def456", "successUrl": "https://7peducation.com/ok"}
    opened = call(seed, "POST", "/api/payments/create-checkout-session", token, json=body).json()
    seed.paid_checkout(opened["url"])
    call(
        seed,
        "POST",
        "/api/apps/sparkacademy/functions/verifyStripeSession",
        token,
        json={"sessionId": opened["sessionId"]},
    )


def test_payments_get_payment_history(seed: SeedPlatform, token: str) -> None:
    _bought(seed, token)
    answer = call(seed, "GET", "/api/payments/history", token, params={"page": 1, "limit": 20, "status": "succeeded"})
    payments = answer.json()["payments"]
    assert answer.status_code == 200 and payments, answer.text
    bought = next(p for p in payments if p.get("course") and p["course"]["id"] == "crs_def456")
    assert (bought["amount"], bought["currency"], bought["status"]) == (2999, "usd", "succeeded")  # cents


def test_payments_get_customer_portal(seed: SeedPlatform, token: str) -> None:
    opened = call(
        seed, "POST", "/api/payments/create-checkout-session", token, json={"type": "course", "courseId": "crs_abc123"}
    )
    assert opened.status_code == 200, opened.text  # the caller has a Stripe customer now
    answer = call(seed, "POST", "/api/payments/customer-portal", token)
    assert answer.status_code == 200 and re.search(r"/dev/portal/bps_\w+$", answer.json()["url"]), answer.text


def test_payments_get_subscriptions(seed: SeedPlatform, token: str) -> None:
    answer = call(seed, "GET", "/api/payments/subscriptions", token)
    assert answer.status_code == 200 and isinstance(answer.json()["subscriptions"], list)


def test_admin_refund_payment(seed: SeedPlatform) -> None:
    buyer = seed.new_student("refund-me@example.com")
    _bought(seed, buyer)
    admin = seed.token(ADMIN)
    purchases = seed.dev.api(
        "GET", "/entities/Purchase", admin, params={"q": '{"user_email": "refund-me@example.com"}'}
    )
    intent = purchases.json()[0]["stripe_payment_intent_id"]
    body = {"payment_intent_id": intent, "amount": 1000, "reason": "requested_by_customer"}
    answer = call(seed, "POST", "/api/admin/payments/refund", admin, json=body)
    assert answer.status_code == 200, answer.text
    refund = answer.json()["refund"]
    assert answer.json()["success"] is True and refund["amount"] == 1000 and refund["id"].startswith("re_")


def test_webhooks_stripe_webhook_refuses_an_unsigned_event_in_the_7p_envelope(seed: SeedPlatform) -> None:
    answer = call(seed, "POST", "/api/webhooks/stripe", data=b'{"type": "payment_intent.succeeded"}')
    body = answer.json()
    assert answer.status_code == 400 and body["success"] is False and body["code"] == "VALIDATION_ERROR", body


def test_error_handling_error_response_format(seed: SeedPlatform) -> None:
    answer = call(seed, "POST", "/api/auth/login", json={"email": EMAIL})
    assert answer.status_code == 400
    assert answer.json()["success"] is False and {"error", "code"} <= set(answer.json())


def test_testing_postman_collection(seed: SeedPlatform) -> None:
    answer = call(seed, "GET", "/api/postman-collection.json")
    assert answer.status_code == 200 and answer.json()["item"]


def test_additional_resources_documentation_tools(seed: SeedPlatform) -> None:
    for path in ("/api/docs", "/api/redoc", "/api/openapi.json"):
        assert call(seed, "GET", path).status_code == 200, path
