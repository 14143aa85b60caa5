"""A BambooHR sync of 10,000 employees against the fake BambooHR, with Firestore writes counted.

Two runs of `syncBambooHREmployees` through the emulator's HTTP gateway: the first
creates every account and membership (batched writes), the second finds nothing
changed. Writes are counted at the Firestore client (every batch and transaction
commit, and the document deletes that commit on their own), so they include the sync's
bookkeeping (its lease, taken and dropped, and the integration's status) besides the
people's records the answer counts in `writes`.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import environment, machine, serve

EMPLOYEES = 10_000


@contextmanager
def _counting() -> Iterator[dict[str, int]]:
    """Count commits and the writes in them, for batches and transactions alike."""
    from google.cloud.firestore_v1.batch import WriteBatch
    from google.cloud.firestore_v1.document import DocumentReference
    from google.cloud.firestore_v1.transaction import Transaction

    counts = {"commits": 0, "writes": 0}
    batch_commit, transaction_commit, delete = WriteBatch.commit, Transaction._commit, DocumentReference.delete

    def counted_delete(self: Any, *args: Any, **kwargs: Any) -> Any:  # commits on its own, not through a batch
        counts["commits"] += 1
        counts["writes"] += 1
        return delete(self, *args, **kwargs)

    def counted_batch(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["commits"] += 1
        counts["writes"] += len(self._write_pbs)
        return batch_commit(self, *args, **kwargs)

    def counted_transaction(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["commits"] += 1
        counts["writes"] += len(self._write_pbs)
        return transaction_commit(self, *args, **kwargs)

    WriteBatch.commit, Transaction._commit = counted_batch, counted_transaction  # type: ignore[method-assign]
    DocumentReference.delete = counted_delete  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        WriteBatch.commit, Transaction._commit = batch_commit, transaction_commit  # type: ignore[method-assign]
        DocumentReference.delete = delete  # type: ignore[method-assign]


def _employees() -> list[dict[str, Any]]:
    return [
        {
            "id": str(n),
            "workEmail": f"employee{n}@bench.test",
            "firstName": f"First{n}",
            "lastName": "Bench",
            "department": f"Department {n % 40}",
            "supervisorEId": str(n - n % 25) if n % 25 else None,  # teams of 25 under a manager
            "status": "Active",
            "terminationDate": "0000-00-00",
        }
        for n in range(1, EMPLOYEES + 1)
    ]


def _sync(url: str, token: str, integration_id: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/api/apps/sparkacademy/functions/syncBambooHREmployees",
        data=json.dumps({"integration_id": integration_id}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=900) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def run() -> dict[str, Any]:
    import os

    from tests.fakes.hr_systems import FakeBambooHR

    fake = FakeBambooHR()
    os.environ.update(
        {
            "BAMBOOHR_API_KEY": FakeBambooHR.API_KEY,
            "BAMBOOHR_SUBDOMAIN": FakeBambooHR.SUBDOMAIN,
            "BAMBOOHR_BASE_URL": fake.base,
            "RATE_LIMITS_ENABLED": "false",
        }
    )
    fake.add_many(_employees())
    try:
        with environment("sparkacademy-bench-hr"):
            from emulator.gateway import create_app
            from entities import accounts, store
            from shared.auth import Role

            org = store.create("Organization", {"name": "Bench"}, created_by=None)
            admin = accounts.create_user(
                email="hr-admin@bench.test",
                password=None,
                full_name="HR",
                role=Role.ORG_ADMIN,
                created_by=None,
                organization_id=org["id"],
            )
            token = accounts.session_for(admin)["access_token"]
            integration = store.create(
                "Integration", {"organization_id": org["id"], "provider": "bamboohr"}, created_by=None
            )
            runs = {}
            with serve(create_app()) as url:
                for name in ("first_run", "unchanged_rerun"):
                    with _counting() as counts:
                        began = time.perf_counter()
                        answer = _sync(url, token, integration["id"])
                        seconds = time.perf_counter() - began
                    runs[name] = {
                        "seconds": round(seconds, 2),
                        "created": answer["created"],
                        "updated": answer["updated"],
                        "unchanged": answer["unchanged"],
                        "complete": answer["complete"],
                        "people_writes": answer["writes"],
                        "firestore_writes": counts["writes"],
                        "firestore_commits": counts["commits"],
                        "writes_per_commit": round(counts["writes"] / max(1, counts["commits"]), 1),
                    }
    finally:
        fake.close()
    return {"benchmark": "hr_sync", "machine": machine(), "employees": EMPLOYEES, **runs}
