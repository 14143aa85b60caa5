"""verifyCertificate: public check of a verification code (also GET /api/certificates/verify/<code>).

Anonymous. Answers whether the certificate is valid or revoked, the student's name, the
course and the completion date, and nothing more. An unknown code is a 404.
Reads _certificate_codes and Certificate. Rate-limited per client address.
"""

from __future__ import annotations

from typing import Any

from entities import certificate as certificates
from functions.certificates.models import VerifyCertificateRequest
from functions.certificates.responses import VerifyCertificateResponse
from shared.auth import Caller
from shared.errors import NotFoundError
from shared.router import endpoint


def verification(code: str) -> dict[str, Any]:
    cert = certificates.find_by_code(code)
    if cert is None:
        raise NotFoundError("No certificate has this verification code", details={"valid": False})
    status = cert.get("status", "valid")
    return {
        "valid": status == "valid",
        "status": status,
        "verification_code": cert["verification_code"],
        "student_name": cert["student_name"],
        "course_title": cert["course_title"],
        "completion_date": cert["completion_date"],
    }


@endpoint(
    "verifyCertificate",
    response=VerifyCertificateResponse,
    request=VerifyCertificateRequest,
    anonymous=True,
    rate=("verify",),
)
def verify_certificate(body: VerifyCertificateRequest, caller: Caller) -> dict[str, Any]:
    return verification(body.code)
