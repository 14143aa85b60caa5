"""generateRecommendations: ranked from data, without the model."""

from __future__ import annotations

from typing import Any

from entities import store
from entities.enrollment import enrollment_id
from functions.ai.responses import GenerateRecommendationsResponse
from tests.ai.conftest import invoke


def _course(title: str, category: str, level: str, tags: list[str]) -> dict[str, Any]:
    data = {"title": title, "category": category, "level": level, "tags": tags, "is_published": True}
    return store.create("Course", data, created_by="teacher@example.test")


def _enroll(course: dict[str, Any], email: str, status: str = "active", quiz: float | None = None) -> None:
    eid = enrollment_id(course["id"], email)
    store.create(
        "Enrollment", {"course_id": course["id"], "student_email": email, "status": status}, created_by=None, id=eid
    )
    if quiz is not None:
        record = {
            "enrollment_id": eid,
            "module_id": "mod_1",
            "quiz_score": quiz,
            "student_email": email,
            "course_id": course["id"],
        }
        store.create("Progress", record, created_by=None)


def test_ranked_from_history_with_reasons_naming_it(gateway: Any, make_user: Any, no_openai_key: Any) -> None:
    user, token = make_user("student")
    email = user["email"]
    hooks = _course("React Hooks", "programming", "beginner", ["react", "javascript"])
    patterns = _course("Advanced React Patterns", "programming", "intermediate", ["react"])
    pottery = _course("Pottery", "art", "beginner", ["clay"])
    _enroll(hooks, email, status="completed", quiz=90)
    for n in range(3):
        _enroll(pottery, f"other{n}@example.test")
    response = invoke(gateway, "generateRecommendations", token, {"studentEmail": email, "limit": 5})
    assert response.status_code == 200, response.json
    GenerateRecommendationsResponse.model_validate(response.json)
    ranked = response.json["recommendations"]
    assert [r["course_id"] for r in ranked] == [patterns["id"], pottery["id"]]  # never a course they have
    top = ranked[0]
    assert top["reason"] == "Based on your completion of React Hooks (quiz average 90%)"
    # category 1, tags 1/1, level 1 (intermediate follows a completed beginner course at 90%), no enrollments
    assert top["match_score"] == 0.85
    # pottery: other category and tags, one level below the target, the most enrolled course
    assert ranked[1]["match_score"] == round(0.20 * 0.5 + 0.15 * 1.0, 2)


def test_without_history_it_starts_with_beginner_courses(gateway: Any, make_user: Any) -> None:
    user, token = make_user("student")
    beginner = _course("Intro", "programming", "beginner", [])
    _course("Deep", "programming", "advanced", [])
    ranked = invoke(gateway, "generateRecommendations", token, {"studentEmail": user["email"], "limit": 1}).json
    assert ranked["recommendations"][0]["course_id"] == beginner["id"]
    assert ranked["recommendations"][0]["reason"] == "A popular beginner course to start with"


def test_students_get_their_own_and_admins_anyones(gateway: Any, make_user: Any) -> None:
    _course("Intro", "programming", "beginner", [])
    _, token = make_user("student")
    other, _ = make_user("student")
    refused = invoke(gateway, "generateRecommendations", token, {"studentEmail": other["email"], "limit": 3})
    assert refused.status_code == 403
    _, admin = make_user("admin")
    assert (
        invoke(gateway, "generateRecommendations", admin, {"studentEmail": other["email"], "limit": 3}).status_code
        == 200
    )


def test_limit_is_bounded(gateway: Any, make_user: Any) -> None:
    user, token = make_user("student")
    for limit in (0, 21):
        response = invoke(gateway, "generateRecommendations", token, {"studentEmail": user["email"], "limit": limit})
        assert response.status_code == 400
