"""Rate limits shared through Firestore: exact under concurrency, documented headers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from shared import ratelimit
from tests.conftest import bearer


def test_parallel_calls_from_one_user_let_exactly_the_limit_through(live_gateway: str, make_user: Any) -> None:
    # GIVEN an admin and the payments limit of 10 a minute on listPaidUsers
    _, token = make_user("admin")
    url = f"{live_gateway}/api/apps/sparkacademy/functions/listPaidUsers"

    def call(_: int) -> requests.Response:
        return requests.post(url, json={}, headers=bearer(token), timeout=30)

    # WHEN 25 calls arrive at once
    with ThreadPoolExecutor(max_workers=25) as pool:
        responses = list(pool.map(call, range(25)))
    # THEN exactly 10 succeed and the rest get the 429 envelope with Retry-After
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429] * 15
    refused = next(r for r in responses if r.status_code == 429)
    body = refused.json()
    assert (body["code"], body["message"]) == ("RATE_LIMIT_EXCEEDED", "Rate limit exceeded; try again later")
    assert refused.headers["X-RateLimit-Limit"] == "10" and refused.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    remaining = sorted(int(r.headers["X-RateLimit-Remaining"]) for r in responses if r.status_code == 200)
    assert remaining == list(range(10))


def test_limits_are_per_user_and_per_ip_for_anonymous(db: Any) -> None:
    for _ in range(10):
        ratelimit.hit(("auth",), "user:a", now=1_000_000.0)
    verdict = ratelimit.hit(("auth",), "user:b", now=1_000_000.0)
    assert verdict is not None and (verdict.limit, verdict.remaining, verdict.reset) == (10, 9, 1_000_020)
    try:
        ratelimit.hit(("auth",), "user:a", now=1_000_000.0)
        raise AssertionError("the 11th call must be refused")
    except ratelimit.RateLimitedError as exc:
        assert exc.headers["Retry-After"] == "20"
    # the next window starts afresh
    assert ratelimit.hit(("auth",), "user:a", now=1_000_020.0).remaining == 9  # type: ignore[union-attr]


def test_several_limits_cost_one_round_trip_and_report_the_tightest(db: Any, mocker: Any) -> None:
    spy = mocker.spy(type(db.batch()), "commit")
    verdict = ratelimit.hit(("ai", "generateContentUpdates"), "user:c", now=2_000_000.0)
    assert spy.call_count == 1
    assert verdict is not None and (verdict.limit, verdict.remaining) == (3, 2)
    counters = {d.id.split(":")[0]: d.to_dict()["count"] for d in db.collection("_rate_limits").stream()}
    assert counters == {"ai": 1, "generateContentUpdates": 1}


def test_successful_calls_carry_rate_limit_headers(gateway: Any, make_user: Any) -> None:
    _, token = make_user("student")
    resp = gateway.get("/api/apps/sparkacademy/entities/Course", headers=bearer(token))
    assert resp.status_code == 200
    assert (resp.headers["X-RateLimit-Limit"], resp.headers["X-RateLimit-Remaining"]) == ("100", "99")
    assert int(resp.headers["X-RateLimit-Reset"]) % 60 == 0


def test_auth_routes_limit_anonymous_callers_by_address(live_gateway: str, db: Any) -> None:
    url = f"{live_gateway}/api/apps/sparkacademy/auth/login"
    statuses = [
        requests.post(url, json={"email": "who@example.test", "password": "Wrong-pass-1"}, timeout=30).status_code
        for _ in range(12)
    ]
    assert statuses == [401] * 10 + [429] * 2
