"""Cloud Functions entry module: `--entry-point=<documentedName>` resolves here.

Targets are looked up lazily (PEP 562), so each deployed function imports only
its own module and what that module needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.registry import FUNCTIONS, load


def __getattr__(name: str) -> Callable[..., Any]:
    if name in FUNCTIONS:
        return load(name)
    raise AttributeError(name)


def __dir__() -> list[str]:
    return sorted(FUNCTIONS)
