"""Settings from the environment: every variable name the product reads lives here.

Secrets are read when used, never at import, and a missing one is named in a
`ConfigurationError` (its value never appears in messages or logs).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from shared.errors import ConfigurationError

T = TypeVar("T")

# Names of environment variables, in one place.
ENV = "SPARK_ENV"  # "development" (emulator, tests) or "production"
APP_ID = "BASE44_APP_ID"
PROJECT = "GOOGLE_CLOUD_PROJECT"
JWT_SECRET = "JWT_SECRET"
TOKEN_TTL_SECONDS = "TOKEN_TTL_SECONDS"
MAX_BODY_BYTES = "MAX_BODY_BYTES"
PUBLIC_BASE_URL = "PUBLIC_BASE_URL"
STRIPE_SECRET_KEY = "STRIPE_SECRET_KEY"
STRIPE_WEBHOOK_SECRET = "STRIPE_WEBHOOK_SECRET"
STRIPE_API_BASE = "STRIPE_API_BASE"
LOCALSTRIPE_BIN = "LOCALSTRIPE_BIN"  # the local Stripe server's localstripe (development and tests)
CURRENCY = "PAYMENT_CURRENCY"
OPENAI_API_KEY = "OPENAI_API_KEY"
OPENAI_BASE_URL = "OPENAI_BASE_URL"  # any OpenAI-compatible server (vLLM, Ollama, llama.cpp)
OPENAI_MODEL = "OPENAI_MODEL"
OPENAI_TIMEOUT_SECONDS = "OPENAI_TIMEOUT_SECONDS"
OPENAI_MAX_RETRIES = "OPENAI_MAX_RETRIES"
AI_DAILY_TOKEN_BUDGET = "AI_DAILY_TOKEN_BUDGET"  # tokens per user per UTC day; 0 turns the budget off
RATE_LIMITS_ENABLED = "RATE_LIMITS_ENABLED"
STORAGE_BACKEND = "STORAGE_BACKEND"  # "gcs" or "local"
STORAGE_BUCKET = "STORAGE_BUCKET"
LOCAL_BLOB_DIR = "LOCAL_BLOB_DIR"
BLOB_SIGNING_SECRET = "BLOB_SIGNING_SECRET"
SIGNED_URL_TTL_SECONDS = "SIGNED_URL_TTL_SECONDS"
SELF_SIGNUP_ROLES = "SELF_SIGNUP_ROLES"
LOGIN_LOCKOUT_THRESHOLD = "LOGIN_LOCKOUT_THRESHOLD"
LOGIN_LOCKOUT_WINDOW_SECONDS = "LOGIN_LOCKOUT_WINDOW_SECONDS"
LOGIN_LOCKOUT_SECONDS = "LOGIN_LOCKOUT_SECONDS"
REVOCATION_REFRESH_SECONDS = "REVOCATION_REFRESH_SECONDS"
ALLOWED_REDIRECT_ORIGINS = "ALLOWED_REDIRECT_ORIGINS"
TRUSTED_PROXIES = "TRUSTED_PROXIES"  # comma-separated IPs/CIDRs whose X-Forwarded-For is believed
XAPI_ACTIVITY_BASE = "XAPI_ACTIVITY_BASE"  # IRI prefix of exported xAPI activities
VIDEO_PROVIDER = "VIDEO_PROVIDER"  # "jitsi" (default), "daily" or "zoom"
JITSI_DOMAIN = "JITSI_DOMAIN"
JITSI_APP_ID = "JITSI_APP_ID"
JITSI_APP_SECRET = "JITSI_APP_SECRET"
DAILY_API_KEY = "DAILY_API_KEY"
DAILY_API_BASE = "DAILY_API_BASE"
DAILY_WEBHOOK_SECRET = "DAILY_WEBHOOK_SECRET"  # the webhook's `hmac`, base64
ZOOM_ACCOUNT_ID = "ZOOM_ACCOUNT_ID"
ZOOM_CLIENT_ID = "ZOOM_CLIENT_ID"
ZOOM_CLIENT_SECRET = "ZOOM_CLIENT_SECRET"
ZOOM_API_BASE = "ZOOM_API_BASE"
ZOOM_OAUTH_URL = "ZOOM_OAUTH_URL"
ZOOM_WEBHOOK_SECRET = "ZOOM_WEBHOOK_SECRET"  # the app's secret token
SYNC_TIME_BUDGET_SECONDS = "SYNC_TIME_BUDGET_SECONDS"  # a Stripe sync run checkpoints and stops after this
# HR systems. An integration may name other variables instead (one per tenant); these serve one.
BAMBOOHR_API_KEY = "BAMBOOHR_API_KEY"
BAMBOOHR_SUBDOMAIN = "BAMBOOHR_SUBDOMAIN"
BAMBOOHR_BASE_URL = "BAMBOOHR_BASE_URL"  # before /{subdomain}/v1
WORKDAY_TENANT_URL = "WORKDAY_TENANT_URL"  # https://{host}/{tenant}
WORKDAY_USERNAME = "WORKDAY_USERNAME"  # the integration system user, without @tenant
WORKDAY_PASSWORD = "WORKDAY_PASSWORD"
WORKDAY_CLIENT_ID = "WORKDAY_CLIENT_ID"  # REST workers API (OAuth refresh-token grant)
WORKDAY_CLIENT_SECRET = "WORKDAY_CLIENT_SECRET"
WORKDAY_REFRESH_TOKEN = "WORKDAY_REFRESH_TOKEN"
HR_SYNC_TIME_BUDGET_SECONDS = "HR_SYNC_TIME_BUDGET_SECONDS"  # a sync stops (checkpointed) after this long
# Lets URLs that users name (SSO metadata) reach private and loopback addresses: development only.
ALLOW_PRIVATE_URLS = "ALLOW_PRIVATE_URLS"
FREE_TIER_COURSE_LIMIT = "FREE_TIER_COURSE_LIMIT"  # active free-course enrollments without a subscription
ACCESS_TOKEN_TTL_SECONDS = "ACCESS_TOKEN_TTL_SECONDS"  # access tokens of the 7P REST surface
REFRESH_TOKEN_TTL_SECONDS = "REFRESH_TOKEN_TTL_SECONDS"  # refresh tokens without remember_me
REMEMBER_ME_TTL_SECONDS = "REMEMBER_ME_TTL_SECONDS"  # refresh tokens with remember_me
MAX_SESSIONS_PER_USER = "MAX_SESSIONS_PER_USER"  # concurrent sessions; a new one ends the oldest
MFA_ENCRYPTION_KEY = "MFA_ENCRYPTION_KEY"  # Fernet key that encrypts TOTP secrets at rest
CORS_ALLOWED_ORIGINS = "CORS_ALLOWED_ORIGINS"  # comma-separated origins browsers may call from
# argon2id work per password hash; lower than the defaults only outside production (the tests).
PASSWORD_HASH_TIME_COST = "PASSWORD_HASH_TIME_COST"
PASSWORD_HASH_MEMORY_KIB = "PASSWORD_HASH_MEMORY_KIB"

_MIN_SECRET_BYTES = 32


def get(name: str, default: T | None = None, cast: Callable[[str], T] | None = None) -> T | str | None:
    """Read one setting; `cast` converts it and a bad value is named in the error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if cast is None:
        return raw
    try:
        return cast(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"Setting {name} has an invalid value") from exc


