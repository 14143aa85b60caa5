"""generateCertificate: the completion certificate of one enrollment (documented function 10).

Role: the enrollment's student, the course's instructor or an admin. Requires every
lesson completed and every quiz passed (70%+); otherwise a 400 listing what is missing.
Idempotent: asking again answers the same certificate with a fresh download link.
Reads Enrollment, Course, Progress, User; writes Certificate, _certificate_codes, the
enrollment's derived progress, and the PDF in blob storage.
"""

from __future__ import annotations

from typing import Any

from entities import store
from functions.certificates import issue
from functions.certificates.models import GenerateCertificateRequest
from functions.certificates.responses import GenerateCertificateResponse
from shared.auth import Caller
from shared.router import endpoint


@endpoint(
    "generateCertificate",
    response=GenerateCertificateResponse,
    request=GenerateCertificateRequest,
    rate=("functions",),
    deploy=issue.DEPLOY,
)
def generate_certificate(body: GenerateCertificateRequest, caller: Caller) -> dict[str, Any]:
    enrollment = store.get("Enrollment", body.enrollmentId)
    return {"certificate": issue.public_view(issue.issue(enrollment, caller))}
