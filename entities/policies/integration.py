"""HR integrations: managed by their organization's admins."""

from __future__ import annotations

from typing import Any

from entities import tenancy
from entities.base import Policy
from shared.auth import Caller
from shared.errors import ForbiddenError


class IntegrationPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        tenancy.require_manager(caller)
        return tenancy.scope(caller)

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        return tenancy.placed(caller, data)

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        tenancy.require_manager(caller)
        for fixed in ("organization_id", "provider"):
            if fixed in changes and changes[fixed] != existing.get(fixed):
                raise ForbiddenError("An integration keeps its organization and provider", details={"fields": [fixed]})
        return changes

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        tenancy.require_manager(caller)
