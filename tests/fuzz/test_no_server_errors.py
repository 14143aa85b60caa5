"""Property: no request, however hostile, gets a 5xx; every 4xx is the documented envelope.

Covers every route of the emulator gateway (from its URL map, path parameters filled
with generated and real values), every documented function, and entity writes
by signed-in callers (valid records with a field or two set to anything), with generated
bodies (deep nesting, lone surrogates, huge integers, wrong types, unknown and
reserved fields), query strings and headers (bad and odd tokens), anonymous and
signed in. Stripe points at a closed local port, so payment functions may answer
only the documented retryable 502/503. Bounded and reproducible: fixed seed,
fixed number of examples, generation only (no shrinking).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from entities import store
from entities.registry import ENTITIES
from shared import config, router
from tests.conftest import TEST_JWT_SECRET
from tests.helpers import refused_url

SEED = 20261130
ROUTE_EXAMPLES = 500
FUNCTION_EXAMPLES = 400
ENVELOPE = {"error", "message", "code", "details", "timestamp"}
SEVEN_P_ENVELOPE = {"success", "error", "code", "details"}  # the 7P REST surface's own
RETRYABLE_UPSTREAM = {"UPSTREAM_ERROR", "SERVICE_UNAVAILABLE"}
STRIPE_SETTINGS = {config.STRIPE_SECRET_KEY, config.STRIPE_WEBHOOK_SECRET}
HR_SETTINGS = {config.BAMBOOHR_API_KEY, config.WORKDAY_TENANT_URL}
# A target that declares one of these calls a service that is unreachable here: 502/503 retryable is right.
OUTSIDE_SETTINGS = STRIPE_SETTINGS | HR_SETTINGS
# Functions that may call the model (with a key configured, which the world below sets).
MODEL_PACKAGE = "functions.ai."
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

# Strings that have broken servers: lone surrogates, Firestore-reserved names, path tricks, sizes.
NASTY_TEXT = [
    "",
    " ",
    "\ud800",
    "a\udfffb",
    "\x00",
    "__name__",
    "__x__",
    ".",
    "..",
    "../etc/passwd",
    "a/b",
    "a\nb",
    "$regex",
    "$where",
    "é☕🎓",
    "\u202e",
    "x" * 2000,
    "9" * 5000,
    "-1",
    "1e999",
    "NaN",
    "null",
    "CERT-2026-ABC234",
    "who@example.test",
]
NASTY_NUMBERS_TEXT = ["1" + "0" * 5000, "18446744073709551616", "-9223372036854775809", "1e400", "NaN", "-Infinity"]


def _deep(depth: int, kind: str) -> str:
    if kind == "or":
        text = '{"title": "x"}'
        for _ in range(depth):
            text = '{"$or": [' + text + "]}"
        return text
    return ("[" if kind == "list" else '{"a": ') * depth + "1" + ("]" if kind == "list" else "}") * depth


texts = st.one_of(st.text(max_size=12), st.sampled_from(NASTY_TEXT))
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)


def json_values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
        max_leaves=12,
    )


QUERY_FIELDS = ["id", "title", "price", "is_published", "tags", "created_date", "meta.rating", "__name__", "a.__x__"]
OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex", "$not", "$options", "$x"]
query_keys = st.one_of(st.sampled_from(QUERY_FIELDS + OPERATORS + ["$or", "$and", "$nor"]), texts)


@st.composite
def queries(draw: st.DrawFn) -> str:
    """A `q` parameter: mostly query-shaped JSON, sometimes hostile text."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from([_deep(300, "or"), _deep(40, "or"), _deep(2000, "list"), "{", "[]", "1"]))
    if choice == 1:
        return '{"price": ' + draw(st.sampled_from(NASTY_NUMBERS_TEXT)) + "}"
    if choice == 2:
        pattern = draw(st.sampled_from(["^(?:.|.){0,28}Q", "(a)\\1", "(?=a)", "a{1000}{1000}", "(", "[", ".*"]))
        options = draw(st.one_of(st.none(), st.sampled_from(["i", "ims", "x", 5, ["i"]]), texts))
        condition: dict[str, Any] = {"$regex": pattern}
        if options is not None:
            condition["$options"] = options
        return json.dumps({draw(st.sampled_from(QUERY_FIELDS)): condition})
    operator = draw(st.sampled_from(OPERATORS))
    value = draw(json_values(query_keys))
    field = draw(st.one_of(st.sampled_from(QUERY_FIELDS), texts))
    query = draw(st.sampled_from([{field: {operator: value}}, {field: value}, {operator: [value]}, value]))
    return json.dumps(query, allow_nan=True)


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    params: dict[str, str] = {}
    if draw(st.booleans()):
        params["q"] = draw(queries())
    for name in draw(st.lists(st.sampled_from(["sort", "limit", "skip", "fields", "cursor", "distinct"]), max_size=3)):
        params[name] = draw(
            st.one_of(
                texts,
                st.sampled_from(
                    ["5", "0", "-1", str(2**31), str(2**64), "title,__name__", "-price", "+id", "eyJrIjpbXX0"]
                ),
            )
        )
    for name in draw(st.lists(st.sampled_from(["expires", "signature", "disposition"]), max_size=3)):
        params[name] = draw(st.one_of(texts, st.sampled_from(["²", "9" * 5000, "1e9", "4102444800"])))
    encoded = {k: v.encode("utf-8", "surrogatepass") for k, v in params.items()}
    return urlencode(encoded)


@st.composite
def bodies(draw: st.DrawFn, field_names: list[str], real: dict[str, list[Any]]) -> bytes | None:
    """A request body: an object over the target's fields (right and wrong values) or hostile text."""
    choice = draw(st.integers(0, 11))
    if choice == 0:
        return None
    if choice == 1:
        return draw(
            st.sampled_from(
                [
                    _deep(300, "list").encode(),
                    _deep(300, "dict").encode(),
                    _deep(21, "dict").encode(),
                    b"\xff\xfe{}",
                    b'{"a": ',
                    b"[1, 2]",
                    b'"text"',
                    b'{"a": NaN}',
                    b'{"a": "\\ud800"}',
                ]
            )
        )
    if choice == 2:
        name = draw(st.sampled_from(field_names or ["a"]))
        return ('{"' + name + '": ' + draw(st.sampled_from(NASTY_NUMBERS_TEXT)) + "}").encode()
    keys = st.one_of(st.sampled_from(field_names or ["a"]), texts)
    value_for = st.one_of(st.sampled_from([v for values in real.values() for v in values]), json_values(keys))
    # Half the bodies carry only the target's own fields, so validation lets some through.
    free_keys = st.one_of(st.sampled_from(field_names or ["a"]), texts)
    body = draw(st.dictionaries(free_keys, value_for, max_size=6)) if draw(st.booleans()) else {}
    for name in (
        draw(st.lists(st.sampled_from(field_names), max_size=len(field_names), unique=True)) if field_names else []
    ):
        body[name] = draw(st.one_of(st.sampled_from(real.get(name, [None])), value_for))
    as_list = choice == 3
    return json.dumps([body] if as_list else body, allow_nan=True).encode("utf-8", "surrogatepass")


def _token(claims: dict[str, Any]) -> str:
    now = int(time.time())
    base = {"sub": "usr_fuzz", "role": "student", "iat": now, "exp": now + 600, "iss": "sparkacademy"}
    return jwt.encode({**base, "aud": "sparkacademy", **claims}, TEST_JWT_SECRET, algorithm="HS256")


@st.composite
def headers(draw: st.DrawFn, tokens: dict[str, str]) -> dict[str, str]:
    odd_tokens = [
        _token({"exp": "9999999999"}),
        _token({"exp": [1]}),
        _token({"exp": int(time.time()) - 10}),
        _token({"role": "root"}),
        _token({"role": ["admin"]}),
        _token({"sub": {"a": 1}}),
        _token({"org": {"a": 1}}),
        _token({"role": "service"}),
        jwt.encode({"sub": "x", "role": "admin"}, "another-secret-of-thirty-two-bytes-or-more", algorithm="HS256"),
        "not.a.token",
        "",
    ]
    kind = draw(st.integers(0, 9))  # mostly anonymous or signed in, so handlers are reached
    if kind < 3:
        auth = None
    elif kind < 8:
        auth = f"Bearer {draw(st.sampled_from(list(tokens.values())))}"
    else:
        auth = draw(
            st.sampled_from([f"Bearer {t}" for t in odd_tokens] + ["Basic abc", "Bearer", "Bearer  ", "bearer x y"])
        )
    out: dict[str, str] = {}
    if auth is not None:
        out["Authorization"] = auth
    if draw(st.integers(0, 9)) == 0:
        out["Base44-Service-Authorization"] = draw(
            st.sampled_from([f"Bearer {t}" for t in [*tokens.values(), *odd_tokens]])
        )
    if draw(st.booleans()):
        out["Content-Type"] = draw(st.sampled_from(["application/json", "text/plain", "multipart/form-data", "x"]))
    if draw(st.integers(0, 4)) == 0:
        out["X-Forwarded-For"] = draw(st.sampled_from(["1.2.3.4", "x, y", "::1, 10.0.0.1", "", "1.2.3.4" * 100]))
    if draw(st.integers(0, 4)) == 0:
        out["Origin"] = "https://app.example.test"
    return out


def _quote_segment(value: str, path: bool) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="/" if path else "")


