"""Issuing a certificate for an enrollment: who may ask, what must be done, exactly-once.

Shared by generateCertificate and generateCourseCertificate. The course's requirements
are recomputed from the Progress records every time (never read from a counter). The
PDF is drawn and stored before the record is written; its path contains the code, so
when two requests race, the loser's file is removed and both answer the winner's
certificate. reportlab loads only when a PDF is actually drawn.
"""

from __future__ import annotations

from typing import Any

from entities import certificate as certificates
from entities import learning, store
from entities.course import teaches
from shared import config, logging
from shared.auth import Caller
from shared.errors import ConflictError, ForbiddenError, InvalidInputError, ServiceUnavailableError
from shared.firestore import now_iso
from shared.router import Deploy
from shared.storage import blob_store

# Rendering a PDF with embedded fonts wants more memory than the default.
DEPLOY = Deploy(memory="512Mi", timeout="60s", env=((config.STORAGE_BUCKET, config.BUCKET_FROM_PLAN),))

PDF_TYPE = "application/pdf"
_CODE_DRAWS = 3  # a clash is ~1 in 10^9 per issued certificate; three draws never all clash


def verification_url(code: str) -> str:
    return f"{config.public_base_url()}/api/certificates/verify/{code}"


def authorize(caller: Caller, enrollment: dict[str, Any], course: dict[str, Any]) -> None:
    """The enrollment's student, the course's instructor or an admin."""
    if caller.is_admin or caller.owns(enrollment.get("student_email")) or teaches(caller, course):
        return
    raise ForbiddenError("Only the student, the course's instructor or an admin may get this certificate")


def student_name(enrollment: dict[str, Any]) -> str:
    user = store.find("User", enrollment["student_id"]) if enrollment.get("student_id") else None
    if user is None:
        found = store.query("User", {"email": enrollment["student_email"]}, limit=1)
        user = found[0] if found else None
    name = (user or {}).get("full_name") or ""
    return name.strip() or str(enrollment["student_email"])


def instructor_name(course: dict[str, Any]) -> str:
    if course.get("instructor_name"):
        return str(course["instructor_name"])
    email = course.get("instructor_email")
    if email:
        found = store.query("User", {"email": email}, limit=1)
        if found and found[0].get("full_name"):
            return str(found[0]["full_name"])
        return str(email)
    return "SparkAcademy"


def signed_link(cert: dict[str, Any]) -> str:
    return blob_store().signed_url(cert["file_path"], download_name=f"certificate-{cert['verification_code']}.pdf")


def _refuse_revoked(cert: dict[str, Any]) -> None:
    if cert.get("status") == "revoked":
        raise ConflictError(
            "This certificate has been revoked",
            details={"certificate_id": cert["id"], "status": "revoked", "revoked_at": cert.get("revoked_at")},
        )


def issue(enrollment: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """The enrollment's certificate, issued now if the requirements are met."""
    course = store.get("Course", enrollment["course_id"])
    authorize(caller, enrollment, course)
    cert_id = certificates.certificate_id(enrollment["id"])
    existing = certificates.find(cert_id)
    if existing is not None:
        _refuse_revoked(existing)
        return existing
    if enrollment.get("status") not in ("active", "completed"):
        raise InvalidInputError(
            "This enrollment is not active", details={"enrollment_status": enrollment.get("status")}
        )
    enrollment, result = learning.recompute_enrollment(enrollment["id"])
    if not result.complete:
        raise InvalidInputError(
            "Course requirements are not met",
            details={"progress_percent": result.percent, "missing": result.missing()},
        )
    return _create(enrollment, course, caller, cert_id)


def _create(enrollment: dict[str, Any], course: dict[str, Any], caller: Caller, cert_id: str) -> dict[str, Any]:
    from functions.certificates import pdf

    blobs = blob_store()
    completed_at = str(enrollment.get("completed_at") or now_iso())
    base = {
        "enrollment_id": enrollment["id"],
        "course_id": course["id"],
        "student_email": enrollment["student_email"],
        "student_id": enrollment.get("student_id"),
        "student_name": student_name(enrollment),
        "course_title": course["title"],
        "instructor_name": instructor_name(course),
        "instructor_email": course.get("instructor_email"),
        "completion_date": completed_at[:10],
        "issued_at": now_iso(),
        "issued_by": caller.email,
    }
    for _ in range(_CODE_DRAWS):
        code = certificates.new_code(int(base["completion_date"][:4]))
        path = f"certificates/{cert_id}/{code}.pdf"
        doc = certificates.record(
            {**base, "verification_code": code, "file_path": path}, cert_id=cert_id, created_by=caller.email
        )
        data = pdf.render(
            pdf.CertificateContent(
                student_name=base["student_name"],
                course_title=base["course_title"],
                completion_date=base["completion_date"],
                instructor=base["instructor_name"],
                verification_code=code,
                verification_url=verification_url(code),
            )
        )
        blobs.put(path, data, PDF_TYPE)
        try:
            cert, created = certificates.issue(doc)
        except certificates.CodeTaken:
            blobs.delete(path)
            continue
        except Exception:
            blobs.delete(path)
            raise
        if not created:
            blobs.delete(path)
            _refuse_revoked(cert)
        else:
            logging.info("certificate issued", certificate_id=cert_id, enrollment_id=enrollment["id"])
        return cert
    raise ServiceUnavailableError("Could not allocate a verification code; retry")


def public_view(cert: dict[str, Any]) -> dict[str, Any]:
    """The documented certificate shape, with a fresh signed download link."""
    return {
        "id": cert["id"],
        "student_name": cert["student_name"],
        "course_title": cert["course_title"],
        "completion_date": cert["completion_date"],
        "certificate_url": signed_link(cert),
        "verification_code": cert["verification_code"],
        "verification_url": verification_url(cert["verification_code"]),
        "status": cert.get("status", "valid"),
    }
