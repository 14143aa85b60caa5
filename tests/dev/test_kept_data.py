"""Stopping and starting `make dev` keeps accounts, tokens, purchases and the local Stripe's objects."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from tests.dev.conftest import DevPlatform, start_platform


def buy(platform: DevPlatform, token: str) -> str:
    """Buy crs_abc123 through the local checkout page's form, as the browser posts it."""
    import requests

    checkout = platform.api(
        "POST",
        "/functions/createStripeCheckout",
        token,
        json={
            "courseId": "crs_abc123",
            "successUrl": "http://127.0.0.1:5173/s?id={CHECKOUT_SESSION_ID}",
            "cancelUrl": "http://127.0.0.1:5173/c",
        },
    )
    assert checkout.status_code == 200, checkout.text
    paid = requests.post(
        checkout.json()["url"],
        data={"card_number": "4242424242424242", "expiry": "12/34", "cvc": "123"},
        allow_redirects=False,
        timeout=30,
    )
    session_id: str = checkout.json()["sessionId"]
    assert (paid.status_code, paid.headers["Location"]) == (303, f"http://127.0.0.1:5173/s?id={session_id}")
    verified = platform.api("POST", "/functions/verifyStripeSession", token, json={"sessionId": session_id})
    assert verified.status_code == 200, verified.text
    return session_id


def test_a_restart_keeps_the_user_their_token_and_their_purchase(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_platform(data)
    try:
        registered = first.api(
            "POST", "/auth/register", json={"email": "kept@example.test", "password": "Passw0rd!x", "full_name": "Kit"}
        )
        assert registered.status_code in (200, 201), registered.text
        token = first.sign_in("kept@example.test", "Passw0rd!x")
        session_id = buy(first, token)
        me_before = first.api("GET", "/entities/User/me", token).json()
    finally:
        assert first.stop() == 0

    second = start_platform(data)
    try:
        me = second.api("GET", "/entities/User/me", token)  # the token issued before the restart
        assert me.status_code == 200, me.text
        assert me.json()["id"] == me_before["id"]
        assert second.sign_in("kept@example.test", "Passw0rd!x")
        purchases = second.api("GET", "/entities/Purchase", token).json()
        assert [p["id"] for p in purchases] == [f"pur_{session_id}"]
        enrollments = second.api("GET", "/entities/Enrollment", token).json()
        assert [(e["course_id"], e["status"]) for e in enrollments] == [("crs_abc123", "active")]
        # The local Stripe still knows the paid session: verifying it again answers the same enrollment.
        again = second.api("POST", "/functions/verifyStripeSession", token, json={"sessionId": session_id})
        assert again.status_code == 200, again.text
        assert again.json()["enrollment"]["id"] == enrollments[0]["id"]
        # Buying it again is refused: the purchase is known after the restart.
        refused = second.api(
            "POST",
            "/functions/createStripeCheckout",
            token,
            json={
                "courseId": "crs_abc123",
                "successUrl": "http://127.0.0.1:5173/s",
                "cancelUrl": "http://127.0.0.1:5173/c",
            },
        )
        assert (refused.status_code, refused.json()["details"]["reason"]) == (400, "already_enrolled")
        # The demo data was not made twice.
        courses = second.api("GET", "/entities/Course", token, params={"limit": 50}).json()
        assert sorted(c["id"] for c in courses if c["id"].startswith("crs_abc")) == ["crs_abc123"]
    finally:
        assert second.stop() == 0
    assert not any(re.search(r"Traceback", line) for line in first.output + second.output)


def test_real_stripe_keys_replace_the_local_stripe(tmp_path: Path) -> None:
    platform = start_platform(tmp_path / "data", STRIPE_SECRET_KEY="sk_test_from_the_developer")
    try:
        assert platform.printed(r"^Local Stripe server") is None
        page = requests.get(f"{platform.url}/dev/checkout/cs_test_abc", timeout=30)
        front = requests.get(f"{platform.url}/", timeout=30)
    finally:
        assert platform.stop() == 0
    assert page.status_code == 404
    assert "The local Stripe server is not in use (real Stripe keys)" in front.text
