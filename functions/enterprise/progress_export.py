"""The progress report as a CSV file in blob storage, made by a job the caller polls.

The file is written a page of members at a time (`put_stream`), so memory stays flat
however large the organization; the job reports how many members are done, then a
signed link to the file. The job runs in the instance that accepted the request,
after the answer: the service needs CPU outside requests (Cloud Run "CPU always
allocated") for it to finish promptly. Exports count against the exports limit (5 an hour).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from functions.enterprise.progress_report import Range, all_users, csv_chunks
from shared import jobs, logging, ratelimit
from shared.auth import Caller
from shared.storage import blob_store, link_ttl


def start(caller: Caller, org_id: str, span: Range, total: int) -> dict[str, Any]:
    ratelimit.hit(("exports",), caller.rate_key)
    job = jobs.create("progress_export", owner_id=caller.user_id, organization_id=org_id, total=total)
    threading.Thread(target=run, args=(job["id"], org_id, span, total), name=f"export-{job['id']}", daemon=True).start()
    return job


def run(job_id: str, org_id: str, span: Range, total: int) -> None:
    try:
        jobs.start(job_id, total=total)
        blobs = blob_store()
        path = f"exports/progress/{org_id}/{job_id}.csv"
        chunks = csv_chunks(all_users(org_id, span), on_page=lambda done: jobs.report_progress(job_id, done, total))
        blobs.put_stream(path, chunks, "text/csv; charset=utf-8")
        ttl = link_ttl()
        url = blobs.signed_url(path, ttl, download_name=f"progress-{span.start}.csv")
        expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + ttl))
        jobs.succeed(job_id, url, result_expires_at=expires)
    except Exception as exc:  # noqa: BLE001 - the poller learns it failed; the log keeps why
        logging.error("progress export failed", job_id=job_id, error=type(exc).__name__)
        jobs.fail(job_id, "The export failed; start it again")
