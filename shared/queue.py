"""Background jobs on Google Cloud Pub/Sub: publishing them, and the worker that runs them.

A job is its record (`shared.jobs`) and one message on the topic `jobs` (JOBS_TOPIC)
naming it, `{"job_id", "kind"}` (what the worker needs is on the record: `params`). The
push subscription `jobs-worker` delivers each message to the `jobWorker` target, at
least once. The worker claims the job, runs the handler of its kind (`KINDS`) while a
heartbeat keeps its claim alive, and answers:

- 200: done, or nothing to do (the job finished before, or there is no such job): acknowledged;
- 503: a retryable failure, or the job is running elsewhere: Pub/Sub delivers it again
  with exponential backoff (`MIN_BACKOFF_SECONDS` to `MAX_BACKOFF_SECONDS`).

A failure that no retry can mend (a 4xx of ours, e.g. the provider has no such file)
fails the job at once. After `MAX_DELIVERY_ATTEMPTS` deliveries Pub/Sub moves the message
to the dead-letter topic `jobs-dead-letter`, whose subscription pushes to the same target:
the job is then marked failed, so its poller learns it. The Pub/Sub SDK is imported only here,
and only when a job is published: functions that publish nothing never load it.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from shared import config, jobs, logging
from shared.errors import AppError, ServiceUnavailableError
from shared.router import Deploy

if TYPE_CHECKING:
    import flask

# The handler of each kind of job: `module:function`, imported when a job of that kind runs.
KINDS: dict[str, str] = {
    "progress_export": "functions.enterprise.progress_export:run",
    "recording_copy": "functions.video.recording_jobs:run",
}
WORKER_SUFFIX = "-worker"
DEAD_LETTER_SUFFIX = "-dead-letter"
# Delivery policy of the worker subscription (deploy plan and `make dev` alike).
MAX_DELIVERY_ATTEMPTS = 10
MIN_BACKOFF_SECONDS = 10
MAX_BACKOFF_SECONDS = 600
# How long Pub/Sub waits for the worker's answer: the longest a job may run (the target's timeout).
ACK_DEADLINE_SECONDS = 540
PUBLISH_TIMEOUT_SECONDS = 10.0
# The `jobWorker` target: a CSV page or a recording chunk in memory at a time, for up to ACK_DEADLINE_SECONDS.
WORKER_DEPLOY = Deploy(
    memory="1Gi",
    timeout=f"{ACK_DEADLINE_SECONDS}s",
    max_instances=20,
    env=((config.STORAGE_BUCKET, config.BUCKET_FROM_PLAN),),
)
# What the handlers call out with: Daily's API for a fresh download link (Zoom's token comes with its event).
WORKER_SETTINGS = (config.DAILY_API_KEY,)
EMULATOR_HOST = "PUBSUB_EMULATOR_HOST"
ABANDONED = "The job failed after several attempts; start it again"


@dataclass(frozen=True)
class Names:
    """The topics and subscriptions of the job queue."""

    topic: str
    worker: str
    dead_letter_topic: str
    dead_letter_worker: str


def names(topic: str | None = None) -> Names:
    topic = topic or config.jobs_topic()
    dead = topic + DEAD_LETTER_SUFFIX
    return Names(topic, topic + WORKER_SUFFIX, dead, dead + WORKER_SUFFIX)


@dataclass(frozen=True)
class Result:
    """What a finished job hands its poller: a link to its result, if it has one."""

    url: str | None = None
    expires_at: str | None = None


Handler = Callable[[dict[str, Any], dict[str, Any]], Result]


# --- publishing -----------------------------------------------------------------------


def enqueue(
    kind: str,
    params: dict[str, Any],
    *,
    owner_id: str | None = None,
    organization_id: str | None = None,
    total: int | None = None,
) -> dict[str, Any]:
    """Record a new job and publish it."""
    job = jobs.create(_known(kind), owner_id=owner_id, organization_id=organization_id, total=total, params=params)
    publish(job["id"], kind)
    return job


def enqueue_once(job_id: str, kind: str, params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The job of `job_id`, made and published unless it was before; and whether this call made it.

    A job still queued is published again (its first publication may have been lost
    with the instance that made it); the worker runs it once however often it arrives,
    with the params recorded when the job was made.
    """
    job, created = jobs.create_once(job_id, _known(kind), owner_id=None, params=params)
    if job["status"] == "queued":
        publish(job_id, kind)
    return job, created


def _known(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"no handler for jobs of kind {kind}")
    return kind


