"""The request pipeline every entry point shares.

One pass per request: CORS preflight, method, body size, authentication, role,
rate limit, JSON parsing, validation against the function's pydantic model, the
handler, JSON serialisation. Every failure leaves through `error_response`, so
each client sees the same envelope whether it came through the emulator's
`invoke` route or straight to the Cloud Function.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import math
import re
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from shared import config, logging, ratelimit
from shared.auth import Caller, Role, caller_from_headers
from shared.errors import (
    AppError,
    ConfigurationError,
    ForbiddenError,
    InvalidInputError,
    MethodNotAllowedError,
    PayloadTooLargeError,
    ServiceUnavailableError,
    UnauthenticatedError,
    UnsupportedMediaTypeError,
)
from shared.firestore import is_storage_failure

if TYPE_CHECKING:
    import flask

CORS_ALLOW_HEADERS = ", ".join(
    [
        "Authorization",
        "Content-Type",
        "Accept",
        "X-App-Id",
        "X-Origin-URL",
        "X-Base44-Anonymous-Id",
        "Base44-Functions-Version",
        "Base44-App-Id",
        "Base44-Api-Url",
        "Base44-Service-Authorization",
        "on-behalf-of",
        "Stripe-Signature",
    ]
)
CORS_EXPOSE_HEADERS = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
# JSON and text answers are data: a browser that renders one anyway runs and loads nothing
# from it. An HTML page (the API docs) sends a policy of its own that allows its own assets;
# files (PDFs, packages) get none, so a browser's own viewer may show them.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HSTS = "max-age=63072000; includeSubDomains"


@dataclass
class Reply:
    """A handler result with a status or headers other than 200 JSON."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass(frozen=True)
class Surface:
    """One HTTP contract over the same domain: how its errors read and which limits it adds."""

    name: str
    envelope: Callable[[AppError], dict[str, Any]] = AppError.envelope
    # Limits that depend on the caller (daily quotas by tier), counted besides the route's own.
    caller_limits: Callable[[Caller], tuple[str, ...]] = lambda _caller: ()
    code: Callable[[type[AppError]], str] = lambda cls: cls.code  # the code an error class answers with
    # Its envelope's JSON schema given the codes it can carry (None: the Base44 `Error` schema).
    error_schema: Callable[[list[str]], dict[str, Any]] | None = None


BASE44 = Surface("base44")
SURFACES: dict[str, Surface] = {BASE44.name: BASE44}
# The 7P Education REST surface, registered by `rest.surface`; named here so that a route
# outside `rest/` (the 7P webhook address) can answer in its envelope.
SEVEN_P = "7p"


def register_surface(surface: Surface) -> None:
    SURFACES[surface.name] = surface


@dataclass(frozen=True)
class Spec:
    """What an entry point requires before its handler runs."""

    name: str
    roles: frozenset[Role] | None = None  # None: any signed-in caller
    anonymous: bool = False  # True: callers without a token are let in
    rate: tuple[str, ...] = ()
    model: type[BaseModel] | None = None
    methods: tuple[str, ...] = ("POST",)
    body: str = "json"  # "json" parsed and validated; "raw" handed over untouched
    # Handlers that write nothing run while the rate limiter's round trip is in flight;
    # a refused call's result is thrown away, which is safe only because nothing was written.
    read_only: bool = False
    settings: tuple[str, ...] = ()  # settings the function cannot work without
    surface: str = BASE44.name  # whose envelope its errors answer in

    @property
    def required_settings(self) -> tuple[str, ...]:
        """Its own settings, plus the token key for every entry point that checks tokens."""
        return self.settings if self.body == "raw" else (config.JWT_SECRET, *self.settings)


def serve(req: flask.Request, spec: Spec, handler: Callable[[Any, Caller], Any]) -> flask.Response:
    """Run the whole pipeline for one request and always answer."""
    started = time.perf_counter()
    logging.bind_request(req.headers.get("Function-Execution-Id"), req.headers.get("X-Cloud-Trace-Context"), spec.name)
    extra_headers: dict[str, str] = {}
    try:
        if req.method == "OPTIONS":
            return _response(Reply("", status=204, content_type="text/plain"), req)
        if req.method not in spec.methods:
            raise MethodNotAllowedError(f"{spec.name} accepts {', '.join(spec.methods)}")
        raw = read_body(req)
        caller = authenticate(req)
        authorize(spec, caller)
        config.check_required(spec.required_settings)
        if spec.body == "raw":
            run = functools.partial(handler, req, caller)
        else:
            payload = parse_json(raw)
            run = functools.partial(handler, validate(spec.model, payload) if spec.model else payload, caller)
        surface = SURFACES[spec.surface]
        admission = ratelimit.begin(spec.rate + surface.caller_limits(caller), caller.rate_key)
        if spec.read_only and not admission.settled_locally:
            verdict, result = _run_beside_commit(admission, run)
            extra_headers.update(verdict.headers() if verdict else {})
        else:
            verdict = admission.settle()
            extra_headers.update(verdict.headers() if verdict else {})
            result = run()
        reply = result if isinstance(result, Reply) else Reply(result)
        reply.headers = {**extra_headers, **reply.headers}
        response = _response(reply, req)
        logging.access(req.method, req.path, response.status_code, started)
        return response
    except Exception as exc:  # noqa: BLE001 - the one place errors become answers
        return error_response(exc, req, extra_headers, surface=spec.surface)


