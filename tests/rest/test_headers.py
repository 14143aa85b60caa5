"""Security headers on every answer, and CORS only for the allowed origins, on both surfaces."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rest.conftest import API

BASE44 = "/api/apps/sparkacademy"
PATHS = (f"{API}/auth/sessions", f"{BASE44}/entities/Course", f"{API}/auth/nowhere")


@pytest.mark.parametrize("path", PATHS)
def test_every_json_answer_carries_the_security_headers(gateway: Any, path: str) -> None:
    resp = gateway.get(path)
    assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in resp.headers  # development serves plain HTTP


def test_production_answers_require_https(gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARK_ENV", "production")
    for path in PATHS:
        assert gateway.get(path).headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_docs_page_may_load_its_own_assets_only(gateway: Any) -> None:
    policy = gateway.get("/api/docs").headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "default-src 'none'" in policy
    assert "unsafe-eval" not in policy and "*" not in policy


@pytest.mark.parametrize("path", [f"{API}/auth/login", f"{BASE44}/auth/login"])
def test_cors_answers_only_allowed_origins(gateway: Any, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://academy.example, https://admin.academy.example")
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = gateway.options(path, headers={**preflight, "Origin": "https://admin.academy.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.academy.example"
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    for origin in ("https://evil.example", "https://academy.example.evil.example", "null"):
        refused = gateway.options(path, headers={**preflight, "Origin": origin})
        assert "Access-Control-Allow-Origin" not in refused.headers, origin
        call = gateway.post(path, json={}, headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in call.headers and call.headers["Vary"] == "Origin"


def test_by_default_only_the_public_origin_is_allowed(gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://academy.example")
    own = gateway.get(f"{API}/auth/sessions", headers={"Origin": "https://academy.example"})
    assert own.headers["Access-Control-Allow-Origin"] == "https://academy.example"
    other = gateway.get(f"{API}/auth/sessions", headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_development_without_a_list_answers_pages_served_from_this_machine(
    gateway: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8080")
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    url = f"{API}/auth/sessions"
    local = ("http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8000")
    foreign = ("https://localhost:3000", "http://localhost.evil.example", "http://127.0.0.1.evil.example:80")
    for env, allowed in (("development", True), ("test", False), ("production", False)):
        monkeypatch.setenv("SPARK_ENV", env)
        for origin in local:
            answered = gateway.get(url, headers={"Origin": origin}).headers.get("Access-Control-Allow-Origin")
            assert (answered == origin) is allowed, (env, origin)
        for origin in foreign:
            assert "Access-Control-Allow-Origin" not in gateway.get(url, headers={"Origin": origin}).headers
    monkeypatch.setenv("SPARK_ENV", "development")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://academy.example")  # a list, once set, is the whole rule
    assert "Access-Control-Allow-Origin" not in gateway.get(url, headers={"Origin": local[0]}).headers


def test_files_keep_nosniff_without_a_policy_that_would_stop_their_viewer(gateway: Any) -> None:
    script = gateway.get("/api/docs/js/swagger-ui-bundle.js")
    assert script.status_code == 200 and script.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in script.headers
