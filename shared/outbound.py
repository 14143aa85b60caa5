"""Calls to outside services over HTTP: one client base, one mapping of their failures.

`ServiceClient` bounds every request by a timeout, retries answers that say
"try again" (429, 500, 502, 503, 504, and connection failures) with jittered
exponential backoff, waiting as long as a `Retry-After` header asks (up to
`MAX_RETRY_AFTER_SECONDS`), and turns what still fails into our errors:

- no answer in time, unreachable, 429 or 503: 503 SERVICE_UNAVAILABLE (retryable);
- another 5xx, or an answer that is not JSON: 502 UPSTREAM_ERROR (retryable);
- a 4xx: 502 UPSTREAM_ERROR, not retried and not marked retryable (the request
  itself was refused; retrying would not help).

Only idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS) are retried unless the
caller passes an `idempotency_key`, sent as `Idempotency-Key`. Each request is
logged once (service, method, URL with secret query values masked, status,
duration); headers and bodies are never logged. `session()` gives SDKs that
accept a requests session (Stripe) the same logging, without retries of ours.

    hr = ServiceClient("hr", "https://hr.example/api/", auth_header=lambda: {"Authorization": f"Bearer {key()}"})
    people = hr.get("employees", params={"page": 2})
    hr.post("refunds", json={"amount": 500}, idempotency_key="refund-pur_123")
"""

from __future__ import annotations

import logging as stdlib_logging
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from shared import logging
from shared.errors import AppError, ServiceUnavailableError, UpstreamError

if TYPE_CHECKING:
    import requests

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_RETRIES = 2
# Retry n waits up to this long at first, then this times 2**(n-1) plus up to this again as jitter.
DEFAULT_BACKOFF_SECONDS = 0.5
# A service asking us to wait longer than this gets at most this: a function's caller is waiting too.
MAX_RETRY_AFTER_SECONDS = 10.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BUSY_STATUSES = frozenset({429, 503})
# Query parameters whose values are credentials (matched as parts of the lower-cased name).
SECRET_PARAM_MARKERS = ("key", "token", "secret", "password", "signature", "sig", "auth", "credential", "code")