def report_missing_settings(target: Callable[..., Any]) -> list[str]:
    """At cold start: log, by name, every setting the target cannot work without."""
    spec: Spec = target.spec  # type: ignore[attr-defined]
    missing = config.missing(spec.required_settings)
    if missing:
        logging.error(
            f"{spec.name} answers 503 until these settings are configured: {', '.join(missing)}",
            code="CONFIGURATION_ERROR",
            missing=missing,
        )
    return missing


def _run_beside_commit(admission: ratelimit.Admission, run: Callable[[], Any]) -> tuple[Any, Any]:
    """A handler that writes nothing runs while the limiter's commit is in flight."""
    pending = _limiter_pool().submit(admission.settle)
    try:
        result = run()
    finally:
        verdict = pending.result()  # a refusal raises here and the result is dropped
    return verdict, result


@functools.lru_cache(maxsize=1)
def _limiter_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="ratelimit")


def read_body(req: flask.Request) -> bytes:
    limit = config.max_body_bytes()
    if req.content_length is not None and req.content_length > limit:
        raise PayloadTooLargeError(f"Request body exceeds {limit} bytes", details={"limit": limit})
    data = req.stream.read(limit + 1) if req.content_length is None else req.get_data(cache=True)
    if len(data) > limit:
        raise PayloadTooLargeError(f"Request body exceeds {limit} bytes", details={"limit": limit})
    return data


def client_ip(req: flask.Request) -> str:
    """The caller's address: the peer, unless the peer is a trusted proxy.

    Proxies append the address they received from, so X-Forwarded-For is read from
    the right, skipping trusted hops: the first untrusted entry is the client as the
    outermost trusted proxy saw it. Anything to its left was written by the client.
    """
    trusted = config.trusted_proxies()
    peer = _address(req.remote_addr)
    if peer is None:
        return req.remote_addr or ""
    if not _is_trusted(peer, trusted):
        return str(peer)
    hops = ",".join(req.headers.getlist("X-Forwarded-For")).split(",")
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not written by a proxy we trust: the last trusted hop is the best we know
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[config.IPNetwork, ...]) -> bool:
    return any(address in network for network in trusted)


def authenticate(req: flask.Request) -> Caller:
    return caller_from_headers(req.headers, client_ip(req))


def authorize(spec: Spec, caller: Caller) -> None:
    if not caller.is_authenticated:
        if spec.anonymous:
            return
        raise UnauthenticatedError()
    if spec.roles is not None and caller.role not in spec.roles and caller.role != Role.SERVICE:
        raise ForbiddenError(f"{spec.name} requires role {' or '.join(sorted(spec.roles))}")


def parse_json(raw: bytes) -> Any:
    """Empty bodies are `{}`: the SDK sends none for `invoke(name)` without a payload."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaTypeError("Request body must be UTF-8 JSON") from exc
    return load_json(text, "body")


# Client JSON (bodies, `q`, cursors) is held to what Firestore and JSON output can take.
MAX_JSON_DEPTH = 20  # Firestore stores at most 20 levels of maps and arrays
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # Firestore integers are signed 64-bit
_SURROGATE = re.compile("[\ud800-\udfff]")  # lone surrogates: not encodable as UTF-8
_RESERVED_NAME = re.compile(r"^__.*__$", re.DOTALL)  # Firestore reserves these field names


def load_json(text: str, what: str) -> Any:
    """Parse client JSON and check it with `check_input`; any fault is a 400 naming `what`."""
    try:
        value = json.loads(text, parse_int=_int64, parse_float=_finite_float, parse_constant=_no_constant)
    except RecursionError:
        raise _too_deep(what) from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"Malformed JSON {what}", details={"line": exc.lineno, "column": exc.colno}) from exc
    check_input(value, what)
    return value


def check_input(value: Any, what: str) -> None:
    """Nesting depth, text that is valid Unicode, field names Firestore accepts."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item, what)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(what)
        if isinstance(item, dict):
            for key in item:
                _check_text(key, what)
                if _RESERVED_NAME.match(key):
                    raise InvalidInputError(
                        f"Field names starting and ending with __ are reserved (in {what})", details={"field": key}
                    )
        pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))


def _check_text(text: str, what: str) -> None:
    if _SURROGATE.search(text):
        raise InvalidInputError(f"Text in {what} must be valid Unicode (no lone surrogates)")


def _too_deep(what: str) -> InvalidInputError:
    return InvalidInputError(f"JSON {what} is nested too deeply", details={"max_depth": MAX_JSON_DEPTH})


