"""entities.store against the real Firestore emulator."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from shared.errors import ConflictError, InvalidInputError, NotFoundError


def _courses(n: int) -> list[dict[str, Any]]:
    return [
        store.create(
            "Course",
            {"title": f"Course {i:02d}", "price": float(i), "is_published": i % 2 == 0, "level": "beginner"},
            created_by="author@example.test",
        )
        for i in range(n)
    ]


def test_create_sets_builtins_and_get_returns_the_same_record(db: Any) -> None:
    created = store.create("Course", {"title": "Intro"}, created_by="a@example.test")
    assert created["id"].startswith("crs_") and len(created["id"]) == 24
    assert created["created_date"] == created["updated_date"]
    assert created["created_by"] == "a@example.test"
    assert store.get("Course", created["id"]) == created
    stored = db.collection("Course").document(created["id"]).get().to_dict()
    assert stored == created


def test_unknown_fields_and_wrong_types_are_refused_without_writing(db: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        store.create("Course", {"title": "X", "colour": "red", "price": "cheap"}, created_by=None)
    assert caught.value.details == {
        "fields": [
            {
                "field": "price",
                "type": "float_parsing",
                "message": "Input should be a valid number, unable to parse string as a number",
            },
            {"field": "colour", "type": "extra_forbidden", "message": "Extra inputs are not permitted"},
        ]
    }
    assert list(db.collection("Course").stream()) == []


def test_create_with_an_existing_id_is_a_conflict(db: Any) -> None:
    store.create("Course", {"title": "A"}, created_by=None, id="crs_fixed")
    with pytest.raises(ConflictError):
        store.create("Course", {"title": "B"}, created_by=None, id="crs_fixed")
    assert store.get("Course", "crs_fixed")["title"] == "A"


@pytest.mark.parametrize("bad_id", ["", "a/b", "x" * 129, "spaces here", "../etc"])
def test_bad_ids_are_a_400(db: Any, bad_id: str) -> None:
    with pytest.raises(InvalidInputError):
        store.get("Course", bad_id)


def test_missing_record_and_unknown_entity_are_404(db: Any) -> None:
    with pytest.raises(NotFoundError):
        store.get("Course", "crs_nothing")
    with pytest.raises(NotFoundError) as caught:
        store.query("Spaceship")
    assert caught.value.message == "Unknown entity 'Spaceship'"


def test_update_merges_validates_and_keeps_builtins(db: Any) -> None:
    course = store.create("Course", {"title": "A", "price": 10}, created_by="a@example.test")
    updated = store.update("Course", course["id"], {"price": 12.5, "id": "crs_hijack", "created_by": "x"})
    assert (updated["price"], updated["title"], updated["id"], updated["created_by"]) == (
        12.5,
        "A",
        course["id"],
        "a@example.test",
    )
    assert updated["updated_date"] > course["updated_date"]
    with pytest.raises(InvalidInputError):
        store.update("Course", course["id"], {"level": "expert"})
    assert store.get("Course", course["id"])["price"] == 12.5


def test_query_filters_sorts_skips_limits_and_projects(db: Any) -> None:
    _courses(10)
    rows = store.query("Course", {"is_published": True}, sort="-price", limit=3, skip=1, fields=["title"])
    assert rows == [
        {"id": rows[0]["id"], "title": "Course 06"},
        {"id": rows[1]["id"], "title": "Course 04"},
        {"id": rows[2]["id"], "title": "Course 02"},
    ]
    ranged = store.query("Course", {"price": {"$gte": 3, "$lt": 6}}, sort="price")
    assert [r["price"] for r in ranged] == [3.0, 4.0, 5.0]
    either = store.query("Course", {"$or": [{"price": 1}, {"title": "Course 09"}]}, sort="title", ad_hoc=True)
    assert [r["title"] for r in either] == ["Course 01", "Course 09"]
    newest_first = store.query("Course")
    assert [r["title"] for r in newest_first][:2] == ["Course 09", "Course 08"]


def test_count_uses_the_same_filter_as_query(db: Any) -> None:
    _courses(7)
    assert store.count("Course") == 7
    assert store.count("Course", {"is_published": True}) == 4
    assert store.count("Course", {"price": {"$gt": 4}}) == 2


def test_cursor_pages_walk_everything_once_even_with_inserts(db: Any) -> None:
    _courses(7)
    first = store.page("Course", None, sort="title", limit=3)
    store.create("Course", {"title": "AAA inserted before the cursor"}, created_by=None)
    second = store.page("Course", None, sort="title", limit=3, cursor=first["next_cursor"])
    third = store.page("Course", None, sort="title", limit=3, cursor=second["next_cursor"])
    titles = [r["title"] for page in (first, second, third) for r in page["items"]]
    assert titles == [f"Course {i:02d}" for i in range(7)]
    assert (first["has_more"], second["has_more"], third["has_more"]) == (True, True, False)
    assert third["next_cursor"] is None


def test_cursor_of_another_query_or_garbage_is_refused(db: Any) -> None:
    _courses(3)
    first = store.page("Course", None, sort="title", limit=1)
    with pytest.raises(InvalidInputError) as caught:
        store.page("Course", {"price": 1}, sort="title", limit=1, cursor=first["next_cursor"])
    assert caught.value.message == "The cursor belongs to a different query, sort or field list"
    with pytest.raises(InvalidInputError):
        store.page("Course", None, sort="title", cursor="not-a-cursor")


def test_cursor_without_sort_or_fields_continues_with_its_own(db: Any) -> None:
    # GIVEN a first page asked with a sort and a field list
    _courses(5)
    first = store.page("Course", {"level": "beginner"}, sort="-title", limit=2, fields=["title"])
    # WHEN the next pages repeat only the query and the cursor, as the SDK does
    second = store.page("Course", {"level": "beginner"}, limit=2, cursor=first["next_cursor"])
    third = store.page("Course", {"level": "beginner"}, sort="-title", limit=2, cursor=second["next_cursor"])
    # THEN they continue in the cursor's order with its fields
    assert [r["title"] for p in (first, second, third) for r in p["items"]] == [
        f"Course {i:02d}" for i in (4, 3, 2, 1, 0)
    ]
    assert all(set(r) == {"id", "title"} for p in (first, second, third) for r in p["items"])
    assert third["has_more"] is False


@pytest.mark.parametrize(
    "override",
    [{"sort": "title"}, {"fields": ["title", "price"]}, {"q": {"level": "advanced"}}],
    ids=["sort", "fields", "query"],
)
def test_cursor_with_a_conflicting_sort_fields_or_query_is_refused(db: Any, override: dict[str, Any]) -> None:
    _courses(3)
    first = store.page("Course", {"level": "beginner"}, sort="-title", limit=1, fields=["title"])
    asked = {"q": {"level": "beginner"}, **override}
    with pytest.raises(InvalidInputError) as caught:
        store.page("Course", asked.pop("q"), limit=1, cursor=first["next_cursor"], **asked)
    assert caught.value.message == "The cursor belongs to a different query, sort or field list"


def test_bulk_create_is_all_or_nothing(db: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        store.bulk_create("Course", [{"title": ""}, {"title": "ok"}, {"title": "x", "price": -1}], created_by=None)
    assert [item["index"] for item in caught.value.details["items"]] == [0, 2]
    assert caught.value.details["items"][1]["fields"] == [
        {"field": "price", "type": "greater_than_equal", "message": "Input should be greater than or equal to 0"}
    ]
    assert store.count("Course") == 0
    created = store.bulk_create("Course", [{"title": "a"}, {"title": "b"}], created_by=None)
    assert store.count("Course") == 2 and len({c["id"] for c in created}) == 2


@pytest.mark.parametrize(("limit", "skip"), [(0, 0), (5001, 0), ("x", 0), (1, -1), (1, "y")])
def test_limits_and_skips_are_checked(db: Any, limit: Any, skip: Any) -> None:
    with pytest.raises(InvalidInputError):
        store.query("Course", limit=limit, skip=skip)


def test_pages_sorted_in_memory_on_a_nested_field_walk_every_record_once(db: Any) -> None:
    # GIVEN courses whose final project's points sort them (a nested field Firestore cannot order by)
    for i, points in enumerate([3, 1, 2, 2]):
        store.create("Course", {"title": f"C{i}", "final_project": {"points": points}}, created_by=None)
    # WHEN they are walked one page of 1 at a time
    seen, cursor = [], None
    for _ in range(5):
        page = store.page("Course", None, sort="final_project.points", limit=1, cursor=cursor, ad_hoc=True)
        seen += [c["title"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    # THEN in order, each once
    assert seen[0] == "C1" and sorted(seen[1:3]) == ["C2", "C3"] and seen[3] == "C0" and len(seen) == 4
