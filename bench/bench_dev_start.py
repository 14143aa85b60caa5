"""How long `make dev` takes to serve: `python -m emulator` until it prints "Serving".

`python -m bench bench_dev_start`. Three starts on one data folder: the first on
nothing (demo data made), then two restarts on the kept data (the export imported).
Seconds from the process's start to its "Serving" line, measured here, with the load
average at the start of each, since other work on the machine weighs heavily; and the
CPU seconds its process tree (Python, the emulator's JVM, localstripe) had used by
then, which other work does not change: on an idle machine the wall time lies between
that CPU time divided by the number of cores and the CPU time itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine

ROOT = Path(__file__).resolve().parents[1]
NOT_INHERITED = ("FIRESTORE_EMULATOR_HOST", "JWT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_API_BASE", "PUBLIC_BASE_URL")


def _tree_cpu_seconds(root: int) -> float:
    """User and system CPU of a process and all its live descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        used[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    tree, grown = {root}, True
    while grown:
        grown = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grown = True
    return sum(used.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def _start_to_serving(data: Path) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--data", str(data)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith("Serving "):
                return time.perf_counter() - started, _tree_cpu_seconds(process.pid)
        raise RuntimeError("python -m emulator exited before serving")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        runs = []
        for kind in ("first start (no data)", "restart (kept data)", "restart (kept data)"):
            load = os.getloadavg()[0]
            wall, cpu = _start_to_serving(data)
            runs.append(
                {"start": kind, "seconds_to_serving": round(wall, 2), "cpu_seconds": round(cpu, 2), "load_avg_1m": load}
            )
    return {"benchmark": "make dev time to serving", "machine": machine(), "runs": runs}
