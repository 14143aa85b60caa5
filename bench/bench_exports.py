"""Course exports: time and peak memory of exportScorm and exportXapi for courses of 50
and 500 lessons, the larger one with 100 MB of generated lesson media in blob storage.

Each export runs in a fresh child process (after its imports, the schema build and a
Firestore read), so its peak resident memory (`ru_maxrss`) belongs to that export alone.
The figure that matters is the growth from the 50-lesson to the 500-lesson course: a
package streamed member by member keeps it flat, whatever the course's size.

Run: `.venv/bin/python -m bench.bench_exports` (about a minute). Only loopback traffic
and a temporary folder.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.common import environment, machine

MEDIA_FILES = 50
MEDIA_FILE_BYTES = 2 * 1024 * 1024  # 50 x 2 MiB = 100 MiB of incompressible video


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _course(lessons: int, media_urls: list[str]) -> dict[str, Any]:
    per_module = 50
    text = "\n\n".join(f"Paragraph {n}: state, effects and the rules of hooks explained once more." for n in range(12))
    modules = []
    for m in range(lessons // per_module):
        modules.append(
            {
                "id": f"mod_{m}",
                "title": f"Module {m + 1}",
                "lessons": [
                    {
                        "id": f"les_{m}_{n}",
                        "title": f"Lesson {m + 1}.{n + 1}",
                        "content": text,
                        **(
                            {"video_url": media_urls[(m * per_module + n) // 10 % len(media_urls)]}
                            if media_urls and n % 10 == 0
                            else {}
                        ),
                    }
                    for n in range(per_module)
                ],
                "quiz": {
                    "title": f"Quiz {m + 1}",
                    "passing_score": 70,
                    "questions": [
                        {"question": f"Q{q}?", "options": ["a", "b", "c", "d"], "correct_answer": q % 4}
                        for q in range(10)
                    ],
                },
            }
        )
    return {"title": f"Bench course, {lessons} lessons", "is_published": True, "modules": modules}


def _seed(blob_dir: str) -> dict[int, str]:
    from entities import store
    from shared import storage

    storage.reset_blob_store()
    blobs = storage.blob_store()
    urls = []
    for i in range(MEDIA_FILES):
        path = f"media/bench/video{i:02d}.mp4"
        with open(os.path.join(blob_dir, "source.bin"), "wb") as handle:
            handle.write(os.urandom(MEDIA_FILE_BYTES))
        with open(os.path.join(blob_dir, "source.bin"), "rb") as handle:
            blobs.put_stream(path, handle, "video/mp4")
        urls.append(blobs.signed_url(path))
    os.remove(os.path.join(blob_dir, "source.bin"))
    courses = {}
    for lessons, media in ((50, []), (500, urls)):
        course = store.create("Course", _course(lessons, media), created_by="teacher@example.test")
        courses[lessons] = course["id"]
    return courses


def _child(kind: str, course_id: str) -> None:
    """One export in this process; prints its time and memory as JSON."""
    from entities import store
    from functions.exports import scorm, xapi

    scorm.manifest_schema()
    course = store.get("Course", course_id)
    before = _rss_mb()
    start = time.perf_counter()
    answer = (scorm if kind == "scorm" else xapi).export(course)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "rss_before_mb": before, "rss_peak_mb": _rss_mb(), "answer": answer}))


def _measure(kind: str, course_id: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_exports", "--child", kind, course_id],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=dict(os.environ),
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, Any]:
    saved = dict(os.environ)
    figures: dict[str, Any] = {}
    try:
        with environment(), tempfile.TemporaryDirectory(prefix="bench-exports-") as blob_dir:
            os.environ.update({"RATE_LIMITS_ENABLED": "false", "STORAGE_BACKEND": "local", "LOCAL_BLOB_DIR": blob_dir})
            courses = _seed(blob_dir)
            for kind in ("scorm", "xapi"):
                for lessons, course_id in sorted(courses.items()):
                    result = _measure(kind, course_id)
                    answer = result["answer"]
                    figures[f"{kind}_{lessons}_lessons"] = {
                        "seconds": round(result["seconds"], 2),
                        "peak_rss_mb": round(result["rss_peak_mb"], 1),
                        "growth_during_export_mb": round(result["rss_peak_mb"] - result["rss_before_mb"], 1),
                        "package_mb": round(answer["size_bytes"] / 2**20, 2) if "size_bytes" in answer else None,
                    }
                small, large = figures[f"{kind}_50_lessons"], figures[f"{kind}_500_lessons"]
                figures[f"{kind}_peak_growth_50_to_500_mb"] = round(large["peak_rss_mb"] - small["peak_rss_mb"], 1)
    finally:  # the settings changed here must not reach the next benchmark
        os.environ.clear()
        os.environ.update(saved)
    return {
        "benchmark": "course exports: time and peak memory",
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d"),
        "media_in_500_lesson_course_mb": MEDIA_FILES * MEDIA_FILE_BYTES / 2**20,
        **figures,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        print(json.dumps(run(), indent=2))
