"""exportXapi: the Tin Can package and its statements, checked with Learning Locker's
xAPI validator (the rules its LRS applies), deterministic ids, activity IRIs."""

from __future__ import annotations

import json
import subprocess
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.exports.conftest import download, invoke, open_zip

VALIDATOR = Path(__file__).parent / "node" / "validate_statements.cjs"
TINCAN = "{http://projecttincan.com/tincan.xsd}"
BASE = "https://lrs-ids.example.org/sparkacademy"


def xapi_warnings(statements: list[dict[str, Any]]) -> list[list[dict[str, str]]]:
    assert (VALIDATOR.parent / "node_modules" / "@learninglocker" / "xapi-validation").is_dir(), (
        "scripts/test.sh installs tests/exports/node"
    )
    result = subprocess.run(
        ["node", str(VALIDATOR)], input=json.dumps(statements), capture_output=True, text=True, check=True, timeout=60
    )
    warnings: list[list[dict[str, str]]] = json.loads(result.stdout)
    return warnings


def test_validator_refuses_what_an_lrs_refuses() -> None:
    bad = {
        "id": "not-a-uuid",
        "actor": {"objectType": "Agent", "mbox": "student@example.test"},
        "verb": {"id": "completed"},
        "object": {"objectType": "Activity", "id": "lesson 1"},
        "timestamp": "yesterday",
        "result": {"score": {"scaled": 2}},
    }
    paths = {w["path"] for w in xapi_warnings([bad])[0]}
    assert {"statement.id", "statement.actor.mbox", "statement.verb.id", "statement.object.id"} <= paths


