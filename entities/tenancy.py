"""Which organization a caller acts for.

Admins act for every organization. An `org_admin` acts only inside the organization
named in their session; any other organization id is answered exactly like one that
does not exist (404), so ids of other tenants cannot be probed. Members read records
of their own organization only where an entity says so.
"""

from __future__ import annotations

from typing import Any

from entities import store
from entities.base import require_signed_in
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, NotFoundError
from shared.models import ID_PATTERN


def _absent(organization_id: object) -> NotFoundError:
    return NotFoundError("Organization not found", details={"entity": "Organization", "id": organization_id})


def administers(caller: Caller, organization_id: str | None) -> bool:
    """True when the caller may manage this organization's people and training."""
    if caller.is_admin:
        return True
    return caller.role == Role.ORG_ADMIN and bool(caller.org_id) and caller.org_id == organization_id


def organization_for(caller: Caller, organization_id: Any) -> dict[str, Any]:
    """The organization the caller manages, or a 404 (absent or not theirs)."""
    require_signed_in(caller)
    if not isinstance(organization_id, str) or not ID_PATTERN.match(organization_id):
        raise _absent(organization_id)
    if not administers(caller, organization_id):
        raise _absent(organization_id)
    found = store.find("Organization", organization_id)
    if found is None:
        raise _absent(organization_id)
    return found


def require_manager(caller: Caller) -> None:
    """Admins and organization admins only."""
    require_signed_in(caller)
    if not caller.is_admin and caller.role != Role.ORG_ADMIN:
        raise ForbiddenError("Only administrators and organization admins may do this")


def scope(caller: Caller, field: str = "organization_id") -> dict[str, Any] | None:
    """Reads narrowed to the caller's organization (admins: no narrowing)."""
    require_signed_in(caller)
    if caller.is_admin:
        return None
    if not caller.org_id:
        raise ForbiddenError("Only members of an organization see its records")
    return {field: caller.org_id}


def placed(caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with the organization it belongs to: the org admin's own, or an existing one an admin names."""
    require_manager(caller)
    named = data.get("organization_id")
    if not caller.is_admin and named is None:
        named = caller.org_id
    organization_for(caller, named)
    return {**data, "organization_id": named}
