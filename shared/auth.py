"""Who is calling: password hashes, signed session tokens and the frozen `Caller`.

Tokens are HS256 JWTs (PyJWT, algorithm pinned) with `sub`, `email`, `role`,
`org`, `iat`, `exp`, `iss`, `aud` and `sid`, the session the token belongs to
(`shared.sessions` refuses tokens of ended sessions). A service token (role
`service`) is what server-to-server callers send in `Base44-Service-Authorization`;
it may act for a user named by an `on-behalf-of` token.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, Protocol

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared import config, sessions
from shared.errors import TokenExpiredError, UnauthenticatedError

_ALGORITHM = "HS256"
_ISSUER = "sparkacademy"


def _now() -> float:
    return time.time()


# What expiry is judged by: tests move it instead of waiting.
clock: Callable[[], float] = _now


class Role(StrEnum):
    STUDENT = "student"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"
    ORG_ADMIN = "org_admin"  # administers one organization's people and training
    SERVICE = "service"  # server-to-server; never a person


USER_ROLES = frozenset({Role.STUDENT, Role.INSTRUCTOR, Role.ADMIN, Role.ORG_ADMIN})


@dataclass(frozen=True)
class Caller:
    """The verified identity behind one request; anonymous callers have no user_id."""

    user_id: str | None
    email: str | None
    role: Role | None
    org_id: str | None = None
    ip: str = ""
    via_service: bool = False
    session_id: str | None = None
    session_expires_at: float | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.ADMIN, Role.SERVICE)

    @property
    def rate_key(self) -> str:
        """Who a rate limit counts against: the user, else the client address."""
        return f"user:{self.user_id}" if self.user_id else f"ip:{self.ip or 'unknown'}"

    def owns(self, email: str | None) -> bool:
        return bool(self.email) and self.email == email


ANONYMOUS = Caller(user_id=None, email=None, role=None)


def _hasher() -> PasswordHasher:
    return _hasher_costing(*config.password_hash_cost())


@lru_cache(maxsize=2)
def _hasher_costing(time_cost: int, memory_kib: int) -> PasswordHasher:
    # argon2id; parallelism and lengths are the library's RFC 9106 low-memory profile.
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


def issue_token(
    *,
    user_id: str,
    email: str,
    role: Role | str,
    org_id: str | None = None,
    ttl: int | None = None,
    sid: str | None = None,
) -> tuple[str, int]:
    """Sign a session token (of session `sid`, else a session of its own); returns it with its expiry."""
    now = time.time()  # to the microsecond: a session begun just after a password change must outlive it
    exp = int(clock()) + (ttl if ttl is not None else config.token_ttl_seconds())
    claims: dict[str, Any] = {
        "sub": user_id,
        "email": email,
        "role": str(role),
        "iat": now,
        "exp": exp,
        "iss": _ISSUER,
        "aud": config.app_id(),
        "sid": sid or uuid.uuid4().hex,
    }
    if org_id:
        claims["org"] = org_id
    return jwt.encode(claims, config.jwt_secret(), algorithm=_ALGORITHM), exp


def issue_service_token(name: str, ttl: int = 3600) -> str:
    """A token for server-to-server calls (schedulers, the CI smoke test)."""
    token, _ = issue_token(user_id=f"service:{name}", email="", role=Role.SERVICE, ttl=ttl)
    return token


def decode_token(token: str) -> dict[str, Any]:
    """Verify signature, algorithm, expiry, issuer and audience; refuse anything else.

    A token once verified is remembered (bounded, keyed by the exact token, secret
    and audience) until it expires, so a busy session pays for the check once;
    whether its session has ended is asked on every call.
    """
    claims = _verified_claims(token, config.jwt_secret(), config.app_id())
    if claims["exp"] <= clock():
        raise TokenExpiredError()
    if sessions.is_ended(claims):
        raise UnauthenticatedError("Session ended; sign in again")
    return dict(claims)


@lru_cache(maxsize=4096)
def _verified_claims(token: str, secret: str, audience: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=audience,
            issuer=_ISSUER,
            # Expiry is checked by `decode_token` against `clock`, on every call.
            options={"require": ["sub", "role", "exp", "iat"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise UnauthenticatedError("Invalid authentication token") from exc
    if not _well_typed(claims):
        raise UnauthenticatedError("Invalid authentication token")
    return claims


def _well_typed(claims: Mapping[str, Any]) -> bool:
    """Claims of the types this code relies on; PyJWT lets e.g. `"exp": "9999999999"` through."""
    times = (claims.get(name, 0) for name in ("exp", "iat", "nbf"))
    texts = (claims.get(name) for name in ("email", "org"))
    return (
        all(type(value) in (int, float) and math.isfinite(value) for value in times)
        and isinstance(claims["sub"], str)
        and isinstance(claims["role"], str)
        and claims["role"] in {role.value for role in Role}
        and all(isinstance(value, str | None) for value in texts)
    )


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("Authorization header must be 'Bearer <token>'")
    return token.strip()


def _caller_from_claims(claims: Mapping[str, Any], ip: str, via_service: bool = False) -> Caller:
    return Caller(
        user_id=str(claims["sub"]),
        email=claims.get("email") or None,
        role=Role(claims["role"]),
        org_id=claims.get("org"),
        ip=ip,
        via_service=via_service,
        session_id=claims.get("sid"),
        session_expires_at=float(claims["exp"]),
    )


class RequestHeaders(Protocol):
    """Headers looked up by name: werkzeug's `Headers` (any case) or a plain mapping."""

    def get(self, key: str, /) -> str | None: ...


# Bearer credentials that are not tokens, by prefix (API keys): each resolves to its caller.
KEY_SCHEMES: dict[str, Callable[[str, str], Caller]] = {}


def register_key_scheme(prefix: str, resolve: Callable[[str, str], Caller]) -> None:
    KEY_SCHEMES[prefix] = resolve


def caller_from_headers(headers: RequestHeaders, ip: str) -> Caller:
    """Resolve the caller from request headers; no token at all means anonymous."""
    service_token = _bearer(headers.get("Base44-Service-Authorization"))
    if service_token:
        service = decode_token(service_token)
        if service["role"] != Role.SERVICE:
            raise UnauthenticatedError("Service authorization requires a service token")
        behalf = _bearer(headers.get("on-behalf-of")) or _bearer(headers.get("Authorization"))
        if behalf:
            return _caller_from_claims(decode_token(behalf), ip, via_service=True)
        return _caller_from_claims(service, ip)
    token = _bearer(headers.get("Authorization"))
    if token is None:
        return Caller(user_id=None, email=None, role=None, ip=ip)
    for prefix, resolve in KEY_SCHEMES.items():
        if token.startswith(prefix):
            return resolve(token, ip)
    return _caller_from_claims(decode_token(token), ip)
