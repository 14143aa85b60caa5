"""The 7P surface in the OpenAPI document, and the Postman collection generated from it."""

from __future__ import annotations

from typing import Any

from tests.rest.conftest import API

SEVEN_P = (
    ("post", "/api/auth/login"),
    ("post", "/api/auth/register"),
    ("post", "/api/auth/logout"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/reset-password"),
    ("post", "/api/auth/reset-password/confirm"),
    ("post", "/api/auth/mfa/setup"),
    ("post", "/api/auth/mfa/verify-activate"),
    ("post", "/api/auth/mfa/verify"),
    ("post", "/api/auth/mfa/disable"),
    ("get", "/api/auth/sessions"),
    ("delete", "/api/auth/sessions/{id}"),
    ("post", "/api/auth/api-keys"),
    ("get", "/api/auth/api-keys"),
    ("delete", "/api/auth/api-keys/{id}"),
)


def _resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


def test_every_endpoint_is_documented_with_the_seven_p_envelope(gateway: Any) -> None:
    document = gateway.get("/api/openapi.json").get_json()
    for method, path in SEVEN_P:
        operation = document["paths"][path][method]
        unauthorized = _resolve(document, operation["responses"]["401"]["$ref"])
        schema = unauthorized["content"]["application/json"]["schema"]["allOf"]
        envelope = _resolve(document, schema[0]["$ref"])
        assert envelope["required"] == ["success", "error", "code", "details"], path
        assert "AUTH_TOKEN_EXPIRED" in schema[1]["properties"]["code"]["enum"], path
    login = document["paths"]["/api/auth/login"]["post"]["responses"]
    codes = _resolve(document, login["429"]["$ref"])["content"]["application/json"]["schema"]["allOf"][1]
    assert codes["properties"]["code"]["enum"] == ["AUTH_RATE_LIMIT_EXCEEDED", "RATE_LIMIT_EXCEEDED"]
    assert "423" in login
    # the Base44 surface keeps its own envelope
    base44 = document["paths"]["/api/apps/{appId}/auth/login"]["post"]["responses"]["401"]["$ref"]
    assert _resolve(document, base44)["content"]["application/json"]["schema"]["allOf"][0]["$ref"].endswith("/Error")


def test_the_postman_collection_has_every_operation(gateway: Any) -> None:
    document = gateway.get("/api/openapi.json").get_json()
    resp = gateway.get(f"{API}/postman-collection.json")
    collection = resp.get_json()
    assert resp.status_code == 200
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    requests = {
        (item["request"]["method"], item["request"]["url"]["raw"])
        for folder in collection["item"]
        for item in folder["item"]
    }
    operations = {
        (method.upper(), "{{baseUrl}}" + path.replace("{", ":").replace("}", ""))
        for path, ops in document["paths"].items()
        for method in ops
    }
    assert requests == operations
    auth = next(f for f in collection["item"] if f["name"] == "7p")["item"]
    login = next(i for i in auth if i["request"]["url"]["raw"] == "{{baseUrl}}/api/auth/login")
    assert "auth" not in login["request"]  # the collection's bearer token, when set
    webhooks = [i for f in collection["item"] for i in f["item"] if i["request"]["url"]["raw"].endswith("webhook")]
    assert webhooks and all(i["request"]["auth"] == {"type": "noauth"} for i in webhooks)  # signed, not bearer
    assert '"email"' in login["request"]["body"]["raw"] and '"remember_me": false' in login["request"]["body"]["raw"]
    end = next(i for i in auth if i["request"]["url"]["raw"] == "{{baseUrl}}/api/auth/sessions/:id")
    assert end["request"]["url"]["variable"] == [{"key": "id", "value": ""}] and "auth" not in end["request"]
