"""Every code example of the two seed documents, as written, against `make dev`'s platform and demo data.

One platform per test module (a process of its own on free ports, with its own data
folder under the worker's temporary directory, so parallel workers never share one).
Its outside services are local fakes started here: an OpenAI-compatible model,
BambooHR and Workday. SDK examples run through the real @base44/sdk from Node
(`sdk_examples.mjs`, one example per call); REST examples are plain HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from emulator import demo
from tests.ai.conftest import GOOD_COURSE
from tests.dev.conftest import DevPlatform, start_platform
from tests.e2e.sdk import SDK, run_flow
from tests.fakes.hr_systems import FakeBambooHR, FakeWorkday
from tests.fakes.openai_server import FakeOpenAI

EXAMPLES = Path(__file__).with_name("sdk_examples.mjs")
PROJECT = {
    "title": "Build a Todo App with React Hooks",
    "description": "Create a fully functional todo app.",
    "requirements": [
        "Use useState for state management",
        "Implement useEffect for side effects",
        "Add custom hooks for reusability",
    ],
    "rubric": [{"criterion": "functionality", "weight": 60}, {"criterion": "code quality", "weight": 40}],
    "estimated_hours": 8,
}
# The model's draft of the seed's "Introduction to React Hooks" (120 minutes in all).
HOOKS_COURSE = {
    **GOOD_COURSE,
    "title": "Introduction to React Hooks",
    "modules": [
        {**module, "lessons": [{**lesson, "duration": 40} for lesson in module["lessons"]]}
        for module in GOOD_COURSE["modules"]
    ],
}
FEEDBACK = {
    "strengths": ["Consistent progress"],
    "areas_for_improvement": ["Practice more advanced patterns"],
    "recommended_next_steps": ["Take Advanced React course"],
}
ADMIN, INSTRUCTOR, STUDENT, ORG_ADMIN = (email for email, _, _ in demo.ACCOUNTS)


@dataclass
class SeedPlatform:
    dev: DevPlatform
    model: FakeOpenAI
    bamboo: FakeBambooHR
    workday: FakeWorkday

    @property
    def url(self) -> str:
        return self.dev.url

    def sdk(self, example: str, email: str | None = None, password: str | None = None, **context: Any) -> Any:
        """Run one seed example through the SDK, signed in as `email` (demo password unless given)."""
        config = {"email": email, "password": password or demo.demo_password(), **context}
        report = run_flow(EXAMPLES, str(SDK), self.url, example, json.dumps(config))
        return report

    def token(self, email: str, password: str | None = None) -> str:
        return self.dev.sign_in(email, password or demo.demo_password())

    def invoke(self, name: str, body: dict[str, Any], token: str) -> requests.Response:
        return self.dev.api("POST", f"/functions/{name}", token, json=body)

    def new_student(self, email: str, password: str = "Passw0rd!x") -> str:
        answer = self.dev.api("POST", "/auth/register", json={"email": email, "password": password, "full_name": "Bo"})
        assert answer.status_code in (200, 201), answer.text
        return self.token(email, password)

    def paid_checkout(self, session_url: str, card: str = "4242424242424242") -> str:
        """Pay on the local checkout page as its form posts; the redirect's location."""
        paid = requests.post(
            session_url,
            data={"card_number": card, "expiry": "12/34", "cvc": "123"},
            allow_redirects=False,
            timeout=30,
        )
        assert paid.status_code == 303, paid.text
        return str(paid.headers["Location"])


def _fakes(tmp: Path) -> tuple[FakeOpenAI, FakeBambooHR, FakeWorkday, dict[str, str]]:
    model = FakeOpenAI().start()
    bamboo, workday = FakeBambooHR(), FakeWorkday()
    settings = {
        "RATE_LIMITS_ENABLED": "false",  # the examples sign in far more than 10 times a minute
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": model.base_url,
        "OPENAI_MAX_RETRIES": "0",
        "BAMBOOHR_API_KEY": FakeBambooHR.API_KEY,
        "BAMBOOHR_SUBDOMAIN": FakeBambooHR.SUBDOMAIN,
        "BAMBOOHR_BASE_URL": bamboo.base,
        "WORKDAY_TENANT_URL": workday.tenant_url,
        "WORKDAY_USERNAME": FakeWorkday.USER,
        "WORKDAY_PASSWORD": FakeWorkday.PASSWORD,
        "WORKDAY_CLIENT_ID": FakeWorkday.CLIENT_ID,
        "WORKDAY_CLIENT_SECRET": FakeWorkday.CLIENT_SECRET,
        "WORKDAY_REFRESH_TOKEN": FakeWorkday.REFRESH_TOKEN,
        "ALLOW_PRIVATE_URLS": "true",  # the fakes listen on loopback
    }
    return model, bamboo, workday, settings


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeedPlatform]:
    """`make dev` with its demo data and the fakes, for one module's examples."""
    data = tmp_path_factory.mktemp("seed-platform")
    model, bamboo, workday, settings = _fakes(data)
    bamboo.add_many(
        {
            "id": str(n),
            "workEmail": f"bamboo{n}@company.com",
            "firstName": f"Bamboo{n}",
            "lastName": "Employee",
            "department": "Engineering",
            "status": "Active",
            "terminationDate": "0000-00-00",
        }
        for n in (1, 2)
    )
    workday.workers = [
        {
            "id": f"{n:032x}",
            "descriptor": f"Workday Worker {n}",
            "primaryWorkEmail": f"workday{n}@company.com",
            "primarySupervisoryOrganization": {"id": "org1", "descriptor": "Operations"},
        }
        for n in (1, 2)
    ]
    platform = start_platform(data / "data", **settings)
    try:
        yield SeedPlatform(platform, model, bamboo, workday)
    finally:
        platform.stop()
        model.stop()
        bamboo.close()
        workday.close()


def ok(report: dict[str, Any]) -> Any:
    """The value an example produced; a refusal fails the test with what the server said."""
    assert report["ok"], report
    return report["value"]
