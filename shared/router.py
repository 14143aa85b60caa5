"""Every HTTP entry point, declared once.

A declaration names an entry point's method(s), path, request and response
models, roles, rate limits, the settings it needs and its deployment needs.
From the declarations come the Cloud Functions targets (`main.py`), the `api`
service that serves every route (`dispatch`), the emulator's routes,
`deploy.yaml` (`scripts/deploy.py`) and the OpenAPI document.

Documented functions live one per module, `functions/<area>/<snake_name>.py`,
each declared with `@endpoint`; they are found by name, so adding a function is
adding its module. Other routes (entities, auth, verification, downloads, docs)
are declared with `@route`; declaring registers nothing: the composition point
(`app.api`) names the modules that make up the `api` service and `mount`s them.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared import config
from shared.auth import Caller, Role
from shared.errors import (
    AppError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    MethodNotAllowedError,
    NotFoundError,
)
from shared.http import BASE44, Spec, error_response, serve, validation_details

if TYPE_CHECKING:
    import flask
    from werkzeug.routing import Map

APP = "/api/apps/{appId}"
FUNCTIONS_PACKAGE = "functions"
# The attribute a declared handler carries its routes in, until `mount` serves them.
ROUTES_ATTRIBUTE = "declared_routes"
_PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
H = TypeVar("H", bound=Callable[..., Any])
_FUNCTION_NAME = re.compile(r"^[a-z][A-Za-z0-9]{0,63}$")
# What a documented function's handler may refuse with unless it says otherwise: a record
# the caller may not touch, one that is not there, one that exists already.
RECORD_ERRORS: tuple[type[AppError], ...] = (ForbiddenError, NotFoundError, ConflictError)


@dataclass(frozen=True)
class Deploy:
    """What a Cloud Functions target needs from the platform."""

    memory: str = "256Mi"
    timeout: str = "30s"
    max_instances: int = 50
    env: tuple[tuple[str, str], ...] = ()  # plain settings; secrets come from `Spec.required_settings`


# The `api` service serves every function too, so it gets the largest of their needs.
API_DEPLOY = Deploy(memory="1Gi", timeout="540s", max_instances=100)


@dataclass(frozen=True)
class Route:
    """One entry point: where it answers, what it requires, and what it answers."""

    name: str
    methods: tuple[str, ...]
    path: str  # OpenAPI template: "/api/apps/{appId}/entities/{entity}/{id}"; "{p:path}" spans slashes
    spec: Spec
    handler: Callable[..., Any]
    response: Any = None  # a pydantic model or a type pydantic can describe
    status: int = 200
    query: type[BaseModel] | None = None  # query-string parameters, validated and passed as `query`
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    function: bool = False  # a documented function: a Cloud Functions target of its own
    deploy: Deploy = field(default_factory=Deploy)
    path_schemas: tuple[tuple[str, dict[str, Any]], ...] = ()  # JSON schema of path parameters
    content_type: str = "application/json"  # of a successful answer
    errors: tuple[type[AppError], ...] = ()  # raised by the handler itself, besides the pipeline's own

    @property
    def path_params(self) -> list[str]:
        return [m.group(1) for m in _PARAM.finditer(self.path)]

    def call(self, req: flask.Request, params: Mapping[str, str]) -> flask.Response:
        """Run the shared pipeline with this route's path and query parameters bound."""
        kwargs: dict[str, Any] = {k: v for k, v in params.items() if k != "appId"}

        def handler(body: Any, caller: Caller) -> Any:
            if self.query is not None:
                kwargs["query"] = _validated_query(self.query, req.args)
            return self.handler(body, caller, **kwargs)

        return serve(req, self.spec, handler)


_routes: list[Route] = []
_functions: dict[str, Route] = {}


def _register(route: Route) -> None:
    clash = next((r for r in _routes if r.path == route.path and set(r.methods) & set(route.methods)), None)
    if clash is not None and clash.name != route.name:
        raise RuntimeError(f"{route.name} and {clash.name} both declare {route.methods} {route.path}")
    if clash is None:
        _routes.append(route)
        _table.cache_clear()
        _surface_prefixes.cache_clear()


def _split_doc(handler: Callable[..., Any], module_doc: str | None = None) -> tuple[str, str]:
    text = (handler.__doc__ or module_doc or "").strip()
    summary, _, rest = text.partition("\n")
    return summary.strip(), rest.strip()


