"""The OpenAPI 3.1 document of the API, generated from the route declarations.

Every operation comes from `shared.router.all_routes()`: its parameters, request
and response schemas (from the pydantic models it declares), its security, and the
errors it can answer with. Those errors follow from the declaration, because the
shared pipeline (`shared.http.serve`) decides them: a token is checked on every
call (401), roles give 403, a JSON body or a query gives 400, path parameters
404, rate limits 429 with the limit headers, required settings 503
CONFIGURATION_ERROR, outside services 502/503; the handler's own refusals are the
declaration's `errors`. The document is built once per process and is
deterministic: the same declarations give the same JSON.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from shared import config
from shared.errors import (
    AppError,
    ConfigurationError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentFailedError,
    RateLimitedError,
    ServiceUnavailableError,
    SignInRateLimitedError,
    TokenExpiredError,
    UnauthenticatedError,
    UnsupportedMediaTypeError,
    UpstreamError,
)
from shared.http import BASE44, SURFACES, Surface
from shared.ratelimit import LIMITS
from shared.router import Route, all_routes

TITLE = "SparkAcademy API"
VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
ERROR_SCHEMA = "Error"
BEARER = "bearerAuth"
SERVICE = "serviceToken"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")

# What the client of each outside service turns its failures into (see shared/stripe_client.py).
OUTSIDE_SERVICES: dict[str, tuple[type[AppError], ...]] = {
    config.STRIPE_SECRET_KEY: (PaymentFailedError, UpstreamError, ServiceUnavailableError),
    config.OPENAI_API_KEY: (UpstreamError, ServiceUnavailableError),
}

_RATE_HEADERS = {
    "X-RateLimit-Limit": "Calls allowed in the current window.",
    "X-RateLimit-Remaining": "Calls left in the current window.",
    "X-RateLimit-Reset": "When the window ends (unix seconds).",
}


@functools.lru_cache(maxsize=1)
class OpenApiDocument(BaseModel):
    """An OpenAPI 3.1 document (its full schema is the OpenAPI specification's own)."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


def document() -> dict[str, Any]:
    """The whole document (imports every route and function module)."""
    return build(all_routes())


def build(routes: Iterable[Route]) -> dict[str, Any]:
    routes = list(routes)
    schemas = _Schemas(routes)
    operation_ids = _operation_ids(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route_ in sorted(routes, key=lambda r: (openapi_path(r.path), r.function, r.methods, r.name)):
        for method in route_.methods:
            operation = _operation(route_, method, operation_ids[(id(route_), method)], schemas)
            paths.setdefault(openapi_path(route_.path), {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": (
                "The Base44-compatible API of SparkAcademy: entities, auth, certificates and the documented "
                "functions. Every error answers the `Error` envelope; a known path called with a method it "
                "does not accept answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header."
            ),
        },
        # Relative to this document (served at /api/openapi.json), so the API is found under any prefix.
        "servers": [{"url": "..", "description": "This API"}],
        "tags": [{"name": tag} for tag in sorted({t for r in routes for t in r.tags})],
        "paths": paths,
        "components": {
            "schemas": {**schemas.definitions(), ERROR_SCHEMA: _error_schema(), **_surface_error_schemas(routes)},
            "responses": _error_responses(routes),
            "securitySchemes": {
                BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "A session token."},
                SERVICE: {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Base44-Service-Authorization",
                    "description": "`Bearer <service token>` of a server-to-server caller; it may act for the user "
                    "named by an `on-behalf-of` token.",
                },
            },
        },
    }


