"""provisionUsers and enterpriseProvisionUsers through HTTP: every per-row outcome,
re-runs that change nothing, invitations through the reset flow, the hourly allowance
per organization, and each org admin confined to their own organization."""

from __future__ import annotations

import time
from typing import Any

import pytest

from entities import accounts, store
from entities.organization import membership_id
from functions.enterprise.provisioning import QUOTA
from functions.enterprise.responses import ProvisionUsersResponse
from tests.enterprise.conftest import APP, invoke


def _rows(answer: Any) -> dict[str, tuple[str, str | None]]:
    body = answer.get_json()
    assert answer.status_code == 200, body
    ProvisionUsersResponse.model_validate(body)
    return {row["email"]: (row["outcome"], row["reason"]) for row in body["users"]}


def _mail_to(db: Any, email: str) -> list[dict[str, Any]]:
    from google.cloud.firestore import FieldFilter

    return [d.to_dict() for d in db.collection(accounts.MAIL).where(filter=FieldFilter("to", "==", email)).stream()]


def test_provisioning_creates_members_invited_to_choose_a_password(gateway: Any, db: Any, acme: Any) -> None:
    org, token = acme
    body = {
        "users": [
            {"email": "User1@Company.com", "full_name": "User One", "role": "student"},
            {"email": "user2@company.com", "full_name": "User Two", "role": "instructor"},
        ],
        "organizationId": org["id"],
    }
    answer = invoke(gateway, "provisionUsers", body, token)
    result = answer.get_json()
    assert _rows(answer) == {"user1@company.com": ("created", None), "user2@company.com": ("created", None)}
    assert (result["success"], result["provisioned"], result["failed"], result["created"]) == (True, 2, 0, 2)
    assert [(row["email"], row["status"]) for row in result["users"]] == [  # the seed's shape
        ("user1@company.com", "active"),
        ("user2@company.com", "active"),
    ]
    one = store.get("User", result["users"][0]["id"])
    assert (one["organization_id"], one["role"], one["full_name"]) == (org["id"], "student", "User One")
    assert store.get("User", result["users"][1]["id"])["role"] == "instructor"
    member = store.get("Membership", membership_id(org["id"], "user1@company.com"))
    assert (member["user_id"], member["status"], member["source"]) == (one["id"], "active", "provisioning")
    assert not db.collection(accounts.CREDENTIALS).document(one["id"]).get().exists  # no password yet
    login = {"email": "user1@company.com", "password": "Chosen-pass-1"}
    assert gateway.post(f"{APP}/auth/login", json=login).status_code == 401
    (mail,) = _mail_to(db, "user1@company.com")
    invitation = mail["template"]["data"]["reset_token"]
    assert invitation in mail["message"]["text"] and "Acme" in mail["message"]["subject"]
    chosen = {"reset_token": invitation, "new_password": "Chosen-pass-1"}
    assert gateway.post(f"{APP}/auth/reset-password", json=chosen).status_code == 200
    signed_in = gateway.post(f"{APP}/auth/login", json=login)
    assert signed_in.status_code == 200 and signed_in.get_json()["user"]["organization_id"] == org["id"]
    again = gateway.post(f"{APP}/auth/reset-password", json={**chosen, "new_password": "Other-pass-2"})
    assert again.status_code == 400  # single use


def test_running_the_same_call_again_changes_nothing(gateway: Any, db: Any, acme: Any) -> None:
    org, token = acme
    body = {
        "users": [{"email": f"p{i}@acme.test", "full_name": f"P {i}"} for i in range(3)],
        "organizationId": org["id"],
    }
    first = invoke(gateway, "provisionUsers", body, token).get_json()
    users_before = {d.id: d.to_dict() for d in db.collection("User").stream()}
    mail_before = len(list(db.collection(accounts.MAIL).stream()))
    second = invoke(gateway, "provisionUsers", body, token)
    assert set(_rows(second).values()) == {("existing", None)}
    assert [u["id"] for u in second.get_json()["users"]] == [u["id"] for u in first["users"]]
    assert second.get_json()["provisioned"] == 3 and second.get_json()["created"] == 0
    assert {d.id: d.to_dict() for d in db.collection("User").stream()} == users_before
    assert len(list(db.collection(accounts.MAIL).stream())) == mail_before


