"""Public verification of codes (valid, unknown, revoked) and admin revocation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.certificates.conftest import call
from tests.certificates.test_generate import finish


@pytest.fixture
def issued(gateway: Any, world: dict[str, Any]) -> dict[str, Any]:
    finish(gateway, world)
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 200
    return resp.get_json()["certificate"]


def test_verify_valid_code_answers_only_the_public_facts(gateway: Any, issued: dict[str, Any]) -> None:
    expected = {
        "valid": True,
        "status": "valid",
        "verification_code": issued["verification_code"],
        "student_name": "Zoë Ødegård",
        "course_title": "React Hooks Mastery",
        "completion_date": issued["completion_date"],
    }
    by_route = gateway.get(f"/api/certificates/verify/{issued['verification_code']}")
    assert by_route.status_code == 200
    assert by_route.get_json() == expected
    by_function = call(gateway, "verifyCertificate", {"code": issued["verification_code"].lower()})
    assert by_function.status_code == 200
    assert by_function.get_json() == expected


def test_verify_unknown_code_is_404(gateway: Any, issued: dict[str, Any]) -> None:
    other = "CERT-2026-AAAAAA" if issued["verification_code"] != "CERT-2026-AAAAAA" else "CERT-2026-BBBBBB"
    resp = gateway.get(f"/api/certificates/verify/{other}")
    assert resp.status_code == 404
    body = resp.get_json()
    assert body["code"] == "RESOURCE_NOT_FOUND" and body["details"] == {"valid": False}
    assert call(gateway, "verifyCertificate", {"code": other}).status_code == 404


@pytest.mark.parametrize("code", ["CERT-26-ABC123", "nope", "CERT-2026-ABC12$", "CERT-2026-ABCDEFG"])
def test_verify_malformed_code_is_400(gateway: Any, db: Any, code: str) -> None:
    assert gateway.get(f"/api/certificates/verify/{code}").status_code == 400
    assert call(gateway, "verifyCertificate", {"code": code}).get_json()["code"] == "INVALID_PARAMETERS"


def test_revoke_then_verify_reports_revoked(
    gateway: Any, world: dict[str, Any], issued: dict[str, Any], db: Any
) -> None:
    resp = call(
        gateway,
        "revokeCertificate",
        {"verificationCode": issued["verification_code"], "reason": "Academic misconduct"},
        world["tokens"]["admin"],
    )
    assert resp.status_code == 200
    body = resp.get_json()["certificate"]
    assert body["status"] == "revoked" and body["revocation_reason"] == "Academic misconduct"
    assert body["revoked_by"] == world["admin"]["email"] and body["revoked_at"]
    stored = db.collection("Certificate").document(issued["id"]).get().to_dict()
    assert (stored["status"], stored["revocation_reason"], stored["revoked_by"]) == (
        "revoked",
        "Academic misconduct",
        world["admin"]["email"],
    )
    verified = gateway.get(f"/api/certificates/verify/{issued['verification_code']}").get_json()
    assert verified == {
        "valid": False,
        "status": "revoked",
        "verification_code": issued["verification_code"],
        "student_name": "Zoë Ødegård",
        "course_title": "React Hooks Mastery",
        "completion_date": issued["completion_date"],
    }
    # A revoked certificate is not handed out again, and revoking twice keeps the first reason.
    again = call(
        gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"]
    )
    assert again.status_code == 409
    assert again.get_json()["details"]["status"] == "revoked"
    twice = call(
        gateway, "revokeCertificate", {"certificateId": issued["id"], "reason": "Other"}, world["tokens"]["admin"]
    )
    assert twice.status_code == 409
    assert twice.get_json()["details"]["revocation_reason"] == "Academic misconduct"


@pytest.mark.parametrize("who", ["student", "instructor"])
def test_revoke_requires_admin(gateway: Any, world: dict[str, Any], issued: dict[str, Any], db: Any, who: str) -> None:
    resp = call(
        gateway, "revokeCertificate", {"certificateId": issued["id"], "reason": "because"}, world["tokens"][who]
    )
    assert resp.status_code == 403
    assert db.collection("Certificate").document(issued["id"]).get().to_dict()["status"] == "valid"


@pytest.mark.parametrize(
    "payload",
    [
        {"certificateId": "cert_x"},
        {"certificateId": "cert_x", "reason": ""},
        {"reason": "no reference"},
        {"certificateId": "cert_x", "verificationCode": "CERT-2026-ABCDEF", "reason": "both"},
    ],
)
def test_revoke_bad_input_is_400(gateway: Any, world: dict[str, Any], payload: dict[str, Any]) -> None:
    resp = call(gateway, "revokeCertificate", payload, world["tokens"]["admin"])
    assert resp.status_code == 400


def test_revoke_unknown_certificate_is_404(gateway: Any, world: dict[str, Any]) -> None:
    resp = call(
        gateway, "revokeCertificate", {"certificateId": "cert_nope", "reason": "gone"}, world["tokens"]["admin"]
    )
    assert resp.status_code == 404
