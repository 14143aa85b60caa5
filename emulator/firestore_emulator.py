"""Start and stop the gcloud Firestore emulator in a process group of its own.

The gcloud wrapper starts a Java child that outlives it; killing the whole group
is the only way to leave nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FirestoreEmulator:
    host: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def clear(self, project: str) -> None:
        url = f"http://{self.host}/emulator/v1/projects/{project}/databases/(default)/documents"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10).read()


def start(port: int | None = None, log_path: Path | None = None, timeout: float = 60.0) -> FirestoreEmulator:
    if shutil.which("gcloud") is None:
        raise RuntimeError("gcloud is not installed: install google-cloud-cli and its Firestore emulator")
    host = f"127.0.0.1:{port or free_port()}"
    log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / f"firestore-emulator-{host.split(':')[1]}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        ["gcloud", "emulators", "firestore", "start", f"--host-port={host}", "--quiet"],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()  # the child has its own copy of the descriptor
    emulator = FirestoreEmulator(host, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Firestore emulator exited; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://{host}/", timeout=1) as resp:
                if resp.status == 200:
                    return emulator
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    emulator.stop()
    raise RuntimeError(f"Firestore emulator did not start within {timeout:.0f}s; see {log_path}")
