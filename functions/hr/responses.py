"""Response models of the HR integration functions and the SSO connection test."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.models import ResponseModel


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


class SyncFailure(ResponseModel):
    employee_id: str = Field(description="The HR system's id of the employee")
    email: str | None
    reason: str


class SyncAnswer(ResponseModel):
    """What a sync run answers, for BambooHR and Workday alike."""

    success: Literal[True]
    synced: int = Field(description="Employees taken: created + updated + unchanged + deprovisioned")
    created: int
    updated: int
    unchanged: int
    deprovisioned: int = Field(description="People who left, their access ended (records kept)")
    failed: int
    failures: list[SyncFailure] = Field(description="Rows not taken, with the reason (first 200)")
    complete: bool = Field(description="False: the run reached its time budget; run again to continue")
    writes: int = Field(description="Firestore writes to people's records (0 when nothing changed)")
    duration_ms: int


class PushFailure(ResponseModel):
    enrollment_id: str
    employee_id: str
    reason: str = Field(description="What the HR system said (its error message or SOAP fault)")


class PushLearningDataToHRResponse(ResponseModel):
    success: Literal[True]
    records_pushed: int = Field(description="Completions pushed by this call")
    already_pushed: int = Field(description="Completions in the range pushed by an earlier call (not sent again)")
    failed: int
    failures: list[PushFailure] = Field(description="Rows the HR system refused (first 200); tried again next time")
    hr_system: Literal["bamboohr", "workday"]


class SyncBambooHREmployeesResponse(SyncAnswer):
    pass


class SyncWorkdayEmployeesResponse(SyncAnswer):
    pass
