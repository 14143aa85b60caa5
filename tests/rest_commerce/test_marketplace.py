"""GET /api/marketplace: filters, the search index, sorting and pages."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from rest import commerce_responses as responses
from tests.helpers import bearer


def _add(title: str, **fields: Any) -> dict[str, Any]:
    data = {"title": title, "is_published": True, "instructor_email": "ines@example.test", **fields}
    return store.create("Course", data, created_by="ines@example.test")


@pytest.fixture
def shop(make_user: Any) -> dict[str, Any]:
    make_user("instructor", email="ines@example.test", full_name="Ines Teach", avatar_url="https://a.test/i.png")
    _, token = make_user("student")
    courses = {
        "ts": _add(
            "Learn TypeScript", price=49, category="web", level="beginner", tags=["javascript"], total_students=0
        ),
        "py": _add("Python for Data", price=0, category="data", level="beginner", short_description="Numbers and café"),
        "go": _add("Advanced Go", price=120, category="backend", level="advanced", tags=["Systems"]),
        "js": _add(
            "JavaScript the hard parts", price=20, category="web", level="intermediate", description="typescript later"
        ),
        "draft": _add("TypeScript draft", price=10, is_published=False),
    }
    store.update("Course", courses["ts"]["id"], {"total_students": 30, "rating": 4.5})
    store.update("Course", courses["go"]["id"], {"total_students": 10, "rating": 4.9})
    store.update("Course", courses["js"]["id"], {"total_students": 20, "rating": 3.0})
    return {"token": token, **courses}


def _get(gateway: Any, token: str, **params: Any) -> Any:
    return gateway.get("/api/marketplace", query_string=params, headers=bearer(token))


def _titles(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.get_json()
    return [c.title for c in responses.Marketplace.model_validate(resp.get_json()).courses]


def test_default_is_published_by_popularity(gateway, shop):
    resp = _get(gateway, shop["token"])
    assert _titles(resp) == ["Learn TypeScript", "JavaScript the hard parts", "Advanced Go", "Python for Data"]
    first = resp.get_json()["courses"][0]
    assert first["instructor"] == {"display_name": "Ines Teach", "avatar_url": "https://a.test/i.png"}
    assert (first["total_students"], first["rating"], first["is_free"], first["category"]) == (
        30,
        4.5,
        False,
        {"name": "web"},
    )


def test_filters_and_price_ranges(gateway, shop):
    token = shop["token"]
    assert _titles(_get(gateway, token, category="web", sort="price")) == [
        "JavaScript the hard parts",
        "Learn TypeScript",
    ]
    assert _titles(_get(gateway, token, level="advanced")) == ["Advanced Go"]
    assert _titles(_get(gateway, token, price_range="free")) == ["Python for Data"]
    assert _titles(_get(gateway, token, price_range="0-50", sort="-price")) == [
        "Learn TypeScript",
        "JavaScript the hard parts",
        "Python for Data",
    ]
    assert _titles(_get(gateway, token, price_range="100+")) == ["Advanced Go"]
    assert _titles(_get(gateway, token, sort="-rating")) == [
        "Advanced Go",
        "Learn TypeScript",
        "JavaScript the hard parts",
        "Python for Data",
    ]


def test_search_is_prefix_case_and_accent_insensitive_and_ranked(gateway, shop):
    token = shop["token"]
    # A title word ranks above a description word; the draft is never shown.
    assert _titles(_get(gateway, token, search="typescript")) == ["Learn TypeScript", "JavaScript the hard parts"]
    assert _titles(_get(gateway, token, search="typesc")) == ["Learn TypeScript"]  # description words: whole
    assert _titles(_get(gateway, token, search="TYPESCRIPT learn")) == ["Learn TypeScript"]
    assert _titles(_get(gateway, token, search="CAFE")) == ["Python for Data"]
    assert _titles(_get(gateway, token, search="systems")) == ["Advanced Go"]
    assert _titles(_get(gateway, token, search="typescript", sort="price")) == [
        "JavaScript the hard parts",
        "Learn TypeScript",
    ]
    assert _titles(_get(gateway, token, search="nothing-here")) == []
    # Filters hold with a search too.
    assert _titles(_get(gateway, token, search="typescript", level="beginner")) == ["Learn TypeScript"]
    assert _titles(_get(gateway, token, search="typescript", category="data")) == []


def test_an_edit_updates_the_index(gateway, shop, make_user):
    _, admin = make_user("admin")
    changed = gateway.put(
        f"/api/apps/sparkacademy/entities/Course/{shop['go']['id']}",
        json={"title": "Advanced Rust"},
        headers=bearer(admin),
    )
    assert changed.status_code == 200
    assert _titles(_get(gateway, shop["token"], search="rust")) == ["Advanced Rust"]
    assert _titles(_get(gateway, shop["token"], search="go")) == []


def test_pages(gateway, shop):
    token = shop["token"]
    first = _get(gateway, token, limit=3).get_json()
    second = _get(gateway, token, limit=3, page=2).get_json()
    assert first["pagination"] == {
        "current_page": 1,
        "total_pages": 2,
        "total_items": 4,
        "has_next": True,
        "has_prev": False,
    }
    assert second["pagination"]["has_prev"] and not second["pagination"]["has_next"]
    assert len(first["courses"]) == 3 and len(second["courses"]) == 1
    searched = _get(gateway, token, search="typescript", limit=1, page=2).get_json()
    assert [c["title"] for c in searched["courses"]] == ["JavaScript the hard parts"]
    assert searched["pagination"]["total_items"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 51},
        {"limit": 0},
        {"page": 0},
        {"price_range": "cheap"},
        {"price_range": "50-10"},
        {"sort": "title"},
        {"level": "expert"},
        {"x": 1},
    ],
)
def test_bad_queries_are_400(gateway, shop, params):
    assert _get(gateway, shop["token"], **params).status_code == 400


def test_students_cannot_write_counters(gateway, shop, make_user):
    _, teacher = make_user("instructor", email="otto@example.test")
    mine = gateway.post(
        "/api/apps/sparkacademy/entities/Course", json={"title": "Mine"}, headers=bearer(teacher)
    ).get_json()
    changed = gateway.put(
        f"/api/apps/sparkacademy/entities/Course/{mine['id']}", json={"total_students": 9999}, headers=bearer(teacher)
    )
    assert changed.status_code == 403


def test_hours_are_the_course_details_hours(gateway, shop):
    lessons = [{"title": "One", "duration": 10}, {"title": "Two", "duration": 20}]
    course = _add("Half an hour", price=5, modules=[{"title": "M", "lessons": lessons}])
    listed = next(c for c in _get(gateway, shop["token"]).get_json()["courses"] if c["id"] == course["id"])
    detail = gateway.get(f"/api/courses/{course['id']}", headers=bearer(shop["token"])).get_json()["course"]
    assert listed["duration_hours"] == detail["duration_hours"] == 0.5
