"""`make dev`'s whole platform: the Firestore and Pub/Sub emulators, the local Stripe server, a job
worker, demo data and the gateway.

Background jobs (CSV exports, recording copies) go through the Pub/Sub emulator as they
go through Pub/Sub when deployed: its push subscription delivers them to a local
`jobWorker` on a port of its own (`emulator.pubsub_emulator`), retried the same way.

What lasts between runs is kept in one folder (`.emulator-data/` by default):

- `firestore/`: the newest export of the Firestore emulator, imported at start, written at stop;
- `stripe.pickle`: every object of the local Stripe server, written after each change;
- `jwt_secret`: the token key, so tokens issued before a restart stay valid;
- `mfa_key`: the key TOTP secrets are encrypted with, so MFA set up before a restart still works.

Real Stripe keys in the environment (`STRIPE_SECRET_KEY`) replace the local Stripe
server, and `FIRESTORE_EMULATOR_HOST` / `PUBSUB_EMULATOR_HOST` emulators started elsewhere.
Jobs still queued when `make dev` stops stay queued (the Pub/Sub emulator keeps no messages).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator import demo, firestore_emulator, local_stripe, paths, pubsub_emulator
from emulator.gateway import create_app
from emulator.server import make, start_in_thread
from shared import config, queue

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / ".emulator-data"
LOCAL_STRIPE_KEY = "sk_test_local_stripe_server"
# A free port can be taken by another process before a service binds it: it is then started again.
PORT_ATTEMPTS = 3


@dataclass
class Platform:
    url: str
    data: Path
    gateway: Any
    firestore: firestore_emulator.FirestoreEmulator | None = None
    stripe: local_stripe.LocalStripe | None = None
    pubsub: pubsub_emulator.PubSubEmulator | None = None
    worker: Any = None
    seeded: dict[str, Any] = field(default_factory=dict)

    def serve_forever(self) -> None:
        self.gateway.serve_forever()

    def stop(self) -> None:
        """Stop serving, export the database, then stop the emulators."""
        with contextlib.suppress(Exception):
            self.gateway.shutdown()
        if self.worker is not None:
            with contextlib.suppress(Exception):
                self.worker.shutdown()
        try:
            if self.firestore is not None:
                self.firestore.export(config.project_id(), self.data / "firestore")
        except OSError as exc:  # urllib's errors included: the emulator is gone or refused
            print(f"The database could not be saved ({exc}); the previous save is kept.", file=sys.stderr)
        finally:
            for service in (self.firestore, self.stripe, self.pubsub):
                if service is not None:
                    service.stop()


def _starting(_environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """What the listener answers until the gateway is built (nothing is served before that)."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
    return [b"starting"]


def token_key(data: Path) -> str:
    """The token key kept in `data/jwt_secret`, made on first use (readable by its owner alone)."""
    return _kept_key(data / "jwt_secret", lambda: secrets.token_urlsafe(48))


def mfa_key(data: Path) -> str:
    """The Fernet key for TOTP secrets, kept in `data/mfa_key` like the token key."""
    from cryptography.fernet import Fernet

    return _kept_key(data / "mfa_key", lambda: Fernet.generate_key().decode())


def _kept_key(path: Path, make: Callable[[], str]) -> str:
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    key = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key + "\n")
    return key


def start(
    assemble: Callable[[], None], port: int = 8080, data: Path = DEFAULT_DATA, say: Callable[[str], None] = print
) -> Platform:
    """Start every service, load the demo data and listen on 127.0.0.1:`port` (0: any free port).

    `assemble` mounts the `api` service's routes (the composition point's), while the emulators boot."""
    data.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault(config.ENV, "development")
    os.environ.setdefault(config.PROJECT, "sparkacademy-dev")
    if not os.environ.get(config.JWT_SECRET):
        os.environ[config.JWT_SECRET] = token_key(data)
    if not os.environ.get(config.MFA_ENCRYPTION_KEY):
        os.environ[config.MFA_ENCRYPTION_KEY] = mfa_key(data)
    # The port is taken now, so the Stripe server can be told where the checkout pages are.
    gateway = make(_starting, port=port)
    url = f"http://127.0.0.1:{gateway.server_port}"
    os.environ.setdefault(config.PUBLIC_BASE_URL, url)
    platform = Platform(url=url, data=data, gateway=gateway)
    try:
        _launch_services(platform, say)
        assemble()  # while the emulators boot: importing every route takes a while too
        app = create_app()
        _wait_for_services(platform, say)
        gateway.set_app(app)
        platform.seeded = demo.load()
        absent = demo.missing()
        if absent:  # the seed documents' examples would answer 404: refuse to serve
            raise RuntimeError("The demo data lacks records the seed examples name: " + ", ".join(absent))
    except BaseException:
        platform.stop()
        raise
    return platform


