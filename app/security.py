"""Who is calling, the same for every target: session tokens (`shared.auth`) and API keys."""

from __future__ import annotations

from rest import api_keys
from shared import auth


def install() -> None:
    """Accept API keys (both environments' prefixes; each refuses the other's) besides tokens."""
    for prefix in api_keys.PREFIXES.values():
        auth.register_key_scheme(prefix, api_keys.resolve)
