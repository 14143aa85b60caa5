"""The composite indexes: generated from the entity declarations, kept in
firestore.indexes.json, and checked against every query plan (the emulator does not
enforce indexes, so a query of the product's code needing an undeclared one fails here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from entities import indexes, policies, store
from entities.query import parse_sort
from entities.registry import ENTITIES
from shared.auth import Caller, Role

ROOT = Path(__file__).resolve().parents[2]


def test_index_file_is_generated_from_the_declarations() -> None:
    on_disk = json.loads((ROOT / "firestore.indexes.json").read_text())
    assert on_disk == indexes.document(), "run: python scripts/deploy.py --write"


def test_firebase_deploys_the_index_file() -> None:
    assert json.loads((ROOT / "firebase.json").read_text())["firestore"]["indexes"] == "firestore.indexes.json"


def test_a_product_query_needing_an_undeclared_index_fails(db: Any) -> None:
    # GIVEN no declared index for an equality on `status` sorted on `student_email`
    # WHEN the product's code asks for it
    with pytest.raises(store.UndeclaredIndexError) as caught:
        store.query("Enrollment", {"status": "active"}, sort="student_email")
    # THEN it fails, naming the index to declare; a client's ad hoc query runs in memory
    assert str(caught.value).endswith("status ASCENDING, student_email ASCENDING")
    assert store.query("Enrollment", {"status": "active"}, sort="student_email", ad_hoc=True) == []


def test_range_with_the_default_sort_needs_the_declared_pair(db: Any) -> None:
    compiled = store.plan("Enrollment", store.combine({"progress_percent": {"$gt": 5}}, None), parse_sort(None))
    assert compiled.order == ("created_date", "progress_percent")
    assert [need.index for need in compiled.needs()] and compiled.exact
    with pytest.raises(store.UndeclaredIndexError):
        store.plan("Enrollment", store.combine({"enrolled_at": {"$gt": "2026"}}, None), parse_sort(None))


CALLERS = [
    Caller("usr_student", "student@example.test", Role.STUDENT),
    Caller("usr_teacher", "teacher@example.test", Role.INSTRUCTOR),
    Caller("usr_orgadmin", "orgadmin@example.test", Role.ORG_ADMIN, org_id="org_1"),
    Caller("usr_admin", "admin@example.test", Role.ADMIN),
]


@pytest.mark.parametrize("name", sorted(ENTITIES))
@pytest.mark.parametrize("caller", CALLERS, ids=[c.role for c in CALLERS])
def test_every_roles_default_listing_is_served_by_declared_indexes(db: Any, name: str, caller: Caller) -> None:
    # GIVEN an entity's read scope for this role (a caller it refuses has no listing)
    try:
        scope = policies.of(name).read_scope(caller)
    except Exception as refused:  # noqa: BLE001 - any refusal means there is nothing to list
        assert getattr(refused, "status", 0) in (401, 403)
        return
    # WHEN its default listing (newest first) and count are planned as product queries
    tree = store.combine(None, scope)
    listing = store.plan(name, tree, parse_sort(None))
    counting = store.plan(name, tree, parse_sort(None), ordered=False)
    # THEN both run natively on declared indexes
    assert listing.exact and listing.native_sort and counting.exact


def test_sums_and_averages_are_one_aggregation(db: Any) -> None:
    for i, progress in enumerate([10, 20, 60]):
        store.create(
            "Enrollment",
            {"course_id": "crs_1", "student_email": f"s{i}@example.test", "progress_percent": progress},
            created_by=None,
            id=f"enr_{i}",
        )
    totals = store.totals(
        "Enrollment", {"course_id": "crs_1"}, sums=("progress_percent",), averages=("progress_percent",)
    )
    assert totals == {"count": 3, "sum_progress_percent": 90, "avg_progress_percent": 30}
    empty = store.totals("Enrollment", {"course_id": []}, sums=("progress_percent",), averages=("progress_percent",))
    assert empty == {"count": 0, "sum_progress_percent": 0, "avg_progress_percent": None}


def test_the_indexes_fit_firestores_cap_with_room_to_grow() -> None:
    count = len(indexes.document()["indexes"])
    assert count <= 150, f"{count} composite indexes: Firestore allows 200 per database by default"


def test_a_clients_oldest_first_listing_by_a_reference_runs_without_an_index_of_its_own(db: Any) -> None:
    # GIVEN enrollments of one course (listed newest first natively)
    for i in range(3):
        store.create(
            "Enrollment",
            {"course_id": "crs_1", "student_email": f"s{i}@example.test"},
            created_by=None,
            id=f"enr_{i}",
        )
    # WHEN a client lists them oldest first: served by the equality, sorted in memory
    oldest_first = store.query("Enrollment", {"course_id": "crs_1"}, sort="created_date", ad_hoc=True)
    assert [e["id"] for e in oldest_first] == ["enr_0", "enr_1", "enr_2"]
    # THEN the same query from the product's code must declare its index
    with pytest.raises(store.UndeclaredIndexError):
        store.query("Enrollment", {"course_id": "crs_1"}, sort="created_date")
