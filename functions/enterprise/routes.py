"""Enterprise routes of the `api` service that are not documented functions.

- GET /api/apps/{appId}/jobs/{job_id}: the status of a long-running job (a progress
  export, an HR sync), for whoever started it, their organization's admins and admins;
  anyone else gets a 404, as for a job that does not exist.
"""

from __future__ import annotations

from typing import Any

from functions.enterprise.responses import JobRecord
from shared import jobs
from shared.auth import Caller
from shared.errors import NotFoundError
from shared.models import ID_PATTERN
from shared.router import APP, route


@route(
    "GET",
    f"{APP}/jobs/{{job_id}}",
    name="jobs.get",
    rate=("entity",),
    tags=("enterprise",),
    response=JobRecord,
    errors=(NotFoundError,),
)
def get_job(_body: Any, caller: Caller, job_id: str) -> Any:
    """A job's status, progress and, once finished, its result link or error."""
    job = jobs.get(job_id) if ID_PATTERN.match(job_id) else None
    if job is None or not jobs.visible_to(job, caller):
        raise NotFoundError("Job not found", details={"id": job_id})
    return jobs.public(job)
