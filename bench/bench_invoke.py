"""Overhead of an authenticated invoke through the gateway, as a ratio to a raw read.

The function under test reads one Course. Baselines, measured in the same run:
the same read with the raw Firestore client, and the same read behind a bare
Flask route (what functions-framework itself serves) with no pipeline.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from bench.common import environment, interleaved_medians, machine, median_ms, serve

ROUNDS = 300


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
    import requests

    from entities import accounts, store
    from shared import auth, ratelimit
    from shared.auth import Role
    from shared.firestore import client

    with environment():
        course = store.create("Course", {"title": "Bench", "is_published": True}, created_by=None)
        user = accounts.create_user(email="bench@example.test", password=None, full_name="B", role=Role.STUDENT,
                                    created_by=None)
        token = accounts.session_for(user)["access_token"]
        ratelimit.LIMITS["entity"] = ratelimit.Limit("entity", 10**9, 60)  # measure the cost, never refuse
        ref = client().collection("Course").document(course["id"])
        target = _read_course_target()

        app = flask.Flask("bench")
        app.add_url_rule("/invoke", "invoke", lambda: target(flask.request), methods=["POST"])
        app.add_url_rule("/bare", "bare", lambda: flask.jsonify(ref.get().to_dict()), methods=["POST"])
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}"}
        payload = {"courseId": course["id"]}

        with serve(app) as url:
            timed = interleaved_medians(
                {
                    "raw": lambda: ref.get().to_dict(),
                    "bare": lambda: session.post(f"{url}/bare", json=payload).json(),
                    "invoke": lambda: session.post(f"{url}/invoke", json=payload, headers=headers).json(),
                },
                rounds,
            )
            raw, bare, invoke = timed["raw"], timed["bare"], timed["invoke"]
            check = session.post(f"{url}/invoke", json=payload, headers=headers)
            assert check.status_code == 200 and check.json()["id"] == course["id"], check.text

        # Where the time goes, stage by stage, in process.
        stages = {
            "token check": median_ms(lambda: auth.caller_from_headers(headers, "127.0.0.1"), rounds),
            "rate limit": median_ms(lambda: ratelimit.hit(("entity",), f"user:{user['id']}"), rounds),
            "entity read": median_ms(lambda: store.get("Course", course["id"]), rounds),
            "validation + serialisation": median_ms(
                lambda: json.dumps(ReadCourseRequest.model_validate(payload).model_dump() | course), rounds
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


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
