"""Start and stop the local Stripe server (`emulator/stripe_server.py`) in a process group of its own.

localstripe pins its own aiohttp stack, so the server runs under the interpreter of
its own venv (`.venv-localstripe`, or the one beside `LOCALSTRIPE_BIN`).
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.processes import free_port, stop_group
from shared import config

ROOT = Path(__file__).resolve().parents[1]
SERVER = Path(__file__).with_name("stripe_server.py")
WEBHOOK_NAME = "sparkacademy"


def interpreter() -> Path | None:
    """localstripe's own Python, or None when it is not installed."""
    candidates = []
    if binary := os.environ.get(config.LOCALSTRIPE_BIN):
        candidates.append(Path(binary).parent / "python")
    candidates.append(ROOT / ".venv-localstripe" / "bin" / "python")
    return next((c for c in candidates if c.exists()), None)


@dataclass
class LocalStripe:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def register_webhook(self, url: str, secret: str) -> None:
        """Every event is then signed with `secret` and POSTed to `url`, as Stripe does."""
        body = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
        request = urllib.request.Request(f"{self.url}/_config/webhooks/{WEBHOOK_NAME}", data=body, method="POST")
        urllib.request.urlopen(request, timeout=10).read()

    def stop(self) -> None:
        stop_group(self.process)


def launch(
    *,
    port: int | None = None,
    state: Path | None = None,
    checkout_url: str | None = None,
    portal_url: str | None = None,
) -> LocalStripe:
    """Start the server without waiting for it (see `wait`), so other services can start meanwhile."""
    python = interpreter()
    if python is None:
        raise RuntimeError(f"localstripe is not installed: run `make dev` or set {config.LOCALSTRIPE_BIN}")
    port = port or free_port()
    args = [str(python), str(SERVER), "--port", str(port)]
    if state is not None:
        args += ["--state", str(state)]
    if checkout_url:
        args += ["--checkout-url", checkout_url]
    if portal_url:
        args += ["--portal-url", portal_url]
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"localstripe-{port}.log"
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(ROOT),
        )
    return LocalStripe(f"http://127.0.0.1:{port}", process, log_path)


def wait(server: LocalStripe, timeout: float = 30.0) -> LocalStripe:
    """Return once the server answers; stop it and raise if it exits or takes longer than `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise RuntimeError(f"localstripe exited; see {server.log_path}")
        try:
            urllib.request.urlopen(f"{server.url}/_config/test/requests", timeout=1).read()
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"localstripe did not start; see {server.log_path}") from None
            time.sleep(0.1)


def start(**options: Any) -> LocalStripe:
    return wait(launch(**options))
