"""Answers the OpenAPI fuzzing found outside the document, kept as plain regressions."""

from __future__ import annotations

from typing import Any


def test_path_flask_cannot_route_answers_the_envelope(gateway: Any) -> None:
    # GIVEN an app id with a newline in it, which Flask's own `<path:...>` rule does not match
    # WHEN it is called
    response = gateway.post("/api/apps/spark%0Aacademy/auth/logout")
    # THEN the answer is the JSON envelope, not Flask's HTML page
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json()["code"] == "RESOURCE_NOT_FOUND"


def test_unknown_verb_answers_the_envelope(gateway: Any) -> None:
    response = gateway.open("/health", method="TRACE")
    assert response.status_code == 405
    assert response.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["Allow"] == "GET"
