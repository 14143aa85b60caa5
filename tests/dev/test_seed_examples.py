"""The seed document's authentication, entity and purchase snippets run, as written, through the
real @base44/sdk against a `make dev` platform of their own (they delete `crs_abc123`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import demo
from tests.dev.conftest import DevPlatform, start_platform
from tests.e2e.sdk import SDK, run_flow

pytestmark = pytest.mark.e2e


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[DevPlatform]:
    started = start_platform(tmp_path / "data")
    yield started
    started.stop()


def test_the_seeds_snippets_run_against_make_dev(platform: DevPlatform) -> None:
    report = run_flow(
        Path(__file__).with_name("seed_examples.mjs"),
        str(SDK),
        platform.url,
        json.dumps({"password": demo.demo_password()}),
    )
    failed = {step: outcome for step, outcome in report.items() if not outcome["ok"]}
    assert sorted(failed) == ["getDeleted", "meAfterSignOut"], failed
    assert (failed["meAfterSignOut"]["status"], failed["getDeleted"]["status"]) == (401, 404)

    signed_up = report["signUp"]["value"]
    assert (signed_up["user"]["email"], signed_up["user"]["role"], signed_up["user"]["full_name"]) == (
        "student@example.com",
        "student",
        "John Doe",
    )
    assert signed_up["session"]["token"]
    assert report["me"]["value"]["email"] == "student@example.com"
    assert report["getCourse"]["value"]["title"] == "React Fundamentals"
    assert {"crs_abc123", "crs_def456"} <= {c["id"] for c in report["listCourses"]["value"]}
    assert report["checkout"]["value"].startswith(f"{platform.url}/dev/checkout/cs_test_")
    progress = report["createProgress"]["value"]
    assert (progress["enrollment_id"], progress["lesson_id"], progress["completed"]) == (
        "enr_abc123",
        "les_abc123",
        True,
    )
    assert [p["id"] for p in report["getProgress"]["value"]] == [progress["id"]]
    assert report["createEnrollment"]["value"]["student_email"] == "student@example.com"
    assert [e["course_id"] for e in report["getEnrollments"]["value"]] == ["crs_abc123"]
    assert report["createCourse"]["value"]["is_published"] is False
    assert (report["updateCourse"]["value"]["price"], report["updateCourse"]["value"]["is_published"]) == (39.99, True)
