"""generateCertificate / generateCourseCertificate against the Firestore emulator, through the gateway."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.certificates.conftest import ALL_LESSONS, call, complete_lessons, record_quiz


def stored_certificates(db: Any) -> list[dict[str, Any]]:
    return [s.to_dict() for s in db.collection("Certificate").stream()]


def pdf_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.pdf")) if root.exists() else []


def download(gateway: Any, url: str) -> Any:
    parts = urlsplit(url)
    assert parts.netloc == "certs.test"
    return gateway.get(f"{parts.path}?{parts.query}")


def finish(gateway: Any, world: dict[str, Any], quiz_score: float = 85) -> None:
    complete_lessons(gateway, world["enrollment"], world["tokens"]["student"], ALL_LESSONS)
    record_quiz(world["enrollment"], "mod_basics", quiz_score)


# --- requirements not met -------------------------------------------------------------


def test_generate_nothing_done_lists_every_lesson_and_quiz(
    gateway: Any, world: dict[str, Any], db: Any, blobs: Path
) -> None:
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["code"] == "INVALID_PARAMETERS"
    assert body["message"] == "Course requirements are not met"
    assert body["details"]["progress_percent"] == 0
    missing = body["details"]["missing"]
    assert [m["lesson_id"] for m in missing["lessons_not_completed"]] == ALL_LESSONS
    assert missing["quizzes_not_passed"] == [
        {"module_id": "mod_basics", "title": "Basics quiz", "best_score": None, "required_score": 70.0, "attempts": 0}
    ]
    assert stored_certificates(db) == [] and pdf_files(blobs) == []


def test_generate_one_lesson_missing_lists_only_it(gateway: Any, world: dict[str, Any], db: Any) -> None:
    complete_lessons(gateway, world["enrollment"], world["tokens"]["student"], ["les_what", "les_effect"])
    record_quiz(world["enrollment"], "mod_basics", 90)
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 400
    details = resp.get_json()["details"]
    assert details["missing"] == {
        "lessons_not_completed": [{"module_id": "mod_basics", "lesson_id": "les_state", "title": "useState"}]
    }
    assert details["progress_percent"] == pytest.approx(66.67)
    assert stored_certificates(db) == []


def test_generate_quiz_not_taken_is_refused(gateway: Any, world: dict[str, Any], db: Any) -> None:
    complete_lessons(gateway, world["enrollment"], world["tokens"]["student"], ALL_LESSONS)
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 400
    assert resp.get_json()["details"]["progress_percent"] == 100
    assert list(resp.get_json()["details"]["missing"]) == ["quizzes_not_passed"]
    assert stored_certificates(db) == []


def test_generate_quiz_below_seventy_is_refused(gateway: Any, world: dict[str, Any], db: Any) -> None:
    finish(gateway, world, quiz_score=69.5)
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 400
    assert resp.get_json()["details"]["missing"]["quizzes_not_passed"][0]["best_score"] == 69.5
    assert stored_certificates(db) == []


def test_generate_course_without_lessons_is_refused(gateway: Any, world: dict[str, Any]) -> None:
    from entities import store

    store.update("Course", world["course"]["id"], {"modules": []})
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 400
    assert resp.get_json()["details"]["missing"] == {"course": "The course has no lessons yet"}


def test_generate_refunded_enrollment_is_refused(gateway: Any, world: dict[str, Any]) -> None:
    from entities import store

    finish(gateway, world)
    store.update("Enrollment", world["enrollment"]["id"], {"status": "refunded"})
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 400
    assert resp.get_json()["details"] == {"enrollment_status": "refunded"}


# --- requirements met --------------------------------------------------------------------


def test_generate_met_issues_certificate_with_pdf(gateway: Any, world: dict[str, Any], db: Any, blobs: Path) -> None:
    from pypdf import PdfReader

    from entities import store
    from tests.certificates.test_pdf import decode_qr

    finish(gateway, world)
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"])
    assert resp.status_code == 200, resp.get_json()
    cert = resp.get_json()["certificate"]
    code = cert["verification_code"]
    assert re.fullmatch(r"CERT-\d{4}-[A-HJ-NP-Z2-9]{6}", code)
    assert cert["id"].startswith("cert_")
    assert cert["student_name"] == "Zoë Ødegård"
    assert cert["course_title"] == "React Hooks Mastery"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cert["completion_date"])
    assert code[5:9] == cert["completion_date"][:4]
    assert cert["status"] == "valid"
    assert cert["verification_url"] == f"http://certs.test/api/certificates/verify/{code}"
    assert cert["certificate_url"].startswith(f"http://certs.test/blobs/certificates/{cert['id']}/{code}.pdf?expires=")

    # The record: who, what, when, the code, the file.
    [stored] = stored_certificates(db)
    assert {
        k: stored[k]
        for k in (
            "id",
            "enrollment_id",
            "course_id",
            "student_email",
            "student_name",
            "course_title",
            "instructor_name",
            "instructor_email",
            "verification_code",
            "status",
            "issued_by",
        )
    } == {
        "id": cert["id"],
        "enrollment_id": world["enrollment"]["id"],
        "course_id": world["course"]["id"],
        "student_email": world["student"]["email"],
        "student_name": "Zoë Ødegård",
        "course_title": "React Hooks Mastery",
        "instructor_name": "Grace Hopper",
        "instructor_email": world["instructor"]["email"],
        "verification_code": code,
        "status": "valid",
        "issued_by": world["student"]["email"],
    }
    assert stored["file_path"] == f"certificates/{cert['id']}/{code}.pdf"
    assert [p.relative_to(blobs).as_posix() for p in pdf_files(blobs)] == [stored["file_path"]]

    # Completion is derived onto the enrollment.
    enrollment = store.get("Enrollment", world["enrollment"]["id"])
    assert enrollment["progress_percent"] == 100
    assert enrollment["status"] == "completed"
    assert enrollment["completed_at"][:10] == cert["completion_date"]
    assert enrollment["last_accessed"]

    # The signed link downloads the PDF, which says who, what and the code, with a QR code of the URL.
    got = download(gateway, cert["certificate_url"])
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"].startswith(f'attachment; filename="certificate-{code}.pdf"')
    text = PdfReader(io.BytesIO(got.data)).pages[0].extract_text()
    for expected in ("Zoë Ødegård", "React Hooks Mastery", code, "Grace Hopper"):
        assert expected in text
    assert decode_qr(got.data) == [cert["verification_url"]]


def test_generate_again_returns_the_same_certificate(gateway: Any, world: dict[str, Any], db: Any, blobs: Path) -> None:
    finish(gateway, world)
    first = call(
        gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"]
    )
    second = call(
        gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["instructor"]
    )
    assert first.status_code == second.status_code == 200
    a, b = first.get_json()["certificate"], second.get_json()["certificate"]
    assert {k: v for k, v in a.items() if k != "certificate_url"} == {
        k: v for k, v in b.items() if k != "certificate_url"
    }
    assert len(stored_certificates(db)) == 1
    assert len(list(db.collection("_certificate_codes").stream())) == 1
    assert len(pdf_files(blobs)) == 1
    # generateCourseCertificate finds the very same certificate.
    course_call = call(
        gateway,
        "generateCourseCertificate",
        {"courseId": world["course"]["id"], "studentEmail": world["student"]["email"]},
        world["tokens"]["admin"],
    )
    assert course_call.status_code == 200
    body = course_call.get_json()
    assert body["certificate_id"] == a["id"] and body["verification_code"] == a["verification_code"]
    assert download(gateway, body["download_url"]).status_code == 200
    assert len(stored_certificates(db)) == 1


def test_generate_concurrent_requests_issue_one_certificate(world: dict[str, Any], db: Any, blobs: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from entities import store
    from entities.progress import progress_id
    from functions.certificates import issue
    from shared.auth import Caller, Role

    complete = world["enrollment"]
    for lesson in ALL_LESSONS:
        store.create(
            "Progress",
            {
                "enrollment_id": complete["id"],
                "lesson_id": lesson,
                "module_id": None,
                "completed": True,
                "student_email": complete["student_email"],
                "course_id": complete["course_id"],
            },
            created_by=None,
            id=progress_id(complete["id"], lesson_id=lesson),
        )
    record_quiz(complete, "mod_basics", 100)
    caller = Caller(user_id=world["student"]["id"], email=world["student"]["email"], role=Role.STUDENT)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: issue.issue(store.get("Enrollment", complete["id"]), caller), range(4)))
    assert len({r["verification_code"] for r in results}) == 1
    assert len(stored_certificates(db)) == 1
    assert [p.relative_to(blobs).as_posix() for p in pdf_files(blobs)] == [results[0]["file_path"]]


# --- who may ask -------------------------------------------------------------------------


def test_generate_another_students_enrollment_is_forbidden(gateway: Any, world: dict[str, Any], db: Any) -> None:
    finish(gateway, world)
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["other"])
    assert resp.status_code == 403
    assert resp.get_json()["code"] == "PERMISSION_DENIED"
    assert stored_certificates(db) == []
    course_call = call(
        gateway,
        "generateCourseCertificate",
        {"courseId": world["course"]["id"], "studentEmail": world["student"]["email"]},
        world["tokens"]["other"],
    )
    assert course_call.status_code == 403
    assert stored_certificates(db) == []


def test_generate_by_instructor_and_admin_is_allowed(gateway: Any, world: dict[str, Any]) -> None:
    finish(gateway, world)
    by_admin = call(
        gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["admin"]
    )
    assert by_admin.status_code == 200
    assert by_admin.get_json()["certificate"]["student_name"] == "Zoë Ødegård"
    by_instructor = call(
        gateway,
        "generateCourseCertificate",
        {"courseId": world["course"]["id"], "studentEmail": world["student"]["email"]},
        world["tokens"]["instructor"],
    )
    assert by_instructor.status_code == 200
    assert by_instructor.get_json()["certificate_id"] == by_admin.get_json()["certificate"]["id"]


def test_generate_anonymous_is_unauthenticated(gateway: Any, world: dict[str, Any]) -> None:
    resp = call(gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]})
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "AUTH_REQUIRED"


@pytest.mark.parametrize(
    "payload",
    [{}, {"enrollmentId": ""}, {"enrollmentId": "../x"}, {"enrollmentId": 5}, {"enrollmentId": "enr_1", "extra": 1}],
)
def test_generate_bad_input_is_400(gateway: Any, world: dict[str, Any], payload: dict[str, Any]) -> None:
    resp = call(gateway, "generateCertificate", payload, world["tokens"]["student"])
    assert resp.status_code == 400
    assert resp.get_json()["code"] == "INVALID_PARAMETERS"


def test_generate_unknown_enrollment_is_404(gateway: Any, world: dict[str, Any]) -> None:
    resp = call(gateway, "generateCertificate", {"enrollmentId": "enr_nope"}, world["tokens"]["admin"])
    assert resp.status_code == 404


def test_course_certificate_student_not_enrolled_is_404(gateway: Any, world: dict[str, Any]) -> None:
    resp = call(
        gateway,
        "generateCourseCertificate",
        {"courseId": world["course"]["id"], "studentEmail": world["other"]["email"]},
        world["tokens"]["other"],
    )
    assert resp.status_code == 404
    bad = call(
        gateway,
        "generateCourseCertificate",
        {"courseId": world["course"]["id"], "studentEmail": "nope"},
        world["tokens"]["admin"],
    )
    assert bad.status_code == 400


# --- downloads ----------------------------------------------------------------------------


def test_download_link_expired_or_altered_is_refused(
    gateway: Any, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as real_time

    finish(gateway, world)
    url = call(
        gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"]
    ).get_json()["certificate"]["certificate_url"]
    altered = download(gateway, url.replace("expires=", "expires=9"))
    assert altered.status_code == 403
    assert altered.get_json()["message"] == "This download link is invalid"
    other_file = download(gateway, url.replace(".pdf?", ".pdf.content-type?"))
    assert other_file.status_code == 403
    later = real_time.time() + 3601
    monkeypatch.setattr("shared.storage.time.time", lambda: later)
    expired = download(gateway, url)
    assert expired.status_code == 403
    assert expired.get_json()["message"] == "This download link has expired"
