"""Each class of hostile input is a 4xx in the documented envelope: never a 500, never a partial write."""

from __future__ import annotations

import json
import time
from typing import Any

import flask
import jwt
import pytest

from entities.base import check_id
from shared.errors import InvalidInputError
from shared.http import MAX_JSON_DEPTH, Reply, Spec, serve
from tests.conftest import TEST_JWT_SECRET
from tests.helpers import bearer

APP = "/api/apps/sparkacademy"
COURSES = f"{APP}/entities/Course"
INVOKE = f"{APP}/functions/listPaidUsers"
JSON = {"Content-Type": "application/json"}


def _envelope(resp: Any, status: int = 400) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.content_type == "application/json"
    body = resp.get_json()
    assert set(body) >= {"error", "message", "code", "details", "timestamp"}
    assert body["error"] == body["message"] and body["message"]
    return body


def _nested(depth: int) -> str:
    """A value that, inside a top-level object, makes the whole text `depth` levels deep."""
    return '{"a": ' * (depth - 1) + "1" + "}" * (depth - 1)


def _deep_or(depth: int) -> str:
    q = '{"title": "x"}'
    for _ in range(depth):
        q = '{"$or": [' + q + "]}"
    return q


@pytest.fixture
def admin(make_user: Any) -> dict[str, str]:
    return {**bearer(make_user("admin")[1]), **JSON}


def _courses(db: Any) -> list[Any]:
    return list(db.collection("Course").stream())


@pytest.mark.parametrize(
    "body",
    [
        '{"title": "T", "final_project": ' + _nested(300) + "}",  # deep enough to overflow the JSON parser
        '{"title": "T", "final_project": ' + _nested(MAX_JSON_DEPTH + 1) + "}",  # one level past the limit
        '{"title": "\\ud800"}',  # a lone surrogate
        '{"title": "T", "final_project": {"\\udfff": 1}}',  # ... in a field name
        '{"title": "T", "duration": 1' + "0" * 5000 + "}",  # past Python's 4,300-digit conversion limit
        '{"title": "T", "duration": 18446744073709551616}',  # past 64 bits
        '{"title": "T", "price": 1e400}',
        '{"title": "T", "price": NaN}',
        '{"title": "T", "final_project": {"__name__": 1}}',  # Firestore-reserved field names
        '{"title": "T", "final_project": {"a": {"__x__": 1}}}',
        '{"title": "T", "created_by": {"email": "x@example.test"}}',
        '{"title": "T", "final_project": {"a": [[1]]}}',  # Firestore stores no array inside an array
    ],
)
def test_hostile_bodies_are_a_400_and_write_nothing(gateway: Any, db: Any, admin: dict[str, str], body: str) -> None:
    _envelope(gateway.post(COURSES, data=body, headers=admin))
    assert _courses(db) == []


def test_nesting_up_to_the_limit_is_accepted(gateway: Any, admin: dict[str, str]) -> None:
    body = '{"title": "T", "final_project": ' + _nested(MAX_JSON_DEPTH) + "}"
    resp = gateway.post(COURSES, data=body, headers=admin)
    assert resp.status_code == 201, resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "q",
    [
        _deep_or(300),
        _deep_or(MAX_JSON_DEPTH),
        '{"title": "\\ud800"}',
        '{"\\ud800": 1}',  # once answered with an HTML 500: the field name came back in `details`
        '{"title": {"$regex": "\\udc00"}}',
        '{"duration": 1' + "0" * 5000 + "}",
        '{"duration": {"$gt": 99999999999999999999}}',
        '{"__name__": "x"}',
        '{"__x__": 1}',
        '{"meta.__x__": 1}',
        '{"title": {"$in": [' + ",".join(["1"] * 501) + "]}}",
    ],
)
def test_hostile_queries_are_a_400(gateway: Any, db: Any, q: str) -> None:
    _envelope(gateway.get(COURSES, query_string={"q": q}))


@pytest.mark.parametrize(
    "args",
    [
        {"skip": str(2**64)},
        {"skip": str(2**31)},
        {"skip": "9" * 5000},
        {"skip": "-1"},
        {"limit": str(2**64)},
        {"sort": "__name__"},
        {"sort": "-a.__x__"},
        {"fields": "title,__name__"},
    ],
)
def test_query_bounds_are_a_400(gateway: Any, db: Any, args: dict[str, str]) -> None:
    _envelope(gateway.get(COURSES, query_string=args))


def test_a_forged_cursor_is_a_400(gateway: Any, db: Any) -> None:
    import base64

    from entities.store import _fingerprint

    fingerprint = _fingerprint(None)
    for key in ([3, {"a": 1}, "x"], ["a", 1, "x"], [2, "text", "x"], [True, 1, "x"], "[" * 300 + "]" * 300):
        state = {"k": key, "f": fingerprint, "s": "-created_date", "fl": None}
        cursor = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
        _envelope(gateway.get(f"{COURSES}/v2/list", query_string={"cursor": cursor}))


