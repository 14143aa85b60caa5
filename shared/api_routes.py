"""Routes of the `api` service about the service itself: health and the API's documentation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypedDict

from shared import api_docs, openapi
from shared.auth import Caller
from shared.errors import NotFoundError
from shared.http import Reply
from shared.models import ResponseModel
from shared.router import route


class _DocsRoute(TypedDict):
    """What every documentation route declares alike: public, not rate limited, tagged `docs`."""

    anonymous: bool
    rate: Iterable[str]
    tags: Iterable[str]


class Health(ResponseModel):
    ok: Literal[True]


_DOCS: _DocsRoute = {"anonymous": True, "rate": (), "tags": ("docs",)}
_CACHED = {"Cache-Control": "public, max-age=86400"}
_PAGE = {"Content-Security-Policy": api_docs.PAGE_CSP}


@route("GET", "/health", name="health", anonymous=True, rate=(), tags=("service",), response=Health)
def health(_body: Any, _caller: Caller) -> Any:
    """Liveness: answers while the process serves requests."""
    return {"ok": True}


@route("GET", "/api/openapi.json", name="docs.openapi", response=openapi.OpenApiDocument, **_DOCS)
def openapi_document(_body: Any, _caller: Caller) -> Any:
    """This API's OpenAPI 3.1 document, generated from its route declarations."""
    return openapi.document()


@route("GET", "/api/docs", name="docs.swaggerUi", content_type="text/html", **_DOCS)
def swagger_ui(_body: Any, _caller: Caller) -> Reply:
    """The API's reference as an interactive Swagger UI page."""
    return Reply(api_docs.SWAGGER_UI_PAGE, content_type="text/html; charset=utf-8", headers=_PAGE)


@route("GET", "/api/redoc", name="docs.redoc", content_type="text/html", **_DOCS)
def redoc(_body: Any, _caller: Caller) -> Reply:
    """The API's reference as a Redoc page."""
    return Reply(api_docs.REDOC_PAGE, content_type="text/html; charset=utf-8", headers=_PAGE)


@route(
    "GET",
    "/api/docs/js/{name}",
    name="docs.script",
    content_type="text/javascript",
    path_schemas={"name": {"type": "string", "enum": list(api_docs.SCRIPTS)}},
    **_DOCS,
)
def script(_body: Any, _caller: Caller, name: str) -> Reply:
    """A script of the documentation pages."""
    return _asset(name, api_docs.SCRIPTS, "text/javascript; charset=utf-8")


@route(
    "GET",
    "/api/docs/css/{name}",
    name="docs.stylesheet",
    content_type="text/css",
    path_schemas={"name": {"type": "string", "enum": list(api_docs.STYLESHEETS)}},
    **_DOCS,
)
def stylesheet(_body: Any, _caller: Caller, name: str) -> Reply:
    """A stylesheet of the documentation pages."""
    return _asset(name, api_docs.STYLESHEETS, "text/css; charset=utf-8")


def _asset(name: str, allowed: tuple[str, ...], content_type: str) -> Reply:
    if name not in allowed:
        raise NotFoundError(f"No documentation asset {name!r}")
    return Reply(api_docs.asset(name), content_type=content_type, headers=_CACHED)
