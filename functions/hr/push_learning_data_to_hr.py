"""pushLearningDataToHR: course completions pushed back to the HR system (documented function 23).

Role: admins, and org admins for their own organization's integrations (others: 404).
Completions are enrollments `completed` with `completed_at` on a day from `startDate`
to `endDate` (UTC, inclusive, at most 366 days) of people who are members of the
integration's organization with an employee id. BambooHR gets a training record on
the employee (`settings.training_type_id`, or the type `course_map` names for the
course); Workday gets a learning enrollment through SOAP `Put_Learning_Enrollment`
(`course_map` names the Learning_Course_ID; the course id otherwise).

Each completion is pushed once however often this runs: what was pushed is kept in
`_hr_pushes` with the HR system's record id, and a completion whose push was begun
but not confirmed is looked up in BambooHR before being sent again (Workday's put is
keyed by our id, so sending it again changes nothing). A row the HR system refuses
is `failed` with its reason and tried again next time; a busy or failing HR system
ends the call with a retryable 503/502, everything pushed so far being kept.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from entities import store
from functions.hr import sync
from functions.hr.connect import bamboohr_client, workday_client
from functions.hr.models import PushLearningDataRequest
from functions.hr.responses import PushLearningDataToHRResponse
from functions.hr.workday import SoapFault, Workday
from shared.auth import Caller, Role
from shared.errors import (
    ConfigurationError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ServiceUnavailableError,
    UpstreamError,
)
from shared.firestore import client, io, now_iso
from shared.outbound import MAX_RETRY_AFTER_SECONDS
from shared.router import API_DEPLOY, Deploy, endpoint

PUSHES = "_hr_pushes"
MAX_DAYS = 366
MAX_FAILURES_SHOWN = 200
THROTTLE_RETRIES = 2
MARKER = "SparkAcademy enrollment {id}"  # in a training record's notes: how we recognise our own


@endpoint(
    "pushLearningDataToHR",
    request=PushLearningDataRequest,
    response=PushLearningDataToHRResponse,
    roles=(Role.ADMIN, Role.ORG_ADMIN),
    deploy=Deploy(memory="512Mi", timeout=API_DEPLOY.timeout, max_instances=10),
    errors=(ForbiddenError, NotFoundError, ConflictError, InvalidInputError),
)
def push_learning_data_to_hr(body: PushLearningDataRequest, caller: Caller) -> dict[str, Any]:
    start, end = _range(body.startDate, body.endDate)
    integration = sync.integration_for(caller, body.integration_id, None)
    provider = str(integration["provider"])
    people = _employees(integration)
    pusher = _pusher(integration)
    pushed = already = 0
    failures: list[dict[str, Any]] = []
    for enrollment in _completions(start, end):
        member = people.get(str(enrollment.get("student_email") or "").lower())
        if member is None:
            continue
        ref = client().collection(PUSHES).document(f"{integration['id']}_{enrollment['id']}")
        snapshot = ref.get(**io())
        previous = snapshot.to_dict() if snapshot.exists else None
        if previous and previous.get("status") == "pushed":
            already += 1
            continue
        ref.set({"integration_id": integration["id"], "enrollment_id": enrollment["id"], "status": "pending"}, **io())
        try:
            record_id = pusher(enrollment, member, previous is not None)
        except (SoapFault, UpstreamError) as exc:
            if isinstance(exc, UpstreamError) and exc.retryable:
                raise  # the HR system failed, not the row: stop; the pending mark lets the next run check
            reason = exc.reason if isinstance(exc, SoapFault) else _refusal(exc)
            ref.set({"status": "failed", "reason": reason, "tried_at": now_iso()}, merge=True, **io())
            failures.append({"enrollment_id": enrollment["id"], "employee_id": member["employee_id"], "reason": reason})
            continue
        ref.set({"status": "pushed", "hr_record_id": record_id, "pushed_at": now_iso()}, merge=True, **io())
        pushed += 1
    return {
        "success": True,
        "records_pushed": pushed,
        "already_pushed": already,
        "failed": len(failures),
        "failures": failures[:MAX_FAILURES_SHOWN],
        "hr_system": provider,
    }


def _range(start_text: str, end_text: str) -> tuple[date, date]:
    try:
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        raise InvalidInputError("startDate and endDate are dates, YYYY-MM-DD") from None
    if end < start or (end - start).days >= MAX_DAYS:
        raise InvalidInputError(f"endDate must be on or after startDate, within {MAX_DAYS} days")
    return start, end


def _employees(integration: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Members of the organization with an employee id, by email."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = store.collection("Membership").where(
        filter=FieldFilter("organization_id", "==", integration["organization_id"])
    )
    found: dict[str, dict[str, Any]] = {}
    for snapshot in query.stream(**io()):
        member = snapshot.to_dict() or {}
        if member.get("employee_id"):
            found[str(member["user_email"]).lower()] = member
    return found


def _completions(start: date, end: date) -> Iterator[dict[str, Any]]:
    """Completed enrollments whose completion falls in the range, oldest first."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (
        store.collection("Enrollment")
        .where(filter=FieldFilter("completed_at", ">=", start.isoformat()))
        .where(filter=FieldFilter("completed_at", "<", (end + timedelta(days=1)).isoformat()))
        .order_by("completed_at")
    )
    for snapshot in query.stream(**io()):
        enrollment = snapshot.to_dict() or {}
        if enrollment.get("status") == "completed":
            yield enrollment


