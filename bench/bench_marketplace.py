"""Marketplace search against a plain Firestore page query, over 1,000 then 10,000 published courses.

The catalogue is seeded here: titles of three or four words from a vocabulary of 400 topics
(so a searched word is held by about one course in a hundred, as in a real catalogue),
tags, a short description and a description of forty words. Timed in process, interleaved:

- baseline: one Firestore page of 20 published courses, by popularity (what a catalogue
  page without search costs);
- the marketplace without search (the same page plus its count and the instructors);
- the marketplace searching a prefix of one word ("typesc"), and two words.

Ratios are to the baseline of the same run and catalogue size.
"""

from __future__ import annotations

import random
from typing import Any

from bench.common import environment, interleaved_medians, machine

SIZES = (1_000, 10_000)
ROUNDS = 10
WARMUP = 2
TOPICS = [f"topic{n:03d}" for n in range(396)] + ["typescript", "python", "kubernetes", "design"]
FILLER = ["learn", "build", "practice", "projects", "guide", "complete", "modern", "hands", "real", "world"]


def _seed(count: int, start: int) -> None:
    from entities import store
    from shared.firestore import client

    rng = random.Random(start)
    db = client()
    batch = db.batch()
    for n in range(start, start + count):
        words = rng.sample(TOPICS, 3)
        doc = store.record(
            "Course",
            {
                "title": " ".join([*words, rng.choice(FILLER)]).title(),
                "short_description": f"{rng.choice(FILLER)} {words[0]} with {rng.choice(TOPICS)}",
                "description": " ".join(rng.choice(TOPICS + FILLER) for _ in range(40)),
                "tags": rng.sample(TOPICS, 2),
                "category": rng.choice(["web", "data", "ops", "design"]),
                "level": rng.choice(["beginner", "intermediate", "advanced"]),
                "price": rng.choice([0, 19, 49, 99]),
                "is_published": True,
                "instructor_email": f"teacher{n % 50}@example.test",
            },
            created_by=None,
        )
        doc["total_students"] = rng.randrange(0, 5000)
        batch.set(db.collection("Course").document(doc["id"]), doc)
        if (n - start) % 200 == 199:
            batch.commit()
            batch = db.batch()
    batch.commit()


def _measure() -> dict[str, Any]:
    from google.cloud.firestore import FieldFilter, Query

    from entities import store
    from rest.marketplace import MarketplaceQuery, marketplace
    from shared.auth import Caller, Role

    caller = Caller(user_id="usr_bench", email="bench@example.test", role=Role.STUDENT)
    plain = (
        store.collection("Course")
        .where(filter=FieldFilter("is_published", "==", True))
        .order_by("total_students", direction=Query.DESCENDING)
        .limit(20)
    )

    def page(**params: Any) -> Any:
        return marketplace(None, caller, MarketplaceQuery(**params))

    found_one = page(search="typesc")["pagination"]["total_items"]
    found_two = page(search="typescript python")["pagination"]["total_items"]
    timed = interleaved_medians(
        {
            "plain Firestore page of 20": lambda: list(plain.stream()),
            "marketplace, no search": page,
            "marketplace, search 'typesc'": lambda: page(search="typesc"),
            "marketplace, search 'typescript python'": lambda: page(search="typescript python"),
        },
        ROUNDS,
        WARMUP,
    )
    base = timed["plain Firestore page of 20"]
    return {
        "median_ms": {k: round(v, 2) for k, v in timed.items()},
        "ratio_to_plain_page": {k: round(v / base, 2) for k, v in timed.items()},
        "matches": {"typesc": found_one, "typescript python": found_two},
    }


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with environment("sparkacademy-bench-marketplace"):
        seeded = 0
        for size in SIZES:
            _seed(size - seeded, seeded)
            seeded = size
            results[f"{size} courses"] = _measure()
    return {"benchmark": "marketplace search vs a plain Firestore page", "machine": machine(), **results}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
