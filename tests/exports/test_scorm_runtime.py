"""Exported SCOs driven in a real SCORM 1.2 runtime: scorm-again's Scorm12API as the LMS
`API`, two frames above the SCO, in headless Chromium (Debian's `chromium`).

The harness page plays the learner (clicks, answers, leaves) and logs every API call
the SCO makes with the runtime's own error code; the test reads that log back."""

from __future__ import annotations

import functools
import json
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser import harness_result, rendered_dom
from tests.exports.conftest import quiz

RUNTIME = Path(__file__).parent / "node" / "node_modules" / "scorm-again" / "dist" / "scorm12.js"

FRAME = "<!DOCTYPE html><html><body><iframe id='sco' style='width:800px;height:600px'></iframe></body></html>"

HARNESS = Path(__file__).parent / "harness" / "scorm12.html"  # plays the learner, logs the API calls


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *_args: Any) -> None:
        pass


def big_quiz() -> dict[str, Any]:
    letters = list(range(20))
    questions = []
    for n in range(200):
        if n % 2:
            questions.append({"question": f"Say {n}", "correct_answer": "yes"})
        else:
            questions.append({"question": f"Pick {n}", "options": [f"o{i}" for i in letters], "correct_answer": [0, 1]})
    return {"title": "Everything", "passing_score": 70, "questions": questions}


def course() -> dict[str, Any]:
    return {
        "id": "crs_runtime",
        "title": "Runtime course",
        "modules": [
            {
                "id": "mod_a",
                "title": "A",
                "lessons": [
                    {"id": "les_1", "title": "One", "content": "\n\n".join(f"Section {n}" for n in range(40))},
                    {"id": "les_2", "title": "Two", "content": "\n\n".join(f"Part {n}" for n in range(40))},
                ],
                "quiz": quiz("Quiz A", 2, 80),
            },
            {"id": "mod_b", "title": "B", "lessons": [], "quiz": big_quiz()},
        ],
    }


@pytest.fixture(scope="module")
def driven(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build the package, serve it with the runtime and harness, let Chromium play the learner."""
    import os

    from functions.exports import package, scorm

    assert RUNTIME.is_file(), "scorm-again is needed: scripts/test.sh installs tests/exports/node"
    root = tmp_path_factory.mktemp("lms")
    writer = package.PackageWriter()
    old = os.environ.get("STORAGE_BACKEND")
    os.environ["STORAGE_BACKEND"] = "local"
    try:
        scorm.build(course(), writer)
        writer.finish()
        import zipfile

        zipfile.ZipFile(writer.file).extractall(root / "pkg")
    finally:
        writer.close()
        if old is None:
            os.environ.pop("STORAGE_BACKEND", None)
        else:
            os.environ["STORAGE_BACKEND"] = old
    lms = root / "lms"
    lms.mkdir()
    shutil.copy(RUNTIME, lms / "scorm12.js")
    shutil.copy(HARNESS, lms / "harness.html")
    (lms / "frame.html").write_text(FRAME)
    (lms / "blank.html").write_text("<!DOCTYPE html><html><body></body></html>")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/lms/harness.html"
        dom = rendered_dom(url, root / "profile", 30000, "--disable-popup-blocking")
    finally:
        server.shutdown()
    return harness_result(dom)


def sets(log: list[dict[str, Any]]) -> dict[str, str]:
    return {c["args"][0]: c["args"][1] for c in log if c["call"] == "LMSSetValue"}


def no_errors(log: list[dict[str, Any]]) -> None:
    failed = [c for c in log if c["call"] != "LMSGetValue" and (c["result"] != "true" or c["error"] != "0")]
    assert failed == []


def test_lesson_initializes_completes_commits_and_finishes(driven: dict[str, Any]) -> None:
    log = driven["lessonDone"]
    no_errors(log)
    assert [c["call"] for c in log if c["call"] != "LMSGetValue" and c["call"] != "LMSSetValue"] == [
        "LMSInitialize",
        "LMSCommit",
        "LMSCommit",
        "LMSFinish",
    ]
    values = sets(log)
    assert values["cmi.core.lesson_status"] == "completed"
    assert values["cmi.core.exit"] == ""
    assert driven["lessonDoneAfterLeave"] == []  # finished once, not again on unload


def test_lesson_left_unfinished_suspends_and_resumes_at_its_place(driven: dict[str, Any]) -> None:
    log = driven["lessonLeft"]
    no_errors(log)
    values = sets(log)
    assert values["cmi.core.lesson_status"] == "incomplete"
    assert values["cmi.core.exit"] == "suspend"
    assert "cmi.core.lesson_location" in values
    assert log[-1]["call"] == "LMSFinish"
    resumed = driven["lessonResumed"]
    reads = [c for c in resumed if c["call"] == "LMSGetValue"]
    assert {"args": ["cmi.core.lesson_location"], "result": values["cmi.core.lesson_location"]}.items() <= {
        "args": reads[0]["args"],
        "result": reads[0]["result"],
    }.items()


def test_quiz_suspends_answers_and_resumes_them(driven: dict[str, Any]) -> None:
    log = driven["quizLeft"]
    no_errors(log)
    values = sets(log)
    assert values["cmi.core.exit"] == "suspend"
    assert json.loads(values["cmi.suspend_data"]) == ["b", ""]
    assert values["cmi.core.lesson_location"] == "q1"
    assert driven["restored"] == [False, True, False]


def test_quiz_passed_reports_score_status_and_interactions(driven: dict[str, Any]) -> None:
    log = driven["quizPassed"]
    no_errors(log)
    values = sets(log)
    assert values["cmi.core.lesson_status"] == "passed"
    assert (values["cmi.core.score.raw"], values["cmi.core.score.min"], values["cmi.core.score.max"]) == (
        "100",
        "0",
        "100",
    )
    for n in (0, 1):
        assert values[f"cmi.interactions.{n}.id"] == f"Q{n + 1}"
        assert values[f"cmi.interactions.{n}.type"] == "choice"
        assert values[f"cmi.interactions.{n}.student_response"] == "b"
        assert values[f"cmi.interactions.{n}.correct_responses.0.pattern"] == "b"
        assert values[f"cmi.interactions.{n}.result"] == "correct"
    assert [c["call"] for c in log][-2:] == ["LMSCommit", "LMSFinish"]
    assert "passed" in driven["quizStatusText"]


def test_quiz_failed_below_mastery_score(driven: dict[str, Any]) -> None:
    log = driven["quizFailed"]
    no_errors(log)
    values = sets(log)
    assert values["cmi.core.lesson_status"] == "failed"
    assert values["cmi.core.score.raw"] == "50"
    assert values["cmi.interactions.1.result"] == "wrong"


def test_suspend_data_of_the_largest_quiz_fits_scorm_limit(driven: dict[str, Any]) -> None:
    log = driven["bigQuizLeft"]
    no_errors(log)  # the runtime refuses suspend data over 4,096 characters
    data = sets(log)["cmi.suspend_data"]
    assert 0 < len(data) <= 4096
    kept = json.loads(data)
    assert kept[0] == "abcdefghijklmnopqrst"


def test_sco_in_its_own_window_finds_the_api_through_the_opener(driven: dict[str, Any]) -> None:
    log = driven["openedLesson"]
    no_errors(log)
    assert log[0]["call"] == "LMSInitialize"
    assert sets(log)["cmi.core.lesson_status"] == "completed"
    assert log[-1]["call"] == "LMSFinish"
