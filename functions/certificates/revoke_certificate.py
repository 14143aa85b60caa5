"""revokeCertificate: an admin revokes a certificate, with a reason.

Role: admin. Takes `certificateId` or `verificationCode` and `reason`. Revoking twice
is a 409 that keeps the first revocation. Writes Certificate.
"""

from __future__ import annotations

from typing import Any

from entities import certificate as certificates
from functions.certificates.models import RevokeCertificateRequest
from functions.certificates.responses import RevokeCertificateResponse
from shared.auth import Caller, Role
from shared.errors import NotFoundError
from shared.router import endpoint


@endpoint(
    "revokeCertificate",
    response=RevokeCertificateResponse,
    request=RevokeCertificateRequest,
    roles={Role.ADMIN},
    rate=("functions",),
)
def revoke_certificate(body: RevokeCertificateRequest, caller: Caller) -> dict[str, Any]:
    if body.verificationCode is not None:
        found = certificates.find_by_code(body.verificationCode)
        if found is None:
            raise NotFoundError("No certificate has this verification code")
        cert_id = found["id"]
    else:
        cert_id = str(body.certificateId)
    cert = certificates.revoke(cert_id, reason=body.reason.strip(), by=caller.email)
    return {
        "certificate": {
            "id": cert["id"],
            "verification_code": cert["verification_code"],
            "status": cert["status"],
            "revoked_at": cert["revoked_at"],
            "revoked_by": cert["revoked_by"],
            "revocation_reason": cert["revocation_reason"],
        }
    }
