"""The 7P surface's mechanics: its error envelope and codes, tokens of either surface, limits, quotas."""

from __future__ import annotations

import time
from typing import Any

import pytest

from entities import store
from shared import ratelimit
from tests.rest.conftest import API, Clock, bearer, login

BASE44 = "/api/apps/sparkacademy"


def _fields(body: dict[str, Any]) -> list[str]:
    return [f["field"] for f in body["details"]["fields"]]


def test_bad_input_answers_the_seven_p_envelope_with_validation_error(gateway: Any) -> None:
    resp = gateway.post(f"{API}/auth/login", json={"email": "a@example.test"})
    body = resp.get_json()
    assert resp.status_code == 400
    assert body["success"] is False and body["code"] == "VALIDATION_ERROR"
    assert isinstance(body["error"], str) and _fields(body) == ["password"]
    assert "timestamp" not in body  # the Base44 envelope's own field


def test_unknown_paths_and_methods_answer_in_the_envelope_of_their_surface(gateway: Any) -> None:
    seven_p = gateway.get(f"{API}/auth/no-such-thing")
    assert seven_p.status_code == 404
    assert seven_p.get_json()["success"] is False and seven_p.get_json()["code"] == "NOT_FOUND"
    wrong_verb = gateway.get(f"{API}/auth/login")
    assert wrong_verb.status_code == 405 and wrong_verb.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert wrong_verb.headers["Allow"] == "POST"
    base44 = gateway.get(f"{BASE44}/no-such-thing")
    assert base44.status_code == 404
    assert base44.get_json()["code"] == "RESOURCE_NOT_FOUND" and "success" not in base44.get_json()


def test_a_token_of_either_surface_is_accepted_by_both(gateway: Any, account: Any) -> None:
    user = account()
    base44_token = gateway.post(
        f"{BASE44}/auth/login", json={"email": user["email"], "password": "Seven-Pass-1"}
    ).get_json()["access_token"]
    seven_p_token = login(gateway, user["email"]).get_json()["access_token"]
    for token in (base44_token, seven_p_token):
        assert gateway.get(f"{API}/auth/sessions", headers=bearer(token)).status_code == 200
        me = gateway.get(f"{BASE44}/entities/User/me", headers=bearer(token))
        assert me.status_code == 200 and me.get_json()["id"] == user["id"]


def test_no_token_and_expired_tokens_answer_their_codes(gateway: Any, account: Any, clock: Clock) -> None:
    user = account()
    token = login(gateway, user["email"]).get_json()["access_token"]
    missing = gateway.get(f"{API}/auth/sessions")
    assert (missing.status_code, missing.get_json()["code"]) == (401, "AUTH_REQUIRED")
    clock.advance(3599)  # access tokens of this surface live an hour
    assert gateway.get(f"{API}/auth/sessions", headers=bearer(token)).status_code == 200
    clock.advance(2)
    expired = gateway.get(f"{API}/auth/sessions", headers=bearer(token))
    assert (expired.status_code, expired.get_json()["code"]) == (401, "AUTH_TOKEN_EXPIRED")
    on_base44 = gateway.get(f"{BASE44}/entities/User/me", headers=bearer(token))
    assert (on_base44.status_code, on_base44.get_json()["code"]) == (401, "AUTH_REQUIRED")


def test_wrong_password_is_auth_invalid_credentials(gateway: Any, account: Any) -> None:
    user = account()
    resp = login(gateway, user["email"], "Wrong-Pass-1")
    assert resp.status_code == 401
    assert resp.get_json() == {
        "success": False,
        "error": "Invalid email or password",
        "code": "AUTH_INVALID_CREDENTIALS",
        "details": {},
    }


def test_calls_count_against_one_hundred_a_minute_per_caller(
    gateway: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = account()
    token = login(gateway, user["email"]).get_json()["access_token"]
    assert ratelimit.LIMITS["rest"].limit == 100 and ratelimit.LIMITS["rest.payments"].limit == 10
    other = login(gateway, account("other@example.test")["email"]).get_json()["access_token"]
    assert gateway.get(f"{API}/auth/sessions", headers=bearer(other)).headers["X-RateLimit-Limit"] == "100"
    monkeypatch.setitem(ratelimit.LIMITS, "rest", ratelimit.Limit("rest", 3, 60))
    statuses = [gateway.get(f"{API}/auth/sessions", headers=bearer(token)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = gateway.get(f"{API}/auth/sessions", headers=bearer(token))
    assert refused.get_json()["code"] == "RATE_LIMIT_EXCEEDED" and "Retry-After" in refused.headers


def test_sign_in_is_limited_per_address_to_five_in_fifteen_minutes(gateway: Any, account: Any) -> None:
    user = account()
    statuses = [login(gateway, user["email"], ip="10.0.0.7").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = login(gateway, user["email"], ip="10.0.0.7")
    assert refused.get_json()["code"] == "AUTH_RATE_LIMIT_EXCEEDED"
    # Windows are fixed 15-minute spans of the clock: the wait is what is left of this one.
    window_end = (int(time.time()) // 900 + 1) * 900
    assert abs(int(refused.headers["Retry-After"]) - (window_end - time.time())) <= 2
    assert login(gateway, user["email"], ip="10.0.0.8").status_code == 200  # another address


def test_register_is_limited_per_address_to_three_an_hour(gateway: Any) -> None:
    def register(n: int) -> Any:
        body = {"email": f"new{n}@example.test", "password": "Fresh-Pass-9", "full_name": "New"}
        return gateway.post(f"{API}/auth/register", json=body, environ_base={"REMOTE_ADDR": "10.0.0.9"})

    statuses = [register(n).status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert register(9).get_json()["code"] == "AUTH_RATE_LIMIT_EXCEEDED"


def _subscribe(user: dict[str, Any], plan: str, status: str = "active") -> None:
    store.create(
        "Subscription",
        {"user_email": user["email"], "user_id": user["id"], "plan": plan, "status": status},
        created_by=user["email"],
    )


@pytest.mark.parametrize(
    ("plan", "status", "allowed"),
    [(None, None, 2), ("monthly", "canceled", 2), ("annual", "active", 4), ("enterprise", "active", None)],
)
def test_daily_quota_follows_the_active_subscription_tier(
    gateway: Any,
    account: Any,
    monkeypatch: pytest.MonkeyPatch,
    plan: str | None,
    status: str | None,
    allowed: int | None,
) -> None:
    assert (ratelimit.LIMITS["quota.free"].limit, ratelimit.LIMITS["quota.premium"].limit) == (1_000, 10_000)
    monkeypatch.setitem(ratelimit.LIMITS, "quota.free", ratelimit.Limit("quota.free", 2, 24 * 3600))
    monkeypatch.setitem(ratelimit.LIMITS, "quota.premium", ratelimit.Limit("quota.premium", 4, 24 * 3600))
    user = account()
    if plan:
        _subscribe(user, plan, str(status))
    token = login(gateway, user["email"]).get_json()["access_token"]
    answers = [gateway.get(f"{API}/auth/sessions", headers=bearer(token)) for _ in range(6)]
    statuses = [a.status_code for a in answers]
    if allowed is None:
        assert statuses == [200] * 6
        assert answers[0].headers["X-RateLimit-Limit"] == "100"
        return
    assert statuses == [200] * allowed + [429] * (6 - allowed)
    assert answers[0].headers["X-RateLimit-Limit"] == str(allowed)
    assert answers[-1].get_json()["code"] == "RATE_LIMIT_EXCEEDED"
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"
