"""Typed errors and the one place that turns them into the documented error envelope.

Every function raises these; `shared.http` maps them to
`{error, message, code, details, timestamp}` with the status each class carries.
`message` repeats `error` because the real @base44/sdk reads `message`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


class AppError(Exception):
    """Base of every error a client may see. Subclasses fix the status and code."""

    status: int = 500
    code: str = "INTERNAL_ERROR"
    default_message: str = "Internal server error"
    retryable: bool = False

    def __init__(
        self,
        message: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def envelope(self) -> dict[str, Any]:
        """The documented wire format."""
        body: dict[str, Any] = {
            "error": self.message,
            "message": self.message,
            "code": self.code,
            "details": self.details,
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if self.retryable:
            body["retryable"] = True
        return body


class InvalidInputError(AppError):
    status, code, default_message = 400, "INVALID_PARAMETERS", "Missing or invalid parameters"


class UnsupportedQueryError(InvalidInputError):
    """A query uses an operator or shape the entity store does not support."""


class UnauthenticatedError(AppError):
    status, code, default_message = 401, "AUTH_REQUIRED", "Authentication required"


class TokenExpiredError(UnauthenticatedError):
    """A token that was valid once and has run out; signing in again (or refreshing) helps."""

    default_message = "Session expired; sign in again"


class InvalidCredentialsError(AppError):
    status, code, default_message = 401, "INVALID_CREDENTIALS", "Invalid email or password"


class MfaRequiredError(AppError):
    """The password was right; a second factor is needed. `details` carries the challenge to answer.

    403, not 401: the caller proved who they are but not yet enough, and clients (the
    Base44 SDK among them) sign out on a 401, which would lose the challenge.
    """

    status, code, default_message = 403, "MFA_REQUIRED", "MFA code is required"


class PaymentFailedError(AppError):
    status, code, default_message = 402, "PAYMENT_FAILED", "Payment processing failed"


class ForbiddenError(AppError):
    status, code, default_message = 403, "PERMISSION_DENIED", "Insufficient permissions"


class NotFoundError(AppError):
    status, code, default_message = 404, "RESOURCE_NOT_FOUND", "Requested resource not found"


class MethodNotAllowedError(AppError):
    status, code, default_message = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class ConflictError(AppError):
    status, code, default_message = 409, "CONFLICT", "Resource already exists"


class CourseNotFoundError(NotFoundError):
    """A course that is not there, or not for the caller to see."""


class CourseAccessDeniedError(ForbiddenError):
    """A course the caller may not enroll in or study (paid without a plan, the free tier's limit)."""


class AlreadyEnrolledError(ConflictError):
    """An enrollment in the course exists already."""


class PayloadTooLargeError(AppError):
    status, code, default_message = 413, "PAYLOAD_TOO_LARGE", "Request body too large"


class UnsupportedMediaTypeError(AppError):
    status, code, default_message = 415, "UNSUPPORTED_MEDIA_TYPE", "Request body must be JSON"


class AccountLockedError(AppError):
    """Too many failed sign-ins: the account refuses every password until the lock ends."""

    status, code, default_message = 423, "ACCOUNT_LOCKED", "Too many failed sign-ins; try again later"


class RateLimitedError(AppError):
    status, code, default_message = 429, "RATE_LIMIT_EXCEEDED", "Too many requests"


class SignInRateLimitedError(RateLimitedError):
    """Too many sign-in, sign-up or reset attempts from one address."""


class UpstreamError(AppError):
    """A dependency (Stripe, OpenAI, an HR system) failed; the call is safe to retry."""

    status, code, default_message = 502, "UPSTREAM_ERROR", "An upstream service failed"
    retryable = True


class ServiceUnavailableError(AppError):
    """Our own storage or a dependency is unreachable right now; retry later."""

    status, code, default_message = 503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable"
    retryable = True


class ConfigurationError(AppError):
    """A setting the function needs is missing or invalid. Names the setting, never its value."""

    status, code, default_message = 503, "CONFIGURATION_ERROR", "Service is not configured"
