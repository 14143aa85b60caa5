"""How the 7P REST surface differs from the Base44 one, in one place.

Its routes are declared with `rest_route` (under `/api/...`, outside `/api/apps/`).
Handlers raise the same domain errors as everywhere; `ERROR_CODES` maps them to
this surface's codes and `envelope` to its error body `{success: false, error,
code, details}`. Tokens are the ones the Base44 surface accepts (same accounts),
plus API keys (`rest.api_keys`). Every call counts against `rest` (100 a minute
per caller), payment operations also against `rest.payments` (10 a minute), and a
signed-in caller's calls against the daily quota of their subscription tier.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from entities.access import tier
from shared import router
from shared.auth import Caller, Role
from shared.errors import (
    AccountLockedError,
    AlreadyEnrolledError,
    AppError,
    ConfigurationError,
    ConflictError,
    CourseAccessDeniedError,
    CourseNotFoundError,
    ForbiddenError,
    InvalidCredentialsError,
    InvalidInputError,
    MethodNotAllowedError,
    MfaRequiredError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentFailedError,
    RateLimitedError,
    ServiceUnavailableError,
    SignInRateLimitedError,
    TokenExpiredError,
    UnauthenticatedError,
    UnsupportedMediaTypeError,
    UpstreamError,
)
from shared.http import SEVEN_P, Surface

SURFACE = SEVEN_P
BASE = "/api"
RATE = ("rest",)
PAYMENT_RATE = ("rest", "rest.payments")

# Domain error -> this surface's code; the nearest listed class of an error decides.
ERROR_CODES: dict[type[AppError], str] = {
    AppError: "INTERNAL_ERROR",
    InvalidInputError: "VALIDATION_ERROR",
    UnsupportedMediaTypeError: "VALIDATION_ERROR",
    UnauthenticatedError: "AUTH_REQUIRED",
    TokenExpiredError: "AUTH_TOKEN_EXPIRED",
    InvalidCredentialsError: "AUTH_INVALID_CREDENTIALS",
    MfaRequiredError: "AUTH_MFA_REQUIRED",
    AccountLockedError: "AUTH_ACCOUNT_LOCKED",
    SignInRateLimitedError: "AUTH_RATE_LIMIT_EXCEEDED",
    RateLimitedError: "RATE_LIMIT_EXCEEDED",
    ForbiddenError: "FORBIDDEN",
    NotFoundError: "NOT_FOUND",
    CourseNotFoundError: "COURSE_NOT_FOUND",
    CourseAccessDeniedError: "COURSE_ACCESS_DENIED",
    AlreadyEnrolledError: "COURSE_ALREADY_ENROLLED",
    MethodNotAllowedError: "METHOD_NOT_ALLOWED",
    ConflictError: "CONFLICT",
    PayloadTooLargeError: "PAYLOAD_TOO_LARGE",
    PaymentFailedError: "PAYMENT_FAILED",
    UpstreamError: "UPSTREAM_ERROR",
    ServiceUnavailableError: "SERVICE_UNAVAILABLE",
    ConfigurationError: "CONFIGURATION_ERROR",
}


def error_code(error_class: type[AppError]) -> str:
    for cls in error_class.__mro__:
        if cls in ERROR_CODES:
            return ERROR_CODES[cls]
    return ERROR_CODES[AppError]


def envelope(error: AppError) -> dict[str, Any]:
    """`{success: false, error, code, details}`; a second factor asked for also reads as the seed shows it."""
    body: dict[str, Any] = {
        "success": False,
        "error": error.message,
        "code": error_code(type(error)),
        "details": error.details,
    }
    if error.retryable:
        body["retryable"] = True
    if isinstance(error, MfaRequiredError):
        body.update({"mfa_required": True, "message": error.message, **error.details})
    return body


# --- daily quotas by subscription tier ---------------------------------------------------

QUOTA_LIMITS = {"free": ("quota.free",), "premium": ("quota.premium",), "enterprise": ()}
TIER_CACHE_SECONDS = 60.0  # a new or ended subscription changes the quota within this


class TierCache:
    """Each user's tier, asked of Firestore at most once a minute per instance."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tiers: dict[str, tuple[str, float]] = {}

    def tier(self, caller: Caller) -> str:
        key = str(caller.user_id)
        known = self._tiers.get(key)
        if known is not None and self._clock() - known[1] < TIER_CACHE_SECONDS:
            return known[0]
        tier = subscription_tier(caller.email or "")
        with self._lock:
            if len(self._tiers) > 10_000:
                self._tiers.clear()
            self._tiers[key] = (tier, self._clock())
        return tier

    def forget(self) -> None:
        with self._lock:
            self._tiers.clear()


def subscription_tier(email: str) -> str:
    """enterprise, premium (a monthly or annual plan) or free: the course access rule's own tiers."""

    return tier(email)


tiers = TierCache()


def quota_limits(caller: Caller) -> tuple[str, ...]:
    """The daily quota a caller's calls count against; none for anonymous callers and administrators."""
    if caller.user_id is None or caller.role in (Role.ADMIN, Role.SERVICE):
        return ()
    return QUOTA_LIMITS[tiers.tier(caller)]


def error_schema(codes: list[str]) -> dict[str, Any]:
    """The envelope as `envelope` builds it, for the OpenAPI document."""
    return {
        "type": "object",
        "description": "Every error of the 7P surface. A sign-in that needs a second factor also carries "
        "`mfa_required`, `message` and the `challenge_token` that `auth/mfa/verify` completes.",
        "required": ["success", "error", "code", "details"],
        "properties": {
            "success": {"const": False},
            "error": {"type": "string"},
            "code": {"type": "string", "enum": codes},
            "details": {"type": "object"},
            "retryable": {"const": True, "description": "Present on errors that are safe to retry."},
            "mfa_required": {"const": True},
            "message": {"type": "string"},
            "challenge_token": {"type": "string"},
            "expires_in": {"type": "integer"},
        },
        "additionalProperties": False,
    }


# The contract this surface answers in; the composition point (`app.api`) registers it.
CONTRACT = Surface(SURFACE, envelope=envelope, caller_limits=quota_limits, code=error_code, error_schema=error_schema)


def rest_route(
    methods: str | Iterable[str],
    path: str,
    *,
    name: str,
    rate: Iterable[str] = RATE,
    tags: Iterable[str] = ("7p",),
    **kwargs: Any,
) -> Callable[[router.H], router.H]:
    """Declare a route of this surface: `path` is under `/api` (e.g. "/auth/login")."""
    return router.route(methods, f"{BASE}{path}", name=name, rate=rate, tags=tags, surface=SURFACE, **kwargs)