def test_each_row_is_answered_on_its_own(gateway: Any, make_user: Any, acme: Any, globex: Any) -> None:
    (org, token), (other, _) = acme, globex
    make_user("student", email="theirs@globex.test", organization_id=other["id"])
    make_user("student", email="personal@example.test")
    make_user("student", email="ours@acme.test", organization_id=org["id"])  # registered, no membership yet
    rows = [
        {"email": "new@acme.test"},
        {"email": "not-an-email"},
        {"email": "x@acme.test", "shoe_size": 44},
        {"email": "boss@acme.test", "role": "admin"},
        {"email": "NEW@acme.test"},
        {"email": "theirs@globex.test"},
        {"email": "personal@example.test"},
        {"email": "ours@acme.test"},
        {"full_name": "No address"},
    ]
    answer = invoke(gateway, "provisionUsers", {"users": rows, "organizationId": org["id"]}, token)
    result = answer.get_json()
    statuses = [(row["outcome"], row["reason"]) for row in result["users"]]
    assert [s for s, _ in statuses] == [
        "created",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "conflict",
        "conflict",
        "existing",
        "invalid",
    ]
    assert "email" in statuses[1][1] and "shoe_size" in statuses[2][1] and "role" in statuses[3][1]
    assert statuses[4][1] == "same email as row 0"
    assert (result["success"], result["provisioned"], result["failed"]) == (False, 2, 7)
    assert store.get("User", accounts.user_by_email("theirs@globex.test")["id"])["organization_id"] == other["id"]
    assert accounts.user_by_email("personal@example.test")["organization_id"] is None  # never moved
    assert store.find("Membership", membership_id(org["id"], "ours@acme.test")) is not None
    assert result["users"][5]["id"] is None  # another organization's account is not revealed


def test_many_people_are_written_in_batches(gateway: Any, db: Any, acme: Any) -> None:
    org, token = acme
    body = {"users": [{"email": f"e{i}@acme.test"} for i in range(250)], "organizationId": org["id"]}
    result = invoke(gateway, "provisionUsers", body, token).get_json()
    assert result["created"] == 250
    assert store.count("Membership", {"organization_id": org["id"]}) == 250
    assert len(list(db.collection(accounts.MAIL).stream())) == 250