def _launch_services(platform: Platform, say: Callable[[str], None]) -> None:
    """The Firestore emulator and the local Stripe server start side by side."""
    if not os.environ.get("FIRESTORE_EMULATOR_HOST"):
        say("Starting the Firestore emulator and the local Stripe server...")
        platform.firestore = _launch_firestore(platform)
    if not os.environ.get(config.STRIPE_SECRET_KEY):
        platform.stripe = _launch_stripe(platform)
    if not os.environ.get(queue.EMULATOR_HOST):
        platform.pubsub = pubsub_emulator.launch()


def _launch_firestore(platform: Platform) -> firestore_emulator.FirestoreEmulator:
    return firestore_emulator.launch(
        port=int(os.environ.get("FIRESTORE_PORT", "0")) or None,
        import_from=platform.data / "firestore",
        quick_start=True,
    )


def _launch_stripe(platform: Platform) -> local_stripe.LocalStripe:
    return local_stripe.launch(
        state=platform.data / "stripe.pickle",
        checkout_url=platform.url + paths.CHECKOUT_PAGES,
        portal_url=platform.url + paths.PORTAL_PAGES,
    )


# Quick redelivery on one's own machine; the deployed queue waits 10 s to 10 min.
DEV_POLICY = pubsub_emulator.DeliveryPolicy(min_backoff_seconds=1, max_backoff_seconds=30)


def _start_job_worker(platform: Platform) -> None:
    """The `jobWorker` target on a port of its own, and the job queue pushing to it."""
    platform.worker = start_in_thread(pubsub_emulator.worker_app())
    worker_url = f"http://127.0.0.1:{platform.worker.server_port}/"
    pubsub_emulator.make_queue(config.project_id(), worker_url, policy=DEV_POLICY)


def _port_taken(log_path: Path) -> bool:
    """The service lost its free port to another process between choosing and binding it."""
    try:
        return "already in use" in log_path.read_text(errors="replace")
    except OSError:
        return False


def _wait_for_services(platform: Platform, say: Callable[[str], None]) -> None:
    started = time.monotonic()
    for attempt in range(PORT_ATTEMPTS):
        if platform.firestore is None:
            break
        try:
            os.environ["FIRESTORE_EMULATOR_HOST"] = firestore_emulator.wait(platform.firestore).host
            break
        except RuntimeError as exc:
            if attempt + 1 < PORT_ATTEMPTS and _port_taken(platform.firestore.log_path):
                platform.firestore = _launch_firestore(platform)
                continue
            raise RuntimeError(f"{exc} (kept data that no longer loads? `make dev-reset` starts afresh)") from exc
    for attempt in range(PORT_ATTEMPTS):
        if platform.stripe is None:
            break
        try:
            local_stripe.wait(platform.stripe)
            break
        except RuntimeError:
            if attempt + 1 < PORT_ATTEMPTS and _port_taken(platform.stripe.log_path):
                platform.stripe = _launch_stripe(platform)
                continue
            raise
    if platform.pubsub is not None:
        os.environ[queue.EMULATOR_HOST] = pubsub_emulator.wait(platform.pubsub).host
    _start_job_worker(platform)
    if platform.stripe is not None:
        secret = "whsec_" + secrets.token_urlsafe(32)
        platform.stripe.register_webhook(f"{platform.url}/api/stripe-webhook", secret)
        os.environ.update(
            {
                config.STRIPE_SECRET_KEY: LOCAL_STRIPE_KEY,
                config.STRIPE_API_BASE: platform.stripe.url,
                config.STRIPE_WEBHOOK_SECRET: secret,
            }
        )
    say(f"Services ready (waited {time.monotonic() - started:.1f}s for them)")
