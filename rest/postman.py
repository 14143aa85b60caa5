"""A Postman collection (v2.1) of the whole API, generated from its OpenAPI document.

One folder per tag, one request per operation, with its path variables, an
example JSON body built from the request schema, and bearer auth from the
`accessToken` variable; `baseUrl` points at this server.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from rest.responses import PostmanCollection
from rest.surface import rest_route
from shared import config, openapi
from shared.auth import Caller

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
_PARAM = re.compile(r"^\{(\w+)\}$")


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rpartition("/")[2], {})
    return schema


def _example(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    schema = _resolve(schema, components)
    if "example" in schema:
        return schema["example"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(o, components).get("type") != "null"]
            return _example(options[0], components, depth) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return {}
        return {name: _example(prop, components, depth + 1) for name, prop in schema.get("properties", {}).items()}
    return {"string": "", "integer": 0, "number": 0, "boolean": False, "array": []}.get(str(kind))


def _request(path: str, method: str, operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    segments = [s for s in path.split("/") if s]
    variables = [m.group(1) for m in (_PARAM.match(s) for s in segments) if m]
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}" + re.sub(r"\{(\w+)\}", r":\1", path),
        "host": ["{{baseUrl}}"],
        "path": [re.sub(r"^\{(\w+)\}$", r":\1", s) for s in segments],
    }
    if variables:
        url["variable"] = [{"key": v, "value": config.app_id() if v == "appId" else ""} for v in variables]
    request: dict[str, Any] = {"method": method.upper(), "header": [], "url": url}
    if operation.get("description"):
        request["description"] = operation["description"]
    if operation.get("security") == [{}]:  # authenticates itself (webhooks)
        request["auth"] = {"type": "noauth"}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        example = _example(body.get("schema", {}), components)
        request["body"] = {
            "mode": "raw",
            "raw": openapi_json(example if example is not None else {}),
            "options": {"raw": {"language": "json"}},
        }
    return request


def openapi_json(value: Any) -> str:
    return json.dumps(value, indent=2)


def collection(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    components = document.get("components", {}).get("schemas", {})
    folders: dict[str, list[dict[str, Any]]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            item = {
                "name": operation.get("summary") or operation["operationId"],
                "request": _request(path, method, operation, components),
            }
            folders.setdefault((operation.get("tags") or ["other"])[0], []).append(item)
    return {
        "info": {
            "name": document["info"]["title"],
            "description": document["info"].get("description", ""),
            "schema": SCHEMA,
        },
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}]},
        "variable": [{"key": "baseUrl", "value": base_url}, {"key": "accessToken", "value": ""}],
        "item": [{"name": tag, "item": items} for tag, items in sorted(folders.items())],
    }


@functools.lru_cache(maxsize=4)
def _built(base_url: str) -> dict[str, Any]:
    return collection(openapi.document(), base_url)


@rest_route(
    "GET",
    "/postman-collection.json",
    name="docs.postmanCollection",
    response=PostmanCollection,
    anonymous=True,
    rate=(),
    tags=("docs",),
)
def postman_collection(_body: Any, _caller: Caller) -> Any:
    """A Postman collection of every operation, generated from the OpenAPI document."""
    return _built(config.public_base_url())
