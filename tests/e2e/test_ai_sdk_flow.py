"""The documented "AI Course Generation" example through the real @base44/sdk, model served locally."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator import demo
from tests.ai.conftest import GOOD_COURSE
from tests.fakes.openai_server import FakeOpenAI

NODE_DIR = Path(__file__).parent / "node"
pytestmark = pytest.mark.e2e

PROJECT = {
    "title": "A typed event bus",
    "description": "Generics at work.",
    "requirements": ["Typed events", "Generic handlers", "Tests"],
    "rubric": [{"criterion": "functionality", "weight": 60}, {"criterion": "code quality", "weight": 40}],
    "estimated_hours": 16,
}


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    yield server
    server.stop()


def test_the_documented_ai_course_generation_example(live_gateway: str, model: FakeOpenAI) -> None:
    if shutil.which("node") is None or not (NODE_DIR / "node_modules" / "@base44" / "sdk").exists():
        pytest.fail("Node.js and tests/e2e/node/node_modules are required: run the README's test command")
    demo.load()
    model.reply({"content": GOOD_COURSE}, {"content": PROJECT})
    config = {"appId": "sparkacademy", "email": "instructor@sparkacademy.test", "password": demo.demo_password()}
    done = subprocess.run(
        ["node", str(NODE_DIR / "ai_course_flow.mjs"), live_gateway, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    saved, final = report["saved"], report["final"]
    assert saved["title"] == "Advanced TypeScript Patterns" and saved["is_published"] is False
    assert saved["created_by"] == "instructor@sparkacademy.test"
    assert saved["instructor_email"] == "instructor@sparkacademy.test"
    assert [m["title"] for m in saved["modules"]] == ["Generics", "Conditional types"]
    assert all(lesson["id"] for m in saved["modules"] for lesson in m["lessons"])
    assert final["final_project"] == report["project"]
    assert report["project"]["rubric"] == {"functionality": 60, "code_quality": 40}
    assert final["is_published"] is False
    lessons = "Type parameters" in model.requests[1]["body"]["messages"][1]["content"]
    assert lessons  # the project was asked with the saved course's outline