def publish(job_id: str, kind: str) -> str:
    """Publish one job message; its Pub/Sub message id. A retryable 503 when Pub/Sub is unreachable.

    The message names the job alone: what the worker needs is on the job's record.
    """
    data = json.dumps({"job_id": job_id, "kind": kind}, separators=(",", ":")).encode()
    if not config.is_production() and not os.environ.get(EMULATOR_HOST):
        # Development and tests never reach a real project's queue by accident.
        raise ServiceUnavailableError(f"No job queue: set {EMULATOR_HOST} (make dev starts the Pub/Sub emulator)")
    try:
        publisher = _publisher(config.project_id())
        future = publisher.publish(_topic_path(names().topic), data, kind=kind, job_id=job_id)
        message_id: str = future.result(timeout=PUBLISH_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure to publish is the queue being unavailable
        logging.error("job not published", job_id=job_id, kind=kind, error_type=type(exc).__name__)
        raise ServiceUnavailableError("The job queue is unreachable; retry shortly") from exc
    logging.info("job published", job_id=job_id, kind=kind, message_id=message_id)
    return message_id


def _topic_path(topic: str) -> str:
    return f"projects/{config.project_id()}/topics/{topic}"


@cache
def _publisher(_project: str) -> Any:
    from google.cloud.pubsub_v1 import PublisherClient, types

    # One message at a time: a webhook waits for its own publication, not for a batch to fill.
    return PublisherClient(batch_settings=types.BatchSettings(max_messages=1))


def reset_publisher() -> None:
    """Forget the publisher (tests point the queue at another emulator)."""
    _publisher.cache_clear()


# --- the worker -----------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    job_id: str
    kind: str
    dead_letter: bool


class BadMessage(ValueError):
    """A message no worker can run: acknowledged and logged, never retried."""


def parse_push(envelope: Any) -> Delivery:
    """A Pub/Sub push request's body: `{"message": {"data": base64, ...}, "subscription": ...}`."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("message"), dict):
        raise BadMessage("not a Pub/Sub push envelope")
    subscription = envelope.get("subscription")
    try:
        body = json.loads(base64.b64decode(envelope["message"].get("data") or "", validate=True))
    except (binascii.Error, ValueError) as exc:
        raise BadMessage("message data is not base64 JSON") from exc
    if not isinstance(body, dict):
        raise BadMessage("message data is not an object")
    job_id, kind = body.get("job_id"), body.get("kind")
    if not isinstance(job_id, str) or not job_id or len(job_id) > 200 or "/" in job_id:
        raise BadMessage("message names no job")
    if kind not in KINDS:
        raise BadMessage("message names no known kind of job")
    dead = isinstance(subscription, str) and subscription.endswith(DEAD_LETTER_SUFFIX + WORKER_SUFFIX)
    return Delivery(job_id, str(kind), dead)


def handle_push(request: flask.Request) -> flask.Response:
    """The `jobWorker` target: one push delivery, answered 200 (acknowledge) or 503 (deliver again)."""
    import flask

    try:
        delivery = parse_push(request.get_json(force=True, silent=True))
    except BadMessage as exc:
        logging.error("job message dropped", reason=str(exc))
        return flask.jsonify({"outcome": "dropped"})
    outcome, status = run(delivery)
    return flask.make_response(flask.jsonify({"outcome": outcome}), status)


def run(delivery: Delivery) -> tuple[str, int]:
    """Run one delivery of a job: (outcome, HTTP status for Pub/Sub)."""
    job_id = delivery.job_id
    if delivery.dead_letter:
        abandoned = jobs.abandon(job_id, ABANDONED)
        logging.error("job dead-lettered", job_id=job_id, kind=delivery.kind, marked_failed=abandoned)
        return "abandoned", 200
    try:
        held = jobs.claim(job_id)
    except jobs.Busy:
        return "busy", 503
    except AppError as exc:
        logging.warning("job not claimed", job_id=job_id, error_type=type(exc).__name__)
        return "unavailable", 503
    if held is None:
        logging.warning("job message for no job", job_id=job_id, kind=delivery.kind)
        return "no such job", 200
    if not isinstance(held, jobs.Claim):
        return "duplicate", 200
    logging.info("job running", job_id=job_id, kind=delivery.kind, attempt=held.attempt)
    try:
        with Heartbeat(held):
            job = jobs.get(job_id) or {"id": job_id}
            result = _handler(delivery.kind)(job, job.get("params") or {})
        jobs.succeed(held, result.url, result_expires_at=result.expires_at)
    except jobs.ClaimLost:
        logging.warning("job taken over", job_id=job_id, attempt=held.attempt)
        return "taken over", 200
    except AppError as exc:
        message, error_type = exc.message, type(exc).__name__
        if not exc.retryable:  # a 4xx of ours: no retry mends it
            logging.warning("job failed", job_id=job_id, kind=delivery.kind, error_type=error_type)
            return _settle(lambda: jobs.fail(held, message), "failed")
        logging.warning("job will be retried", job_id=job_id, kind=delivery.kind, error_type=error_type)
        return _settle(lambda: jobs.release(held, message), "retry", 503)
    except Exception as exc:  # noqa: BLE001 - an unexpected failure is retried; the dead-letter topic ends it
        logging.error("job crashed", job_id=job_id, kind=delivery.kind, error_type=type(exc).__name__)
        return _settle(lambda: jobs.release(held, "The job hit an error; it is being retried"), "retry", 503)
    logging.info("job succeeded", job_id=job_id, kind=delivery.kind, attempt=held.attempt)
    return "succeeded", 200


def _settle(write: Callable[[], None], outcome: str, status: int = 200) -> tuple[str, int]:
    try:
        write()
    except jobs.ClaimLost:
        return "taken over", 200
    except AppError:
        return "unavailable", 503  # the job record could not be written: deliver again
    return outcome, status


def _handler(kind: str) -> Handler:
    module, _, function = KINDS[kind].partition(":")
    handler: Handler = getattr(importlib.import_module(module), function)
    return handler


class Heartbeat:
    """Extends the claim's lease every third of a lease while the job runs."""

    def __init__(self, held: jobs.Claim) -> None:
        self.held = held
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{held.job_id}", daemon=True)

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _beat(self) -> None:
        interval = config.job_lease_seconds() / 3
        while not self.stopped.wait(interval):
            try:
                jobs.heartbeat(self.held)
            except jobs.ClaimLost:
                return  # taken over: the result this worker makes will not be written
            except AppError as exc:  # a missed beat; the next may land
                logging.warning("job heartbeat missed", job_id=self.held.job_id, error_type=type(exc).__name__)
