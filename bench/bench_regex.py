"""What `$regex` costs on RE2 against Python's `re`: compile and match of a typical pattern.

No network, no emulator: `python -m bench bench_regex`. Figures are microseconds per
operation, the best of several rounds (the least disturbed by other work on the machine).
"""

from __future__ import annotations

import re
import timeit
from typing import Any

from entities.query import _compile_regex

PATTERN, OPTIONS = "^intro.*python", "i"
TITLES = [
    "Introduction to Python for data analysis",
    "Advanced React patterns and state management",
    "intro: python in a weekend",
    "Kubernetes from first principles, with many labs and a final project",
]
ATTACK, ATTACK_TEXT = "^(?:.|.){0,22}Q", "a" * 60  # small enough that `re` finishes
ROUNDS, NUMBER = 5, 2000


def _best_us(statement: Any, number: int = NUMBER) -> float:
    return min(timeit.repeat(statement, number=number, repeat=ROUNDS)) / number * 1e6


def run() -> dict[str, Any]:
    python = re.compile(PATTERN, re.IGNORECASE)
    re2 = _compile_regex("title", PATTERN, OPTIONS)
    assert [bool(python.search(t)) for t in TITLES] == [bool(re2.search(t)) for t in TITLES]
    python_attack = re.compile(ATTACK)
    re2_attack = _compile_regex("title", ATTACK, None)
    return {
        "benchmark": "regex",
        "pattern": PATTERN,
        "options": OPTIONS,
        "compile_us": {
            "re": round(_best_us(lambda: re.compile(PATTERN + " ", re.IGNORECASE) and re.purge()), 2),
            "re2": round(_best_us(lambda: _compile_regex("title", PATTERN, OPTIONS)), 2),
        },
        "search_4_titles_us": {
            "re": round(_best_us(lambda: [python.search(t) for t in TITLES]), 2),
            "re2": round(_best_us(lambda: [re2.search(t) for t in TITLES]), 2),
        },
        f"attack_{ATTACK}_on_60_chars_us": {
            "re": round(_best_us(lambda: python_attack.search(ATTACK_TEXT), number=1), 1),
            "re2": round(_best_us(lambda: re2_attack.search(ATTACK_TEXT), number=200), 2),
        },
    }
