"""Shared fixtures: the real Firestore emulator, a clean database per test, users and tokens."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.queue_fixtures import job_queue, pubsub_emulator  # noqa: F401 - fixtures of the job queue

PROJECT = "sparkacademy-test"
TEST_JWT_SECRET = "test-secret-for-jwt-signing-0123456789abcdef"


@pytest.fixture(scope="session", autouse=True)
def environment() -> Iterator[None]:
    os.environ.update(
        {
            "SPARK_ENV": "development",
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "JWT_SECRET": TEST_JWT_SECRET,
            "BASE44_APP_ID": "sparkacademy",
        }
    )
    yield


@pytest.fixture(scope="session")
def firestore_emulator(environment: None) -> Iterator[Any]:
    """One emulator for the run: FIRESTORE_EMULATOR_HOST if set, else started here."""
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
    """A Firestore client on an emptied database."""
    import urllib.request

    from shared import ratelimit
    from shared.firestore import client

    host = os.environ["FIRESTORE_EMULATOR_HOST"]
    url = f"http://{host}/emulator/v1/projects/{PROJECT}/databases/(default)/documents"
    urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=10).read()
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


def local_blob_store(tmp_path: Any, monkeypatch: pytest.MonkeyPatch, base_url: str) -> Iterator[Any]:
    """The local blob store in a temporary folder, its links under `base_url`; forgotten afterwards."""
    from shared import storage

    root = tmp_path / "blobs"
    monkeypatch.setenv("STORAGE_BACKEND", "local")
    monkeypatch.setenv("LOCAL_BLOB_DIR", str(root))
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    storage.reset_blob_store()
    yield root
    storage.reset_blob_store()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def live_gateway(db: Any) -> Iterator[str]:
    """The gateway on a real port (for the Node SDK and concurrency tests); yields its URL."""
    from emulator.gateway import create_app
    from emulator.server import start_in_thread

    server = start_in_thread(create_app())
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@contextlib.contextmanager
def functions_framework(target: str) -> Iterator[str]:
    """One target served by functions-framework, as Cloud Functions runs it; yields its URL once it answers."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    from emulator.firestore_emulator import free_port

    root = Path(__file__).resolve().parents[1]
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "functions-framework"),
            f"--target={target}",
            "--source=main.py",
            f"--port={port}",
            "--host=127.0.0.1",
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=10).read()
                break
            except urllib.error.HTTPError:
                break  # any answer: the server is up (a function target answers every path itself)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                assert server.poll() is None and time.monotonic() < deadline, "functions-framework did not start"
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def api_under_functions_framework(firestore_emulator: Any) -> Iterator[str]:
    """The `api` target served by functions-framework; yields its URL."""
    with functions_framework("api") as url:
        yield url
