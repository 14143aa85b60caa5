"""The job queue on the real Pub/Sub emulator: at-least-once delivery, one result per job.

A recording copy is the job here: its file comes from a local server that sends it
slowly, so a worker can be killed while it is halfway through.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from emulator.pubsub_emulator import push_to
from entities import store
from entities.recording import recording_id
from shared import jobs, queue
from tests.fakes.local_http import LoopbackServer
from tests.helpers import local_blob_store, served_target
from tests.queue_fixtures import JobQueue, finished_jobs

CHUNK = 64 * 1024
CHUNKS = 40  # 2.5 MiB, sent over about 4 s


class SlowFiles:
    """Serves /ok.mp4 a chunk at a time (counting who asked), /busy.mp4 as a 503, /gone.mp4 as a 404."""

    def __init__(self) -> None:
        self.started: list[float] = []
        self.halfway = threading.Event()
        files = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/busy.mp4"):
                    self.send_error(503)
                    return
                if not self.path.startswith("/ok.mp4"):
                    self.send_error(404)
                    return
                files.started.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(CHUNK * CHUNKS))
                self.end_headers()
                try:
                    for sent in range(CHUNKS):
                        self.wfile.write(bytes([sent % 251]) * CHUNK)
                        self.wfile.flush()
                        if sent == CHUNKS // 2:
                            files.halfway.set()
                        time.sleep(0.1)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker died mid-file

            def log_message(self, *_: object) -> None:
                pass

        self.server = LoopbackServer(Handler)
        self.url = self.server.url


@pytest.fixture
def files() -> Iterator[SlowFiles]:
    served = SlowFiles()
    yield served
    served.server.close()


@pytest.fixture
def blobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from local_blob_store(tmp_path, monkeypatch, "http://blobs.test")


def _session() -> dict[str, Any]:
    return store.create(
        "VideoSession",
        {
            "course_id": "crs_jobs",
            "title": "Queue class",
            "scheduled_for": "2026-01-20T14:00:00Z",
            "duration": 60,
            "host_email": "host@example.test",
            "provider": "zoom",
            "provider_meeting_id": "81234567890",
            "join_url": "https://zoom.test/j/1",
            "start_url": "https://zoom.test/s/1",
        },
        created_by=None,
    )


def _enqueue_copy(files: SlowFiles, name: str, key: str = "recording.completed|uuid-1") -> str:
    from functions.video import recording_jobs

    meeting = {
        "id": 81234567890,
        "uuid": "uuid-1",
        "recording_files": [
            {
                "id": f"file-{name}",
                "file_type": "MP4",
                "status": "completed",
                "download_url": f"{files.url}/{name}",
                "recording_start": "2026-01-20T14:00:00Z",
                "recording_end": "2026-01-20T15:00:00Z",
            }
        ],
    }
    assert recording_jobs.queue_zoom(_session(), key, meeting, "dl-token") == "queued"
    return recording_jobs.job_id("zoom-event", key)


@contextmanager
def worker_process(blob_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`jobWorker` in a process of its own; (process, URL). An envelope that is no envelope is
    dropped with a 200, so answering one shows the worker is up."""
    with served_target("jobWorker", {"LOCAL_BLOB_DIR": str(blob_dir)}, "/", b"{}") as (process, url):
        yield process, url + "/"


def test_a_job_survives_its_worker_dying_mid_job(job_queue: JobQueue, files: SlowFiles, blobs: Path, db: Any) -> None:
    # GIVEN a worker process that takes the job's message and starts copying the file
    with worker_process(blobs) as (first, first_url):
        # (the emulator sometimes notices a dead push only when the ack deadline passes: a short one)
        job_queue.remake(first_url, ack_deadline_seconds=10)
        job_id = _enqueue_copy(files, "ok.mp4")
        assert files.halfway.wait(30), "the first worker never started the copy"
        running = jobs.get(job_id)
        assert running is not None and (running["status"], running["attempts"]) == ("running", 1)
        # WHEN it dies halfway through the file (no answer to Pub/Sub, no clean-up)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    # THEN Pub/Sub delivers the message again, to a second worker, which takes the job
    # over once the dead worker's lease runs out, and copies the file whole
    with worker_process(blobs) as (_, second_url):
        push_to(job_queue.project, job_queue.names.worker, second_url)
        (job,) = finished_jobs(db, timeout=60)
        assert (job["status"], job["attempts"]) == ("succeeded", 2), job
        assert len(files.started) == 2
        rec_id = recording_id("zoom", "file-ok.mp4")
        (recording,) = store.query("Recording", {"course_id": "crs_jobs"})
        assert recording["id"] == rec_id and recording["size"] == CHUNK * CHUNKS
        (copied,) = blobs.rglob("*.mp4")
        assert copied.stat().st_size == CHUNK * CHUNKS
        written = (recording["created_date"], job["finished_at"])
        # AND a further delivery of the same message runs nothing: the result stays the one written
        queue.publish(job_id, "recording_copy")
        time.sleep(2)
        assert len(files.started) == 2
        again = jobs.get(job_id)
        assert again is not None and (store.get("Recording", rec_id)["created_date"], again["finished_at"]) == written
        assert again["attempts"] == 2


