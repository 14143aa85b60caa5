"""Shared fixtures: the real Firestore emulator, a clean database per test, users and tokens.

Under pytest-xdist the controller starts the one emulator every worker shares, and each
worker keeps its data in a Firestore project of its own (`sparkacademy-test-gw0`, ...):
wiping one worker's database never touches another's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app import api
from tests.helpers import functions_framework, wipe_project
from tests.queue_fixtures import job_queue, pubsub_emulator  # noqa: F401 - fixtures of the job queue

# This process's Firestore project: one per xdist worker (PYTEST_XDIST_WORKER), so workers never share data.
PROJECT = f"sparkacademy-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
TEST_JWT_SECRET = "test-secret-for-jwt-signing-0123456789abcdef"
_SHARED_EMULATOR = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    """With xdist workers to come, the controller starts their one shared emulator before they do."""
    distributed = getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")
    if distributed and not os.environ.get("FIRESTORE_EMULATOR_HOST"):
        from emulator import firestore_emulator

        started = firestore_emulator.start()
        os.environ["FIRESTORE_EMULATOR_HOST"] = started.host  # the workers inherit it
        config.stash[_SHARED_EMULATOR] = started


# Session servers too heavy to start once per worker: the tests that use one all run on one worker
# (scripts/test.sh runs xdist with --dist loadgroup).
ONE_WORKER_FIXTURES = ("dev_platform", "oidc_server", "api_under_functions_framework")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        shared = next((name for name in ONE_WORKER_FIXTURES if name in getattr(item, "fixturenames", ())), None)
        if shared is not None:
            item.add_marker(pytest.mark.xdist_group(shared))


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_SHARED_EMULATOR, None)
    if started is not None:
        started.stop()
        os.environ.pop("FIRESTORE_EMULATOR_HOST", None)


@pytest.fixture(scope="session", autouse=True)
def environment() -> Iterator[None]:
    os.environ.update(
        {
            "SPARK_ENV": "development",
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "JWT_SECRET": TEST_JWT_SECRET,
            "BASE44_APP_ID": "sparkacademy",
            # The least argon2id work the library takes: the tests hash thousands of passwords.
            "PASSWORD_HASH_TIME_COST": "1",
            "PASSWORD_HASH_MEMORY_KIB": "64",
        }
    )
    api.install()  # the `api` service as main.py and make dev assemble it
    yield


@pytest.fixture(scope="session")
def firestore_emulator(environment: None) -> Iterator[Any]:
    """One emulator for the run: FIRESTORE_EMULATOR_HOST if set (xdist's controller sets it), else started here."""
    from emulator import firestore_emulator
    from shared.firestore import reset_client

    started = None
    if not os.environ.get("FIRESTORE_EMULATOR_HOST"):
        started = firestore_emulator.start()
        os.environ["FIRESTORE_EMULATOR_HOST"] = started.host
    reset_client()
    host = os.environ["FIRESTORE_EMULATOR_HOST"]
    yield firestore_emulator.FirestoreEmulator(host, started.process, started.log_path) if started else host
    if started is not None:
        started.stop()
        os.environ.pop("FIRESTORE_EMULATOR_HOST", None)


@pytest.fixture
def db(firestore_emulator: Any) -> Any:
    """A Firestore client on an emptied database (this worker's project only)."""
    from shared import ratelimit
    from shared.firestore import client

    wipe_project(os.environ["FIRESTORE_EMULATOR_HOST"], PROJECT)
    ratelimit.forget_leases()  # leases of this process count against counters just wiped
    return client()


@pytest.fixture
def gateway(db: Any) -> Any:
    """A test client of the emulator gateway (the Base44 HTTP contract)."""
    from emulator.gateway import create_app

    return create_app().test_client()


@pytest.fixture
def make_user(db: Any) -> Callable[..., tuple[dict[str, Any], str]]:
    """Create a user with a password and return (user record, bearer token)."""
    from entities import accounts
    from shared.auth import Role

    counter = iter(range(10_000))

    def make(
        role: str = "student", email: str | None = None, *, organization_id: str | None = None, **profile: Any
    ) -> tuple[dict[str, Any], str]:
        address = email or f"{role}{next(counter)}@example.test"
        user = accounts.create_user(
            email=address,
            password="Passw0rd!",
            full_name=profile.pop("full_name", f"Test {role}"),
            role=Role(role),
            created_by=None,
            organization_id=organization_id,
            profile=profile,
        )
        return user, accounts.session_for(user)["access_token"]

    return make


@pytest.fixture
def live_gateway(db: Any) -> Iterator[str]:
    """The gateway on a real port (for the Node SDK and concurrency tests); yields its URL."""
    from emulator.gateway import create_app
    from emulator.server import start_in_thread

    server = start_in_thread(create_app())
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def api_under_functions_framework(firestore_emulator: Any) -> Iterator[str]:
    """The `api` target served by functions-framework; yields its URL."""
    with functions_framework("api") as url:
        yield url
