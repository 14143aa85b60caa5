"""Integration: one organization's link to its HR system (BambooHR or Workday).

Org admins manage their own organization's integrations (settings, status); admins
manage every one. Credentials never sit here: `credentials` names the environment
variables (bound from Secret Manager on deploy) that hold them, and only admins set
those names, so an organization cannot point its integration at another's secrets.
Without names, the deployment's own variables serve (BAMBOOHR_API_KEY, WORKDAY_...).
The sync state (cursor, checkpoint, last result, departures still to come) is the
server's.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from entities.base import EntityModel, EntityType

ENV_NAME = re.compile(r"^(BAMBOOHR|WORKDAY)_[A-Z0-9_]{1,60}\Z")
# Which credentials each provider takes, by role -> environment variable name.
CREDENTIAL_ROLES = {
    "bamboohr": frozenset({"api_key", "subdomain"}),
    "workday": frozenset({"tenant_url", "username", "password", "client_id", "client_secret", "refresh_token"}),
}
SERVER_STATE = ("last_sync_at", "last_sync_status", "cursor", "checkpoint", "last_result", "pending_departures")
FIELD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}\Z")
MAX_MAPPED = 1000


def _names(value: dict[str, str]) -> dict[str, str]:
    if len(value) > MAX_MAPPED:
        raise ValueError(f"at most {MAX_MAPPED} entries")
    for key, name in value.items():
        if not FIELD_NAME.match(key) or not FIELD_NAME.match(name):
            raise ValueError(f"{key[:40]!r}: names are letters, digits, _ . - (up to 80)")
    return value


class IntegrationSettings(EntityModel):
    subdomain: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")  # BambooHR company domain
    field_map: dict[str, str] = Field(default_factory=dict)  # BambooHR: our field -> report field id
    source: Literal["report", "workers"] = "report"  # Workday: custom report (RaaS) or the workers API
    report_owner: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    report_name: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9_.-]+$")
    column_map: dict[str, str] = Field(default_factory=dict)  # Workday report: our field -> column alias
    deprovision: bool = True  # end access of people who left
    send_invitations: bool = False  # mail new accounts a link to choose a password (off: they sign in by SSO)
    training_type_id: int | None = Field(default=None, ge=1)  # BambooHR training type of pushed completions
    course_map: dict[str, str] = Field(default_factory=dict)  # course id -> the HR system's course id

    _field_map = field_validator("field_map", "column_map", "course_map")(lambda cls, v: _names(v))


class Integration(EntityModel):
    organization_id: str = Field(min_length=1, max_length=128)
    provider: Literal["bamboohr", "workday"]
    name: str | None = Field(default=None, max_length=200)
    status: Literal["active", "paused"] = "active"
    settings: IntegrationSettings = Field(default_factory=IntegrationSettings)
    credentials: dict[str, str] = Field(default_factory=dict)  # role -> environment variable name
    last_sync_at: str | None = None
    last_sync_status: Literal["succeeded", "partial", "failed"] | None = None
    cursor: str | None = None  # BambooHR: the changed-since anchor of the next sync
    checkpoint: dict[str, Any] | None = None  # an unfinished sync: where the next run continues
    last_result: dict[str, Any] | None = None
    pending_departures: dict[str, str] = Field(default_factory=dict)  # HR id -> effective date, future

    @model_validator(mode="after")
    def _credentials(self) -> Integration:
        allowed = CREDENTIAL_ROLES[self.provider]
        for role, name in self.credentials.items():
            if role not in allowed:
                raise ValueError(f"{self.provider} credentials are {', '.join(sorted(allowed))}")
            if not ENV_NAME.match(name):
                raise ValueError("credential names are environment variables BAMBOOHR_... or WORKDAY_...")
        return self


ENTITY = EntityType(
    name="Integration",
    model=Integration,
    id_prefix="int",
    protected_fields=frozenset({"credentials", *SERVER_STATE}),
)
