"""7P sign-up, sign-in, refresh-token rotation, sign-out, sessions, lockout, over the Base44 accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.rest.conftest import API, PASSWORD, Clock, bearer, login

BASE44 = "/api/apps/sparkacademy"


@pytest.fixture
def no_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")


def _refresh(gateway: Any, token: str) -> Any:
    return gateway.post(f"{API}/auth/refresh", json={"refresh_token": token})


def _sessions(gateway: Any, token: str) -> Any:
    return gateway.get(f"{API}/auth/sessions", headers=bearer(token))


def test_login_answers_tokens_and_the_user(gateway: Any, account: Any) -> None:
    user = account()
    resp = login(gateway, "  Learner@Example.test ")
    body = resp.get_json()
    assert resp.status_code == 200 and body["success"] is True
    assert body["token_type"] == "Bearer" and 3590 <= body["expires_in"] <= 3600
    assert body["access_token"] != body["refresh_token"] and body["refresh_token"].count(".") == 0  # opaque
    assert body["user"] == {
        "id": user["id"],
        "email": "learner@example.test",
        "name": "Learner",
        "full_name": "Learner",
        "role": "student",
        "is_verified": False,
        "mfa_enabled": False,
    }


def test_register_creates_an_account_both_surfaces_sign_in_to(gateway: Any, db: Any) -> None:
    resp = gateway.post(
        f"{API}/auth/register",
        json={"email": "new@example.test", "password": "Fresh-Pass-9", "full_name": "Nia", "phone": "+14155550123"},
    )
    body = resp.get_json()
    assert resp.status_code == 201
    assert body["success"] is True and body["message"] == "Registration successful. Please verify your email."
    user = db.collection("User").document(body["user_id"]).get().to_dict()
    assert (user["role"], user["phone"], user["is_verified"]) == ("student", "+14155550123", False)
    base44 = gateway.post(f"{BASE44}/auth/login", json={"email": "new@example.test", "password": "Fresh-Pass-9"})
    assert base44.status_code == 200
    # the verification mail is queued; its link's token verifies the address once
    mail = [d.to_dict() for d in db.collection("mail").stream()]
    assert [m["template"]["name"] for m in mail] == ["email_verification"]
    token = mail[0]["template"]["data"]["verification_token"]
    assert gateway.post(f"{API}/auth/verify-email", json={"token": token}).status_code == 200
    assert db.collection("User").document(body["user_id"]).get().to_dict()["is_verified"] is True
    again = gateway.post(f"{API}/auth/verify-email", json={"token": token})
    assert (again.status_code, again.get_json()["code"]) == (400, "VALIDATION_ERROR")
    taken = gateway.post(
        f"{API}/auth/register", json={"email": "new@example.test", "password": "Fresh-Pass-9", "full_name": "N"}
    )
    assert (taken.status_code, taken.get_json()["code"]) == (409, "CONFLICT")


@pytest.mark.parametrize("password", ["all-lower-1", "ALL-UPPER-1", "No-Digits-Here", "Sh0rt"])
def test_one_password_policy_on_both_surfaces(gateway: Any, db: Any, password: str) -> None:
    seven_p = gateway.post(
        f"{API}/auth/register", json={"email": "p@example.test", "password": password, "full_name": "P"}
    )
    assert (seven_p.status_code, seven_p.get_json()["code"]) == (400, "VALIDATION_ERROR")
    base44 = gateway.post(f"{BASE44}/auth/register", json={"email": "p@example.test", "password": password})
    assert (base44.status_code, base44.get_json()["code"]) == (400, "INVALID_PARAMETERS")
    assert list(db.collection("User").stream()) == []


def test_phone_must_be_e164(gateway: Any) -> None:
    resp = gateway.post(
        f"{API}/auth/register",
        json={"email": "p@example.test", "password": "Fresh-Pass-9", "full_name": "P", "phone": "0415 555 0123"},
    )
    assert resp.status_code == 400 and resp.get_json()["details"]["fields"][0]["field"] == "phone"


def test_a_client_keeping_its_one_refresh_token_keeps_its_session(gateway: Any, account: Any, clock: Clock) -> None:
    """Seed 001, Refresh Token: the answer is `{success, access_token, expires_in}`, so a seed
    client refreshes again and again with the refresh token its login gave it."""
    account()
    tokens = login(gateway, "learner@example.test").get_json()
    for _ in range(3):
        clock.advance(3600)  # each access token has expired by the next refresh
        again = _refresh(gateway, tokens["refresh_token"])
        body = again.get_json()
        assert again.status_code == 200, body
        assert body["success"] is True and body["expires_in"] > 3500
        assert body["session_id"] == tokens["session_id"] and body["refresh_token"] == tokens["refresh_token"]
        assert _sessions(gateway, body["access_token"]).status_code == 200
    clock.advance(24 * 3600)  # past the refresh token's own lifetime (a day without remember_me)
    assert _refresh(gateway, tokens["refresh_token"]).status_code == 401


def test_refresh_rotates_on_request_and_a_reused_token_ends_the_whole_session(
    gateway: Any, account: Any, capsys: Any
) -> None:
    account()
    first = login(gateway, "learner@example.test").get_json()
    second = gateway.post(f"{API}/auth/refresh", json={"refresh_token": first["refresh_token"], "rotate": True})
    second = second.get_json()
    assert second["success"] is True and second["refresh_token"] != first["refresh_token"]
    assert second["session_id"] == first["session_id"] and second["expires_in"] > 3500
    assert _sessions(gateway, second["access_token"]).status_code == 200
    # WHEN the spent token is presented again (it leaked)
    reused = _refresh(gateway, first["refresh_token"])
    assert (reused.status_code, reused.get_json()["code"]) == (401, "AUTH_REQUIRED")
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    reuse = [entry for entry in logged if entry.get("code") == "AUTH_TOKEN_REUSED"]
    assert [(e["severity"], e["session_id"]) for e in reuse] == [("WARNING", first["session_id"])]
    # THEN its family is revoked: the newest refresh token and the session's access tokens too
    assert _refresh(gateway, second["refresh_token"]).status_code == 401
    assert _sessions(gateway, second["access_token"]).status_code == 401
    assert _sessions(gateway, first["access_token"]).status_code == 401


def test_unknown_refresh_tokens_are_refused(gateway: Any) -> None:
    resp = _refresh(gateway, "not-a-token-at-all")
    assert (resp.status_code, resp.get_json()["code"]) == (401, "AUTH_REQUIRED")


def test_logged_out_tokens_are_refused_on_the_next_call(gateway: Any, account: Any) -> None:
    account()
    tokens = login(gateway, "learner@example.test").get_json()
    out = gateway.post(f"{API}/auth/logout", headers=bearer(tokens["access_token"]))
    assert out.get_json() == {"success": True, "message": "Logged out successfully"}
    assert _sessions(gateway, tokens["access_token"]).status_code == 401
    assert gateway.get(f"{BASE44}/entities/User/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert _refresh(gateway, tokens["refresh_token"]).status_code == 401


@pytest.mark.parametrize(("remember_me", "works_after_two_days"), [(False, False), (True, True)])
def test_remember_me_keeps_the_refresh_token_seven_days(
    gateway: Any, account: Any, clock: Clock, remember_me: bool, works_after_two_days: bool
) -> None:
    account()
    tokens = login(gateway, "learner@example.test", remember_me=remember_me).get_json()
    clock.advance(2 * 24 * 3600)
    assert (_refresh(gateway, tokens["refresh_token"]).status_code == 200) is works_after_two_days
    if remember_me:
        clock.advance(6 * 24 * 3600)  # eight days in
        later = login(gateway, "learner@example.test", remember_me=True).get_json()
        clock.advance(7 * 24 * 3600 + 1)
        assert _refresh(gateway, later["refresh_token"]).status_code == 401


def test_a_password_reset_ends_every_session_and_its_refresh_tokens(gateway: Any, account: Any, db: Any) -> None:
    account()
    tokens = login(gateway, "learner@example.test").get_json()
    asked = gateway.post(f"{API}/auth/reset-password", json={"email": "learner@example.test"})
    assert asked.get_json() == {"success": True, "message": "Password reset email sent"}
    unknown = gateway.post(f"{API}/auth/reset-password", json={"email": "nobody@example.test"})
    assert unknown.get_json() == asked.get_json()
    mail = [d.to_dict() for d in db.collection("mail").stream()]
    token = mail[0]["template"]["data"]["reset_token"]
    weak = gateway.post(f"{API}/auth/reset-password/confirm", json={"token": token, "new_password": "weakpass1"})
    assert weak.status_code == 400
    done = gateway.post(f"{API}/auth/reset-password/confirm", json={"token": token, "new_password": "Newer-Pass-2"})
    assert done.status_code == 200
    assert _sessions(gateway, tokens["access_token"]).status_code == 401
    assert _refresh(gateway, tokens["refresh_token"]).status_code == 401
    assert login(gateway, "learner@example.test", "Newer-Pass-2").status_code == 200


def test_a_password_change_on_the_base44_surface_ends_refresh_tokens_here(gateway: Any, account: Any) -> None:
    account()
    tokens = login(gateway, "learner@example.test").get_json()
    changed = gateway.post(
        f"{BASE44}/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "Other-Pass-3"},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 200
    assert _refresh(gateway, tokens["refresh_token"]).status_code == 401


def test_sessions_list_devices_and_end_one(gateway: Any, account: Any) -> None:
    account()
    laptop = login(gateway, "learner@example.test", ip="192.0.2.10").get_json()
    phone = gateway.post(
        f"{API}/auth/login",
        json={"email": "learner@example.test", "password": PASSWORD},
        headers={"User-Agent": "Phone/2.0"},
        environ_base={"REMOTE_ADDR": "192.0.2.20"},
    ).get_json()
    listed = _sessions(gateway, laptop["access_token"]).get_json()["sessions"]
    assert [(s["user_agent"], s["ip_address"], s["current"]) for s in listed] == [
        ("Phone/2.0", "192.0.2.20", False),
        ("pytest-device/1.0", "192.0.2.10", True),
    ]
    assert all(s["created_at"] and s["last_used_at"] and s["expires_at"] for s in listed)
    ended = gateway.delete(f"{API}/auth/sessions/{phone['session_id']}", headers=bearer(laptop["access_token"]))
    assert ended.status_code == 200
    assert _sessions(gateway, phone["access_token"]).status_code == 401
    assert _refresh(gateway, phone["refresh_token"]).status_code == 401
    assert [s["id"] for s in _sessions(gateway, laptop["access_token"]).get_json()["sessions"]] == [
        laptop["session_id"]
    ]


def test_nobody_ends_another_users_session(gateway: Any, account: Any) -> None:
    account()
    account("other@example.test")
    mine = login(gateway, "learner@example.test").get_json()
    theirs = login(gateway, "other@example.test").get_json()
    resp = gateway.delete(f"{API}/auth/sessions/{theirs['session_id']}", headers=bearer(mine["access_token"]))
    assert (resp.status_code, resp.get_json()["code"]) == (404, "NOT_FOUND")
    assert _sessions(gateway, theirs["access_token"]).status_code == 200


def test_too_many_sessions_end_the_oldest(gateway: Any, account: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_SESSIONS_PER_USER", "2")
    account()
    oldest, middle, newest = (login(gateway, "learner@example.test").get_json() for _ in range(3))
    assert _sessions(gateway, oldest["access_token"]).status_code == 401
    assert _refresh(gateway, oldest["refresh_token"]).status_code == 401
    listed = _sessions(gateway, newest["access_token"]).get_json()["sessions"]
    assert [s["id"] for s in listed] == [newest["session_id"], middle["session_id"]]


def test_five_wrong_passwords_lock_the_account_with_423(gateway: Any, account: Any, no_rate_limits: None) -> None:
    account()
    for _ in range(5):
        assert login(gateway, "learner@example.test", "Wrong-Pass-1").status_code == 401
    locked = login(gateway, "learner@example.test")
    body = locked.get_json()
    assert (locked.status_code, body["code"], body["success"]) == (423, "AUTH_ACCOUNT_LOCKED", False)
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    # the Base44 surface shares the lock
    base44 = gateway.post(f"{BASE44}/auth/login", json={"email": "learner@example.test", "password": PASSWORD})
    assert (base44.status_code, base44.get_json()["code"]) == (423, "ACCOUNT_LOCKED")


def test_unknown_and_known_emails_are_indistinguishable(gateway: Any, account: Any, no_rate_limits: None) -> None:
    account()
    known = [login(gateway, "learner@example.test", "Wrong-Pass-1") for _ in range(6)]
    unknown = [login(gateway, "ghost@example.test", "Wrong-Pass-1") for _ in range(6)]
    for a, b in zip(known, unknown, strict=True):
        assert a.status_code == b.status_code
        # the same answer, but for the seconds a lock has left, which pass while the test runs
        same = {**a.get_json(), "details": sorted(a.get_json()["details"])}
        assert same == {**b.get_json(), "details": sorted(b.get_json()["details"])}
    assert [r.status_code for r in known] == [401] * 5 + [423]


def test_an_admin_changing_a_role_ends_refresh_tokens_too(gateway: Any, account: Any) -> None:
    user = account()
    account("admin@example.test", "admin")
    tokens = login(gateway, "learner@example.test").get_json()
    admin = login(gateway, "admin@example.test").get_json()["access_token"]
    changed = gateway.put(f"{BASE44}/entities/User/{user['id']}", json={"role": "instructor"}, headers=bearer(admin))
    assert changed.status_code == 200
    assert _refresh(gateway, tokens["refresh_token"]).status_code == 401
    assert _sessions(gateway, tokens["access_token"]).status_code == 401
    assert login(gateway, "learner@example.test").get_json()["user"]["role"] == "instructor"
