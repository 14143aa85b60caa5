"""`make bench`: run every benchmark module (bench_*.py) and print its figures as JSON."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys

import bench
from app import api


def main(selected: list[str]) -> int:
    api.install()  # the benchmarks call the `api` service as it is deployed
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    for name in names:
        if selected and name not in selected:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(json.dumps(module.run(), indent=2), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
