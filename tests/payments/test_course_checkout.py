"""createStripeCheckout and createCourseCheckout against the real SDK and localstripe's extension."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import docs

OK_URLS = {
    "successUrl": "https://sparkacademy.test/success?session_id={CHECKOUT_SESSION_ID}",
    "cancelUrl": "https://sparkacademy.test/courses",
}


def checkout_form(stripe_server: Any) -> dict[str, str]:
    forms = stripe_server.form("/v1/checkout/sessions")
    assert len(forms) == 1
    return forms[0]


def test_create_stripe_checkout_prices_course_in_cents_and_carries_metadata(
    stripe_server, make_user, make_course, invoke
):
    # GIVEN a published $49.99 course and a signed-in student
    course = make_course(title="React Fundamentals", price=49.99)
    user, token = make_user("student")
    # WHEN they ask for a checkout
    resp = invoke("createStripeCheckout", {"courseId": course["id"], **OK_URLS}, token)
    # THEN they get the session and its hosted URL
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["sessionId"].startswith("cs_test_")
    assert body["url"] == f"https://checkout.stripe.com/c/pay/{body['sessionId']}"
    assert body["total_amount"] == 4999
    # AND Stripe was sent one line item in cents with the metadata verification needs
    form = checkout_form(stripe_server)
    assert form["mode"] == "payment"
    assert form["line_items[0][price_data][unit_amount]"] == "4999"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][product_data][name]"] == "React Fundamentals"
    assert form["line_items[0][price_data][product_data][metadata][course_id]"] == course["id"]
    assert "line_items[1][price_data][unit_amount]" not in form
    assert form["metadata[course_ids]"] == course["id"]
    assert form["metadata[user_id]"] == user["id"]
    assert form["metadata[user_email]"] == user["email"]
    assert form["metadata[kind]"] == "course_purchase"
    assert form["success_url"] == OK_URLS["successUrl"]
    assert form["cancel_url"] == OK_URLS["cancelUrl"]
    assert form["customer"].startswith("cus_")
    # AND nothing is granted before payment
    assert docs("Enrollment") == [] and docs("Purchase") == []


def test_create_stripe_checkout_reuses_the_users_stripe_customer(stripe_server, make_user, make_course, invoke):
    a, b = make_course(), make_course()
    _, token = make_user("student")
    assert invoke("createStripeCheckout", {"courseId": a["id"], **OK_URLS}, token).status_code == 200
    assert invoke("createStripeCheckout", {"courseId": b["id"], **OK_URLS}, token).status_code == 200
    customers = {f["customer"] for f in stripe_server.form("/v1/checkout/sessions")}
    assert len(customers) == 1
    assert len(stripe_server.requests("/v1/customers", "POST")) == 1


def test_currency_comes_from_configuration_and_course(stripe_server, make_user, make_course, invoke, monkeypatch):
    monkeypatch.setenv("PAYMENT_CURRENCY", "EUR")
    default = make_course(price=10.005)
    yen = make_course(price=1200, currency="jpy")
    _, token = make_user("student")
    assert invoke("createStripeCheckout", {"courseId": default["id"], **OK_URLS}, token).json["total_amount"] == 1001
    assert invoke("createStripeCheckout", {"courseId": yen["id"], **OK_URLS}, token).json["total_amount"] == 1200
    forms = stripe_server.form("/v1/checkout/sessions")
    assert [f["line_items[0][price_data][currency]"] for f in forms] == ["eur", "jpy"]
    assert [f["line_items[0][price_data][unit_amount]"] for f in forms] == ["1001", "1200"]


def test_create_stripe_checkout_requires_sign_in(stripe_server, make_course, invoke):
    course = make_course()
    resp = invoke("createStripeCheckout", {"courseId": course["id"], **OK_URLS})
    assert resp.status_code == 401
    assert resp.json["code"] == "AUTH_REQUIRED"
    assert stripe_server.requests() == []


def test_create_stripe_checkout_unknown_course_is_404(stripe_server, make_user, invoke):
    _, token = make_user("student")
    resp = invoke("createStripeCheckout", {"courseId": "crs_missing", **OK_URLS}, token)
    assert resp.status_code == 404
    assert resp.json["code"] == "RESOURCE_NOT_FOUND"
    assert resp.json["message"] == "Course not found"
    assert stripe_server.requests() == []


@pytest.mark.parametrize(
    ("fields", "reason"),
    [({"is_published": False}, "not_published"), ({"price": 0}, "free"), ({"price": None}, "free")],
)
def test_create_stripe_checkout_refuses_unpublished_or_free(
    stripe_server, make_user, make_course, invoke, fields, reason
):
    course = make_course(**fields)
    _, token = make_user("student")
    resp = invoke("createStripeCheckout", {"courseId": course["id"], **OK_URLS}, token)
    assert resp.status_code == 400
    assert resp.json["code"] == "INVALID_PARAMETERS"
    assert resp.json["details"] == {"course_id": course["id"], "reason": reason}
    assert stripe_server.requests() == []


def test_create_stripe_checkout_refuses_already_enrolled(stripe_server, make_user, make_course, invoke):
    from entities import store
    from entities.enrollment import enrollment_id

    course = make_course()
    user, token = make_user("student")
    store.create(
        "Enrollment",
        {"course_id": course["id"], "student_email": user["email"], "status": "active", "source": "admin"},
        created_by="admin@example.test",
        id=enrollment_id(course["id"], user["email"]),
    )
    resp = invoke("createStripeCheckout", {"courseId": course["id"], **OK_URLS}, token)
    assert resp.status_code == 400
    assert resp.json["details"]["reason"] == "already_enrolled"
    assert stripe_server.requests() == []


@pytest.mark.parametrize(
    "payload",
    [
        {"courseId": "crs_x", "successUrl": "/success", "cancelUrl": "https://a.test/c"},
        {"courseId": "crs_x", "successUrl": "javascript:alert(1)", "cancelUrl": "https://a.test/c"},
        {"courseId": "crs_x", "successUrl": "ftp://a.test/s", "cancelUrl": "https://a.test/c"},
        {"courseId": "crs_x", "successUrl": "https://a.test/s", "cancelUrl": "https:///nohost"},
        {"courseId": "crs_x", "successUrl": "https://a.test/s"},
        {"courseId": 42, **OK_URLS},
        {"courseId": "crs_x", "extra": True, **OK_URLS},
        {"courseId": "../etc", **OK_URLS},
    ],
)
def test_create_stripe_checkout_rejects_bad_input(stripe_server, make_user, invoke, payload):
    _, token = make_user("student")
    resp = invoke("createStripeCheckout", payload, token)
    assert resp.status_code == 400
    assert resp.json["code"] == "INVALID_PARAMETERS"
    assert resp.json["details"]["fields"]
    assert stripe_server.requests() == []


def test_create_course_checkout_one_line_item_per_course_and_total(stripe_server, make_user, make_course, invoke):
    courses = [make_course(title=f"C{i}", price=p) for i, p in enumerate([49.99, 19.5, 129])]
    _user, token = make_user("student")
    resp = invoke("createCourseCheckout", {"courseIds": [c["id"] for c in courses], **OK_URLS}, token)
    assert resp.status_code == 200, resp.json
    assert resp.json["total_amount"] == 4999 + 1950 + 12900
    form = checkout_form(stripe_server)
    amounts = [int(form[f"line_items[{i}][price_data][unit_amount]"]) for i in range(3)]
    assert amounts == [4999, 1950, 12900]
    assert sum(amounts) == resp.json["total_amount"]
    assert "line_items[3][quantity]" not in form
    assert form["metadata[course_ids]"] == ",".join(c["id"] for c in courses)
    assert stripe_server.requests("/v1/checkout/sessions/" + resp.json["sessionId"]) == []


@pytest.mark.parametrize("ids", [[], ["crs_a", "crs_a"], [f"crs_{i}" for i in range(21)], "crs_a"])
def test_create_course_checkout_rejects_bad_course_lists(stripe_server, make_user, invoke, ids):
    _, token = make_user("student")
    resp = invoke("createCourseCheckout", {"courseIds": ids, **OK_URLS}, token)
    assert resp.status_code == 400
    assert resp.json["code"] == "INVALID_PARAMETERS"
    assert stripe_server.requests() == []


def test_create_course_checkout_refuses_bundle_with_owned_or_free_course(stripe_server, make_user, make_course, invoke):
    from entities import store
    from entities.enrollment import enrollment_id

    paid, owned, free = make_course(), make_course(), make_course(price=0)
    user, token = make_user("student")
    store.create(
        "Enrollment",
        {"course_id": owned["id"], "student_email": user["email"], "status": "completed"},
        created_by="x",
        id=enrollment_id(owned["id"], user["email"]),
    )
    resp = invoke("createCourseCheckout", {"courseIds": [paid["id"], owned["id"]], **OK_URLS}, token)
    assert (resp.status_code, resp.json["details"]) == (400, {"course_id": owned["id"], "reason": "already_enrolled"})
    resp = invoke("createCourseCheckout", {"courseIds": [paid["id"], free["id"]], **OK_URLS}, token)
    assert (resp.status_code, resp.json["details"]) == (400, {"course_id": free["id"], "reason": "free"})
    resp = invoke("createCourseCheckout", {"courseIds": [paid["id"], "crs_gone"], **OK_URLS}, token)
    assert resp.status_code == 404
    assert stripe_server.requests("/v1/checkout/sessions") == []


def test_course_ids_too_long_for_one_metadata_value_are_split_and_read_back(
    stripe_server, make_user, make_course, invoke
):
    from domain.payments.fulfilment import decode_course_ids

    courses = [make_course(title=f"Long {i}") for i in range(20)]
    # Course ids of 60 characters: 20 of them do not fit Stripe's 500-character value.
    from entities import store

    long_ids = []
    for i, c in enumerate(courses):
        cid = f"crs_{'x' * 50}{i:06d}"
        store.create(
            "Course",
            {k: v for k, v in c.items() if k not in ("id", "created_date", "updated_date", "created_by")},
            created_by="t",
            id=cid,
        )
        long_ids.append(cid)
    _, token = make_user("student")
    resp = invoke("createCourseCheckout", {"courseIds": long_ids, **OK_URLS}, token)
    assert resp.status_code == 200, resp.json
    form = checkout_form(stripe_server)
    metadata = {k[len("metadata[") : -1]: v for k, v in form.items() if k.startswith("metadata[")}
    assert all(len(v) <= 500 for v in metadata.values())
    assert "course_ids_2" in metadata
    assert decode_course_ids(metadata) == long_ids
