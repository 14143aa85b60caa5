"""Register, login, password reset and change through the Base44 auth routes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.helpers import bearer

AUTH = "/api/apps/sparkacademy/auth"


def _register(gateway: Any, **body: Any) -> Any:
    return gateway.post(f"{AUTH}/register", json={"email": "Jo@Example.test", "password": "Good-pass-1", **body})


def test_register_answers_both_session_shapes_and_hides_the_hash(gateway: Any, db: Any) -> None:
    resp = _register(gateway, data={"full_name": "Jo Doe", "role": "student"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["access_token"] == body["session"]["token"]
    assert body["user"]["email"] == "jo@example.test" and body["user"]["role"] == "student"
    assert body["user"]["full_name"] == "Jo Doe"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["user"]["created_at"])  # the seed's field
    assert body["user"]["created_at"] == body["user"]["created_date"][:19] + "Z"
    stored = db.collection("_credentials").document(body["user"]["id"]).get().to_dict()
    assert stored["password_hash"].startswith("$argon2id$")
    # Neither the password nor its hash leaves the server, under any key (the token is random text).
    assert not any("password" in key or "hash" in key for key in _keys(body))
    assert "Good-pass-1" not in resp.get_data(as_text=True) and stored["password_hash"] not in resp.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short1"}, "password"),
        ({"password": "onlyletters"}, "password"),
        ({"nickname": "jo"}, "nickname"),
        ({"role": "wizard"}, "role"),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(gateway: Any, db: Any, body: dict[str, Any], field: str) -> None:
    resp = _register(gateway, **body)
    assert resp.status_code == 400
    assert [f["field"] for f in resp.get_json()["details"]["fields"]] == [field]
    assert list(db.collection("User").stream()) == []


def test_refused_fields_say_why_without_echoing_the_value(gateway: Any, db: Any) -> None:
    # GIVEN a password the strength rule refuses, and an email that is not one
    resp = _register(gateway, email="no-at-sign-here", password="onlyletters")
    # THEN each field names its reason in words, and neither value comes back
    assert resp.status_code == 400
    assert resp.get_json()["details"]["fields"] == [
        {"field": "email", "type": "value_error", "message": "not a valid email address"},
        {
            "field": "password",
            "type": "value_error",
            "message": "password must mix upper and lower case letters and digits",
        },
    ]
    assert "onlyletters" not in resp.get_data(as_text=True) and "no-at-sign-here" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "org_admin", "instructor"])
def test_self_registration_creates_students_only(gateway: Any, db: Any, role: str) -> None:
    resp = _register(gateway, role=role)
    assert resp.status_code == 403
    assert list(db.collection("User").stream()) == []


def test_duplicate_email_is_409_whatever_the_case(gateway: Any) -> None:
    assert _register(gateway).status_code == 200
    again = gateway.post(f"{AUTH}/register", json={"email": "jo@example.TEST", "password": "Other-pass-2"})
    assert again.status_code == 409 and again.get_json()["code"] == "CONFLICT"


def test_login_does_not_tell_unknown_emails_from_wrong_passwords(gateway: Any) -> None:
    _register(gateway)
    wrong = gateway.post(f"{AUTH}/login", json={"email": "jo@example.test", "password": "Bad-pass-1"})
    unknown = gateway.post(f"{AUTH}/login", json={"email": "nobody@example.test", "password": "Bad-pass-1"})
    assert wrong.get_json()["message"] == unknown.get_json()["message"] == "Invalid email or password"
    assert wrong.status_code == unknown.status_code == 401
    ok = gateway.post(f"{AUTH}/login", json={"email": "JO@example.test", "password": "Good-pass-1"})
    assert ok.status_code == 200 and ok.get_json()["user"]["email"] == "jo@example.test"


def test_password_reset_round_trip_uses_a_one_time_token(gateway: Any, db: Any) -> None:
    _register(gateway)
    for email in ("jo@example.test", "stranger@example.test"):
        resp = gateway.post(f"{AUTH}/reset-password-request", json={"email": email})
        assert resp.status_code == 200 and resp.get_json()["success"] is True
    mails = [m.to_dict() for m in db.collection("mail").stream()]
    assert [m["to"] for m in mails] == ["jo@example.test"]
    token = re.search(r"token=([\w-]+)", mails[0]["message"]["text"]).group(1)  # type: ignore[union-attr]
    assert list(db.collection("_password_resets").document(token).get().to_dict() or {}) == []  # stored hashed
    done = gateway.post(f"{AUTH}/reset-password", json={"reset_token": token, "new_password": "Brand-new-2"})
    assert done.status_code == 200
    reused = gateway.post(f"{AUTH}/reset-password", json={"reset_token": token, "new_password": "Brand-new-3"})
    assert reused.status_code == 400
    assert (
        gateway.post(f"{AUTH}/login", json={"email": "jo@example.test", "password": "Brand-new-2"}).status_code == 200
    )


def test_change_password_requires_the_current_one_and_the_same_user(gateway: Any, make_user: Any) -> None:
    token = _register(gateway).get_json()["access_token"]
    other, _ = make_user("student")
    wrong = gateway.post(
        f"{AUTH}/change-password",
        json={"current_password": "nope-nope-1", "new_password": "Next-pass-2"},
        headers=bearer(token),
    )
    assert wrong.status_code == 401 and wrong.get_json()["code"] == "INVALID_CREDENTIALS"
    someone = gateway.post(
        f"{AUTH}/change-password",
        json={"user_id": other["id"], "current_password": "Good-pass-1", "new_password": "Next-pass-2"},
        headers=bearer(token),
    )
    assert someone.status_code == 403
    anonymous = gateway.post(
        f"{AUTH}/change-password", json={"current_password": "Good-pass-1", "new_password": "Next-pass-2"}
    )
    assert anonymous.status_code == 401
    ok = gateway.post(
        f"{AUTH}/change-password",
        json={"current_password": "Good-pass-1", "new_password": "Next-pass-2"},
        headers=bearer(token),
    )
    assert ok.status_code == 200
    assert (
        gateway.post(f"{AUTH}/login", json={"email": "jo@example.test", "password": "Next-pass-2"}).status_code == 200
    )


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in (k, *_keys(v))]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []
