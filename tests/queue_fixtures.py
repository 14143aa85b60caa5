"""The job queue in the tests: the real Pub/Sub emulator and a worker serving `jobWorker`.

One emulator per test process (PUBSUB_EMULATOR_HOST if set, else started here), so
parallel test workers never share one; each test that uses `job_worker` gets topics
and subscriptions of its own, so no message of another test reaches it.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

# Deliveries come again within seconds here (the deploy plan waits 10 s to 10 min).
TEST_POLICY_ATTEMPTS = 5
_topics = itertools.count()


@pytest.fixture(scope="session")
def pubsub_emulator(environment: None) -> Iterator[str]:
    """The emulator's host:port for the run."""
    from emulator import pubsub_emulator
    from shared import queue

    started = None
    if not os.environ.get(queue.EMULATOR_HOST):
        started = pubsub_emulator.start()
        os.environ[queue.EMULATOR_HOST] = started.host
    queue.reset_publisher()
    yield os.environ[queue.EMULATOR_HOST]
    if started is not None:
        started.stop()
        os.environ.pop(queue.EMULATOR_HOST, None)
    queue.reset_publisher()


@dataclass
class JobQueue:
    project: str
    names: Any  # shared.queue.Names
    worker_url: str

    def policy(self, **changes: int) -> Any:
        from emulator import pubsub_emulator

        return pubsub_emulator.DeliveryPolicy(
            **{
                "max_delivery_attempts": TEST_POLICY_ATTEMPTS,
                "min_backoff_seconds": 1,
                "max_backoff_seconds": 2,
                "ack_deadline_seconds": 60,
                **changes,
            }
        )

    def remake(self, push_endpoint: str | None = None, **policy: int) -> None:
        """The subscriptions again, pushing to `push_endpoint` (this test's worker by default)."""
        from emulator import pubsub_emulator

        pubsub_emulator.make_queue(self.project, push_endpoint or self.worker_url, self.names, self.policy(**policy))


def fresh_topic() -> str:
    return f"jobs-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}-{next(_topics)}"


@pytest.fixture
def job_queue(pubsub_emulator: str, db: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[JobQueue]:
    """Topics and push subscriptions of this test's own, delivering to a worker in this process."""
    from emulator import pubsub_emulator as emulator
    from emulator.server import start_in_thread
    from shared import config, queue

    monkeypatch.setenv(config.JOBS_TOPIC, fresh_topic())
    monkeypatch.setenv(config.JOB_LEASE_SECONDS, "6")  # beats every 2 s; a loaded machine may delay one
    server = start_in_thread(emulator.worker_app())
    jobs = JobQueue(config.project_id(), queue.names(), f"http://127.0.0.1:{server.server_port}/")
    jobs.remake()
    yield jobs
    emulator.drop_queue(jobs.project, jobs.names)
    server.shutdown()


def finished_jobs(db: Any, count: int = 1, timeout: float = 60.0) -> list[dict[str, Any]]:
    """The `count` jobs of the database once every one has finished (the worker runs them meanwhile)."""
    import time

    from shared import jobs

    deadline = time.monotonic() + timeout
    while True:
        found = [snapshot.to_dict() for snapshot in db.collection(jobs.COLLECTION).stream()]
        if len(found) == count and all(job["status"] in jobs.FINISHED for job in found):
            return found
        assert time.monotonic() < deadline, f"jobs did not finish: {found}"
        time.sleep(0.1)
