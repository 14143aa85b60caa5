"""shared.outbound against a fake service on 127.0.0.1: retries, Retry-After, error mapping, redaction."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.errors import AppError, ServiceUnavailableError, UpstreamError
from shared.outbound import ServiceClient, redact_url
from tests.helpers import refused_url


class FakeService:
    """Answers each request with the next scripted reply (then 200 {"ok": true}); records what it got."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, dict[str, str], Any, float]] = []
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def script(self, status: int, body: Any = None, headers: dict[str, str] | None = None, delay: float = 0) -> None:
        self.replies.append((status, headers or {}, body, delay))

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                with fake.lock:
                    fake.received.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": self.rfile.read(length) if length else b"",
                            "at": time.monotonic(),
                        }
                    )
                    status, headers, body, delay = fake.replies.pop(0) if fake.replies else (200, {}, {"ok": True}, 0)
                time.sleep(delay)
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def fake() -> Iterator[tuple[FakeService, str]]:
    service = FakeService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), service.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service, f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()
    server.server_close()


def _client(url: str, **options: Any) -> ServiceClient:
    return ServiceClient("hr", url, **{"timeout": 2.0, "retries": 2, "backoff": 0.01, **options})


def test_outbound_get_retries_503_and_honours_retry_after(fake: tuple[FakeService, str]) -> None:
    service, url = fake
    # GIVEN the service is busy once and asks for one second
    service.script(503, {"error": "busy"}, {"Retry-After": "1"})
    service.script(200, {"people": [1, 2]})
    # WHEN we read
    assert _client(url).get("people", params={"page": 2}) == {"people": [1, 2]}
    # THEN it asked twice, the second time after the requested wait
    first, second = service.received
    assert [r["path"] for r in service.received] == ["/v1/people?page=2"] * 2
    assert second["at"] - first["at"] >= 0.95


def test_outbound_get_gives_up_after_retries_with_503_retryable(fake: tuple[FakeService, str]) -> None:
    service, url = fake
    for _ in range(3):
        service.script(503, {"error": "down"})
    with pytest.raises(ServiceUnavailableError) as caught:
        _client(url).get("people")
    assert len(service.received) == 3
    envelope = caught.value.envelope()
    assert (caught.value.status, envelope["code"], envelope["retryable"]) == (503, "SERVICE_UNAVAILABLE", True)
    assert envelope["details"] == {"service": "hr", "upstream_status": 503}


def test_outbound_post_without_idempotency_key_is_not_retried(fake: tuple[FakeService, str]) -> None:
    service, url = fake
    service.script(502, {"error": "bad gateway"})
    with pytest.raises(UpstreamError) as caught:
        _client(url).post("refunds", json={"amount": 500})
    assert len(service.received) == 1
    assert (caught.value.status, caught.value.code, caught.value.envelope()["retryable"]) == (
        502,
        "UPSTREAM_ERROR",
        True,
    )


def test_outbound_post_with_idempotency_key_is_retried_with_the_key(fake: tuple[FakeService, str]) -> None:
    service, url = fake
    service.script(500, {"error": "oops"})
    assert _client(url).post("refunds", json={"amount": 500}, idempotency_key="refund-pur_1") == {"ok": True}
    assert len(service.received) == 2
    assert all(r["headers"]["Idempotency-Key"] == "refund-pur_1" for r in service.received)
    assert all(json.loads(r["body"]) == {"amount": 500} for r in service.received)


def test_outbound_timeout_is_503_retryable(fake: tuple[FakeService, str]) -> None:
    service, url = fake
    service.script(200, {"late": True}, delay=1.5)
    service.script(200, {"late": True}, delay=1.5)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailableError) as caught:
        _client(url, timeout=0.3, retries=1).get("slow")
    assert time.monotonic() - started < 1.5
    assert len(service.received) == 2
    assert caught.value.envelope()["retryable"] is True
    assert caught.value.message == "hr did not answer in time; retry shortly"


def test_outbound_unreachable_service_is_503(fake: tuple[FakeService, str]) -> None:
    with refused_url() as url, pytest.raises(ServiceUnavailableError) as caught:
        _client(url, retries=1).get("people")
    assert caught.value.message == "hr is unreachable; retry shortly"


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_outbound_client_error_upstream_is_502_without_retry(fake: tuple[FakeService, str], status: int) -> None:
    service, url = fake
    service.script(status, {"error": "no such employee", "secret_hint": "x"})
    with pytest.raises(UpstreamError) as caught:
        _client(url).get("people/9")
    assert len(service.received) == 1
    envelope = caught.value.envelope()
    assert (caught.value.status, envelope["code"], envelope["details"]) == (
        502,
        "UPSTREAM_ERROR",
        {"service": "hr", "upstream_status": status},
    )
    assert "retryable" not in envelope and "no such employee" not in envelope["message"]


def test_outbound_non_json_answer_is_502(fake: tuple[FakeService, str]) -> None:
    service, url = fake
    service.script(200, b"<html>maintenance</html>")
    with pytest.raises(UpstreamError):
        _client(url).get("people")


def test_outbound_logs_never_contain_secrets(
    fake: tuple[FakeService, str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    service, url = fake
    caplog.set_level("DEBUG")
    service.script(503, {}, {"Retry-After": "0"})
    service.script(403, {})
    client = _client(url, auth_header=lambda: {"Authorization": "Bearer sk_live_HEADER_SECRET"})
    with pytest.raises(AppError):
        client.get("people", params={"api_key": "QUERY_SECRET", "access_token": "TOKEN_SECRET", "page": "3"})
    # The credential reached the service...
    assert service.received[0]["headers"]["Authorization"] == "Bearer sk_live_HEADER_SECRET"
    # ...and none of it reached the logs, which still say what happened.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    text = json.dumps(lines) + caplog.text  # our JSON lines and urllib3's own retry warnings
    assert "Retry: /v1/people" in caplog.text
    for secret in ("HEADER_SECRET", "QUERY_SECRET", "TOKEN_SECRET"):
        assert secret not in text
    [exchange] = [line for line in lines if line["message"] == "outbound request"]
    assert (exchange["service"], exchange["method"], exchange["status"], exchange["retries"]) == ("hr", "GET", 403, 1)
    assert exchange["url"].endswith("/v1/people?api_key=[redacted]&access_token=[redacted]&page=3")
    [failure] = [line for line in lines if line["message"] == "outbound request failed"]
    assert (failure["severity"], failure["status"]) == ("WARNING", 403)


def test_outbound_timeout_log_does_not_leak_query_secrets(
    fake: tuple[FakeService, str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    service, url = fake
    caplog.set_level("DEBUG")
    service.script(200, {}, delay=1.0)
    service.script(200, {}, delay=1.0)
    with pytest.raises(ServiceUnavailableError):
        _client(url, timeout=0.2, retries=1).get("people", params={"token": "TIMEOUT_SECRET"})
    assert "Retrying" in caplog.text
    assert "TIMEOUT_SECRET" not in capsys.readouterr().out + caplog.text


def test_redact_url_masks_credentials_and_keeps_the_rest() -> None:
    assert redact_url("https://u:p@api.example/x?sig=abc&q=ok&client_secret=s") == (
        "https://[redacted]@api.example/x?sig=[redacted]&q=ok&client_secret=[redacted]"
    )
