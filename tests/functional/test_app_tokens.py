"""Application tokens (the seed's `createClient({token: VITE_BASE44_TOKEN})`): issued by an admin,
naming an app and granting nothing a visitor lacks; revoked or unknown ones are refused."""

from __future__ import annotations

from typing import Any

from entities import store
from tests.helpers import bearer

APP = "/api/apps/sparkacademy"


def _issue(gateway: Any, admin: str, name: str = "Web front end") -> dict[str, Any]:
    resp = gateway.post(f"{APP}/app-tokens", json={"name": name}, headers=bearer(admin))
    assert resp.status_code == 201, resp.get_json()
    return dict(resp.get_json())


def test_only_an_admin_issues_lists_and_revokes_application_tokens(gateway: Any, make_user: Any, db: Any) -> None:
    _, admin = make_user("admin")
    _, instructor = make_user("instructor")
    issued = _issue(gateway, admin)
    assert issued["token"].startswith("b44_app_") and issued["app_token"]["name"] == "Web front end"
    # stored as its digest only
    stored = [d.to_dict() for d in db.collection("_app_tokens").stream()]
    assert len(stored) == 1 and issued["token"] not in str(stored)
    listed = gateway.get(f"{APP}/app-tokens", headers=bearer(admin)).get_json()
    assert [t["id"] for t in listed] == [issued["app_token"]["id"]] and issued["token"] not in str(listed)
    for caller in ({}, bearer(instructor), bearer(issued["token"])):
        assert gateway.post(f"{APP}/app-tokens", json={"name": "x"}, headers=caller).status_code in (401, 403)
        assert gateway.get(f"{APP}/app-tokens", headers=caller).status_code in (401, 403)
    unknown = gateway.post(f"{APP}/app-tokens", json={"name": "x", "role": "admin"}, headers=bearer(admin))
    assert unknown.status_code == 400


def test_a_call_with_an_application_token_acts_as_a_visitor_of_the_app(gateway: Any, make_user: Any) -> None:
    _, admin = make_user("admin")
    token = _issue(gateway, admin)["token"]
    store.create("Course", {"title": "Open", "price": 0, "is_published": True}, created_by="i@example.test")
    store.create("Course", {"title": "Draft", "price": 0, "is_published": False}, created_by="i@example.test")
    listed = gateway.get(f"{APP}/entities/Course", headers=bearer(token))
    assert listed.status_code == 200 and [c["title"] for c in listed.get_json()] == ["Open"]
    # no person behind it: nothing a signed-in user may do
    assert gateway.get(f"{APP}/entities/User/me", headers=bearer(token)).status_code == 401
    assert gateway.post(f"{APP}/entities/Course", json={"title": "Mine"}, headers=bearer(token)).status_code in (
        401,
        403,
    )
    # signing in works from an app holding it, as the SDK does before setToken
    make_user("student", email="visitor@example.test")
    signed_in = gateway.post(
        f"{APP}/auth/login",
        json={"email": "visitor@example.test", "password": "Passw0rd!"},
        headers=bearer(token),
    )
    assert signed_in.status_code == 200 and signed_in.get_json()["user"]["email"] == "visitor@example.test"


def test_revoked_and_unknown_application_tokens_are_refused(gateway: Any, make_user: Any) -> None:
    _, admin = make_user("admin")
    issued = _issue(gateway, admin)
    assert gateway.get(f"{APP}/entities/Course", headers=bearer(issued["token"])).status_code == 200
    revoked = gateway.delete(f"{APP}/app-tokens/{issued['app_token']['id']}", headers=bearer(admin))
    assert revoked.status_code == 200
    refused = gateway.get(f"{APP}/entities/Course", headers=bearer(issued["token"]))
    assert (refused.status_code, refused.get_json()["code"]) == (401, "AUTH_REQUIRED")
    assert "application token" in refused.get_json()["message"]
    made_up = gateway.get(f"{APP}/entities/Course", headers=bearer("b44_app_" + "x" * 43))
    assert made_up.status_code == 401
    again = gateway.delete(f"{APP}/app-tokens/{issued['app_token']['id']}", headers=bearer(admin))
    assert again.status_code == 404
