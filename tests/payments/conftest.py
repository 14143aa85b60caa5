"""Payment test fixtures: the local Stripe server (localstripe with the emulator's Checkout,
portal and Prices extension) on a port of its own, Stripe settings pointing at it, webhook
signing, and a live gateway for localstripe's webhook deliveries and the SDK flow."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import call_function

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "sk_test_sparkacademy_0123456789"
WEBHOOK_SECRET = "whsec_test_sparkacademy_0123456789"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """The local Stripe server `make dev` runs, on a free port of 127.0.0.1, keeping nothing on disk."""
    from emulator import local_stripe

    try:
        server = local_stripe.start()
    except RuntimeError as exc:
        pytest.fail(f"{exc} (scripts/test.sh installs localstripe 1.15.10 in .venv-localstripe)")
    yield server.url
    server.stop()


class StripeControl:
    """Test-side handle on the Stripe server: pay sessions, inject failures, read requests."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str, path: str, data: dict[str, Any] | None = None, form: bool = False) -> Any:
        body = None
        headers = {}
        if data is not None and form:
            from urllib.parse import urlencode

            body = urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            return {"_status": exc.code, **json.loads(exc.read() or b"{}")}
        return json.loads(raw) if raw.strip() else None

    def reset(self) -> None:
        self._call("DELETE", "/_config/test/data")

    def complete(self, session_id: str, *, card: str = "ok", created: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {"card": card}
        if created is not None:
            data["created"] = str(created)
        result: dict[str, Any] = self._call(
            "POST", f"/_config/test/checkout/sessions/{session_id}/complete", data, form=True
        )
        return result

    def fail(
        self, path: str, status: int, error: dict[str, Any] | None = None, count: int = 1, method: str = "*"
    ) -> None:
        self._call(
            "POST",
            "/_config/test/failures",
            {"path": path, "status": status, "error": error, "count": count, "method": method},
        )

    def requests(self, path: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = self._call("GET", "/_config/test/requests")
        return [r for r in got if (path is None or r["path"] == path) and (method is None or r["method"] == method)]

    def form(self, path: str, method: str = "POST") -> list[dict[str, str]]:
        return [dict(r["form"]) for r in self.requests(path, method)]

    def register_webhook(self, url: str, secret: str = WEBHOOK_SECRET) -> None:
        self._call("POST", "/_config/webhooks/sparkacademy", {"url": url, "secret": secret}, form=True)


@pytest.fixture
def stripe_server(localstripe: str, db: Any, monkeypatch: pytest.MonkeyPatch) -> StripeControl:
    """Stripe settings pointing at a wiped localstripe, and fresh SDK and price caches."""
    from domain.payments.catalog import clear_price_cache
    from shared.stripe_client import reset_client

    monkeypatch.setenv("STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", localstripe)
    monkeypatch.delenv("PAYMENT_CURRENCY", raising=False)
    control = StripeControl(localstripe)
    control.reset()
    reset_client()
    clear_price_cache()
    return control


@pytest.fixture
def stripe_webhook_url(stripe_server: StripeControl, live_gateway: str) -> Iterator[str]:
    """localstripe sends its signed events to the running gateway during the test.

    At teardown (before the gateway stops) it waits for deliveries still in flight,
    so no event lands in the next test's database.
    """
    url = f"{live_gateway}/api/stripe-webhook"
    stripe_server.register_webhook(url)
    yield url
    stripe_server.reset()


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header exactly as Stripe builds it."""
    import stripe

    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=int(time.time()) if timestamp is None else timestamp
    )


def make_event(
    event_type: str, obj: dict[str, Any], *, event_id: str | None = None, created: int | None = None
) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_test_{os.urandom(8).hex()}",
            "object": "event",
            "api_version": "2025-09-30.clover",
            "created": int(time.time()) if created is None else created,
            "livemode": False,
            "type": event_type,
            "data": {"object": obj},
        }
    ).encode()


@pytest.fixture
def deliver(gateway: Any) -> Callable[..., Any]:
    """POST a signed event to /api/stripe-webhook through the gateway."""

    def send(payload: bytes, header: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        sig = sign(payload) if header is None else header
        if sig:
            headers["Stripe-Signature"] = sig
        return gateway.post("/api/stripe-webhook", data=payload, headers=headers)

    return send


@pytest.fixture
def make_course(db: Any) -> Callable[..., dict[str, Any]]:
    from entities import store

    def make(**fields: Any) -> dict[str, Any]:
        data = {"title": "Course", "price": 49.99, "is_published": True, "instructor_email": "teacher@example.test"}
        data.update(fields)
        return store.create("Course", data, created_by="teacher@example.test")

    return make


@pytest.fixture
def invoke(gateway: Any) -> Callable[..., Any]:
    """Call a function through the Base44 route, as the SDK does."""

    def call(name: str, payload: Any = None, token: str | None = None) -> Any:
        return call_function(gateway, name, payload if payload is not None else {}, token)

    return call
