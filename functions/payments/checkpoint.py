"""Where a long Stripe sync stopped: one Firestore document per sync, so a run that
reaches its time budget saves the last Stripe id it finished and the next run goes on
from there (Stripe lists newest first and `starting_after` continues a walk)."""

from __future__ import annotations

import time
from typing import Any

from shared import config
from shared.firestore import client, io, now_iso

COLLECTION = "SyncCheckpoint"


def _ref(sync: str) -> Any:
    return client().collection(COLLECTION).document(sync)


def load(sync: str, walk: str = "") -> dict[str, Any]:
    """`{starting_after, walk, updated_at}` of an unfinished walk of the same kind (`walk`:
    e.g. its date range); `{}` when the next run starts afresh."""
    snapshot = _ref(sync).get(**io())
    saved = (snapshot.to_dict() or {}) if snapshot.exists else {}
    return saved if saved.get("walk", "") == walk else {}


def save(sync: str, starting_after: str, walk: str = "") -> None:
    _ref(sync).set({"starting_after": starting_after, "walk": walk, "updated_at": now_iso()}, **io())


def clear(sync: str) -> None:
    _ref(sync).delete(**io())


class Budget:
    """The time one run may walk before it checkpoints."""

    def __init__(self) -> None:
        self._clock = time.monotonic
        self._ends = self._clock() + config.sync_time_budget_seconds()

    def spent(self) -> bool:
        return self._clock() >= self._ends
