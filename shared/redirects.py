"""Redirect targets a client names: followed only onto an allowed origin, never an open redirect."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from shared import config
from shared.errors import ConfigurationError, InvalidInputError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def checked(url: str | None) -> str:
    """`url` if it lies on an allowed origin; a path is taken on the public base URL; none means the base URL.

    Anything else (another origin, `//host`, `javascript:`, backslashes, control
    characters or user info that browsers read differently) is a 400.
    """
    base = config.public_base_url()
    if not url:
        return f"{base}/"
    if "\\" in url or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise _refused()
    if url.startswith("/") and not url.startswith("//"):
        return f"{base}{url}"
    if origin(url) not in _allowed_origins():
        raise _refused()
    return url


def _allowed_origins() -> set[str]:
    try:
        return {origin(value) for value in config.allowed_redirect_origins()}
    except InvalidInputError:
        raise ConfigurationError(f"Setting {config.ALLOWED_REDIRECT_ORIGINS} has an invalid value") from None


def origin(url: str) -> str:
    """`scheme://host[:port]`, lower-case and without a default port; a 400 for anything not plain http(s)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise _refused() from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or _has_user_info(parts):
        raise _refused()
    shown_port = f":{port}" if port is not None and port != _DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{parts.hostname}{shown_port}"


def _has_user_info(parts: SplitResult) -> bool:
    return "@" in parts.netloc


def _refused() -> InvalidInputError:
    return InvalidInputError(
        "from_url must be on an allowed origin", details={"fields": [{"field": "from_url", "type": "redirect"}]}
    )