def openapi_path(path: str) -> str:
    """The router's template with converters dropped: `{p:path}` becomes `{p}`."""
    return _PATH_PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def _operation_ids(routes: list[Route]) -> dict[tuple[int, str], str]:
    """The route's name, unique: a function also served at another path gets that path appended
    there, and a route of several methods gets the method appended."""
    ids: dict[tuple[int, str], str] = {}
    taken: set[str] = set()
    for route_ in sorted(routes, key=lambda r: (not r.function, r.path)):
        name = route_.name
        if name in taken:
            name = f"{name}.{re.sub(r'[^A-Za-z0-9]+', '_', route_.path).strip('_')}"
        taken.add(name)
        for method in route_.methods:
            ids[(id(route_), method)] = name if len(route_.methods) == 1 else f"{name}.{method.lower()}"
    return ids


# --- one operation --------------------------------------------------------------------


def _operation(route_: Route, method: str, operation_id: str, schemas: _Schemas) -> dict[str, Any]:
    spec = route_.spec
    operation: dict[str, Any] = {"operationId": operation_id, "tags": list(route_.tags)}
    summary = _summary(route_)
    if summary:
        operation["summary"] = summary
    description = "\n\n".join(part for part in (route_.description, _requirements(route_)) if part)
    if description:
        operation["description"] = description
    parameters = _path_parameters(route_) + _query_parameters(route_, schemas)
    if config.STRIPE_WEBHOOK_SECRET in spec.settings:
        parameters.append({"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}})
    if parameters:
        operation["parameters"] = parameters
    body = _request_body(route_, method, schemas)
    if body is not None:
        operation["requestBody"] = body
    operation["responses"] = {**_success(route_, schemas), **_errors(route_, method)}
    operation["security"] = _security(route_)
    if spec.roles is not None:
        operation["x-roles"] = sorted(spec.roles)
    if spec.rate:
        operation["x-rate-limits"] = list(spec.rate)
    return operation


def _summary(route_: Route) -> str:
    """The docstring's first line, without the function's name that module docstrings start with."""
    return route_.summary.removeprefix(f"{route_.name}: ")


def _requirements(route_: Route) -> str:
    spec = route_.spec
    lines = []
    if spec.body == "raw":
        lines.append("Authenticates itself, by a signature over the raw body; no token is needed.")
    elif spec.roles is not None:
        lines.append(f"Roles: {', '.join(sorted(spec.roles))} (or a service token).")
    elif not spec.anonymous:
        lines.append("Any signed-in user.")
    else:
        lines.append("Open to anonymous callers; a token, when sent, must be valid.")
    for name in spec.rate:
        limit = LIMITS[name]
        lines.append(f"Rate limit `{name}`: {limit.limit} calls per {limit.window_seconds} s per caller.")
    if spec.settings:
        lines.append(f"Needs settings: {', '.join(spec.settings)}; without them it answers 503 CONFIGURATION_ERROR.")
    return "\n\n".join(lines)


def _security(route_: Route) -> list[dict[str, list[str]]]:
    if route_.spec.body == "raw":
        return [{}]
    schemes: list[dict[str, list[str]]] = [{BEARER: []}, {SERVICE: []}]
    return [{}, *schemes] if route_.spec.anonymous else schemes


def _path_parameters(route_: Route) -> list[dict[str, Any]]:
    declared = dict(route_.path_schemas)
    parameters = []
    for match in _PATH_PARAM.finditer(route_.path):
        name = match.group(1)
        if name == "appId":
            schema: dict[str, Any] = {"type": "string", "enum": [config.app_id()]}
            description = "The app's id."
        else:
            schema = declared.get(name, {"type": "string", "minLength": 1})
            description = "May contain slashes." if ":path}" in match.group(0) else ""
        parameter = {"name": name, "in": "path", "required": True, "schema": schema}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _query_parameters(route_: Route, schemas: _Schemas) -> list[dict[str, Any]]:
    if route_.query is None:
        return []
    model = schemas.inline(route_.query)
    required = set(model.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _without_null(prop)}
        for name, prop in model.get("properties", {}).items()
    ]


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string has no null: `str | None` is an optional string."""
    options = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if len(options) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**rest, **options[0]}


def _request_body(route_: Route, method: str, schemas: _Schemas) -> dict[str, Any] | None:
    spec = route_.spec
    if spec.body == "raw":
        return {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    if spec.model is not None:
        required = bool(schemas.inline(spec.model).get("required"))
        schema = schemas.ref(spec.model, "validation")
        return {"required": required, "content": {"application/json": {"schema": schema}}}
    if method in _BODY_METHODS:
        return {"required": False, "content": {"application/json": {"schema": {}}}}
    return None


def _success(route_: Route, schemas: _Schemas) -> dict[str, Any]:
    if route_.response is not None:
        schema = schemas.ref(route_.response, "serialization")
    elif route_.content_type == "application/json":
        schema = {}  # not described yet: any JSON value
    else:
        schema = {"type": "string"}
    response: dict[str, Any] = {
        "description": _summary(route_) or "Success",
        "content": {route_.content_type: {"schema": schema}},
    }
    if route_.spec.rate:
        response["headers"] = _rate_headers()
    return {str(route_.status): response}


# --- errors ---------------------------------------------------------------------------


def possible_errors(route_: Route, method: str) -> list[type[AppError]]:
    """Every error class the operation can answer with, from its declaration."""
    spec = route_.spec
    found: list[type[AppError]] = [UnauthenticatedError, TokenExpiredError, ConfigurationError, ServiceUnavailableError]
    if spec.body == "json" or route_.query is not None:
        found.append(InvalidInputError)
    if spec.roles is not None:
        found.append(ForbiddenError)
    if route_.path_params:
        found.append(NotFoundError)
    if method in _BODY_METHODS:
        found.append(PayloadTooLargeError)
        if spec.body == "json":
            found.append(UnsupportedMediaTypeError)
    if spec.rate:
        found.append(RateLimitedError)
    if any(LIMITS[name].sign_in for name in spec.rate):
        found.append(SignInRateLimitedError)
    for setting in spec.settings:
        found.extend(OUTSIDE_SERVICES.get(setting, ()))
    found.extend(route_.errors)
    return found


def _errors(route_: Route, method: str) -> dict[str, Any]:
    """Status -> a reference to the shared response that names the codes possible at that status."""
    surface = SURFACES[route_.spec.surface]
    by_status: dict[int, set[str]] = {}
    for cls in possible_errors(route_, method):
        by_status.setdefault(cls.status, set()).add(surface.code(cls))
    return {
        str(status): {"$ref": f"#/components/responses/{_response_name(surface, sorted(by_status[status]))}"}
        for status in sorted(by_status)
    }


def _response_name(surface: Surface, codes: list[str]) -> str:
    name = ".".join(codes)
    return name if surface is BASE44 else f"{surface.name}.{name}"


def _schema_name(surface: Surface) -> str:
    return ERROR_SCHEMA if surface is BASE44 else f"{ERROR_SCHEMA}.{surface.name}"


def _surface_error_schemas(routes: list[Route]) -> dict[str, Any]:
    """The envelope of every other surface the routes belong to."""
    found: dict[str, Any] = {}
    for name in sorted({r.spec.surface for r in routes} - {BASE44.name}):
        surface = SURFACES[name]
        if surface.error_schema is not None:
            found[_schema_name(surface)] = surface.error_schema(sorted({surface.code(c) for c in _error_classes()}))
    return found


def _error_responses(routes: list[Route]) -> dict[str, Any]:
    """One response per set of codes some operation can answer at one status."""
    code_sets = {
        (surface.name, cls.status, tuple(sorted({surface.code(c) for c in found if c.status == cls.status})))
        for route_ in routes
        for surface in [SURFACES[route_.spec.surface]]
        for method in route_.methods
        for found in [possible_errors(route_, method)]
        for cls in found
    }
    responses: dict[str, Any] = {}
    for surface_name, status, codes in sorted(
        code_sets, key=lambda item: (item[0] != BASE44.name, item[0], ".".join(item[2]))
    ):
        surface = SURFACES[surface_name]
        schema = {
            "allOf": [
                {"$ref": REF.format(model=_schema_name(surface))},
                {"properties": {"code": {"enum": list(codes)}}},
            ]
        }
        response: dict[str, Any] = {
            "description": _error_description(surface, list(codes)),
            "content": {"application/json": {"schema": schema}},
        }
        headers = _error_headers(status)
        if headers:
            response["headers"] = headers
        responses[_response_name(surface, list(codes))] = response
    return responses


def _error_description(surface: Surface, codes: list[str]) -> str:
    reasons = {
        surface.code(UnauthenticatedError): "No valid token: missing where one is required, or malformed or expired.",
        surface.code(ForbiddenError): "The caller's role, or relation to the record, does not allow this.",
        surface.code(NotFoundError): "No such record, function or app.",
    }
    for cls in _error_classes():
        reasons.setdefault(surface.code(cls), cls.default_message + ".")
    return " ".join(f"`{code}`: {reasons[code]}" for code in codes)


def _error_headers(status: int) -> dict[str, Any]:
    if status == RateLimitedError.status:
        return {**_rate_headers(), "Retry-After": _header("Seconds until the window ends.")}
    if status == ServiceUnavailableError.status:
        return {"Retry-After": {**_header("Seconds to wait before retrying (retryable errors)."), "required": False}}
    return {}


def _rate_headers() -> dict[str, Any]:
    return {name: _header(text) for name, text in _RATE_HEADERS.items()}


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer"}}


def _error_schema() -> dict[str, Any]:
    codes = sorted({cls.code for cls in _error_classes()})
    return {
        "type": "object",
        "description": "Every error: `message` repeats `error` (the Base44 SDK reads `message`).",
        "required": ["error", "message", "code", "details", "timestamp"],
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "code": {"type": "string", "enum": codes},
            "details": {"type": "object"},
            "timestamp": {"type": "string", "format": "date-time"},
            "retryable": {"const": True, "description": "Present on errors that are safe to retry."},
        },
        "additionalProperties": False,
    }


def _error_classes() -> list[type[AppError]]:
    """`AppError` and every subclass, parents first."""
    found: list[type[AppError]] = []
    pending: list[type[AppError]] = [AppError]
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


# --- schemas --------------------------------------------------------------------------


class _Schemas:
    """JSON schemas of every declared model, generated together so names never clash."""

    def __init__(self, routes: list[Route]) -> None:
        inputs: dict[tuple[int, str], tuple[Any, str, TypeAdapter[Any]]] = {}
        for route_ in routes:
            for model, mode in ((route_.spec.model, "validation"), (route_.query, "validation")):
                if model is not None:
                    inputs.setdefault((id(model), mode), (model, mode, TypeAdapter(model)))
            if route_.response is not None:
                key = (id(route_.response), "serialization")
                inputs.setdefault(key, (route_.response, "serialization", TypeAdapter(route_.response)))
        ordered = sorted(inputs.values(), key=lambda item: (_type_name(item[0]), item[1]))
        generated, defs = TypeAdapter.json_schemas(
            [(id(model), mode, adapter) for model, mode, adapter in ordered],  # type: ignore[misc]
            ref_template=REF,
        )
        self._schemas = generated
        self._defs: dict[str, Any] = defs.get("$defs", {})

    def ref(self, model: Any, mode: str) -> dict[str, Any]:
        return self._schemas[(id(model), mode)]  # type: ignore[index]

    def inline(self, model: Any) -> dict[str, Any]:
        """A model's own schema (for reading its properties), not a reference to it."""
        schema = self.ref(model, "validation")
        ref = schema.get("$ref", "")
        return self._defs[ref.rpartition("/")[2]] if ref else schema

    def definitions(self) -> dict[str, Any]:
        return dict(sorted(self._defs.items()))


def _type_name(model: Any) -> str:
    return f"{getattr(model, '__module__', '')}.{getattr(model, '__qualname__', repr(model))}"
