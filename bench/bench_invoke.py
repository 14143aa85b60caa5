"""What the request path costs, on real routes, as ratios to baselines taken in the same run.

Two real entry points are timed through the router (`shared.router.dispatch`,
what the `api` service and the emulator run):
- an entity read: `GET /api/apps/{appId}/entities/Course/{id}` as a student;
- a documented function: `POST /api/apps/{appId}/functions/listPaidUsers` as an admin.

Baselines, interleaved with them:
- a raw Firestore read of the course, in process;
- a bare Flask route doing the same Firestore work with the raw client (what
  functions-framework itself serves): the course, and for the entity read the student's
  enrollment query that decides whether they see its content;
- the same pipeline without the router: `serve()` behind a plain Flask route for the
  entity read, and the function's own Cloud Functions target for the function.

Calls go over one kept-alive HTTP/1.1 connection (the standard library client, so
the client's own cost stays small). Rate limits stay on: the callers rotate over
enough users that none is refused, so a call is mostly admitted from a lease; a
user's first call in a window pays the full commit (see the stages).
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from bench.common import environment, interleaved_medians, machine, median_ms, serve

REGEX = "^ben.*h$"
ROUNDS = 300
WARMUP = 300
STUDENTS = 40  # the entity limit is 100 a minute per user
ADMINS = 150  # listPaidUsers is limited to 10 a minute per user


def _tokens(role: str, count: int) -> itertools.cycle[dict[str, str]]:
    from entities import accounts
    from shared.auth import Role

    users = [
        accounts.create_user(
            email=f"bench-{role}{i}@example.test", password=None, full_name="B", role=Role(role), created_by=None
        )
        for i in range(count)
    ]
    return itertools.cycle([{"Authorization": f"Bearer {accounts.session_for(u)['access_token']}"} for u in users])


def _app(course_id: str) -> Any:
    """One Flask app with the baselines beside the router, as the emulator mounts it."""
    import flask
    from google.cloud.firestore import FieldFilter, Query

    from entities import api
    from shared import router
    from shared.firestore import client
    from shared.http import serve

    ref = client().collection("Course").document(course_id)
    paid = client().collection("Subscription").where(filter=FieldFilter("status", "in", ["active", "trialing"]))

    enrollments = (
        client()
        .collection("Enrollment")
        .where(filter=FieldFilter("student_email", "==", "bench-student0@example.test"))
        .where(filter=FieldFilter("course_id", "in", [course_id]))
        .order_by("created_date", direction=Query.DESCENDING)
    )

    def bare_course() -> Any:
        # The entity read's Firestore work for a student: the course, then whether they are enrolled.
        course = ref.get().to_dict()
        enrolled = [s.to_dict() for s in enrollments.stream()]
        return flask.jsonify({**course, "enrolled": bool(enrolled)})

    def bare_paid() -> Any:
        # listPaidUsers' Firestore work: a count, then one ordered page.
        total = paid.count().get()[0][0].value
        page = paid.order_by("created_date", direction=Query.DESCENDING).limit(10).stream()
        return flask.jsonify({"total": total, "users": [s.to_dict() for s in page]})

    entity_spec = next(r.spec for r in router.api_routes() if r.name == "entities.get")
    function_target = router.load_function("listPaidUsers")

    app = flask.Flask("bench")
    app.add_url_rule("/bare/course", "bare_course", bare_course)
    app.add_url_rule("/bare/paid", "bare_paid", bare_paid, methods=["POST"])
    app.add_url_rule(
        "/pipeline/course",
        "pipeline_course",
        lambda: serve(flask.request, entity_spec, lambda _b, c: api.get_record("Course", c, course_id)),
    )
    app.add_url_rule("/target/paid", "target_paid", lambda: function_target(flask.request), methods=["POST"])
    app.add_url_rule("/<path:path>", "router", lambda path: router.dispatch(flask.request), methods=["GET", "POST"])
    return app


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    from entities import store
    from entities.query import Cond, Logic, matches, parse
    from shared import auth, ratelimit, sessions
    from shared.firestore import client

    with environment():
        course = store.create("Course", {"title": "Bench", "is_published": True}, created_by=None)
        students, admins = _tokens("student", STUDENTS), _tokens("admin", ADMINS)
        ref = client().collection("Course").document(course["id"])
        entity_path = f"/api/apps/sparkacademy/entities/Course/{course['id']}"
        function_path = "/api/apps/sparkacademy/functions/listPaidUsers"
        function_body = json.dumps({"page": 1, "limit": 10})

        with serve(_app(course["id"])) as url:
            conn = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=30)

            def call(method: str, path: str, headers: dict[str, str], body: str | None = None) -> Any:
                conn.request(method, path, body=body, headers={"Content-Type": "application/json", **headers})
                resp = conn.getresponse()
                answer = json.loads(resp.read())
                assert resp.status == 200, answer
                return answer

            timed = interleaved_medians(
                {
                    "raw read": lambda: ref.get().to_dict(),
                    "bare route, course + enrollment": lambda: call("GET", "/bare/course", {}),
                    "pipeline, entity get": lambda: call("GET", "/pipeline/course", next(students)),
                    "router, entity get": lambda: call("GET", entity_path, next(students)),
                    "bare route, paid subscriptions": lambda: call("POST", "/bare/paid", {}, function_body),
                    "function target, listPaidUsers": lambda: call("POST", "/target/paid", next(admins), function_body),
                    "router, listPaidUsers": lambda: call("POST", function_path, next(admins), function_body),
                },
                rounds,
                WARMUP,
            )
            assert call("GET", entity_path, next(students))["id"] == course["id"]

        # Where the time goes, stage by stage, in process.
        headers = next(students)
        claims = auth.decode_token(headers["Authorization"].split()[1])
        stored = store.get("Course", course["id"])
        by_re2 = parse({"title": {"$regex": REGEX, "$options": "i"}})
        by_re = Logic("$and", (Cond("title", "$regex", re.compile(REGEX, re.IGNORECASE)),))
        fresh_keys = (f"bench:{n}" for n in itertools.count())
        stages = {
            "token check": median_ms(lambda: auth.caller_from_headers(headers, "127.0.0.1"), rounds),
            "rate limit, first call of a window (one commit)": median_ms(
                lambda: ratelimit.hit(("entity",), next(fresh_keys)), rounds
            ),
            "rate limit, averaged over a busy user's window": _busy_window_ms(),
            "session check (ended-session lookup, part of the token check)": median_ms(
                lambda: sessions.is_ended(claims), rounds
            ),
            "$regex on one record, RE2": median_ms(lambda: matches(stored, by_re2), rounds),
            "$regex on one record, Python re (before)": median_ms(lambda: matches(stored, by_re), rounds),
            "entity read": median_ms(lambda: store.get("Course", course["id"]), rounds),
        }
    return {
        "benchmark": "request path on real routes",
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d"),
        "rounds": rounds,
        "median_ms": timed,
        "ratios": {
            "entity get: router / pipeline without router": timed["router, entity get"] / timed["pipeline, entity get"],
            "entity get: router / bare route": timed["router, entity get"] / timed["bare route, course + enrollment"],
            "entity get: router / raw read": timed["router, entity get"] / timed["raw read"],
            "listPaidUsers: router / its own target": timed["router, listPaidUsers"]
            / timed["function target, listPaidUsers"],
            "listPaidUsers: router / bare route": timed["router, listPaidUsers"]
            / timed["bare route, paid subscriptions"],
        },
        "stages_median_ms": stages,
    }


def _busy_window_ms() -> float:
    """Mean cost per call of 100 calls (the whole entity limit) by one user in one window."""
    from shared import ratelimit

    limiter = ratelimit.Limiter()
    start = time.perf_counter()
    for _ in range(100):
        limiter.hit(("entity",), "bench:busy")
    return (time.perf_counter() - start) * 1000 / 100


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
