"""Response models of the enterprise functions and routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from entities.responses import Timestamp
from shared.models import ResponseModel


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
    error: str | None = Field(description="Why the job failed (or why its last attempt did, while it is retried)")
    attempts: int = Field(ge=0, description="How many times a worker has started it (the queue retries)")
    organization_id: str | None
    created_date: Timestamp
    updated_date: Timestamp
    finished_at: str | None


class ProvisionedUser(ResponseModel):
    index: int = Field(ge=0, description="The row's position in the request")
    email: str
    id: str | None = Field(description="The user's id (created or existing)")
    status: Literal["active", "failed"] = Field(description="active: a member now; failed: the row was refused")
    outcome: Literal["created", "existing", "conflict", "invalid"] = Field(
        description="created: a new account; existing: already a member; conflict: an account elsewhere; invalid"
    )
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


class UserProgress(ResponseModel):
    email: str
    user_id: str | None
    full_name: str | None
    department: str | None
    team_id: str | None
    employee_id: str | None
    courses_enrolled: int = Field(ge=0, description="Enrollments made by the end of the range")
    courses_completed: int = Field(ge=0, description="Enrollments completed within the range")
    completion_rate: float = Field(ge=0, le=1, description="Completed by the end / enrolled by the end")
    learning_hours: float = Field(ge=0, description="Learning time of the enrollments studied in the range")
    last_active_at: str | None


class EnterpriseGetProgressResponse(ResponseModel):
    start_date: str
    end_date: str
    total_users: int = Field(ge=0, description="Active members of the organization")
    active_users: int = Field(ge=0, description="Members whose latest learning activity is in the range")
    courses_completed: int = Field(ge=0)
    average_completion_rate: float = Field(ge=0, le=1)
    total_learning_hours: float = Field(ge=0)
    users: list[UserProgress] = Field(description="One page of members by email (empty for a CSV export)")
    next_cursor: str | None
    has_more: bool
    export: JobRecord | None = Field(description="The CSV export job to poll at /jobs/{id} (format csv)")


Share = Field(ge=0, le=1)
Priority = Literal["high", "medium", "low"]


class SkillCategory(ResponseModel):
    average_proficiency: float = Field(ge=0, le=1, description="Mean over the team and the category's skills")
    coverage: float = Field(ge=0, le=1, description="Share of the team proficient in one of the category's skills")


class TeamRecommendation(ResponseModel):
    course_id: str
    title: str | None
    skills: list[str] = Field(description="The gap skills the course teaches")
    priority: Priority
    affected_employees: int = Field(ge=0, description="Members not proficient in those skills")


class AnalyzeTeamSkillsResponse(ResponseModel):
    team_id: str
    team_size: int = Field(ge=0)
    skills_analysis: dict[str, SkillCategory] = Field(description="By skill category")
    top_skills: list[str] = Field(description="Highest average proficiency first")
    skill_gaps: list[str] = Field(description="Skills fewer than 80% of the team are proficient in, widest first")
    recommendations: list[TeamRecommendation]


class SkillGap(ResponseModel):
    skill: str
    category: str
    current_proficiency: float = Field(ge=0, le=1, description="Mean over the organization's members")
    target_proficiency: float = Field(ge=0, le=1)
    gap: float = Field(ge=0, le=1)
    employees_needing_training: int = Field(ge=0)


class RecommendedCourse(ResponseModel):
    course_id: str
    title: str | None
    skills: list[str] = Field(description="The gap skills it was chosen for")
    price: float = Field(ge=0)
    employees: int = Field(ge=0, description="Employees below the target in one of those skills")
    estimated_cost: float = Field(ge=0, description="price x employees")


class AnalyzeEnterpriseSkillGapsResponse(ResponseModel):
    organization_size: int = Field(ge=0)
    skill_gaps: list[SkillGap] = Field(description="Widest gap first")
    estimated_training_cost: float = Field(ge=0, description="Sum of the recommended courses' estimated costs")
    recommended_courses: list[RecommendedCourse]
    priority: Priority


class RoiMetricsUsed(ResponseModel):
    productivity_increase: float = Field(ge=0, le=100)
    error_reduction: float = Field(ge=0, le=100)
    employee_retention: float = Field(ge=0, le=100)


class RoiAssumptions(ResponseModel):
    trained_employees: int = Field(ge=0, description="Members who completed a course of the program")
    completions: int = Field(ge=0, description="Completed enrollments in the program's courses")
    annual_salary: float = Field(ge=0)
    work_hours_per_year: float = Field(gt=0)
    benefit_per_employee: float = Field(ge=0)
    error_cost_share: float
    turnover_cost_share: float
    horizon_months: int
    metrics_supplied: list[str] = Field(description="Metrics the caller supplied; the others are defaults")


class CalculateTrainingROIResponse(ResponseModel):
    roi_percentage: float | None = Field(
        description="Benefit over cost, %, as documented (None when nothing was spent)"
    )
    net_roi_percentage: float | None = Field(description="(Benefit - cost) / cost, %: the conventional ROI")
    total_cost: float = Field(ge=0, description="Training cost + employee hours x hourly rate")
    estimated_benefit: float = Field(ge=0, description="First-year benefit")
    net_benefit: float
    payback_period_months: int | None = Field(description="None when there is no benefit")
    metrics: RoiMetricsUsed
    assumptions: RoiAssumptions
