"""generateCourseCertificate: the certificate of a student in a course (documented function 11).

Same rules and the same certificate as generateCertificate, found by course and student
email; answers `certificate_id` and `download_url` (a signed, expiring link).
Role: that student, the course's instructor or an admin.
"""

from __future__ import annotations

from typing import Any

from entities import store
from entities.course import teaches
from entities.enrollment import enrollment_id
from functions.certificates import issue
from functions.certificates.models import GenerateCourseCertificateRequest
from functions.certificates.responses import GenerateCourseCertificateResponse
from shared.auth import Caller
from shared.errors import ForbiddenError, NotFoundError
from shared.router import endpoint


def find_enrollment(course_id: str, email: str) -> dict[str, Any] | None:
    found = store.find("Enrollment", enrollment_id(course_id, email))
    if found is not None:
        return found
    matches = store.query("Enrollment", {"course_id": course_id, "student_email": email}, limit=1)
    return matches[0] if matches else None


@endpoint(
    "generateCourseCertificate",
    response=GenerateCourseCertificateResponse,
    request=GenerateCourseCertificateRequest,
    rate=("functions",),
    deploy=issue.DEPLOY,
)
def generate_course_certificate(body: GenerateCourseCertificateRequest, caller: Caller) -> dict[str, Any]:
    course = store.get("Course", body.courseId)
    email = body.studentEmail.strip()
    # Refuse before looking the enrollment up, so nobody learns who is enrolled where.
    if not (caller.is_admin or caller.owns(email) or teaches(caller, course)):
        raise ForbiddenError("Only the student, the course's instructor or an admin may get this certificate")
    enrollment = find_enrollment(course["id"], email)
    if enrollment is None:
        raise NotFoundError("This student is not enrolled in this course", details={"course_id": course["id"]})
    cert = issue.issue(enrollment, caller)
    return {
        "certificate_id": cert["id"],
        "download_url": issue.signed_link(cert),
        "verification_code": cert["verification_code"],
    }