def _int64(text: str) -> int:
    # Checked on the digits first: converting thousands of digits is itself slow.
    value = int(text) if len(text) <= 20 else None
    if value is None or not INT64_MIN <= value <= INT64_MAX:
        raise InvalidInputError("Integers must fit in 64 bits", details={"min": INT64_MIN, "max": INT64_MAX})
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInputError("Numbers must be finite")
    return value


def _no_constant(text: str) -> Any:
    raise InvalidInputError(f"{text} is not JSON")


def validate(model: type[BaseModel], payload: Any) -> BaseModel:
    if not isinstance(payload, dict):
        raise InvalidInputError("Request body must be a JSON object")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InvalidInputError("Invalid parameters", details={"fields": validation_details(exc)}) from exc


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    """Each refused field's location, error type and reason in words; never the input value."""
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "type": err["type"], "message": _reason(err)}
        for err in exc.errors(include_url=False, include_context=False)
    ]


def _reason(err: Any) -> str:
    # A validator's own ValueError reads "Value error, <reason>": the reason is what the user needs.
    message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    value = err.get("input")
    # Some parser messages quote part of what was sent; those fall back to the bare type.
    if (
        isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and len(str(value)) >= 4
        and str(value) in message
    ):
        return f"invalid value ({err['type']})"
    return message


def error_response(
    exc: BaseException,
    req: flask.Request | None,
    headers: dict[str, str] | None = None,
    *,
    surface: str = BASE44.name,
) -> flask.Response:
    """Map any exception to the surface's envelope; unknown ones are logged and answered 500."""
    app_error = to_app_error(exc)
    if isinstance(app_error, ConfigurationError):
        # Expected until an operator sets the value: the message names the setting; a trace adds nothing.
        logging.warning(app_error.message, code=app_error.code, details=app_error.details)
    elif app_error.status >= 500:
        logging.error(
            f"{type(exc).__name__}: {app_error.message}",
            code=app_error.code,
            stack_trace="".join(traceback.format_exception(exc)),
        )
    reply = Reply(SURFACES[surface].envelope(app_error), status=app_error.status)
    reply.headers = {**(headers or {}), **app_error.headers}
    if app_error.retryable and app_error.status == 503:
        reply.headers.setdefault("Retry-After", "5")
    try:
        return _response(reply, req)
    except Exception as failure:  # noqa: BLE001 - an answer must leave even if this one cannot be built
        logging.error(f"Error answer could not be built: {type(failure).__name__}", code="INTERNAL_ERROR")
        return _response(Reply(AppError().envelope(), status=500), None)


def to_app_error(exc: BaseException) -> AppError:
    if isinstance(exc, AppError):
        return exc
    if type(exc).__name__ == "RequestEntityTooLarge":
        return PayloadTooLargeError()
    if type(exc).__module__.startswith("werkzeug") and getattr(exc, "code", None) == 400:
        return InvalidInputError("Malformed request")
    if any(_is_refused_value(cause) for cause in _causes(exc)):
        # Firestore's INVALID_ARGUMENT: a value it cannot store; retrying would not help.
        logging.warning(f"Firestore refused a value: {exc}", code="INVALID_PARAMETERS")
        return InvalidInputError("The data store cannot store a value in this request")
    if any(is_storage_failure(cause) for cause in _causes(exc)):
        # Includes a transaction that gave up after contention (the client raises ValueError from Aborted).
        return ServiceUnavailableError("The data store is unavailable; retry shortly")
    return AppError()


def _is_refused_value(exc: BaseException) -> bool:
    return type(exc).__name__ == "InvalidArgument" and type(exc).__module__.startswith("google.api_core")


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__
    return chain


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(body: Any) -> str:
    return json.dumps(body, default=_json_default, ensure_ascii=False)


def cors_headers(req: flask.Request | None) -> dict[str, str]:
    """Browsers send Origin on every cross-origin call: only allowed origins are answered, other clients never."""
    origin = req.headers.get("Origin") if req is not None else None
    if not origin or not config.cors_origin_allowed(origin):
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
        "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
        "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS,
        "Access-Control-Max-Age": "3600",
        "Vary": "Origin",
    }


def security_headers(content_type: str) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if content_type.startswith(("application/json", "text/plain")):
        headers["Content-Security-Policy"] = DATA_CSP
    if config.is_production():
        headers["Strict-Transport-Security"] = HSTS  # browsers ignore it over plain HTTP (the emulator)
    return headers


def _response(reply: Reply, req: flask.Request | None) -> flask.Response:
    import flask

    if reply.content_type == "application/json" and reply.status != 204:
        # A lone surrogate leaves as its JSON escape rather than failing to encode.
        body: str | bytes = to_json(reply.body).encode("utf-8", "backslashreplace")
    else:
        body = reply.body if isinstance(reply.body, str | bytes) else str(reply.body)
    headers = {**cors_headers(req), **security_headers(reply.content_type), **reply.headers}
    return flask.Response(body, status=reply.status, content_type=reply.content_type, headers=list(headers.items()))
