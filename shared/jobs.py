"""Long-running work a client polls: one small record per job in `_jobs`.

A job moves queued -> running -> succeeded | failed. While it runs it reports how far
it got (`processed` of `total`, and `progress` between 0 and 1); a finished job holds
a link to its result (blob storage) or the error a person can act on. Only the
server writes jobs; whoever started one, their organization's admins and admins read it.
"""

from __future__ import annotations

from typing import Any, Literal

from shared.auth import Caller, Role
from shared.firestore import client, existing_data, io, new_id, now_iso

COLLECTION = "_jobs"
Status = Literal["queued", "running", "succeeded", "failed"]
FINISHED = frozenset({"succeeded", "failed"})
MAX_ERROR = 500


def _ref(job_id: str) -> Any:
    return client().collection(COLLECTION).document(job_id)


def create(
    kind: str, *, owner_id: str | None, organization_id: str | None = None, total: int | None = None
) -> dict[str, Any]:
    """A new queued job of `kind` (e.g. `progress_export`, `hr_sync`)."""
    now = now_iso()
    job: dict[str, Any] = {
        "id": new_id("job"),
        "kind": kind,
        "status": "queued",
        "progress": 0.0,
        "processed": 0,
        "total": total,
        "result_url": None,
        "result_expires_at": None,
        "error": None,
        "owner_id": owner_id,
        "organization_id": organization_id,
        "created_date": now,
        "updated_date": now,
        "finished_at": None,
    }
    _ref(job["id"]).create(job, **io())
    return job


def get(job_id: str) -> dict[str, Any] | None:
    snapshot = _ref(job_id).get(**io())
    return existing_data(snapshot) if snapshot.exists else None


def _set(job_id: str, fields: dict[str, Any]) -> None:
    _ref(job_id).update({**fields, "updated_date": now_iso()}, **io())


def start(job_id: str, *, total: int | None = None) -> None:
    _set(job_id, {"status": "running", **({"total": total} if total is not None else {})})


def report_progress(job_id: str, processed: int, total: int | None = None) -> None:
    """How far a running job got; progress is processed/total when the total is known."""
    fields: dict[str, Any] = {"processed": processed}
    if total is not None:
        fields["total"] = total
        fields["progress"] = round(min(1.0, processed / total), 4) if total else 1.0
    _set(job_id, fields)


def succeed(job_id: str, result_url: str, *, result_expires_at: str | None = None) -> None:
    _set(
        job_id,
        {
            "status": "succeeded",
            "progress": 1.0,
            "result_url": result_url,
            "result_expires_at": result_expires_at,
            "finished_at": now_iso(),
        },
    )


def fail(job_id: str, error: str) -> None:
    """The job stops with an error meant for the person who started it (no internals)."""
    _set(job_id, {"status": "failed", "error": error[:MAX_ERROR], "finished_at": now_iso()})


def visible_to(job: dict[str, Any], caller: Caller) -> bool:
    if caller.is_admin:
        return True
    if caller.user_id is not None and job.get("owner_id") == caller.user_id:
        return True
    org = job.get("organization_id")
    return caller.role == Role.ORG_ADMIN and org is not None and caller.org_id == org


def public(job: dict[str, Any]) -> dict[str, Any]:
    """The job as its pollers see it (who started it is not shown)."""
    return {k: v for k, v in job.items() if k != "owner_id"}
