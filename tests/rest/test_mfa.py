"""TOTP MFA on the 7P surface: setup, activation, sign-in with a code, replay, drift, backup codes."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from cryptography.fernet import Fernet

from tests.rest.conftest import API, Clock, bearer, login

KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def mfa_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MFA_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")  # these sign in more often than five times


def _code(secret: str, clock: Clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock() + steps * 30)


def _setup(gateway: Any, token: str) -> dict[str, Any]:
    resp = gateway.post(f"{API}/auth/mfa/setup", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    return dict(resp.get_json())


@pytest.fixture
def mfa_user(gateway: Any, account: Any, clock: Clock) -> dict[str, Any]:
    """A user with MFA active: their secret and backup codes."""
    account()
    token = login(gateway, "learner@example.test").get_json()["access_token"]
    setup = _setup(gateway, token)
    active = gateway.post(
        f"{API}/auth/mfa/verify-activate", json={"token": _code(setup["secret"], clock)}, headers=bearer(token)
    )
    assert active.status_code == 200
    clock.advance(30)  # the activating code's step is spent
    return {"secret": setup["secret"], "backup_codes": active.get_json()["backup_codes"], "token": token}


def _challenge(gateway: Any) -> str:
    resp = login(gateway, "learner@example.test")
    body = resp.get_json()
    assert resp.status_code == 401
    assert (body["success"], body["mfa_required"], body["code"]) == (False, True, "AUTH_MFA_REQUIRED")
    assert body["message"] == "MFA code is required" and "access_token" not in body
    return str(body["challenge_token"])


def _verify(gateway: Any, challenge: str, code: str, kind: str = "totp") -> Any:
    return gateway.post(f"{API}/auth/mfa/verify", json={"token": code, "type": kind, "challenge_token": challenge})


def test_setup_answers_a_qr_code_and_changes_nothing_until_activated(
    gateway: Any, account: Any, db: Any, clock: Clock
) -> None:
    user = account()
    token = login(gateway, "learner@example.test").get_json()["access_token"]
    setup = _setup(gateway, token)
    header, _, data = setup["qr_code"].partition(",")
    assert header == "data:image/png;base64" and base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    uri = urlparse(setup["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["issuer"] == ["SparkAcademy"] and parse_qs(uri.query)["secret"] == [setup["secret"]]
    # pending: sign-in still needs no code
    assert login(gateway, "learner@example.test").status_code == 200
    # the secret is stored encrypted
    stored = db.collection("_mfa").document(user["id"]).get().to_dict()
    assert setup["secret"] not in str(stored)
    assert Fernet(KEY.encode()).decrypt(stored["pending_secret"].encode()).decode() == setup["secret"]
    wrong = gateway.post(
        f"{API}/auth/mfa/verify-activate", json={"token": _code(setup["secret"], clock, 5)}, headers=bearer(token)
    )
    assert (wrong.status_code, wrong.get_json()["code"]) == (401, "AUTH_INVALID_CREDENTIALS")
    assert login(gateway, "learner@example.test").status_code == 200


def test_activation_answers_ten_backup_codes_stored_hashed(gateway: Any, mfa_user: dict[str, Any], db: Any) -> None:
    codes = mfa_user["backup_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = str([d.to_dict() for d in db.collection("_mfa").stream()])
    assert not any(code in stored for code in codes) and mfa_user["secret"] not in stored


def test_sign_in_with_mfa_takes_a_code_and_each_code_works_once(
    gateway: Any, mfa_user: dict[str, Any], clock: Clock
) -> None:
    challenge = _challenge(gateway)
    code = _code(mfa_user["secret"], clock)
    done = _verify(gateway, challenge, code)
    body = done.get_json()
    assert done.status_code == 200 and body["message"] == "MFA verification successful"
    assert body["user"]["mfa_enabled"] is True
    assert gateway.get(f"{API}/auth/sessions", headers=bearer(body["access_token"])).status_code == 200
    # the same code again, within its step, through a new challenge: refused
    replay = _verify(gateway, _challenge(gateway), code)
    assert (replay.status_code, replay.get_json()["code"]) == (401, "AUTH_INVALID_CREDENTIALS")
    inline = login(gateway, "learner@example.test", mfa_code=code)
    assert inline.status_code == 401
    clock.advance(30)
    assert login(gateway, "learner@example.test", mfa_code=_code(mfa_user["secret"], clock)).status_code == 200


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_one_step_of_clock_drift_either_way(
    gateway: Any, mfa_user: dict[str, Any], clock: Clock, steps: int, accepted: bool
) -> None:
    clock.advance(90)  # well past the activating step
    resp = _verify(gateway, _challenge(gateway), _code(mfa_user["secret"], clock, steps))
    assert (resp.status_code == 200) is accepted


def test_each_backup_code_works_once(gateway: Any, mfa_user: dict[str, Any]) -> None:
    first, second = mfa_user["backup_codes"][:2]
    assert _verify(gateway, _challenge(gateway), first, "backup").status_code == 200
    again = _verify(gateway, _challenge(gateway), first, "backup")
    assert (again.status_code, again.get_json()["code"]) == (401, "AUTH_INVALID_CREDENTIALS")
    assert _verify(gateway, _challenge(gateway), second, "backup").status_code == 200


def test_wrong_mfa_codes_count_towards_the_lockout(gateway: Any, mfa_user: dict[str, Any], clock: Clock) -> None:
    challenge = _challenge(gateway)  # counted: a right password alone does not clear failures
    wrong = _code(mfa_user["secret"], clock, 10)
    statuses = [_verify(gateway, challenge, wrong).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 423]
    right = _verify(gateway, challenge, _code(mfa_user["secret"], clock))
    assert (right.status_code, right.get_json()["code"]) == (423, "AUTH_ACCOUNT_LOCKED")
    assert login(gateway, "learner@example.test").status_code == 423


def test_an_expired_challenge_is_refused(gateway: Any, mfa_user: dict[str, Any], clock: Clock) -> None:
    challenge = _challenge(gateway)
    clock.advance(301)
    resp = _verify(gateway, challenge, _code(mfa_user["secret"], clock))
    assert (resp.status_code, resp.get_json()["code"]) == (401, "AUTH_INVALID_CREDENTIALS")


def test_disabling_mfa_needs_a_current_code(gateway: Any, mfa_user: dict[str, Any], clock: Clock) -> None:
    token = mfa_user["token"]
    refused = gateway.post(f"{API}/auth/mfa/disable", json={"token": "000000"}, headers=bearer(token))
    assert refused.status_code == 401
    assert _challenge(gateway)
    done = gateway.post(
        f"{API}/auth/mfa/disable", json={"token": _code(mfa_user["secret"], clock)}, headers=bearer(token)
    )
    assert done.status_code == 200
    assert login(gateway, "learner@example.test").status_code == 200


def test_mfa_needs_its_key_configured(gateway: Any, account: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MFA_ENCRYPTION_KEY")
    account()
    token = login(gateway, "learner@example.test").get_json()["access_token"]
    resp = gateway.post(f"{API}/auth/mfa/setup", headers=bearer(token))
    assert (resp.status_code, resp.get_json()["code"]) == (503, "CONFIGURATION_ERROR")