def test_a_job_failing_every_time_goes_to_the_dead_letter_topic_and_fails(
    job_queue: JobQueue, files: SlowFiles, blobs: Path, db: Any
) -> None:
    # GIVEN a file that the provider is always too busy to send (a retryable failure)
    job_id = _enqueue_copy(files, "busy.mp4")
    # WHEN every delivery fails
    (job,) = finished_jobs(db, timeout=90)
    # THEN after the policy's attempts Pub/Sub moves it to the dead-letter topic, and the job fails
    assert job["id"] == job_id and job["status"] == "failed", job
    assert job["attempts"] == job_queue.policy().max_delivery_attempts
    assert job["error"] == queue.ABANDONED and store.query("Recording", {"course_id": "crs_jobs"}) == []


def test_a_failure_no_retry_mends_fails_the_job_at_once(
    job_queue: JobQueue, files: SlowFiles, blobs: Path, db: Any
) -> None:
    _enqueue_copy(files, "gone.mp4")
    (job,) = finished_jobs(db)
    assert (job["status"], job["attempts"]) == ("failed", 1)
    assert job["error"] == "The meeting provider has no such recording"


def test_the_same_event_queues_one_job(job_queue: JobQueue, files: SlowFiles, blobs: Path, db: Any) -> None:
    from functions.video import recording_jobs

    job_id = _enqueue_copy(files, "ok.mp4")
    assert recording_jobs.queue_zoom(_session(), "recording.completed|uuid-1", {}, "dl-token") == "duplicate"
    (job,) = finished_jobs(db)
    assert job["id"] == job_id and job["status"] == "succeeded" and len(files.started) == 1
    assert job["params"] == {}  # the download token is not kept once the copy is done


def test_a_job_running_elsewhere_is_refused_until_its_lease_runs_out(job_queue: JobQueue, db: Any) -> None:
    job = jobs.create("progress_export", owner_id=None)
    held = jobs.claim(job["id"])
    assert isinstance(held, jobs.Claim)
    delivery = queue.Delivery(job["id"], "progress_export", dead_letter=False)
    assert queue.run(delivery) == ("busy", 503)
    # a worker whose lease ran out has lost the job: its result is refused
    db.collection(jobs.COLLECTION).document(job["id"]).update({"lease_until": "2000-01-01T00:00:00+00:00"})
    taken = jobs.claim(job["id"])
    assert isinstance(taken, jobs.Claim) and taken.attempt == 2
    with pytest.raises(jobs.ClaimLost):
        jobs.succeed(held, "https://blobs.test/stale.csv")
    jobs.fail(taken, "done")
    assert queue.run(delivery) == ("duplicate", 200)


def _push(app: Any, body: Any) -> Any:
    return app.post("/", data=body if isinstance(body, bytes) else json.dumps(body))


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        {"message": "x"},
        {"message": {"data": "%%%"}},
        {"message": {"data": base64.b64encode(b"[1]").decode()}},
        {"message": {"data": base64.b64encode(b'{"job_id": "a/b", "kind": "progress_export"}').decode()}},
        {"message": {"data": base64.b64encode(b'{"job_id": "job_x", "kind": "rm -rf"}').decode()}},
    ],
)
def test_a_message_no_worker_can_run_is_acknowledged_and_dropped(job_queue: JobQueue, body: Any) -> None:
    from emulator.pubsub_emulator import worker_app

    answer = _push(worker_app().test_client(), body)
    assert answer.status_code == 200 and answer.get_json() == {"outcome": "dropped"}


def test_a_message_for_no_job_is_acknowledged(job_queue: JobQueue) -> None:
    from emulator.pubsub_emulator import worker_app

    data = base64.b64encode(json.dumps({"job_id": "job_missing", "kind": "progress_export"}).encode()).decode()
    envelope = {"message": {"data": data}, "subscription": "projects/p/subscriptions/s"}
    answer = _push(worker_app().test_client(), envelope)
    assert answer.status_code == 200 and answer.get_json() == {"outcome": "no such job"}


def test_without_a_queue_publishing_is_a_retryable_503(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.errors import ServiceUnavailableError

    monkeypatch.delenv(queue.EMULATOR_HOST, raising=False)
    with pytest.raises(ServiceUnavailableError) as refused:
        queue.publish("job_x", "progress_export")
    assert queue.EMULATOR_HOST in refused.value.message and refused.value.retryable
