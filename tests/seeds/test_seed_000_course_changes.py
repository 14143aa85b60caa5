"""The SparkAcademy seed's Update Course and Delete Course examples, on a platform of their own:
they change `crs_abc123`, which every other example names."""

from __future__ import annotations

import pytest

from tests.seeds.conftest import INSTRUCTOR, SeedPlatform, ok

pytestmark = pytest.mark.e2e


def test_course_entity_update_then_delete_course(seed: SeedPlatform) -> None:
    updated = ok(seed.sdk("courseUpdate", INSTRUCTOR))
    assert (updated["id"], updated["is_published"], updated["price"]) == ("crs_abc123", True, 39.99)
    assert ok(seed.sdk("courseDelete", INSTRUCTOR)) == {"afterDelete": 404}
