"""stripeWebhook: median handling time of `checkout.session.completed` against a bare
Firestore transaction of the same writes, measured interleaved in the same run.

1. bare: one Firestore transaction that reads the event, purchase and enrollment
   documents and creates the three of them (what the webhook must write).
2. webhook: the deployed target in process (a Flask test client, as the Functions
   Framework calls it): signature check on the raw body, JSON, the pipeline, the
   exactly-once transaction, logging, the JSON answer.
3. webhook over HTTP: the same through the emulator gateway on a loopback port.

Every sample is a new event for a new purchase, so each one does the full write.
Target: webhook / bare <= 2. Run: `.venv/bin/python -m bench.bench_webhook [N]`
(N samples per series, default 60). Bounded in count; only loopback traffic.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import sys
import time
from typing import Any

from bench.common import environment, interleaved_medians, machine, serve

SECRET = "whsec_bench_0123456789abcdef"


def _event(n: int, course_id: str, email: str, user_id: str) -> bytes:
    session = {
        "id": f"cs_bench_{n:08d}",
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": 4999,
        "currency": "usd",
        "customer": "cus_bench",
        "payment_intent": f"pi_bench_{n:08d}",
        "metadata": {"kind": "course_purchase", "course_ids": course_id, "user_id": user_id, "user_email": email},
    }
    event = {
        "id": f"evt_bench_{n:08d}",
        "object": "event",
        "created": int(time.time()),
        "livemode": False,
        "type": "checkout.session.completed",
        "data": {"object": session},
    }
    return json.dumps(event).encode()


def run(rounds: int = 60) -> dict[str, Any]:
    with environment("sparkacademy-bench-webhook"):
        os.environ["STRIPE_WEBHOOK_SECRET"] = SECRET
        import flask
        import requests
        import stripe
        from google.cloud import firestore

        from emulator.gateway import create_app
        from entities import store
        from entities.enrollment import enrollment_id
        from functions.payments.stripe_webhook import stripe_webhook
        from shared.firestore import client, now_iso

        db = client()
        warmup = 20
        emails = [f"buyer{i}@bench.test" for i in range((rounds + warmup) * 3 + 5)]
        course = store.create("Course", {"title": "Bench", "price": 49.99, "is_published": True}, created_by="bench")
        counter = itertools.count()

        def signed() -> tuple[bytes, dict[str, str]]:
            n = next(counter)
            body = _event(n, course["id"], emails[n], f"usr_{n}")
            header = stripe.WebhookSignature.generate_signature_header(
                body.decode(), SECRET, timestamp=int(time.time())
            )
            return body, {"Stripe-Signature": header, "Content-Type": "application/json"}

        def bare() -> None:
            n = next(counter)
            email = emails[n]
            refs = [
                db.collection("StripeEvent").document(f"evt_bare_{n:08d}"),
                db.collection("Purchase").document(f"pur_cs_bare_{n:08d}"),
                db.collection("Enrollment").document(enrollment_id(course["id"], email)),
            ]
            now = now_iso()

            @firestore.transactional
            def write(tx: Any) -> None:
                assert not any(s.exists for s in tx.get_all(refs))
                tx.create(
                    refs[0],
                    {
                        "id": refs[0].id,
                        "type": "checkout.session.completed",
                        "outcome": "processed",
                        "stripe_created": 0,
                        "created_date": now,
                        "updated_date": now,
                        "created_by": "stripe",
                    },
                )
                tx.create(
                    refs[1],
                    {
                        "id": refs[1].id,
                        "user_email": email,
                        "course_ids": [course["id"]],
                        "amount": 4999,
                        "currency": "usd",
                        "status": "paid",
                        "source": "checkout",
                        "paid_at": now,
                        "created_date": now,
                        "updated_date": now,
                        "created_by": email,
                    },
                )
                tx.create(
                    refs[2],
                    {
                        "id": refs[2].id,
                        "course_id": course["id"],
                        "student_email": email,
                        "status": "active",
                        "source": "purchase",
                        "enrolled_at": now,
                        "created_date": now,
                        "updated_date": now,
                        "created_by": email,
                    },
                )

            write(db.transaction())

        target_app = flask.Flask("bench-webhook")
        target_app.add_url_rule("/", "stripeWebhook", lambda: stripe_webhook(flask.request), methods=["POST"])
        in_process = target_app.test_client()

        def webhook() -> None:
            body, headers = signed()
            resp = in_process.post("/", data=body, headers=headers)
            assert resp.status_code == 200 and resp.json["outcome"] == "processed", resp.json

        http = requests.Session()
        quiet = io.StringIO()  # the webhook logs one line per event; keep the figures readable
        with serve(create_app()) as url, contextlib.redirect_stdout(quiet):

            def over_http() -> None:
                body, headers = signed()
                resp = http.post(f"{url}/api/stripe-webhook", data=body, headers=headers)
                assert resp.status_code == 200 and resp.json()["outcome"] == "processed", resp.text

            timed = interleaved_medians({"bare": bare, "webhook": webhook, "http": over_http}, rounds, warmup)
        enrollments = store.count("Enrollment", {"course_id": course["id"]})
        assert enrollments == (rounds + warmup) * 3, enrollments
    return {
        "benchmark": "stripeWebhook checkout.session.completed vs bare Firestore transaction",
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d"),
        "rounds": rounds,
        "median_ms": {
            "bare transaction (same reads and writes)": timed["bare"],
            "webhook target in process": timed["webhook"],
            "webhook through gateway over HTTP": timed["http"],
        },
        "ratio_webhook_to_bare": timed["webhook"] / timed["bare"],
        "ratio_http_webhook_to_bare": timed["http"] / timed["bare"],
        "target_ratio": 2.0,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 60), indent=2))
