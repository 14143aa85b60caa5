"""Test-only Zoom and Daily servers on 127.0.0.1, in the wire formats their APIs use.

Each serves its REST API (errors in the provider's own body shape), records every
request, can be told to fail the next calls to a path (status, body, headers such as
Retry-After), and serves recording files generated on the fly in chunks, so a
download of any size costs the server no memory.

- Zoom: `POST /oauth/token` (Basic client credentials, account_credentials grant) hands
  out bearer tokens that `expire_tokens()` invalidates (then 401 code 124); meetings,
  status (204), past-meeting participants (paged), cloud recordings, and files that
  need a valid bearer token or the webhook's `access_token`.
- Daily: rooms (a duplicate name is a 400 invalid-request-error), meeting tokens,
  room deletion, recordings and their access links, files behind the access link.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.local_http import Failure, LoopbackServer, Seen

FILE_CHUNK = 256 * 1024


class FakeServer:
    """Base: a threaded HTTP server whose subclasses answer in `route`."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.failures: dict[str, list[Failure]] = {}
        self.files: dict[str, int] = {}  # file id -> size in bytes
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), self.rfile.read(length)
                )
                with fake._lock:
                    fake.requests.append(seen)
                    queued = fake.failures.get(f"{self.command} {parts.path}") or []
                    failure = queued.pop(0) if queued else None
                if failure is not None:
                    self._send(failure.status, failure.body, failure.headers)
                    return
                answer = fake.route(seen)
                if isinstance(answer, Stream):
                    self._stream(answer)
                else:
                    status, body, *rest = answer
                    self._send(status, body, rest[0] if rest else {})

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

            def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if raw:
                    self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, stream: Stream) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(stream.size))
                self.end_headers()
                for chunk in stream.chunks():
                    self.wfile.write(chunk)

        self.listener = LoopbackServer(Handler)

    @property
    def url(self) -> str:
        return self.listener.url

    def fail_next(
        self, method: str, path: str, status: int, body: Any, headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        with self._lock:
            self.failures.setdefault(f"{method} {path}", []).extend(
                Failure(status, body, headers or {}) for _ in range(times)
            )

    def seen(self, method: str, prefix: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def close(self) -> None:
        self.listener.close()

    def route(self, seen: Seen) -> Any:
        raise NotImplementedError


@dataclass
class Stream:
    """A generated file: deterministic bytes, made chunk by chunk."""

    size: int

    def chunks(self) -> Iterator[bytes]:
        block = bytes(range(256)) * (FILE_CHUNK // 256)
        left = self.size
        while left > 0:
            piece = block[: min(left, FILE_CHUNK)]
            left -= len(piece)
            yield piece


# --- Zoom ---------------------------------------------------------------------------------


class FakeZoom(FakeServer):
    ACCOUNT = "acct_test"
    CLIENT_ID = "zoom-client"
    CLIENT_SECRET = "zoom-secret"

    def __init__(self) -> None:
        self.tokens: set[str] = set()
        self.issued = 0
        self.meetings: dict[str, dict[str, Any]] = {}
        self.participants: dict[str, list[dict[str, Any]]] = {}
        self.recordings: dict[str, list[dict[str, Any]]] = {}
        self.download_tokens: set[str] = set()
        super().__init__()

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def _error(self, status: int, code: int, message: str) -> tuple[int, Any]:
        return status, {"code": code, "message": message}

    def route(self, seen: Seen) -> Any:
        if seen.path == "/oauth/token":
            return self._token(seen)
        if seen.path.startswith("/files/"):
            return self._file(seen)
        bearer = seen.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.tokens:
            return self._error(401, 124, "Invalid access token.")
        parts = seen.path.removeprefix("/v2/").split("/")
        if seen.method == "POST" and parts == ["users", "me", "meetings"]:
            return self._create(seen.json())
        if seen.method == "PUT" and len(parts) == 3 and parts[0] == "meetings" and parts[2] == "status":
            if parts[1] not in self.meetings:
                return self._error(404, 3001, f"Meeting does not exist: {parts[1]}.")
            if seen.json().get("action") not in ("end", "recover"):
                return 400, {
                    "code": 300,
                    "message": "Validation Failed.",
                    "errors": [{"field": "action", "message": "Invalid field."}],
                }
            self.meetings[parts[1]]["status"] = "ended"
            return 204, None
        if seen.method == "GET" and len(parts) == 3 and parts[0] == "past_meetings":
            return self._participants(parts[1], seen)
        if seen.method == "GET" and len(parts) == 3 and parts[0] == "meetings" and parts[2] == "recordings":
            if parts[1] not in self.recordings:
                return self._error(404, 3301, "This recording does not exist.")
            return 200, self.recording_object(parts[1])
        return self._error(404, 404, "Not found")

    def _token(self, seen: Seen) -> Any:
        expected = base64.b64encode(f"{self.CLIENT_ID}:{self.CLIENT_SECRET}".encode()).decode()
        form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
        if seen.headers.get("Authorization") != f"Basic {expected}":
            return 400, {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}
        if form.get("grant_type") != "account_credentials" or form.get("account_id") != self.ACCOUNT:
            return 400, {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}
        self.issued += 1
        token = f"zoom-token-{self.issued}"
        self.tokens.add(token)
        return 200, {"access_token": token, "token_type": "bearer", "expires_in": 3599, "scope": "meeting:write"}

    def _create(self, body: dict[str, Any]) -> Any:
        meeting_id = str(85746065000 + len(self.meetings))
        meeting = {
            "id": int(meeting_id),
            "host_email": "host@zoom.test",
            "topic": body["topic"],
            "type": body["type"],
            "start_time": body["start_time"],
            "duration": body["duration"],
            "timezone": body.get("timezone", "UTC"),
            "created_at": "2026-01-01T00:00:00Z",
            "join_url": f"https://zoom.us/j/{meeting_id}?pwd=abc",
            "start_url": f"https://zoom.us/s/{meeting_id}?zak=host-secret",
            "password": "abc",
            "settings": body.get("settings", {}),
            "status": "waiting",
        }
        self.meetings[meeting_id] = meeting
        return 201, meeting

    def _participants(self, meeting_id: str, seen: Seen) -> Any:
        if meeting_id not in self.meetings:
            return self._error(404, 3001, f"Meeting does not exist: {meeting_id}.")
        people = self.participants.get(meeting_id, [])
        size = int(seen.query.get("page_size", ["30"])[0])
        start = int(seen.query.get("next_page_token", ["0"])[0] or 0)
        page = people[start : start + size]
        following = start + size if start + size < len(people) else None
        return 200, {
            "next_page_token": str(following) if following else "",
            "page_count": (len(people) + size - 1) // size,
            "page_size": size,
            "total_records": len(people),
            "participants": page,
        }

    def add_recording(self, meeting_id: str, size: int, file_id: str = "file-1") -> None:
        self.files[file_id] = size
        self.recordings.setdefault(meeting_id, []).append(
            {
                "id": file_id,
                "meeting_id": "uuid-" + meeting_id,
                "recording_start": "2026-01-20T14:00:00Z",
                "recording_end": "2026-01-20T15:00:00Z",
                "file_type": "MP4",
                "file_extension": "MP4",
                "file_size": size,
                "play_url": f"https://zoom.us/rec/play/{file_id}",
                "download_url": f"{self.url}/files/{file_id}",
                "status": "completed",
                "recording_type": "shared_screen_with_speaker_view",
            }
        )

    def recording_object(self, meeting_id: str) -> dict[str, Any]:
        return {
            "uuid": "uuid-" + meeting_id,
            "id": int(meeting_id),
            "account_id": self.ACCOUNT,
            "host_id": "host",
            "topic": self.meetings[meeting_id]["topic"],
            "type": 2,
            "start_time": "2026-01-20T14:00:00Z",
            "duration": 60,
            "total_size": sum(f["file_size"] for f in self.recordings[meeting_id]),
            "recording_count": len(self.recordings[meeting_id]),
            "recording_files": self.recordings[meeting_id],
        }

    def _file(self, seen: Seen) -> Any:
        file_id = seen.path.removeprefix("/files/")
        bearer = seen.headers.get("Authorization", "").removeprefix("Bearer ")
        access = seen.query.get("access_token", [""])[0]
        if bearer not in self.tokens and access not in self.download_tokens:
            return self._error(401, 124, "Invalid access token.")
        if file_id not in self.files:
            return self._error(404, 3301, "This recording does not exist.")
        return Stream(self.files[file_id])


# --- Daily --------------------------------------------------------------------------------


class FakeDaily(FakeServer):
    API_KEY = "daily-key"

    def __init__(self) -> None:
        self.rooms: dict[str, dict[str, Any]] = {}
        self.tokens: list[dict[str, Any]] = []
        self.recordings: dict[str, dict[str, Any]] = {}
        super().__init__()

    def route(self, seen: Seen) -> Any:
        if seen.path.startswith("/files/"):
            file_id = seen.path.removeprefix("/files/")
            if seen.query.get("sig", [""])[0] != "ok" or file_id not in self.files:
                return 403, {"error": "forbidden", "info": "bad link"}
            return Stream(self.files[file_id])
        if seen.headers.get("Authorization") != f"Bearer {self.API_KEY}":
            return 401, {"error": "authorization-header-error", "info": "Invalid API key"}
        parts = seen.path.removeprefix("/v1/").split("/")
        if seen.method == "POST" and parts == ["rooms"]:
            body = seen.json()
            name = body.get("name") or f"room{len(self.rooms)}"
            if name in self.rooms:
                return 400, {"error": "invalid-request-error", "info": f"a room named {name} already exists"}
            room = {
                "id": f"id-{name}",
                "name": name,
                "api_created": True,
                "privacy": body.get("privacy", "public"),
                "url": f"https://spark.daily.co/{name}",
                "created_at": "2026-01-01T00:00:00.000Z",
                "config": body.get("properties", {}),
            }
            self.rooms[name] = room
            return 200, room
        if seen.method == "POST" and parts == ["meeting-tokens"]:
            properties = seen.json()["properties"]
            self.tokens.append(properties)
            return 200, {"token": f"daily-token-{len(self.tokens)}"}
        if seen.method == "DELETE" and len(parts) == 2 and parts[0] == "rooms":
            if parts[1] not in self.rooms:
                return 404, {"error": "not-found", "info": f"room {parts[1]} not found"}
            del self.rooms[parts[1]]
            return 200, {"deleted": True, "name": parts[1]}
        if seen.method == "GET" and parts == ["recordings"]:
            room = seen.query.get("room_name", [None])[0]
            data = [r for r in self.recordings.values() if room is None or r["room_name"] == room]
            return 200, {"total_count": len(data), "data": data}
        if seen.method == "GET" and len(parts) == 2 and parts[0] == "recordings":
            if parts[1] not in self.recordings:
                return 404, {"error": "not-found", "info": f"recording {parts[1]} not found"}
            return 200, self.recordings[parts[1]]
        if seen.method == "GET" and len(parts) == 3 and parts[0] == "recordings" and parts[2] == "access-link":
            if parts[1] not in self.recordings:
                return 404, {"error": "not-found", "info": f"recording {parts[1]} not found"}
            return 200, {"download_link": f"{self.url}/files/{parts[1]}?sig=ok", "expires": int(time.time()) + 3600}
        return 404, {"error": "not-found", "info": "no such endpoint"}

    def add_recording(
        self, room: str, size: int, recording_id: str = "rec-1", max_participants: int = 3
    ) -> dict[str, Any]:
        self.files[recording_id] = size
        recording = {
            "id": recording_id,
            "room_name": room,
            "start_ts": 1768917600,
            "status": "finished",
            "max_participants": max_participants,
            "duration": 3600,
            "share_token": "share",
            "s3key": f"spark/{room}/{recording_id}",
            "mtgSessionId": "mtg-1",
            "tracks": [],
        }
        self.recordings[recording_id] = recording
        return recording
