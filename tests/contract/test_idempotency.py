"""shared.idempotency against the real Firestore emulator: one winner, stored results, expiry."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from shared import idempotency
from shared.firestore import run_transaction

SCOPE = "test-scope"


def _once(key: str, result: Any, *, ttl: timedelta = idempotency.DEFAULT_TTL) -> tuple[bool, Any]:
    """Claim and complete in one transaction: (did the work, result seen)."""

    def run(tx: Any) -> tuple[bool, Any]:
        previous = idempotency.claim(tx, SCOPE, key)
        if previous is not None:
            return False, previous.result
        idempotency.complete(tx, SCOPE, key, result, ttl=ttl)
        return True, result

    outcome: tuple[bool, Any] = run_transaction(run)
    return outcome


def test_idempotency_concurrent_claims_exactly_one_wins(db: Any) -> None:
    # GIVEN eight workers racing for one key
    barrier = threading.Barrier(8, timeout=30)
    outcomes: list[tuple[bool, Any]] = []

    def work(n: int) -> None:
        barrier.wait()
        outcomes.append(_once("evt_race", {"winner": n}))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # THEN exactly one did the work, and every other saw the winner's result
    winners = [result for did, result in outcomes if did]
    assert len(outcomes) == 8 and len(winners) == 1
    assert all(result == winners[0] for _, result in outcomes)
    [record] = [s.to_dict() for s in db.collection(idempotency.COLLECTION).stream()]
    assert (record["scope"], record["key"], record["status"], record["result"]) == (
        SCOPE,
        "evt_race",
        "completed",
        winners[0],
    )


def test_idempotency_completed_key_returns_stored_result(db: Any) -> None:
    assert _once("job/1", {"refund": "re_1", "amount": 500}) == (True, {"refund": "re_1", "amount": 500})
    # WHEN the same key comes again with other work
    assert _once("job/1", {"refund": "re_2"}) == (False, {"refund": "re_1", "amount": 500})
    previous = idempotency.previous(SCOPE, "job/1")
    assert previous is not None and previous.completed and previous.result == {"refund": "re_1", "amount": 500}
    # AND the record carries a timestamp a TTL policy can act on
    [record] = [s.to_dict() for s in db.collection(idempotency.COLLECTION).stream()]
    assert isinstance(record["expires_at"], datetime)
    assert timedelta(days=29) < record["expires_at"] - datetime.now(UTC) <= idempotency.DEFAULT_TTL


def test_idempotency_expired_key_is_claimable_again(db: Any) -> None:
    # GIVEN a record whose expiry has passed (the TTL policy has not deleted it yet)
    assert _once("sync-2026-01", "first", ttl=timedelta(seconds=-1))[0] is True
    assert idempotency.previous(SCOPE, "sync-2026-01") is None
    # WHEN claimed again THEN the work runs again and its result replaces the old one
    assert _once("sync-2026-01", "second") == (True, "second")
    assert _once("sync-2026-01", "third") == (False, "second")


def test_idempotency_held_key_is_in_progress_until_completed_or_released(db: Any) -> None:
    hold = timedelta(minutes=5)
    assert run_transaction(lambda tx: idempotency.claim(tx, SCOPE, "hr-sync", hold=hold)) is None
    # WHILE held, a contender sees the work in progress
    held = run_transaction(lambda tx: idempotency.claim(tx, SCOPE, "hr-sync", hold=hold))
    assert held is not None and held.status == idempotency.IN_PROGRESS and held.result is None
    # A released key is free again; a completed one answers with its result
    run_transaction(lambda tx: idempotency.release(tx, SCOPE, "hr-sync"))
    assert run_transaction(lambda tx: idempotency.claim(tx, SCOPE, "hr-sync", hold=hold)) is None
    run_transaction(lambda tx: idempotency.complete(tx, SCOPE, "hr-sync", {"rows": 3}))
    done = run_transaction(lambda tx: idempotency.claim(tx, SCOPE, "hr-sync", hold=hold))
    assert done is not None and done.completed and done.result == {"rows": 3}


def test_idempotency_scopes_keep_equal_keys_apart(db: Any) -> None:
    assert _once("k", 1) == (True, 1)
    other = idempotency.record_ref("other-scope", "k")
    assert other.id != idempotency.record_ref(SCOPE, "k").id
    assert idempotency.previous("other-scope", "k") is None
