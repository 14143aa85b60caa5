"""Request models of the certificate functions (unknown fields refused)."""

from __future__ import annotations

from pydantic import Field, model_validator

from shared.models import Email, EntityId, RequestModel

CODE = r"^\s*[Cc][Ee][Rr][Tt]-\d{4}-[A-Za-z0-9]{6}\s*$"


class GenerateCertificateRequest(RequestModel):
    enrollmentId: EntityId


class GenerateCourseCertificateRequest(RequestModel):
    courseId: EntityId
    studentEmail: Email


class VerifyCertificateRequest(RequestModel):
    code: str = Field(pattern=CODE)


class RevokeCertificateRequest(RequestModel):
    certificateId: EntityId | None = None
    verificationCode: str | None = Field(default=None, pattern=CODE)
    reason: str = Field(min_length=3, max_length=1000)

    @model_validator(mode="after")
    def _one_reference(self) -> RevokeCertificateRequest:
        if (self.certificateId is None) == (self.verificationCode is None):
            raise ValueError("give exactly one of certificateId or verificationCode")
        return self
