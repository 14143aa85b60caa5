"""Certificates per second: PDF generation alone, and generateCertificate end to end.

1. `pdf.render` alone, in process, after one warm-up render (fonts registered).
2. The whole function through the emulator gateway on a loopback port: HTTP, auth,
   rate limit, Firestore emulator reads (enrollment, course, progress, user),
   the derived-progress write, the PDF, the local blob write and the issuing
   transaction. Each request issues a new certificate (one enrollment per request).
3. Re-issue of existing certificates (the idempotent path: reads and a fresh link).

Run: `.venv/bin/python -m bench.bench_certificates [N]` (N certificates per series,
default 40). Bounded in count; only loopback traffic.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import urllib.request
from typing import Any

from bench.common import environment, machine, serve

NAMES = ["José Núñez", "Zoë Ødegård", "李雷", "محمد", "Ali محمد بن سلمان", "דוד לוי", "Алексей Смирнов"]


def bench_pdf(count: int) -> float:
    from functions.certificates import pdf

    def content(i: int) -> Any:
        code = f"CERT-2026-{i:06d}"
        return pdf.CertificateContent(
            student_name=NAMES[i % len(NAMES)],
            course_title="React Hooks Mastery",
            completion_date="2026-01-17",
            instructor="Grace Hopper",
            verification_code=code,
            verification_url=f"https://sparkacademy.test/api/certificates/verify/{code}",
        )

    pdf.render(content(0))  # warm-up: font registration and parsing
    start = time.perf_counter()
    for i in range(count):
        pdf.render(content(i))
    return count / (time.perf_counter() - start)


def _post(url: str, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    req = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        body: dict[str, Any] = json.loads(resp.read())
        return body


def _seed(count: int) -> tuple[str, list[str]]:
    """An admin token and `count` enrollments whose course requirements are all met."""
    from entities import accounts, store
    from entities.enrollment import enrollment_id
    from entities.progress import progress_id
    from shared.auth import Role
    from tests.certificates.conftest import ALL_LESSONS, course_doc

    admin = accounts.create_user(
        email="bench-admin@example.test", password=None, full_name="Bench Admin", role=Role.ADMIN, created_by=None
    )
    token = accounts.session_for(admin)["access_token"]
    course = store.create("Course", course_doc("teacher@example.test"), created_by="teacher@example.test")
    ids = []
    for i in range(count):
        email = f"student{i}@example.test"
        store.create("User", {"email": email, "full_name": NAMES[i % len(NAMES)]}, created_by=None)
        eid = enrollment_id(course["id"], email)
        store.create(
            "Enrollment",
            {"course_id": course["id"], "student_email": email, "status": "active"},
            created_by=email,
            id=eid,
        )
        for lesson in ALL_LESSONS:
            store.create(
                "Progress",
                {
                    "enrollment_id": eid,
                    "lesson_id": lesson,
                    "module_id": "mod_basics" if lesson != "les_effect" else "mod_effects",
                    "completed": True,
                    "student_email": email,
                    "course_id": course["id"],
                },
                created_by=email,
                id=progress_id(eid, lesson_id=lesson),
            )
        store.create(
            "Progress",
            {
                "enrollment_id": eid,
                "module_id": "mod_basics",
                "quiz_score": 100,
                "quiz_passed": True,
                "quiz_attempts": 1,
                "student_email": email,
                "course_id": course["id"],
            },
            created_by=email,
            id=progress_id(eid, module_id="mod_basics"),
        )
        ids.append(eid)
    return token, ids


def bench_function(count: int) -> tuple[float, float]:
    from emulator.gateway import create_app
    from shared import storage

    os.environ.update(
        {
            "RATE_LIMITS_ENABLED": "false",
            "STORAGE_BACKEND": "local",
            "LOCAL_BLOB_DIR": tempfile.mkdtemp(prefix="bench-blobs-"),
        }
    )
    storage.reset_blob_store()
    token, ids = _seed(count + 1)
    with serve(create_app()) as base:
        url = f"{base}/api/apps/sparkacademy/functions/generateCertificate"
        _post(url, token, {"enrollmentId": ids[-1]})  # warm-up: imports, fonts
        start = time.perf_counter()
        for eid in ids[:-1]:
            assert _post(url, token, {"enrollmentId": eid})["certificate"]["verification_code"]
        issue_rate = count / (time.perf_counter() - start)
        start = time.perf_counter()
        for eid in ids[:-1]:
            _post(url, token, {"enrollmentId": eid})
        reissue_rate = count / (time.perf_counter() - start)
    return issue_rate, reissue_rate


def run(count: int = 40) -> dict[str, Any]:
    pdf_rate = bench_pdf(count)
    saved = dict(os.environ)
    try:
        with environment():
            issue_rate, reissue_rate = bench_function(count)
    finally:  # the settings changed here must not reach the next benchmark
        os.environ.clear()
        os.environ.update(saved)
    return {
        "benchmark": "certificates per second",
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d"),
        "certificates_per_series": count,
        "pdf_generation_alone_per_s": pdf_rate,
        "generateCertificate_new_issue_per_s": issue_rate,
        "generateCertificate_reissue_per_s": reissue_rate,
        "ratio_pdf_alone_to_whole_function": pdf_rate / issue_rate,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 40), indent=2))
