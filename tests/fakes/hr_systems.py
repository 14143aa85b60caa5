"""Test-only BambooHR and Workday servers on 127.0.0.1, in the wire formats of their APIs.

Both record every request and can be told to fail the next calls to a path (status,
body, headers such as Retry-After or X-BambooHR-Error-Message).

- BambooHR (`/api/gateway.php/{subdomain}/v1`): HTTP Basic with the API key as the user;
  the custom report (`POST /reports/custom?format=JSON`, Content-Type exactly
  application/json, inactive employees included, `employeeIds` filter), changed-since
  (`GET /employees/changed`), training records (add: 201 with the new id; list).
  Refusals carry `X-BambooHR-Error-Message`.
- Workday (`/ccx`): RaaS (`/service/customreport2/{tenant}/{owner}/{report}?format=json`,
  Basic ISU), the REST workers API (`/api/v1/{tenant}/workers`, limit/offset paging,
  bearer tokens from `/oauth2/{tenant}/token`), and SOAP `Put_Learning_Enrollment`
  (`/service/{tenant}/Learning/v31.2`, WS-Security UsernameToken, faults as SOAP Faults).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.fakes.local_http import Failure, LoopbackServer, Seen


class FakeHR:
    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.failures: dict[str, list[Failure]] = {}
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), self.rfile.read(length)
                )
                with fake._lock:
                    fake.requests.append(seen)
                    queued = fake.failures.get(f"{self.command} {parts.path}") or []
                    failure = queued.pop(0) if queued else None
                    answer = (failure.status, failure.body, failure.headers) if failure else fake.route(seen)
                status, body, *rest = answer
                headers = rest[0] if rest else {}
                if isinstance(body, bytes):
                    raw, kind = body, headers.pop("Content-Type", "text/xml; charset=utf-8")
                else:
                    raw, kind = (b"" if body is None else json.dumps(body).encode()), "application/json"
                self.send_response(status)
                if raw:
                    self.send_header("Content-Type", kind)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self.listener = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self.listener.url

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        with self._lock:
            self.failures.setdefault(f"{method} {path}", []).extend(
                Failure(status, body, dict(headers or {})) for _ in range(times)
            )

    def seen(self, method: str, contains: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and contains in r.path]

    def close(self) -> None:
        self.listener.close()

    def route(self, seen: Seen) -> Any:
        raise NotImplementedError


def _basic_user(seen: Seen) -> tuple[str, str] | None:
    header = seen.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- BambooHR ---------------------------------------------------------------------------------


class FakeBambooHR(FakeHR):
    API_KEY = "bamboo-test-key"
    SUBDOMAIN = "acme"
    ERROR = "X-BambooHR-Error-Message"

    def __init__(self) -> None:
        self.employees: dict[str, dict[str, Any]] = {}
        self.changed: dict[str, tuple[str, str]] = {}  # id -> (action, lastChanged)
        self.training: dict[str, dict[str, dict[str, Any]]] = {}  # employee id -> record id -> record
        self.next_record = 1000
        super().__init__()

    @property
    def base(self) -> str:
        return f"{self.url}/api/gateway.php"

    def prefix(self) -> str:
        return f"/api/gateway.php/{self.SUBDOMAIN}/v1"

    def add(self, employee_id: str | int, **fields: Any) -> dict[str, Any]:
        """An employee (or changes to one), marked as changed now."""
        key = str(employee_id)
        action = "Updated" if key in self.employees else "Inserted"
        row = {**self.employees.get(key, {"id": key, "status": "Active"}), **fields}
        self.employees[key] = row
        self.changed[key] = (action, _now())
        return row

    def add_many(self, rows: Iterable[dict[str, Any]]) -> None:
        stamp = _now()
        for row in rows:
            key = str(row["id"])
            self.employees[key] = {"status": "Active", **row, "id": key}
            self.changed[key] = ("Inserted", stamp)

    def delete(self, employee_id: str | int) -> None:
        key = str(employee_id)
        self.employees.pop(key, None)
        self.changed[key] = ("Deleted", _now())

    def refuse(self, status: int, message: str) -> tuple[int, None, dict[str, str]]:
        return status, None, {self.ERROR: message}

    def route(self, seen: Seen) -> Any:
        user = _basic_user(seen)
        if user is None or user[0] != self.API_KEY:
            return self.refuse(401, "Invalid API key")
        if not seen.path.startswith(self.prefix()):
            return self.refuse(404, "Unknown company")
        path = seen.path[len(self.prefix()) :]
        if seen.method == "POST" and path == "/reports/custom":
            return self._report(seen)
        if seen.method == "GET" and path == "/employees/changed":
            return self._changed(seen)
        if path.startswith("/training/record/employee/"):
            return self._training(seen, path.rsplit("/", 1)[1])
        return self.refuse(404, "No such resource")

    def _report(self, seen: Seen) -> Any:
        if (seen.query.get("format") or [""])[0].lower() != "json":
            return self.refuse(404, "Unknown format")
        if seen.headers.get("Content-Type") != "application/json":
            return self.refuse(400, "Malformed XML")
        body = seen.json()
        fields = [f for f in body.get("fields", []) if f != "id"]
        wanted = body.get("filters", {}).get("employeeIds")
        ids = [str(i) for i in wanted] if wanted is not None else sorted(self.employees, key=int)
        rows = [{"id": key, **{f: self.employees[key].get(f) for f in fields}} for key in ids if key in self.employees]
        return 200, {
            "title": body.get("title"),
            "fields": [{"id": f, "type": "text", "name": f} for f in fields],
            "employees": rows,
        }

    def _changed(self, seen: Seen) -> Any:
        try:
            since = _parse_time((seen.query.get("since") or [""])[0])
        except ValueError:
            return self.refuse(400, "Invalid since")
        changed = {
            key: {"id": key, "action": action, "lastChanged": stamp}
            for key, (action, stamp) in self.changed.items()
            if _parse_time(stamp) > since
        }
        return 200, {"latest": _now(), "employees": changed}

    def _training(self, seen: Seen, employee_id: str) -> Any:
        if employee_id not in self.employees:
            return self.refuse(404, f"Employee {employee_id} not found")
        records = self.training.setdefault(employee_id, {})
        if seen.method == "GET":
            wanted = (seen.query.get("type") or [None])[0]
            found = {k: r for k, r in records.items() if wanted is None or str(r["type"]) == wanted}
            return 200, found or []
        body = seen.json()
        if not body.get("completed") or not isinstance(body.get("type"), int):
            return self.refuse(400, "completed and type are required")
        self.next_record += 1
        record = {
            "id": self.next_record,
            "employeeId": employee_id,
            "completed": body["completed"],
            "type": body["type"],
            "notes": body.get("notes"),
            "hours": str(body["hours"]) if "hours" in body else None,
        }
        records[str(self.next_record)] = record
        return 201, record


# --- Workday ---------------------------------------------------------------------------------

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
BSVC = "urn:com.workday/bsvc"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


class FakeWorkday(FakeHR):
    TENANT = "acme_impl"
    USER = "isu_spark"
    PASSWORD = "isu-password"
    CLIENT_ID = "wd-client"
    CLIENT_SECRET = "wd-secret"
    REFRESH_TOKEN = "wd-refresh"
    OWNER = "lmsadmin"
    REPORT = "SparkAcademy_Workers"

    def __init__(self) -> None:
        self.report_rows: list[dict[str, Any]] = []
        self.workers: list[dict[str, Any]] = []
        self.enrollments: dict[str, dict[str, Any]] = {}  # our enrollment id -> data
        self.tokens: set[str] = set()
        self.refuse_learners: set[str] = set()  # Employee_IDs whose enrollments are faults
        super().__init__()

    @property
    def tenant_url(self) -> str:
        return f"{self.url}/{self.TENANT}"

    def route(self, seen: Seen) -> Any:
        if seen.path == f"/ccx/oauth2/{self.TENANT}/token":
            return self._token(seen)
        if seen.path.startswith(f"/ccx/api/v1/{self.TENANT}/workers"):
            return self._workers(seen)
        if _basic_user(seen) is not None:
            if _basic_user(seen) != (self.USER, self.PASSWORD):
                return 401, b"<error>Invalid credentials</error>", {"Content-Type": "text/xml"}
            if seen.path == f"/ccx/service/customreport2/{self.TENANT}/{self.OWNER}/{self.REPORT}":
                if (seen.query.get("format") or [""])[0] != "json":
                    return 200, b"<wd:Report_Data xmlns:wd='urn:com.workday.report/x'/>", {"Content-Type": "text/xml"}
                return 200, {"Report_Entry": self.report_rows}
        if seen.path == f"/ccx/service/{self.TENANT}/Learning/v31.2" and seen.method == "POST":
            return self._put_enrollment(seen)
        return 404, b"<error>Not found</error>", {"Content-Type": "text/xml"}

    def _token(self, seen: Seen) -> Any:
        form = parse_qs(seen.body.decode())
        if _basic_user(seen) != (self.CLIENT_ID, self.CLIENT_SECRET) or form.get("refresh_token") != [
            self.REFRESH_TOKEN
        ]:
            return 401, {"error": "invalid_client"}
        token = f"wd-access-{len(self.tokens)}"
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer"}

    def _workers(self, seen: Seen) -> Any:
        if seen.headers.get("Authorization", "").removeprefix("Bearer ") not in self.tokens:
            return 401, {"error": "invalid request: invalid token"}
        limit = min(int((seen.query.get("limit") or ["20"])[0]), 100)
        offset = int((seen.query.get("offset") or ["0"])[0])
        return 200, {"total": len(self.workers), "data": self.workers[offset : offset + limit]}

    def _fault(self, code: str, message: str) -> Any:
        env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"env": SOAP_ENV})
        fault = etree.SubElement(etree.SubElement(env, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
        etree.SubElement(fault, "faultcode").text = code
        etree.SubElement(fault, "faultstring").text = message
        return 500, etree.tostring(env, xml_declaration=True, encoding="UTF-8")

    def _put_enrollment(self, seen: Seen) -> Any:
        root = etree.fromstring(seen.body, etree.XMLParser(resolve_entities=False, no_network=True))
        user = root.findtext(f".//{{{WSSE}}}Username")
        password = root.findtext(f".//{{{WSSE}}}Password")
        if user != f"{self.USER}@{self.TENANT}" or password != self.PASSWORD:
            return self._fault("SOAP-ENV:Client.authenticationError", "invalid username or password")
        data = root.find(f".//{{{BSVC}}}Learning_Enrollment_Data")
        if data is None:
            return self._fault("SOAP-ENV:Client.validationError", "Learning_Enrollment_Data is required")
        ours = data.findtext(f"{{{BSVC}}}ID")
        learner = data.findtext(f"{{{BSVC}}}Learner_Reference/{{{BSVC}}}ID")
        if learner in self.refuse_learners:
            return self._fault("SOAP-ENV:Client.validationError", f"Invalid ID value. '{learner}' is not a valid ID")
        wid = self.enrollments.get(str(ours), {}).get("wid") or f"{len(self.enrollments) + 1:032x}"
        self.enrollments[str(ours)] = {
            "wid": wid,
            "learner": learner,
            "content": data.findtext(f"{{{BSVC}}}Learning_Content_Reference/{{{BSVC}}}ID"),
            "completed": data.findtext(f"{{{BSVC}}}Learning_Enrollment_Completion_Date"),
            "score": data.findtext(f"{{{BSVC}}}Overall_Course_Score"),
        }
        env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"env": SOAP_ENV})
        body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
        response = etree.SubElement(body, f"{{{BSVC}}}Put_Learning_Enrollment_Response", nsmap={"wd": BSVC})
        reference = etree.SubElement(response, f"{{{BSVC}}}Learning_Enrollment_Reference")
        for kind, value in (("WID", wid), ("Learning_Enrollment_ID", ours)):
            ident = etree.SubElement(reference, f"{{{BSVC}}}ID")
            ident.set(f"{{{BSVC}}}type", kind)
            ident.text = value
        return 200, etree.tostring(env, xml_declaration=True, encoding="UTF-8")
