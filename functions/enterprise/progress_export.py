"""The progress report as a CSV file in blob storage, made by a job the caller polls.

The request records the job and publishes it on the job queue (`shared.queue`); the
`jobWorker` target writes the file a page of members at a time (`put_stream`), so
memory stays flat however large the organization. The job reports how many members
are done, then a signed link to the file. A worker that dies mid-file leaves the job
to the queue's next delivery, which writes the whole file again under the same name.
Exports count against the exports limit (5 an hour).
"""

from __future__ import annotations

import time
from typing import Any

from functions.enterprise.progress_report import Range, all_users, csv_chunks
from shared import jobs, queue, ratelimit
from shared.auth import Caller
from shared.storage import blob_store, link_ttl

KIND = "progress_export"


def start(caller: Caller, org_id: str, span: Range, total: int) -> dict[str, Any]:
    ratelimit.hit(("exports",), caller.rate_key)
    params = {"organization_id": org_id, "start": span.start, "end": span.end, "total": total}
    return queue.enqueue(KIND, params, owner_id=caller.user_id, organization_id=org_id, total=total)


def run(job: dict[str, Any], params: dict[str, Any]) -> queue.Result:
    """The job's work: the CSV file of every member, and a signed link to it."""
    job_id, org_id, total = job["id"], str(params["organization_id"]), int(params["total"])
    span = Range(str(params["start"]), str(params["end"]))
    jobs.report_progress(job_id, 0, total)
    blobs = blob_store()
    path = f"exports/progress/{org_id}/{job_id}.csv"
    chunks = csv_chunks(all_users(org_id, span), on_page=lambda done: jobs.report_progress(job_id, done, total))
    blobs.put_stream(path, chunks, "text/csv; charset=utf-8")
    ttl = link_ttl()
    url = blobs.signed_url(path, ttl, download_name=f"progress-{span.start}.csv")
    return queue.Result(url, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + ttl)))
