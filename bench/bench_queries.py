"""What entity queries cost against the same native query made with the raw client.

Seeds N Enrollment records (BENCH_QUERY_SIZES, default 20,000 and 200,000) and times,
as medians of interleaved rounds, each query through the entity API as an admin (or a
student for GET by id) against the raw Firestore query it compiles to:
- a `$gt` filter with limit 20 (newest first);
- a sort on `progress_percent` with limit 20;
- a v2 walk of 10 pages of 20, sorted on `progress_percent`;
- a count with a range filter (a count() aggregation);
- GET by id as a student (one document read and the scope check).
And listPaidUsers page 1 over 10,000 subscriptions against its two raw queries (a count
aggregation and a projected page of limit + 1), fetched concurrently as it does.

The emulator scans where production Firestore reads an index, so its native queries grow
with the collection: the ratio to native is the measure. At 200,000 records one emulator
query takes longer than the store's 10 s call timeout, so the benchmark lifts it (and
takes 3 rounds there). `python -m bench bench_queries`.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.common import environment, interleaved_medians, machine

ROUNDS = int(os.environ.get("BENCH_QUERY_ROUNDS", "5"))
LARGE, LARGE_ROUNDS = 100_000, 3  # from this size on, fewer rounds (each query takes seconds)
SIZES = [int(s) for s in os.environ.get("BENCH_QUERY_SIZES", "20000,200000").split(",")]
SUBSCRIPTIONS = 10_000
PAGE = 20


def _seed(collection: str, docs: list[dict[str, Any]]) -> None:
    from shared.firestore import client

    db = client()

    def commit(start: int) -> None:
        batch = db.batch()
        for doc in docs[start : start + 500]:
            batch.set(db.collection(collection).document(doc["id"]), doc)
        batch.commit()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(commit, range(0, len(docs), 500)))


def _enrollments(count: int, offset: int) -> list[dict[str, Any]]:
    from entities import store

    statuses = ("active", "completed", "cancelled")
    return [
        store.record(
            "Enrollment",
            {
                "course_id": f"crs_{i % 50}",
                "student_email": f"student{i}@example.test",
                "status": statuses[i % 3],
                "progress_percent": (i * 37) % 101,
            },
            created_by=None,
            id=f"enr_{i:07d}",
        )
        for i in range(offset, offset + count)
    ]


def _subscriptions(count: int) -> list[dict[str, Any]]:
    from entities import store

    return [
        store.record(
            "Subscription",
            {
                "user_email": f"payer{i}@example.test",
                "plan": "monthly" if i % 2 else "annual",
                "status": ("active", "trialing", "canceled")[i % 3],
                "stripe_subscription_id": f"sub_{i:06d}",
            },
            created_by=None,
            id=f"subr_{i:06d}",
        )
        for i in range(count)
    ]


def _walk_ours(admin: Any) -> int:
    from entities import api

    cursor, seen = "", 0
    for _ in range(10):
        args = {"sort": "-progress_percent", "limit": str(PAGE), **({"cursor": cursor} if cursor else {})}
        page = api.page_records("Enrollment", admin, args)
        seen += len(page["items"])
        cursor = page["next_cursor"]
    return seen


def _walk_raw() -> int:
    from google.cloud.firestore import Query

    from shared.firestore import client

    base = (
        client()
        .collection("Enrollment")
        .order_by("progress_percent", direction=Query.DESCENDING)
        .order_by("__name__", direction=Query.DESCENDING)
    )
    after: list[Any] | None = None
    seen = 0
    for _ in range(10):
        q = base.start_after(after) if after else base
        docs = [s.to_dict() for s in q.limit(PAGE + 1).stream()][:PAGE]
        seen += len(docs)
        after = [docs[-1]["progress_percent"], docs[-1]["id"]]
    return seen


def _size(size: int, admin: Any, student: Any, student_record: str, check: bool) -> dict[str, Any]:
    from google.cloud.firestore import FieldFilter, Query

    from entities import api
    from shared.firestore import client

    enrollments = client().collection("Enrollment")
    desc = Query.DESCENDING
    gt = FieldFilter("progress_percent", ">", 50)

    def raw_gt() -> Any:
        q = enrollments.where(filter=gt).order_by("created_date", direction=desc)
        q = q.order_by("progress_percent", direction=desc).order_by("__name__", direction=desc)
        return [s.to_dict() for s in q.limit(PAGE).stream()]

    def raw_sort() -> Any:
        q = enrollments.order_by("progress_percent", direction=desc).order_by("__name__", direction=desc)
        return [s.to_dict() for s in q.limit(PAGE).stream()]

    checks = {
        "gt_limit_20": (
            lambda: api.list_records(
                "Enrollment", admin, {"q": '{"progress_percent": {"$gt": 50}}', "limit": str(PAGE)}
            ),
            raw_gt,
        ),
        "sort_non_id_limit_20": (
            lambda: api.list_records("Enrollment", admin, {"sort": "-progress_percent", "limit": str(PAGE)}),
            raw_sort,
        ),
        "v2_walk_10_pages": (lambda: _walk_ours(admin), _walk_raw),
        "count_range": (
            lambda: api.count_records("Enrollment", admin, {"q": '{"progress_percent": {"$gt": 50}}'}),
            lambda: enrollments.where(filter=gt).count().get()[0][0].value,
        ),
        "get_by_id_student": (
            lambda: api.get_record("Enrollment", student, student_record),
            lambda: enrollments.document(student_record).get().to_dict(),
        ),
    }
    if check:  # the same answers as the raw queries (once: each costs seconds at large sizes)
        assert checks["gt_limit_20"][0]() == checks["gt_limit_20"][1]()
        assert checks["sort_non_id_limit_20"][0]() == checks["sort_non_id_limit_20"][1]()
        assert checks["v2_walk_10_pages"][0]() == checks["v2_walk_10_pages"][1]() == 10 * PAGE
        assert checks["count_range"][0]()["count"] == checks["count_range"][1]()
    out: dict[str, Any] = {}
    for name, (ours, raw) in checks.items():
        warmup = 20 if name == "get_by_id_student" else 1
        rounds = 200 if name == "get_by_id_student" else ROUNDS if size < LARGE else LARGE_ROUNDS
        medians = interleaved_medians({"ours": ours, "raw": raw}, rounds, warmup=warmup)
        out[name] = {
            "ours_ms": round(medians["ours"], 1),
            "raw_ms": round(medians["raw"], 1),
            "ratio": round(medians["ours"] / medians["raw"], 2),
        }
    return out


def _paid_users(admin: Any) -> dict[str, Any]:
    from google.cloud.firestore import FieldFilter, Query

    from functions.admin import list_paid_users as fn
    from shared.firestore import client

    _seed("Subscription", _subscriptions(SUBSCRIPTIONS))
    handler = fn.list_paid_users.__wrapped__  # the function's own work, without the HTTP pipeline
    body = fn.ListPaidUsersRequest(limit=100)
    active = client().collection("Subscription").where(filter=FieldFilter("status", "in", ["active", "trialing"]))
    pool = ThreadPoolExecutor(max_workers=2)

    def raw() -> Any:
        page = active.order_by("created_date", direction=Query.DESCENDING).order_by(
            "__name__", direction=Query.DESCENDING
        )
        counted = pool.submit(lambda: active.count().get()[0][0].value)
        listed = pool.submit(lambda: [s.to_dict() for s in page.select(fn.ANSWERED).limit(101).stream()])
        return counted.result(), listed.result()

    assert handler(body, admin)["total"] == raw()[0]
    medians = interleaved_medians({"ours": lambda: handler(body, admin), "raw": raw}, 30, warmup=3)
    pool.shutdown()
    return {
        "subscriptions": SUBSCRIPTIONS,
        "ours_ms": round(medians["ours"], 1),
        "raw_ms": round(medians["raw"], 1),
        "ratio": round(medians["ours"] / medians["raw"], 2),
    }


def run() -> dict[str, Any]:
    from shared.auth import Caller, Role

    admin = Caller("usr_bench_admin", "admin@example.test", Role.ADMIN)
    student = Caller("usr_bench_student", "student7@example.test", Role.STUDENT)
    out: dict[str, Any] = {"benchmark": "queries", "machine": machine(), "rounds": ROUNDS, "sizes": {}}
    with environment():
        from shared import firestore

        firestore.TIMEOUT_SECONDS = 600.0  # the emulator's scans of 200,000 records take longer than 10 s
        seeded = 0
        for size in sorted(SIZES):
            started = time.perf_counter()
            for offset in range(seeded, size, 10_000):
                _seed("Enrollment", _enrollments(min(10_000, size - offset), offset))
            seeded = size
            seed_s = round(time.perf_counter() - started, 1)
            measured = _size(size, admin, student, "enr_0000007", check=size == min(SIZES))
            out["sizes"][str(size)] = {"seed_s": seed_s, **measured}
            print(f"{size}: {out['sizes'][str(size)]}", flush=True)
        out["list_paid_users_page_1"] = _paid_users(admin)
    return out
