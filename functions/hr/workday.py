"""Workday: workers from a custom report (RaaS, JSON) or the REST workers API, and
learning enrollments pushed back over SOAP (Workday Web Services, Learning).

`WORKDAY_TENANT_URL` is `https://{host}/{tenant}`. RaaS and SOAP sign in as the
integration system user (HTTP Basic; WS-Security UsernameToken `{user}@{tenant}`);
the REST API takes a bearer token from the tenant's OAuth endpoint (refresh-token grant).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from functions.hr.employees import Employee, clean, parse_date
from shared.errors import ConfigurationError, UpstreamError
from shared.outbound import ServiceClient

# Report columns (aliases chosen by the report's author) -> our fields; `column_map` overrides.
RAAS_COLUMNS = {
    "employee_id": "Employee_ID",
    "email": "Email_Address",
    "full_name": "Legal_Full_Name",
    "department": "Department",
    "manager_id": "Manager_Employee_ID",
    "manager_email": "Manager_Email",
    "active": "Active",
    "termination_date": "Termination_Date",
}
WORKERS_PAGE = 100  # the API's largest page
LEARNING_VERSION = "v31.2"
BSVC = "urn:com.workday/bsvc"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"


@dataclass(frozen=True)
class Credentials:
    tenant_url: str
    username: str
    password: str
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None

    @property
    def host(self) -> str:
        parts = urlsplit(self.tenant_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def tenant(self) -> str:
        tenant = urlsplit(self.tenant_url).path.strip("/").rpartition("/")[2]
        if not tenant:
            raise ConfigurationError("The Workday tenant URL must end with the tenant name: https://{host}/{tenant}")
        return tenant


class SoapFault(Exception):
    """Workday refused one request; `reason` is its faultstring."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Workday:
    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        basic = base64.b64encode(f"{credentials.username}:{credentials.password}".encode()).decode()
        self.client = ServiceClient(
            "workday", f"{credentials.host}/ccx/", timeout=60.0, auth_header=lambda: {"Authorization": f"Basic {basic}"}
        )
        self._token: str | None = None

    # --- workers ---------------------------------------------------------------------

    def report(self, owner: str, name: str, columns: Mapping[str, str] | None = None) -> list[Employee]:
        """Every row of a custom report (one response holds the whole report)."""
        mapping = {**RAAS_COLUMNS, **(columns or {})}
        tenant = quote(self.credentials.tenant)
        path = f"service/customreport2/{tenant}/{quote(owner)}/{quote(name)}"
        answer = self.client.get(path, params={"format": "json"})
        rows = answer.get("Report_Entry") if isinstance(answer, dict) else None
        if not isinstance(rows, list):
            raise UpstreamError("workday answered a report without Report_Entry", details={"service": "workday"})
        return [e for e in (_from_report(row, mapping) for row in rows if isinstance(row, dict)) if e is not None]

    def workers(self) -> list[Employee]:
        """Every worker from the REST API, page by page until `total` is reached."""
        found: list[Employee] = []
        offset, total = 0, None
        api = ServiceClient(
            "workday",
            f"{self.credentials.host}/ccx/api/v1/{quote(self.credentials.tenant)}/",
            timeout=60.0,
            auth_header=lambda: {"Authorization": f"Bearer {self._bearer()}"},
        )
        while total is None or offset < total:
            answer = api.get("workers", params={"limit": WORKERS_PAGE, "offset": offset})
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data, list) or not isinstance(answer.get("total"), int):
                raise UpstreamError("workday answered workers in an unknown shape", details={"service": "workday"})
            total = answer["total"]
            found.extend(_from_worker(w) for w in data if isinstance(w, dict) and w.get("id"))
            if not data:
                break  # fewer workers than `total` said: stop rather than loop
            offset += len(data)
        return found

    def _bearer(self) -> str:
        if self._token is None:
            c = self.credentials
            if not (c.client_id and c.client_secret and c.refresh_token):
                raise ConfigurationError("The Workday workers API needs the OAuth client id, secret and refresh token")
            basic = base64.b64encode(f"{c.client_id}:{c.client_secret}".encode()).decode()
            oauth = ServiceClient(
                "workday-oauth", f"{c.host}/ccx/oauth2/{quote(c.tenant)}/", headers={"Authorization": f"Basic {basic}"}
            )
            answer = oauth.post("token", data={"grant_type": "refresh_token", "refresh_token": c.refresh_token})
            if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
                raise UpstreamError("workday did not issue an access token", details={"service": "workday-oauth"})
            self._token = answer["access_token"]
        return self._token

    # --- learning enrollments --------------------------------------------------------------

    def put_learning_enrollment(
        self, *, enrollment_id: str, content_id: str, employee_id: str, completed_at: datetime, score: float | None
    ) -> str:
        """Create or update (by our `enrollment_id`) a completed enrollment; Workday's reference id.

        A put keyed by our id is idempotent, so it is retried like a GET.
        """
        envelope = self._envelope(enrollment_id, content_id, employee_id, completed_at, score)
        response = self.client.exchange(
            "POST",
            f"service/{quote(self.credentials.tenant)}/Learning/{LEARNING_VERSION}",
            data=envelope,
            headers={"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml", "SOAPAction": ""},
            safe=True,
            passthrough=frozenset({400, 500}),  # SOAP faults: read the reason, per row
        )
        root = _parse(response.content)
        fault = root.find(f".//{{{SOAP_ENV}}}Fault")
        if fault is not None:
            raise SoapFault(clean(fault.findtext("faultstring"), 300) or "Workday refused the enrollment")
        if response.status_code >= 400:
            raise UpstreamError("workday failed without a SOAP fault", details={"service": "workday"})
        ids = root.findall(f".//{{{BSVC}}}Learning_Enrollment_Reference/{{{BSVC}}}ID")
        chosen = next((i.text for i in ids if i.get(f"{{{BSVC}}}type") == "WID"), None) or (
            ids[0].text if ids else None
        )
        if not chosen:
            raise UpstreamError("workday did not say which enrollment it stored", details={"service": "workday"})
        return str(chosen)

    def _envelope(
        self, enrollment_id: str, content_id: str, employee_id: str, completed_at: datetime, score: float | None
    ) -> bytes:
        from lxml import etree
        from lxml.builder import ElementMaker

        soap = ElementMaker(namespace=SOAP_ENV, nsmap={"env": SOAP_ENV})
        sec = ElementMaker(namespace=WSSE, nsmap={"wsse": WSSE})
        b = ElementMaker(namespace=BSVC, nsmap={"bsvc": BSVC})
        c = self.credentials
        when = completed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        data = [
            b.ID(enrollment_id),
            b.Learning_Content_Reference(b.ID(content_id, {f"{{{BSVC}}}type": "Learning_Course_ID"})),
            b.Learner_Reference(b.ID(employee_id, {f"{{{BSVC}}}type": "Employee_ID"})),
            b.Learning_Enrollment_Completion_Date(when),
        ]
        if score is not None:
            data.append(b.Overall_Course_Score(f"{score:g}"))
        request = b.Put_Learning_Enrollment_Request(
            b.Learning_Enrollment_Data(*data), {f"{{{BSVC}}}version": LEARNING_VERSION}
        )
        token = sec.UsernameToken(
            sec.Username(f"{c.username}@{c.tenant}"), sec.Password(c.password, Type=PASSWORD_TEXT)
        )
        envelope = soap.Envelope(soap.Header(sec.Security(token)), soap.Body(request))
        return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def _parse(content: bytes) -> Any:
    """A SOAP answer, parsed with DTDs, entities and network access off."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        raise UpstreamError("workday answered something other than XML", details={"service": "workday"}) from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise UpstreamError("workday answered a document with a DTD", details={"service": "workday"})
    return root


def _text(row: Mapping[str, Any], key: str) -> Any:
    value = row.get(key)
    if isinstance(value, list):  # multi-instance columns: the first instance
        value = value[0] if value else None
    if isinstance(value, dict):  # a reference: its descriptor or id
        value = value.get("descriptor") or value.get("Descriptor") or value.get("id") or value.get("ID")
    return value


def _from_report(row: Mapping[str, Any], columns: Mapping[str, str]) -> Employee | None:
    employee_id = clean(_text(row, columns["employee_id"]), 100)
    if employee_id is None:
        return None
    active = str(_text(row, columns["active"]) if columns["active"] in row else "1").strip().lower()
    email = clean(_text(row, columns["email"]), 320)
    manager = clean(_text(row, columns["manager_email"]), 320)
    return Employee(
        hr_id=employee_id,
        email=email.lower() if email else None,
        full_name=clean(_text(row, columns["full_name"])),
        employee_id=employee_id,
        department=clean(_text(row, columns["department"])),
        manager_hr_id=clean(_text(row, columns["manager_id"]), 100),
        manager_email=manager.lower() if manager else None,
        active=active in ("1", "true", "yes", "active"),
        left_on=parse_date(_text(row, columns["termination_date"])),
    )


def _from_worker(worker: Mapping[str, Any]) -> Employee:
    org = worker.get("primarySupervisoryOrganization")
    email = clean(worker.get("primaryWorkEmail"), 320)
    return Employee(
        hr_id=str(worker["id"]),
        email=email.lower() if email else None,
        full_name=clean(worker.get("descriptor")),
        employee_id=str(worker["id"]),
        department=clean(org.get("descriptor")) if isinstance(org, dict) else None,
    )
