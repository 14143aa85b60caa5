"""Request models of the certificate functions (unknown fields refused)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID = r"^[A-Za-z0-9_-]{1,128}$"
CODE = r"^\s*[Cc][Ee][Rr][Tt]-\d{4}-[A-Za-z0-9]{6}\s*$"


class GenerateCertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enrollmentId: str = Field(pattern=ID)


class GenerateCourseCertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    courseId: str = Field(pattern=ID)
    studentEmail: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")


class VerifyCertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)


class RevokeCertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certificateId: str | None = Field(default=None, pattern=ID)
    verificationCode: str | None = Field(default=None, pattern=CODE)
    reason: str = Field(min_length=3, max_length=1000)

    @model_validator(mode="after")
    def _one_reference(self) -> RevokeCertificateRequest:
        if (self.certificateId is None) == (self.verificationCode is None):
            raise ValueError("give exactly one of certificateId or verificationCode")
        return self
