"""`make dev`'s install step names each step and how far it is, and a later run skips what is in place."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def install(what: str) -> list[str]:
    done = subprocess.run(
        ["./scripts/install.sh", what], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith("==> ")]


def test_a_second_run_says_every_step_is_in_place_and_installs_nothing() -> None:
    install("dev")  # whatever the first run had to do
    assert install("dev") == [
        "==> [1/3] Python packages: up to date",
        "==> [2/3] localstripe (the local Stripe server): installed",
        "==> [3/3] Firestore and Pub/Sub emulators (gcloud, Java)",
    ]
