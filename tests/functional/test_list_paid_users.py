"""listPaidUsers: cursor pages (limit + 1 reads wherever they are), offset pages kept,
the total counted beside the page."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from tests.helpers import bearer

INVOKE = "/api/apps/sparkacademy/functions/listPaidUsers"


@pytest.fixture
def subscriptions(db: Any) -> list[str]:
    """5 paying users (newest last created) and 2 who cancelled; emails newest first."""
    emails = []
    for i, status in enumerate(["active", "canceled", "trialing", "active", "canceled", "active", "active"]):
        store.create(
            "Subscription",
            {"user_email": f"u{i}@example.test", "plan": "monthly", "status": status, "started_at": "2026-01-02T03:04"},
            created_by=None,
        )
        if status != "canceled":
            emails.append(f"u{i}@example.test")
    return emails[::-1]


def test_cursor_pages_walk_every_paying_user_once(gateway: Any, make_user: Any, subscriptions: list[str]) -> None:
    # GIVEN 5 paying users, and an admin walking 2 at a time by cursor
    admin = bearer(make_user("admin")[1])
    seen: list[str] = []
    answers = []
    body: dict[str, Any] = {"limit": 2}
    for _ in range(4):
        resp = gateway.post(INVOKE, json=body, headers=admin)
        assert resp.status_code == 200, resp.get_json()
        answers.append(resp.get_json())
        seen += [u["email"] for u in answers[-1]["users"]]
        if not answers[-1]["has_more"]:
            break
        body = {"limit": 2, "cursor": answers[-1]["next_cursor"]}
    # THEN three pages, newest first, each with the total; the last has no cursor
    assert seen == subscriptions
    assert [(a["total"], a["pages"], a["has_more"]) for a in answers] == [(5, 3, True), (5, 3, True), (5, 3, False)]
    assert answers[-1]["next_cursor"] is None
    assert answers[0]["users"][0] == {
        "email": subscriptions[0],
        "user_id": None,
        "plan": "monthly",
        "subscription_id": answers[0]["users"][0]["subscription_id"],
        "status": "active",
        "started_at": "2026-01-02",
        "expires_at": None,
    }


def test_offset_pages_still_answer_and_cannot_mix_with_a_cursor(
    gateway: Any, make_user: Any, subscriptions: list[str]
) -> None:
    admin = bearer(make_user("admin")[1])
    second = gateway.post(INVOKE, json={"limit": 2, "page": 2}, headers=admin).get_json()
    assert [u["email"] for u in second["users"]] == subscriptions[2:4]
    assert (second["page"], second["has_more"], second["next_cursor"]) == (2, True, None)
    first = gateway.post(INVOKE, json={"limit": 2}, headers=admin).get_json()
    mixed = gateway.post(INVOKE, json={"limit": 2, "page": 2, "cursor": first["next_cursor"]}, headers=admin)
    assert mixed.status_code == 400
    assert mixed.get_json()["message"] == "Send either page or cursor, not both"
