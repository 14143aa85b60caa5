"""`make dev`: the whole platform on 127.0.0.1 (see `emulator.dev_platform`).

    python -m emulator [--port 8080] [--data .emulator-data]

Ctrl-C (or SIGTERM) stops everything, exporting the database first, so the next
run starts where this one stopped.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from emulator import dev_platform
from shared import config, router

if TYPE_CHECKING:
    from emulator.dev_platform import Platform

STARTED = time.monotonic()


def _assemble() -> None:
    """The `api` service, imported while the emulators boot: importing every route takes a while too."""
    from app import api as service  # the whole API: imported here to overlap the emulators' start

    service.install()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")), help="0: any free port")
    parser.add_argument("--data", type=Path, default=dev_platform.DEFAULT_DATA, help="the data kept between runs")
    args = parser.parse_args()

    def shutdown(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    running = None
    try:
        running = dev_platform.start(
            _assemble, port=args.port, data=args.data, say=lambda text: print(text, flush=True)
        )
        _announce(running)
        # Naming what is not configured imports every function: done while already serving.
        threading.Thread(target=_print_missing_settings, daemon=True).start()
        running.serve_forever()
    except KeyboardInterrupt:
        pass  # the server usually handles Ctrl-C itself and returns
    except RuntimeError as exc:  # a service that would not start, or demo data that is not whole
        print(f"\nmake dev cannot start: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("\nStopping (saving the data first)...", flush=True)
        if running is not None:
            running.stop()
    return 0


def _announce(running: Platform) -> None:
    url, seeded, stripe = running.url, running.seeded, running.stripe
    print(
        f"\nSparkAcademy on {url}  (app id: {config.app_id()})\n"
        f"Front page: {url}/   API docs: {url}/api/docs\n"
        f"Firestore emulator: {os.environ['FIRESTORE_EMULATOR_HOST']}\n"
        f"Pub/Sub emulator: {os.environ['PUBSUB_EMULATOR_HOST']}"
        f" (jobs pushed to 127.0.0.1:{running.worker.server_port})\n"
        + (f"Local Stripe server: {stripe.url} (webhooks to {url}/api/stripe-webhook)\n" if stripe else "")
        + f"Kept data: {running.data}  (make dev-reset starts afresh)\n"
        f"Demo accounts (password {seeded['password']}):\n"
        + "".join(f"  {email}\n" for email in seeded["accounts"])
        + f"\ncreateClient({{ serverUrl: '{url}', appId: '{config.app_id()}', token: '{seeded['app_token']}' }})\n",
        flush=True,
    )
    print(f"Serving {time.monotonic() - STARTED:.1f}s after start. Ctrl-C to stop.", flush=True)


def _print_missing_settings() -> None:
    """Name the functions that will answer 503 for want of a setting (e.g. an AI key)."""
    waiting: dict[tuple[str, ...], list[str]] = {}
    for function in router.functions():
        absent = tuple(config.missing(function.spec.required_settings))
        if absent:
            waiting.setdefault(absent, []).append(function.name)
    for absent, names in waiting.items():
        print(f"Not configured: {', '.join(absent)}; until set, these answer 503: {', '.join(names)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
