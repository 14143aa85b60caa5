"""How this part of the 7P surface declares its routes: paths under `/api`, tagged `7p`.

One place to change when the surface's own declaration (its error envelope, limits and
quotas) is available: every route of the courses, marketplace, payments and admin
modules is declared through `rest_route` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from shared import router

BASE = "/api"
RATE = ("entity",)
PAYMENT_RATE = ("payments",)


def rest_route(
    methods: str | Iterable[str],
    path: str,
    *,
    name: str,
    rate: Iterable[str] = RATE,
    tags: Iterable[str] = ("7p",),
    **kwargs: Any,
) -> Callable[[router.H], router.H]:
    """Declare a route of this surface: `path` is under `/api` (e.g. "/courses")."""
    return router.route(methods, f"{BASE}{path}", name=name, rate=rate, tags=tags, **kwargs)
