"""Runs a Node script that drives the real @base44/sdk and returns the JSON report it prints."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).parent / "node"
SDK = NODE_DIR / "node_modules" / "@base44" / "sdk" / "dist" / "index.js"


def run_flow(script: Path, *args: str) -> dict[str, Any]:
    if shutil.which("node") is None or not SDK.exists():
        pytest.fail("Node.js and tests/e2e/node/node_modules are required: run the README's test command")
    done = subprocess.run(["node", str(script), *args], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report
