"""syncWorkdayEmployees: Workday's workers into the integration's organization (documented function 22).

Role: admins, and org admins for their own organization's integrations (others: 404).
The integration's `settings.source` picks the read: `report` (default) is a custom
report through RaaS (`report_owner`, `report_name`; `column_map` maps our fields
employee_id, email, full_name, department, manager_id, manager_email, active,
termination_date to the report's column aliases), `workers` is the REST workers API,
paged with limit/offset to the end. Either is a full read: a worker this integration
brought in who is no longer listed has left. See `functions.hr.sync` for the rest.
"""

from __future__ import annotations

from typing import Any

from functions.hr import sync
from functions.hr.connect import workday_client
from functions.hr.models import SyncRequest
from functions.hr.responses import SyncWorkdayEmployeesResponse
from shared import config
from shared.auth import Caller, Role
from shared.errors import ConfigurationError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from shared.router import API_DEPLOY, Deploy, endpoint


def read(integration: dict[str, Any], checkpoint: dict[str, Any] | None) -> sync.Read:
    settings = integration.get("settings") or {}
    anchor = checkpoint["anchor"] if checkpoint else sync.anchor_now()
    if settings.get("source") == "workers":
        return sync.Read(workday_client(integration, rest=True).workers(), full=True, anchor=anchor)
    owner, name = settings.get("report_owner"), settings.get("report_name")
    if not owner or not name:
        raise ConfigurationError("The integration names no Workday report (settings.report_owner, report_name)")
    employees = workday_client(integration).report(owner, name, settings.get("column_map") or None)
    return sync.Read(employees, full=True, anchor=anchor)


@endpoint(
    "syncWorkdayEmployees",
    request=SyncRequest,
    response=SyncWorkdayEmployeesResponse,
    roles=(Role.ADMIN, Role.ORG_ADMIN),
    settings=(config.WORKDAY_TENANT_URL, config.WORKDAY_USERNAME, config.WORKDAY_PASSWORD),
    deploy=Deploy(memory="1Gi", timeout=API_DEPLOY.timeout, max_instances=10),
    errors=(ForbiddenError, NotFoundError, ConflictError, InvalidInputError),
)
def sync_workday_employees(body: SyncRequest, caller: Caller) -> dict[str, Any]:
    integration = sync.integration_for(caller, body.integration_id, "workday")
    return sync.run(caller, integration, read)
