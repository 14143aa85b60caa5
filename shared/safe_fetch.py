"""Fetching a URL that a user named, without letting it reach inside our network.

A URL a caller gives us (an IdP's metadata or discovery document) must not turn
the server into a proxy to private services. `fetch` therefore:

- accepts only http and https URLs without credentials in them;
- resolves the host itself and refuses private, loopback, link-local, shared,
  reserved and multicast addresses, then connects to the address it checked (so a
  second DNS answer cannot swap in another one), on the first request and on
  every redirect it follows;
- bounds the whole exchange by a deadline and the body by a size (counted after
  decompression).

`ALLOW_PRIVATE_URLS=true` lifts the address rule for development and tests; it
is refused in production (`shared.config.allow_private_urls`). Operator-set
endpoints (HR base URLs, OPENAI_BASE_URL) go through `shared.outbound` instead.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from shared import config
from shared.errors import InvalidInputError

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class UnsafeUrlError(InvalidInputError):
    """The URL (or a redirect it led to) names a scheme or an address we do not fetch."""


class FetchError(Exception):
    """The URL could not be fetched: `reason` says why in words a caller can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    url: str  # where the body came from, after redirects
    status: int
    headers: Mapping[str, str]  # names lower-cased
    body: bytes


def fetch(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    accept: str = "*/*",
) -> Fetched:
    """GET `url`, following up to `MAX_REDIRECTS` redirects, each checked like the first."""
    import urllib3

    deadline = time.monotonic() + timeout
    # A manager per fetch: no connection (nor the trust it was opened with) outlives the call.
    manager = urllib3.PoolManager(num_pools=2, maxsize=1)
    manager.pool_classes_by_scheme = _pool_classes()
    try:
        return _follow(manager, url, timeout=timeout, deadline=deadline, max_bytes=max_bytes, accept=accept)
    finally:
        manager.clear()


def _follow(manager: Any, url: str, *, timeout: float, deadline: float, max_bytes: int, accept: str) -> Fetched:
    import urllib3

    for _ in range(MAX_REDIRECTS + 1):
        check_url(url)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"no complete answer within {timeout:g} s")
        try:
            response = manager.request(
                "GET",
                url,
                headers={"Accept": accept, "User-Agent": "SparkAcademy-SSO-Check"},
                redirect=False,
                retries=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=remaining, read=remaining),
            )
        except urllib3.exceptions.HTTPError as exc:
            raise _transport_failure(exc) from exc
        try:
            location = response.headers.get("Location")
            if response.status in _REDIRECTS and location:
                url = urljoin(url, location)
                continue
            body = _read_capped(response, max_bytes, deadline, timeout)
            headers = {name.lower(): value for name, value in response.headers.items()}
            return Fetched(url=url, status=response.status, headers=headers, body=body)
        finally:
            response.close()  # not reused: the next hop may be another host, and a body may be unread
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def check_url(url: str) -> None:
    """Refuse what we never fetch: other schemes, credentials, and (unless allowed) non-public literal IPs."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrlError("Only http and https URLs can be fetched", details={"url": url})
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrlError("URLs with credentials in them are not fetched", details={"url": url})
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return  # a name: checked once resolved, when connecting
    if not _allowed(literal):
        raise _private(parts.hostname)


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_global and not address.is_multicast) or config.allow_private_urls()


def _private(host: str) -> UnsafeUrlError:
    return UnsafeUrlError(
        "The URL leads to a private, loopback or link-local address, which is not fetched",
        details={"host": host},
    )


def resolve_public(host: str, port: int) -> list[tuple[Any, ...]]:
    """Every address `host` resolves to, refusing the lot if any is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"the host {host} does not resolve") from exc
    for *_, sockaddr in infos:
        if not _allowed(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])):
            raise _private(host)
    return infos


def _read_capped(response: Any, max_bytes: int, deadline: float, timeout: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the document is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.stream(_CHUNK, decode_content=True):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"the document is larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"no complete answer within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _transport_failure(exc: Exception) -> FetchError:
    import urllib3

    if isinstance(exc, urllib3.exceptions.SSLError):
        return FetchError("the TLS handshake failed (certificate not trusted or not for this host)")
    # urllib3 files a refused connection under timeouts: tell them apart.
    if isinstance(exc, urllib3.exceptions.TimeoutError) and not isinstance(exc, urllib3.exceptions.NewConnectionError):
        return FetchError("the server did not answer in time")
    return FetchError("the server could not be reached")


@lru_cache(maxsize=1)
def _pool_classes() -> dict[str, Any]:
    """Connection pools whose connections go only to addresses `resolve_public` approved."""
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def connect(conn: Any) -> socket.socket:
        last: OSError | None = None
        for family, kind, proto, _name, sockaddr in resolve_public(conn._dns_host, conn.port):
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(conn.timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise urllib3.exceptions.NewConnectionError(conn, f"could not connect: {last}")

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return connect(self)

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return connect(self)

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    return {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
