"""The real @base44/sdk, unchanged, against the emulator gateway and the deployable `api` target."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator import demo
from tests.e2e.sdk import NODE_DIR, run_flow

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["emulator", "functions-framework"])
def server_url(request: pytest.FixtureRequest, db: Any) -> str:
    """The same API two ways: the emulator's gateway, and the `api` target under functions-framework."""
    fixture = "live_gateway" if request.param == "emulator" else "api_under_functions_framework"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def sdk_report(server_url: str) -> dict[str, Any]:
    demo.load()
    config = {
        "appId": "sparkacademy",
        "newEmail": "new.learner@example.test",
        "newPassword": "Learner-pass-1",
        "adminEmail": "admin@sparkacademy.test",
        "adminPassword": demo.demo_password(),
    }
    return run_flow(NODE_DIR / "sdk_flow.mjs", server_url, json.dumps(config))


def test_sdk_auth_flow(sdk_report: dict[str, Any]) -> None:
    # GIVEN a new address WHEN it registers, logs in and reads itself THEN each step answers as the SDK expects
    assert sdk_report["register"]["ok"]
    assert sdk_report["duplicateRegister"] == {
        "ok": False,
        "status": 409,
        "message": "Email already exists",
        "code": "CONFLICT",
    }
    assert sdk_report["badLogin"]["status"] == 401
    assert sdk_report["badLogin"]["code"] == "INVALID_CREDENTIALS"
    login = sdk_report["login"]["value"]
    assert login["user"]["email"] == "new.learner@example.test"
    assert login["access_token"].count(".") == 2
    me = sdk_report["me"]["value"]
    assert (me["email"], me["role"], me["full_name"]) == ("new.learner@example.test", "student", "New Learner")
    assert sdk_report["updateMe"]["value"]["full_name"] == "Renamed Learner"
    assert sdk_report["meAnonymous"] == {
        "ok": False,
        "status": 401,
        "message": "Authentication required",
        "code": "AUTH_REQUIRED",
    }


def test_sdk_entity_reads_and_filters(sdk_report: dict[str, Any]) -> None:
    titles = [c["title"] for c in sdk_report["publishedCourses"]["value"]]
    assert titles == ["Advanced TypeScript Patterns", "Git Basics", "Introduction to Python", "React Fundamentals"]
    cheap = sdk_report["cheapCourses"]["value"]
    assert [(c["title"], c["price"]) for c in cheap] == [
        ("React Fundamentals", 49.99),
        ("Introduction to Python", 29.99),
    ]
    assert set(cheap[0]) == {"id", "title", "price"}
    assert [c["title"] for c in sdk_report["orCourses"]["value"]] == [
        "Advanced TypeScript Patterns",
        "Git Basics",  # the free course
    ]
    assert sdk_report["courseCount"] == {"ok": True, "value": 4}
    first, second = sdk_report["firstPage"]["value"], sdk_report["secondPage"]["value"]
    assert [c["title"] for c in first["items"]] == ["Advanced TypeScript Patterns", "Git Basics"]
    assert first["has_more"] is True
    assert [c["title"] for c in second["items"]] == ["Introduction to Python", "React Fundamentals"]
    assert second == {**second, "has_more": False, "next_cursor": None}


def test_sdk_errors_carry_message_status_and_code(sdk_report: dict[str, Any]) -> None:
    assert sdk_report["badQuery"]["status"] == 400
    assert sdk_report["badQuery"]["message"] == "Unsupported query operator $where"
    assert sdk_report["badQuery"]["code"] == "INVALID_PARAMETERS"
    assert sdk_report["unknownEntity"] == {
        "ok": False,
        "status": 404,
        "message": "Unknown entity 'Spaceship'",
        "code": "RESOURCE_NOT_FOUND",
    }
    assert sdk_report["studentCreatesCourse"]["status"] == 403
    assert sdk_report["invokeStudent"] == {
        "ok": False,
        "status": 403,
        "message": "listPaidUsers requires role admin",
        "code": "PERMISSION_DENIED",
    }
    assert sdk_report["invokeBadType"]["status"] == 400
    assert sdk_report["invokeBadType"]["code"] == "INVALID_PARAMETERS"
    assert sdk_report["invokeUnknown"]["status"] == 404


def test_sdk_entity_writes_and_invoke(sdk_report: dict[str, Any]) -> None:
    created = sdk_report["created"]["value"]
    assert created["created_by"] == "admin@sparkacademy.test"
    assert created["modules"][0]["lessons"][0]["id"].startswith("les_")
    assert sdk_report["updated"]["value"]["title"] == "SDK Course v2"
    assert sdk_report["fetched"]["value"]["title"] == "SDK Course v2"
    assert [c["title"] for c in sdk_report["bulk"]["value"]] == ["Bulk A", "Bulk B"]
    enrollment = sdk_report["enroll"]["value"]
    assert (enrollment["course_id"], enrollment["student_email"], enrollment["source"]) == (
        created["id"],
        "new.learner@example.test",
        "free",
    )
    assert sdk_report["enrollAgain"]["status"] == 409
    assert [e["id"] for e in sdk_report["myEnrollments"]["value"]] == [enrollment["id"]]
    assert sdk_report["invokeAdmin"] == {
        "ok": True,
        "value": {
            "users": [],
            "total": 0,
            "page": 1,
            "limit": 10,
            "pages": 0,
            "next_cursor": None,
            "has_more": False,
        },
    }
    assert sdk_report["deleted"] == {"ok": True, "value": {"success": True}}
    assert sdk_report["getDeleted"]["status"] == 404
