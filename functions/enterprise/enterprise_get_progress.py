"""enterpriseGetProgress: learning progress of an organization's members (documented function 19).

Totals over the date range and one page of members with their progress (cursor
pagination), or, with `format: csv`, an export job whose CSV file holds every member.
Totals are Firestore aggregation queries; a page reads its members and their
enrollments only (see `functions.enterprise.progress_report`). Roles: admins, and
org admins for their own organization (any other is a 404).
"""

from __future__ import annotations

from typing import Any

from entities import tenancy
from functions.enterprise import progress_export, progress_report
from functions.enterprise.models import EnterpriseGetProgressRequest
from functions.enterprise.responses import EnterpriseGetProgressResponse
from shared import jobs
from shared.auth import Caller, Role
from shared.errors import ForbiddenError, NotFoundError, RateLimitedError
from shared.router import endpoint


@endpoint(
    "enterpriseGetProgress",
    request=EnterpriseGetProgressRequest,
    response=EnterpriseGetProgressResponse,
    roles={Role.ADMIN, Role.ORG_ADMIN},
    errors=(ForbiddenError, NotFoundError, RateLimitedError),
)
def enterprise_get_progress(body: EnterpriseGetProgressRequest, caller: Caller) -> dict[str, Any]:
    org = tenancy.organization_for(caller, body.organizationId)
    span = progress_report.Range.of(body.startDate, body.endDate)
    totals = progress_report.totals(org["id"], span)
    answer: dict[str, Any] = {"start_date": body.startDate, "end_date": body.endDate, **totals}
    if body.format == "csv":
        job = progress_export.start(caller, org["id"], span, totals["total_users"])
        return {**answer, "users": [], "next_cursor": None, "has_more": False, "export": jobs.public(job)}
    page = progress_report.users_page(org["id"], span, cursor=body.cursor, limit=body.limit)
    return {**answer, **page, "export": None}
