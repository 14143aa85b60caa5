"""Bad input and bad credentials at every entry point: the envelope and a 4xx, nothing written."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from tests.conftest import TEST_JWT_SECRET
from tests.helpers import bearer

INVOKE = "/api/apps/sparkacademy/functions/listPaidUsers"
COURSES = "/api/apps/sparkacademy/entities/Course"


def _envelope(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == code
    assert body["error"] == body["message"] and body["message"]
    assert body["timestamp"].endswith("Z")
    assert isinstance(body["details"], dict)
    return body


@pytest.fixture
def admin_token(make_user: Any) -> str:
    return make_user("admin")[1]


def test_malformed_json_is_a_400_with_position(gateway: Any, admin_token: str) -> None:
    resp = gateway.post(INVOKE, data=b'{"page": ', headers={**bearer(admin_token), "Content-Type": "application/json"})
    body = _envelope(resp, 400, "INVALID_PARAMETERS")
    assert body["message"] == "Malformed JSON body" and body["details"] == {"line": 1, "column": 10}


def test_non_utf8_body_is_a_415(gateway: Any, admin_token: str) -> None:
    resp = gateway.post(INVOKE, data=b"\xff\xfe{}", headers=bearer(admin_token))
    _envelope(resp, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"page": "1"}, [{"field": "page", "type": "int_type", "message": "Input should be a valid integer"}]),
        (
            {"page": 0},
            [{"field": "page", "type": "greater_than_equal", "message": "Input should be greater than or equal to 1"}],
        ),
        (
            {"limit": 101},
            [{"field": "limit", "type": "less_than_equal", "message": "Input should be less than or equal to 100"}],
        ),
        ({"pages": 2}, [{"field": "pages", "type": "extra_forbidden", "message": "Extra inputs are not permitted"}]),
    ],
)
def test_wrong_types_and_unknown_fields_name_the_field(
    gateway: Any, admin_token: str, payload: dict[str, Any], fields: list[dict[str, str]]
) -> None:
    body = _envelope(gateway.post(INVOKE, json=payload, headers=bearer(admin_token)), 400, "INVALID_PARAMETERS")
    assert body["details"] == {"fields": fields}


def test_payload_must_be_an_object(gateway: Any, admin_token: str) -> None:
    body = _envelope(gateway.post(INVOKE, json=[1, 2], headers=bearer(admin_token)), 400, "INVALID_PARAMETERS")
    assert body["message"] == "Request body must be a JSON object"


def test_oversize_body_is_a_413_and_nothing_is_written(gateway: Any, admin_token: str, db: Any) -> None:
    big = {"title": "x" * 300, "description": "y" * (1024 * 1024)}
    resp = gateway.post(COURSES, json=big, headers=bearer(admin_token))
    body = _envelope(resp, 413, "PAYLOAD_TOO_LARGE")
    assert body["details"] == {"limit": 1048576}
    assert list(db.collection("Course").stream()) == []


def _token(claims: dict[str, Any], secret: str = TEST_JWT_SECRET, algorithm: str = "HS256") -> str:
    now = int(time.time())
    base = {
        "sub": "usr_x",
        "email": "x@example.test",
        "role": "admin",
        "iat": now,
        "exp": now + 60,
        "iss": "sparkacademy",
        "aud": "sparkacademy",
    }
    return jwt.encode({**base, **claims}, secret, algorithm=algorithm)


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Authentication required"),
        ("Basic abc", "Authorization header must be 'Bearer <token>'"),
        ("Bearer not.a.token", "Invalid authentication token"),
        ({"exp": -10}, "Session expired; sign in again"),
        ({"secret": "another-secret-of-enough-length-000000"}, "Invalid authentication token"),
        ({"aud": "other-app"}, "Invalid authentication token"),
        ({"role": "superuser"}, "Invalid authentication token"),
    ],
)
def test_missing_bad_expired_and_forged_tokens_are_401(gateway: Any, authorization: Any, message: str) -> None:
    if isinstance(authorization, dict):  # tokens are minted now, not at collection time
        claims = dict(authorization)
        secret = claims.pop("secret", TEST_JWT_SECRET)
        if "exp" in claims:
            claims["exp"] = int(time.time()) + claims["exp"]
        authorization = "Bearer " + _token(claims, secret=secret)
    headers = {"Authorization": authorization} if authorization else {}
    body = _envelope(gateway.post(INVOKE, json={}, headers=headers), 401, "AUTH_REQUIRED")
    assert body["message"] == message


def test_a_token_verified_while_valid_is_refused_once_it_expires(gateway: Any, mocker: Any) -> None:
    # GIVEN a session token that has been accepted (and so remembered as verified)
    token = _token({"exp": int(time.time()) + 60})
    assert gateway.post(INVOKE, json={}, headers=bearer(token)).status_code != 401
    # WHEN its expiry passes
    mocker.patch("shared.auth.time.time", return_value=time.time() + 120)
    # THEN it is refused like any expired token
    body = _envelope(gateway.post(INVOKE, json={}, headers=bearer(token)), 401, "AUTH_REQUIRED")
    assert body["message"] == "Session expired; sign in again"


def test_alg_none_and_tampered_tokens_are_refused(gateway: Any, admin_token: str) -> None:
    unsigned = jwt.encode(
        {"sub": "usr_x", "role": "admin", "iat": 1, "exp": 2**31, "iss": "sparkacademy", "aud": "sparkacademy"},
        None,
        algorithm="none",
    )
    _envelope(gateway.post(INVOKE, json={}, headers=bearer(unsigned)), 401, "AUTH_REQUIRED")
    header, payload, signature = admin_token.split(".")
    tampered = ".".join([header, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1], signature])
    _envelope(gateway.post(INVOKE, json={}, headers=bearer(tampered)), 401, "AUTH_REQUIRED")


def test_wrong_role_is_403(gateway: Any, make_user: Any) -> None:
    _, token = make_user("instructor")
    body = _envelope(gateway.post(INVOKE, json={}, headers=bearer(token)), 403, "PERMISSION_DENIED")
    assert body["message"] == "listPaidUsers requires role admin"


def test_service_token_acts_on_behalf_of_a_user(gateway: Any, make_user: Any) -> None:
    from shared.auth import issue_service_token

    _, student = make_user("student", email="pupil@example.test")
    headers = {
        "Base44-Service-Authorization": f"Bearer {issue_service_token('scheduler')}",
        "on-behalf-of": f"Bearer {student}",
    }
    me = gateway.get("/api/apps/sparkacademy/entities/User/me", headers=headers)
    assert me.status_code == 200 and me.get_json()["email"] == "pupil@example.test"
    alone = gateway.post(
        INVOKE, json={}, headers={"Base44-Service-Authorization": headers["Base44-Service-Authorization"]}
    )
    assert alone.status_code == 200
    fake = gateway.post(INVOKE, json={}, headers={"Base44-Service-Authorization": f"Bearer {student}"})
    _envelope(fake, 401, "AUTH_REQUIRED")


def test_unknown_function_app_and_route_are_404(gateway: Any, admin_token: str) -> None:
    _envelope(
        gateway.post("/api/apps/sparkacademy/functions/nope", json={}, headers=bearer(admin_token)),
        404,
        "RESOURCE_NOT_FOUND",
    )
    _envelope(
        gateway.post("/api/apps/other/functions/listPaidUsers", json={}, headers=bearer(admin_token)),
        404,
        "RESOURCE_NOT_FOUND",
    )
    _envelope(gateway.get("/api/nothing-here"), 404, "RESOURCE_NOT_FOUND")
    _envelope(gateway.get(INVOKE, headers=bearer(admin_token)), 405, "METHOD_NOT_ALLOWED")


def test_cors_preflight_allows_the_sdk_headers(gateway: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "http://localhost:5173")
    resp = gateway.options(INVOKE, headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"})
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    allowed = resp.headers["Access-Control-Allow-Headers"]
    for header in ("Authorization", "X-App-Id", "X-Origin-URL", "X-Base44-Anonymous-Id", "Base44-Functions-Version"):
        assert header in allowed


def test_browser_calls_get_cors_headers_and_other_clients_none(
    gateway: Any, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://app.example.test")
    from_browser = gateway.post(INVOKE, json={}, headers={**bearer(admin_token), "Origin": "https://app.example.test"})
    assert from_browser.headers["Access-Control-Allow-Origin"] == "https://app.example.test"
    assert "X-RateLimit-Remaining" in from_browser.headers["Access-Control-Expose-Headers"]
    from_server = gateway.post(INVOKE, json={}, headers=bearer(admin_token))
    assert from_server.status_code == 200
    assert "Access-Control-Allow-Origin" not in from_server.headers
    assert from_server.headers["Vary"] == "Origin"


def test_unexpected_errors_are_500_without_internals(gateway: Any, admin_token: str, mocker: Any, capsys: Any) -> None:
    mocker.patch("entities.store.count", side_effect=KeyError("secret internal detail"))
    body = _envelope(gateway.post(INVOKE, json={}, headers=bearer(admin_token)), 500, "INTERNAL_ERROR")
    assert body["message"] == "Internal server error" and "secret" not in str(body)
    logged = capsys.readouterr().out
    assert '"severity": "ERROR"' in logged and "KeyError" in logged and "stack_trace" in logged


def _log_lines(capsys: Any) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_missing_setting_logs_one_warning_line_without_a_stack_trace(
    gateway: Any, admin_token: str, monkeypatch: Any, capsys: Any
) -> None:
    # GIVEN Stripe's key is not configured
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    capsys.readouterr()
    # WHEN a payment function is called
    resp = gateway.post("/api/apps/sparkacademy/functions/createStripeCheckout", json={}, headers=bearer(admin_token))
    # THEN it answers 503 and leaves exactly one WARNING line naming the setting
    body = _envelope(resp, 503, "CONFIGURATION_ERROR")
    assert body["details"] == {"missing": ["STRIPE_SECRET_KEY"]}
    [line] = _log_lines(capsys)
    assert (line["severity"], line["message"], line["code"]) == (
        "WARNING",
        "Missing required settings: STRIPE_SECRET_KEY",
        "CONFIGURATION_ERROR",
    )
    assert "stack_trace" not in line and line["function"] == "createStripeCheckout"


def test_a_successful_request_leaves_one_access_line(gateway: Any, admin_token: str, capsys: Any) -> None:
    capsys.readouterr()
    resp = gateway.post(
        INVOKE, json={}, headers={**bearer(admin_token), "Function-Execution-Id": "exec-123", "X-Unused": "?"}
    )
    assert resp.status_code == 200
    [line] = _log_lines(capsys)
    assert {k: line[k] for k in ("severity", "method", "path", "status", "request_id", "function")} == {
        "severity": "INFO",
        "method": "POST",
        "path": INVOKE,
        "status": 200,
        "request_id": "exec-123",
        "function": "listPaidUsers",
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_storage_outage_is_a_retryable_503(gateway: Any, admin_token: str, monkeypatch: Any) -> None:
    from shared import firestore

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(firestore, "TIMEOUT_SECONDS", 1.0)
    firestore.reset_client()
    try:
        resp = gateway.get(COURSES, headers=bearer(admin_token))
    finally:
        monkeypatch.undo()
        firestore.reset_client()
    body = _envelope(resp, 503, "SERVICE_UNAVAILABLE")
    assert body["retryable"] is True and resp.headers["Retry-After"] == "5"


def test_a_transaction_that_gives_up_under_contention_is_a_retryable_503(
    gateway: Any, admin_token: str, mocker: Any
) -> None:
    from google.api_core.exceptions import Aborted

    def contended(*_: Any, **__: Any) -> None:
        try:
            raise Aborted("Transaction lock timeout.")
        except Aborted as exc:
            raise ValueError("Failed to commit transaction in 5 attempts.") from exc

    mocker.patch("entities.store.count", side_effect=contended)
    body = _envelope(gateway.post(INVOKE, json={}, headers=bearer(admin_token)), 503, "SERVICE_UNAVAILABLE")
    assert body["retryable"] is True
