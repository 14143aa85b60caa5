"""What the model costs: tokens per user and per organization per UTC day, and the daily budget.

One `AiUsage` record per (user, day) and per (organization, day), raised with Firestore
increments so parallel calls never read-modify-write. Admins read them through the entity API.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from entities.ai_usage import COLLECTION
from shared import config
from shared.auth import Caller
from shared.errors import RateLimitedError
from shared.firestore import client, io, now_iso


class BudgetExceededError(RateLimitedError):
    code, default_message = "AI_BUDGET_EXCEEDED", "Daily AI token budget exceeded"


def usage_id(scope: str, subject: str, day: str) -> str:
    return "aiu_" + hashlib.sha256(f"{scope}|{subject.lower()}|{day}".encode()).hexdigest()[:24]


def today(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d")


def subject_of(caller: Caller) -> str:
    return caller.email or caller.user_id or "service"


def check_budget(caller: Caller) -> None:
    """Refuse a model call once the caller's tokens today reach the budget."""
    budget = config.ai_daily_token_budget()
    if budget <= 0:
        return
    snapshot = client().collection(COLLECTION).document(usage_id("user", subject_of(caller), today())).get(**io())
    used = (snapshot.to_dict() or {}) if snapshot.exists else {}
    spent = int(used.get("tokens_in") or 0) + int(used.get("tokens_out") or 0)
    if spent >= budget:
        now = datetime.now(UTC)
        reset = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
        raise BudgetExceededError(
            "Daily AI token budget exceeded; try again tomorrow",
            details={"budget": budget, "used": spent, "reset": int(reset.timestamp())},
            headers={"Retry-After": str(max(1, int((reset - now).total_seconds())))},
        )


def record(caller: Caller, function: str, tokens_in: int, tokens_out: int) -> None:
    """Add one call's tokens to the caller's and their organization's records for today."""
    from google.cloud import firestore

    day = today()
    db = client()
    batch = db.batch()
    subjects = [("user", subject_of(caller))] + ([("organization", caller.org_id)] if caller.org_id else [])
    for scope, subject in subjects:
        change: dict[str, Any] = {
            "id": usage_id(scope, subject, day),
            "scope": scope,
            "subject": subject,
            "day": day,
            "calls": firestore.Increment(1),
            "tokens_in": firestore.Increment(tokens_in),
            "tokens_out": firestore.Increment(tokens_out),
            "by_function": {function: firestore.Increment(tokens_in + tokens_out)},
            "last_call_at": now_iso(),
            "created_date": f"{day}T00:00:00.000000Z",  # the same for every call of the day
            "updated_date": now_iso(),
            "created_by": None,
        }
        batch.set(db.collection(COLLECTION).document(change["id"]), change, merge=True)
    batch.commit(**io())
