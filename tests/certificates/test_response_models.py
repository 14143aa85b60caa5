"""The certificate functions and the public verification route answer as their response models say."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from entities.responses import ErrorEnvelope
from functions.certificates.responses import (
    GenerateCertificateResponse,
    GenerateCourseCertificateResponse,
    RevokeCertificateResponse,
    VerifyCertificateResponse,
)
from tests.certificates.conftest import call
from tests.certificates.test_generate import finish


def answer(model: type[BaseModel], resp: Any, status: int = 200) -> Any:
    body = resp.get_json()
    assert resp.status_code == status, body
    return model.model_validate(body, strict=False)


def test_certificate_answers(gateway: Any, world: dict[str, Any]) -> None:
    tokens = world["tokens"]
    finish(gateway, world)
    issued = answer(
        GenerateCertificateResponse,
        call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, tokens["student"]),
    ).certificate
    by_course = answer(
        GenerateCourseCertificateResponse,
        call(
            gateway,
            "generateCourseCertificate",
            {"courseId": world["course"]["id"], "studentEmail": world["student"]["email"]},
            tokens["instructor"],
        ),
    )
    assert by_course.certificate_id == issued.id
    code = issued.verification_code
    for verified in (
        answer(VerifyCertificateResponse, call(gateway, "verifyCertificate", {"code": code})),
        answer(VerifyCertificateResponse, gateway.get(f"/api/certificates/verify/{code}")),
    ):
        assert verified.valid and verified.status == "valid"
    revoked = answer(
        RevokeCertificateResponse,
        call(gateway, "revokeCertificate", {"certificateId": issued.id, "reason": "Misconduct"}, tokens["admin"]),
    )
    assert revoked.certificate.status == "revoked"
    after = answer(VerifyCertificateResponse, gateway.get(f"/api/certificates/verify/{code}"))
    assert (after.valid, after.status) == (False, "revoked")
    # A revoked certificate is refused with the envelope, never answered as one.
    refused = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, tokens["student"])
    assert answer(ErrorEnvelope, refused, 409).code == "CONFLICT"
