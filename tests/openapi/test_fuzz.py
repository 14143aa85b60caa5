"""The OpenAPI document against the running API.

schemathesis generates requests for every operation from the document the emulator
serves, valid ones and invalid ones, and checks each answer: a documented status,
the documented content type, headers and body schema, invalid input refused with a
4xx, and no 5xx but the 503 CONFIGURATION_ERROR that functions needing Stripe's
settings answer here, where none are set. It runs signed out and signed in as each
role, with a bounded, derandomized number of examples per operation and mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis import checks as st

from shared import config
from tests.helpers import bearer

MAX_EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}
ROLES = ("anonymous", "student", "instructor", "admin")


def only_missing_settings_fail(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """No 5xx but 503 CONFIGURATION_ERROR (Stripe's settings are not set in these tests)."""
    if response.status_code >= 500:
        try:
            code = response.json().get("code")
        except ValueError:
            code = None
        assert (response.status_code, code) == (503, "CONFIGURATION_ERROR"), f"{response.status_code} {code}"


# What "the answer contradicts the document" means here. Not `positive_data_acceptance`: the
# document's schemas of records, ids and free-form bodies are wider than what handlers accept,
# and those refusals are documented 4xx answers.
CHECKS = [
    only_missing_settings_fail,
    st.status_code_conformance,
    st.content_type_conformance,
    st.response_headers_conformance,
    st.response_schema_conformance,
    st.negative_data_rejection,
    st.missing_required_header,
]


@dataclass
class Run:
    """What one role's run sent and what it found."""

    operations: int = 0
    requests: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # the first failure per operation, mode and check


def fuzz(url: str, headers: dict[str, str]) -> Run:
    """Send generated requests to every operation of the served document; collect every failed check."""
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        run.operations += 1
        for mode in MAX_EXAMPLES:
            try:
                _fuzz_operation(operation, mode, url, headers, run)
            except Unsatisfiable:  # nothing in this operation can be made invalid
                assert mode is GenerationMode.NEGATIVE, operation.label
    return run


def _fuzz_operation(operation: Any, mode: GenerationMode, url: str, headers: dict[str, str], run: Run) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES[mode],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def send(case: schemathesis.Case) -> None:
        run.requests += 1
        try:
            case.call_and_validate(base_url=url, headers=headers, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' failures, grouped when several
            for failure in getattr(exc, "exceptions", (exc,)):
                key = f"{operation.label} [{mode.value}] {getattr(failure, 'title', type(failure).__name__)}"
                run.failures.setdefault(key, f"{failure}\n{case.as_curl_command(headers)}")

    send()


@pytest.mark.parametrize("role", ROLES)
def test_every_answer_is_one_the_document_allows(
    role: str,
    live_gateway: str,
    make_user: Callable[..., tuple[dict[str, Any], str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the served document and a caller signed in as the role (or not); limits off,
    # so that every operation is reached rather than refused after its first calls; no Stripe
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "false")
    for setting in (config.STRIPE_SECRET_KEY, config.STRIPE_WEBHOOK_SECRET, config.OPENAI_API_KEY):
        monkeypatch.delenv(setting, raising=False)
    headers = {} if role == "anonymous" else bearer(make_user(role)[1])
    # WHEN generated requests go to every operation
    run = fuzz(live_gateway, headers)
    # THEN every answer is one the document allows
    print(f"\n{role}: {run.operations} operations, {run.requests} requests, {len(run.failures)} failures")
    assert run.operations >= 39
    assert not run.failures, "\n\n".join(f"{key}\n{text}" for key, text in sorted(run.failures.items()))
