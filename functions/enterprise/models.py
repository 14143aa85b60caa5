"""Request models of the enterprise functions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

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


Day = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="UTC date, YYYY-MM-DD (both ends included)")


class EnterpriseGetProgressRequest(RequestModel):
    organizationId: EntityId
    startDate: str = Day
    endDate: str = Day
    cursor: str | None = Field(default=None, max_length=2000, description="next_cursor of the previous page")
    limit: int = Field(default=100, ge=1, le=500, description="Users per page")
    format: Literal["json", "csv"] = Field(
        default="json", description="csv: the whole user list as a CSV file, made by a job to poll"
    )


class AnalyzeTeamSkillsRequest(RequestModel):
    organizationId: EntityId
    teamId: EntityId


SkillName = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class AnalyzeEnterpriseSkillGapsRequest(RequestModel):
    organizationId: EntityId
    targetSkills: list[SkillName] = Field(min_length=1, max_length=50, description="Skill names, as courses name them")
    targetProficiency: float = Field(
        default=0.8, ge=0.05, le=1, allow_inf_nan=False, description="The proficiency every employee should reach"
    )


def _money(maximum: float, description: str) -> Any:
    return Field(ge=0, le=maximum, allow_inf_nan=False, description=description)


class CostData(RequestModel):
    training_cost: float = _money(1e10, "What the program costs, in the organization's currency")
    employee_hours: float = _money(1e8, "Working hours employees spend in training")
    avg_hourly_rate: float = _money(1e5, "Average loaded hourly cost of an employee")


class RoiMetrics(RequestModel):
    """Measured or expected effects, in percent; those left out take documented defaults."""

    productivity_increase: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    error_reduction: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    employee_retention: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    work_hours_per_year: float | None = Field(default=None, ge=1, le=8784, allow_inf_nan=False)


class CalculateTrainingROIRequest(RequestModel):
    organizationId: EntityId
    programId: EntityId
    costData: CostData
    metrics: RoiMetrics | None = None
