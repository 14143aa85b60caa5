"""Counts what the fuzz tests sent, reported at the end of the run whatever the capture mode."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

# Filled by the fuzz tests: requests sent, answers by status, and the seed of each test.
FUZZ_STATS: dict[str, Any] = {"requests": 0, "statuses": Counter(), "seeds": {}}


@pytest.fixture
def fuzz_stats() -> dict[str, Any]:
    return FUZZ_STATS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FUZZ_STATS["requests"]:
        return
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(FUZZ_STATS["statuses"].items()))
    seeds = ", ".join(f"{name} seed {seed}" for name, seed in FUZZ_STATS["seeds"].items())
    terminalreporter.write_sep("-", "fuzz")
    terminalreporter.write_line(f"fuzz: {FUZZ_STATS['requests']} requests ({seeds}); answers {statuses}")
