"""What a function's first request pays in imports after a cold start, now that its target
imports the SDKs it uses when it is loaded (`router.preloads`).

Each figure is the median over fresh interpreters (`python -m bench bench_cold_start`):
- `load_ms`: resolving the target as functions-framework does at instance start;
- `first_request_imports_ms`: importing, after that, what the target's first request
  needs (Firestore, and Stripe or OpenAI for their areas): near 0 once preloaded;
- `without_preload_ms`: the same imports when only the target's module is loaded (what
  the first request paid before).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.common import machine

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
TARGETS = ("createStripeCheckout", "generateCourseFeedback", "listPaidUsers")

PROBE = """
import json, sys, time
start = time.perf_counter()
import main
from shared import router
if {preload}:
    getattr(main, {name!r})
else:
    router.load_function({name!r})
loaded = time.perf_counter()
for module in router.preloads({name!r}):
    __import__(module)
done = time.perf_counter()
print(json.dumps({{"load": (loaded - start) * 1000, "first": (done - loaded) * 1000}}))
"""


def _probe(name: str, preload: bool) -> dict[str, float]:
    code = PROBE.format(name=name, preload=preload)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, Any]:
    out: dict[str, Any] = {"benchmark": "cold_start", "machine": machine(), "runs": RUNS}
    for name in TARGETS:
        now = [_probe(name, True) for _ in range(RUNS)]
        before = [_probe(name, False) for _ in range(RUNS)]
        out[name] = {
            "load_ms": round(statistics.median(r["load"] for r in now), 1),
            "first_request_imports_ms": round(statistics.median(r["first"] for r in now), 2),
            "without_preload_ms": round(statistics.median(r["first"] for r in before), 1),
        }
    return out
