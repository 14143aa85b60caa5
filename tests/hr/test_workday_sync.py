"""syncWorkdayEmployees through HTTP against a fake Workday (RaaS JSON and the REST workers API)."""

from __future__ import annotations

from typing import Any

from entities import store
from tests.fakes.hr_systems import FakeWorkday
from tests.hr.conftest import invoke, members

SYNC = "syncWorkdayEmployees"
REPORT = {"report_owner": FakeWorkday.OWNER, "report_name": FakeWorkday.REPORT}


def sync(gateway: Any, integration: dict[str, Any], token: str) -> dict[str, Any]:
    response = invoke(gateway, SYNC, {"integration_id": integration["id"]}, token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def entry(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "Employee_ID": f"21{n:03d}",
        "Email_Address": f"w{n}@acme.test",
        "Legal_Full_Name": f"Worker {n}",
        "Department": "Finance",
        "Active": "1",
        **fields,
    }


def test_report_sync_with_the_default_columns(gateway, workday, acme, make_integration):
    org, token = acme
    workday.report_rows = [entry(1), entry(2, Manager_Employee_ID="21001"), entry(3, Active="0")]
    integration = make_integration(org, provider="workday", settings=REPORT)

    answer = sync(gateway, integration, token)

    assert (answer["created"], answer["synced"], answer["failed"]) == (2, 3, 0)
    people = members(org["id"])
    assert set(people) == {"w1@acme.test", "w2@acme.test"}
    assert people["w2@acme.test"]["manager_email"] == "w1@acme.test"
    assert people["w2@acme.test"]["employee_id"] == "21002"
    seen = workday.seen("GET", "/customreport2/")[0]
    assert seen.query["format"] == ["json"]
    assert seen.headers["Authorization"].startswith("Basic ")

    again = sync(gateway, integration, token)
    assert (again["unchanged"], again["writes"]) == (3, 0)  # the leaver too: nothing to do


def test_report_columns_are_configurable(gateway, workday, acme, make_integration):
    org, token = acme
    workday.report_rows = [
        {
            "Worker_ID": "E-7",
            "Work_Email": "Seven@Acme.test",
            "Worker": "Seven Sevens",
            "Cost_Center_group": [{"Cost_Center": "R&D"}],
            "Cost_Center": {"descriptor": "Research"},
        }
    ]
    columns = {"employee_id": "Worker_ID", "email": "Work_Email", "full_name": "Worker", "department": "Cost_Center"}
    integration = make_integration(org, provider="workday", settings={**REPORT, "column_map": columns})

    assert sync(gateway, integration, token)["created"] == 1
    seven = members(org["id"])["seven@acme.test"]
    assert (seven["employee_id"], seven["full_name"], seven["department"]) == ("E-7", "Seven Sevens", "Research")


def test_worker_missing_from_the_report_has_left(gateway, workday, acme, make_integration):
    org, token = acme
    workday.report_rows = [entry(1), entry(2)]
    integration = make_integration(org, provider="workday", settings=REPORT)
    sync(gateway, integration, token)
    workday.report_rows = [entry(1)]

    answer = sync(gateway, integration, token)

    assert answer["deprovisioned"] == 1
    assert members(org["id"])["w2@acme.test"]["status"] == "deprovisioned"


def test_workers_api_is_read_page_by_page_to_the_end(gateway, workday, acme, make_integration):
    org, token = acme
    workday.workers = [
        {
            "id": f"{n:032x}",
            "descriptor": f"Worker {n}",
            "primaryWorkEmail": f"api{n}@acme.test",
            "primarySupervisoryOrganization": {"id": "org1", "descriptor": "Operations"},
        }
        for n in range(1, 251)
    ]
    integration = make_integration(org, provider="workday", settings={"source": "workers"})

    answer = sync(gateway, integration, token)

    assert answer["created"] == 250
    pages = workday.seen("GET", "/workers")
    assert [p.query["offset"] for p in pages] == [["0"], ["100"], ["200"]]
    assert all(p.query["limit"] == ["100"] for p in pages)
    assert pages[0].headers["Authorization"].startswith("Bearer wd-access-")
    assert members(org["id"])["api250@acme.test"]["department"] == "Operations"


def test_workday_failures_are_clear(gateway, workday, acme, make_integration, monkeypatch):
    org, token = acme
    integration = make_integration(org, provider="workday", settings=REPORT)
    path = f"/ccx/service/customreport2/{FakeWorkday.TENANT}/{FakeWorkday.OWNER}/{FakeWorkday.REPORT}"
    workday.fail_next("GET", path, 503, b"<error>maintenance</error>", times=5)
    busy = invoke(gateway, SYNC, {"integration_id": integration["id"]}, token)
    assert busy.status_code == 503
    assert busy.get_json()["retryable"] is True

    workday.failures.clear()
    monkeypatch.setenv("WORKDAY_PASSWORD", "wrong")
    refused = invoke(gateway, SYNC, {"integration_id": integration["id"]}, token)
    assert refused.status_code == 502
    assert refused.get_json()["details"]["upstream_status"] == 401
    assert members(org["id"]) == {}


def test_a_report_must_be_named(gateway, workday, acme, make_integration):
    org, token = acme
    integration = make_integration(org, provider="workday")
    response = invoke(gateway, SYNC, {"integration_id": integration["id"]}, token)
    assert response.status_code == 503
    assert "report" in response.get_json()["message"]
    assert store.get("Integration", integration["id"])["last_sync_at"] is None
