"""The query language on its own: parsing, matching, sorting (no network)."""

from __future__ import annotations

from typing import Any

import pytest

from entities.query import AnyOf, FieldKind, Filter, compile_plan, matches, parse, parse_sort, sort_key
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


SCHEMA = {
    "status": FieldKind(nullable=False, array=False, scalar=True),
    "course_id": FieldKind(nullable=False, array=False, scalar=True),
    "price": FieldKind(nullable=False, array=False, scalar=True),
    "level": FieldKind(nullable=True, array=False, scalar=True),
    "tags": FieldKind(nullable=False, array=True, scalar=False),
    "created_date": FieldKind(nullable=False, array=False, scalar=True),
}


def test_plan_runs_every_operator_firestore_answers_natively() -> None:
    # GIVEN a query using equality, $in, ranges on two fields, $ne, membership and root $or
    tree = parse(
        {
            "status": "active",
            "course_id": ["a", "b"],
            "price": {"$gt": 1, "$lte": 9},
            "created_date": {"$gte": "2026"},
            "level": {"$ne": "advanced"},
            "tags": "python",
            "$or": [{"status": "active"}, {"price": 3}],
        }
    )
    # WHEN it is compiled, sorted on a non-id field
    plan = compile_plan(tree, parse_sort("-price"), SCHEMA)
    # THEN Firestore answers all of it, ordered by the sort then the other range fields
    assert plan.exact and plan.residual is None
    assert plan.clauses == (
        Filter("status", "==", "active"),
        Filter("course_id", "in", ["a", "b"]),
        Filter("price", ">", 1),
        Filter("price", "<=", 9),
        Filter("created_date", ">=", "2026"),
        AnyOf(((Filter("level", "!=", "advanced"),), (Filter("level", "==", None),))),
        Filter("tags", "array_contains", "python"),
        AnyOf(((Filter("status", "==", "active"),), (Filter("price", "==", 3),))),
    )
    assert plan.order == ("price", "created_date", "level")


def test_plan_leaves_only_what_firestore_cannot_express_to_memory() -> None:
    tree = parse(
        {
            "status": "active",
            "level": {"$regex": "^adv"},
            "price": {"$not": {"$gt": 3}},
            "course_id": {"$exists": False},
            "undeclared.path": {"$ne": 1},
        }
    )
    plan = compile_plan(tree, parse_sort("price"), SCHEMA)
    assert plan.clauses == (Filter("status", "==", "active"),)
    assert plan.residual is not None
    assert [c.op for c in plan.residual.children] == ["$regex", "$not", "$exists", "$ne"]
    assert plan.order == ("price",)


def test_plan_keeps_firestore_limits_one_not_equal_and_thirty_disjuncts() -> None:
    plan = compile_plan(parse({"status": {"$ne": "a"}, "price": {"$ne": 2}}), parse_sort(None), SCHEMA)
    assert plan.clauses == (Filter("status", "!=", "a"),) and plan.residual is not None
    many = compile_plan(parse({"course_id": [str(i) for i in range(31)]}), parse_sort(None), SCHEMA)
    assert many.clauses == () and many.residual is not None
    assert compile_plan(parse({"course_id": {"$in": []}}), parse_sort(None), SCHEMA).empty


def test_plan_sorts_in_memory_only_on_fields_records_may_lack() -> None:
    assert compile_plan(parse({}), parse_sort("undeclared"), SCHEMA).order == ()
    assert compile_plan(parse({"status": "a"}), parse_sort("status"), SCHEMA).sort_is_constant


def test_equality_on_an_array_is_membership() -> None:
    assert matches({"tags": ["a", "b"]}, parse({"tags": "b"}))
    assert not matches({"tags": ["a", "b"]}, parse({"tags": "c"}))
    assert matches({"tags": ["a", "b"]}, parse({"tags": {"$in": ["c", "a"]}}))


def test_sort_orders_kinds_then_values_then_ids() -> None:
    docs = [{"id": "3", "p": "b"}, {"id": "2", "p": 5}, {"id": "1"}, {"id": "0", "p": 5}, {"id": "4", "p": True}]
    ordered = sorted(docs, key=lambda d: sort_key(d, "p"))
    assert [d["id"] for d in ordered] == ["1", "4", "0", "2", "3"]
    assert parse_sort("-price").descending and parse_sort("+price").field == "price"
    assert parse_sort(None).text == "-created_date"
    with pytest.raises(UnsupportedQueryError):
        parse_sort("price; drop")


def test_an_index_is_served_as_declared_or_by_merging_one_per_equality() -> None:
    from entities.query import IndexField, Need

    def index(*fields: tuple[str, str]) -> tuple[IndexField, ...]:
        return tuple(IndexField(f, m) for f, m in fields)

    desc = ("created_date", "DESCENDING")
    need = Need(index(("course_id", "ASCENDING"), ("student_email", "ASCENDING")), index(desc))
    merged = {index(("course_id", "ASCENDING"), desc), index(("student_email", "ASCENDING"), desc)}
    assert need.served_by(merged)
    assert not need.served_by({index(("course_id", "ASCENDING"), desc)})
    assert not Need((), index(desc, ("progress_percent", "DESCENDING"))).served_by(set())
