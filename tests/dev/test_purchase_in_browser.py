"""The seed's "Complete Course Purchase Flow" in headless Chromium against `make dev`'s platform.

A small app page (served here, as a developer's front end would be) signs in and calls
`createStripeCheckout` with the seed's successUrl, then sends the browser to the `url`
it answered: the emulator's local checkout page. The test types a Stripe test card and
pays; the success page verifies the session with `verifyStripeSession`.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import browser_page
from tests.dev.conftest import DevPlatform, new_student, pay

APP_PAGE = """<!doctype html><meta charset="utf-8"><title>app</title><pre id="result"></pre><script type="module">
const params = new URLSearchParams(location.search);
const api = (params.get('api') || sessionStorage.api) + '/api/apps/sparkacademy';
const post = (path, body, token) => fetch(api + path, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
  body: JSON.stringify(body),
}).then(async (r) => ({ status: r.status, body: await r.json() }));
if (location.pathname === '/success') {
  // 3. On success page, verify payment
  const sessionId = params.get('session_id');
  const verified = await post('/functions/verifyStripeSession', { sessionId }, sessionStorage.token);
  document.getElementById('result').textContent = JSON.stringify(verified);
} else {
  const signedIn = await post('/auth/login', { email: params.get('email'), password: params.get('password') });
  sessionStorage.token = signedIn.body.access_token;
  sessionStorage.api = params.get('api');
  // 1. Create checkout session
  const checkout = await post('/functions/createStripeCheckout', {
    courseId: 'crs_abc123',
    successUrl: window.location.origin + '/success?session_id={CHECKOUT_SESSION_ID}',
    cancelUrl: window.location.origin + '/courses',
  }, sessionStorage.token);
  document.getElementById('result').textContent = JSON.stringify(checkout);
  // 2. Redirect to Stripe
  if (checkout.status === 200) window.location.href = checkout.body.url;
}
</script>"""


class _AppPages(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = APP_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def app_origin() -> Iterator[str]:
    """The developer's front end: every path serves the app page."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AppPages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def open_checkout(page: Any, platform: DevPlatform, app_origin: str, email: str) -> None:
    """Sign in and start the purchase on the app page, which sends the browser to the checkout page."""
    page.goto(f"{app_origin}/courses?api={platform.url}&email={email}&password=Passw0rd!x")
    page.wait_for_url(f"{platform.url}/dev/checkout/cs_test_*", timeout=30_000)


def my_enrollments(platform: DevPlatform, email: str) -> list[dict[str, Any]]:
    token = platform.sign_in(email, "Passw0rd!x")
    answer = platform.api("GET", "/entities/Enrollment", token, params={"q": json.dumps({"course_id": "crs_abc123"})})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def test_paying_with_4242_lands_on_the_success_url_and_verification_answers_the_enrollment(
    dev_platform: DevPlatform, app_origin: str
) -> None:
    email = new_student(dev_platform, "buyer@example.test")
    with browser_page() as page:
        open_checkout(page, dev_platform, app_origin, email)
        assert "React Fundamentals" in page.content()
        assert "49.99" in page.inner_text("#pay")
        assert email in page.content()  # the customer's email, as Stripe's page shows it
        pay(page, "4242 4242 4242 4242")
        page.wait_for_url(f"{app_origin}/success?*", timeout=30_000)
        session_id = page.evaluate("new URLSearchParams(location.search).get('session_id')")
        page.wait_for_function("document.getElementById('result').textContent.length > 0", timeout=30_000)
        verified = json.loads(page.inner_text("#result"))

    assert session_id.startswith("cs_test_")
    assert verified["status"] == 200, verified
    enrollment = verified["body"]["enrollment"]
    assert (enrollment["course_id"], enrollment["student_email"], enrollment["status"]) == (
        "crs_abc123",
        email,
        "active",
    )
    assert verified["body"]["purchase_id"] == f"pur_{session_id}"
    assert [e["id"] for e in my_enrollments(dev_platform, email)] == [enrollment["id"]]


def test_declined_cards_stay_on_the_checkout_page_with_stripes_message_and_enroll_no_one(
    dev_platform: DevPlatform, app_origin: str
) -> None:
    email = new_student(dev_platform, "declined@example.test")
    with browser_page() as page:
        open_checkout(page, dev_platform, app_origin, email)
        checkout_url = page.url
        pay(page, "4000 0000 0000 9995")
        page.wait_for_selector("#card-error", timeout=30_000)
        insufficient = page.inner_text("#card-error")
        pay(page, "4000 0000 0000 0002")
        page.wait_for_url("**declined=generic_decline", timeout=30_000)
        declined = page.inner_text("#card-error")
        still_there = page.url.split("?")[0]
        session_id = checkout_url.rsplit("/", 1)[1]

    assert insufficient == "Your card has insufficient funds."
    assert declined == "Your card was declined."
    assert still_there == checkout_url
    token = dev_platform.sign_in(email, "Passw0rd!x")
    unpaid = dev_platform.api("POST", "/functions/verifyStripeSession", token, json={"sessionId": session_id})
    assert (unpaid.status_code, unpaid.json()["code"]) == (402, "PAYMENT_FAILED")
    assert my_enrollments(dev_platform, email) == []


def test_a_mistyped_card_is_refused_before_any_charge(dev_platform: DevPlatform, app_origin: str) -> None:
    email = new_student(dev_platform, "typo@example.test")
    with browser_page() as page:
        open_checkout(page, dev_platform, app_origin, email)
        pay(page, "4242 4242 4242 4241")
        page.wait_for_selector("#card-error", timeout=30_000)
        message = page.inner_text("#card-error")
    assert message == "Your card number is incorrect."
    assert my_enrollments(dev_platform, email) == []
