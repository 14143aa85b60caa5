"""`make dev`'s assembly (`python -m emulator`) run as a developer runs it, on free ports and a
temporary data folder, with its own Firestore emulator and local Stripe server."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
APP = "/api/apps/sparkacademy"
# What the test session set for its own services; `make dev` chooses these itself.
NOT_INHERITED = (
    "FIRESTORE_EMULATOR_HOST",
    "PUBSUB_EMULATOR_HOST",
    "JOBS_TOPIC",
    "JOB_LEASE_SECONDS",
    "JWT_SECRET",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "PUBLIC_BASE_URL",
    "PORT",
)


@dataclass
class DevPlatform:
    """One `python -m emulator` process and what it printed."""

    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)
    url: str = ""

    def printed(self, pattern: str) -> re.Match[str] | None:
        return next((m for line in list(self.output) if (m := re.search(pattern, line))), None)

    def stop(self) -> int:
        """Ctrl-C's way out (SIGTERM is handled alike): data exported, services stopped."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                raise
        return self.process.returncode

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.request(method, f"{self.url}{APP}{path}", headers=headers, timeout=30, **kwargs)

    def sign_in(self, email: str, password: str) -> str:
        answer = self.api("POST", "/auth/login", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token


def new_student(platform: DevPlatform, email: str) -> str:
    """Register a student whose password is `Passw0rd!x`."""
    answer = platform.api("POST", "/auth/register", json={"email": email, "password": "Passw0rd!x", "full_name": "Bo"})
    assert answer.status_code in (200, 201), answer.text
    return email


def pay(page: Any, card: str) -> None:
    """Type a card into the local checkout page and press Pay."""
    page.fill("#card_number", card)
    page.fill("#expiry", "12 / 34")
    page.fill("#cvc", "123")
    page.click("#pay")


def start_platform(data: Path, timeout: float = 120.0, **settings: str) -> DevPlatform:
    """`python -m emulator` on a free port; `settings` are set in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED} | settings
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--data", str(data)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    platform = DevPlatform(process)
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: platform.output.extend(stdout), daemon=True).start()
    deadline = time.monotonic() + timeout
    while not platform.printed(r"^Serving "):
        if process.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("make dev's platform did not start:\n" + "".join(platform.output[-40:]))
        time.sleep(0.1)
    found = platform.printed(r"SparkAcademy on (http://127\.0\.0\.1:\d+)")
    assert found is not None
    platform.url = found.group(1)
    return platform


@pytest.fixture(scope="session")
def dev_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevPlatform]:
    """One platform for these tests (each uses accounts of its own).

    Their sign-ins all come from 127.0.0.1, more than the auth limit's 10 a minute on a
    fast machine: the limits are relaxed as the README tells developers to.
    """
    platform = start_platform(tmp_path_factory.mktemp("dev") / "data", RATE_LIMITS_ENABLED="false")
    yield platform
    platform.stop()
