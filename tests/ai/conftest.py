"""The AI functions against a local OpenAI-compatible server, the SDK pointed at it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.helpers import call_function


@pytest.fixture(scope="session")
def openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_openai(openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, db: Any) -> FakeOpenAI:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
    monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", "5")
    openai_server.reply({})
    openai_server.latency = 0.0
    return openai_server


@pytest.fixture
def no_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def invoke(gateway: Any, name: str, token: str, body: dict[str, Any]) -> Any:
    return call_function(gateway, name, body, token)


GOOD_COURSE: dict[str, Any] = {
    "title": "Advanced TypeScript Patterns",
    "description": "Types that carry their weight.",
    "category": "programming",
    "tags": ["typescript", "types"],
    "modules": [
        {
            "title": "Generics",
            "description": "Reusable types.",
            "lessons": [
                {"title": "Type parameters", "content": "A generic takes a type.", "duration": 60},
                {"title": "Constraints", "content": "extends narrows a parameter.", "duration": 30},
            ],
            "quiz": {
                "questions": [
                    {
                        "question": "What narrows a type parameter?",
                        "options": ["extends", "implements", "satisfies"],
                        "correct_answer": 0,
                        "explanation": "extends sets an upper bound.",
                    }
                ]
            },
        },
        {
            "title": "Conditional types",
            "description": "Types that choose.",
            "lessons": [{"title": "infer", "content": "infer names a part of a type.", "duration": 90}],
            "quiz": {
                "questions": [
                    {
                        "question": "Which keyword extracts a type inside a conditional type?",
                        "options": ["infer", "typeof"],
                        "correct_answer": 0,
                        "explanation": "infer binds a type variable.",
                    }
                ]
            },
        },
    ],
}


def course(**changes: Any) -> dict[str, Any]:
    draft = copy.deepcopy(GOOD_COURSE)
    draft.update(changes)
    return draft
