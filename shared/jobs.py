"""Long-running work a client polls: one small record per job in `_jobs`.

A job moves queued -> running -> succeeded | failed. While it runs it reports how far
it got (`processed` of `total`, and `progress` between 0 and 1); a finished job holds
a link to its result (blob storage) or the error a person can act on. Only the
server writes jobs; whoever started one, their organization's admins and admins read it.

Jobs run on the queue (`shared.queue`), which delivers each at least once. A worker
first claims the job: the claim is a token and a lease that the worker's heartbeat
extends. A second delivery of a job that is claimed and alive is refused (the queue
redelivers later); one whose lease ran out (its worker died) takes the job over. The
result is written only by the holder of the current claim, so it is written once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared import config
from shared.auth import Caller, Role
from shared.errors import ConflictError
from shared.firestore import client, existing_data, io, new_id, now_iso, run_transaction

COLLECTION = "_jobs"
Status = Literal["queued", "running", "succeeded", "failed"]
FINISHED = frozenset({"succeeded", "failed"})
MAX_ERROR = 500
# Fields only the workers use: never shown to a poller.
_INTERNAL = frozenset({"owner_id", "claim", "lease_until", "params"})


def _ref(job_id: str) -> Any:
    return client().collection(COLLECTION).document(job_id)


def _new(
    job_id: str,
    kind: str,
    *,
    owner_id: str | None,
    organization_id: str | None,
    total: int | None,
    params: dict[str, Any] | None,
) -> dict[str, Any]:
    now = now_iso()
    return {
        "id": job_id,
        "kind": kind,
        "status": "queued",
        "progress": 0.0,
        "processed": 0,
        "total": total,
        "result_url": None,
        "result_expires_at": None,
        "error": None,
        "attempts": 0,
        "owner_id": owner_id,
        "organization_id": organization_id,
        "created_date": now,
        "updated_date": now,
        "finished_at": None,
        "claim": None,
        "lease_until": None,
        # What the worker needs (a provider's download token, say): cleared once the job finishes.
        "params": params or {},
    }


def create(
    kind: str,
    *,
    owner_id: str | None,
    organization_id: str | None = None,
    total: int | None = None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A new queued job of `kind` (e.g. `progress_export`, `recording_copy`) with what its worker needs."""
    job = _new(new_id("job"), kind, owner_id=owner_id, organization_id=organization_id, total=total, params=params)
    _ref(job["id"]).create(job, **io())
    return job


def create_once(
    job_id: str, kind: str, *, owner_id: str | None, params: dict[str, Any] | None = None
) -> tuple[dict[str, Any], bool]:
    """The job of `job_id` (made from what the job is about, e.g. a webhook event), and whether this call made it.

    A job made before keeps its own `params`.
    """
    job = _new(job_id, kind, owner_id=owner_id, organization_id=None, total=None, params=params)

    def once(tx: Any) -> tuple[dict[str, Any], bool]:
        snapshot = _ref(job_id).get(transaction=tx)
        if snapshot.exists:
            return existing_data(snapshot), False
        tx.create(_ref(job_id), job)
        return job, True

    return run_transaction(once)


def get(job_id: str) -> dict[str, Any] | None:
    snapshot = _ref(job_id).get(**io())
    return existing_data(snapshot) if snapshot.exists else None


def _set(job_id: str, fields: dict[str, Any]) -> None:
    _ref(job_id).update({**fields, "updated_date": now_iso()}, **io())


def _lease_end() -> str:
    return (datetime.now(UTC) + timedelta(seconds=config.job_lease_seconds())).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Claim:
    """A worker's hold on one running job."""

    job_id: str
    token: str
    attempt: int


class Busy(ConflictError):
    """Another worker holds a live claim on the job: deliver it again later."""

    retryable = True


class ClaimLost(ConflictError):
    """This worker's claim was taken over (its lease ran out): its result is not written."""


