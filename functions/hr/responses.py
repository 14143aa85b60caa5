"""Response models of the HR integration functions and the SSO connection test."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from entities.responses import ResponseModel


class SSOCheck(ResponseModel):
    name: str = Field(
        description="entity_id, sso_endpoint, signing_certificate[i], valid_until, issuer, jwks, clock..."
    )
    status: Literal["pass", "warn", "fail"]
    reason: str


class TestSSOConnectionResponse(ResponseModel):
    success: bool = Field(description="True when no check failed")
    provider: Literal["okta", "azure", "google", "onelogin", "saml", "oidc"]
    protocol: Literal["saml", "oidc"]
    metadata_url: str = Field(description="The SAML metadata or OIDC discovery document checked")
    entity_id: str | None = Field(description="SAML entityID, or the OIDC issuer")
    sso_url: str | None = Field(description="SAML SingleSignOnService location, or the OIDC authorization endpoint")
    certificate_valid: bool = Field(description="Every signing certificate (or JWKS key) usable now")
    checks: list[SSOCheck]