def test_at_most_a_thousand_new_users_an_hour_per_organization(gateway: Any, db: Any, acme: Any, globex: Any) -> None:
    (org, token), (other, other_token) = acme, globex
    start = int(time.time() // 3600) * 3600
    db.collection(QUOTA).document(f"{org['id']}:{start}").set({"count": 999})
    two = {"users": [{"email": "a@acme.test"}, {"email": "b@acme.test"}], "organizationId": org["id"]}
    refused = invoke(gateway, "provisionUsers", two, token)
    if int(time.time() // 3600) * 3600 != start:
        pytest.skip("the clock hour turned during the test")
    assert refused.status_code == 429 and refused.get_json()["details"]["remaining"] == 1
    assert int(refused.headers["Retry-After"]) <= 3600
    assert accounts.user_by_email("a@acme.test") is None  # nothing written
    one = {"users": [{"email": "a@acme.test"}], "organizationId": org["id"]}
    assert invoke(gateway, "provisionUsers", one, token).get_json()["created"] == 1
    assert invoke(gateway, "provisionUsers", one, token).get_json()["existing"] == 1  # existing users cost nothing
    elsewhere = {"users": [{"email": "a@globex.test"}], "organizationId": other["id"]}
    assert invoke(gateway, "provisionUsers", elsewhere, other_token).get_json()["created"] == 1


@pytest.mark.parametrize("name", ["provisionUsers", "enterpriseProvisionUsers"])
def test_org_admins_provision_only_into_their_own_organization(
    gateway: Any, make_user: Any, acme: Any, globex: Any, name: str
) -> None:
    (org, token), (other, _) = acme, globex
    body = {"users": [{"email": "spy@acme.test"}], "organizationId": other["id"]}
    assert invoke(gateway, name, body, token).status_code == 404
    assert invoke(gateway, name, {**body, "organizationId": "org_missing"}, token).status_code == 404
    _, student = make_user("student", organization_id=org["id"])
    assert invoke(gateway, name, {**body, "organizationId": org["id"]}, student).status_code == 403
    _, admin = make_user("admin")
    assert invoke(gateway, name, body, admin).get_json()["created"] == 1
    assert accounts.user_by_email("spy@acme.test")["organization_id"] == other["id"]
    store.update("Organization", org["id"], {"status": "suspended"})
    assert invoke(gateway, name, {**body, "organizationId": org["id"]}, token).status_code == 403


def test_enterprise_rows_carry_department_employee_id_manager_and_custom_fields(gateway: Any, acme: Any) -> None:
    org, token = acme
    rows = [
        {
            "email": "user@company.com",
            "full_name": "User Name",
            "department": "Engineering",
            "employee_id": "EMP001",
            "manager_email": "manager@company.com",
            "custom_fields": {"team": "Frontend", "level": 3, "remote": True},
        },
        {"email": "manager@company.com", "department": "Engineering", "employee_id": "EMP000"},
    ]
    answer = invoke(gateway, "enterpriseProvisionUsers", {"users": rows, "organizationId": org["id"]}, token)
    assert _rows(answer) == {"user@company.com": ("created", None), "manager@company.com": ("created", None)}
    user, manager = answer.get_json()["users"]
    member = store.get("Membership", user["membership_id"])
    assert (member["department"], member["employee_id"], member["manager_email"]) == (
        "Engineering",
        "EMP001",
        "manager@company.com",
    )
    assert member["custom_fields"] == {"team": "Frontend", "level": 3, "remote": True}
    frontend, engineering = store.get("Team", user["team_id"]), store.get("Team", manager["team_id"])
    assert (frontend["name"], frontend["source"], frontend["organization_id"]) == ("Frontend", "custom", org["id"])
    assert (engineering["name"], engineering["source"]) == ("Engineering", "department")
    account = store.get("User", user["id"])
    assert (account["department"], account["employee_id"], account["manager_email"]) == (
        "Engineering",
        "EMP001",
        "manager@company.com",
    )


def test_enterprise_rows_are_refused_one_by_one(gateway: Any, acme: Any) -> None:
    org, token = acme
    first = [{"email": "lead@acme.test", "employee_id": "E1"}]
    invoke(gateway, "enterpriseProvisionUsers", {"users": first, "organizationId": org["id"]}, token)
    rows = [
        {"email": "a@acme.test", "employee_id": "E1"},  # taken by lead
        {"email": "b@acme.test", "employee_id": "E2"},
        {"email": "c@acme.test", "employee_id": "E2"},  # same as b
        {"email": "self@acme.test", "manager_email": "self@acme.test"},
        {"email": "x@acme.test", "manager_email": "y@acme.test"},  # x -> y -> x
        {"email": "y@acme.test", "manager_email": "x@acme.test"},
        {"email": "z@acme.test", "manager_email": "nobody@acme.test"},  # not provisioned yet: kept
        {"email": "w@acme.test", "manager_email": "x@acme.test"},  # x is refused: w is not
        {"email": "v@acme.test", "manager_email": "lead@acme.test"},  # an existing member
        {"email": "k@acme.test", "custom_fields": {"Bad Key": 1}},
        {"email": "l@acme.test", "custom_fields": {f"f{i}": i for i in range(51)}},
        {"email": "m@acme.test", "custom_fields": {"tags": ["a"]}},
    ]
    answer = invoke(gateway, "enterpriseProvisionUsers", {"users": rows, "organizationId": org["id"]}, token)
    got = {email: status for email, (status, _) in _rows(answer).items()}
    reasons = {row["email"]: row["reason"] for row in answer.get_json()["users"]}
    assert got == {
        "a@acme.test": "invalid",
        "b@acme.test": "created",
        "c@acme.test": "invalid",
        "self@acme.test": "invalid",
        "x@acme.test": "invalid",
        "y@acme.test": "invalid",
        "z@acme.test": "created",
        "w@acme.test": "created",
        "v@acme.test": "created",
        "k@acme.test": "invalid",
        "l@acme.test": "invalid",
        "m@acme.test": "invalid",
    }
    assert reasons["a@acme.test"] == "employee_id is already used in this organization"
    assert reasons["c@acme.test"] == "employee_id is the same as row 1"
    assert reasons["self@acme.test"] == "a person cannot be their own manager"
    assert reasons["x@acme.test"] == reasons["y@acme.test"] == "managers form a loop"
    assert (
        store.get("User", next(r["id"] for r in answer.get_json()["users"] if r["email"] == "z@acme.test"))[
            "manager_email"
        ]
        == "nobody@acme.test"
    )
    assert {r["status"] for r in answer.get_json()["users"] if r["outcome"] == "invalid"} == {"failed"}
    assert "custom field" in reasons["k@acme.test"] and "at most 50" in reasons["l@acme.test"]
    assert accounts.user_by_email("x@acme.test") is None


def test_requests_beyond_a_thousand_rows_are_refused(gateway: Any, acme: Any) -> None:
    org, token = acme
    body = {"users": [{"email": f"u{i}@acme.test"} for i in range(1001)], "organizationId": org["id"]}
    assert invoke(gateway, "provisionUsers", body, token).status_code == 400