def endpoint(
    name: str,
    *,
    request: type[BaseModel] | None = None,
    response: Any = None,
    roles: Iterable[Role] | None = None,
    anonymous: bool = False,
    rate: Iterable[str] = ("functions",),
    read_only: bool = False,
    settings: Iterable[str] = (),
    deploy: Deploy | None = None,
    tags: Iterable[str] = (),
    errors: Iterable[type[AppError]] = RECORD_ERRORS,
) -> Callable[[Callable[..., Any]], Callable[[flask.Request], flask.Response]]:
    """Declare `handler(body, caller)` as the documented function `name`.

    It answers at `POST /api/apps/{appId}/functions/<name>` in the `api` service and
    is a Cloud Functions target of its own. `request` is the payload's model
    (unknown fields refused), `response` the answer's; `roles` limits who may call
    (None: any signed-in caller); `rate` names limits in `shared.ratelimit`;
    `read_only` declares that it writes nothing (see `Spec.read_only`); `settings`
    names the settings it cannot work without (bound as secrets on deploy); `errors`
    the errors its handler raises (the pipeline's own are known from the rest).
    """
    spec = Spec(
        name=name,
        roles=frozenset(roles) if roles is not None else None,
        anonymous=anonymous,
        rate=tuple(rate),
        model=request,
        read_only=read_only,
        settings=tuple(settings),
    )
    return _function_decorator(spec, response, deploy, tags, raw=False, errors=tuple(errors))


def raw_endpoint(
    name: str,
    *,
    rate: Iterable[str] = (),
    settings: Iterable[str] = (),
    response: Any = None,
    paths: Iterable[str | tuple[str, str]] = (),
    deploy: Deploy | None = None,
    tags: Iterable[str] = (),
    errors: Iterable[type[AppError]] = (InvalidInputError,),
) -> Callable[[Callable[..., Any]], Callable[[flask.Request], flask.Response]]:
    """A documented function that authenticates itself (webhooks): `handler(request)`.

    `paths` are further paths it answers at in the `api` service (POST); a `(path, surface)`
    pair answers its errors in that surface's envelope.
    """
    spec = Spec(name=name, anonymous=True, rate=tuple(rate), body="raw", settings=tuple(settings))
    return _function_decorator(spec, response, deploy, tags, raw=True, paths=tuple(paths), errors=tuple(errors))


def _function_decorator(
    spec: Spec,
    response: Any,
    deploy: Deploy | None,
    tags: Iterable[str],
    *,
    raw: bool,
    paths: tuple[str | tuple[str, str], ...] = (),
    errors: tuple[type[AppError], ...] = (),
) -> Callable[[Callable[..., Any]], Callable[[flask.Request], flask.Response]]:
    def decorate(handler: Callable[..., Any]) -> Callable[[flask.Request], flask.Response]:
        module = importlib.import_module(handler.__module__)
        if handler.__module__.rpartition(".")[2] != snake_case(spec.name):
            raise RuntimeError(f"{spec.name} must be declared in a module named {snake_case(spec.name)}.py")
        summary, description = _split_doc(handler, module.__doc__)
        call = (lambda raw_req, _caller: handler(raw_req)) if raw else handler

        @functools.wraps(handler)
        def target(req: flask.Request) -> flask.Response:
            return serve(req, spec, call)

        route = Route(
            name=spec.name,
            methods=spec.methods,
            path=f"{APP}/functions/{spec.name}",
            spec=spec,
            handler=call,
            response=response,
            summary=summary,
            description=description,
            tags=tuple(tags) or (handler.__module__.split(".")[1],),
            function=True,
            deploy=deploy or Deploy(),
            errors=errors,
        )
        _functions[spec.name] = route
        target.spec = spec  # type: ignore[attr-defined]
        target.route = route  # type: ignore[attr-defined]
        # Further paths it answers at in the `api` service, once its module is mounted.
        # A `(path, surface)` pair answers its errors in that surface's envelope.
        further = [(p, spec.surface) if isinstance(p, str) else p for p in paths]
        setattr(
            target,
            ROUTES_ATTRIBUTE,
            tuple(replace(route, path=at, function=False, spec=replace(spec, surface=s)) for at, s in further),
        )
        return target

    return decorate


