"""argon2id's work is a setting: cheap in the tests, never below RFC 9106's profile in production."""

from __future__ import annotations

import pytest

from shared import auth, config
from shared.errors import ConfigurationError


def test_production_hashes_with_rfc_9106_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV, "production")
    monkeypatch.delenv(config.PASSWORD_HASH_TIME_COST)
    monkeypatch.delenv(config.PASSWORD_HASH_MEMORY_KIB)
    stored = auth.hash_password("Passw0rd!")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,")
    assert auth.verify_password(stored, "Passw0rd!")


@pytest.mark.parametrize(("time_cost", "memory_kib"), [("1", "65536"), ("3", "64"), ("1", "64")])
def test_production_refuses_cheaper_hashing(monkeypatch: pytest.MonkeyPatch, time_cost: str, memory_kib: str) -> None:
    monkeypatch.setenv(config.ENV, "production")
    monkeypatch.setenv(config.PASSWORD_HASH_TIME_COST, time_cost)
    monkeypatch.setenv(config.PASSWORD_HASH_MEMORY_KIB, memory_kib)
    with pytest.raises(ConfigurationError, match="PASSWORD_HASH_TIME_COST"):
        auth.hash_password("Passw0rd!")
    with pytest.raises(ConfigurationError):
        auth.verify_password("$argon2id$v=19$m=64,t=1,p=4$c2FsdHNhbHQ$aGFzaGhhc2g", "Passw0rd!")


def test_production_may_ask_for_more_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV, "production")
    monkeypatch.setenv(config.PASSWORD_HASH_TIME_COST, "4")
    monkeypatch.delenv(config.PASSWORD_HASH_MEMORY_KIB)
    assert auth.hash_password("Passw0rd!").startswith("$argon2id$v=19$m=65536,t=4,")


def test_cheap_test_hashes_are_rehashed_under_production_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV, "development")
    monkeypatch.setenv(config.PASSWORD_HASH_TIME_COST, "1")
    monkeypatch.setenv(config.PASSWORD_HASH_MEMORY_KIB, "64")
    cheap = auth.hash_password("Passw0rd!")
    assert cheap.startswith("$argon2id$v=19$m=64,t=1,") and auth.verify_password(cheap, "Passw0rd!")
    assert not auth.password_needs_rehash(cheap)
    monkeypatch.setenv(config.ENV, "production")
    monkeypatch.delenv(config.PASSWORD_HASH_TIME_COST)
    monkeypatch.delenv(config.PASSWORD_HASH_MEMORY_KIB)
    assert auth.password_needs_rehash(cheap)


def test_unusable_work_is_refused_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.PASSWORD_HASH_TIME_COST, "0")
    with pytest.raises(ConfigurationError):
        auth.hash_password("Passw0rd!")
    monkeypatch.setenv(config.PASSWORD_HASH_TIME_COST, "many")
    with pytest.raises(ConfigurationError):
        auth.hash_password("Passw0rd!")
