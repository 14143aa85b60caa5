"""syncStripeSubscriptions over many subscriptions against localstripe (with the project's
extension): runs until complete, each stopping after its time budget and going on from
its checkpoint; Stripe calls counted from the fake's request log.

Subscriptions are made without user metadata, so each is attributed through its
customer, which the list call expands (no call per customer). `BENCH_SYNC_SUBSCRIPTIONS`
(default 250: localstripe makes about one subscription a second, so 10,000 takes hours),
`BENCH_SYNC_CUSTOMERS` (20), `BENCH_SYNC_BUDGET_SECONDS` (0: every run stops after a page).
`python -m bench bench_sync` (needs `.venv-localstripe`, made by scripts/test.sh).
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import environment, machine

ROOT = Path(__file__).resolve().parent.parent
SUBSCRIPTIONS = int(os.environ.get("BENCH_SYNC_SUBSCRIPTIONS", "250"))
CUSTOMERS = int(os.environ.get("BENCH_SYNC_CUSTOMERS", "20"))
BUDGET = os.environ.get("BENCH_SYNC_BUDGET_SECONDS", "0")


def _requests(url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/_config/test/requests", timeout=30) as resp:
        found: list[dict[str, Any]] = json.loads(resp.read())
        return found


def _seed(price: str) -> float:
    from shared.stripe_client import client

    sdk = client()
    started = time.perf_counter()
    customers = [
        sdk.v1.customers.create(
            params={
                "email": f"payer{i}@example.test",
                "payment_method": "pm_card_visa",
                "invoice_settings": {"default_payment_method": "pm_card_visa"},
            }
        ).id
        for i in range(CUSTOMERS)
    ]

    def subscribe(i: int) -> None:
        sdk.v1.subscriptions.create(params={"customer": customers[i % CUSTOMERS], "items": [{"plan": price}]})

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(subscribe, range(SUBSCRIPTIONS)))
    return time.perf_counter() - started


def run() -> dict[str, Any]:
    from domain.payments.catalog import plan_for_checkout, plan_price_id
    from emulator import local_stripe
    from functions.payments import sync_stripe_subscriptions as sync
    from shared.auth import Caller, Role

    server = local_stripe.start()
    url = server.url
    os.environ.update(
        {
            "STRIPE_SECRET_KEY": "sk_test_sparkacademy_0123456789",
            "STRIPE_API_BASE": url,
            "SYNC_TIME_BUDGET_SECONDS": BUDGET,
        }
    )
    try:
        with environment():
            seed_s = _seed(plan_price_id(plan_for_checkout("plan_monthly")))
            before = len(_requests(url))
            handler = sync.sync_stripe_subscriptions.__wrapped__
            admin = Caller("usr_bench_admin", "admin@example.test", Role.ADMIN)
            runs: list[dict[str, Any]] = []
            started = time.perf_counter()
            while not (runs and runs[-1]["complete"]) and len(runs) < 1000:
                began = time.perf_counter()
                runs.append({**handler(sync.SyncStripeSubscriptionsRequest(), admin), "s": time.perf_counter() - began})
            total_s = time.perf_counter() - started
            calls = Counter(f"{r['method']} {r['path']}" for r in _requests(url)[before:])
    finally:
        server.stop()
    return {
        "benchmark": "sync_subscriptions",
        "machine": machine(),
        "subscriptions": SUBSCRIPTIONS,
        "customers": CUSTOMERS,
        "seed_s": round(seed_s, 1),
        "runs": len(runs),
        "budget_s": float(BUDGET),
        "longest_run_s": round(max(r["s"] for r in runs), 1),
        "total_s": round(total_s, 1),
        "stored": sum(r["updated"] for r in runs),
        "skipped": sum(r["skipped"] for r in runs),
        "stripe_calls": dict(calls),
        "subscriptions_per_s": round(SUBSCRIPTIONS / total_s, 1),
    }
