"""Account security: who may create which account, which User fields anyone may write,
password guessing, and ending sessions."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import jwt
import pytest

from entities import store
from shared import sessions
from tests.helpers import bearer

AUTH = "/api/apps/sparkacademy/auth"
ENTITIES = "/api/apps/sparkacademy/entities"
PASSWORD = "Probe-pass-1!"


def _register(gateway: Any, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return gateway.post(
        f"{AUTH}/register", json={"email": "x@evil.test", "password": PASSWORD, **body}, headers=headers or {}
    )


def _users(db: Any) -> list[dict[str, Any]]:
    return [doc.to_dict() for doc in db.collection("User").stream()]


# --- registration ---------------------------------------------------------------------


def test_register_refuses_admin_role_smuggled_in_data(gateway: Any, db: Any) -> None:
    # GIVEN a sign-up whose top-level role passes but whose data asks for admin
    resp = _register(gateway, role="student", data={"role": "admin"})
    # THEN it is refused and no account exists
    assert resp.status_code in (400, 403), resp.get_json()
    assert "access_token" not in resp.get_json()
    assert _users(db) == []
    alone = _register(gateway, data={"role": "admin"})
    assert alone.status_code == 403 and alone.get_json()["details"] == {"fields": ["role"]}
    assert _users(db) == []


def test_register_cannot_take_another_users_email(gateway: Any, db: Any, make_user: Any) -> None:
    instructor, _ = make_user("instructor", email="instructor@sparkacademy.test")
    course = store.create(
        "Course",
        {"title": "Paid", "price": 99, "is_published": True, "instructor_email": instructor["email"]},
        created_by=instructor["email"],
    )
    as_instructor = _register(gateway, role="instructor", data={"email": "instructor@sparkacademy.test"})
    assert as_instructor.status_code == 400
    as_student = _register(gateway, role="student", data={"email": "instructor@sparkacademy.test"})
    assert as_student.status_code == 400
    assert as_student.get_json()["details"]["fields"] == [{"field": "data.email", "type": "not_a_profile_field"}]
    assert [u["email"] for u in _users(db)] == ["instructor@sparkacademy.test"]
    # Without a token there is nothing to rewrite the course with.
    assert gateway.put(f"{ENTITIES}/Course/{course['id']}", json={"price": 0}).status_code == 401
    assert store.get("Course", course["id"])["price"] == 99


def test_register_student_cannot_read_another_students_enrollments(gateway: Any, db: Any, make_user: Any) -> None:
    kim, _ = make_user("student", email="kim@example.test")
    store.create("Enrollment", {"course_id": "crs_1", "student_email": kim["email"]}, created_by=kim["email"])
    resp = _register(gateway, data={"email": "kim@example.test"})
    assert resp.status_code == 400
    own = _register(gateway, email="mallory@evil.test").get_json()["access_token"]
    assert gateway.get(f"{ENTITIES}/Enrollment", headers=bearer(own)).get_json() == []


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"organization_id": "org_acme"}, 403, "organization_id"),
        ({"role": "org_admin"}, 403, "role"),
        ({"role": "instructor"}, 403, "role"),
        ({"is_verified": True}, 400, "data.is_verified"),
        ({"disabled": False}, 400, "data.disabled"),
        ({"id": "usr_chosen"}, 400, "data.id"),
        ({"created_by": "admin@sparkacademy.test"}, 400, "data.created_by"),
        ({"app_id": "other"}, 400, "data.app_id"),
        ({"department": "Finance"}, 400, "data.department"),
    ],
)
def test_register_data_carries_profile_fields_only(
    gateway: Any, db: Any, data: dict[str, Any], status: int, field: str
) -> None:
    resp = _register(gateway, data=data)
    assert resp.status_code == status, resp.get_json()
    details = resp.get_json()["details"]
    named = details["fields"][0] if status == 403 else details["fields"][0]["field"]
    assert named == field
    assert _users(db) == []


def test_register_organization_at_top_level_needs_an_admin(gateway: Any, db: Any) -> None:
    resp = _register(gateway, organization_id="org_acme")
    assert resp.status_code == 403 and resp.get_json()["details"] == {"fields": ["organization_id"]}
    assert _users(db) == []


def test_register_seed_sign_up_gives_a_verified_free_student_with_a_profile(gateway: Any, db: Any) -> None:
    resp = _register(gateway, data={"role": "student", "full_name": "John Doe", "bio": "Hi", "skills": ["sql"]})
    assert resp.status_code == 200, resp.get_json()
    user = resp.get_json()["user"]
    assert (user["role"], user["full_name"], user["bio"], user["skills"]) == ("student", "John Doe", "Hi", ["sql"])
    assert (user["is_verified"], user["organization_id"], user["created_by"]) == (False, None, "x@evil.test")
    top = gateway.post(f"{AUTH}/register", json={"email": "y@example.test", "password": PASSWORD, "role": "student"})
    assert top.status_code == 200 and top.get_json()["user"]["role"] == "student"


def test_register_admin_creates_any_role_in_an_organization(gateway: Any, db: Any, make_user: Any) -> None:
    admin, admin_token = make_user("admin")
    store.create("Organization", {"name": "Acme"}, created_by=None, id="org_acme")
    resp = _register(
        gateway, headers=bearer(admin_token), role="org_admin", data={"organization_id": "org_acme", "title": "Boss"}
    )
    assert resp.status_code == 200, resp.get_json()
    user = resp.get_json()["user"]
    assert (user["role"], user["organization_id"], user["title"]) == ("org_admin", "org_acme", "Boss")
    assert user["created_by"] == admin["email"] and user["is_verified"] is False
    # Even an admin does not choose identity or verification.
    refused = gateway.post(
        f"{AUTH}/register",
        json={"email": "z@example.test", "password": PASSWORD, "data": {"is_verified": True}},
        headers=bearer(admin_token),
    )
    assert refused.status_code == 400


def test_register_self_signup_roles_are_configuration(gateway: Any, db: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("SELF_SIGNUP_ROLES", "student,instructor")
    assert _register(gateway, data={"role": "instructor"}).get_json()["user"]["role"] == "instructor"
    assert _register(gateway, email="a@example.test", role="admin").status_code == 403


# --- every other path that writes a User ----------------------------------------------------

FORBIDDEN_CHANGES = [
    {"role": "admin"},
    {"role": "org_admin"},
    {"email": "someone.else@example.test"},
    {"organization_id": "org_acme"},
    {"is_verified": True},
    {"disabled": True},
    {"department": "Finance"},
]


@pytest.mark.parametrize("actor", ["student", "instructor"])
@pytest.mark.parametrize("change", FORBIDDEN_CHANGES, ids=lambda c: next(iter(c)))
def test_user_writes_refuse_managed_fields(
    gateway: Any, db: Any, make_user: Any, actor: str, change: dict[str, Any]
) -> None:
    me, token = make_user(actor)
    before = store.get("User", me["id"])
    attempts = [
        gateway.put(f"{ENTITIES}/User/me", json=change, headers=bearer(token)),
        gateway.put(f"{ENTITIES}/User/{me['id']}", json=change, headers=bearer(token)),
        gateway.put(f"{ENTITIES}/User/bulk", json=[{"id": me["id"], **change}], headers=bearer(token)),
        gateway.post(f"{ENTITIES}/User", json={"email": "new@example.test", **change}, headers=bearer(token)),
        gateway.post(f"{ENTITIES}/User/bulk", json=[{"email": "new@example.test", **change}], headers=bearer(token)),
        gateway.post(
            f"{AUTH}/change-password",
            json={"current_password": "Passw0rd!", "new_password": "Next-pass-2", **change},
            headers=bearer(token),
        ),
        gateway.post(f"{AUTH}/reset-password", json={"reset_token": "t" * 20, "new_password": "Next-pass-2", **change}),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403, 403, 400, 400]
    assert store.get("User", me["id"]) == before
    assert len(_users(db)) == 1


@pytest.mark.parametrize("actor", ["student", "instructor"])
def test_user_writes_never_move_identity_or_touch_another_user(
    gateway: Any, db: Any, make_user: Any, actor: str
) -> None:
    me, token = make_user(actor)
    other, _ = make_user("student")
    body = {"id": other["id"], "created_by": other["email"], "created_date": "2000-01-01T00:00:00Z", "bio": "mine"}
    assert gateway.put(f"{ENTITIES}/User/me", json=body, headers=bearer(token)).status_code == 200
    assert gateway.put(f"{ENTITIES}/User/{other['id']}", json={"bio": "x"}, headers=bearer(token)).status_code == 404
    stored = store.get("User", me["id"])
    assert (stored["id"], stored["created_by"], stored["created_date"], stored["bio"]) == (
        me["id"],
        me["created_by"],
        me["created_date"],
        "mine",
    )
    assert store.get("User", other["id"]) == other


def test_user_bulk_update_writes_nothing_when_one_item_is_refused(gateway: Any, db: Any, make_user: Any) -> None:
    me, token = make_user("student")
    other, _ = make_user("student")
    forbidden = gateway.put(
        f"{ENTITIES}/User/bulk", json=[{"id": me["id"], "full_name": "Changed", "role": "admin"}], headers=bearer(token)
    )
    assert forbidden.status_code == 403 and forbidden.get_json()["details"]["items"][0]["index"] == 0
    someone_else = gateway.put(
        f"{ENTITIES}/User/bulk",
        json=[{"id": me["id"], "full_name": "Changed"}, {"id": other["id"], "full_name": "Mine now"}],
        headers=bearer(token),
    )
    assert someone_else.status_code == 404 and [i["index"] for i in someone_else.get_json()["details"]["items"]] == [1]
    assert store.get("User", me["id"]) == me and store.get("User", other["id"]) == other


def test_admin_changes_roles_but_not_identity_or_verification(gateway: Any, db: Any, make_user: Any) -> None:
    _, admin_token = make_user("admin")
    user, _ = make_user("student")
    for change in ({"email": "other@example.test"}, {"is_verified": True}):
        resp = gateway.put(f"{ENTITIES}/User/{user['id']}", json=change, headers=bearer(admin_token))
        assert resp.status_code == 403 and resp.get_json()["details"] == {"fields": sorted(change)}
    promoted = gateway.put(f"{ENTITIES}/User/{user['id']}", json={"role": "instructor"}, headers=bearer(admin_token))
    assert promoted.status_code == 200 and store.get("User", user["id"])["role"] == "instructor"
    assert store.get("User", user["id"])["email"] == user["email"]


# --- password guessing ---------------------------------------------------------------------


def _login(gateway: Any, email: str, password: str) -> Any:
    return gateway.post(f"{AUTH}/login", json={"email": email, "password": password})


def _envelope(resp: Any) -> tuple[int, dict[str, Any], str | None]:
    """Status, body and Retry-After, without what moves with the clock (the time, the seconds left)."""
    body = {k: v for k, v in resp.get_json().items() if k != "timestamp"}
    if isinstance(body.get("details"), dict) and "retry_after" in body["details"]:
        body["details"] = {**body["details"], "retry_after": "<seconds>"}
    return resp.status_code, body, resp.headers.get("Retry-After")


def test_login_locks_after_five_failures_even_with_rate_limits_off(
    gateway: Any, make_user: Any, monkeypatch: Any, capsys: Any
) -> None:
    # GIVEN rate limits switched off, so only the lockout stands between a guesser and the account
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    user, _ = make_user("student")
    capsys.readouterr()
    # WHEN 34 wrong passwords are tried, then the right one
    statuses = [_login(gateway, user["email"], f"Wrong-guess-{n}").status_code for n in range(34)]
    right = _login(gateway, user["email"], "Passw0rd!")
    # THEN the sixth attempt on is refused as locked, the right password too
    assert statuses == [401] * 5 + [423] * 29
    assert right.status_code == 423 and right.get_json()["code"] == "ACCOUNT_LOCKED"
    assert 0 < int(right.headers["Retry-After"]) <= 15 * 60
    assert right.get_json()["details"] == {"retry_after": int(right.headers["Retry-After"])}
    logged = [line for line in capsys.readouterr().out.splitlines() if '"WARNING"' in line]
    assert len(logged) == 1 and "sign-in locked" in logged[0]
    assert "Wrong-guess" not in logged[0] and "Passw0rd" not in logged[0]


def test_login_parallel_guesses_cannot_outrun_the_lock(make_user: Any, db: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from entities import accounts
    from shared.errors import AppError

    user, _ = make_user("student")
    guess = accounts.LoginRequest(email=user["email"], password="Wrong-guess-1")

    def attempt(_: int) -> str:
        try:
            accounts.login(guess)
        except AppError as exc:
            return exc.code
        return "SIGNED_IN"

    # WHEN eight guesses race, four at a time
    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(attempt, range(8)))
    # THEN at most five were checked (one that loses the race for the counter is refused: 503 or 423)
    assert set(codes) <= {"INVALID_CREDENTIALS", "ACCOUNT_LOCKED", "SERVICE_UNAVAILABLE"}
    # AND guessing on, one at a time, the account locks after exactly five checked guesses in all
    while codes[-1] != "ACCOUNT_LOCKED" and len(codes) < 20:
        codes.append(attempt(0))
    assert codes.count("INVALID_CREDENTIALS") == 5
    counter = next(iter(db.collection("_login_failures").stream())).to_dict()
    assert counter["count"] == 5 and counter["locked_until"] > time.time()


def test_login_lockout_is_configurable_and_ends(gateway: Any, make_user: Any, monkeypatch: Any, db: Any) -> None:
    monkeypatch.setenv("LOGIN_LOCKOUT_THRESHOLD", "2")
    monkeypatch.setenv("LOGIN_LOCKOUT_SECONDS", "4")  # long enough for two slow password checks
    user, _ = make_user("student")
    assert [_login(gateway, user["email"], "Wrong-guess-1").status_code for _ in range(2)] == [401, 401]
    assert _login(gateway, user["email"], "Passw0rd!").status_code == 423
    time.sleep(4.1)
    assert _login(gateway, user["email"], "Passw0rd!").status_code == 200
    assert list(db.collection("_login_failures").stream()) == []


def test_login_success_clears_the_count_and_old_failures_expire(gateway: Any, make_user: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    monkeypatch.setenv("LOGIN_LOCKOUT_WINDOW_SECONDS", "1")
    user, _ = make_user("student")
    for _ in range(4):
        assert _login(gateway, user["email"], "Wrong-guess-1").status_code == 401
    assert _login(gateway, user["email"], "Passw0rd!").status_code == 200
    for _ in range(4):
        assert _login(gateway, user["email"], "Wrong-guess-1").status_code == 401
    time.sleep(1.1)  # those four fall out of the window
    for _ in range(4):
        assert _login(gateway, user["email"], "Wrong-guess-1").status_code == 401
    assert _login(gateway, user["email"], "Passw0rd!").status_code == 200


def test_login_lockout_tells_nothing_about_unknown_emails(
    gateway: Any, make_user: Any, monkeypatch: Any, db: Any
) -> None:
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    make_user("student", email="known@example.test")
    known = [_envelope(_login(gateway, "known@example.test", "Wrong-guess-1")) for _ in range(6)]
    unknown = [_envelope(_login(gateway, "Nobody@Example.test ", "Wrong-guess-1")) for _ in range(6)]
    assert [(s, b) for s, b, _ in known] == [(s, b) for s, b, _ in unknown]
    assert [s for s, _, _ in unknown] == [401] * 5 + [423]
    assert known[5][2] is not None and unknown[5][2] is not None
    keys = sorted(doc.id for doc in db.collection("_login_failures").stream())
    expected = sorted(hashlib.sha256(e.encode()).hexdigest() for e in ("known@example.test", "nobody@example.test"))
    assert keys == expected


# --- ending sessions -----------------------------------------------------------------------


def _me(gateway: Any, token: str) -> Any:
    return gateway.get(f"{ENTITIES}/User/me", headers=bearer(token))


def _sign_in(gateway: Any, email: str, password: str = "Passw0rd!") -> str:
    resp = _login(gateway, email, password)
    assert resp.status_code == 200, resp.get_json()
    return str(resp.get_json()["access_token"])


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def _assert_ended(resp: Any) -> None:
    assert resp.status_code == 401
    assert (resp.get_json()["code"], resp.get_json()["message"]) == ("AUTH_REQUIRED", "Session ended; sign in again")


def test_logout_ends_that_session_only_and_at_once(gateway: Any, make_user: Any) -> None:
    user, _ = make_user("student")
    laptop, phone = _sign_in(gateway, user["email"]), _sign_in(gateway, user["email"])
    assert _claims(laptop)["sid"] != _claims(phone)["sid"]
    assert _me(gateway, laptop).status_code == 200  # verified once, so remembered by the token cache
    out = gateway.post(f"{AUTH}/logout", headers=bearer(laptop))
    assert out.status_code == 200 and out.get_json() == {"success": True}
    _assert_ended(_me(gateway, laptop))
    _assert_ended(gateway.post(f"{AUTH}/logout", headers=bearer(laptop)))
    assert _me(gateway, phone).status_code == 200
    assert gateway.post(f"{AUTH}/logout").get_json() == {"success": True}  # no token: nothing to end


def test_password_change_ends_every_session_and_answers_a_new_one(gateway: Any, make_user: Any) -> None:
    user, _ = make_user("student")
    laptop, phone = _sign_in(gateway, user["email"]), _sign_in(gateway, user["email"])
    resp = gateway.post(
        f"{AUTH}/change-password",
        json={"current_password": "Passw0rd!", "new_password": "Next-pass-2"},
        headers=bearer(laptop),
    )
    assert resp.status_code == 200 and resp.get_json()["success"] is True
    fresh = resp.get_json()["access_token"]
    assert resp.get_json()["session"]["token"] == fresh and resp.get_json()["user"]["id"] == user["id"]
    _assert_ended(_me(gateway, laptop))
    _assert_ended(_me(gateway, phone))
    assert _me(gateway, fresh).status_code == 200
    assert _me(gateway, _sign_in(gateway, user["email"], "Next-pass-2")).status_code == 200


def test_password_reset_ends_every_session(gateway: Any, make_user: Any, db: Any) -> None:
    user, _ = make_user("student")
    token = _sign_in(gateway, user["email"])
    assert gateway.post(f"{AUTH}/reset-password-request", json={"email": user["email"]}).status_code == 200
    mail = next(iter(db.collection("mail").stream())).to_dict()
    reset_token = mail["template"]["data"]["reset_token"]
    done = gateway.post(f"{AUTH}/reset-password", json={"reset_token": reset_token, "new_password": "Brand-new-2"})
    assert done.status_code == 200
    _assert_ended(_me(gateway, token))
    assert _me(gateway, _sign_in(gateway, user["email"], "Brand-new-2")).status_code == 200


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_another_instance_refuses_an_ended_session_within_the_refresh_bound(gateway: Any, make_user: Any) -> None:
    # GIVEN a second instance's view, already loaded, with its own clock
    user, _ = make_user("student")
    laptop, phone = _sign_in(gateway, user["email"]), _sign_in(gateway, user["email"])
    clock = _Clock()
    other = sessions.RevocationView(clock=clock)
    assert other.is_ended(_claims(laptop)) is False and other.queries == 1
    # WHEN this instance ends the laptop's session
    assert gateway.post(f"{AUTH}/logout", headers=bearer(laptop)).status_code == 200
    # THEN the other instance, within the bound, spends no read per call on live sessions
    clock.now += 1.5
    assert [other.is_ended(_claims(phone)) for _ in range(50)] == [False] * 50
    assert other.queries == 1
    # AND once its view is older than the bound, the next call refreshes it and refuses the token
    clock.now += 0.6
    assert other.is_ended(_claims(laptop)) is True and other.queries == 2
    assert other.is_ended(_claims(phone)) is False
    # WHEN the password changes here, every session ends there too
    changed = gateway.post(
        f"{AUTH}/change-password",
        json={"current_password": "Passw0rd!", "new_password": "Next-pass-2"},
        headers=bearer(phone),
    )
    clock.now += 2.1
    assert other.is_ended(_claims(phone)) is True
    assert other.is_ended(_claims(changed.get_json()["access_token"])) is False
    # AND a new instance loads every unexpired ending before it lets a token through
    newcomer = sessions.RevocationView(clock=_Clock())
    assert newcomer.is_ended(_claims(laptop)) is True and newcomer.is_ended(_claims(phone)) is True
    assert newcomer.queries == 1


def test_the_refresh_bound_is_a_setting(gateway: Any, make_user: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("REVOCATION_REFRESH_SECONDS", "0.2")
    user, _ = make_user("student")
    token = _sign_in(gateway, user["email"])
    clock = _Clock()
    other = sessions.RevocationView(clock=clock)
    assert other.is_ended(_claims(token)) is False
    assert gateway.post(f"{AUTH}/logout", headers=bearer(token)).status_code == 200
    clock.now += 0.25
    assert other.is_ended(_claims(token)) is True


# --- the browser's sign-out redirect ----------------------------------------------------------

BROWSER_LOGOUT = "/api/apps/auth/logout"


@pytest.mark.parametrize(
    ("from_url", "location"),
    [
        ("https://academy.example/courses?tab=mine", "https://academy.example/courses?tab=mine"),
        ("https://ACADEMY.example:443/", "https://academy.example:443/"),
        ("/dashboard", "https://academy.example/dashboard"),
        (None, "https://academy.example/"),
        ("https://app.partner.example/x", "https://app.partner.example/x"),
    ],
)
def test_browser_logout_redirects_to_allowed_origins(
    gateway: Any, monkeypatch: Any, from_url: str | None, location: str
) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://academy.example")
    monkeypatch.setenv("ALLOWED_REDIRECT_ORIGINS", "https://academy.example, https://app.partner.example")
    resp = gateway.get(BROWSER_LOGOUT, query_string={"from_url": from_url} if from_url else {})
    assert resp.status_code == 302 and resp.headers["Location"] == location


@pytest.mark.parametrize(
    "from_url",
    [
        "https://evil.test/",
        "//evil.test",
        "//evil.test/https://academy.example",
        "javascript:alert(document.cookie)",
        "/\\evil.test",
        "\\\\evil.test",
        "https://academy.example\\@evil.test",
        "https://academy.example@evil.test/",
        "https://academy.example.evil.test/",
        "http://academy.example/",
        "https://academy.example:8443/",
        "https:evil.test",
        "/\t/evil.test",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_browser_logout_never_redirects_elsewhere(gateway: Any, monkeypatch: Any, from_url: str) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://academy.example")
    resp = gateway.get(BROWSER_LOGOUT, query_string={"from_url": from_url})
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert resp.get_json()["details"] == {"fields": [{"field": "from_url", "type": "redirect"}]}


# --- account changes end sessions ------------------------------------------------------------


@pytest.mark.parametrize(
    "change", [{"role": "instructor"}, {"disabled": True}, {"organization_id": "org_other"}], ids=str
)
def test_an_account_change_that_a_token_depends_on_ends_its_sessions(
    gateway: Any, db: Any, make_user: Any, change: dict[str, Any]
) -> None:
    # GIVEN a signed-in student, and an admin
    _, admin_token = make_user("admin")
    user, token = make_user("student")
    me = f"{ENTITIES}/User/me"
    assert gateway.get(me, headers=bearer(token)).status_code == 200
    # WHEN the admin changes what the student's token was issued on
    assert gateway.put(f"{ENTITIES}/User/{user['id']}", json=change, headers=bearer(admin_token)).status_code == 200
    # THEN the old token is refused at once, with the session-ended message
    refused = gateway.get(me, headers=bearer(token))
    assert refused.status_code == 401 and refused.get_json()["message"] == "Session ended; sign in again"


def test_a_profile_change_keeps_the_session_and_a_deleted_account_loses_it(
    gateway: Any, db: Any, make_user: Any
) -> None:
    _, admin_token = make_user("admin")
    user, token = make_user("student")
    me = f"{ENTITIES}/User/me"
    assert gateway.put(me, json={"bio": "Hello"}, headers=bearer(token)).status_code == 200
    assert gateway.get(me, headers=bearer(token)).status_code == 200
    assert gateway.delete(f"{ENTITIES}/User/{user['id']}", headers=bearer(admin_token)).status_code == 200
    courses = gateway.get(f"{ENTITIES}/Course", headers=bearer(token))
    assert courses.status_code == 401 and courses.get_json()["message"] == "Session ended; sign in again"