def claim(job_id: str) -> Claim | dict[str, Any] | None:
    """Take the job to run it: a Claim; the finished job (nothing to do); None when there is no such job.

    Raises Busy while another worker's claim is alive.
    """

    def take(tx: Any) -> Claim | dict[str, Any] | None:
        snapshot = _ref(job_id).get(transaction=tx)
        if not snapshot.exists:
            return None
        job = existing_data(snapshot)
        if job["status"] in FINISHED:
            return job
        if job["status"] == "running" and job.get("claim") and str(job.get("lease_until") or "") > _now():
            raise Busy("This job is running elsewhere; deliver it again later")
        token = secrets.token_urlsafe(12)
        attempt = int(job.get("attempts") or 0) + 1
        tx.update(
            _ref(job_id),
            {
                "status": "running",
                "claim": token,
                "lease_until": _lease_end(),
                "attempts": attempt,
                "updated_date": now_iso(),
            },
        )
        return Claim(job_id, token, attempt)

    return run_transaction(take)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")  # fixed width: compared as text


def _as_holder(held: Claim, fields: dict[str, Any]) -> None:
    """Write `fields` only while `held` is the job's current claim."""

    def write(tx: Any) -> None:
        snapshot = _ref(held.job_id).get(transaction=tx)
        if not snapshot.exists or existing_data(snapshot).get("claim") != held.token:
            raise ClaimLost("This job was taken over by another worker")
        tx.update(_ref(held.job_id), {**fields, "updated_date": now_iso()})

    run_transaction(write)


def heartbeat(held: Claim) -> None:
    """The worker is alive: its claim lasts another lease."""
    _as_holder(held, {"lease_until": _lease_end()})


def release(held: Claim, error: str | None = None) -> None:
    """The worker gives the job back (a retryable failure): the next delivery runs it at once."""
    _as_holder(held, {"status": "queued", "claim": None, "lease_until": None, "error": error and error[:MAX_ERROR]})


def report_progress(job_id: str, processed: int, total: int | None = None) -> None:
    """How far a running job got; progress is processed/total when the total is known."""
    fields: dict[str, Any] = {"processed": processed}
    if total is not None:
        fields["total"] = total
        fields["progress"] = round(min(1.0, processed / total), 4) if total else 1.0
    _set(job_id, fields)


def succeed(held: Claim, result_url: str | None, *, result_expires_at: str | None = None) -> None:
    """The job's result, written by the holder of its claim alone (ClaimLost otherwise)."""
    _as_holder(
        held,
        {
            "status": "succeeded",
            "progress": 1.0,
            "result_url": result_url,
            "result_expires_at": result_expires_at,
            "error": None,
            "finished_at": now_iso(),
            "claim": None,
            "lease_until": None,
            "params": {},
        },
    )


def fail(held: Claim, error: str) -> None:
    """The job stops with an error meant for the person who started it (no internals)."""
    _as_holder(held, _failed(error))


def abandon(job_id: str, error: str) -> bool:
    """The queue gave up on the job (its deliveries went to the dead-letter topic): it fails, unless it finished."""

    def write(tx: Any) -> bool:
        snapshot = _ref(job_id).get(transaction=tx)
        if not snapshot.exists or existing_data(snapshot)["status"] in FINISHED:
            return False
        tx.update(_ref(job_id), {**_failed(error), "updated_date": now_iso()})
        return True

    return run_transaction(write)


def _failed(error: str) -> dict[str, Any]:
    return {
        "status": "failed",
        "error": error[:MAX_ERROR],
        "finished_at": now_iso(),
        "claim": None,
        "lease_until": None,
        "params": {},
    }


def visible_to(job: dict[str, Any], caller: Caller) -> bool:
    if caller.is_admin:
        return True
    if caller.user_id is not None and job.get("owner_id") == caller.user_id:
        return True
    org = job.get("organization_id")
    return caller.role == Role.ORG_ADMIN and org is not None and caller.org_id == org


def public(job: dict[str, Any]) -> dict[str, Any]:
    """The job as its pollers see it (who started it and which worker holds it are not shown)."""
    return {"attempts": 0, **{k: v for k, v in job.items() if k not in _INTERNAL}}
