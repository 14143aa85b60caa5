"""The certificate's QR code URL on `make dev`, opened in headless Chromium: a page a person reads."""

from __future__ import annotations

import pytest

from emulator import demo
from tests.browser import browser_page
from tests.dev.conftest import DevPlatform

STUDENT = "student@sparkacademy.test"


@pytest.fixture(scope="module")
def certificate(dev_platform: DevPlatform) -> dict[str, str]:
    """The demo student's certificate for the completed demo enrollment."""
    token = dev_platform.sign_in(STUDENT, demo.demo_password())
    answer = dev_platform.api(
        "POST", "/functions/generateCertificate", token, json={"enrollmentId": demo.ENROLLMENT_ID}
    )
    assert answer.status_code == 200, answer.text
    issued: dict[str, str] = answer.json()["certificate"]
    return issued


def test_the_qr_code_url_opens_a_verification_page(dev_platform: DevPlatform, certificate: dict[str, str]) -> None:
    url = certificate["verification_url"]
    assert url.startswith(dev_platform.url), url  # the QR code points at the platform that issued it
    with browser_page() as page:
        response = page.goto(url)
        assert response is not None and response.status == 200
        assert response.headers["content-type"].startswith("text/html")
        status = page.inner_text("#status")
        shown = page.inner_text("body")
    assert status == "Valid certificate"
    for value in ("Sam Student", certificate["course_title"], certificate["verification_code"]):
        assert value in shown, value
    assert "{" not in shown  # not the JSON answer a program gets


def test_an_unknown_code_is_a_page_that_says_so(dev_platform: DevPlatform, certificate: dict[str, str]) -> None:
    code = certificate["verification_code"]
    other = code[:-1] + ("A" if code[-1] != "A" else "B")
    with browser_page() as page:
        response = page.goto(f"{dev_platform.url}/api/certificates/verify/{other}")
        assert response is not None and response.status == 404
        shown = page.inner_text("body")
    assert "Not a valid certificate" in shown
