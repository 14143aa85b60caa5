"""Cloud Functions entry module: `--entry-point=<documentedName>` resolves here.

Targets are looked up lazily (PEP 562), so each deployed function imports only
its own module and what that module needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.registry import FUNCTIONS, load
from shared.http import report_missing_settings


def __getattr__(name: str) -> Callable[..., Any]:
    if name in FUNCTIONS:
        target = load(name)
        report_missing_settings(target)  # functions-framework resolves its target once, at start
        return target
    raise AttributeError(name)


def __dir__() -> list[str]:
    return sorted(FUNCTIONS)
