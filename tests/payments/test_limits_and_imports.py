"""The payments rate limit (10/min, not on the webhook) and lazy loading of the Stripe SDK."""

from __future__ import annotations

import subprocess
import sys

from tests.payments.conftest import ROOT, make_event

URLS = {"successUrl": "https://sparkacademy.test/s", "cancelUrl": "https://sparkacademy.test/c"}


def test_payment_functions_share_the_10_per_minute_limit(stripe_server, make_user, make_course, invoke):
    course = make_course()
    _, token = make_user("student")
    answers = [invoke("createStripeCheckout", {"courseId": course["id"], **URLS}, token) for _ in range(6)]
    answers += [invoke("verifyStripeSession", {"sessionId": "cs_test_nothing"}, token) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 6 + [404] * 4
    assert answers[-1].headers["X-RateLimit-Remaining"] == "0"
    blocked = invoke("createPortalSession", {"returnUrl": "https://sparkacademy.test/d"}, token)
    assert blocked.status_code == 429
    assert blocked.json["code"] == "RATE_LIMIT_EXCEEDED"
    assert int(blocked.headers["Retry-After"]) >= 1
    assert len(stripe_server.requests("/v1/checkout/sessions", "POST")) == 6


def test_webhook_is_not_rate_limited(stripe_server, deliver):
    answers = [deliver(make_event("product.created", {"id": f"prod_{i}", "object": "product"})) for i in range(15)]
    assert [a.status_code for a in answers] == [200] * 15


def test_non_stripe_functions_do_not_load_stripe():
    code = (
        "import sys, main\n"
        "main.listPaidUsers\n"
        "import functions.payments.models, domain.payments.fulfilment, shared.stripe_client\n"
        "assert 'stripe' not in sys.modules, 'stripe was imported'\n"
        "main.createStripeCheckout\n"
        "main.stripeWebhook\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "ok"


def test_missing_stripe_key_is_a_configuration_error(stripe_server, make_user, make_course, invoke, monkeypatch):
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    course = make_course()
    _, token = make_user("student")
    resp = invoke("createStripeCheckout", {"courseId": course["id"], **URLS}, token)
    assert resp.status_code == 503
    assert resp.json["code"] == "CONFIGURATION_ERROR"
    assert resp.json["details"] == {"missing": ["STRIPE_SECRET_KEY"]}


def test_stripe_calls_are_logged_by_the_outbound_session_without_the_key(
    stripe_server, make_user, make_course, invoke, capsys
):
    import json

    from tests.payments.conftest import SECRET_KEY

    course = make_course()
    _, token = make_user("student")
    capsys.readouterr()
    assert invoke("createStripeCheckout", {"courseId": course["id"], **URLS}, token).status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    calls = [line for line in lines if line["message"] == "outbound request" and line["service"] == "stripe"]
    assert [(c["method"], c["status"]) for c in calls if c["url"].endswith("/v1/checkout/sessions")] == [("POST", 200)]
    assert SECRET_KEY not in json.dumps(lines)