def require(name: str) -> str:
    """Read a setting that must be present."""
    value = os.environ.get(name)
    if not value:
        raise ConfigurationError(f"Setting {name} is not configured", details={"missing": [name]})
    return value


def missing(names: Iterable[str]) -> list[str]:
    return [n for n in names if not os.environ.get(n)]


def check_required(names: Iterable[str]) -> None:
    """Fail with every missing name at once."""
    if absent := missing(names):
        raise ConfigurationError("Missing required settings: " + ", ".join(absent), details={"missing": absent})


def _flag(raw: str) -> bool:
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def is_production() -> bool:
    return (get(ENV, "production") or "production") == "production"


# RFC 9106's low-memory argon2id profile: the least work a production hash may take.
PASSWORD_HASH_MIN_TIME_COST = 3
PASSWORD_HASH_MIN_MEMORY_KIB = 64 * 1024


def password_hash_cost() -> tuple[int, int]:
    """argon2id's (time cost, memory in KiB); production refuses anything cheaper than RFC 9106's profile."""
    time_cost = int(get(PASSWORD_HASH_TIME_COST, PASSWORD_HASH_MIN_TIME_COST, int) or 0)
    memory_kib = int(get(PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_MIN_MEMORY_KIB, int) or 0)
    weak = time_cost < PASSWORD_HASH_MIN_TIME_COST or memory_kib < PASSWORD_HASH_MIN_MEMORY_KIB
    if weak and is_production():
        raise ConfigurationError(
            f"Settings {PASSWORD_HASH_TIME_COST} and {PASSWORD_HASH_MEMORY_KIB} may not go below "
            f"{PASSWORD_HASH_MIN_TIME_COST} and {PASSWORD_HASH_MIN_MEMORY_KIB} when {ENV} is production"
        )
    if time_cost < 1 or memory_kib < 64:
        raise ConfigurationError(f"Settings {PASSWORD_HASH_TIME_COST} and {PASSWORD_HASH_MEMORY_KIB} are too small")
    return time_cost, memory_kib


