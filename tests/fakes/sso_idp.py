"""A test-only identity provider's web server on 127.0.0.1: serves documents as given.

Each path answers with the bytes, status and headers it was given (SAML metadata,
an OIDC discovery document, a JWKS, a redirect). Its `Date` header can run ahead
of or behind the real clock (`clock_offset_seconds`), like a badly set IdP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.local_http import LoopbackServer


@dataclass
class Document:
    body: bytes
    status: int = 200
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)


class FakeIdP:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.requests: list[str] = []
        self.clock_offset_seconds = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                return formatdate(time.time() + fake.clock_offset_seconds, usegmt=True)

            def do_GET(self) -> None:
                fake.requests.append(self.path)
                doc = fake.documents.get(self.path) or Document(b"not found", 404, "text/plain")
                self.send_response(doc.status)
                self.send_header("Content-Type", doc.content_type)
                for name, value in doc.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(doc.body)))
                self.end_headers()
                self.wfile.write(doc.body)

        self.listener = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self.listener.url

    def serve(self, path: str, body: bytes | str, **kwargs: Any) -> str:
        self.documents[path] = Document(body.encode() if isinstance(body, str) else body, **kwargs)
        return self.url + path

    def redirect(self, path: str, location: str) -> str:
        return self.serve(path, b"", status=302, content_type="text/plain", headers={"Location": location})

    def close(self) -> None:
        self.listener.close()
