"""User: the public profile. Password hashes live in a separate collection and
never travel with the record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field

from entities.base import EntityModel, EntityType, Policy, require_admin, require_signed_in
from shared import logging, sessions
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, InvalidInputError

# The profile a user may set on themselves: at sign-up (`data`) and through `User/me`.
SELF_WRITABLE = frozenset({"full_name", "avatar_url", "bio", "timezone", "locale", "title", "skills", "phone"})
# Identity and verification: written by the server alone, whoever asks.
SERVER_MANAGED = frozenset({"email", "is_verified", "app_id"})


def self_profile(data: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """The profile fields of `data`; any other field is a 400 naming it."""
    refused = sorted(k for k in data if k not in SELF_WRITABLE)
    if refused:
        names = [f"{prefix}{k}" for k in refused]
        raise InvalidInputError(
            "Only profile fields may be set here: " + ", ".join(names[:5]),
            details={"fields": [{"field": name, "type": "not_a_profile_field"} for name in names]},
        )
    return dict(data)


def _refuse_changes(fields: frozenset[str], existing: dict[str, Any], changes: dict[str, Any], why: str) -> None:
    refused = sorted(k for k, v in changes.items() if k in fields and existing.get(k) != v)
    if refused:
        raise ForbiddenError(why, details={"fields": refused})


class User(EntityModel):
    email: str = Field(min_length=3, max_length=320)
    full_name: str | None = Field(default=None, max_length=200)
    role: Role = Role.STUDENT
    disabled: bool = False
    is_verified: bool = False
    app_id: str | None = None
    avatar_url: str | None = Field(default=None, max_length=2000)
    bio: str | None = Field(default=None, max_length=5000)
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=35)
    title: str | None = Field(default=None, max_length=200)
    skills: list[str] = Field(default_factory=list, max_length=200)
    phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{6,14}$")  # E.164
    organization_id: str | None = None
    department: str | None = None
    employee_id: str | None = None
    manager_email: str | None = None


# What a session token was issued on: a change to any of these ends the user's sessions.
SESSION_FIELDS = ("role", "organization_id", "disabled")


class UserPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.is_admin:
            return None
        if caller.role == Role.ORG_ADMIN and caller.org_id:
            return {"$or": [{"organization_id": caller.org_id}, {"id": caller.user_id}]}
        return {"id": caller.user_id}

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        _refuse_changes(SERVER_MANAGED, existing, changes, "These fields are set by the server")
        if caller.is_admin:
            return changes
        if existing.get("id") != caller.user_id:
            raise ForbiddenError("Users may change only their own profile")
        admin_managed = frozenset(changes) - SELF_WRITABLE
        _refuse_changes(admin_managed, existing, changes, "These fields are managed by administrators")
        return changes

    def after_change(self, before: dict[str, Any], after: dict[str, Any] | None) -> None:
        # A token carries the role and organization it was issued with: once they change, the
        # account is disabled or deleted, its sessions end (the user signs in again).
        if after is None or any(before.get(k) != after.get(k) for k in SESSION_FIELDS):
            sessions.end_all_sessions(str(before["id"]))
            logging.info("sessions ended after an account change", user_id=before["id"])

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_admin(caller)
        raise ForbiddenError("Create users with auth/register or provisionUsers")


ENTITY = EntityType(
    name="User",
    model=User,
    id_prefix="usr",
    indexes=(("id", "created_date"),),  # an organization admin's listing: their people, or themselves
)
