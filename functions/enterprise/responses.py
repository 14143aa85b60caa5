"""Response models of the enterprise functions and routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from entities.responses import ResponseModel, Timestamp


class JobRecord(ResponseModel):
    """A long-running job as its poller sees it."""

    id: str
    kind: str = Field(description="What the job does, e.g. progress_export")
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(ge=0, le=1, description="Share done, 0 to 1")
    processed: int = Field(ge=0)
    total: int | None = Field(ge=0, description="Items to process, once known")
    result_url: str | None = Field(description="Signed link to the result once succeeded")
    result_expires_at: str | None = Field(description="When the result link stops working")
    error: str | None = Field(description="Why the job failed")
    organization_id: str | None
    created_date: Timestamp
    updated_date: Timestamp
    finished_at: str | None


class ProvisionedUser(ResponseModel):
    index: int = Field(ge=0, description="The row's position in the request")
    email: str
    id: str | None = Field(description="The user's id (created or existing)")
    status: Literal["created", "existing", "conflict", "invalid"]
    reason: str | None = Field(description="Why a row was refused (or a note on an existing member)")
    membership_id: str | None
    team_id: str | None


class ProvisionUsersResponse(ResponseModel):
    success: bool = Field(description="True when no row was refused")
    provisioned: int = Field(ge=0, description="Rows that are members now: created + existing")
    failed: int = Field(ge=0, description="Rows refused: conflict + invalid")
    created: int = Field(ge=0)
    existing: int = Field(ge=0)
    conflict: int = Field(ge=0)
    invalid: int = Field(ge=0)
    users: list[ProvisionedUser] = Field(description="One answer per row, in request order")


class EnterpriseProvisionUsersResponse(ProvisionUsersResponse):
    """The same per-row answer as provisionUsers."""
