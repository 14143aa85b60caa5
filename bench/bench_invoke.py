"""Overhead of an authenticated invoke through the gateway, as a ratio to a raw read.

The function under test reads one Course. Baselines, measured in the same run:
the same read with the raw Firestore client, and the same read behind a bare
Flask route (what functions-framework itself serves) with no pipeline.

Calls go over one kept-alive HTTP/1.1 connection (the standard library client,
so the client's own cost stays small). The documented entity limit applies
(100 a minute per user); the calls rotate over enough users that none is refused,
each making about 40 calls in its minute: a busy user, whose calls are mostly
admitted from a lease. A user's first call in a window pays the full commit,
reported among the stages.
"""

from __future__ import annotations

import http.client
import itertools
import json
import time
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from bench.common import environment, interleaved_medians, machine, median_ms, serve

ROUNDS = 300
WARMUP = 500
USERS = 20


class ReadCourseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    courseId: str


def _read_course_target() -> Any:
    from entities import store
    from shared.http import endpoint

    @endpoint("benchReadCourse", request=ReadCourseRequest, rate=("entity",), read_only=True)
    def bench_read_course(body: ReadCourseRequest, caller: Any) -> dict[str, Any]:
        return store.get("Course", body.courseId)

    return bench_read_course


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    import flask

    from entities import accounts, store
    from shared import auth, ratelimit
    from shared.auth import Role
    from shared.firestore import client

    with environment():
        course = store.create("Course", {"title": "Bench", "is_published": True}, created_by=None)
        users = [
            accounts.create_user(
                email=f"bench{i}@example.test", password=None, full_name="B", role=Role.STUDENT, created_by=None
            )
            for i in range(USERS)
        ]
        rotation = itertools.cycle(
            [{"Authorization": f"Bearer {accounts.session_for(u)['access_token']}"} for u in users]
        )
        ref = client().collection("Course").document(course["id"])
        target = _read_course_target()

        app = flask.Flask("bench")
        app.add_url_rule("/invoke", "invoke", lambda: target(flask.request), methods=["POST"])
        app.add_url_rule("/bare", "bare", lambda: flask.jsonify(ref.get().to_dict()), methods=["POST"])
        body = json.dumps({"courseId": course["id"]})

        with serve(app) as url:
            conn = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=30)

            def post(path: str, headers: dict[str, str]) -> tuple[int, Any]:
                conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
                resp = conn.getresponse()
                return resp.status, json.loads(resp.read())

            timed = interleaved_medians(
                {
                    "raw": lambda: ref.get().to_dict(),
                    "bare": lambda: post("/bare", {}),
                    "invoke": lambda: post("/invoke", next(rotation)),
                },
                rounds,
                WARMUP,
            )
            raw, bare, invoke = timed["raw"], timed["bare"], timed["invoke"]
            status, answer = post("/invoke", next(rotation))
            assert status == 200 and answer["id"] == course["id"], answer

        # Where the time goes, stage by stage, in process.
        headers = next(rotation)
        fresh_keys = (f"bench:{n}" for n in itertools.count())
        stages = {
            "token check": median_ms(lambda: auth.caller_from_headers(headers, "127.0.0.1"), rounds),
            "rate limit, first call of a window (one commit)": median_ms(
                lambda: ratelimit.hit(("entity",), next(fresh_keys)), rounds
            ),
            "rate limit, averaged over a busy user's window": _busy_window_ms(),
            "entity read": median_ms(lambda: store.get("Course", course["id"]), rounds),
            "validation + serialisation": median_ms(
                lambda: json.dumps(ReadCourseRequest.model_validate({"courseId": course["id"]}).model_dump() | course),
                rounds,
            ),
        }
    return {
        "benchmark": "authenticated invoke, one entity read",
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d"),
        "rounds": rounds,
        "median_ms": {"raw Firestore read": raw, "bare HTTP route + read": bare, "invoke through pipeline": invoke},
        "ratio_invoke_to_raw_read": invoke / raw,
        "ratio_invoke_to_bare_route": invoke / bare,
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
