"""Organizations, their teams and their members.

- `Organization`: created and changed by admins through the entity API, read by its own
  members. It holds the training licence (seats per course and/or a pool for any paid
  course); `seats_used` is the server's count and no one writes it by hand.
- `Team`: a group of members of one organization (a department, or a custom `team`
  field given at provisioning). Its id derives from (organization, name), so a team
  is created once whoever races to create it.
- `Membership`: one user in one organization, with team, department, employee id
  (unique within the organization), manager, custom fields and a status. Its id
  derives from (organization, email). Members are created by provisioning (and HR
  syncs), never through the entity API; org admins change their own organization's
  members' placement, not who they are.

Every read and write is confined to the caller's organization (`entities.tenancy`).
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any, Literal

from pydantic import Field, field_validator

from entities.base import EntityModel, EntityType

CUSTOM_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_TEXT = 1000
# The key of the organization-wide pool in `licence` counts; other keys are course ids.
POOL = "pool"
EMPLOYEE_IDS = "_org_employee_ids"  # one claim per (organization, employee id)

Scalar = str | int | float | bool | None


class Licence(EntityModel):
    pool_seats: int | None = Field(default=None, ge=0, le=10_000_000)  # for any paid course
    course_seats: dict[str, int] = Field(default_factory=dict, max_length=1000)  # course id -> seats
    expires_at: str | None = Field(default=None, max_length=40)  # ISO time; none: does not expire

    @field_validator("course_seats")
    @classmethod
    def _seats(cls, value: dict[str, int]) -> dict[str, int]:
        if any(seats < 0 or seats > 10_000_000 for seats in value.values()):
            raise ValueError("seats are between 0 and 10,000,000")
        return value


class Organization(EntityModel):
    name: str = Field(min_length=1, max_length=200)
    domain: str | None = Field(default=None, max_length=253)
    status: Literal["active", "suspended"] = "active"
    licence: Licence | None = None
    seats_used: dict[str, int] = Field(default_factory=dict)  # POOL or course id -> enrollments counted


class Team(EntityModel):
    organization_id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    source: Literal["department", "custom", "manual"] = "manual"


def custom_fields(value: dict[str, Any]) -> dict[str, Any]:
    """Checked custom fields: at most 50, keys `[a-z][a-z0-9_]{0,39}`, scalar values."""
    if len(value) > MAX_CUSTOM_FIELDS:
        raise ValueError(f"at most {MAX_CUSTOM_FIELDS} custom fields")
    for key, item in value.items():
        if not CUSTOM_FIELD_KEY.match(key):
            raise ValueError(f"custom field name {key[:50]!r} must match [a-z][a-z0-9_]{{0,39}}")
        if isinstance(item, str) and len(item) > MAX_CUSTOM_TEXT:
            raise ValueError(f"custom field {key} is longer than {MAX_CUSTOM_TEXT} characters")
        if isinstance(item, float) and not math.isfinite(item):  # NaN and infinities cannot be compared
            raise ValueError(f"custom field {key} is not a number")
    return value


class Membership(EntityModel):
    organization_id: str = Field(min_length=1, max_length=128)
    user_id: str = Field(min_length=1, max_length=128)
    user_email: str = Field(min_length=3, max_length=320)
    full_name: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=128)
    department: str | None = Field(default=None, max_length=200)
    employee_id: str | None = Field(default=None, min_length=1, max_length=100)
    manager_email: str | None = Field(default=None, max_length=320)
    custom_fields: dict[str, Scalar] = Field(default_factory=dict)
    status: Literal["active", "deprovisioned"] = "active"
    source: str | None = Field(default=None, max_length=40)  # provisioning, or the HR system it came from
    last_active_at: str | None = None  # latest learning activity, kept by the server
    deprovisioned_at: str | None = None

    _custom = field_validator("custom_fields")(lambda cls, v: custom_fields(v))


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def team_id(organization_id: str, name: str) -> str:
    return f"team_{_digest(organization_id, name.strip().lower())}"


def membership_id(organization_id: str, email: str) -> str:
    return f"mbr_{_digest(organization_id, email.strip().lower())}"


def employee_claim_id(organization_id: str, employee_id: str) -> str:
    return _digest(organization_id, employee_id)


ORGANIZATION = EntityType(name="Organization", model=Organization, id_prefix="org")
TEAM = EntityType(
    name="Team",
    model=Team,
    id_prefix="team",
    natural_id=lambda data: team_id(str(data["organization_id"]), str(data["name"])),
)
MEMBERSHIP = EntityType(name="Membership", model=Membership, id_prefix="mbr")
