"""API keys: created, listed and revoked by their owner, shown once, stored hashed, acting as the owner."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rest.conftest import API, bearer, login

BASE44 = "/api/apps/sparkacademy"
KEYS = f"{API}/auth/api-keys"


def _session(gateway: Any, account: Any, email: str = "learner@example.test", role: str = "student") -> str:
    account(email, role)
    return str(login(gateway, email).get_json()["access_token"])


def _create(gateway: Any, token: str, name: str = "CI") -> Any:
    return gateway.post(KEYS, json={"name": name}, headers=bearer(token))


def test_a_key_is_shown_once_stored_hashed_and_acts_as_its_owner(gateway: Any, account: Any, db: Any) -> None:
    token = _session(gateway, account)
    created = _create(gateway, token)
    body = created.get_json()
    assert created.status_code == 201 and body["key"].startswith("test_pk_") and len(body["key"]) > 40
    assert body["api_key"]["environment"] == "test" and body["key"].startswith(body["api_key"]["prefix"])
    listed = gateway.get(KEYS, headers=bearer(token)).get_json()["api_keys"]
    assert listed == [body["api_key"]] and body["key"] not in str(listed)
    assert body["key"] not in str([d.to_dict() for d in db.collection("_api_keys").stream()])
    me = gateway.get(f"{BASE44}/entities/User/me", headers=bearer(body["key"]))
    assert me.status_code == 200 and me.get_json()["email"] == "learner@example.test"
    assert gateway.get(KEYS, headers=bearer(body["key"])).status_code == 200


@pytest.mark.parametrize(("role", "status"), [("student", 403), ("admin", 200)])
def test_a_key_has_its_owners_role(gateway: Any, account: Any, role: str, status: int) -> None:
    token = _session(gateway, account, f"{role}@example.test", role)
    key = _create(gateway, token).get_json()["key"]
    resp = gateway.post(f"{BASE44}/functions/listPaidUsers", json={}, headers=bearer(key))
    assert resp.status_code == status


def test_a_revoked_key_is_refused(gateway: Any, account: Any) -> None:
    token = _session(gateway, account)
    created = _create(gateway, token).get_json()
    assert gateway.get(KEYS, headers=bearer(created["key"])).status_code == 200
    revoked = gateway.delete(f"{KEYS}/{created['api_key']['id']}", headers=bearer(token))
    assert revoked.status_code == 200
    refused = gateway.get(KEYS, headers=bearer(created["key"]))
    assert (refused.status_code, refused.get_json()["code"]) == (401, "AUTH_REQUIRED")
    assert gateway.get(KEYS, headers=bearer(token)).get_json()["api_keys"] == []


def test_only_the_owner_revokes_a_key(gateway: Any, account: Any) -> None:
    mine = _session(gateway, account)
    other = _session(gateway, account, "other@example.test")
    key = _create(gateway, mine).get_json()
    resp = gateway.delete(f"{KEYS}/{key['api_key']['id']}", headers=bearer(other))
    assert (resp.status_code, resp.get_json()["code"]) == (404, "NOT_FOUND")
    assert gateway.get(KEYS, headers=bearer(key["key"])).status_code == 200


def test_a_key_cannot_create_keys(gateway: Any, account: Any) -> None:
    key = _create(gateway, _session(gateway, account)).get_json()["key"]
    resp = _create(gateway, key)
    assert (resp.status_code, resp.get_json()["code"]) == (403, "FORBIDDEN")


def test_unknown_keys_and_keys_of_the_other_environment_are_refused(
    gateway: Any, account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_key = _create(gateway, _session(gateway, account)).get_json()["key"]
    assert gateway.get(KEYS, headers=bearer("test_pk_" + "0" * 48)).status_code == 401
    live = gateway.get(KEYS, headers=bearer("live_pk_" + test_key.removeprefix("test_pk_")))
    assert live.status_code == 401 and "production" in live.get_json()["error"]
    monkeypatch.setenv("SPARK_ENV", "production")
    refused = gateway.get(KEYS, headers=bearer(test_key))
    assert refused.status_code == 401 and "test environments" in refused.get_json()["error"]
