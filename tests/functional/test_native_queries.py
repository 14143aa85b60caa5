"""Entity queries run in Firestore for every operator it answers: with the in-memory bound
lowered to 5 records, queries over 12 records answer in full when Firestore answers them,
and only what Firestore cannot express ($regex, $not, ...) meets the bound."""

from __future__ import annotations

import json
from typing import Any

import pytest

from entities import store
from tests.helpers import bearer

ENROLLMENTS = "/api/apps/sparkacademy/entities/Enrollment"
COURSES = "/api/apps/sparkacademy/entities/Course"
BOUND = 5


@pytest.fixture
def admin(make_user: Any) -> dict[str, str]:
    return bearer(make_user("admin")[1])


@pytest.fixture
def enrollments(db: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """12 enrollments (progress 0, 10, ... 110 capped at 100), with the in-memory bound at 5."""
    monkeypatch.setattr(store, "MAX_SCAN", BOUND)
    statuses = ["active", "completed", "cancelled"]
    docs = [
        store.record(
            "Enrollment",
            {
                "course_id": f"crs_{i % 3}",
                "student_email": f"s{i:02d}@example.test",
                "status": statuses[i % 3],
                "progress_percent": min(i * 10, 100),
                "source": None if i % 4 == 0 else "free",
            },
            created_by=None,
            id=f"enr_{i:02d}",
        )
        for i in range(12)
    ]
    return store.create_all("Enrollment", docs)


def _get(gateway: Any, path: str, headers: dict[str, str], **args: Any) -> Any:
    query = {k: json.dumps(v) if k == "q" else v for k, v in args.items()}
    return gateway.get(path, query_string=query, headers=headers)


def _ids(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.get_json()
    return [r["id"] for r in resp.get_json()]


@pytest.mark.parametrize(
    ("q", "sort", "expected"),
    [
        ({"progress_percent": {"$gt": 40}}, "progress_percent", [5, 6, 7, 8, 9, 10, 11]),
        ({"progress_percent": {"$gte": 20, "$lt": 50}}, None, [2, 3, 4]),
        ({"status": {"$ne": "active"}}, "status", [1, 2, 4, 5, 7, 8, 10, 11]),
        ({"status": {"$nin": ["active", "cancelled"]}}, "-status", [1, 4, 7, 10]),
        ({"source": {"$ne": "free"}}, "source", [0, 4, 8]),
        ({"source": None}, None, [0, 4, 8]),
        ({"source": {"$exists": True}}, "source", list(range(12))),
        (
            {"$or": [{"status": "cancelled"}, {"progress_percent": {"$gte": 100}}]},
            "progress_percent",
            [2, 5, 8, 10, 11],
        ),
        ({"course_id": ["crs_1", "crs_2"], "progress_percent": {"$lt": 60}}, "progress_percent", [1, 2, 4, 5]),
    ],
)
def test_operators_firestore_answers_are_not_bounded(
    gateway: Any,
    admin: dict[str, str],
    enrollments: list[dict[str, Any]],
    q: dict[str, Any],
    sort: str | None,
    expected: list[int],
) -> None:
    # GIVEN more matching records than the in-memory bound
    # WHEN an admin filters with an operator Firestore answers
    resp = _get(gateway, ENROLLMENTS, admin, q=q, **({"sort": sort} if sort else {}))
    # THEN every match is answered
    assert sorted(_ids(resp)) == [f"enr_{i:02d}" for i in expected]


def test_a_sort_on_any_field_with_a_limit_reads_only_the_page(
    gateway: Any, admin: dict[str, str], enrollments: list[dict[str, Any]]
) -> None:
    resp = _get(gateway, ENROLLMENTS, admin, sort="-progress_percent", limit="3")
    assert _ids(resp) == ["enr_11", "enr_10", "enr_09"]  # 100, 100 (ties by id, descending), 90


def test_count_with_a_range_is_an_aggregation(
    gateway: Any, admin: dict[str, str], enrollments: list[dict[str, Any]]
) -> None:
    resp = _get(gateway, f"{ENROLLMENTS}/count", admin, q={"progress_percent": {"$gt": 25}})
    assert resp.status_code == 200 and resp.get_json() == {"count": 9}


def test_v2_pages_walk_a_range_sorted_on_a_non_date_field(
    gateway: Any, admin: dict[str, str], enrollments: list[dict[str, Any]]
) -> None:
    # GIVEN a range filter and a descending sort, walked 3 at a time
    q = {"progress_percent": {"$gte": 10}}
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        args: dict[str, Any] = {"q": q, "limit": "3", "sort": "-progress_percent"}
        if cursor:
            args["cursor"] = cursor
        page = _get(gateway, f"{ENROLLMENTS}/v2/list", admin, **args).get_json()
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    # THEN the walk visits each match once, in order (ties by id), and ends
    assert seen == [f"enr_{i:02d}" for i in range(11, 0, -1)] and cursor is None


def test_what_firestore_cannot_express_reads_at_most_the_bound(
    gateway: Any, admin: dict[str, str], enrollments: list[dict[str, Any]]
) -> None:
    # WHEN a $regex has to be checked on all 12 records
    broad = _get(gateway, ENROLLMENTS, admin, q={"student_email": {"$regex": "^s0"}})
    # THEN it is refused, naming the bound
    assert broad.status_code == 400
    assert broad.get_json()["details"] == {"max_scan": BOUND}
    assert f"more than {BOUND} records" in broad.get_json()["message"]
    # WHEN Firestore first narrows it to 4 records
    narrow = _get(gateway, ENROLLMENTS, admin, q={"course_id": "crs_1", "student_email": {"$regex": "[147]@"}})
    # THEN the residual runs on those
    assert sorted(_ids(narrow)) == ["enr_01", "enr_04", "enr_07"]


def test_a_students_scope_is_part_of_the_native_query(
    gateway: Any, make_user: Any, enrollments: list[dict[str, Any]]
) -> None:
    # GIVEN a student with 2 enrollments among 12 (more than the bound)
    student, token = make_user("student", email="s03@example.test")
    store.create(
        "Enrollment",
        {"course_id": "crs_9", "student_email": student["email"], "progress_percent": 50},
        created_by=None,
        id="enr_mine",
    )
    # WHEN the student lists and counts with a range filter
    listed = _get(gateway, ENROLLMENTS, bearer(token), q={"progress_percent": {"$gte": 0}}, sort="id")
    counted = _get(gateway, f"{ENROLLMENTS}/count", bearer(token), q={"progress_percent": {"$gt": 20}})
    # THEN only their own records, counted natively
    assert _ids(listed) == ["enr_03", "enr_mine"]
    assert counted.get_json() == {"count": 2}


def test_equality_on_an_array_field_is_membership(gateway: Any, admin: dict[str, str], db: Any) -> None:
    tagged = store.create("Course", {"title": "Py", "tags": ["python", "data"]}, created_by=None)
    store.create("Course", {"title": "Go", "tags": ["go"]}, created_by=None)
    assert _ids(_get(gateway, COURSES, admin, q={"tags": "python"})) == [tagged["id"]]
    assert _ids(_get(gateway, COURSES, admin, q={"tags": {"$in": ["data", "rust"]}})) == [tagged["id"]]


def test_an_ad_hoc_combination_without_an_index_still_answers(
    gateway: Any, admin: dict[str, str], enrollments: list[dict[str, Any]]
) -> None:
    # GIVEN no declared index for an equality on `status` sorted on `student_email`
    # WHEN a client asks for it (4 records: within the bound, sorted in memory)
    resp = _get(gateway, ENROLLMENTS, admin, q={"status": "completed"}, sort="-student_email")
    # THEN it answers as if natively sorted
    assert _ids(resp) == ["enr_10", "enr_07", "enr_04", "enr_01"]


def test_a_value_too_long_for_a_firestore_filter_is_checked_in_memory(
    gateway: Any, admin: dict[str, str], db: Any
) -> None:
    # GIVEN a string longer than Firestore indexes (1,500 bytes), which it refuses as a filter value
    long_text = "é" * 800
    course = store.create("Course", {"title": "Long", "description": long_text}, created_by=None)
    # WHEN a client filters on it
    resp = _get(gateway, COURSES, admin, q={"description": long_text})
    # THEN the residual answers it, no server error
    assert _ids(resp) == [course["id"]]
