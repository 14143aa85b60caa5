"""What many tests repeat: headers, calling a function, waiting, reading the database, servers.

Plain functions (not fixtures), so test modules import them by name; conftest files keep fixtures.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = "/api/apps/sparkacademy"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def call_function(gateway: Any, name: str, body: Any, token: str | None = None) -> Any:
    """Invoke a documented function through the Base44 route, as the SDK does."""
    return gateway.post(f"{APP}/functions/{name}", json=body, headers=bearer(token) if token else {})


def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """`check()` once it is truthy, else its last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def docs(collection: str) -> list[dict[str, Any]]:
    """Every document of one collection in this process's project."""
    from shared.firestore import client

    return [s.to_dict() for s in client().collection(collection).stream()]


def wipe_project(emulator_host: str, project: str) -> None:
    """Delete every document of one project in the emulator (other projects keep theirs)."""
    url = f"http://{emulator_host}/emulator/v1/projects/{project}/databases/(default)/documents"
    urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10).read()


@contextlib.contextmanager
def refused_url() -> Iterator[str]:
    """A loopback URL where nothing listens, held for the test: the port is bound (never listened
    on), so no server of another test or worker can take it meanwhile and a connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def local_blob_store(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, base_url: str) -> Iterator[Any]:
    """The local blob store in a temporary folder, its links under `base_url`; forgotten afterwards."""
    from shared import storage

    root = tmp_path / "blobs"
    monkeypatch.setenv("STORAGE_BACKEND", "local")
    monkeypatch.setenv("LOCAL_BLOB_DIR", str(root))
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    storage.reset_blob_store()
    yield root
    storage.reset_blob_store()


@contextlib.contextmanager
def served_target(
    target: str, env: dict[str, str] | None = None, probe_path: str = "/health", probe_body: bytes | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """One target served by functions-framework, as Cloud Functions runs it, in a process group of
    its own; yields (process, URL) once the probe (GET, or POST of `probe_body`) gets any answer.
    Killed after."""
    from emulator.processes import free_port

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "functions-framework"),
            f"--target={target}",
            "--source=main.py",
            f"--port={port}",
            "--host=127.0.0.1",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(urllib.request.Request(url + probe_path, data=probe_body), timeout=10).read()
                break
            except urllib.error.HTTPError:
                break  # any answer: the server is up (a function target answers every path itself)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert server.poll() is None and time.monotonic() < deadline, "functions-framework did not start"
                time.sleep(0.2)
        yield server, url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@contextlib.contextmanager
def functions_framework(target: str) -> Iterator[str]:
    """`served_target`'s URL alone."""
    with served_target(target) as (_, url):
        yield url
