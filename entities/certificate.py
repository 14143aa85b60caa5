"""Certificate: the record of a course completion certificate, its code, its file and its revocation.

One certificate per enrollment: its id is derived from the enrollment, so issuing
again finds the same record. Its verification code (`CERT-YYYY-XXXXXX`, six random
characters from a 32-letter alphabet) is unique: a `_certificate_codes/{code}`
document is created in the same transaction as the certificate, and a code already
taken is never reused. Certificates are issued by the certificate functions and
revoked by `revokeCertificate`; the entity API only reads them.

Reads and writes here go straight to the `Certificate` collection (the name the entity
store would use), inside transactions where issuing must be exactly-once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any, Literal

from pydantic import Field

from entities.base import EntityModel, EntityType, Policy, require_signed_in
from shared.auth import Caller, Role
from shared.errors import ConflictError, ForbiddenError, NotFoundError
from shared.firestore import LOCK_WAIT_SECONDS, client, existing_data, io, now_iso, run_transaction

COLLECTION = "Certificate"
CODES = "_certificate_codes"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
CODE_PATTERN = re.compile(r"^CERT-\d{4}-[A-Z0-9]{6}$")


class Certificate(EntityModel):
    enrollment_id: str = Field(min_length=1, max_length=128)
    course_id: str = Field(min_length=1, max_length=128)
    student_email: str = Field(min_length=3, max_length=320)
    student_id: str | None = None
    student_name: str = Field(min_length=1, max_length=300)
    course_title: str = Field(min_length=1, max_length=300)
    instructor_name: str | None = Field(default=None, max_length=300)
    instructor_email: str | None = None
    completion_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    issued_at: str
    issued_by: str | None = None  # who asked for it: the student, the instructor or an admin
    verification_code: str = Field(pattern=CODE_PATTERN.pattern)
    file_path: str = Field(min_length=1, max_length=1024)
    status: Literal["valid", "revoked"] = "valid"
    revoked_at: str | None = None
    revoked_by: str | None = None
    revocation_reason: str | None = Field(default=None, max_length=1000)


def certificate_id(enrollment_id: str) -> str:
    return "cert_" + hashlib.sha256(f"certificate|{enrollment_id}".encode()).hexdigest()[:20]


def new_code(year: int) -> str:
    return f"CERT-{year:04d}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def normalise_code(code: str) -> str:
    return code.strip().upper()


def _collection() -> Any:
    return client().collection(COLLECTION)


def find(cert_id: str) -> dict[str, Any] | None:
    snapshot = _collection().document(cert_id).get(**io())
    return snapshot.to_dict() if snapshot.exists else None


def find_by_code(code: str) -> dict[str, Any] | None:
    code = normalise_code(code)
    if not CODE_PATTERN.match(code):
        return None
    index = client().collection(CODES).document(code).get(**io())
    if not index.exists:
        return None
    return find(str(existing_data(index)["certificate_id"]))


def record(data: dict[str, Any], *, cert_id: str, created_by: str | None) -> dict[str, Any]:
    clean = Certificate.model_validate(data).model_dump(mode="json")
    now = now_iso()
    return {**clean, "id": cert_id, "created_date": now, "updated_date": now, "created_by": created_by}


class CodeTaken(Exception):
    """The verification code drawn is already someone else's: draw again."""


def issue(doc: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Create the certificate and reserve its code, exactly once.

    Returns (certificate, created). When a certificate for the enrollment already
    exists (a concurrent or earlier issue), that one is returned with created=False.
    Raises CodeTaken when the drawn code belongs to another certificate.
    """
    db = client()
    cert_ref = db.collection(COLLECTION).document(doc["id"])
    code_ref = db.collection(CODES).document(doc["verification_code"])

    def apply(transaction: Any) -> tuple[dict[str, Any], bool]:
        existing = cert_ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        taken = code_ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if existing.exists:
            return existing_data(existing), False
        if taken.exists:
            raise CodeTaken(doc["verification_code"])
        transaction.create(cert_ref, doc)
        transaction.create(code_ref, {"certificate_id": doc["id"], "created_date": doc["created_date"]})
        return doc, True

    def issued_by_a_contender() -> tuple[dict[str, Any], bool] | None:
        snapshot = cert_ref.get(**io())
        return (existing_data(snapshot), False) if snapshot.exists else None

    return run_transaction(apply, settled=issued_by_a_contender)


def revoke(cert_id: str, *, reason: str, by: str | None) -> dict[str, Any]:
    """Mark a certificate revoked (once: revoking again is a 409 that keeps the first reason)."""
    db = client()
    ref = db.collection(COLLECTION).document(cert_id)

    def apply(transaction: Any) -> dict[str, Any]:
        snapshot = ref.get(transaction=transaction, timeout=LOCK_WAIT_SECONDS)
        if not snapshot.exists:
            raise NotFoundError(f"Certificate {cert_id} not found", details={"entity": "Certificate", "id": cert_id})
        current = existing_data(snapshot)
        if current.get("status") == "revoked":
            raise ConflictError(
                "This certificate is already revoked",
                details={
                    "revoked_at": current.get("revoked_at"),
                    "revocation_reason": current.get("revocation_reason"),
                },
            )
        now = now_iso()
        updated = {
            **current,
            "status": "revoked",
            "revoked_at": now,
            "revoked_by": by,
            "revocation_reason": reason,
            "updated_date": now,
        }
        Certificate.model_validate(
            {k: v for k, v in updated.items() if k not in ("id", "created_date", "updated_date", "created_by")}
        )
        transaction.set(ref, updated)
        return updated

    return run_transaction(apply)


class CertificatePolicy(Policy):
    """Students read their certificates, instructors those of their courses, admins all.
    Nobody writes through the entity API: issuing draws a PDF, revoking needs a reason."""

    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        if caller.is_admin:
            return None
        if caller.role == Role.INSTRUCTOR:
            return {"$or": [{"student_email": caller.email}, {"instructor_email": caller.email}]}
        return {"student_email": caller.email}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Certificates are issued by generateCertificate")

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        raise ForbiddenError("Certificates are revoked with revokeCertificate and never edited")

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        require_signed_in(caller)
        raise ForbiddenError("Certificates are kept; revoke one instead")


ENTITY = EntityType(name=COLLECTION, model=Certificate, id_prefix="cert")