def app_id() -> str:
    return str(get(APP_ID, "sparkacademy"))


def project_id() -> str:
    return str(get(PROJECT, "sparkacademy-dev"))


def jwt_secret() -> str:
    secret = require(JWT_SECRET)
    if len(secret.encode()) < _MIN_SECRET_BYTES:
        raise ConfigurationError(f"Setting {JWT_SECRET} must be at least {_MIN_SECRET_BYTES} bytes")
    return secret


def token_ttl_seconds() -> int:
    return int(get(TOKEN_TTL_SECONDS, 24 * 3600, int) or 0)


def max_body_bytes() -> int:
    return int(get(MAX_BODY_BYTES, 1024 * 1024, int) or 0)


def rate_limits_enabled() -> bool:
    return bool(get(RATE_LIMITS_ENABLED, True, _flag))


def public_base_url() -> str:
    return str(get(PUBLIC_BASE_URL, "http://127.0.0.1:8080")).rstrip("/")


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies() -> tuple[IPNetwork, ...]:
    """The networks of the proxies in front of us; none by default (headers are ignored)."""
    return _proxy_networks(str(get(TRUSTED_PROXIES, "") or ""))


@lru_cache(maxsize=4)
def _proxy_networks(raw: str) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in raw.split(",") if item.strip())
    except ValueError as exc:
        raise ConfigurationError(f"Setting {TRUSTED_PROXIES} has an invalid value") from exc


def currency() -> str:
    return str(get(CURRENCY, "usd")).lower()


def free_tier_course_limit() -> int:
    return int(get(FREE_TIER_COURSE_LIMIT, 3, int) or 0)


def self_signup_roles() -> frozenset[str]:
    """Roles anyone may give themselves at sign-up; every other role is created by an admin."""
    raw = str(get(SELF_SIGNUP_ROLES, "student"))
    return frozenset(role.strip() for role in raw.split(",") if role.strip())


def login_lockout_threshold() -> int:
    """Failed sign-ins within the window that lock an account."""
    return int(get(LOGIN_LOCKOUT_THRESHOLD, 5, int) or 0)


def login_lockout_window_seconds() -> int:
    return int(get(LOGIN_LOCKOUT_WINDOW_SECONDS, 15 * 60, int) or 0)


def login_lockout_seconds() -> int:
    return int(get(LOGIN_LOCKOUT_SECONDS, 15 * 60, int) or 0)


def sync_time_budget_seconds() -> float:
    """How long one Stripe sync run walks before it saves its place for the next run
    (well inside the functions' 540 s limit)."""
    return float(get(SYNC_TIME_BUDGET_SECONDS, 420.0, float) or 0.0)


def revocation_refresh_seconds() -> float:
    """How stale an instance's view of ended sessions may get before a request refreshes it."""
    return float(get(REVOCATION_REFRESH_SECONDS, 2.0, float) or 0.0)


