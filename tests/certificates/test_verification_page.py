"""The QR code's URL opened by a browser: the verification page; programs keep the JSON answer."""

from __future__ import annotations

from typing import Any

from entities import store
from tests.certificates.conftest import call
from tests.certificates.test_verify_revoke import issued  # noqa: F401 - the fixture

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def _page(gateway: Any, code: str) -> Any:
    return gateway.get(f"/api/certificates/verify/{code}", headers={"Accept": BROWSER})


def test_a_browser_gets_the_page_of_a_valid_certificate(gateway: Any, issued: dict[str, Any]) -> None:  # noqa: F811
    resp = _page(gateway, issued["verification_code"])
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert '<span class="badge valid" id="status">Valid certificate</span>' in page
    for value in ("Zoë Ødegård", "React Hooks Mastery", issued["completion_date"], issued["verification_code"]):
        assert value in page
    policy = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script" not in policy
    assert resp.headers["Vary"] == "Accept"


def test_programs_keep_the_json_answer(gateway: Any, issued: dict[str, Any]) -> None:  # noqa: F811
    for accept in (None, "*/*", "application/json", "application/json, text/html;q=0.5"):
        headers = {"Accept": accept} if accept else {}
        resp = gateway.get(f"/api/certificates/verify/{issued['verification_code']}", headers=headers)
        assert resp.status_code == 200 and resp.mimetype == "application/json", accept
        assert resp.get_json()["valid"] is True


def test_a_revoked_certificate_says_so(gateway: Any, world: dict[str, Any], issued: dict[str, Any]) -> None:  # noqa: F811
    revoked = call(
        gateway,
        "revokeCertificate",
        {"certificateId": issued["id"], "reason": "Issued in error"},
        world["tokens"]["admin"],
    )
    assert revoked.status_code == 200, revoked.get_json()
    page = _page(gateway, issued["verification_code"]).get_data(as_text=True)
    assert '<span class="badge revoked" id="status">Revoked certificate</span>' in page
    assert "Issued in error" not in page  # the reason is the admins', not the public's


def test_every_value_on_the_page_is_escaped(gateway: Any, issued: dict[str, Any]) -> None:  # noqa: F811
    store.update("Certificate", issued["id"], {"student_name": '<script>alert("x")</script>'})
    page = _page(gateway, issued["verification_code"]).get_data(as_text=True)
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_unknown_and_malformed_codes_are_pages_too(gateway: Any, issued: dict[str, Any]) -> None:  # noqa: F811
    other = "CERT-2026-AAAAAA" if issued["verification_code"] != "CERT-2026-AAAAAA" else "CERT-2026-BBBBBB"
    unknown = _page(gateway, other)
    assert unknown.status_code == 404 and "Not a valid certificate" in unknown.get_data(as_text=True)
    malformed = _page(gateway, "<b>nope<b>")
    assert malformed.status_code == 400 and "<b>" not in malformed.get_data(as_text=True)
    assert gateway.get("/api/certificates/verify/nope").get_json()["code"] == "INVALID_PARAMETERS"
