"""syncCoursePurchases and syncStripeSubscriptions: auto-pagination, idempotent upserts, counts."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.helpers import docs

URLS = {"successUrl": "https://sparkacademy.test/s", "cancelUrl": "https://sparkacademy.test/c"}


def ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def buy(invoke, stripe_server, token, course_ids, created=None, pay=True) -> str:
    if len(course_ids) == 1:
        resp = invoke("createStripeCheckout", {"courseId": course_ids[0], **URLS}, token)
    else:
        resp = invoke("createCourseCheckout", {"courseIds": course_ids, **URLS}, token)
    assert resp.status_code == 200, resp.json
    session_id = str(resp.json["sessionId"])
    if pay:
        stripe_server.complete(session_id, created=created)
    return session_id


def test_sync_course_purchases_records_range_once(stripe_server, make_user, make_course, invoke, monkeypatch):
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    from functions.payments import sync_course_purchases as sync

    monkeypatch.setattr(sync, "PAGE_SIZE", 2)  # force several pages through auto-pagination
    courses = [make_course(price=p) for p in (10, 20, 30, 40, 50)]
    user, token = make_user("student")
    other, other_token = make_user("student")
    buy(invoke, stripe_server, token, [courses[0]["id"]], created=ts("2026-01-05T10:00:00"))
    buy(invoke, stripe_server, token, [courses[1]["id"], courses[2]["id"]], created=ts("2026-01-31T23:59:00"))
    buy(invoke, stripe_server, other_token, [courses[3]["id"]], created=ts("2026-01-15T00:00:00"))
    buy(invoke, stripe_server, other_token, [courses[4]["id"]], created=ts("2026-02-01T00:00:00"))  # outside
    buy(invoke, stripe_server, token, [courses[4]["id"]], pay=False)  # unpaid
    _, admin = make_user("admin")
    first = invoke("syncCoursePurchases", {"startDate": "2026-01-01", "endDate": "2026-01-31"}, admin)
    assert first.status_code == 200, first.json
    body = dict(first.json)
    # Before the sync, the three paid sessions had no purchase: reported, then recorded by it.
    assert sorted(d["kind"] for d in body.pop("drift")) == ["missing_purchase"] * 3
    assert body == {
        "success": True,
        "purchases_synced": 3,
        "new_purchases": 3,
        "total_revenue": 10000,
        "currency": "usd",
        "revenue_by_currency": {"usd": 10000},
        "new_enrollments": 4,
        "complete": True,
        "resumed": False,
    }
    assert sorted((e["student_email"], e["course_id"]) for e in docs("Enrollment")) == sorted(
        [(user["email"], courses[i]["id"]) for i in (0, 1, 2)] + [(other["email"], courses[3]["id"])]
    )
    snapshot = {c: docs(c) for c in ("Enrollment", "Purchase")}
    second = invoke("syncCoursePurchases", {"startDate": "2026-01-01", "endDate": "2026-01-31"}, admin)
    assert second.json == {**body, "new_purchases": 0, "new_enrollments": 0, "drift": []}
    assert {c: docs(c) for c in snapshot} == snapshot
    lists = stripe_server.requests("/v1/checkout/sessions", "GET")
    assert len(lists) >= 4  # two pages per run at least


def test_sync_course_purchases_continues_from_its_checkpoint_for_the_same_range(
    stripe_server, make_user, make_course, invoke, monkeypatch
):
    # GIVEN 3 paid sessions in January, pages of 2, and a time budget spent after each page
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    monkeypatch.setenv("SYNC_TIME_BUDGET_SECONDS", "0")
    from functions.payments import sync_course_purchases as sync

    monkeypatch.setattr(sync, "PAGE_SIZE", 2)
    courses = [make_course(price=p) for p in (10, 20, 30)]
    _, token = make_user("student")
    for day, course in zip((3, 9, 27), courses, strict=True):
        buy(invoke, stripe_server, token, [course["id"]], created=ts(f"2026-01-{day:02d}T10:00:00"))
    _, admin = make_user("admin")
    january = {"startDate": "2026-01-01", "endDate": "2026-01-31"}
    # WHEN a run stops after its first page, a run over another range starts afresh,
    first = invoke("syncCoursePurchases", january, admin).json
    other = invoke("syncCoursePurchases", {"startDate": "2025-01-01", "endDate": "2025-01-31"}, admin).json
    # and the next January run goes on
    second = invoke("syncCoursePurchases", january, admin).json
    # THEN together the January runs recorded each purchase once
    assert [(r["purchases_synced"], r["new_purchases"], r["complete"], r["resumed"]) for r in (first, second)] == [
        (2, 2, False, False),
        (1, 1, True, True),
    ]
    assert (other["purchases_synced"], other["complete"], other["resumed"]) == (0, True, False)
    assert len(docs("Purchase")) == 3 and docs("SyncCheckpoint") == []


def test_sync_course_purchases_checks_input_and_role(stripe_server, make_user, invoke):
    _, student = make_user("student")
    _, admin = make_user("admin")
    assert (
        invoke("syncCoursePurchases", {"startDate": "2026-01-01", "endDate": "2026-01-31"}, student).status_code == 403
    )
    for bad in (
        {"startDate": "2026-02-01", "endDate": "2026-01-01"},
        {"startDate": "2026-01-01"},
        {"startDate": "01/01/2026", "endDate": "2026-01-31"},
        {"startDate": 20260101, "endDate": "2026-01-31"},
        {"startDate": "2024-01-01", "endDate": "2026-01-31"},
        {"startDate": "2026-13-01", "endDate": "2026-12-31"},
    ):
        resp = invoke("syncCoursePurchases", bad, admin)
        assert resp.status_code == 400, bad
        assert resp.json["code"] == "INVALID_PARAMETERS"
    assert stripe_server.requests() == []


def test_sync_stripe_subscriptions_upserts_and_counts(stripe_server, make_user, invoke, monkeypatch):
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    from functions.payments import sync_stripe_subscriptions as sync
    from shared.stripe_client import client

    monkeypatch.setattr(sync, "PAGE_SIZE", 1)
    users = [make_user("student") for _ in range(3)]
    subs = []
    for _user, token in users:
        opened = invoke("createSubscriptionCheckout", {"planId": "plan_annual", **URLS}, token)
        assert opened.status_code == 200, opened.json
        session_id = opened.json["sessionId"]
        subs.append(stripe_server.complete(session_id)["subscription"])
    # One is cancelled at Stripe; one was made outside our checkout (no metadata, known customer email).
    sdk = client()
    sdk.v1.subscriptions.cancel(subs[2])
    outsider, _ = make_user("student")
    customer = sdk.v1.customers.create(
        params={
            "email": outsider["email"],
            "payment_method": "pm_card_visa",
            "invoice_settings": {"default_payment_method": "pm_card_visa"},
        }
    )
    price = sdk.v1.prices.list(params={"lookup_keys": ["sparkacademy_plan_annual_usd"]}).data[0]
    sdk.v1.subscriptions.create(params={"customer": customer.id, "items": [{"plan": price.id}]})
    _, admin = make_user("admin")
    first = invoke("syncStripeSubscriptions", None, admin)
    assert first.status_code == 200, first.json
    assert first.json == {
        "success": True,
        "active_subscriptions": 3,
        "cancelled": 1,
        "past_due": 0,
        "updated": 4,
        "skipped": 0,
        "complete": True,
        "resumed": False,
        "drift": [],
    }
    stored = {s["id"]: s for s in docs("Subscription")}
    assert stored[subs[2]]["status"] == "canceled"
    assert {s["user_email"] for s in stored.values()} == {u["email"] for u, _ in users} | {outsider["email"]}
    assert all(s["plan"] == "annual" for s in stored.values())
    second = invoke("syncStripeSubscriptions", {}, admin)
    assert second.json == {**first.json, "updated": 0}
    assert {s["id"]: s for s in docs("Subscription")} == stored
    # Customers came expanded in the list calls: none was fetched on its own.
    assert [r for r in stripe_server.requests() if r["path"].startswith("/v1/customers/")] == []


def test_sync_stripe_subscriptions_continues_from_its_checkpoint(stripe_server, make_user, invoke, monkeypatch):
    # GIVEN 5 subscriptions at Stripe, pages of 2, and a time budget spent after each page
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    monkeypatch.setenv("SYNC_TIME_BUDGET_SECONDS", "0")
    from functions.payments import sync_stripe_subscriptions as sync

    monkeypatch.setattr(sync, "PAGE_SIZE", 2)
    for _ in range(5):
        _, token = make_user("student")
        opened = invoke("createSubscriptionCheckout", {"planId": "plan_monthly", **URLS}, token)
        stripe_server.complete(opened.json["sessionId"])
    _, admin = make_user("admin")
    before = len(stripe_server.requests())
    # WHEN the sync runs until it says it is complete
    answers = []
    for _ in range(4):
        answers.append(invoke("syncStripeSubscriptions", {}, admin).json)
        if answers[-1]["complete"]:
            break
    # THEN each run did one page, went on from the last, and together they stored all 5
    assert [(a["updated"], a["complete"], a["resumed"]) for a in answers] == [
        (2, False, False),
        (2, False, True),
        (1, True, True),
    ]
    assert len(docs("Subscription")) == 5 and docs("SyncCheckpoint") == []
    calls = [(r["method"], r["path"]) for r in stripe_server.requests()[before:]]
    assert calls == [("GET", "/v1/subscriptions")] * 3
    assert all(dict(r["form"]).get("expand[0]") == "data.customer" for r in stripe_server.requests()[before:])


def test_sync_stripe_subscriptions_is_admin_only(stripe_server, make_user, invoke):
    _, student = make_user("student")
    assert invoke("syncStripeSubscriptions", {}, student).status_code == 403
    assert invoke("syncStripeSubscriptions", {"extra": 1}, make_user("admin")[1]).status_code == 400
