"""The Stripe SDK, loaded on first use, and the one mapping of its failures to ours.

Importing this module does not import `stripe`: only `client()`,
`verify_webhook()` and `stripe_call()` do, so functions that never touch Stripe
never pay for it. The key, the webhook secret and the API base come from
configuration (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`, `STRIPE_API_BASE`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints

from shared import config, logging, outbound
from shared.errors import (
    ConfigurationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PaymentFailedError,
    ServiceUnavailableError,
    UpstreamError,
)

if TYPE_CHECKING:
    from stripe import StripeClient

# Seconds one Stripe request may take before we give up and answer a retryable error.
TIMEOUT_SECONDS = 20.0
# Stripe's own retries for network errors and 409/5xx answers (it sends idempotency keys).
MAX_NETWORK_RETRIES = 2
# Stripe refuses webhook timestamps older than this many seconds (replay window).
WEBHOOK_TOLERANCE_SECONDS = 300
# Currencies Stripe charges in whole units (no cents).
ZERO_DECIMAL_CURRENCIES = frozenset(
    ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]
)
MAX_URL_LENGTH = 2048


def client() -> StripeClient:
    """The process's StripeClient for the configured key and API base."""
    return _client(
        config.require(config.STRIPE_SECRET_KEY),
        str(config.get(config.STRIPE_API_BASE, "") or ""),
    )


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> StripeClient:
    import stripe

    # Stripe's SDK keeps its own retries (with idempotency keys) and error types; the
    # session adds our request log, so no retries of ours on top.
    kwargs: dict[str, Any] = {
        "max_network_retries": MAX_NETWORK_RETRIES,
        "http_client": stripe.RequestsClient(timeout=TIMEOUT_SECONDS, session=outbound.session("stripe")),
    }
    if api_base:
        kwargs["base_addresses"] = {"api": api_base.rstrip("/")}
    return stripe.StripeClient(api_key, **kwargs)


def reset_client() -> None:
    """Forget cached clients (tests point Stripe elsewhere)."""
    _client.cache_clear()


def webhook_secrets() -> list[str]:
    """The endpoint secrets; several (comma-separated) while one is being rotated."""
    raw = config.require(config.STRIPE_WEBHOOK_SECRET)
    return [s.strip() for s in raw.split(",") if s.strip()]


def verify_webhook(payload: bytes, header: str | None) -> None:
    """Check `Stripe-Signature` over the raw body; InvalidInputError when it does not hold."""
    import stripe

    secrets = webhook_secrets()
    if not header:
        raise InvalidInputError("Missing Stripe-Signature header")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError("Webhook body is not UTF-8") from exc
    for secret in secrets:
        try:
            stripe.WebhookSignature.verify_header(text, header, secret, WEBHOOK_TOLERANCE_SECONDS)
            return
        except stripe.SignatureVerificationError:
            continue
    raise InvalidInputError("Invalid or expired Stripe signature")


@contextlib.contextmanager
def stripe_call(action: str, *, not_found: str | None = None) -> Iterator[None]:
    """Run Stripe calls, turning the SDK's errors into ours.

    Card declines are 402 PAYMENT_FAILED; timeouts, connection failures and Stripe's
    rate limit 503; Stripe's own 5xx and our rejected requests 502 (both retryable,
    neither exposes Stripe's text beyond the decline message). A missing object
    becomes a 404 with `not_found` as message when given.
    """
    import stripe

    try:
        yield
    except stripe.CardError as exc:
        raise PaymentFailedError(
            exc.user_message or "The card was declined",
            details={"decline_code": exc.code or "card_declined"},
        ) from exc
    except stripe.RateLimitError as exc:
        _log(action, exc)
        raise ServiceUnavailableError("Payments are busy; retry shortly") from exc
    except stripe.APIConnectionError as exc:
        _log(action, exc)
        raise ServiceUnavailableError("The payment service is unreachable; retry shortly") from exc
    except (stripe.AuthenticationError, stripe.PermissionError) as exc:
        _log(action, exc)
        raise ConfigurationError("Payments are not configured correctly") from exc
    except stripe.IdempotencyError as exc:
        raise ConflictError("A conflicting payment request is in progress; retry") from exc
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404 and not_found:
            raise NotFoundError(not_found) from exc
        _log(action, exc)
        raise UpstreamError(f"The payment service refused the request while {action}") from exc
    except stripe.StripeError as exc:
        _log(action, exc)
        raise UpstreamError(f"The payment service failed while {action}; retry shortly") from exc


def _log(action: str, exc: BaseException) -> None:
    logging.warning(
        "stripe call failed",
        action=action,
        error_type=type(exc).__name__,
        http_status=getattr(exc, "http_status", None),
        stripe_code=getattr(exc, "code", None),
        stripe_request_id=getattr(exc, "request_id", None),
    )


def to_minor_units(amount: float | int, currency: str) -> int:
    """Dollars (or any major unit) to what Stripe charges: cents, or whole units for JPY and kin."""
    value = Decimal(str(amount))
    if currency.lower() not in ZERO_DECIMAL_CURRENCIES:
        value *= 100
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_major_units(amount: int, currency: str) -> float:
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return float(amount)
    return float(Decimal(amount) / 100)


def check_redirect_url(value: str, field: str) -> str:
    """An absolute http(s) URL with a host; Stripe's {CHECKOUT_SESSION_ID} placeholder is allowed."""
    parts = urlsplit(value)
    if (
        len(value) > MAX_URL_LENGTH
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise ValueError(f"{field} must be an absolute http or https URL")
    return value


# A URL Stripe sends a browser back to (checkout, portal), as request models accept it.
RedirectUrl = Annotated[
    str, StringConstraints(min_length=1, max_length=2048), AfterValidator(lambda v: check_redirect_url(v, "url"))
]


def as_dict(obj: Any) -> dict[str, Any]:
    """A Stripe object (or a plain dict) as a plain dict; stripe 16 objects are not dicts."""
    if obj is None:
        return {}
    if isinstance(obj, dict) and not hasattr(obj, "to_dict"):
        return obj
    result: dict[str, Any] = obj.to_dict()
    return result