@pytest.mark.parametrize("entity_id", ["__x__", "__name__", "____", ".", "..", "a\n", "a/b", "x" * 129])
def test_firestore_reserved_and_malformed_ids_are_refused(entity_id: str) -> None:
    with pytest.raises(InvalidInputError):
        check_id(entity_id)


@pytest.mark.parametrize("entity_id", ["__x__", "__name__"])
def test_reserved_ids_in_routes_are_a_400_not_a_retryable_503(
    gateway: Any, admin: dict[str, str], entity_id: str
) -> None:
    for method in ("get", "put", "delete"):
        body = _envelope(getattr(gateway, method)(f"{COURSES}/{entity_id}", json={"title": "x"}, headers=admin))
        assert "retryable" not in body


@pytest.mark.parametrize("expires", ["²", "9" * 5000, "1e9", "-5", " 5"])
def test_a_blob_link_whose_expiry_is_not_a_plain_number_is_refused(gateway: Any, expires: str) -> None:
    resp = gateway.get("/blobs/certificates/x.pdf", query_string={"expires": expires, "signature": "ab"})
    _envelope(resp, 403)


@pytest.mark.parametrize("exp", ["9999999999", "soon", [1], {"a": 1}, True, None])
def test_a_token_whose_exp_is_not_a_number_is_a_401(gateway: Any, db: Any, exp: Any) -> None:
    now = int(time.time())
    claims = {"sub": "usr_x", "role": "admin", "iat": now, "exp": exp, "iss": "sparkacademy", "aud": "sparkacademy"}
    token = jwt.encode(claims, TEST_JWT_SECRET, algorithm="HS256")
    body = _envelope(gateway.post(INVOKE, json={}, headers=bearer(token)), 401)
    assert body["code"] == "AUTH_REQUIRED"


@pytest.mark.parametrize(
    "claims",
    [{"sub": ["usr_x"]}, {"role": ["admin"]}, {"role": {"a": 1}}, {"org": {"a": 1}}, {"iat": "now"}, {"nbf": "x"}],
)
def test_a_token_with_claims_of_the_wrong_type_is_a_401(gateway: Any, db: Any, claims: dict[str, Any]) -> None:
    now = int(time.time())
    base = {"sub": "usr_x", "role": "admin", "iat": now, "exp": now + 60, "iss": "sparkacademy", "aud": "sparkacademy"}
    token = jwt.encode({**base, **claims}, TEST_JWT_SECRET, algorithm="HS256")
    _envelope(gateway.post(INVOKE, json={}, headers=bearer(token)), 401)


# --- whatever a handler returns or raises, the answer is the JSON envelope ----------------------


def _serve(handler: Any) -> Any:
    app = flask.Flask(__name__)
    spec = Spec(name="probe", anonymous=True, rate=(), methods=("GET",))
    with app.test_request_context("/probe"):
        return serve(flask.request, spec, handler)


def test_output_that_is_not_json_serialisable_is_a_500_envelope(db: Any) -> None:
    _envelope(_serve(lambda _p, _c: {"value": object()}), 500)


def test_text_with_a_lone_surrogate_still_leaves_as_json(db: Any) -> None:
    resp = _serve(lambda _p, _c: {"value": "a\ud800b"})
    assert resp.status_code == 200 and json.loads(resp.get_data()) == {"value": "a\ud800b"}


def test_an_error_whose_details_cannot_be_encoded_is_still_the_envelope(db: Any) -> None:
    def handler(_p: Any, _c: Any) -> Any:
        raise InvalidInputError("bad \udc00", details={"field": "\ud800", "value": object()})

    body = _envelope(_serve(handler), 500)
    assert body["code"] == "INTERNAL_ERROR"


def test_a_reply_whose_body_cannot_be_built_is_the_envelope(db: Any) -> None:
    _envelope(_serve(lambda _p, _c: Reply({1, 2, object()})), 500)


def test_a_value_firestore_refuses_is_a_400_not_a_retryable_503() -> None:
    import grpc
    from google.api_core.exceptions import InvalidArgument

    from shared.http import to_app_error

    # As the client raises it: the API error, caused by the gRPC error beneath it.
    refused = InvalidArgument("Property value is too long to index")
    refused.__cause__ = grpc.RpcError()
    outer = RuntimeError("commit failed")
    outer.__cause__ = refused
    error = to_app_error(outer)
    assert (error.status, error.code, error.retryable) == (400, "INVALID_PARAMETERS", False)
