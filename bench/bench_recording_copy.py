"""Copying a provider's recording into blob storage: peak memory growth of the process.

A fake provider (the Daily test server, in a child process so its memory is its own)
serves a generated 200 MB file; `functions.video.recordings.download_into` streams it
into the local blob store, as the webhooks do. A sampler reads this process's resident
set size every 5 ms; growth is the peak during the copy minus the size just before it
(after a 1 MB warm-up copy, so imports and connection pools are already counted).
`ru_maxrss` growth is reported too. Target: growth < 50 MB.
Run: `.venv/bin/python -m bench.bench_recording_copy [MB]` (default 200). Loopback only.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import BENCH_SECRET, machine

MB = 1024 * 1024
TARGET_GROWTH_MB = 50


def _serve(size: int, conn: Any) -> None:
    from tests.fakes.video_providers import FakeDaily

    fake = FakeDaily()
    fake.files["bench"] = size
    fake.files["warmup"] = MB
    conn.send(fake.url)
    conn.recv()  # until the parent is done
    fake.close()


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run(megabytes: int = 200) -> dict[str, Any]:
    os.environ.update({"SPARK_ENV": "development", "JWT_SECRET": BENCH_SECRET, "STORAGE_BACKEND": "local"})
    size = megabytes * MB
    parent, child = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(size, child), daemon=True)
    server.start()
    url = parent.recv()
    with tempfile.TemporaryDirectory() as root:
        os.environ["LOCAL_BLOB_DIR"] = root
        from functions.video.recordings import download_into
        from shared.storage import reset_blob_store

        reset_blob_store()
        try:
            download_into("recordings/bench/warmup.mp4", f"{url}/files/warmup?sig=ok", {}, "video/mp4")
            before = _rss_bytes()
            max_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            peak = before
            copying = True

            def sample() -> None:
                nonlocal peak
                while copying:
                    peak = max(peak, _rss_bytes())
                    time.sleep(0.005)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            began = time.perf_counter()
            copied = download_into("recordings/bench/big.mp4", f"{url}/files/bench?sig=ok", {}, "video/mp4")
            seconds = time.perf_counter() - began
            copying = False
            sampler.join()
            peak = max(peak, _rss_bytes())
            max_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            on_disk = (Path(root) / "recordings/bench/big.mp4").stat().st_size
        finally:
            reset_blob_store()
            parent.send("done")
            server.join(timeout=10)
    assert copied == on_disk == size, (copied, on_disk, size)
    growth = (peak - before) / MB
    return {
        "benchmark": f"recording copy of {megabytes} MB, provider to blob storage, streamed",
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d"),
        "bytes_copied": copied,
        "seconds": round(seconds, 2),
        "throughput_mb_s": round(megabytes / seconds, 1),
        "rss_before_mb": round(before / MB, 1),
        "peak_rss_growth_mb": round(growth, 1),
        "ru_maxrss_growth_mb": round(max(max_after - max_before, 0) / MB, 1),
        "target_growth_mb": TARGET_GROWTH_MB,
        "within_target": growth < TARGET_GROWTH_MB,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200), indent=2))
