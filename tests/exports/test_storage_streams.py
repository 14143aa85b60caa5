"""Packages reach blob storage as streams: Cloud Storage gets a resumable upload in chunks
(checked against a fake of its JSON upload API), the local store copies in chunks; media
links of either store are recognised as ours, any other URL is not."""

from __future__ import annotations

import io
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared import storage


class FakeGcsUploads(BaseHTTPRequestHandler):
    """The resumable upload of the Cloud Storage JSON API: start, then PUT chunks."""

    log: list[dict[str, Any]]
    data: bytearray

    def log_message(self, *_args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        meta = json.loads(self.rfile.read(length) or b"{}")
        self.log.append({"method": "POST", "path": self.path, "meta": meta})
        self.send_response(200)
        port = self.server.server_address[1]
        self.send_header("Location", f"http://127.0.0.1:{port}/session/1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        chunk = self.rfile.read(length)
        content_range = self.headers.get("Content-Range", "")
        self.log.append({"method": "PUT", "bytes": len(chunk), "range": content_range})
        self.data.extend(chunk)
        match = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range)
        if match and match.group(3) == "*":
            self.send_response(308)
            self.send_header("Range", f"bytes=0-{match.group(2)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        import base64

        import google_crc32c

        crc = base64.b64encode(google_crc32c.value(bytes(self.data)).to_bytes(4, "big")).decode()
        body = json.dumps({"name": "x", "bucket": "spark-certs", "size": str(len(self.data)), "crc32c": crc}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_gcs_put_stream_uploads_in_chunks() -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage as gcs

    log: list[dict[str, Any]] = []
    data = bytearray()
    handler = type("Uploads", (FakeGcsUploads,), {"log": log, "data": data})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = gcs.Client(
            project="sparkacademy-test",
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options={"api_endpoint": f"http://127.0.0.1:{server.server_port}"},
        )
        payload = bytes(range(256)) * (20 * 4096)  # 20 MiB
        storage.GcsBlobStore("spark-certs", client=client).put_stream(
            "exports/crs_1/scorm_abc.zip", io.BytesIO(payload), "application/zip"
        )
    finally:
        server.shutdown()
    assert log[0]["method"] == "POST" and "uploadType=resumable" in log[0]["path"]
    assert log[0]["meta"]["name"] == "exports/crs_1/scorm_abc.zip"
    puts = [entry["bytes"] for entry in log if entry["method"] == "PUT"]
    assert len(puts) == 3 and max(puts) == 8 * 1024 * 1024
    assert bytes(data) == payload


def test_gcs_recognises_its_own_media_urls() -> None:
    store = storage.GcsBlobStore("spark-certs", client=object())
    assert store.path_of("gs://spark-certs/media/a%20b.mp4") == "media/a b.mp4"
    assert store.path_of("https://storage.googleapis.com/spark-certs/media/x.mp4?X-Goog-Signature=1") == "media/x.mp4"
    assert store.path_of("https://storage.googleapis.com/other-bucket/media/x.mp4") is None
    assert store.path_of("https://videos.example.com/spark-certs/x.mp4") is None


def test_local_store_streams_and_recognises_its_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = storage.LocalBlobStore(tmp_path, b"k" * 32, "http://exports.test")
    store.put_stream("media/v.mp4", io.BytesIO(b"video"), "video/mp4")
    with store.open_read("media/v.mp4") as handle:
        assert handle.read() == b"video"
    assert store.content_type("media/v.mp4") == "video/mp4"
    assert store.path_of(store.signed_url("media/v.mp4")) == "media/v.mp4"
    assert store.path_of("http://elsewhere.test/blobs/media/v.mp4") is None
