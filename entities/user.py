"""User: the public profile. Password hashes live in a separate collection and
never travel with the record."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from entities.base import EntityModel, EntityType, Policy, require_admin, require_signed_in
from shared.auth import Caller, Role
from shared.errors import ForbiddenError

# What a user may change about themselves through `User/me`.
SELF_WRITABLE = frozenset({"full_name", "avatar_url", "bio", "timezone", "locale", "title", "skills"})


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
    organization_id: str | None = None
    department: str | None = None
    employee_id: str | None = None
    manager_email: str | None = None


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
        if caller.is_admin:
            return changes
        if existing.get("id") != caller.user_id:
            raise ForbiddenError("Users may change only their own profile")
        refused = sorted(k for k, v in changes.items() if k not in SELF_WRITABLE and existing.get(k) != v)
        if refused:
            raise ForbiddenError("These fields are managed by administrators", details={"fields": refused})
        return changes

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_admin(caller)
        raise ForbiddenError("Create users with auth/register or provisionUsers")


ENTITY = EntityType(name="User", model=User, id_prefix="usr", policy=UserPolicy())
