"""The documented "Enterprise Bulk Enrollment" example through the real @base44/sdk."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from entities import store
from tests.e2e.sdk import NODE_DIR, run_flow

pytestmark = pytest.mark.e2e


def test_the_documented_enterprise_bulk_enrollment_example(live_gateway: str, make_user: Any) -> None:
    lessons = [{"id": "les_1", "title": "One"}]
    for course_id, price in (("crs_abc123", 0), ("crs_def456", 120)):
        course = {
            "title": course_id,
            "price": price,
            "is_published": True,
            "modules": [{"title": "M", "lessons": lessons}],
        }
        store.create("Course", course, created_by=None, id=course_id)
    org = store.create("Organization", {"name": "Company", "licence": {"pool_seats": 2}}, created_by=None)
    other = store.create("Organization", {"name": "Elsewhere"}, created_by=None)
    make_user("org_admin", email="hr@company.com", organization_id=org["id"])
    make_user("student", email="outsider@example.test")
    config = {
        "appId": "sparkacademy",
        "email": "hr@company.com",
        "password": "Passw0rd!",
        "organizationId": org["id"],
        "otherOrganizationId": other["id"],
        "courseIds": ["crs_abc123", "crs_def456"],
        "outsider": "outsider@example.test",
        "today": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    report = run_flow(NODE_DIR / "enterprise_flow.mjs", live_gateway, json.dumps(config))
    assert [(u["email"], u["status"]) for u in report["provisioned"]] == [
        ("emp1@company.com", "active"),
        ("emp2@company.com", "active"),
    ]
    pairs = sorted(
        (e["student_email"], e["course_id"], e["source"], e["organization_id"]) for e in report["enrollments"]
    )
    assert pairs == sorted(
        (email, course, "enterprise", org["id"])
        for email in ("emp1@company.com", "emp2@company.com")
        for course in ("crs_abc123", "crs_def456")
    )
    assert [u["email"] for u in report["progress"]] == ["emp1@company.com", "emp2@company.com"]
    assert [u["courses_enrolled"] for u in report["progress"]] == [0, 0]  # enrolled today, not in January
    today = report["progressToday"]
    assert (today["total_users"], [u["courses_enrolled"] for u in today["users"]]) == (2, [2, 2])
    assert report["nonMember"] == {"ok": False, "status": 404, "code": "RESOURCE_NOT_FOUND"}
    assert report["noSeatsLeft"] == {"ok": False, "status": 403, "code": "PERMISSION_DENIED"}
    assert report["otherOrganization"] == {"ok": False, "status": 404, "code": "RESOURCE_NOT_FOUND"}
    assert len(report["listed"]) == 4
    assert store.get("Organization", org["id"])["seats_used"] == {"pool": 2}
