"""The API's documentation pages: Swagger UI and Redoc over `/api/openapi.json`.

Their scripts and styles come from PyPI packages that ship the built files
(`swagger-ui-bundle-v2`, `flask-openapi3-redoc`) and are served by the API
itself, so the pages need nothing from another host. Every URL in the pages is
relative to `/api/`, so they work behind any prefix.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from importlib import resources
from importlib.abc import Traversable

from shared.openapi import TITLE

SCRIPTS = ("redoc.standalone.js", "swagger-ui-bundle.js")
STYLESHEETS = ("swagger-ui.css",)

SWAGGER_UI_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{TITLE}</title>
  <link rel="stylesheet" href="docs/css/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/js/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: "openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      displayOperationId: true,
      defaultModelsExpandDepth: 0,
    }});
  </script>
</body>
</html>
"""

REDOC_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{TITLE}</title>
  <style>body {{ margin: 0; padding: 0; }}</style>
</head>
<body>
  <div id="redoc"></div>
  <script src="docs/js/redoc.standalone.js"></script>
  <script>Redoc.init("openapi.json", {{}}, document.getElementById("redoc"));</script>
</body>
</html>
"""


def _inline_script_hashes(*pages: str) -> str:
    found = re.findall(r"<script>(.*?)</script>", "".join(pages), flags=re.DOTALL)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in found)


# The pages' own scripts (files and the inline starters, by hash), their styles (the
# bundles set inline ones), images and fonts as data URLs, and Redoc's blob worker.
PAGE_CSP = (
    f"default-src 'none'; script-src 'self' {_inline_script_hashes(SWAGGER_UI_PAGE, REDOC_PAGE)}; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def _asset_file(name: str) -> Traversable:
    if name == "redoc.standalone.js":
        return resources.files("flask_openapi3_redoc") / "templates" / "redoc" / "js" / name
    from swagger_ui_bundle import swagger_ui_path

    return swagger_ui_path / name


@functools.lru_cache(maxsize=len(SCRIPTS) + len(STYLESHEETS))
def asset(name: str) -> bytes:
    """The bytes of one packaged script or stylesheet (names are checked by the route)."""
    return _asset_file(name).read_bytes()
