"""The seeds' sign-in examples that MFA, refresh and application tokens govern, as written:
seed 000's `token: VITE_BASE44_TOKEN` client, seed 001's login with `mfa_code`, its
MFA-required answer and `mfa/verify {token, type}`, and a refresh token used twice."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
import requests

from emulator import demo
from tests.seeds.conftest import SeedPlatform, ok

# One platform per module, its examples in the order the seed gives them (later ones read earlier ones' data).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_seed_auth_examples")]

PASSWORD = "SecurePassword123!"


def _post(seed: SeedPlatform, path: str, body: dict[str, Any], token: str | None = None, **kw: Any) -> Any:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    return (kw.pop("session", None) or requests).post(f"{seed.url}/api{path}", json=body, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def mfa_account(seed: SeedPlatform) -> dict[str, Any]:
    """A 7P account that set MFA up as the seed's MFA API describes (setup, then verify-activate)."""
    email = "mfa-learner@example.com"
    registered = _post(seed, "/auth/register", {"email": email, "password": PASSWORD, "full_name": "Mia Factor"})
    assert registered.status_code == 201, registered.text
    token = _post(seed, "/auth/login", {"email": email, "password": PASSWORD}).json()["access_token"]
    setup = _post(seed, "/auth/mfa/setup", {}, token)
    assert setup.status_code == 200, setup.text
    assert setup.json()["qr_code"] and setup.json()["secret"]
    secret = setup.json()["secret"]
    active = _post(seed, "/auth/mfa/verify-activate", {"token": pyotp.TOTP(secret).now()}, token)
    assert active.status_code == 200, active.text
    assert active.json()["message"] == "MFA activated successfully"
    return {"email": email, "secret": secret, "backup_codes": list(active.json()["backup_codes"])}


def test_client_initialization_with_the_application_token(seed: SeedPlatform) -> None:
    """Seed 000, Client Initialization: `token: process.env.VITE_BASE44_TOKEN`, the app token make dev issues."""
    courses = ok(seed.sdk("appTokenCatalogue", appToken=demo.demo_app_token()))
    assert {"crs_abc123", "crs_def456"} <= {c["id"] for c in courses}


def test_login_with_mfa_enabled_answers_mfa_required(seed: SeedPlatform, mfa_account: dict[str, Any]) -> None:
    """Seed 001, Login User, Response (MFA Required)."""
    answer = _post(seed, "/auth/login", {"email": mfa_account["email"], "password": PASSWORD, "remember_me": True})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["success"], body["mfa_required"], body["message"]) == (False, True, "MFA code is required")
    assert "access_token" not in body


def test_verify_mfa_code_with_the_seeds_body(seed: SeedPlatform, mfa_account: dict[str, Any]) -> None:
    """Seed 001, Verify MFA Code: `{token, type}` after the login answered mfa_required (a cookie jar keeps
    the challenge, as a browser does)."""
    jar = requests.Session()
    first = _post(seed, "/auth/login", {"email": mfa_account["email"], "password": PASSWORD}, session=jar)
    assert first.json()["mfa_required"] is True
    done = _post(seed, "/auth/mfa/verify", {"token": mfa_account["backup_codes"][0], "type": "backup"}, session=jar)
    assert done.status_code == 200, done.text
    assert (done.json()["success"], done.json()["message"]) == (True, "MFA verification successful")
    assert seed.dev.api("GET", "/entities/User/me", done.json()["access_token"]).status_code == 200


def test_login_with_mfa_code(seed: SeedPlatform, mfa_account: dict[str, Any]) -> None:
    """Seed 001, Login User: the request body's `mfa_code`."""
    body = {"email": mfa_account["email"], "password": PASSWORD, "mfa_code": pyotp.TOTP(mfa_account["secret"]).now()}
    answer = _post(seed, "/auth/login", body)
    if answer.status_code == 401:  # the activation spent this 30-second step's code: the next one
        body["mfa_code"] = mfa_account["backup_codes"][1]
        answer = _post(seed, "/auth/login", body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["success"] is True and answer.json()["user"]["mfa_enabled"] is True


def test_the_base44_login_asks_the_mfa_account_for_its_second_factor(
    seed: SeedPlatform, mfa_account: dict[str, Any]
) -> None:
    """Seed 000, Sign In, for an account with MFA on: no token for the password alone."""
    answer = seed.dev.api("POST", "/auth/login", json={"email": mfa_account["email"], "password": PASSWORD})
    assert answer.status_code == 403 and "access_token" not in answer.json(), answer.text


def test_refresh_token_used_twice_keeps_the_session(seed: SeedPlatform) -> None:
    """Seed 001, Refresh Token: the answer carries no new refresh token, so a client refreshes with its one."""
    email = "refresher@example.com"
    _post(seed, "/auth/register", {"email": email, "password": PASSWORD, "full_name": "Ray Fresh"})
    login = _post(seed, "/auth/login", {"email": email, "password": PASSWORD, "remember_me": True}).json()
    for _ in range(2):
        refreshed = _post(seed, "/auth/refresh", {"refresh_token": login["refresh_token"]})
        assert refreshed.status_code == 200, refreshed.text
        assert refreshed.json()["success"] is True and refreshed.json()["expires_in"] > 0
        assert seed.dev.api("GET", "/entities/User/me", refreshed.json()["access_token"]).status_code == 200
