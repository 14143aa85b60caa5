"""The gcloud Pub/Sub emulator, and the job queue on it, for `make dev` and the tests.

Started in a process group of its own and stopped as a group, like the Firestore
emulator (the gcloud wrapper leaves its Java child behind otherwise). `make_queue`
creates what the deploy plan creates in a project: the job topic, its push
subscription to a worker (with the retry and dead-letter policy), the dead-letter
topic and its push subscription to the same worker.

What this emulator does, checked by tests/jobs: it pushes to a local HTTP endpoint
and retries a push answered with an error; it counts deliveries and moves a message
to the dead-letter topic after `max_delivery_attempts`. What it does not: it does
not wait out the retry policy's backoff exactly (redeliveries come about a second
apart whatever the policy says), its push body has no `deliveryAttempt`, and it
neither signs pushes with an OIDC token nor checks IAM.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from emulator.processes import free_port, stop_group, wait_answering
from shared import queue


@dataclass
class PubSubEmulator:
    host: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        stop_group(self.process)


def _emulator_script() -> Path | None:
    """The emulator's own launcher in the gcloud SDK: what `gcloud beta emulators pubsub start` runs."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise RuntimeError("gcloud is not installed: install google-cloud-cli and its Pub/Sub emulator")
    script = Path(gcloud).resolve().parents[1] / "platform" / "pubsub-emulator" / "bin" / "cloud-pubsub-emulator"
    return script if script.exists() else None


def launch(port: int | None = None, log_path: Path | None = None) -> PubSubEmulator:
    """Start the emulator without waiting for it (see `wait`)."""
    script = _emulator_script()
    port = port or free_port()
    host = f"127.0.0.1:{port}"
    log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / f"pubsub-emulator-{port}.log"
    if script is not None:
        args = [str(script), "--host=127.0.0.1", f"--port={port}"]
    else:
        args = ["gcloud", "beta", "emulators", "pubsub", "start", f"--host-port={host}", "--quiet"]
    log = log_path.open("wb")
    process = subprocess.Popen(
        args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    log.close()  # the child has its own copy of the descriptor
    return PubSubEmulator(host, process, log_path)


def wait(emulator: PubSubEmulator, timeout: float = 60.0) -> PubSubEmulator:
    """Return once the emulator answers; stop it and raise if it exits or takes longer than `timeout`."""
    wait_answering(f"http://{emulator.host}/", emulator.process, "Pub/Sub emulator", emulator.log_path, timeout)
    return emulator


def start(port: int | None = None, timeout: float = 60.0) -> PubSubEmulator:
    return wait(launch(port), timeout)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the worker subscription redelivers (the deploy plan's values by default)."""

    max_delivery_attempts: int = queue.MAX_DELIVERY_ATTEMPTS
    min_backoff_seconds: int = queue.MIN_BACKOFF_SECONDS
    max_backoff_seconds: int = queue.MAX_BACKOFF_SECONDS
    ack_deadline_seconds: int = queue.ACK_DEADLINE_SECONDS


def make_queue(
    project: str, push_endpoint: str, names: queue.Names | None = None, policy: DeliveryPolicy | None = None
) -> queue.Names:
    """The job topic, the dead-letter topic and their push subscriptions to `push_endpoint`.

    Talks to the emulator PUBSUB_EMULATOR_HOST names. Subscriptions made before are
    made again, so they push to this endpoint with this policy.
    """
    from google.api_core.exceptions import AlreadyExists, NotFound
    from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient

    names = names or queue.names()
    policy = policy or DeliveryPolicy()
    publisher, subscriber = PublisherClient(), SubscriberClient()
    try:
        for topic in (names.topic, names.dead_letter_topic):
            with contextlib.suppress(AlreadyExists):
                publisher.create_topic(name=publisher.topic_path(project, topic))
        dead_letter_topic = publisher.topic_path(project, names.dead_letter_topic)
        subscriptions: list[tuple[str, str, dict[str, Any]]] = [
            (names.dead_letter_worker, names.dead_letter_topic, {}),
            (
                names.worker,
                names.topic,
                {
                    "dead_letter_policy": {
                        "dead_letter_topic": dead_letter_topic,
                        "max_delivery_attempts": policy.max_delivery_attempts,
                    },
                    "retry_policy": {
                        "minimum_backoff": timedelta(seconds=policy.min_backoff_seconds),
                        "maximum_backoff": timedelta(seconds=policy.max_backoff_seconds),
                    },
                },
            ),
        ]
        for subscription, topic, extra in subscriptions:
            path = subscriber.subscription_path(project, subscription)
            with contextlib.suppress(NotFound):
                subscriber.delete_subscription(subscription=path)
            subscriber.create_subscription(
                request={
                    "name": path,
                    "topic": publisher.topic_path(project, topic),
                    "ack_deadline_seconds": policy.ack_deadline_seconds,
                    "push_config": {"push_endpoint": push_endpoint},
                    **extra,
                }
            )
    finally:
        subscriber.close()
        publisher.transport.close()
    return names


def drop_queue(project: str, names: queue.Names) -> None:
    """Delete the queue's subscriptions, so the emulator stops pushing to a worker that is gone."""
    from google.api_core.exceptions import NotFound
    from google.cloud.pubsub_v1 import SubscriberClient

    subscriber = SubscriberClient()
    try:
        for subscription in (names.worker, names.dead_letter_worker):
            with contextlib.suppress(NotFound):
                subscriber.delete_subscription(subscription=subscriber.subscription_path(project, subscription))
    finally:
        subscriber.close()


def push_to(project: str, subscription: str, push_endpoint: str) -> None:
    """Point an existing push subscription at another endpoint (another worker)."""
    from google.cloud.pubsub_v1 import SubscriberClient

    subscriber = SubscriberClient()
    try:
        subscriber.modify_push_config(
            request={
                "subscription": subscriber.subscription_path(project, subscription),
                "push_config": {"push_endpoint": push_endpoint},
            }
        )
    finally:
        subscriber.close()


def worker_app() -> Any:
    """The `jobWorker` target as a WSGI app, for a local worker beside the gateway."""
    import flask

    app = flask.Flask("job-worker")

    @app.post("/")
    def deliver() -> Any:
        return queue.handle_push(flask.request)

    return app
