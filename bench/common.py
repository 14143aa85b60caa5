"""What every benchmark needs: a Firestore emulator, a live gateway, a timer."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

BENCH_SECRET = "bench-secret-for-jwt-signing-0123456789abcdef"


@contextmanager
def environment(project: str = "sparkacademy-bench") -> Iterator[None]:
    """A Firestore emulator (unless FIRESTORE_EMULATOR_HOST is set) and development settings."""
    from emulator import firestore_emulator
    from shared.firestore import reset_client

    os.environ.update({"SPARK_ENV": "development", "GOOGLE_CLOUD_PROJECT": project, "JWT_SECRET": BENCH_SECRET})
    started = None
    if not os.environ.get("FIRESTORE_EMULATOR_HOST"):
        started = firestore_emulator.start()
        os.environ["FIRESTORE_EMULATOR_HOST"] = started.host
    reset_client()
    try:
        yield
    finally:
        if started is not None:
            started.stop()
            os.environ.pop("FIRESTORE_EMULATOR_HOST", None)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """A WSGI app on a loopback port, threaded as the emulator runs it."""
    from emulator.server import start_in_thread

    server = start_in_thread(app)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def median_ms(fn: Callable[[], Any], rounds: int, warmup: int = 20) -> float:
    return interleaved_medians({"x": fn}, rounds, warmup)["x"]


def interleaved_medians(fns: dict[str, Callable[[], Any]], rounds: int, warmup: int = 500) -> dict[str, float]:
    """Median milliseconds of each callable, sampled in turn so drift hits all alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
