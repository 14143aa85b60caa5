"""The documented "AI Course Generation" example through the real @base44/sdk, model served locally."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from emulator import demo
from tests.ai.conftest import GOOD_COURSE
from tests.e2e.sdk import NODE_DIR, run_flow
from tests.fakes.openai_server import FakeOpenAI

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
    demo.load()
    model.reply({"content": GOOD_COURSE}, {"content": PROJECT})
    config = {"appId": "sparkacademy", "email": "instructor@sparkacademy.test", "password": demo.demo_password()}
    report = run_flow(NODE_DIR / "ai_course_flow.mjs", live_gateway, json.dumps(config))
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
