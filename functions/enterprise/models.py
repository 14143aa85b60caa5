"""Request models of the enterprise functions."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from functions.enterprise.provisioning import MAX_USERS
from shared.models import EntityId, RequestModel


class ProvisionUsersRequest(RequestModel):
    users: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_USERS,
        description="People to provision: {email, full_name?, role? (student|instructor)}; "
        "a row that does not fit is answered `invalid` with the reason, the others go ahead",
    )
    organizationId: EntityId


class EnterpriseProvisionUsersRequest(RequestModel):
    users: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_USERS,
        description="People to provision: {email, full_name?, role?, department?, employee_id?, manager_email?, "
        "custom_fields?}; custom_fields: at most 50, keys [a-z][a-z0-9_]{0,39}, scalar values; "
        "the field `team` (else the department) names the person's team",
    )
    organizationId: EntityId
