"""An integration's HR client, its credentials read from the environment variables it names."""

from __future__ import annotations

from typing import Any

from functions.hr import bamboohr, workday
from shared import config


def _variable(integration: dict[str, Any], role: str, default: str) -> str:
    return str((integration.get("credentials") or {}).get(role) or default)


def bamboohr_client(integration: dict[str, Any]) -> bamboohr.BambooHR:
    settings = integration.get("settings") or {}
    subdomain = settings.get("subdomain") or config.require(
        _variable(integration, "subdomain", config.BAMBOOHR_SUBDOMAIN)
    )
    credentials = bamboohr.Credentials(
        api_key=config.require(_variable(integration, "api_key", config.BAMBOOHR_API_KEY)), subdomain=str(subdomain)
    )
    return bamboohr.BambooHR(credentials, settings.get("field_map") or None)


def workday_client(integration: dict[str, Any], *, rest: bool = False) -> workday.Workday:
    def optional(role: str, default: str) -> str | None:
        value = config.get(_variable(integration, role, default))
        return str(value) if value else None

    credentials = workday.Credentials(
        tenant_url=config.require(_variable(integration, "tenant_url", config.WORKDAY_TENANT_URL)),
        username=config.require(_variable(integration, "username", config.WORKDAY_USERNAME)),
        password=config.require(_variable(integration, "password", config.WORKDAY_PASSWORD)),
        client_id=optional("client_id", config.WORKDAY_CLIENT_ID) if rest else None,
        client_secret=optional("client_secret", config.WORKDAY_CLIENT_SECRET) if rest else None,
        refresh_token=optional("refresh_token", config.WORKDAY_REFRESH_TOKEN) if rest else None,
    )
    return workday.Workday(credentials)
