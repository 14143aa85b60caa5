"""Request models of the HR integration functions and the SSO connection test."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from shared.models import EntityId, RequestModel

SsoProvider = Literal["okta", "azure", "google", "onelogin", "saml", "oidc"]
# A host name (or an Entra tenant id or domain): no scheme, port, path or credentials.
HOST_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)*[A-Za-z0-9-]{1,63}$"


class TestSSOConnectionRequest(RequestModel):
    sso_provider: SsoProvider
    domain: str | None = Field(
        default=None,
        max_length=253,
        pattern=HOST_PATTERN,
        description="The IdP's host (okta, onelogin) or tenant (azure: GUID or domain); the document URL follows",
    )
    metadata_url: str | None = Field(default=None, min_length=8, max_length=2000, description="SAML metadata URL")
    discovery_url: str | None = Field(
        default=None, min_length=8, max_length=2000, description="OpenID Connect discovery URL"
    )

    @model_validator(mode="after")
    def _one_source(self) -> TestSSOConnectionRequest:
        given = [name for name in ("domain", "metadata_url", "discovery_url") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of domain, metadata_url, discovery_url")
        return self


class SyncRequest(RequestModel):
    integration_id: EntityId


class PushLearningDataRequest(RequestModel):
    integration_id: EntityId
    startDate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="First day (UTC), YYYY-MM-DD")
    endDate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Last day (UTC), inclusive")
