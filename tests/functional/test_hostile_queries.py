"""`$regex` runs on RE2: no pattern can hold the server, and what RE2 cannot run is a 400."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from entities import store

COURSES = "/api/apps/sparkacademy/entities/Course"


@pytest.fixture
def course(db: Any) -> dict[str, Any]:
    return store.create("Course", {"title": "a" * 60, "is_published": True}, created_by=None)


def _list(gateway: Any, q: dict[str, Any]) -> Any:
    return gateway.get(COURSES, query_string={"q": json.dumps(q)})


def test_a_backtracking_pattern_answers_at_once(gateway: Any, course: dict[str, Any]) -> None:
    # GIVEN a pattern that backtracks for seconds in Python's `re` on a 60-character title
    attack = {"id": course["id"], "title": {"$regex": "^(?:.|.){0,28}Q"}}
    started = time.perf_counter()
    # WHEN an anonymous caller lists with it
    resp = _list(gateway, attack)
    # THEN the answer is right, and came well before the old 7.8 s
    assert resp.status_code == 200 and resp.get_json() == []
    assert time.perf_counter() - started < 2.0
    found = _list(gateway, {"id": course["id"], "title": {"$regex": "^(?:.|.){0,28}a$"}})
    assert found.status_code == 200 and found.get_json() == []
    found = _list(gateway, {"id": course["id"], "title": {"$regex": "^(?:a|a){0,28}a+$"}})
    assert [c["id"] for c in found.get_json()] == [course["id"]]


@pytest.mark.parametrize(
    ("pattern", "options", "title", "matched"),
    [
        ("^A{3}", "i", "aaab", True),
        ("^A{3}", None, "aaab", False),
        ("^b", "m", "x\nbc", True),
        ("^b", "", "x\nbc", False),
        ("x.b", "s", "x\nbc", True),
        ("x.b", None, "x\nbc", False),
        ("é+\\s☕", None, "café ☕", True),
    ],
)
def test_options_i_m_s_keep_their_meaning(
    gateway: Any, db: Any, pattern: str, options: str | None, title: str, matched: bool
) -> None:
    doc = store.create("Course", {"title": title, "is_published": True}, created_by=None)
    condition: dict[str, Any] = {"$regex": pattern, **({"$options": options} if options is not None else {})}
    resp = _list(gateway, {"title": condition})
    assert resp.status_code == 200
    assert [c["id"] for c in resp.get_json()] == ([doc["id"]] if matched else [])


@pytest.mark.parametrize(
    "condition",
    [
        {"$regex": "(a)\\1"},  # backreference
        {"$regex": "a(?=b)"},  # lookahead
        {"$regex": "(?<!a)b"},  # lookbehind
        {"$regex": "(?>a)"},  # atomic group
        {"$regex": "(?:a{1000}){1000}"},  # beyond RE2's repetition bound
        {"$regex": "a" * 201},  # beyond the pattern length bound
        {"$regex": "("},
        {"$regex": 5},
        {"$regex": "a", "$options": 5},
        {"$regex": "a", "$options": "x"},
    ],
)
def test_patterns_re2_cannot_run_are_a_400_in_the_envelope(gateway: Any, db: Any, condition: dict[str, Any]) -> None:
    resp = _list(gateway, {"title": condition})
    assert resp.status_code == 400, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["code"] == "INVALID_PARAMETERS" and body["message"] and isinstance(body["details"], dict)
