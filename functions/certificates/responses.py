"""Response models of the certificate functions and of the public verification route."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from entities.certificate import CODE_PATTERN
from shared.models import ResponseModel

Code = Field(pattern=CODE_PATTERN.pattern, description="Verification code, CERT-YYYY-XXXXXX")
Day = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Completion date, YYYY-MM-DD")


class CertificateView(ResponseModel):
    id: str
    student_name: str
    course_title: str
    completion_date: str = Day
    certificate_url: str = Field(description="Signed, expiring download link of the PDF")
    verification_code: str = Code
    verification_url: str = Field(description="Public page that verifies the code")
    status: Literal["valid"] = Field(description="A revoked certificate is refused (409), never answered")


class GenerateCertificateResponse(ResponseModel):
    certificate: CertificateView


class GenerateCourseCertificateResponse(ResponseModel):
    certificate_id: str
    download_url: str = Field(description="Signed, expiring download link of the PDF")
    verification_code: str = Code


class VerifyCertificateResponse(ResponseModel):
    """Also the answer of GET /api/certificates/verify/{code}."""

    valid: bool = Field(description="True unless the certificate was revoked")
    status: Literal["valid", "revoked"]
    verification_code: str = Code
    student_name: str
    course_title: str
    completion_date: str = Day


class RevokedCertificate(ResponseModel):
    id: str
    verification_code: str = Code
    status: Literal["revoked"]
    revoked_at: str = Field(description="UTC time, ISO 8601")
    revoked_by: str | None = Field(description="Email of the admin who revoked it")
    revocation_reason: str


class RevokeCertificateResponse(ResponseModel):
    certificate: RevokedCertificate
