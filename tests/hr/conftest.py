"""HR fixtures: fake BambooHR and Workday servers wired in through settings, two
organizations with their org admins, and integrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from entities import store
from tests.fakes.hr_systems import FakeBambooHR, FakeWorkday
from tests.helpers import call_function

APP = "/api/apps/sparkacademy"


def invoke(gateway: Any, name: str, body: dict[str, Any], token: str) -> Any:
    return call_function(gateway, name, body, token)


@pytest.fixture
def bamboo(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBambooHR]:
    fake = FakeBambooHR()
    monkeypatch.setenv("BAMBOOHR_API_KEY", FakeBambooHR.API_KEY)
    monkeypatch.setenv("BAMBOOHR_SUBDOMAIN", FakeBambooHR.SUBDOMAIN)
    monkeypatch.setenv("BAMBOOHR_BASE_URL", fake.base)
    yield fake
    fake.close()


@pytest.fixture
def workday(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWorkday]:
    fake = FakeWorkday()
    monkeypatch.setenv("WORKDAY_TENANT_URL", fake.tenant_url)
    monkeypatch.setenv("WORKDAY_USERNAME", FakeWorkday.USER)
    monkeypatch.setenv("WORKDAY_PASSWORD", FakeWorkday.PASSWORD)
    monkeypatch.setenv("WORKDAY_CLIENT_ID", FakeWorkday.CLIENT_ID)
    monkeypatch.setenv("WORKDAY_CLIENT_SECRET", FakeWorkday.CLIENT_SECRET)
    monkeypatch.setenv("WORKDAY_REFRESH_TOKEN", FakeWorkday.REFRESH_TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def make_org(db: Any, make_user: Any) -> Callable[..., tuple[dict[str, Any], str]]:
    def make(name: str = "Acme") -> tuple[dict[str, Any], str]:
        org = store.create("Organization", {"name": name}, created_by="admin@example.test")
        _, token = make_user("org_admin", organization_id=org["id"])
        return org, token

    return make


@pytest.fixture
def acme(make_org: Any) -> tuple[dict[str, Any], str]:
    result: tuple[dict[str, Any], str] = make_org("Acme")
    return result


@pytest.fixture
def make_integration() -> Callable[..., dict[str, Any]]:
    def make(org: dict[str, Any], provider: str = "bamboohr", **fields: Any) -> dict[str, Any]:
        return store.create(
            "Integration", {"organization_id": org["id"], "provider": provider, **fields}, created_by=None
        )

    return make


def members(org_id: str) -> dict[str, dict[str, Any]]:
    """The organization's memberships by email."""
    found = store.query("Membership", {"organization_id": org_id})
    return {m["user_email"]: m for m in found}


def person(employee_id: int, **fields: Any) -> dict[str, Any]:
    """A BambooHR employee row."""
    return {
        "id": str(employee_id),
        "workEmail": f"e{employee_id}@acme.test",
        "firstName": f"First{employee_id}",
        "lastName": "Smith",
        "department": "Engineering",
        "status": "Active",
        "terminationDate": "0000-00-00",
        **fields,
    }