def route(
    methods: str | Iterable[str],
    path: str,
    *,
    name: str,
    request: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    query: type[BaseModel] | None = None,
    roles: Iterable[Role] | None = None,
    anonymous: bool = False,
    rate: Iterable[str] = ("entity",),
    read_only: bool | None = None,
    settings: Iterable[str] = (),
    tags: Iterable[str] = (),
    path_schemas: Mapping[str, dict[str, Any]] | None = None,
    content_type: str = "application/json",
    errors: Iterable[type[AppError]] = (),
    surface: str = BASE44.name,
    body: str = "json",
) -> Callable[[H], H]:
    """Declare `handler(body, caller, **path_params[, query])` as a route of the `api` service.

    GET routes are read-only unless said otherwise; `surface` names the contract
    (`shared.http.SURFACES`) whose envelope its errors answer in; `body="raw"` hands the
    handler the request itself (an HTML form's POST). The handler is returned unchanged.
    """
    verbs = (methods,) if isinstance(methods, str) else tuple(methods)
    spec = Spec(
        name=name,
        roles=frozenset(roles) if roles is not None else None,
        anonymous=anonymous,
        rate=tuple(rate),
        model=request,
        methods=verbs,
        read_only=verbs == ("GET",) if read_only is None else read_only,
        settings=tuple(settings),
        surface=surface,
        body=body,
    )

    def decorate(handler: H) -> H:
        summary, description = _split_doc(handler)
        declared = Route(
            name=name,
            methods=verbs,
            path=path,
            spec=spec,
            handler=handler,
            response=response,
            status=status,
            query=query,
            summary=summary,
            description=description,
            tags=tuple(tags),
            path_schemas=tuple((path_schemas or {}).items()),
            content_type=content_type,
            errors=tuple(errors),
        )
        setattr(handler, ROUTES_ATTRIBUTE, (*getattr(handler, ROUTES_ATTRIBUTE, ()), declared))
        return handler

    return decorate


# --- finding documented functions --------------------------------------------------


