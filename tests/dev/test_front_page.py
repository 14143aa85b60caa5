"""The front page of `make dev` in headless Chromium: what it shows, and that its links answer."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from emulator import demo
from shared import router
from tests.browser import browser_page, rendered_dom
from tests.dev.conftest import DevPlatform

STUDENT = "student@sparkacademy.test"


@pytest.fixture(scope="module")
def shown(dev_platform: DevPlatform, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A queued reset mail and an open checkout session, then the page as Chromium renders it."""
    asked = dev_platform.api("POST", "/auth/reset-password-request", json={"email": STUDENT})
    assert asked.status_code == 200, asked.text
    token = dev_platform.sign_in(STUDENT, demo.demo_password())
    checkout = dev_platform.api(
        "POST",
        "/functions/createStripeCheckout",
        token,
        json={
            "courseId": "crs_abc123",
            "successUrl": "http://127.0.0.1:5173/s",
            "cancelUrl": "http://127.0.0.1:5173/c",
        },
    )
    assert checkout.status_code == 200, checkout.text
    dom = rendered_dom(f"{dev_platform.url}/", tmp_path_factory.mktemp("chromium"))
    return {"dom": dom, "token": token, "session_id": checkout.json()["sessionId"]}


def cell_rows(dom: str) -> list[list[str]]:
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", dom)]


def test_it_shows_the_accounts_the_docs_and_every_function_of_the_registry_with_its_state(
    shown: dict[str, Any],
) -> None:
    dom = shown["dom"]
    assert "SparkAcademy Functions: the local platform" in dom
    for email, _name, role in demo.ACCOUNTS:
        assert [email, str(role), demo.demo_password()] in cell_rows(dom)
    for link in ("/api/docs", "/api/redoc", "/api/openapi.json"):
        assert f'href="{link}"' in dom
    states = {
        m.group(1): m.group(2)
        for m in re.finditer(r"<td><code>(\w+)</code></td><td>.*?</td><td><span class=\"\w+\">(.*?)</span>", dom)
    }
    assert sorted(states) == router.function_names()
    assert states["createStripeCheckout"] == "ready"  # the local Stripe stands in for Stripe
    assert states["generateContentUpdates"] == "waiting for OPENAI_API_KEY"


def test_it_shows_the_local_stripes_sessions_the_queued_mail_and_the_last_requests_without_secrets(
    shown: dict[str, Any],
) -> None:
    dom = shown["dom"]
    assert f'<a href="/dev/checkout/{shown["session_id"]}">{shown["session_id"]}</a>' in dom
    assert "Reset your SparkAcademy password" in dom
    assert re.search(r'<a href="http://127\.0\.0\.1:\d+/reset-password\?token=[\w-]+">', dom)
    assert ["POST", "/api/apps/sparkacademy/auth/login", "200"] in [row[1:4] for row in cell_rows(dom)]
    assert shown["token"] not in dom
    assert demo.demo_password() not in dom.split("Last 50 requests")[1]


def test_every_link_on_the_page_answers_200(dev_platform: DevPlatform, shown: dict[str, Any]) -> None:
    links = sorted(set(re.findall(r'href="([^"]+)"', shown["dom"])))
    assert len(links) >= 6
    answers = {link: requests.get(urljoin(dev_platform.url + "/", link), timeout=60).status_code for link in links}
    assert answers == dict.fromkeys(links, 200)


def test_the_page_declares_a_strict_content_security_policy(dev_platform: DevPlatform) -> None:
    answer = requests.get(f"{dev_platform.url}/", timeout=30)
    policy = answer.headers["Content-Security-Policy"]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in policy
    assert "script-src" not in policy  # no script may run: default-src 'none' covers it


def test_the_mailed_reset_link_sets_a_new_password_offline(dev_platform: DevPlatform, shown: dict[str, Any]) -> None:
    link = re.search(r'href="(http://127\.0\.0\.1:\d+/reset-password\?token=[\w-]+)"', shown["dom"])
    assert link is not None
    with browser_page() as page:
        page.goto(link.group(1))
        page.fill("#new_password", "short")
        page.click("#save")
        page.wait_for_selector(".error")
        weak = page.inner_text(".error")
        page.fill("#new_password", "Brand-new-2026!")
        page.click("#save")
        page.wait_for_url("**done=true")
        done = page.inner_text("h1")
    assert weak.startswith("Choose 8 to 256 characters")
    assert done == "Password changed"
    assert dev_platform.sign_in(STUDENT, "Brand-new-2026!")
    old = dev_platform.api("POST", "/auth/login", json={"email": STUDENT, "password": demo.demo_password()})
    assert old.status_code == 401


def test_the_mailed_verification_link_verifies_the_address_offline(dev_platform: DevPlatform) -> None:
    email = "verify-me@example.test"
    registered = requests.post(
        f"{dev_platform.url}/api/auth/register",
        json={"email": email, "password": "SecurePassword123!", "full_name": "Vera"},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    front = requests.get(f"{dev_platform.url}/", timeout=30).text
    link = re.search(r'href="(http://127\.0\.0\.1:\d+/verify-email\?token=[\w-]+)"', front)
    assert link is not None
    assert requests.get(link.group(1), timeout=30).status_code == 200  # opening the link alone verifies nothing
    with browser_page() as page:
        page.goto(link.group(1))
        page.click("#verify")
        page.wait_for_url("**done=true")
        done = page.inner_text("h1")
        page.goto(link.group(1))  # the token is single-use
        page.click("#verify")
        page.wait_for_selector(".error")
        again = page.inner_text(".error")
    assert done == "Email verified"
    assert again.startswith("This link is invalid or has expired")
    token = dev_platform.sign_in(email, "SecurePassword123!")
    assert dev_platform.api("GET", "/entities/User/me", token).json()["is_verified"] is True


def test_pages_are_not_served_in_production(gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARK_ENV", "production")
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")
    for path in ("/", "/reset-password", "/verify-email", "/dev/checkout/cs_test_abc", "/dev/portal/bps_abc"):
        answer = gateway.get(path)
        assert (answer.status_code, answer.json["code"]) == (404, "RESOURCE_NOT_FOUND"), path
