"""The 7P REST surface: accounts with known passwords, a movable clock, sign-in helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

PASSWORD = "Seven-Pass-1"
API = "/api"


@pytest.fixture(autouse=True)
def _fresh_tiers(db: Any) -> Iterator[None]:
    from rest import surface

    surface.tiers.forget()  # tiers of users from a wiped database
    yield
    surface.tiers.forget()


class Clock:
    """What token, refresh and TOTP expiry are judged by; moved by tests instead of waiting."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import time

    from shared import auth

    moved = Clock(time.time())
    monkeypatch.setattr(auth, "clock", moved)
    return moved


@pytest.fixture
def account(db: Any) -> Callable[..., dict[str, Any]]:
    """A user with PASSWORD, created as the Base44 surface creates them."""
    from entities import accounts
    from shared.auth import Role

    def make(email: str = "learner@example.test", role: str = "student") -> dict[str, Any]:
        return accounts.create_user(
            email=email, password=PASSWORD, full_name="Learner", role=Role(role), created_by=None
        )

    return make


def login(gateway: Any, email: str, password: str = PASSWORD, *, ip: str = "127.0.0.1", **body: Any) -> Any:
    return gateway.post(
        f"{API}/auth/login",
        json={"email": email, "password": password, **body},
        headers={"User-Agent": "pytest-device/1.0"},
        environ_base={"REMOTE_ADDR": ip},
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
