"""calculateTrainingROI through HTTP: the documented example's figures from measured
completions, the conventional net ROI beside it, supplied metrics, validation, and
programs confined to their organization."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from entities.enrollment import enrollment_id
from functions.enterprise.responses import CalculateTrainingROIResponse
from tests.enterprise.conftest import ENTITIES, invoke
from tests.helpers import bearer

SEED_COSTS = {"training_cost": 100000, "employee_hours": 5000, "avg_hourly_rate": 50}


@pytest.fixture
def program(gateway: Any, acme: Any) -> tuple[dict[str, Any], str, dict[str, Any]]:
    org, token = acme
    for course_id in ("crs_a", "crs_b", "crs_other"):
        store.create("Course", {"title": course_id, "is_published": True}, created_by=None, id=course_id)
    made = gateway.post(
        f"{ENTITIES}/Program", json={"name": "Cloud skills", "course_ids": ["crs_a", "crs_b"]}, headers=bearer(token)
    )
    assert made.status_code == 201, made.get_json()
    emails = [f"p{i}@acme.test" for i in range(36)]
    invoke(gateway, "provisionUsers", {"users": [{"email": e} for e in emails], "organizationId": org["id"]}, token)

    def enrollment(email: str, course: str, status: str) -> None:
        doc = {"course_id": course, "student_email": email, "organization_id": org["id"], "status": status}
        store.create("Enrollment", doc, created_by=None, id=enrollment_id(course, email))

    for email in emails[:35]:
        enrollment(email, "crs_a", "completed")
    enrollment(emails[0], "crs_b", "completed")  # a second completion, the same person
    enrollment(emails[35], "crs_a", "active")  # not completed: not trained
    enrollment(emails[35], "crs_other", "completed")  # not in the program
    return org, token, made.get_json()


def _roi(gateway: Any, token: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = invoke(gateway, "calculateTrainingROI", body, token)
    result: dict[str, Any] = answer.get_json()
    assert answer.status_code == 200, result
    CalculateTrainingROIResponse.model_validate(result)
    return result


def test_the_documented_example(gateway: Any, program: Any) -> None:
    org, token, prog = program
    result = _roi(gateway, token, {"organizationId": org["id"], "programId": prog["id"], "costData": SEED_COSTS})
    assert {k: result[k] for k in ("roi_percentage", "total_cost", "estimated_benefit", "net_benefit")} == {
        "roi_percentage": 225,
        "total_cost": 350000,
        "estimated_benefit": 787500,
        "net_benefit": 437500,
    }
    assert (result["net_roi_percentage"], result["payback_period_months"]) == (125, 6)
    assert result["metrics"] == {"productivity_increase": 15, "error_reduction": 25, "employee_retention": 10}
    assumptions = result["assumptions"]
    assert (assumptions["trained_employees"], assumptions["completions"], assumptions["metrics_supplied"]) == (
        35,
        36,
        [],
    )
    assert (assumptions["annual_salary"], assumptions["benefit_per_employee"]) == (100000, 22500)


def test_supplied_metrics_replace_the_defaults(gateway: Any, program: Any) -> None:
    org, token, prog = program
    body = {
        "organizationId": org["id"],
        "programId": prog["id"],
        "costData": SEED_COSTS,
        "metrics": {"productivity_increase": 20, "work_hours_per_year": 1800},
    }
    result = _roi(gateway, token, body)
    # 50 x 1800 x (0.20 + 0.25 x 0.1 + 0.10 x 0.5) = 24,750 a person, for 35 people
    assert (result["estimated_benefit"], result["assumptions"]["metrics_supplied"]) == (
        866250,
        ["productivity_increase", "work_hours_per_year"],
    )
    free = _roi(gateway, token, {**body, "costData": {"training_cost": 0, "employee_hours": 0, "avg_hourly_rate": 0}})
    assert (free["roi_percentage"], free["net_roi_percentage"], free["payback_period_months"]) == (None, None, None)


@pytest.mark.parametrize(
    "cost_data",
    [
        {**SEED_COSTS, "training_cost": -1},
        {**SEED_COSTS, "avg_hourly_rate": 1e6},
        {**SEED_COSTS, "employee_hours": "5000"},
        {"training_cost": 1, "employee_hours": 1},
        {**SEED_COSTS, "bonus": 1},
    ],
)
def test_costs_are_validated(gateway: Any, program: Any, cost_data: dict[str, Any]) -> None:
    org, token, prog = program
    body = {"organizationId": org["id"], "programId": prog["id"], "costData": cost_data}
    assert invoke(gateway, "calculateTrainingROI", body, token).status_code == 400


def test_infinite_amounts_are_refused(gateway: Any, program: Any) -> None:
    org, token, prog = program
    raw = (
        f'{{"organizationId": "{org["id"]}", "programId": "{prog["id"]}", '
        '"costData": {"training_cost": 1e999, "employee_hours": 1, "avg_hourly_rate": 1}}'
    )
    answer = gateway.post(
        "/api/apps/sparkacademy/functions/calculateTrainingROI",
        data=raw,
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400


def test_programs_stay_inside_their_organization(gateway: Any, program: Any, globex: Any) -> None:
    org, token, prog = program
    other, other_token = globex
    body = {"organizationId": org["id"], "programId": prog["id"], "costData": SEED_COSTS}
    assert invoke(gateway, "calculateTrainingROI", body, other_token).status_code == 404
    theirs = gateway.post(
        f"{ENTITIES}/Program", json={"name": "X", "course_ids": ["crs_a"]}, headers=bearer(other_token)
    )
    assert theirs.status_code == 201
    mixed = {**body, "programId": theirs.get_json()["id"]}
    assert invoke(gateway, "calculateTrainingROI", mixed, token).status_code == 404
    for method in ("get", "put", "delete"):
        answer = getattr(gateway, method)(
            f"{ENTITIES}/Program/{theirs.get_json()['id']}", json={"name": "Y"}, headers=bearer(token)
        )
        assert answer.status_code == 404, method
    elsewhere = {"name": "Y", "course_ids": ["crs_a"], "organization_id": other["id"]}
    assert gateway.post(f"{ENTITIES}/Program", json=elsewhere, headers=bearer(token)).status_code == 404
    unknown = gateway.post(f"{ENTITIES}/Program", json={"name": "Z", "course_ids": ["crs_nope"]}, headers=bearer(token))
    assert unknown.status_code == 400
    assert [p["name"] for p in gateway.get(f"{ENTITIES}/Program", headers=bearer(token)).get_json()] == ["Cloud skills"]
