"""The query language on its own: parsing, matching, sorting (no network)."""

from __future__ import annotations

from typing import Any

import pytest

from entities.query import matches, parse, parse_sort, pushdown, sort_key
from shared.errors import UnsupportedQueryError

DOC: dict[str, Any] = {
    "id": "a",
    "price": 49.99,
    "title": "React",
    "level": None,
    "tags": ["x"],
    "is_published": True,
    "meta": {"rating": 4},
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"title": "React"}, True),
        ({"title": "Vue"}, False),
        ({"level": None}, True),
        ({"missing": None}, True),
        ({"title": None}, False),
        ({"title": ["Vue", "React"]}, True),
        ({"price": {"$gt": 40, "$lt": 50}}, True),
        ({"price": {"$gte": 49.99}}, True),
        ({"price": {"$lte": 10}}, False),
        ({"price": {"$gt": "10"}}, False),  # no comparisons across kinds
        ({"price": {"$ne": 49.99}}, False),
        ({"missing": {"$ne": 1}}, True),
        ({"title": {"$in": ["React"]}}, True),
        ({"title": {"$nin": ["React"]}}, False),
        ({"missing": {"$exists": False}}, True),
        ({"level": {"$exists": True}}, True),
        ({"title": {"$regex": "^re", "$options": "i"}}, True),
        ({"title": {"$not": {"$regex": "^R"}}}, False),
        ({"is_published": 1}, False),  # a boolean is not the number 1
        ({"meta.rating": {"$gte": 4}}, True),
        ({"$or": [{"title": "Vue"}, {"price": {"$lt": 50}}]}, True),
        ({"$and": [{"title": "React"}, {"price": 1}]}, False),
        ({"$nor": [{"title": "Vue"}]}, True),
        ({}, True),
    ],
)
def test_matches_follows_mongo_semantics(query: dict[str, Any], expected: bool) -> None:
    assert matches(DOC, parse(query)) is expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"price": {"$where": "1"}}, "Unsupported query operator $where"),
        ({"$text": {"$search": "x"}}, "Unsupported query operator $text"),
        ({"$or": []}, "$or takes a non-empty array of queries"),
        ({"price": {"$in": 3}}, "$in/$nin on 'price' takes an array"),
        ({"price": {"$exists": "yes"}}, "$exists on 'price' takes true or false"),
        ({"bad field": 1}, "Invalid field name 'bad field'"),
        ({"meta": {"rating": 4}}, "Matching 'meta' against an object is not supported; use dotted field names"),
        ({"title": {"$regex": "("}}, "Invalid $regex on 'title'"),
        ({"title": {"$regex": "a", "$options": "x"}}, "Unsupported $options flag 'x'"),
        ([1, 2], "Query must be a JSON object"),
    ],
)
def test_unsupported_queries_are_refused_by_name(query: Any, message: str) -> None:
    with pytest.raises(UnsupportedQueryError) as caught:
        parse(query)
    assert caught.value.message == message
    assert caught.value.status == 400


def test_pushdown_keeps_exact_filters_and_reports_residue() -> None:
    assert pushdown(parse({"status": "active", "course_id": ["a", "b"]})) == (
        [("status", "==", "active"), ("course_id", "in", ["a", "b"])],
        True,
    )
    filters, exact = pushdown(parse({"status": "active", "price": {"$gt": 1}, "level": None}))
    assert (filters, exact) == ([("status", "==", "active")], False)


def test_sort_orders_kinds_then_values_then_ids() -> None:
    docs = [{"id": "3", "p": "b"}, {"id": "2", "p": 5}, {"id": "1"}, {"id": "0", "p": 5}, {"id": "4", "p": True}]
    ordered = sorted(docs, key=lambda d: sort_key(d, "p"))
    assert [d["id"] for d in ordered] == ["1", "4", "0", "2", "3"]
    assert parse_sort("-price").descending and parse_sort("+price").field == "price"
    assert parse_sort(None).text == "-created_date"
    with pytest.raises(UnsupportedQueryError):
        parse_sort("price; drop")
