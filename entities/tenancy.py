"""Which organization a caller acts for.

Admins act for every organization. An `org_admin` acts only inside the organization
named in their session; any other organization id is answered exactly like one that
does not exist (404), so ids of other tenants cannot be probed. Members read records
of their own organization only where an entity says so.
"""

from __future__ import annotations

import contextlib
from typing import Any

from google.api_core.exceptions import NotFound

from entities import store
from entities.base import require_signed_in
from entities.organization import membership_id
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, NotFoundError
from shared.firestore import io
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


def member(organization_id: str, email: str) -> dict[str, Any] | None:
    """The active membership of this address in the organization, or None."""
    found = store.find("Membership", membership_id(organization_id, email))
    return found if found is not None and found.get("status") == "active" else None


def touch_member(organization_id: str, email: str, when: str) -> None:
    """Note a member's latest learning activity (progress reports count active members by it)."""
    ref = store.collection("Membership").document(membership_id(organization_id, email))
    with contextlib.suppress(NotFound):  # enrolled by an admin without a membership: nothing to note
        ref.update({"last_active_at": when}, **io())
