"""The documentation pages, rendered by headless Chromium from the running emulator.

The pages load their scripts from the API itself, so this passes with no network
beyond the emulator. Chromium is Debian's package (scripts/test.sh installs it).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared import router
from tests.browser import rendered_dom


def test_swagger_ui_page_shows_every_operation(live_gateway: str, tmp_path: Path) -> None:
    # GIVEN the emulator serving the API; WHEN Chromium renders /api/docs
    dom = rendered_dom(f"{live_gateway}/api/docs", tmp_path)
    # THEN Swagger UI lists every operation by id, none failed to load
    shown = set(re.findall(r'class="opblock-summary-operation-id">([^<]+)<', dom))
    assert {r.name for r in router.functions()} | {"entities.list", "auth.login", "docs.openapi"} <= shown
    assert len(shown) == sum(len(r.methods) for r in router.all_routes())
    assert "Failed to load API definition" not in dom


def test_redoc_page_shows_the_operations(live_gateway: str, tmp_path: Path) -> None:
    dom = rendered_dom(f"{live_gateway}/api/redoc", tmp_path)
    assert "/api/apps/{appId}/functions/submitQuiz" in dom
    assert "/api/certificates/verify/{code}" in dom
    assert "Sign in with email and password." in dom
    assert "Something went wrong" not in dom


@pytest.mark.parametrize("path", ["/api/docs", "/api/redoc"])
def test_pages_load_nothing_from_other_hosts(gateway: object, path: str) -> None:
    page = gateway.get(path).get_data(as_text=True)  # type: ignore[attr-defined]
    assert re.findall(r'(?:src|href)="([^"]+)"', page) in (
        ["docs/css/swagger-ui.css", "docs/js/swagger-ui-bundle.js"],
        ["docs/js/redoc.standalone.js"],
    )
    assert "//" not in page


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/docs/js/swagger-ui-bundle.js", "text/javascript"),
        ("/api/docs/js/redoc.standalone.js", "text/javascript"),
        ("/api/docs/css/swagger-ui.css", "text/css"),
    ],
)
def test_page_assets_are_served_by_the_api(gateway: object, path: str, content_type: str) -> None:
    response = gateway.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert len(response.data) > 100_000
    assert response.headers["Cache-Control"] == "public, max-age=86400"
