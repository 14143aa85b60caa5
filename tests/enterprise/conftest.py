"""Enterprise fixtures: two organizations, each with an org admin, and helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from entities import store
from tests.helpers import call_function

APP = "/api/apps/sparkacademy"
ENTITIES = f"{APP}/entities"


def invoke(gateway: Any, name: str, body: dict[str, Any], token: str) -> Any:
    return call_function(gateway, name, body, token)


@pytest.fixture
def make_org(db: Any, make_user: Any) -> Callable[..., tuple[dict[str, Any], str]]:
    """An organization (optionally with a licence) and a token of its org admin."""

    def make(name: str = "Acme", **fields: Any) -> tuple[dict[str, Any], str]:
        org = store.create("Organization", {"name": name, **fields}, created_by="admin@example.test")
        _, token = make_user("org_admin", organization_id=org["id"])
        return org, token

    return make


@pytest.fixture
def acme(make_org: Any) -> tuple[dict[str, Any], str]:
    result: tuple[dict[str, Any], str] = make_org("Acme")
    return result


@pytest.fixture
def globex(make_org: Any) -> tuple[dict[str, Any], str]:
    result: tuple[dict[str, Any], str] = make_org("Globex")
    return result
