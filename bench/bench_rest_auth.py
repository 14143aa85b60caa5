"""What the 7P REST surface adds to an authenticated read, and what a sign-in costs.

The same read (one course, as `entities.get` answers it) is served through the
shared pipeline twice, interleaved over one kept-alive connection:
- as the Base44 surface invokes a function: `POST`, JSON body, the `functions`
  limit, a Base44 session token;
- as the 7P surface serves it: `GET`, the `rest` limit plus the caller's daily
  quota by subscription tier, an access token of a 7P sign-in (session-bound).
The 7P call must stay within 1.10x of the Base44 one: the session check reads
nothing from Firestore per call, the tier is remembered for a minute. A 7P
sign-in (argon2id, the lockout counter, the session and refresh-token writes) is
timed against the same read. Callers rotate so that no limit refuses them.
"""

from __future__ import annotations

import http.client
import itertools
import json
import time
from typing import Any
from urllib.parse import urlsplit

from bench.common import environment, interleaved_medians, machine, median_ms, serve

ROUNDS = 300
WARMUP = 200
USERS = 40  # 100 calls a minute per caller on either surface
PASSWORD = "Bench-Pass-1"


def _app(course_id: str) -> Any:
    import flask

    from entities import api
    from rest import auth_routes  # noqa: F401 - declares the 7P surface
    from rest.surface import RATE, SURFACE
    from shared import router
    from shared.http import Spec, serve

    def read(_body: Any, caller: Any) -> Any:
        return api.get_record("Course", caller, course_id)

    base44 = Spec(name="bench.base44Invoke", rate=("functions",))
    seven_p = Spec(name="bench.sevenPRead", rate=RATE, methods=("GET",), read_only=True, surface=SURFACE)
    app = flask.Flask("bench")
    app.add_url_rule("/base44/invoke", "base44", lambda: serve(flask.request, base44, read), methods=["POST"])
    app.add_url_rule("/7p/course", "seven_p", lambda: serve(flask.request, seven_p, read))
    app.add_url_rule("/<path:path>", "router", lambda path: router.dispatch(flask.request), methods=["GET", "POST"])
    return app


def run(rounds: int = ROUNDS) -> dict[str, Any]:
    from entities import accounts, store
    from shared import auth, ratelimit
    from shared.auth import Role

    with environment():
        # Every sign-in comes from this one address: its limit of 5 is widened, its cost kept.
        ratelimit.LIMITS["rest.login"] = ratelimit.Limit("rest.login", 10_000, 15 * 60, sign_in=True)
        course = store.create("Course", {"title": "Bench", "is_published": True}, created_by=None)
        users = [
            accounts.create_user(
                email=f"bench-rest{i}@example.test",
                password=PASSWORD,
                full_name="B",
                role=Role.STUDENT,
                created_by=None,
            )
            for i in range(USERS)
        ]
        with serve(_app(course["id"])) as url:
            conn = http.client.HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=30)

            def call(method: str, path: str, headers: dict[str, str], body: str | None = None) -> Any:
                conn.request(method, path, body=body, headers={"Content-Type": "application/json", **headers})
                resp = conn.getresponse()
                answer = json.loads(resp.read())
                assert resp.status == 200, answer
                return answer

            def sign_in(user: dict[str, Any]) -> Any:
                body = json.dumps({"email": user["email"], "password": PASSWORD})
                return call("POST", "/api/auth/login", {}, body)

            base44 = itertools.cycle(
                [{"Authorization": f"Bearer {accounts.session_for(u)['access_token']}"} for u in users]
            )
            seven_p = itertools.cycle([{"Authorization": f"Bearer {sign_in(u)['access_token']}"} for u in users])
            timed = interleaved_medians(
                {
                    "Base44 invoke, course read": lambda: call("POST", "/base44/invoke", next(base44), "{}"),
                    "7P GET, course read": lambda: call("GET", "/7p/course", next(seven_p)),
                },
                rounds,
                WARMUP,
            )
            who = itertools.cycle(users)
            login_ms = median_ms(lambda: sign_in(next(who)), max(20, rounds // 10), warmup=3)
        stored = auth.hash_password(PASSWORD)
        argon2_ms = median_ms(lambda: auth.verify_password(stored, PASSWORD), 20, warmup=2)
    read_ms = timed["7P GET, course read"]
    return {
        "benchmark": "7P REST surface: authenticated read and sign-in",
        "machine": machine(),
        "when": time.strftime("%Y-%m-%d"),
        "rounds": rounds,
        "median_ms": {**timed, "7P sign-in": login_ms, "argon2id verify alone": argon2_ms},
        "ratios": {
            "7P read / Base44 invoke of the same read (target <= 1.10)": read_ms / timed["Base44 invoke, course read"],
            "7P sign-in / 7P read": login_ms / read_ms,
            "argon2id share of a sign-in": argon2_ms / login_ms,
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
