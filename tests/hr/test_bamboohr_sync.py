"""syncBambooHREmployees through HTTP against a fake BambooHR in its wire format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from entities import store
from tests.helpers import bearer
from tests.hr.conftest import APP, invoke, members, person

SYNC = "syncBambooHREmployees"


def sync(gateway: Any, integration: dict[str, Any], token: str) -> dict[str, Any]:
    response = invoke(gateway, SYNC, {"integration_id": integration["id"]}, token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_first_sync_creates_accounts_and_memberships(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1, department="Leadership"), person(2, supervisorEId="1"), person(3, supervisorEId="1")])
    integration = make_integration(org)

    answer = sync(gateway, integration, token)

    assert answer["success"] is True
    assert (answer["synced"], answer["created"], answer["updated"], answer["failed"]) == (3, 3, 0, 0)
    assert answer["complete"] is True
    assert isinstance(answer["duration_ms"], int)
    people = members(org["id"])
    assert set(people) == {"e1@acme.test", "e2@acme.test", "e3@acme.test"}
    two = people["e2@acme.test"]
    assert two["status"] == "active"
    assert two["employee_id"] == "2"
    assert two["department"] == "Engineering"
    assert two["manager_email"] == "e1@acme.test"
    assert two["full_name"] == "First2 Smith"
    assert two["source"] == f"bamboohr:{integration['id']}"
    user = store.get("User", two["user_id"])
    assert (user["organization_id"], user["role"], user["department"]) == (org["id"], "student", "Engineering")
    report = bamboo.seen("POST", "/reports/custom")
    assert len(report) == 1
    assert report[0].headers["Content-Type"] == "application/json"
    assert "filters" not in report[0].json()  # the first run reads everyone
    saved = store.get("Integration", integration["id"])
    assert saved["cursor"] and saved["last_sync_status"] == "succeeded"
    assert saved["last_result"]["created"] == 3


def test_rerun_with_nothing_changed_writes_nothing(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(i) for i in range(1, 6)])
    integration = make_integration(org)
    first = sync(gateway, integration, token)
    assert first["created"] == 5
    assert first["writes"] > 0
    before = {m["id"]: m["updated_date"] for m in members(org["id"]).values()}

    again = sync(gateway, integration, token)

    assert (again["created"], again["updated"], again["unchanged"], again["writes"]) == (0, 0, 5, 0)
    assert {m["id"]: m["updated_date"] for m in members(org["id"]).values()} == before
    assert len(bamboo.seen("GET", "/employees/changed")) == 1  # incremental after the first run


def test_incremental_run_reads_only_what_changed(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(i) for i in range(1, 6)])
    integration = make_integration(org)
    sync(gateway, integration, token)
    sync(gateway, integration, token)  # its anchor is BambooHR's own `latest`
    bamboo.add(3, department="Sales", lastName="Jones")

    answer = sync(gateway, integration, token)

    assert (answer["updated"], answer["unchanged"], answer["created"]) == (1, 0, 0)
    assert bamboo.seen("POST", "/reports/custom")[-1].json()["filters"] == {"employeeIds": [3]}
    three = members(org["id"])["e3@acme.test"]
    assert (three["department"], three["full_name"]) == ("Sales", "First3 Jones")
    assert store.get("User", three["user_id"])["department"] == "Sales"


def test_terminated_employee_is_deprovisioned_and_history_kept(gateway, bamboo, acme, make_integration, make_user):
    from entities import accounts

    org, token = acme
    bamboo.add_many([person(1), person(2)])
    integration = make_integration(org)
    sync(gateway, integration, token)
    leaver = members(org["id"])["e2@acme.test"]
    enrollment = store.create(
        "Enrollment", {"student_email": "e2@acme.test", "course_id": "crs_x", "progress_percent": 40}, created_by=None
    )
    session = accounts.session_for(store.get("User", leaver["user_id"]))["access_token"]
    assert gateway.get(f"{APP}/entities/User/me", headers=bearer(session)).status_code == 200
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    bamboo.add(2, status="Inactive", terminationDate=yesterday)

    answer = sync(gateway, integration, token)

    assert answer["deprovisioned"] == 1
    gone = store.get("Membership", leaver["id"])
    assert gone["status"] == "deprovisioned"
    assert gone["deprovisioned_at"]
    assert store.get("User", leaver["user_id"])["disabled"] is True
    assert store.get("Enrollment", enrollment["id"])["progress_percent"] == 40  # history kept
    assert gateway.get(f"{APP}/entities/User/me", headers=bearer(session)).status_code == 401
    assert members(org["id"])["e1@acme.test"]["status"] == "active"


def test_future_termination_waits_for_its_date(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1), person(2)])
    integration = make_integration(org)
    sync(gateway, integration, token)
    later = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    bamboo.add(2, terminationDate=later)

    answer = sync(gateway, integration, token)

    assert answer["deprovisioned"] == 0
    assert members(org["id"])["e2@acme.test"]["status"] == "active"
    assert store.get("Integration", integration["id"])["pending_departures"] == {"2": later}

    # The date comes; BambooHR has nothing new to say, the run acts on what it remembered.
    past = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    store.update("Integration", integration["id"], {"pending_departures": {"2": past}})
    answer = sync(gateway, integration, token)
    assert answer["deprovisioned"] == 1
    assert members(org["id"])["e2@acme.test"]["status"] == "deprovisioned"
    assert store.get("Integration", integration["id"])["pending_departures"] == {}


def test_employee_deleted_in_bamboohr_is_deprovisioned(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1), person(2)])
    integration = make_integration(org)
    sync(gateway, integration, token)
    sync(gateway, integration, token)
    bamboo.delete(1)

    answer = sync(gateway, integration, token)

    assert answer["deprovisioned"] == 1
    assert members(org["id"])["e1@acme.test"]["status"] == "deprovisioned"


def test_rehired_employee_is_reactivated(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1, status="Inactive")])
    integration = make_integration(org)
    bamboo.add_many([person(1)])
    sync(gateway, integration, token)
    bamboo.add(1, status="Inactive")
    sync(gateway, integration, token)
    member = members(org["id"])["e1@acme.test"]
    assert member["status"] == "deprovisioned"
    bamboo.add(1, status="Active")

    answer = sync(gateway, integration, token)

    assert answer["updated"] == 1
    assert store.get("Membership", member["id"])["status"] == "active"
    assert store.get("User", member["user_id"])["disabled"] is False


def test_bad_rows_fail_with_reasons_and_the_rest_go_on(gateway, bamboo, acme, make_integration, make_org, make_user):
    org, token = acme
    other, _ = make_org("Globex")
    make_user("student", email="taken@globex.test", organization_id=other["id"])
    bamboo.add_many(
        [
            person(1),
            person(2, workEmail=None),
            person(3, workEmail="not-an-email"),
            person(4, workEmail="e1@acme.test"),
            person(5, workEmail="taken@globex.test"),
            person(6, department="x" * 500),
        ]
    )
    integration = make_integration(org)

    answer = sync(gateway, integration, token)

    assert (answer["created"], answer["failed"]) == (2, 4)
    reasons = {f["employee_id"]: f["reason"] for f in answer["failures"]}
    assert reasons["2"] == reasons["3"] == "no valid work email"
    assert "same work email" in reasons["4"]
    assert "outside this organization" in reasons["5"]
    assert set(members(org["id"])) == {"e1@acme.test", "e6@acme.test"}
    assert members(org["id"])["e6@acme.test"]["department"] == "x" * 200  # bounded, as the record holds it
    assert (
        store.get("User", store.query("User", {"email": "taken@globex.test"})[0]["id"])["organization_id"]
        == (other["id"])
    )
    assert store.get("Integration", integration["id"])["last_sync_status"] == "partial"


def test_leavers_never_synced_before_are_not_created(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1), person(2, status="Inactive", terminationDate="2020-01-31")])
    answer = sync(gateway, make_integration(org), token)
    assert answer["created"] == 1
    assert set(members(org["id"])) == {"e1@acme.test"}


def test_throttling_with_retry_after_is_waited_out(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1)])
    path = f"{bamboo.prefix()}/reports/custom"
    bamboo.fail_next("POST", path, 429, headers={"Retry-After": "1", bamboo.ERROR: "Rate limited"})
    bamboo.fail_next("POST", path, 503, headers={"Retry-After": "0"})

    answer = sync(gateway, make_integration(org), token)

    assert answer["created"] == 1
    assert len(bamboo.seen("POST", "/reports/custom")) == 3


def test_bamboohr_down_is_a_retryable_503_and_writes_nothing(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1)])
    bamboo.fail_next("POST", f"{bamboo.prefix()}/reports/custom", 503, times=5)
    integration = make_integration(org)

    response = invoke(gateway, SYNC, {"integration_id": integration["id"]}, token)

    assert response.status_code == 503
    assert response.get_json()["retryable"] is True
    assert members(org["id"]) == {}
    # The lease is released: the next run goes through.
    assert sync(gateway, integration, token)["created"] == 1


def test_refusal_reason_comes_from_the_error_header(gateway, bamboo, acme, make_integration, monkeypatch):
    org, token = acme
    monkeypatch.setenv("BAMBOOHR_API_KEY", "wrong-key")
    response = invoke(gateway, SYNC, {"integration_id": make_integration(org)["id"]}, token)
    assert response.status_code == 502
    body = response.get_json()
    assert body["details"]["upstream_status"] == 401
    assert body["details"]["upstream_message"] == "Invalid API key"
    assert "wrong-key" not in response.get_data(as_text=True)


def test_long_sync_checkpoints_and_continues(gateway, bamboo, acme, make_integration, monkeypatch):
    from functions.hr import sync as engine

    org, token = acme
    monkeypatch.setattr(engine, "CHUNK", 4)
    monkeypatch.setenv("HR_SYNC_TIME_BUDGET_SECONDS", "0.000001")  # every chunk ends a run
    bamboo.add_many([person(i) for i in range(1, 11)])
    integration = make_integration(org)

    runs = [sync(gateway, integration, token)]
    while not runs[-1]["complete"]:
        runs.append(sync(gateway, integration, token))
        assert len(runs) < 10

    assert [r["created"] for r in runs] == [4, 4, 2]
    assert [r["complete"] for r in runs] == [False, False, True]
    assert len(members(org["id"])) == 10
    saved = store.get("Integration", integration["id"])
    assert saved["checkpoint"] is None
    assert saved["cursor"]
    # Every continuation read the same full report (no changed-since while one was in progress).
    assert bamboo.seen("GET", "/employees/changed") == []


def test_org_admins_sync_only_their_own_integrations(gateway, bamboo, acme, make_org, make_integration, make_user):
    org, _ = acme
    _, other_token = make_org("Globex")
    integration = make_integration(org)
    assert invoke(gateway, SYNC, {"integration_id": integration["id"]}, other_token).status_code == 404
    _, student = make_user("student", organization_id=org["id"])
    assert invoke(gateway, SYNC, {"integration_id": integration["id"]}, student).status_code == 403
    _, admin = make_user("admin")
    assert invoke(gateway, SYNC, {"integration_id": integration["id"]}, admin).status_code == 200


def test_wrong_provider_or_unknown_integration(gateway, bamboo, acme, make_integration):
    org, token = acme
    workday = make_integration(org, provider="workday")
    assert invoke(gateway, SYNC, {"integration_id": workday["id"]}, token).status_code == 400
    assert invoke(gateway, SYNC, {"integration_id": "int_missing"}, token).status_code == 404
    assert invoke(gateway, SYNC, {"integration_id": workday["id"], "extra": 1}, token).status_code == 400


def test_two_runs_of_one_integration_never_overlap(gateway, bamboo, acme, make_integration):
    import time

    from shared.firestore import client

    org, token = acme
    integration = make_integration(org)
    client().collection("_hr_sync_leases").document(integration["id"]).set({"token": "x", "until": time.time() + 60})
    response = invoke(gateway, SYNC, {"integration_id": integration["id"]}, token)
    assert response.status_code == 409


def test_integration_entity_is_confined_to_its_organization(gateway, acme, make_org):
    org, token = acme
    other, other_token = make_org("Globex")
    url = f"{APP}/entities/Integration"
    created = gateway.post(url, json={"provider": "bamboohr", "settings": {"subdomain": "acme"}}, headers=bearer(token))
    assert created.status_code in (200, 201), created.get_json()
    record = created.get_json()
    assert record["organization_id"] == org["id"]
    assert gateway.get(f"{url}/{record['id']}", headers=bearer(other_token)).status_code == 404
    assert [i["id"] for i in gateway.get(url, headers=bearer(other_token)).get_json()] == []
    # Credentials name secrets: only admins choose them; the sync state is the server's.
    for field, value in (("credentials", {"api_key": "BAMBOOHR_API_KEY_GLOBEX"}), ("cursor", "2020-01-01T00:00:00Z")):
        refused = gateway.put(f"{url}/{record['id']}", json={field: value}, headers=bearer(token))
        assert refused.status_code == 403, field
    moved = gateway.put(f"{url}/{record['id']}", json={"organization_id": other["id"]}, headers=bearer(token))
    assert moved.status_code in (403, 404)
    for_other = gateway.post(url, json={"provider": "bamboohr", "organization_id": other["id"]}, headers=bearer(token))
    assert for_other.status_code == 404


def test_a_leaver_gives_back_licence_seats_and_keeps_the_enrollment(gateway, bamboo, make_user, make_integration):
    course = store.create(
        "Course",
        {"title": "Kubernetes", "price": 200, "is_published": True, "modules": []},
        created_by=None,
    )
    org = store.create("Organization", {"name": "Acme", "licence": {"pool_seats": 2}}, created_by=None)
    _, token = make_user("org_admin", organization_id=org["id"])
    bamboo.add_many([person(1), person(2)])
    integration = make_integration(org)
    sync(gateway, integration, token)
    for email in ("e1@acme.test", "e2@acme.test"):
        enrolled = gateway.post(
            f"{APP}/entities/Enrollment",
            json={"course_id": course["id"], "student_email": email, "status": "active"},
            headers=bearer(token),
        )
        assert enrolled.status_code in (200, 201), enrolled.get_json()
    assert store.get("Organization", org["id"])["seats_used"] == {"pool": 2}
    bamboo.add(2, status="Inactive")

    assert sync(gateway, integration, token)["deprovisioned"] == 1

    assert store.get("Organization", org["id"])["seats_used"] == {"pool": 1}
    kept = store.query("Enrollment", {"student_email": "e2@acme.test"})
    assert len(kept) == 1  # history kept


def test_many_changes_are_read_with_one_whole_report(gateway, bamboo, acme, make_integration):
    from functions.hr.bamboohr import REPORT_ID_BATCH

    org, token = acme
    count = REPORT_ID_BATCH + 1
    bamboo.add_many([person(i) for i in range(1, count + 1)])
    integration = make_integration(org)
    sync(gateway, integration, token)
    sync(gateway, integration, token)
    bamboo.add_many([person(i, department="Moved") for i in range(1, count + 1)])
    bamboo.add(7, department="Moved again")

    answer = sync(gateway, integration, token)

    assert (answer["updated"], answer["created"]) == (count, 0)
    assert "filters" not in bamboo.seen("POST", "/reports/custom")[-1].json()
    assert members(org["id"])["e7@acme.test"]["department"] == "Moved again"


def test_a_changed_work_email_is_reported_not_duplicated(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1)])
    integration = make_integration(org)
    sync(gateway, integration, token)
    bamboo.add(1, workEmail="new1@acme.test")

    answer = sync(gateway, integration, token)

    assert (answer["created"], answer["failed"]) == (0, 1)
    assert "was e1@acme.test" in answer["failures"][0]["reason"]
    assert set(members(org["id"])) == {"e1@acme.test"}


def test_deprovisioning_can_be_turned_off(gateway, bamboo, acme, make_integration):
    org, token = acme
    bamboo.add_many([person(1)])
    integration = make_integration(org, settings={"deprovision": False})
    sync(gateway, integration, token)
    bamboo.add(1, status="Inactive")

    answer = sync(gateway, integration, token)

    assert (answer["deprovisioned"], answer["unchanged"]) == (0, 1)
    assert members(org["id"])["e1@acme.test"]["status"] == "active"
