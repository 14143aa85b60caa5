"""An account with MFA on, signing in through the real @base44/sdk: no token for the password alone."""

from __future__ import annotations

import json
import time
from typing import Any

import pyotp
import pytest
from cryptography.fernet import Fernet

from entities import app_tokens, mfa
from shared.auth import Caller, Role
from tests.e2e.sdk import NODE_DIR, run_flow

pytestmark = pytest.mark.e2e


def test_the_sdk_login_of_an_mfa_account_needs_the_second_factor(
    live_gateway: str, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MFA_ENCRYPTION_KEY", Fernet.generate_key().decode())
    user, _ = make_user("student", email="guarded@example.test")
    secret = mfa.setup(user["id"], user["email"])["secret"]
    mfa.activate(user["id"], pyotp.TOTP(secret).now(), None)
    admin = Caller(user_id="usr_admin", email="admin@example.test", role=Role.ADMIN)
    app_token = app_tokens.issue(admin, "Front end")["token"]
    revoked = app_tokens.issue(admin, "Old front end")
    app_tokens.revoke(admin, revoked["app_token"]["id"])
    config = {
        "appId": "sparkacademy",
        "appToken": app_token,
        "revokedAppToken": revoked["token"],
        "email": "guarded@example.test",
        "password": "Passw0rd!",
        # the activating code's step is spent; the next step's code is within the drift allowed
        "code": pyotp.TOTP(secret).at(time.time() + 30),
    }
    report = run_flow(NODE_DIR / "mfa_flow.mjs", live_gateway, json.dumps(config))
    assert report["publicCourses"]["ok"]
    assert (report["passwordAlone"]["ok"], report["passwordAlone"]["status"]) == (False, 403)
    assert report["passwordAlone"]["code"] == "MFA_REQUIRED"
    assert report["meAfterPasswordAlone"]["status"] == 401  # the SDK holds no user token
    assert report["verify"] == {"status": 200, "hasToken": True}
    assert report["me"]["value"]["email"] == "guarded@example.test"
    assert (report["revokedAppToken"]["status"], report["revokedAppToken"]["code"]) == (401, "AUTH_REQUIRED")
