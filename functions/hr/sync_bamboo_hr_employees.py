"""syncBambooHREmployees: BambooHR's employees into the integration's organization (documented function 21).

Role: admins, and org admins for their own organization's integrations (others: 404).
The first run reads every employee from a custom report (inactive ones included);
later runs ask BambooHR what changed since the previous run and read only those.
See `functions.hr.sync` for what happens to each employee, departures and checkpoints.
Answers the seed's counts plus `unchanged`, `deprovisioned`, `failures` (per row,
with the reason), `complete` (false: a checkpoint was saved; run it again) and
`writes` (Firestore writes to people's records).
"""

from __future__ import annotations

from typing import Any

from functions.hr import sync
from functions.hr.connect import bamboohr_client
from functions.hr.models import SyncRequest
from functions.hr.responses import SyncBambooHREmployeesResponse
from shared import config
from shared.auth import Caller, Role
from shared.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from shared.router import API_DEPLOY, Deploy, endpoint


def read(integration: dict[str, Any], checkpoint: dict[str, Any] | None) -> sync.Read:
    client = bamboohr_client(integration)
    since = checkpoint["since"] if checkpoint else integration.get("cursor")
    if since is None:
        anchor = checkpoint["anchor"] if checkpoint else sync.anchor_now()
        return sync.Read(client.employees(), full=True, anchor=anchor)
    latest, changed = client.changed_since(since)
    employees = client.employees(changed)
    anchor = checkpoint["anchor"] if checkpoint else latest
    # Changed ids the report no longer lists were deleted in BambooHR.
    return sync.Read(employees, full=False, anchor=anchor, since=since, removed=changed - {e.hr_id for e in employees})


@endpoint(
    "syncBambooHREmployees",
    request=SyncRequest,
    response=SyncBambooHREmployeesResponse,
    roles=(Role.ADMIN, Role.ORG_ADMIN),
    settings=(config.BAMBOOHR_API_KEY, config.BAMBOOHR_SUBDOMAIN),
    deploy=Deploy(memory="1Gi", timeout=API_DEPLOY.timeout, max_instances=10),
    errors=(ForbiddenError, NotFoundError, ConflictError, InvalidInputError),
)
def sync_bamboo_hr_employees(body: SyncRequest, caller: Caller) -> dict[str, Any]:
    integration = sync.integration_for(caller, body.integration_id, "bamboohr")
    return sync.run(caller, integration, read)
