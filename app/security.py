"""Who is calling, the same for every target: session tokens (`shared.auth`), API keys acting as
their owner, and application tokens acting as an anonymous caller of the app."""

from __future__ import annotations

from entities import app_tokens
from rest import api_keys
from shared import auth


def install() -> None:
    """Accept API keys (both environments' prefixes; each refuses the other's) and application
    tokens besides session tokens."""
    for prefix in api_keys.PREFIXES.values():
        auth.register_key_scheme(prefix, api_keys.resolve)
    auth.register_key_scheme(app_tokens.PREFIX, app_tokens.resolve)
