"""Start and stop the gcloud Firestore emulator in a process group of its own.

The gcloud wrapper starts a Java child that outlives it; killing the whole group
is the only way to leave nothing behind. Data is kept between runs by exporting
it through the emulator's export endpoint before stopping (the Java process is
killed, so its own `--export-on-exit` never runs) and importing the newest
export at start (`--import-data`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from emulator.processes import free_port, stop_group, wait_answering


@dataclass
class FirestoreEmulator:
    host: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        stop_group(self.process)

    def export(self, project: str, directory: Path) -> Path:
        """Write the whole database into a new folder under `directory`, then drop older exports."""
        target = directory / str(time.time_ns())
        target.mkdir(parents=True)
        body = json.dumps(
            {"database": f"projects/{project}/databases/(default)", "export_directory": str(target.resolve())}
        ).encode()
        request = urllib.request.Request(
            f"http://{self.host}/emulator/v1/projects/{project}:export",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(request, timeout=60).read()
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        for old in directory.iterdir():
            if old != target:
                shutil.rmtree(old, ignore_errors=True)
        return target

    def clear(self, project: str) -> None:
        url = f"http://{self.host}/emulator/v1/projects/{project}/databases/(default)/documents"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10).read()


def newest_export(directory: Path) -> Path | None:
    """The metadata file of the newest export under `directory`, if any."""
    found = sorted(directory.glob("*/*/*.overall_export_metadata"))  # folders are named by time
    return found[-1] if found else None


def start(
    port: int | None = None, log_path: Path | None = None, timeout: float = 60.0, import_from: Path | None = None
) -> FirestoreEmulator:
    """Start an emulator; with `import_from`, loaded with the newest export kept there."""
    return wait(launch(port, log_path, import_from), timeout)


def _emulator_script() -> Path | None:
    """The emulator's own launcher in the gcloud SDK: what `gcloud emulators firestore start` runs."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise RuntimeError("gcloud is not installed: install google-cloud-cli and its Firestore emulator")
    script = Path(gcloud).resolve().parents[1] / "platform" / "cloud-firestore-emulator" / "cloud_firestore_emulator"
    return script if script.exists() else None


def launch(
    port: int | None = None, log_path: Path | None = None, import_from: Path | None = None, quick_start: bool = False
) -> FirestoreEmulator:
    """Start the emulator without waiting for it (see `wait`).

    The SDK's launcher is run directly when found: gcloud's own Python start-up only
    delays it. `quick_start` keeps the JVM to its first compiler tier, which starts it
    in about half the time and is fast enough for one developer's requests.
    """
    script = _emulator_script()
    port = port or free_port()
    host = f"127.0.0.1:{port}"
    log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / f"firestore-emulator-{port}.log"
    if script is not None:
        args = [str(script), "start", "--host=127.0.0.1", f"--port={port}", "--database-mode=firestore-native"]
    else:
        args = ["gcloud", "emulators", "firestore", "start", f"--host-port={host}", "--quiet"]
    if import_from is not None and (export := newest_export(import_from)) is not None:
        args.append(f"--import-data={export}")
    env = dict(os.environ)
    if quick_start:
        env["JAVA_TOOL_OPTIONS"] = f"{env.get('JAVA_TOOL_OPTIONS', '')} -XX:TieredStopAtLevel=1".strip()
    log = log_path.open("wb")
    process = subprocess.Popen(
        args,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()  # the child has its own copy of the descriptor
    return FirestoreEmulator(host, process, log_path)


def wait(emulator: FirestoreEmulator, timeout: float = 60.0) -> FirestoreEmulator:
    """Return once the emulator answers; stop it and raise if it exits or takes longer than `timeout`."""
    wait_answering(f"http://{emulator.host}/", emulator.process, "Firestore emulator", emulator.log_path, timeout)
    return emulator
