"""Rate limits shared through Firestore: exact under concurrency, documented headers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from shared import ratelimit
from tests.helpers import bearer


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
    # A different address each time: the per-account lockout would answer 423 from the sixth.
    statuses = [
        requests.post(url, json={"email": f"who{n}@example.test", "password": "Wrong-pass-1"}, timeout=30).status_code
        for n in range(12)
    ]
    assert statuses == [401] * 10 + [429] * 2


def _calls_admitted(limiter: ratelimit.Limiter, calls: int, key: str, now: float) -> int:
    admitted = 0
    for _ in range(calls):
        try:
            limiter.hit(("entity",), key, now=now)
            admitted += 1
        except ratelimit.RateLimitedError:
            pass
    return admitted


def test_a_roomy_window_is_leased_so_most_calls_cost_no_round_trip(db: Any, mocker: Any) -> None:
    # GIVEN the entity limit of 100 a minute and one instance
    spy = mocker.spy(type(db.batch()), "commit")
    limiter = ratelimit.Limiter()
    # WHEN one caller makes 130 calls in one window
    admitted = _calls_admitted(limiter, 130, "user:lease", now=3_000_000.0)
    # THEN exactly 100 are admitted with about one commit per three calls, refusals cost none,
    # and the shared count says 100 or more
    assert admitted == 100
    assert spy.call_count <= 40
    count = db.collection("_rate_limits").document("entity:user:lease:3000000").get().to_dict()["count"]
    assert count >= 100


def test_remaining_counts_down_one_call_at_a_time_through_leases(db: Any) -> None:
    limiter = ratelimit.Limiter()
    remaining = [limiter.hit(("entity",), "user:rem", now=3_000_000.0).remaining for _ in range(100)]  # type: ignore[union-attr]
    assert remaining == list(range(99, -1, -1))


def test_instances_sharing_the_counters_never_admit_more_than_the_limit(db: Any) -> None:
    # GIVEN three instances (each with its own leases) and one caller spread over all of them
    instances = [ratelimit.Limiter() for _ in range(3)]

    def burst(limiter: ratelimit.Limiter) -> int:
        return _calls_admitted(limiter, 60, "user:spread", now=3_000_000.0)

    # WHEN 180 calls arrive at once, 60 on each instance
    with ThreadPoolExecutor(max_workers=3) as pool:
        admitted = sum(pool.map(burst, instances))
    # THEN no more than the limit get through, and leases strand at most a few calls
    assert 100 - 2 * ratelimit.MAX_LEASE <= admitted <= 100


def test_parallel_calls_on_one_instance_admit_exactly_a_roomy_limit(db: Any) -> None:
    limiter = ratelimit.Limiter()

    def call(_: int) -> bool:
        try:
            limiter.hit(("entity",), "user:par", now=3_000_000.0)
            return True
        except ratelimit.RateLimitedError:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(call, range(140)))
    assert outcomes.count(True) == 100


def test_tight_limits_are_never_leased(db: Any, mocker: Any) -> None:
    spy = mocker.spy(type(db.batch()), "commit")
    limiter = ratelimit.Limiter()
    for _ in range(10):
        limiter.hit(("payments",), "user:tight", now=3_000_000.0)
    assert spy.call_count == 10


def test_a_lease_granted_in_part_counts_down_only_what_it_holds(db: Any) -> None:
    # GIVEN an instance that last saw a roomy window
    limiter = ratelimit.Limiter()
    limiter.hit(("entity",), "user:part", now=3_000_000.0)
    # WHEN other instances take the window to 97 calls before its next one (it asks a lease of 12)
    db.collection("_rate_limits").document("entity:user:part:3000000").set({"count": 97})
    verdicts = [limiter.hit(("entity",), "user:part", now=3_000_000.0) for _ in range(3)]
    # THEN it gets the 3 calls left, says 2, 1, 0 remain, and refuses the next without asking
    assert [v.remaining for v in verdicts] == [2, 1, 0]  # type: ignore[union-attr]
    try:
        limiter.hit(("entity",), "user:part", now=3_000_000.0)
        raise AssertionError("the window is spent")
    except ratelimit.RateLimitedError:
        pass
    assert db.collection("_rate_limits").document("entity:user:part:3000000").get().to_dict()["count"] == 109
