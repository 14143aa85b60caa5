"""Organizations, teams and memberships: who administers which."""

from __future__ import annotations

from typing import Any

from entities import store, tenancy
from entities.base import Policy, require_admin, require_signed_in
from shared import sessions
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, InvalidInputError, NotFoundError
from shared.firestore import now_iso


def _refuse_changed(fields: tuple[str, ...], existing: dict[str, Any], changes: dict[str, Any], why: str) -> None:
    refused = sorted(k for k in fields if k in changes and changes[k] != existing.get(k))
    if refused:
        raise ForbiddenError(why, details={"fields": refused})


class OrganizationPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        return tenancy.scope(caller, "id")

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_admin(caller)
        return {**data, "seats_used": {}}

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_admin(caller)
        _refuse_changed(("seats_used",), existing, changes, "Seats used are counted by the server")
        return changes


class TeamPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        return tenancy.scope(caller)

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        return tenancy.placed(caller, data)

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        tenancy.require_manager(caller)
        _refuse_changed(("organization_id", "name"), existing, changes, "A team keeps its organization and name")
        return changes

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        tenancy.require_manager(caller)


# Who a member is and what the server counts; placement (team, department, manager,
# custom fields, status) is the org admin's to change.
MEMBER_IDENTITY = ("organization_id", "user_id", "user_email", "employee_id", "last_active_at", "deprovisioned_at")


class MembershipPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.is_admin:
            return None
        if caller.role == Role.ORG_ADMIN and caller.org_id:
            return {"organization_id": caller.org_id}
        return {"user_id": caller.user_id}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Members are added with provisionUsers or enterpriseProvisionUsers")

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        tenancy.require_manager(caller)
        _refuse_changed(MEMBER_IDENTITY, existing, changes, "These fields are set by provisioning")
        org = str(existing["organization_id"])
        if changes.get("team_id") not in (None, existing.get("team_id")):
            team = store.find("Team", str(changes["team_id"]))
            if team is None or team.get("organization_id") != org:
                raise NotFoundError("Team not found", details={"entity": "Team", "id": changes["team_id"]})
        manager = changes.get("manager_email")
        if manager not in (None, existing.get("manager_email")):
            if str(manager).lower() == str(existing["user_email"]).lower():
                raise InvalidInputError("A member cannot be their own manager", details={"fields": ["manager_email"]})
            if tenancy.member(org, str(manager)) is None:
                raise InvalidInputError(
                    "The manager is not a member of this organization", details={"fields": ["manager_email"]}
                )
        if changes.get("status") == "deprovisioned" and existing.get("status") != "deprovisioned":
            changes = {**changes, "deprovisioned_at": now_iso()}
        elif changes.get("status") == "active":
            changes = {**changes, "deprovisioned_at": None}
        return changes

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        tenancy.require_manager(caller)
        raise ForbiddenError("Members are deprovisioned (status), not deleted")

    def after_change(self, before: dict[str, Any], after: dict[str, Any] | None) -> None:
        # A deprovisioned member can no longer sign in (their sessions end); reactivating undoes it.
        if after is not None and before.get("status") != after.get("status"):
            set_account_enabled(str(after["user_id"]), after.get("status") == "active")


def set_account_enabled(user_id: str, enabled: bool) -> None:
    user = store.find("User", user_id)
    if user is None or user.get("disabled") is (not enabled):
        return
    store.update("User", user_id, {"disabled": not enabled})
    if not enabled:
        sessions.end_all_sessions(user_id)
