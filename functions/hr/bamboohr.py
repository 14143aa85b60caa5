"""BambooHR's API: the employee custom report, changed-since, and training records.

Base URL `{BAMBOOHR_BASE_URL}/{subdomain}/v1/`, HTTP Basic with the API key as the
user name, JSON asked for with `Accept`. Refusals explain themselves in the
`X-BambooHR-Error-Message` header, which failures carry as `upstream_message`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from functions.hr.employees import Employee, clean, parse_date
from shared import config
from shared.errors import UpstreamError
from shared.outbound import ServiceClient

ERROR_HEADER = "X-BambooHR-Error-Message"
# The report's fields; `field_map` in an integration's settings may rename any of them.
FIELDS = {
    "email": "workEmail",
    "first_name": "firstName",
    "last_name": "lastName",
    "preferred_name": "preferredName",
    "employee_number": "employeeNumber",
    "department": "department",
    "status": "status",
    "termination_date": "terminationDate",
    "supervisor_id": "supervisorEId",
    "supervisor_email": "supervisorEmail",
}
# Changed ids are read with a report filtered by them, up to this many; past it, the whole report.
REPORT_ID_BATCH = 500


@dataclass(frozen=True)
class Credentials:
    api_key: str
    subdomain: str


class BambooHR:
    def __init__(self, credentials: Credentials, field_map: Mapping[str, str] | None = None) -> None:
        token = base64.b64encode(f"{credentials.api_key}:x".encode()).decode()
        self.fields = {**FIELDS, **(field_map or {})}
        self.client = ServiceClient(
            "bamboohr",
            f"{config.bamboohr_base_url()}/{credentials.subdomain}/v1/",
            timeout=30.0,
            auth_header=lambda: {"Authorization": f"Basic {token}"},
            error_header=ERROR_HEADER,
        )

    def employees(self, ids: Iterable[str] | None = None) -> list[Employee]:
        """Every employee (active and not) from a custom report; only `ids` when given.

        Past REPORT_ID_BATCH ids, one full report filtered here costs less than many filtered ones.
        """
        wanted = None if ids is None else set(ids)
        if wanted is not None and not wanted:
            return []
        body: dict[str, Any] = {"title": "SparkAcademy sync", "fields": ["id", *self.fields.values()]}
        if wanted is not None and len(wanted) <= REPORT_ID_BATCH:
            body["filters"] = {"employeeIds": sorted(int(i) if i.isdigit() else i for i in wanted)}
        answer = self.client.request(
            "POST", "reports/custom", params={"format": "JSON", "onlyCurrent": "false"}, json=body, safe=True
        )
        rows = answer.get("employees") if isinstance(answer, dict) else None
        if not isinstance(rows, list):
            raise UpstreamError("bamboohr answered a report without employees", details={"service": "bamboohr"})
        found = [self._employee(row) for row in rows if isinstance(row, dict) and row.get("id") is not None]
        return found if wanted is None else [e for e in found if e.hr_id in wanted]

    def changed_since(self, since: str) -> tuple[str, set[str]]:
        """The ids of employees inserted, updated or deleted since `since` (ISO 8601), and the new anchor."""
        answer = self.client.get("employees/changed", params={"since": since})
        if not isinstance(answer, dict) or not isinstance(answer.get("employees"), dict | list):
            raise UpstreamError("bamboohr answered changes in an unknown shape", details={"service": "bamboohr"})
        changed = answer["employees"]
        ids = {str(key) for key in changed} if isinstance(changed, dict) else set()
        return str(answer.get("latest") or since), ids

    def add_training_record(self, hr_id: str, *, completed: date, type_id: int, notes: str, hours: float | None) -> str:
        """A completed training on the employee's record; BambooHR's id of the new record."""
        body: dict[str, Any] = {"completed": completed.isoformat(), "type": type_id, "notes": notes}
        if hours is not None:
            body["hours"] = round(hours, 2)
        answer = self.client.post(f"training/record/employee/{hr_id}", json=body)
        if not isinstance(answer, dict) or answer.get("id") is None:
            raise UpstreamError("bamboohr did not say which record it created", details={"service": "bamboohr"})
        return str(answer["id"])

    def training_records(self, hr_id: str, type_id: int) -> list[dict[str, Any]]:
        """The employee's training records of one type (to find one whose answer we never heard)."""
        answer = self.client.get(f"training/record/employee/{hr_id}", params={"type": type_id})
        if isinstance(answer, dict):
            return [{"id": str(key), **value} for key, value in answer.items() if isinstance(value, dict)]
        return []

    def _employee(self, row: Mapping[str, Any]) -> Employee:
        f = self.fields
        first = clean(row.get(f["preferred_name"])) or clean(row.get(f["first_name"]))
        name = " ".join(p for p in (first, clean(row.get(f["last_name"]))) if p) or None
        status = (clean(row.get(f["status"])) or "Active").lower()
        email = clean(row.get(f["email"]), 320)
        return Employee(
            hr_id=str(row["id"]),
            email=email.lower() if email else None,
            full_name=name,
            employee_id=clean(row.get(f["employee_number"]), 100) or str(row["id"]),
            department=clean(row.get(f["department"])),
            manager_hr_id=clean(row.get(f["supervisor_id"]), 100),
            manager_email=(clean(row.get(f["supervisor_email"]), 320) or "").lower() or None,
            active=status == "active",
            left_on=parse_date(row.get(f["termination_date"])),
        )
