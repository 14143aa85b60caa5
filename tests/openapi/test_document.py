"""The OpenAPI document: valid 3.1, complete, deterministic, and faithful to the declarations."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

from shared import openapi, router


@pytest.fixture(scope="module")
def doc(environment: None) -> dict[str, Any]:
    return openapi.document()


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, item in doc["paths"].items() for method, op in item.items()}


def missing_from(doc: dict[str, Any], routes: list[router.Route]) -> list[str]:
    """Declared operations the document lacks, as 'METHOD path'."""
    present = operations(doc)
    return [
        f"{method} {route.path}"
        for route in routes
        for method in route.methods
        if (method, openapi.openapi_path(route.path)) not in present
    ]


def operation(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(op for op in operations(doc).values() if op["operationId"] == name)


def test_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any violation of the 3.1 schema, dangling $ref included


def test_every_declared_route_and_function_is_documented(doc: dict[str, Any]) -> None:
    routes = router.all_routes()
    assert missing_from(doc, routes) == []
    assert len(operations(doc)) == sum(len(r.methods) for r in routes)
    ids = [op["operationId"] for op in operations(doc).values()]
    assert len(ids) == len(set(ids))
    assert {r.name for r in router.functions()} <= set(ids)


def test_a_route_left_out_is_reported(doc: dict[str, Any]) -> None:
    # GIVEN a document built without one declared route
    routes = router.all_routes()
    partial = openapi.build([r for r in routes if r.name != "entities.count"])
    # THEN the completeness check names it
    assert missing_from(partial, routes) == ["GET /api/apps/{appId}/entities/{entity}/count"]


def test_document_is_deterministic_and_served_as_generated(doc: dict[str, Any], gateway: Any) -> None:
    again = openapi.build(reversed(router.all_routes()))
    assert json.dumps(again) == json.dumps(doc)
    response = gateway.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == json.loads(json.dumps(doc))


def test_roles_give_403_and_leave_out_anonymous_access(doc: dict[str, Any]) -> None:
    op = operation(doc, "listPaidUsers")
    assert op["x-roles"] == ["admin"]
    assert {"401", "403"} <= set(op["responses"])
    assert op["security"] == [{"bearerAuth": []}, {"serviceToken": []}]


def test_anonymous_operations_list_the_empty_requirement(doc: dict[str, Any]) -> None:
    op = operation(doc, "auth.login")
    assert op["security"][0] == {}
    assert op["responses"]["401"] == {"$ref": "#/components/responses/AUTH_REQUIRED.INVALID_CREDENTIALS"}
    assert "403" not in operation(doc, "health")["responses"]


def test_rate_limited_operations_document_limit_headers_and_429(doc: dict[str, Any]) -> None:
    op = operation(doc, "auth.register")
    assert set(op["responses"]["200"]["headers"]) == {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    too_many = doc["components"]["responses"]["RATE_LIMIT_EXCEEDED"]
    assert "Retry-After" in too_many["headers"]
    assert "429" in op["responses"]
    assert "429" not in operation(doc, "health")["responses"]


def test_functions_needing_stripe_document_configuration_and_upstream_errors(doc: dict[str, Any]) -> None:
    op = operation(doc, "createStripeCheckout")
    assert op["responses"]["503"] == {"$ref": "#/components/responses/CONFIGURATION_ERROR.SERVICE_UNAVAILABLE"}
    assert {"402", "502"} <= set(op["responses"])
    assert "502" not in operation(doc, "submitQuiz")["responses"]


def test_validated_bodies_and_queries_give_400_and_their_schemas(doc: dict[str, Any]) -> None:
    op = operation(doc, "submitQuiz")
    assert op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SubmitQuizRequest"
    }
    assert "400" in op["responses"] and "413" in op["responses"]
    listing = operation(doc, "entities.list")
    assert {p["name"] for p in listing["parameters"] if p["in"] == "query"} == {"q", "sort", "limit", "skip", "fields"}
    assert {"400", "404"} <= set(listing["responses"])


def test_declared_response_models_are_used(doc: dict[str, Any]) -> None:
    # GIVEN a route that declares its answer's model
    class HealthResponse(BaseModel):
        ok: bool

    health = next(r for r in router.all_routes() if r.name == "health")
    built = openapi.build([replace(health, response=HealthResponse)])
    # THEN its 200 refers to that model's schema
    success = built["paths"]["/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert success == {"$ref": "#/components/schemas/HealthResponse"}
    assert built["components"]["schemas"]["HealthResponse"]["properties"] == {"ok": {"title": "Ok", "type": "boolean"}}
    validate(built)


def test_error_envelope_is_a_component(doc: dict[str, Any]) -> None:
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message", "code", "details", "timestamp"]
    assert "CONFIGURATION_ERROR" in error["properties"]["code"]["enum"]
