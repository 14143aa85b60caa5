"""What an AI function adds around its model call, and what `openai` costs at cold start.

Overhead: `generateContentUpdates` called through the emulator's routes (pipeline, validation,
rate limits, budget read, structured-output parsing, checks, usage record) against the same
model call made bare with the SDK, both answered by a local OpenAI-compatible server that
waits `MODEL_LATENCY_MS` per answer; sampled in turn in one run. Callers rotate over enough
instructors that none meets the 3-a-day limit, so each call commits its rate-limit counters.

Cold start: fresh interpreters importing an AI function's module and then `openai` (which it
loads on its first call), against a function that never imports `openai` (submitQuiz).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from typing import Any

from bench.common import environment, interleaved_medians, machine, median_ms

ROUNDS = 40
WARMUP = 5
MODEL_LATENCY_MS = 50
COLD_RUNS = 9
REQUEST = {"topic": "Advanced TypeScript Patterns", "level": "advanced", "duration": 180, "includeQuizzes": True}

COLD = """
import time
t0 = time.perf_counter()
import {module}
t1 = time.perf_counter()
{extra}
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t0) * 1000)
"""


def _cold(targets: dict[str, tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Fresh interpreters per target, taken in turn: medians of the import, and of it plus `extra`."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in targets}
    for _ in range(COLD_RUNS):
        for name, (module, extra) in targets.items():
            out = subprocess.run(
                [sys.executable, "-c", COLD.format(module=module, extra=extra)],
                capture_output=True,
                text=True,
                check=True,
                env=os.environ.copy(),
            ).stdout.split()
            samples[name].append((float(out[0]), float(out[1])))
    return {
        name: {
            "import_ms": round(statistics.median(a for a, _ in runs), 1),
            "with_first_call_ms": round(statistics.median(b for _, b in runs), 1),
        }
        for name, runs in samples.items()
    }


def _overhead() -> dict[str, Any]:
    from emulator.gateway import create_app
    from entities import accounts
    from functions.ai import llm
    from functions.ai.models import DraftCourse
    from shared.auth import Role
    from tests.ai.conftest import GOOD_COURSE
    from tests.fakes.openai_server import FakeOpenAI

    fake = FakeOpenAI().start()
    fake.latency = MODEL_LATENCY_MS / 1000
    fake.reply({"content": GOOD_COURSE})
    os.environ.update(
        {
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": fake.base_url,
            "OPENAI_MAX_RETRIES": "0",
            "AI_DAILY_TOKEN_BUDGET": "1000000000",
        }
    )
    try:
        users = [
            accounts.create_user(
                email=f"bench-ai{i}@example.test", password=None, full_name="B", role=Role.INSTRUCTOR, created_by=None
            )
            for i in range((ROUNDS + WARMUP) // 3 + 2)
        ]
        tokens = iter([f"Bearer {accounts.session_for(u)['access_token']}" for u in users for _ in range(3)])
        http = create_app().test_client()
        messages = [{"role": "user", "content": llm.as_data(REQUEST)}]

        def function() -> None:
            answer = http.post(
                "/api/apps/sparkacademy/functions/generateContentUpdates",
                json=REQUEST,
                headers={"Authorization": next(tokens)},
            )
            assert answer.status_code == 200, answer.json

        def bare() -> None:
            llm.client().chat.completions.parse(model="m", messages=messages, response_format=DraftCourse)  # type: ignore[arg-type]

        medians = interleaved_medians({"function": function, "bare_sdk_call": bare}, ROUNDS, WARMUP)
        stages = _stages(users[0])
    finally:
        fake.stop()
    return {
        "model_latency_ms": MODEL_LATENCY_MS,
        "bare_sdk_call_ms": round(medians["bare_sdk_call"], 1),
        "function_ms": round(medians["function"], 1),
        "overhead_ms": round(medians["function"] - medians["bare_sdk_call"], 1),
        "stages_ms": stages,
    }


def _stages(user: dict[str, Any]) -> dict[str, float]:
    """The overhead's parts, each timed alone."""
    import itertools

    from functions.ai import generate_content_updates as gen
    from functions.ai import usage
    from functions.ai.models import DraftCourse, GenerateContentUpdatesRequest
    from shared import ratelimit
    from shared.auth import Caller, Role
    from tests.ai.conftest import GOOD_COURSE

    caller = Caller(user_id=user["id"], email=user["email"], role=Role.INSTRUCTOR)
    body = GenerateContentUpdatesRequest.model_validate(REQUEST)
    draft = DraftCourse.model_validate(GOOD_COURSE)
    keys = itertools.count()
    timed = {
        "rate_limit_commit": lambda: ratelimit.hit(("ai", gen.NAME), f"user:bench-stage-{next(keys)}"),
        "budget_read": lambda: usage.check_budget(caller),
        "usage_record": lambda: usage.record(caller, gen.NAME, 100, 50),
        "checks_and_shape": lambda: gen.course_from(draft, body) if not gen.problems(draft, body) else None,
    }
    return {name: round(median_ms(fn, 30, warmup=5), 2) for name, fn in timed.items()}


def run() -> dict[str, Any]:
    with environment():
        overhead = _overhead()
    return {
        "benchmark": "ai",
        "machine": machine(),
        "rounds": ROUNDS,
        **overhead,
        "cold_start": _cold(
            {
                "generateContentUpdates (then openai)": ("functions.ai.generate_content_updates", "import openai"),
                "submitQuiz (no openai)": ("functions.learning.submit_quiz", "pass"),
            }
        ),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
