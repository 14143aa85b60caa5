"""The training ROI model: first-year benefit of a program against its cost.

    total_cost          = training_cost + employee_hours x avg_hourly_rate
    trained_employees   = people of the organization who completed a course of the program (measured)
    annual_salary       = avg_hourly_rate x work_hours_per_year (default 2,000)
    benefit_per_person  = annual_salary x (productivity_increase %
                          + error_reduction % x ERROR_COST_SHARE (errors cost 10% of a salary)
                          + employee_retention % x TURNOVER_COST_SHARE (replacing someone costs half a salary))
    estimated_benefit   = trained_employees x benefit_per_person
    roi_percentage      = estimated_benefit / total_cost x 100 (benefit over cost, as documented)
    net_roi_percentage  = (estimated_benefit - total_cost) / total_cost x 100 (the conventional ROI)
    payback_period_months = total_cost / (estimated_benefit / 12), rounded up

Metrics the organization does not supply take the defaults 15% productivity, 25% error
reduction and 10% retention; the answer states every figure it used.
"""

from __future__ import annotations

import math
from typing import Any

from entities import store
from shared.firestore import io

DEFAULT_METRICS = {"productivity_increase": 15.0, "error_reduction": 25.0, "employee_retention": 10.0}
DEFAULT_WORK_HOURS = 2000.0
ERROR_COST_SHARE = 0.10
TURNOVER_COST_SHARE = 0.50
HORIZON_MONTHS = 12


def trained_employees(org_id: str, course_ids: list[str]) -> tuple[int, int]:
    """(people, completions) of the organization's completed enrollments in these courses."""
    from google.cloud.firestore import FieldFilter

    query = (
        store.collection("Enrollment")
        .where(filter=FieldFilter("organization_id", "==", org_id))
        .where(filter=FieldFilter("status", "==", "completed"))
        .where(filter=FieldFilter("course_id", "in", course_ids))
        .select(["student_email"])
    )
    people: set[str] = set()
    completions = 0
    for snapshot in query.stream(**io()):
        completions += 1
        people.add(str(snapshot.get("student_email")))
    return len(people), completions


def estimate(
    *,
    training_cost: float,
    employee_hours: float,
    avg_hourly_rate: float,
    trained: int,
    completions: int,
    metrics: dict[str, float],
    supplied: list[str],
    work_hours_per_year: float,
) -> dict[str, Any]:
    total_cost = round(training_cost + employee_hours * avg_hourly_rate, 2)
    salary = avg_hourly_rate * work_hours_per_year
    share = (
        metrics["productivity_increase"] / 100
        + metrics["error_reduction"] / 100 * ERROR_COST_SHARE
        + metrics["employee_retention"] / 100 * TURNOVER_COST_SHARE
    )
    per_person = round(salary * share, 2)
    benefit = round(trained * per_person, 2)
    monthly = benefit / HORIZON_MONTHS
    return {
        "roi_percentage": round(benefit / total_cost * 100, 2) if total_cost else None,
        "net_roi_percentage": round((benefit - total_cost) / total_cost * 100, 2) if total_cost else None,
        "total_cost": total_cost,
        "estimated_benefit": benefit,
        "net_benefit": round(benefit - total_cost, 2),
        "payback_period_months": math.ceil(round(total_cost / monthly, 6)) if monthly > 0 else None,
        "metrics": metrics,
        "assumptions": {
            "trained_employees": trained,
            "completions": completions,
            "annual_salary": round(salary, 2),
            "work_hours_per_year": work_hours_per_year,
            "benefit_per_employee": per_person,
            "error_cost_share": ERROR_COST_SHARE,
            "turnover_cost_share": TURNOVER_COST_SHARE,
            "horizon_months": HORIZON_MONTHS,
            "metrics_supplied": supplied,
        },
    }