def redact_url(url: str) -> str:
    """The URL with credential-like query values and any user:password masked, for logs."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if "@" in parts.netloc:
        netloc = f"[redacted]@{netloc}"
    query = urlencode(
        [
            (name, "[redacted]" if any(m in name.lower() for m in SECRET_PARAM_MARKERS) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="[]",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class _RedactUrls(stdlib_logging.Filter):
    """urllib3 logs requests and retries with the path, query string included: mask its secrets."""

    def filter(self, record: stdlib_logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_url(a) if isinstance(a, str) and "?" in a else a for a in record.args)
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry"):  # a filter covers its own logger only
    if not any(isinstance(f, _RedactUrls) for f in stdlib_logging.getLogger(_name).filters):
        stdlib_logging.getLogger(_name).addFilter(_RedactUrls())


def session(
    service: str, *, retries: int = 0, backoff: float = DEFAULT_BACKOFF_SECONDS, all_methods: bool = False
) -> requests.Session:
    """A requests Session that logs each exchange with `service`; `retries` > 0 retries per the policy above."""
    import requests
    from requests.adapters import HTTPAdapter

    http = requests.Session()
    adapter = HTTPAdapter(max_retries=_retry_policy(retries, backoff, all_methods))
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    http.hooks["response"].append(_log_exchange(service))
    return http


class ServiceClient:
    """One outside service: its base URL, timeout, retries and credentials.

    `auth_header` is asked for the credential headers on every request, so a
    rotated key takes effect without a restart and nothing secret sits in the client.
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF_SECONDS,
        auth_header: Callable[[], Mapping[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        error_header: str | None = None,
    ) -> None:
        self.name = name
        self.error_header = error_header  # where the service explains a refusal (shown in details)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.timeout = timeout
        self._auth_header = auth_header
        self._headers = dict(headers or {})
        self._idempotent_only = session(name, retries=retries, backoff=backoff)
        self._any_method = session(name, retries=retries, backoff=backoff, all_methods=True)

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        return self.request("POST", path, json=json, data=data, idempotency_key=idempotency_key)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
        safe: bool = False,
    ) -> Any:
        """Send one request (retried per policy); the answer's JSON, None for an empty body.

        `safe` marks a request that changes nothing whatever its method (a report asked
        for with POST): it is retried like a GET.
        """
        response = self.exchange(
            method, path, params=params, json=json, data=data, idempotency_key=idempotency_key, safe=safe
        )
        if not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError as exc:
            self._warn(method, response.url, "invalid json", status=response.status_code)
            raise UpstreamError(f"{self.name} answered something other than JSON") from exc

    def exchange(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        safe: bool = False,
        passthrough: frozenset[int] = frozenset(),
    ) -> requests.Response:
        """Send one request (retried per policy) and return the response itself, for answers
        that are not JSON; statuses in `passthrough` are returned instead of raised."""
        import requests

        sent = {"Accept": "application/json", **self._headers, **(headers or {})}
        if self._auth_header is not None:
            sent.update(self._auth_header())
        if idempotency_key:
            sent["Idempotency-Key"] = idempotency_key
        http = self._any_method if idempotency_key or safe else self._idempotent_only
        url = urljoin(self.base_url, path.lstrip("/"))
        try:
            response = http.request(
                method, url, params=params, json=json, data=data, headers=sent, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise self._transport_failure(method, url, exc) from exc
        if response.status_code >= 400 and response.status_code not in passthrough:
            raise self._refusal(method, url, response)
        return response

    def _transport_failure(self, method: str, url: str, exc: BaseException) -> AppError:
        # The exception's text names the URL, query string included: log its type only.
        timed_out = _timed_out(exc)
        self._warn(method, url, "timeout" if timed_out else "unreachable", error_type=type(exc).__name__)
        if timed_out:
            return ServiceUnavailableError(f"{self.name} did not answer in time; retry shortly")
        return ServiceUnavailableError(f"{self.name} is unreachable; retry shortly")

    def _refusal(self, method: str, url: str, response: requests.Response) -> AppError:
        status = response.status_code
        self._warn(method, url, "error status", status=status)
        details: dict[str, Any] = {"service": self.name, "upstream_status": status}
        if self.error_header and (explained := response.headers.get(self.error_header)):
            details["upstream_message"] = explained[:300]
        if status in BUSY_STATUSES:
            error: AppError = ServiceUnavailableError(f"{self.name} is busy; retry shortly", details=details)
            if retry_after := response.headers.get("Retry-After"):
                error.headers["Retry-After"] = retry_after
            return error
        if status >= 500:
            return UpstreamError(f"{self.name} failed; retry shortly", details=details)
        refused = UpstreamError(f"{self.name} refused the request", details=details)
        refused.retryable = False
        return refused

    def _warn(self, method: str, url: str, failure: str, **fields: Any) -> None:
        logging.warning(
            "outbound request failed", service=self.name, method=method, url=redact_url(url), failure=failure, **fields
        )


def _timed_out(exc: BaseException) -> bool:
    """A timeout, also when it surfaces as the retries' final reason inside a ConnectionError."""
    import requests
    from urllib3.exceptions import NewConnectionError
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, NewConnectionError):  # urllib3 files a refused connection under timeouts
        return False
    return isinstance(exc, requests.Timeout) or isinstance(reason, Urllib3Timeout)


def _retry_policy(retries: int, backoff: float, all_methods: bool) -> Any:
    from urllib3.util.retry import Retry

    class CappedRetry(Retry):
        """urllib3's Retry, with the wait a `Retry-After` asks for capped, and every retry jittered."""

        def get_backoff_time(self) -> float:
            # urllib3 repeats a first failure at once; a random pause spreads a crowd of callers.
            waited = float(super().get_backoff_time())
            return waited if waited or not self.history else random.random() * self.backoff_jitter

        def get_retry_after(self, response: Any) -> float | None:
            seconds = super().get_retry_after(response)
            return None if seconds is None else min(seconds, MAX_RETRY_AFTER_SECONDS)

    return CappedRetry(
        total=retries,
        backoff_factor=backoff,
        backoff_jitter=backoff,
        status_forcelist=RETRY_STATUSES if retries else (),
        allowed_methods=None if all_methods else Retry.DEFAULT_ALLOWED_METHODS,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last answer is mapped by the caller
        raise_on_redirect=False,
    )


def _log_exchange(service: str) -> Callable[..., None]:
    def log(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        retries = getattr(response.raw, "retries", None)
        logging.info(
            "outbound request",
            service=service,
            method=response.request.method,
            url=redact_url(str(response.request.url)),
            status=response.status_code,
            duration_ms=round(response.elapsed.total_seconds() * 1000, 1),  # the last attempt's
            retries=len(retries.history) if retries is not None else 0,
        )

    return log