def _refusal(exc: UpstreamError) -> str:
    status = exc.details.get("upstream_status")
    said = exc.details.get("upstream_message")
    return f"refused (HTTP {status}): {said}" if said else f"refused (HTTP {status})"


def _completed_at(enrollment: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(enrollment["completed_at"]).replace("Z", "+00:00"))


def _pusher(integration: dict[str, Any]) -> Any:
    settings = integration.get("settings") or {}
    courses = settings.get("course_map") or {}
    if integration["provider"] == "bamboohr":
        client_ = bamboohr_client(integration)

        def push_bamboohr(enrollment: dict[str, Any], member: dict[str, Any], retrying: bool) -> str:
            mapped = courses.get(enrollment["course_id"])
            type_id = int(mapped) if mapped and mapped.isdigit() else settings.get("training_type_id")
            if not type_id:
                raise ConfigurationError("The integration names no BambooHR training type (settings.training_type_id)")
            marker = MARKER.format(id=enrollment["id"])
            hr_id = str(member["employee_id"])
            if retrying:  # begun before: it may have landed without our hearing the answer
                for record in client_.training_records(hr_id, int(type_id)):
                    if marker in str(record.get("notes") or ""):
                        return str(record["id"])
            return _throttled(
                lambda: client_.add_training_record(
                    hr_id,
                    completed=_completed_at(enrollment).date(),
                    type_id=int(type_id),
                    notes=f"{enrollment.get('course_title') or enrollment['course_id']} ({marker})",
                    hours=None,
                )
            )

        return push_bamboohr
    workday: Workday = workday_client(integration)

    def push_workday(enrollment: dict[str, Any], member: dict[str, Any], retrying: bool) -> str:
        return workday.put_learning_enrollment(
            enrollment_id=f"spark-{enrollment['id']}",
            content_id=courses.get(enrollment["course_id"]) or enrollment["course_id"],
            employee_id=str(member["employee_id"]),
            completed_at=_completed_at(enrollment),
            score=None,
        )

    return push_workday


def _throttled(send: Any) -> str:
    """Send a create that is not safe to repeat blindly: again only after a 429 (nothing was made)."""
    for attempt in range(THROTTLE_RETRIES + 1):
        try:
            return str(send())
        except ServiceUnavailableError as exc:
            if exc.details.get("upstream_status") != 429 or attempt == THROTTLE_RETRIES:
                raise
            asked = exc.headers.get("Retry-After", "1")
            time.sleep(min(float(asked) if asked.replace(".", "", 1).isdigit() else 1.0, MAX_RETRY_AFTER_SECONDS))
    raise AssertionError("unreachable")
