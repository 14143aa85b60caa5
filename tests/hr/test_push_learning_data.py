"""pushLearningDataToHR through HTTP: BambooHR training records and Workday learning enrollments (SOAP)."""

from __future__ import annotations

from typing import Any

from entities import store
from shared.firestore import client
from tests.fakes.hr_systems import FakeWorkday
from tests.hr.conftest import invoke, person

PUSH = "pushLearningDataToHR"
JANUARY = {"startDate": "2026-01-01", "endDate": "2026-01-31"}


def completed(email: str, course_id: str, when: str, status: str = "completed") -> dict[str, Any]:
    return store.create(
        "Enrollment",
        {"student_email": email, "course_id": course_id, "status": status, "completed_at": when},
        created_by=None,
    )


def push(gateway: Any, integration: dict[str, Any], token: str, **dates: str) -> Any:
    return invoke(gateway, PUSH, {"integration_id": integration["id"], **JANUARY, **dates}, token)


def synced_bamboo(gateway: Any, bamboo: Any, org: dict[str, Any], token: str, make_integration: Any) -> dict[str, Any]:
    bamboo.add_many([person(1), person(2), person(3)])
    integration = make_integration(org, settings={"training_type_id": 7, "course_map": {"crs_k8s": "9"}})
    assert invoke(gateway, "syncBambooHREmployees", {"integration_id": integration["id"]}, token).status_code == 200
    return integration


def test_completions_in_range_become_bamboohr_training_records_once(gateway, bamboo, acme, make_integration):
    org, token = acme
    integration = synced_bamboo(gateway, bamboo, org, token, make_integration)
    one = completed("e1@acme.test", "crs_python", "2026-01-10T09:30:00.000000Z")
    completed("e2@acme.test", "crs_k8s", "2026-01-31T23:59:00.000000Z")
    completed("e3@acme.test", "crs_python", "2026-02-01T00:00:00.000000Z")  # after the range
    completed("e3@acme.test", "crs_go", "2026-01-15T10:00:00.000000Z", status="active")  # not completed
    completed("stranger@else.test", "crs_python", "2026-01-12T10:00:00.000000Z")  # not a member

    answer = push(gateway, integration, token).get_json()

    assert answer == {
        "success": True,
        "records_pushed": 2,
        "already_pushed": 0,
        "failed": 0,
        "failures": [],
        "hr_system": "bamboohr",
    }
    records = {k: list(v.values()) for k, v in bamboo.training.items() if v}
    assert set(records) == {"1", "2"}
    assert records["1"][0]["completed"] == "2026-01-10"
    assert records["1"][0]["type"] == 7
    assert records["2"][0]["type"] == 9  # the course's own training type
    assert f"SparkAcademy enrollment {one['id']}" in records["1"][0]["notes"]
    mark = client().collection("_hr_pushes").document(f"{integration['id']}_{one['id']}").get().to_dict()
    assert mark["status"] == "pushed"
    assert mark["hr_record_id"] == str(records["1"][0]["id"])

    again = push(gateway, integration, token).get_json()
    assert (again["records_pushed"], again["already_pushed"]) == (0, 2)
    assert sum(len(v) for v in bamboo.training.values()) == 2


def test_refused_rows_fail_with_bamboohrs_reason_and_are_retried(gateway, bamboo, acme, make_integration):
    org, token = acme
    integration = synced_bamboo(gateway, bamboo, org, token, make_integration)
    completed("e1@acme.test", "crs_python", "2026-01-10T09:30:00.000000Z")
    gone = completed("e2@acme.test", "crs_python", "2026-01-11T09:30:00.000000Z")
    bamboo.employees.pop("2")  # BambooHR no longer knows employee 2

    answer = push(gateway, integration, token).get_json()

    assert (answer["records_pushed"], answer["failed"]) == (1, 1)
    assert answer["failures"] == [
        {"enrollment_id": gone["id"], "employee_id": "2", "reason": "refused (HTTP 404): Employee 2 not found"}
    ]
    bamboo.add(2)
    retried = push(gateway, integration, token).get_json()
    assert (retried["records_pushed"], retried["already_pushed"], retried["failed"]) == (1, 1, 0)


