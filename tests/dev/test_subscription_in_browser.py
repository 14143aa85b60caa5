"""Subscriptions under `make dev`: the local checkout page subscribes, the local billing portal
cancels at the period's end and resumes, and each change reaches the product by signed webhook."""

from __future__ import annotations

import time
from typing import Any

from tests.browser import browser_page
from tests.dev.conftest import DevPlatform, new_student, pay

RETURN = "http://127.0.0.1:5173"


def subscription_record(platform: DevPlatform, token: str, expect: dict[str, Any]) -> dict[str, Any]:
    """The caller's Subscription once it shows `expect` (webhooks arrive a moment after the change)."""
    deadline = time.monotonic() + 20
    while True:
        found = platform.api("GET", "/entities/Subscription", token).json()
        if found and all(found[0].get(k) == v for k, v in expect.items()):
            return dict(found[0])
        assert time.monotonic() < deadline, found
        time.sleep(0.3)


def test_subscribe_then_cancel_and_resume_in_the_billing_portal(dev_platform: DevPlatform) -> None:
    email = new_student(dev_platform, "subscriber@example.test")
    token = dev_platform.sign_in(email, "Passw0rd!x")
    checkout = dev_platform.api(
        "POST",
        "/functions/createSubscriptionCheckout",
        token,
        json={"planId": "plan_monthly", "successUrl": f"{RETURN}/ok?s={{CHECKOUT_SESSION_ID}}", "cancelUrl": RETURN},
    )
    assert checkout.status_code == 200, checkout.text
    with browser_page() as page:
        page.route(f"{RETURN}/**", lambda route: route.fulfill(status=200, body="the app"))
        page.goto(checkout.json()["url"])
        assert "Billed every period" in page.content()
        pay(page, "4242 4242 4242 4242")
        page.wait_for_url(f"{RETURN}/ok?s=*")
        subscription = subscription_record(dev_platform, token, {"status": "active", "cancel_at_period_end": False})

        portal = dev_platform.api("POST", "/functions/createPortalSession", token, json={"returnUrl": f"{RETURN}/me"})
        assert portal.status_code == 200, portal.text
        page.goto(portal.json()["url"])
        stripe_id = subscription["stripe_subscription_id"]
        page.click(f"#cancel-{stripe_id}")
        page.wait_for_selector(f"#resume-{stripe_id}")
        cancelling = page.content()
        cancelled = subscription_record(dev_platform, token, {"cancel_at_period_end": True})

        page.click(f"#resume-{stripe_id}")
        page.wait_for_selector(f"#cancel-{stripe_id}")
        resumed = subscription_record(dev_platform, token, {"cancel_at_period_end": False})
        page.click("text=Return")
        page.wait_for_url(f"{RETURN}/me")

    assert "ends at period end" in cancelling
    assert (cancelled["status"], resumed["status"]) == ("active", "active")
    assert cancelled["id"] == resumed["id"] == subscription["id"]
