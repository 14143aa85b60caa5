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
    # the seed's MFA-required answer: not an error a client would read as bad credentials
    assert resp.status_code == 200
    assert (body["success"], body["mfa_required"], body["code"]) == (False, True, "AUTH_MFA_REQUIRED")
    assert body["message"] == "MFA code is required" and "access_token" not in body
    cookie = resp.headers["Set-Cookie"]
    assert cookie.startswith(f"mfa_challenge={body['challenge_token']};")
    assert {"HttpOnly", "SameSite=Strict", "Path=/api/auth/mfa", "Max-Age=300"} <= {
        part.strip() for part in cookie.split(";")
    }
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
    assert (inline.status_code, inline.get_json()["code"]) == (401, "AUTH_INVALID_CREDENTIALS")
    clock.advance(30)
    assert login(gateway, "learner@example.test", mfa_code=_code(mfa_user["secret"], clock)).status_code == 200


def test_the_seeds_verify_body_completes_the_sign_in_through_the_challenge_cookie(
    gateway: Any, mfa_user: dict[str, Any], clock: Clock
) -> None:
    """Seed 001, Verify MFA Code: `{token, type}` alone, after the login answered mfa_required."""
    _challenge(gateway)  # the test client keeps the cookie, as a browser or a cookie jar does
    done = gateway.post(f"{API}/auth/mfa/verify", json={"token": _code(mfa_user["secret"], clock), "type": "totp"})
    body = done.get_json()
    assert done.status_code == 200, body
    assert (body["success"], body["message"]) == (True, "MFA verification successful")
    assert gateway.get(f"{API}/auth/sessions", headers=bearer(body["access_token"])).status_code == 200
    assert "mfa_challenge=;" in done.headers["Set-Cookie"]  # spent, and cleared
    # the cookie's challenge is spent: a second code through it is refused
    clock.advance(30)
    again = gateway.post(f"{API}/auth/mfa/verify", json={"token": _code(mfa_user["secret"], clock), "type": "totp"})
    assert (again.status_code, again.get_json()["code"]) == (401, "AUTH_INVALID_CREDENTIALS")


def test_verify_without_any_challenge_is_refused(gateway: Any, mfa_user: dict[str, Any], clock: Clock) -> None:
    resp = gateway.post(f"{API}/auth/mfa/verify", json={"token": _code(mfa_user["secret"], clock), "type": "totp"})
    assert (resp.status_code, resp.get_json()["code"]) == (401, "AUTH_INVALID_CREDENTIALS")
    assert "sign in" in resp.get_json()["error"]


