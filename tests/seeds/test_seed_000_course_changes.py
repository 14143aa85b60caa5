"""The SparkAcademy seed's Update Course and Delete Course examples, on a platform of their own:
they change `crs_abc123`, which every other example names."""

from __future__ import annotations

import pytest

from tests.seeds.conftest import INSTRUCTOR, SeedPlatform, ok

# One platform per module, its examples in the order the seed gives them (later ones read earlier ones' data).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_seed_000_course_changes")]


def test_course_entity_update_then_delete_course(seed: SeedPlatform) -> None:
    updated = ok(seed.sdk("courseUpdate", INSTRUCTOR))
    assert (updated["id"], updated["is_published"], updated["price"]) == ("crs_abc123", True, 39.99)
    assert ok(seed.sdk("courseDelete", INSTRUCTOR)) == {"afterDelete": 404}