def _check(resp: Any, method: str, url: str, failures: list[str], stats: dict[str, Any], upstream_ok: bool) -> None:
    stats["requests"] += 1
    stats["statuses"][resp.status_code] += 1
    status = resp.status_code
    where = f"{method} {url[:200]} -> {status}"
    if status >= 400:
        if not resp.content_type.startswith("application/json"):
            failures.append(f"{where}: not JSON ({resp.content_type})")
            return
        body = resp.get_json(silent=True)
        envelope = SEVEN_P_ENVELOPE if router.surface_of(url.partition("?")[0]) != "base44" else ENVELOPE
        if not isinstance(body, dict) or not set(body) >= envelope:
            failures.append(f"{where}: not the envelope: {resp.get_data(as_text=True)[:200]}")
            return
        if status >= 500:
            allowed = (
                upstream_ok and status in (502, 503) and body["code"] in RETRYABLE_UPSTREAM and body.get("retryable")
            )
            if not allowed:
                failures.append(f"{where}: {body['code']} {body['error']}")


FUZZ_SETTINGS = settings(
    max_examples=ROUTE_EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def dead_url() -> Iterator[str]:
    """Where the outside services point: nothing listens there."""
    with refused_url() as url:
        yield url


@pytest.fixture
def world(db: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch, dead_url: str) -> dict[str, Any]:
    """Real records and tokens to aim at, limits off (they would hide handlers), Stripe unreachable."""
    from shared import stripe_client

    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    monkeypatch.setenv(config.STRIPE_SECRET_KEY, "sk_test_fuzz_0123456789")
    monkeypatch.setenv(config.STRIPE_WEBHOOK_SECRET, "whsec_fuzz_0123456789")
    monkeypatch.setenv(config.STRIPE_API_BASE, dead_url)
    monkeypatch.setattr(stripe_client, "MAX_NETWORK_RETRIES", 0)
    monkeypatch.setenv(config.OPENAI_API_KEY, "sk-fuzz")
    monkeypatch.setenv(config.OPENAI_BASE_URL, f"{dead_url}/v1")
    monkeypatch.setenv(config.OPENAI_MAX_RETRIES, "0")
    for setting in (config.ZOOM_WEBHOOK_SECRET, config.DAILY_API_KEY):
        monkeypatch.setenv(setting, "fuzz-video-secret-0123456789")
    monkeypatch.setenv(config.DAILY_WEBHOOK_SECRET, "ZnV6ei12aWRlby1obWFj")
    monkeypatch.setenv(config.DAILY_API_BASE, dead_url)
    monkeypatch.setenv(config.MFA_ENCRYPTION_KEY, Fernet.generate_key().decode())
    monkeypatch.setenv(config.BAMBOOHR_API_KEY, "fuzz-bamboohr-key")
    monkeypatch.setenv(config.BAMBOOHR_SUBDOMAIN, "fuzz")
    monkeypatch.setenv(config.BAMBOOHR_BASE_URL, dead_url)
    monkeypatch.setenv(config.WORKDAY_TENANT_URL, f"{dead_url}/fuzz")
    monkeypatch.setenv(config.WORKDAY_USERNAME, "fuzz")
    monkeypatch.setenv(config.WORKDAY_PASSWORD, "fuzz-password")
    stripe_client.reset_client()
    student, student_token = make_user("student")
    admin, admin_token = make_user("admin")
    course = store.create("Course", {"title": "Fuzzing 101", "price": 10, "is_published": True}, created_by=None)
    from entities.enrollment import enrollment_id

    enrollment = store.create(
        "Enrollment",
        {"course_id": course["id"], "student_email": student["email"]},
        created_by=None,
        id=enrollment_id(course["id"], student["email"]),
    )
    return {
        "tokens": {"student": student_token, "admin": admin_token},
        "real": {
            "appId": ["sparkacademy", "other-app"],
            "entity": [*ENTITIES, "Nope", "__x__"],
            "id": [course["id"], enrollment["id"], student["id"], "__x__", "__name__", "crs_missing"],
            "name": [*router.function_names(), "nope", "__proto__"],
            "code": ["CERT-2026-ABC234", "cert-2026-abc234 ", "CERT-0000-000000"],
            "path": ["certificates/x.pdf", "a/../../b", "x"],
            "title": ["Fuzzing 102"],
            "price": [0, 10],
            "is_published": [True, False],
            "course_id": [course["id"]],
            "student_email": [student["email"]],
            "enrollment_id": [enrollment["id"]],
            "courseId": [course["id"]],
            "courseIds": [[course["id"]], [course["id"], course["id"]]],
            "enrollmentId": [enrollment["id"]],
            "studentEmail": [student["email"]],
            "email": [student["email"], admin["email"]],
            "successUrl": ["https://app.example.test/ok"],
            "cancelUrl": ["https://app.example.test/no"],
            "returnUrl": ["https://app.example.test/back"],
            "sessionId": ["cs_test_123"],
            "startDate": ["2026-01-01"],
            "endDate": ["2026-12-31"],
        },
    }


def _run(gateway: Any, method: str, url: str, body: bytes | None, head: dict[str, str]) -> Any:
    return gateway.open(url, method=method, data=body, headers=head)


def test_every_route_answers_without_a_5xx(gateway: Any, world: dict[str, Any], fuzz_stats: dict[str, Any]) -> None:
    routes = [(r.path, r.methods, bool(OUTSIDE_SETTINGS & set(r.spec.settings))) for r in router.api_routes()]
    routes.append((f"{router.APP}/functions/{{name}}", ("POST",), False))
    real: dict[str, list[Any]] = world["real"]
    failures: list[str] = []
    fuzz_stats["seeds"]["routes"] = SEED

    @FUZZ_SETTINGS
    @seed(SEED)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        path, methods, calls_out = data.draw(st.sampled_from(routes))
        url = path
        for parameter in re.finditer(r"\{(\w+)(:path)?\}", path):
            known = st.sampled_from(real.get(parameter.group(1), ["x"]))
            value = data.draw(known if data.draw(st.integers(0, 4)) else texts.filter(bool))
            url = url.replace(parameter.group(0), _quote_segment(value, bool(parameter.group(2))))
        served = sorted(methods)
        method = data.draw(st.sampled_from(served) if data.draw(st.integers(0, 9)) else st.sampled_from(METHODS))
        fields = ["title", "price", "is_published", "final_project", "created_by", "id", "email", "password"]
        body = data.draw(bodies(fields, real)) if method != "GET" else None
        query = data.draw(query_strings())
        resp = _run(gateway, method, f"{url}?{query}" if query else url, body, data.draw(headers(world["tokens"])))
        _check(resp, method, url, failures, fuzz_stats, upstream_ok=calls_out)

    run()
    assert not failures, f"{len(failures)} bad answers, e.g.:\n" + "\n".join(failures[:15])


def test_every_function_answers_without_a_5xx(gateway: Any, world: dict[str, Any], fuzz_stats: dict[str, Any]) -> None:
    real: dict[str, list[Any]] = world["real"]
    targets: dict[str, tuple[list[str], bool]] = {}
    for function in router.functions():
        name, spec = function.name, function.spec
        fields = sorted(spec.model.model_fields) if spec.model else []
        calls_out = bool(OUTSIDE_SETTINGS & set(spec.settings)) or function.handler.__module__.startswith(MODEL_PACKAGE)
        targets[name] = (fields, calls_out)
    failures: list[str] = []
    fuzz_stats["seeds"]["functions"] = SEED

    @settings(FUZZ_SETTINGS, max_examples=FUNCTION_EXAMPLES)
    @seed(SEED)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(targets)))
        fields, uses_stripe = targets[name]
        url = f"/api/apps/sparkacademy/functions/{name}"
        body = data.draw(bodies(fields, real))
        head = data.draw(headers(world["tokens"]))
        resp = _run(gateway, "POST", url, body, head)
        _check(resp, "POST", url, failures, fuzz_stats, upstream_ok=uses_stripe)

    run()
    assert not failures, f"{len(failures)} bad answers, e.g.:\n" + "\n".join(failures[:15])


