"""Per-address limits count the client's real address: X-Forwarded-For is believed only from trusted proxies."""

from __future__ import annotations

from typing import Any

import flask
import pytest

from shared.errors import ConfigurationError
from shared.http import client_ip

VERIFY = "/api/certificates/verify/CERT-2026-ABC234"
PROXY = "10.1.2.3"


def _ip(peer: str, forwarded: str | list[str] | None = None) -> str:
    headers = [("X-Forwarded-For", v) for v in ([forwarded] if isinstance(forwarded, str) else forwarded or [])]
    with flask.Flask(__name__).test_request_context(environ_base={"REMOTE_ADDR": peer}, headers=headers):
        return client_ip(flask.request)


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    return monkeypatch


def test_without_trusted_proxies_the_header_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert _ip("198.51.100.9", "1.2.3.4") == "198.51.100.9"


def test_a_header_from_an_untrusted_peer_is_ignored(trusted: pytest.MonkeyPatch) -> None:
    assert _ip("198.51.100.9", "1.2.3.4, 10.0.0.1") == "198.51.100.9"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        # what the client wrote (left) is skipped; the right-most untrusted entry is the client
        ("1.1.1.1, 2.2.2.2, 203.0.113.7", "203.0.113.7"),
        # trusted hops on the right are walked over
        ("1.1.1.1, 203.0.113.7, 10.0.0.5, 10.9.9.9", "203.0.113.7"),
        (["1.1.1.1", "203.0.113.7, 10.0.0.5"], "203.0.113.7"),  # the header repeated
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::1"),
        # every hop trusted: the left-most of them
        ("10.0.0.7, 10.0.0.5", "10.0.0.7"),
        # an entry that is no address was not written by a trusted proxy: stop at the last trusted hop
        ("203.0.113.7, not-an-ip, 10.0.0.5", "10.0.0.5"),
        ("", PROXY),
        (None, PROXY),
    ],
)
def test_from_a_trusted_peer_the_right_most_untrusted_entry_is_the_client(
    trusted: pytest.MonkeyPatch, forwarded: Any, expected: str
) -> None:
    assert _ip(PROXY, forwarded) == expected


def test_a_bad_trusted_proxies_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, not-a-network")
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        _ip(PROXY, "1.2.3.4")


def test_rotating_the_header_from_an_untrusted_peer_does_not_dodge_the_limit(gateway: Any) -> None:
    # GIVEN the verify limit of 30 a minute per address and no trusted proxy
    # WHEN one client sends 35 checks, each claiming another address
    statuses = [gateway.get(VERIFY, headers={"X-Forwarded-For": f"198.18.{i}.1"}).status_code for i in range(35)]
    # THEN the 31st and later are refused
    assert statuses == [404] * 30 + [429] * 5


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(gateway: Any, trusted: pytest.MonkeyPatch) -> None:
    # GIVEN the test client's peer (127.0.0.1) is a trusted proxy
    # WHEN one client rotates what it writes to the left of the proxy's entry
    statuses = [
        gateway.get(VERIFY, headers={"X-Forwarded-For": f"198.18.{i}.1, 203.0.113.7"}).status_code for i in range(32)
    ]
    # THEN its calls count against its own address, and another client is still let in
    assert statuses == [404] * 30 + [429] * 2
    assert gateway.get(VERIFY, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 404