def test_a_challenge_is_burnt_after_five_wrong_codes(
    gateway: Any, mfa_user: dict[str, Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGIN_LOCKOUT_THRESHOLD", "50")  # the challenge's own bound, not the account lockout
    challenge = _challenge(gateway)
    wrong = _code(mfa_user["secret"], clock, 10)
    assert [_verify(gateway, challenge, wrong).status_code for _ in range(5)] == [401] * 5
    right = _verify(gateway, challenge, _code(mfa_user["secret"], clock))
    assert right.status_code == 401 and "sign in again" in right.get_json()["error"]
    assert _verify(gateway, _challenge(gateway), _code(mfa_user["secret"], clock)).status_code == 200


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


# --- every sign-in path asks for the second factor -----------------------------------------

BASE44 = "/api/apps/sparkacademy"


def _base44_login(gateway: Any, **extra: Any) -> Any:
    from tests.rest.conftest import PASSWORD

    return gateway.post(f"{BASE44}/auth/login", json={"email": "learner@example.test", "password": PASSWORD, **extra})


def test_the_base44_login_gives_no_token_for_the_password_alone(gateway: Any, mfa_user: dict[str, Any]) -> None:
    resp = _base44_login(gateway)
    body = resp.get_json()
    # 403, not 401: the SDK signs out on a 401; the challenge is in `details`
    assert (resp.status_code, body["code"]) == (403, "MFA_REQUIRED"), body
    assert "access_token" not in body and "session" not in body and "user" not in body
    assert body["details"]["expires_in"] == 300 and len(body["details"]["challenge_token"]) > 20


def test_the_base44_login_completes_through_its_mfa_verify(
    gateway: Any, mfa_user: dict[str, Any], clock: Clock
) -> None:
    challenge = _base44_login(gateway).get_json()["details"]["challenge_token"]
    wrong = gateway.post(
        f"{BASE44}/auth/mfa/verify", json={"challenge_token": challenge, "token": _code(mfa_user["secret"], clock, 9)}
    )
    assert (wrong.status_code, wrong.get_json()["code"]) == (401, "INVALID_CREDENTIALS")
    done = gateway.post(
        f"{BASE44}/auth/mfa/verify", json={"challenge_token": challenge, "token": _code(mfa_user["secret"], clock)}
    )
    body = done.get_json()
    assert done.status_code == 200, body
    assert body["user"]["email"] == "learner@example.test" and body["session"]["token"] == body["access_token"]
    # the token the second factor opened works on both surfaces
    assert gateway.get(f"{API}/auth/sessions", headers=bearer(body["access_token"])).status_code == 200
    assert gateway.get(f"{BASE44}/entities/User/me", headers=bearer(body["access_token"])).status_code == 200


def test_the_base44_login_takes_the_code_inline(gateway: Any, mfa_user: dict[str, Any], clock: Clock) -> None:
    wrong = _base44_login(gateway, mfa_code="123456")
    assert (wrong.status_code, wrong.get_json()["code"]) == (401, "INVALID_CREDENTIALS")
    assert "access_token" not in wrong.get_json()
    done = _base44_login(gateway, mfa_code=_code(mfa_user["secret"], clock))
    assert done.status_code == 200 and done.get_json()["access_token"]
    backup = _base44_login(gateway, mfa_code=mfa_user["backup_codes"][0])
    assert backup.status_code == 200


def test_a_wrong_password_with_a_right_code_is_still_refused_on_both_surfaces(
    gateway: Any, mfa_user: dict[str, Any], clock: Clock
) -> None:
    code = _code(mfa_user["secret"], clock)
    for path in (f"{BASE44}/auth/login", f"{API}/auth/login"):
        resp = gateway.post(path, json={"email": "learner@example.test", "password": "Wrong-Pass-1", "mfa_code": code})
        assert resp.status_code == 401 and "access_token" not in resp.get_json(), path


def test_a_7p_challenge_does_not_open_a_base44_session_without_a_code(gateway: Any, mfa_user: dict[str, Any]) -> None:
    challenge = _challenge(gateway)
    resp = gateway.post(f"{BASE44}/auth/mfa/verify", json={"challenge_token": challenge, "token": "000000"})
    assert resp.status_code == 401 and "access_token" not in resp.get_json()


def test_turning_mfa_on_ends_every_other_session(gateway: Any, account: Any, clock: Clock) -> None:
    """Sessions begun with the password alone stop working; the one that turned MFA on goes on."""
    account()
    other_device = login(gateway, "learner@example.test").get_json()
    base44 = _base44_login(gateway).get_json()["access_token"]
    here = login(gateway, "learner@example.test").get_json()
    setup = _setup(gateway, here["access_token"])
    active = gateway.post(
        f"{API}/auth/mfa/verify-activate",
        json={"token": _code(setup["secret"], clock)},
        headers=bearer(here["access_token"]),
    )
    assert active.status_code == 200
    assert gateway.get(f"{API}/auth/sessions", headers=bearer(here["access_token"])).status_code == 200
    for token in (other_device["access_token"], base44):
        assert gateway.get(f"{API}/auth/sessions", headers=bearer(token)).status_code == 401
    refreshed = gateway.post(f"{API}/auth/refresh", json={"refresh_token": other_device["refresh_token"]})
    assert refreshed.status_code == 401
    assert gateway.post(f"{API}/auth/refresh", json={"refresh_token": here["refresh_token"]}).status_code == 200