WRITE_EXAMPLES = 200


def _valid_but(data: st.DataObject, entity: str, real: dict[str, list[Any]]) -> bytes:
    """The entity's required fields with plausible values, then one or two fields set to anything."""
    model_fields = ENTITIES[entity].model.model_fields
    body: dict[str, Any] = {n: real.get(n, ["x"])[0] for n, f in model_fields.items() if f.is_required()}
    for name in data.draw(st.lists(st.sampled_from(sorted(model_fields)), min_size=1, max_size=2, unique=True)):
        body[name] = data.draw(st.one_of(st.sampled_from(real.get(name, [None])), json_values(texts)))
    return json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")


def test_every_entity_write_answers_without_a_5xx(
    gateway: Any, world: dict[str, Any], fuzz_stats: dict[str, Any]
) -> None:
    """Writes by signed-in callers, with bodies over each entity's own fields: hostile values reach Firestore."""
    real: dict[str, list[Any]] = world["real"]
    record_ids: list[str] = real["id"]
    failures: list[str] = []
    fuzz_stats["seeds"]["entity writes"] = SEED

    @settings(FUZZ_SETTINGS, max_examples=WRITE_EXAMPLES)
    @seed(SEED)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        entity = data.draw(st.sampled_from(sorted(ENTITIES)))
        fields = sorted(ENTITIES[entity].model.model_fields)
        base = f"/api/apps/sparkacademy/entities/{entity}"
        method, url = data.draw(
            st.sampled_from(
                [
                    ("POST", base),
                    ("PUT", f"{base}/{data.draw(st.sampled_from(record_ids))}"),
                    ("POST", f"{base}/bulk"),
                    ("PUT", f"{base}/bulk"),
                    ("PUT", "/api/apps/sparkacademy/entities/User/me"),
                ]
            )
        )
        body = data.draw(bodies(fields, real)) if data.draw(st.integers(0, 3)) == 0 else _valid_but(data, entity, real)
        if url.endswith("/bulk") and body and body[:1] == b"{":
            body = b"[" + body + b"]"
        token = data.draw(st.sampled_from(list(world["tokens"].values())))
        resp = _run(
            gateway, method, url, body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
        _check(resp, method, url, failures, fuzz_stats, upstream_ok=False)

    run()
    assert not failures, f"{len(failures)} bad answers, e.g.:\n" + "\n".join(failures[:15])
