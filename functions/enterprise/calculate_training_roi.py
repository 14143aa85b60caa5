"""calculateTrainingROI: return on investment of a training program (documented function 20).

The model is in `functions.enterprise.roi`: the cost given, the benefit from the
organization's measured completions of the program's courses and the metrics it
supplies (or documented defaults), answered as the documented benefit-over-cost
`roi_percentage` and as the conventional `net_roi_percentage`, with every assumption.
Roles: admins, and org admins for their own organization; a program of another
organization is a 404. (The module's name is the router's snake case of the function's.)
"""

from __future__ import annotations

from typing import Any

from entities import store, tenancy
from functions.enterprise import roi
from functions.enterprise.models import CalculateTrainingROIRequest
from functions.enterprise.responses import CalculateTrainingROIResponse
from shared.auth import Caller, Role
from shared.errors import NotFoundError
from shared.router import endpoint


@endpoint(
    "calculateTrainingROI",
    request=CalculateTrainingROIRequest,
    response=CalculateTrainingROIResponse,
    roles={Role.ADMIN, Role.ORG_ADMIN},
    read_only=True,
)
def calculate_training_roi(body: CalculateTrainingROIRequest, caller: Caller) -> dict[str, Any]:
    org = tenancy.organization_for(caller, body.organizationId)
    program = store.find("Program", body.programId)
    if program is None or program.get("organization_id") != org["id"]:
        raise NotFoundError("Program not found", details={"entity": "Program", "id": body.programId})
    trained, completions = roi.trained_employees(org["id"], program["course_ids"])
    given = body.metrics.model_dump(exclude_none=True) if body.metrics else {}
    supplied = sorted(given)
    hours = float(given.pop("work_hours_per_year", roi.DEFAULT_WORK_HOURS))
    metrics = {**roi.DEFAULT_METRICS, **{k: float(v) for k, v in given.items()}}
    cost = body.costData
    return roi.estimate(
        training_cost=cost.training_cost,
        employee_hours=cost.employee_hours,
        avg_hourly_rate=cost.avg_hourly_rate,
        trained=trained,
        completions=completions,
        metrics=metrics,
        supplied=supplied,
        work_hours_per_year=hours,
    )