def test_a_push_begun_but_unconfirmed_is_found_not_repeated(gateway, bamboo, acme, make_integration):
    org, token = acme
    integration = synced_bamboo(gateway, bamboo, org, token, make_integration)
    one = completed("e1@acme.test", "crs_python", "2026-01-10T09:30:00.000000Z")
    # A previous call sent the record, then died before writing down BambooHR's answer.
    bamboo.training["1"] = {
        "555": {"id": 555, "type": 7, "completed": "2026-01-10", "notes": f"x (SparkAcademy enrollment {one['id']})"}
    }
    mark = client().collection("_hr_pushes").document(f"{integration['id']}_{one['id']}")
    mark.set({"integration_id": integration["id"], "enrollment_id": one["id"], "status": "pending"})

    answer = push(gateway, integration, token).get_json()

    assert answer["records_pushed"] == 1
    assert bamboo.seen("POST", "/training/record/") == []
    assert mark.get().to_dict()["hr_record_id"] == "555"


def test_throttled_push_waits_and_a_down_hr_system_is_a_503(gateway, bamboo, acme, make_integration):
    org, token = acme
    integration = synced_bamboo(gateway, bamboo, org, token, make_integration)
    completed("e1@acme.test", "crs_python", "2026-01-10T09:30:00.000000Z")
    completed("e2@acme.test", "crs_python", "2026-01-11T09:30:00.000000Z")
    path = f"{bamboo.prefix()}/training/record/employee/1"
    bamboo.fail_next("POST", path, 429, headers={"Retry-After": "1", bamboo.ERROR: "Too many requests"})
    bamboo.fail_next("POST", f"{bamboo.prefix()}/training/record/employee/2", 503)

    response = push(gateway, integration, token)

    assert response.status_code == 503
    assert response.get_json()["retryable"] is True
    assert len(bamboo.training["1"]) == 1  # waited out the 429, then pushed
    assert len(bamboo.seen("POST", "/training/record/employee/2")) == 1  # a create is not blindly repeated
    answer = push(gateway, integration, token).get_json()
    assert (answer["records_pushed"], answer["already_pushed"]) == (1, 1)
    assert len(bamboo.seen("GET", "/training/record/employee/2")) == 1  # looked for the unconfirmed one first


def test_bad_ranges_and_other_tenants(gateway, bamboo, acme, make_org, make_integration):
    org, token = acme
    integration = make_integration(org)
    assert push(gateway, integration, token, startDate="2026-02-01", endDate="2026-01-01").status_code == 400
    assert push(gateway, integration, token, startDate="2026-13-01").status_code == 400
    assert push(gateway, integration, token, startDate="2024-01-01", endDate="2026-01-01").status_code == 400
    _, other = make_org("Globex")
    assert push(gateway, integration, other).status_code == 404


def test_workday_learning_enrollments_over_soap(gateway, workday, acme, make_integration):
    org, token = acme
    workday.report_rows = [
        {"Employee_ID": "21001", "Email_Address": "w1@acme.test", "Active": "1"},
        {"Employee_ID": "21002", "Email_Address": "w2@acme.test", "Active": "1"},
    ]
    settings = {"report_owner": FakeWorkday.OWNER, "report_name": FakeWorkday.REPORT, "course_map": {"crs_a": "LC-1"}}
    integration = make_integration(org, provider="workday", settings=settings)
    assert invoke(gateway, "syncWorkdayEmployees", {"integration_id": integration["id"]}, token).status_code == 200
    ok = completed("w1@acme.test", "crs_a", "2026-01-20T08:00:00.000000Z")
    refused = completed("w2@acme.test", "crs_b", "2026-01-21T08:00:00.000000Z")
    workday.refuse_learners.add("21002")

    answer = push(gateway, integration, token).get_json()

    assert answer["hr_system"] == "workday"
    assert (answer["records_pushed"], answer["failed"]) == (1, 1)
    assert answer["failures"][0]["enrollment_id"] == refused["id"]
    assert "not a valid ID" in answer["failures"][0]["reason"]
    stored = workday.enrollments[f"spark-{ok['id']}"]
    assert stored == {
        "wid": stored["wid"],
        "learner": "21001",
        "content": "LC-1",
        "completed": "2026-01-20T08:00:00Z",
        "score": None,
    }
    again = push(gateway, integration, token).get_json()
    assert (again["records_pushed"], again["already_pushed"], again["failed"]) == (0, 1, 1)
    assert len(workday.enrollments) == 1
