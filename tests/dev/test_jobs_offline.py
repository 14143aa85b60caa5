"""`make dev` runs background jobs offline: its Pub/Sub emulator pushes them to its own worker."""

from __future__ import annotations

import time
from typing import Any

import requests

from emulator import demo
from tests.dev.conftest import DevPlatform


def test_a_csv_export_queued_on_make_dev_is_run_by_its_worker(dev_platform: DevPlatform) -> None:
    # GIVEN the demo organization's admin, signed in to make dev's platform
    assert dev_platform.printed(r"^Pub/Sub emulator: 127\.0\.0\.1:\d+ \(jobs pushed to 127\.0\.0\.1:\d+\)")
    token = dev_platform.sign_in("orgadmin@sparkacademy.test", demo.demo_password())
    # WHEN they ask for the progress report as a CSV file
    body = {"organizationId": demo.ORGANIZATION_ID, "startDate": "2026-01-01", "endDate": "2026-12-31", "format": "csv"}
    answer = dev_platform.api("POST", "/functions/enterpriseGetProgress", token, json=body)
    assert answer.status_code == 200, answer.text
    job: dict[str, Any] = answer.json()["export"]
    assert job["status"] == "queued"
    # THEN the job is delivered to the local worker and finishes with a link that downloads the file
    deadline = time.monotonic() + 60
    while job["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = dev_platform.api("GET", f"/jobs/{job['id']}", token).json()
    assert job["status"] == "succeeded" and job["attempts"] == 1, job
    assert job["result_url"].startswith(dev_platform.url + "/")
    download = requests.get(job["result_url"], timeout=30)
    assert download.status_code == 200 and "email" in download.text.splitlines()[0]
