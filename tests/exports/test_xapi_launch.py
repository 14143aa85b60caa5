"""An exported xAPI package launched the Tin Can way in headless Chromium against a fake
LRS: the pages read the launch parameters, send statements with the given auth and
version header, and every statement passes Learning Locker's validator."""

from __future__ import annotations

import functools
import json
import shutil
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser import harness_result, rendered_dom
from tests.exports.conftest import quiz
from tests.exports.test_xapi import xapi_warnings

HARNESS = Path(__file__).parent / "harness" / "xapi.html"
LMS_ACTIVITY = "https://lms.example.com/activities/course-42"  # the id the LMS launches the course under


class FakeLrs(SimpleHTTPRequestHandler):
    """Serves the package; records POST /xapi/statements as an LRS would receive them."""

    received: list[dict[str, Any]]

    def log_message(self, *_args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length))
        self.received.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "version": self.headers.get("X-Experience-API-Version"),
                "statements": body if isinstance(body, list) else [body],
            }
        )
        answer = json.dumps([s.get("id") for s in (body if isinstance(body, list) else [body])]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import os

    from functions.exports import package, xapi

    root = tmp_path_factory.mktemp("lrs")
    course = {
        "id": "crs_launch",
        "title": "Launch course",
        "modules": [
            {
                "id": "mod_a",
                "title": "A",
                "lessons": [{"id": "les_1", "title": "One", "content": "Text"}],
                "quiz": quiz("Quiz A", 2, 80),
            }
        ],
    }
    saved = {k: os.environ.get(k) for k in ("STORAGE_BACKEND", "XAPI_ACTIVITY_BASE")}
    os.environ.update({"STORAGE_BACKEND": "local", "XAPI_ACTIVITY_BASE": "https://ids.example.org/x"})
    writer = package.PackageWriter()
    try:
        parts = package.modules(course)
        iris = xapi.Iris(course)
        writer.text("tincan.xml", xapi.tincan_xml(course, parts, iris))
        writer.text("index.html", xapi.index_page(course, parts, iris))
        for name in xapi.SHARED_FILES:
            writer.text(name, (xapi.STATIC_DIR / Path(name).name).read_text())
        writer.text("m001/l001.html", xapi.lesson_page(course, parts[0], parts[0].lessons[0].lesson, iris))
        writer.text("m001/quiz.html", xapi.quiz_page(course, parts[0], iris))
        writer.finish()
        zipfile.ZipFile(writer.file).extractall(root / "pkg")
    finally:
        writer.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    (root / "lms").mkdir()
    shutil.copy(HARNESS, root / "lms" / "harness.html")
    received: list[dict[str, Any]] = []
    handler = functools.partial(type("Lrs", (FakeLrs,), {"received": received}), directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/lms/harness.html?course={LMS_ACTIVITY}"
        dom = rendered_dom(url, root / "profile", 20000)
    finally:
        server.shutdown()
    return {"page": harness_result(dom), "received": received, "course": iris.course}


def test_pages_send_statements_with_the_launch_auth_and_version(launched: dict[str, Any]) -> None:
    posts = launched["received"]
    assert posts
    assert {p["path"] for p in posts} == {"/xapi/statements"}
    assert {p["auth"] for p in posts} == {"Basic bGVhcm5lcjpzZWNyZXQ="}
    assert {p["version"] for p in posts} == {"1.0.3"}
    assert launched["page"]["lessonLink"].startswith("m001/l001.html?endpoint=")


def test_statements_sent_are_valid_and_use_adl_verbs(launched: dict[str, Any]) -> None:
    statements = [s for p in launched["received"] for s in p["statements"]]
    assert xapi_warnings(statements) == [[] for _ in statements]
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]
    assert verbs == ["launched", "experienced", "completed", "answered", "answered", "failed"]
    assert {s["actor"]["mbox"] for s in statements} == {"mailto:zoe@example.test"}
    assert {s["context"]["registration"] for s in statements} == {"1a6e6e47-6a8b-4d3c-9a3e-3f3a7c4d2b11"}
    answered = [s for s in statements if s["verb"]["id"].endswith("/answered")]
    assert [a["result"]["score"]["scaled"] for a in answered] == [1, 0]
    final = statements[-1]
    assert final["result"]["score"] == {"scaled": 0.5, "raw": 50, "min": 0, "max": 100}
    assert final["object"]["id"] == launched["course"] + "/modules/mod_a/quiz"
    assert "not passed" in launched["page"]["status"]
    assert statements[0]["object"]["id"] == LMS_ACTIVITY
    parents = {s["context"]["contextActivities"]["parent"][0]["id"] for s in statements[1:]}
    assert parents == {LMS_ACTIVITY}