@pytest.fixture
def activity(world: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """Two enrollments: one finished everything, one completed a lesson and failed the quiz."""
    from entities import store
    from entities.enrollment import enrollment_id
    from entities.progress import progress_id

    course = world["course"]
    second, _ = make_user("student")
    learners = [world["users"]["student"], second]
    enrollments = []
    for n, user in enumerate(learners):
        eid = enrollment_id(course["id"], user["email"])
        record = {
            "course_id": course["id"],
            "student_email": user["email"],
            "student_id": user["id"],
            "status": "completed" if n == 0 else "active",
            "enrolled_at": "2026-03-01T09:00:00Z",
        }
        if n == 0:
            record["completed_at"] = "2026-03-05T10:00:00+02:00"
        enrollments.append(store.create("Enrollment", record, created_by=user["email"], id=eid))
    first, other = enrollments
    for lesson in ("les_what", "les_state"):
        store.create(
            "Progress",
            {
                "enrollment_id": first["id"],
                "lesson_id": lesson,
                "module_id": "mod_basics",
                "completed": True,
                "completed_at": "2026-03-02T08:30:00.123456",
            },
            created_by=None,
            id=progress_id(first["id"], lesson_id=lesson),
        )
    for enrollment, score, passed in ((first, 100.0, True), (other, 50.0, False)):
        store.create(
            "Progress",
            {
                "enrollment_id": enrollment["id"],
                "module_id": "mod_basics",
                "quiz_score": score,
                "quiz_passed": passed,
                "quiz_attempts": 1,
                "last_accessed": "2026-03-03T12:00:00Z",
            },
            created_by=None,
            id=progress_id(enrollment["id"], module_id="mod_basics"),
        )
    store.create(
        "Progress",
        {"enrollment_id": other["id"], "lesson_id": "les_what", "completed": True, "completed_at": "2026-03-04T00:00Z"},
        created_by=None,
        id=progress_id(other["id"], lesson_id="les_what"),
    )
    return {"enrollments": enrollments, "learners": learners}


def export(gateway: Any, world: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    answer = invoke(gateway, "exportXapi", world["tokens"]["instructor"], {"courseId": world["course"]["id"]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    return body, download(gateway, body["download_url"])


def test_statements_are_valid_xapi_and_count_the_recorded_activity(
    gateway: Any, world: dict[str, Any], activity: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAPI_ACTIVITY_BASE", BASE)
    body, data = export(gateway, world)
    statements = json.loads(open_zip(data).read("statements.json"))
    # 2 registered, 3 lesson completions, 1 passed, 1 failed, 1 course completed.
    assert body["statements"] == len(statements) == 8
    assert xapi_warnings(statements) == [[] for _ in statements]
    verbs = sorted(s["verb"]["id"].rsplit("/", 1)[1] for s in statements)
    assert verbs == ["completed"] * 4 + ["failed", "passed", "registered", "registered"]
    for s in statements:
        assert uuid.UUID(s["id"]).version == 5
        assert s["timestamp"].endswith("Z")
        assert s["actor"]["mbox"] in {f"mailto:{u['email'].lower()}" for u in activity["learners"]}
        assert s["object"]["id"].startswith(f"{BASE}/courses/")
    failed = next(s for s in statements if s["verb"]["id"].endswith("/failed"))
    assert failed["result"]["score"] == {"scaled": 0.5, "raw": 50.0, "min": 0, "max": 100}
    assert failed["result"]["success"] is False
    finished = [s for s in statements if s["object"]["id"] == f"{BASE}/courses/{world['course']['id']}"]
    assert any(s["timestamp"] == "2026-03-05T08:00:00.000Z" for s in finished)


def test_reexport_gives_the_same_statement_ids_and_bytes(
    gateway: Any, world: dict[str, Any], activity: dict[str, Any]
) -> None:
    _, first = export(gateway, world)
    _, second = export(gateway, world)
    assert first == second
    ids = [s["id"] for s in json.loads(open_zip(first).read("statements.json"))]
    assert len(set(ids)) == len(ids)


def test_changed_record_gives_a_new_statement_id(gateway: Any, world: dict[str, Any], activity: dict[str, Any]) -> None:
    from entities import store
    from entities.progress import progress_id

    _, before = export(gateway, world)
    other = activity["enrollments"][1]
    store.update(
        "Progress", progress_id(other["id"], module_id="mod_basics"), {"quiz_score": 90.0, "quiz_passed": True}
    )
    _, after = export(gateway, world)
    old = {s["id"] for s in json.loads(open_zip(before).read("statements.json"))}
    new = {s["id"] for s in json.loads(open_zip(after).read("statements.json"))}
    assert len(new - old) == 1 and len(old - new) == 1


def test_tincan_xml_names_the_course_launch_and_every_lesson_and_quiz(
    gateway: Any, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAPI_ACTIVITY_BASE", BASE + "/")
    body, data = export(gateway, world)
    assert body["statements"] == 0
    package = open_zip(data)
    root = ET.fromstring(package.read("tincan.xml"))
    activities = root.findall(f"{TINCAN}activities/{TINCAN}activity")
    course_iri = f"{BASE}/courses/{world['course']['id']}"
    assert [(a.get("id"), a.get("type")) for a in activities] == [
        (course_iri, "http://adlnet.gov/expapi/activities/course"),
        (f"{course_iri}/lessons/les_what", "http://adlnet.gov/expapi/activities/lesson"),
        (f"{course_iri}/lessons/les_state", "http://adlnet.gov/expapi/activities/lesson"),
        (f"{course_iri}/modules/mod_basics/quiz", "http://adlnet.gov/expapi/activities/assessment"),
        (f"{course_iri}/modules/mod_check/quiz", "http://adlnet.gov/expapi/activities/assessment"),
    ]
    launches = [a.findtext(f"{TINCAN}launch") for a in activities]
    assert launches == ["index.html", None, None, None, None]
    names = set(package.namelist())
    assert {"index.html", "shared/xapi.js", "shared/course.css", "m001/l001.html", "m001/quiz.html"} <= names
    index = package.read("index.html").decode()
    assert 'href="m001/l001.html"' in index and "connect-src https: http:" in index