def allowed_redirect_origins() -> frozenset[str]:
    """Origins a browser may be sent back to after signing out (default: the public base URL's)."""
    raw = get(ALLOWED_REDIRECT_ORIGINS)
    values = str(raw).split(",") if raw else [public_base_url()]
    return frozenset(v.strip() for v in values if v.strip())


DEFAULT_OPENAI_MODEL = "gpt-4o-mini"


def openai_model() -> str:
    return str(get(OPENAI_MODEL, DEFAULT_OPENAI_MODEL))


def openai_timeout_seconds() -> float:
    return float(get(OPENAI_TIMEOUT_SECONDS, 60.0, float) or 60.0)


def openai_max_retries() -> int:
    """Retries the OpenAI SDK makes itself (timeouts, 429, 5xx); nothing retries on top of them."""
    return int(get(OPENAI_MAX_RETRIES, 1, int) or 0)


def ai_daily_token_budget() -> int:
    return int(get(AI_DAILY_TOKEN_BUDGET, 200_000, int) or 0)


def allow_private_urls() -> bool:
    """Whether URLs users name may reach private, loopback and link-local addresses (never in production)."""
    allowed = bool(get(ALLOW_PRIVATE_URLS, False, _flag))
    if allowed and is_production():
        raise ConfigurationError(f"Setting {ALLOW_PRIVATE_URLS} is refused when {ENV} is production")
    return allowed


DEFAULT_BAMBOOHR_BASE_URL = "https://api.bamboohr.com/api/gateway.php"


def bamboohr_base_url() -> str:
    return str(get(BAMBOOHR_BASE_URL, DEFAULT_BAMBOOHR_BASE_URL)).rstrip("/")


def hr_sync_time_budget_seconds() -> float:
    """How long one sync call works before it checkpoints and answers (under the function's 540 s)."""
    return float(get(HR_SYNC_TIME_BUDGET_SECONDS, 420.0, float) or 420.0)


def access_token_ttl_seconds() -> int:
    return int(get(ACCESS_TOKEN_TTL_SECONDS, 3600, int) or 0)


def refresh_token_ttl_seconds(remember_me: bool) -> int:
    if remember_me:
        return int(get(REMEMBER_ME_TTL_SECONDS, 7 * 24 * 3600, int) or 0)
    return int(get(REFRESH_TOKEN_TTL_SECONDS, 24 * 3600, int) or 0)


def longest_session_seconds() -> int:
    """How long any token of a session may stay usable: its access token, or a refresh token."""
    return max(token_ttl_seconds(), access_token_ttl_seconds(), refresh_token_ttl_seconds(True))


def max_sessions_per_user() -> int:
    return int(get(MAX_SESSIONS_PER_USER, 10, int) or 0)


def cors_allowed_origins() -> frozenset[str]:
    """Origins whose browsers may call the API (default: the public base URL's)."""
    raw = get(CORS_ALLOWED_ORIGINS)
    values = str(raw).split(",") if raw else [public_base_url()]
    return frozenset(v.strip().rstrip("/") for v in values if v.strip())


_LOOPBACK_ORIGIN = re.compile(r"^http://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$")


def cors_origin_allowed(origin: str) -> bool:
    """An allowed origin; in development with no list set, also any page served from this machine
    (a front end on its own port calling `make dev`)."""
    origin = origin.rstrip("/")
    if origin in cors_allowed_origins():
        return True
    development = (get(ENV, "production") or "production") == "development"
    return development and not get(CORS_ALLOWED_ORIGINS) and bool(_LOOPBACK_ORIGIN.match(origin))


# Background jobs (shared.queue): the Pub/Sub topic they are published to, and how long a
# worker's claim on a job lasts without a heartbeat before another delivery may take it over.
JOBS_TOPIC = "JOBS_TOPIC"
# A target's STORAGE_BUCKET in deploy.yaml: the deploy plan puts the project's bucket here.
BUCKET_FROM_PLAN = "${STORAGE_BUCKET}"
JOB_LEASE_SECONDS = "JOB_LEASE_SECONDS"


def jobs_topic() -> str:
    return str(get(JOBS_TOPIC, "jobs"))


def job_lease_seconds() -> float:
    return float(get(JOB_LEASE_SECONDS, 60.0, float) or 60.0)
