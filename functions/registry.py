"""Documented function name -> "module:attribute" of its HTTP target.

Names enter this table when they work. Modules are imported only when their
function is asked for, so a deployed function loads just what it uses.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from shared.errors import NotFoundError

FUNCTIONS: dict[str, str] = {
    "listPaidUsers": "functions.admin.list_paid_users:list_paid_users",
}


def load(name: str) -> Callable[..., Any]:
    """The HTTP target of a documented function; unknown names are a 404."""
    try:
        path = FUNCTIONS[name]
    except KeyError:
        raise NotFoundError(f"Unknown function {name!r}", details={"function": name}) from None
    module_name, _, attribute = path.partition(":")
    target: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return target