def snake_case(name: str) -> str:
    """`syncBambooHREmployees` -> `sync_bamboo_hr_employees`: an acronym is one word."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", words).lower()


@functools.lru_cache(maxsize=1)
def _function_modules() -> dict[str, str]:
    """Module name (the function's name in snake case) -> module, from the functions package's files alone."""
    root = Path(importlib.import_module(FUNCTIONS_PACKAGE).__file__ or "").parent
    found: dict[str, str] = {}
    for path in sorted(root.glob("*/*.py")):
        if path.stem.startswith("_") or not (path.parent / "__init__.py").exists():
            continue
        found[path.stem] = f"{FUNCTIONS_PACKAGE}.{path.parent.name}.{path.stem}"
    return found


def function_route(name: str) -> Route:
    """The declaration of a documented function, importing only its module; unknown: 404."""
    if name not in _functions:
        module = _function_modules().get(snake_case(name)) if _FUNCTION_NAME.match(name) else None
        if module is not None:
            importlib.import_module(module)
    try:
        return _functions[name]
    except KeyError:
        raise NotFoundError(f"Unknown function {name!r}", details={"function": name}) from None


# The SDKs a function's target imports when it is loaded (at instance start), by the
# area its module is in: its first request then pays no import. Every function reads
# Firestore; the payment functions all call Stripe, the AI functions the model.
PRELOAD_ALL = ("google.cloud.firestore",)
PRELOAD_BY_AREA: dict[str, tuple[str, ...]] = {"payments": ("stripe",), "ai": ("openai",)}


def preloads(name: str) -> tuple[str, ...]:
    """The modules the target of function `name` imports when it is loaded."""
    area = _function_modules()[snake_case(name)].split(".")[1]
    return (*PRELOAD_ALL, *PRELOAD_BY_AREA.get(area, ()))


def load_function(name: str) -> Callable[[flask.Request], flask.Response]:
    """The Cloud Functions target of a documented function."""
    route_ = function_route(name)
    module = importlib.import_module(_function_modules()[snake_case(name)])
    target: Callable[[flask.Request], flask.Response] = getattr(module, _target_attribute(module, route_))
    return target


def _target_attribute(module: Any, route_: Route) -> str:
    for attribute, value in vars(module).items():
        if getattr(value, "route", None) is route_:
            assert isinstance(attribute, str)
            return attribute
    raise RuntimeError(f"{route_.name} has no target in {module.__name__}")


def functions() -> list[Route]:
    """Every documented function, by name (imports every function module)."""
    for module in _function_modules().values():
        importlib.import_module(module)
    return [_functions[name] for name in sorted(_functions)]


def function_names() -> list[str]:
    return [r.name for r in functions()]


def declared_in(module: ModuleType) -> list[Route]:
    """The routes a module's handlers declare, in the order they are defined (handlers it imports are not its own)."""
    return [
        declared
        for value in vars(module).values()
        if callable(value) and getattr(value, "__module__", None) == module.__name__
        for declared in getattr(value, ROUTES_ATTRIBUTE, ())
    ]


def mount(modules: Iterable[ModuleType]) -> None:
    """Serve the routes these modules declare in the `api` service (the composition point calls this once)."""
    for module in modules:
        for declared in declared_in(module):
            _register(declared)


def api_routes() -> list[Route]:
    """The routes the `api` service serves besides the functions: what was mounted."""
    if not _routes:
        raise RuntimeError("No routes are mounted: the composition point (app.api.install) mounts them")
    return list(_routes)


def all_routes() -> list[Route]:
    """Every operation of the API: its routes, then each documented function."""
    return [*api_routes(), *functions()]


# --- serving ------------------------------------------------------------------------


def _werkzeug_path(path: str) -> str:
    return _PARAM.sub(lambda m: f"<{m.group(2) + ':' if m.group(2) else ''}{m.group(1)}>", path)


def _prefix(path: str) -> str:
    """A path's first two segments: `/api/auth/login` -> `/api/auth`."""
    return "/".join(path.split("/")[:3])


@functools.lru_cache(maxsize=1)
def _surface_prefixes() -> dict[str, str]:
    """Path prefixes that only one surface other than Base44 declares routes under."""
    owners: dict[str, set[str]] = {}
    for r in api_routes():
        owners.setdefault(_prefix(r.path), set()).add(r.spec.surface)
    return {prefix: next(iter(s)) for prefix, s in owners.items() if len(s) == 1 and BASE44.name not in s}


def surface_of(path: str) -> str:
    """The surface whose envelope answers a path no route matched."""
    return _surface_prefixes().get(_prefix(path), BASE44.name)


@functools.lru_cache(maxsize=1)
def _table() -> tuple[Map, tuple[Route, ...]]:
    """The URL map of the `api` service and the routes its endpoints index."""
    from werkzeug.routing import Map, Rule

    routes = tuple(api_routes())
    rules = [Rule(_werkzeug_path(r.path), methods=[*r.methods, "OPTIONS"], endpoint=i) for i, r in enumerate(routes)]
    # Every documented function, found by name on first call.
    rules.append(Rule(_werkzeug_path(f"{APP}/functions/{{name}}"), methods=["POST", "OPTIONS"], endpoint=-1))
    return Map(rules, strict_slashes=False, merge_slashes=False), routes


def dispatch(req: flask.Request) -> flask.Response:
    """Answer one request to the `api` service: match its route, check the app, run it."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    path = req.path
    if path.startswith("/api/api/"):  # served behind a URL that keeps the service's own name
        path = path[4:]
    url_map, routes = _table()
    index: int
    params: Mapping[str, Any]
    adapter = url_map.bind("", url_scheme="http")
    try:
        index, params = adapter.match(path, method=req.method)
    except NotFound:
        return error_response(NotFoundError(f"No route for {req.method} {req.path}"), req, surface=surface_of(path))
    except MethodNotAllowed as exc:
        allowed = ", ".join(sorted(m for m in exc.valid_methods or () if m not in ("OPTIONS", "HEAD")))
        refusal = MethodNotAllowedError(f"{req.path} accepts {allowed}", headers={"Allow": allowed})
        return error_response(refusal, req, surface=surface_of(path))
    except Exception as exc:  # noqa: BLE001 - a redirect or anything else still answers the envelope
        return error_response(exc, req, surface=surface_of(path))
    try:
        if "appId" in params and params["appId"] != config.app_id():
            raise NotFoundError(f"Unknown app {params['appId']!r}", details={"app_id": params["appId"]})
        if index == -1:
            target = load_function(params["name"])
            return target(req)
    except Exception as exc:  # noqa: BLE001 - answered with the envelope
        return error_response(exc, req)
    return routes[index].call(req, params)


def _validated_query(model: type[BaseModel], args: Mapping[str, str]) -> BaseModel:
    try:
        return model.model_validate(dict(args))
    except ValidationError as exc:
        raise InvalidInputError("Invalid query parameters", details={"fields": validation_details(exc)}) from exc
