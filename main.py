"""Cloud Functions entry module.

`--entry-point=api` serves the whole Base44 API, as `app.api` assembles it;
`--entry-point=<documentedName>` serves one documented function;
`--entry-point=jobWorker` runs the background jobs Pub/Sub pushes to it (`shared.queue`),
deployed without public access. Targets are
looked up lazily (PEP 562), so a deployed function imports only its own module
and the SDKs it uses (`router.preloads`), at start rather than on its first request.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app import security
from shared import queue, router
from shared.errors import NotFoundError
from shared.http import report_missing_settings

if TYPE_CHECKING:
    import flask


# Every target tells who is calling alike: session tokens, and API keys (`app.security`).
security.install()


def jobWorker(request: flask.Request) -> flask.Response:
    """One delivery of a background job from the job queue's push subscription."""
    return queue.handle_push(request)


def __getattr__(name: str) -> Callable[..., Any]:
    if name == "api":
        return _api_service()
    try:
        target = router.load_function(name)
    except NotFoundError as exc:  # what functions-framework expects for an unknown target
        raise AttributeError(name) from exc
    report_missing_settings(target)  # functions-framework resolves its target once, at start
    for module in router.preloads(name):
        importlib.import_module(module)
    return target


def _api_service() -> Callable[[flask.Request], flask.Response]:
    """The `api` target, assembled when it is resolved: a function's own target never loads the whole API."""
    from app import api as service

    service.install()
    return service.dispatch


def __dir__() -> list[str]:
    return ["api", "jobWorker", *router.function_names()]
