"""Meeting providers behind one interface, chosen by VIDEO_PROVIDER (jitsi, daily, zoom).

- Jitsi (self-hosted, the default): no API. Rooms are links carrying a JWT signed
  with the deployment's app secret (HS256), scoped to one room, expiring after the
  session; the host's token makes them the room's owner (`context.user.affiliation`,
  jitsi-contrib token_affiliation). No report: participants are unknown (None) and
  there are no recordings.
- Daily: a private room per session, owner and member meeting tokens; ending deletes
  the room (participants are ejected); recordings and their access links.
- Zoom: Server-to-Server OAuth (token cached until shortly before it expires, and
  fetched again once when Zoom says it is no longer valid); scheduled meetings with
  cloud recording, ended through the status endpoint; past-meeting participants.

Every call goes through `shared.outbound.ServiceClient` (timeouts, retries honouring
Retry-After, failures as 502/503). A provider's 404 for a meeting is our 404.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from shared import config
from shared.errors import ConfigurationError, NotFoundError, UpstreamError
from shared.outbound import ServiceClient

# A meeting's links stay valid this long after its planned end (classes overrun).
LINK_GRACE = timedelta(hours=2)
PROVIDERS = ("jitsi", "daily", "zoom")


@dataclass(frozen=True)
class Host:
    email: str
    name: str
    user_id: str


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    join_url: str
    start_url: str


@dataclass(frozen=True)
class ProviderRecording:
    """A finished recording at the provider, and how to download it."""

    recording_id: str
    download_url: str
    download_headers: dict[str, str] = field(default_factory=dict)
    duration: int | None = None  # seconds
    recorded_at: str | None = None
    size: int | None = None
    content_type: str = "video/mp4"


class VideoProvider(Protocol):
    name: str

    def create_meeting(
        self, *, room: str, topic: str, start: datetime, duration_minutes: int, host: Host
    ) -> Meeting: ...

    def end_meeting(self, meeting_id: str) -> None: ...

    def participants(self, meeting_id: str) -> int | None:
        """Distinct people who joined, from the provider's report; None when it has none."""
        ...

    def recordings(self, meeting_id: str) -> list[ProviderRecording]: ...


def provider(name: str | None = None) -> VideoProvider:
    """The configured provider (or the one named, for sessions made before a switch)."""
    chosen = (name or str(config.get(config.VIDEO_PROVIDER, "jitsi") or "jitsi")).lower()
    if chosen == "jitsi":
        return JitsiProvider()
    if chosen == "daily":
        return DailyProvider()
    if chosen == "zoom":
        return ZoomProvider()
    raise ConfigurationError(f"Setting {config.VIDEO_PROVIDER} must be one of {', '.join(PROVIDERS)}")


def required_settings(name: str | None = None) -> tuple[str, ...]:
    chosen = (name or str(config.get(config.VIDEO_PROVIDER, "jitsi") or "jitsi")).lower()
    return {
        "jitsi": (config.JITSI_DOMAIN, config.JITSI_APP_ID, config.JITSI_APP_SECRET),
        "daily": (config.DAILY_API_KEY,),
        "zoom": (config.ZOOM_ACCOUNT_ID, config.ZOOM_CLIENT_ID, config.ZOOM_CLIENT_SECRET),
    }.get(chosen, ())


def _upstream_status(exc: UpstreamError) -> int | None:
    status = (exc.details or {}).get("upstream_status")
    return status if isinstance(status, int) else None


def _not_found_is_ours(call: Callable[[], Any], what: str) -> Any:
    try:
        return call()
    except UpstreamError as exc:
        if _upstream_status(exc) == 404:
            raise NotFoundError(f"The meeting provider has no {what}", details={"provider_status": 404}) from exc
        raise


# --- Jitsi --------------------------------------------------------------------------------


class JitsiProvider:
    name = "jitsi"
    audience = "jitsi"

    def __init__(self) -> None:
        if config.is_production():
            config.check_required(required_settings("jitsi"))
        # Development works without a Jitsi deployment's settings: links to a local one.
        self.domain = str(config.get(config.JITSI_DOMAIN, "localhost:8443"))
        self.app_id = str(config.get(config.JITSI_APP_ID, "sparkacademy"))
        self.secret = str(config.get(config.JITSI_APP_SECRET) or _derived_secret())

    def token(self, *, room: str, user: dict[str, str], owner: bool, expires: datetime, not_before: datetime) -> str:
        import jwt

        claims = {
            "iss": self.app_id,
            "aud": self.audience,
            "sub": self.domain,
            "room": room,
            "nbf": int(not_before.timestamp()),
            "exp": int(expires.timestamp()),
            # Every user field a string: Jitsi breaks on nulls.
            "context": {"user": {**user, "affiliation": "owner" if owner else "member"}},
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def create_meeting(self, *, room: str, topic: str, start: datetime, duration_minutes: int, host: Host) -> Meeting:
        expires = start + timedelta(minutes=duration_minutes) + LINK_GRACE
        opens = min(start, datetime.now(UTC)) - timedelta(minutes=30)
        host_user = {"id": host.user_id, "name": host.name, "email": host.email, "avatar": ""}
        guest_user = {"id": f"{room}-guest", "name": "", "email": "", "avatar": ""}
        base = f"https://{self.domain}/{quote(room)}"
        guest = self.token(room=room, user=guest_user, owner=False, expires=expires, not_before=opens)
        owner = self.token(room=room, user=host_user, owner=True, expires=expires, not_before=opens)
        return Meeting(meeting_id=room, join_url=f"{base}?jwt={guest}", start_url=f"{base}?jwt={owner}")

    def end_meeting(self, meeting_id: str) -> None:
        """No API to end a room: its links expire with the session."""

    def participants(self, meeting_id: str) -> int | None:
        return None

    def recordings(self, meeting_id: str) -> list[ProviderRecording]:
        return []


def _derived_secret() -> str:
    key = hmac.new(config.jwt_secret().encode(), b"sparkacademy/jitsi-app-secret", hashlib.sha256)
    return key.hexdigest()


# --- Daily --------------------------------------------------------------------------------


class DailyProvider:
    name = "daily"

    def __init__(self) -> None:
        config.check_required(required_settings("daily"))
        key = config.require(config.DAILY_API_KEY)
        base = str(config.get(config.DAILY_API_BASE, "https://api.daily.co/v1") or "https://api.daily.co/v1")
        self.client = ServiceClient("daily", base, auth_header=lambda: {"Authorization": f"Bearer {key}"})

    def _token(self, room: str, expires: int, *, owner: bool, user_name: str | None = None) -> str:
        properties: dict[str, Any] = {"room_name": room, "exp": expires, "is_owner": owner}
        if user_name:
            properties["user_name"] = user_name
        # Minting a token twice is harmless, so a busy Daily may be retried.
        key = f"daily-token-{room}-{'owner' if owner else 'member'}-{expires}"
        answer = self.client.post("meeting-tokens", json={"properties": properties}, idempotency_key=key)
        return str(answer["token"])

    def create_meeting(self, *, room: str, topic: str, start: datetime, duration_minutes: int, host: Host) -> Meeting:
        expires = int((start + timedelta(minutes=duration_minutes) + LINK_GRACE).timestamp())
        answer = self.client.post(
            "rooms",
            json={
                "name": room,
                "privacy": "private",
                "properties": {"exp": expires, "eject_at_room_exp": True, "enable_recording": "cloud"},
            },
            idempotency_key=f"daily-room-{room}",
        )
        url, name = str(answer["url"]), str(answer["name"])
        return Meeting(
            meeting_id=name,
            join_url=f"{url}?t={self._token(name, expires, owner=False)}",
            start_url=f"{url}?t={self._token(name, expires, owner=True, user_name=host.name)}",
        )

    def end_meeting(self, meeting_id: str) -> None:
        # Daily has no "end": deleting the room ejects everyone; recordings are kept.
        _not_found_is_ours(lambda: self.client.request("DELETE", f"rooms/{quote(meeting_id, safe='')}"), "such room")

    def participants(self, meeting_id: str) -> int | None:
        recordings = self.client.get("recordings", params={"room_name": meeting_id, "limit": 100})
        counts = [r.get("max_participants") for r in recordings.get("data") or [] if isinstance(r, dict)]
        known = [c for c in counts if isinstance(c, int)]
        return max(known) if known else None

    def recordings(self, meeting_id: str) -> list[ProviderRecording]:
        answer = self.client.get("recordings", params={"room_name": meeting_id, "limit": 100})
        found = []
        for item in answer.get("data") or []:
            if isinstance(item, dict) and item.get("status") == "finished":
                found.append(self.recording(str(item["id"]), item))
        return found

    def recording(self, recording_id: str, item: dict[str, Any] | None = None) -> ProviderRecording:
        safe_id = quote(recording_id, safe="")
        item = item if item is not None else self.client.get(f"recordings/{safe_id}")
        link = _not_found_is_ours(lambda: self.client.get(f"recordings/{safe_id}/access-link"), "such recording")
        start_ts = item.get("start_ts")
        return ProviderRecording(
            recording_id=recording_id,
            download_url=str(link["download_link"]),
            duration=int(item["duration"]) if isinstance(item.get("duration"), int | float) else None,
            recorded_at=_iso(start_ts) if isinstance(start_ts, int | float) else None,
        )


# --- Zoom ---------------------------------------------------------------------------------


class ZoomToken:
    """The Server-to-Server OAuth token, cached per process until shortly before it expires."""

    MARGIN_SECONDS = 60
    _lock = threading.Lock()
    _cached: tuple[str, float, str] | None = None  # token, expires at (monotonic), account

    def __init__(self, oauth: ServiceClient, account_id: str) -> None:
        self.oauth = oauth
        self.account_id = account_id

    def get(self) -> str:
        with self._lock:
            cached = ZoomToken._cached
            if cached is not None and cached[2] == self.account_id and cached[1] > time.monotonic():
                return cached[0]
            answer = self.oauth.post("token", data={"grant_type": "account_credentials", "account_id": self.account_id})
            if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
                raise UpstreamError("zoom answered a token request without a token")
            lifetime = float(answer.get("expires_in") or 0) - self.MARGIN_SECONDS
            ZoomToken._cached = (answer["access_token"], time.monotonic() + max(lifetime, 0), self.account_id)
            return str(answer["access_token"])

    @classmethod
    def forget(cls) -> None:
        with cls._lock:
            cls._cached = None


class ZoomProvider:
    name = "zoom"

    def __init__(self) -> None:
        config.check_required(required_settings("zoom"))
        client_id = config.require(config.ZOOM_CLIENT_ID)
        secret = config.require(config.ZOOM_CLIENT_SECRET)
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        oauth_url = str(config.get(config.ZOOM_OAUTH_URL, "https://zoom.us/oauth/") or "https://zoom.us/oauth/")
        oauth = ServiceClient("zoom-oauth", oauth_url, headers={"Authorization": f"Basic {basic}"}, retries=1)
        self.token = ZoomToken(oauth, config.require(config.ZOOM_ACCOUNT_ID))
        base = str(config.get(config.ZOOM_API_BASE, "https://api.zoom.us/v2") or "https://api.zoom.us/v2")
        self.client = ServiceClient("zoom", base, auth_header=lambda: {"Authorization": f"Bearer {self.token.get()}"})

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call; a token Zoom no longer accepts is fetched again, once."""
        try:
            return self.client.request(method, path, **kwargs)
        except UpstreamError as exc:
            if _upstream_status(exc) != 401:
                raise
        ZoomToken.forget()
        return self.client.request(method, path, **kwargs)

    def create_meeting(self, *, room: str, topic: str, start: datetime, duration_minutes: int, host: Host) -> Meeting:
        answer = self._call(
            "POST",
            "users/me/meetings",
            json={
                "topic": topic,
                "type": 2,
                "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "duration": duration_minutes,
                "timezone": "UTC",
                "settings": {"auto_recording": "cloud"},
            },
            idempotency_key=f"zoom-meeting-{room}",
        )
        return Meeting(
            meeting_id=str(answer["id"]), join_url=str(answer["join_url"]), start_url=str(answer["start_url"])
        )

    def end_meeting(self, meeting_id: str) -> None:
        _not_found_is_ours(
            lambda: self._call("PUT", f"meetings/{_zoom_id(meeting_id)}/status", json={"action": "end"}), "such meeting"
        )

    def participants(self, meeting_id: str) -> int | None:
        people: set[str] = set()
        token = ""
        for _ in range(100):  # 300 a page: 30,000 people at most
            params: dict[str, Any] = {"page_size": 300}
            if token:
                params["next_page_token"] = token
            try:
                answer = self._call("GET", f"past_meetings/{_zoom_id(meeting_id)}/participants", params=params)
            except UpstreamError as exc:
                if _upstream_status(exc) == 404:  # no report (yet) for a meeting nobody joined
                    return None
                raise
            for person in answer.get("participants") or []:
                if isinstance(person, dict):
                    # The same person rejoining is one person.
                    people.add(str(person.get("user_email") or person.get("id") or person.get("name") or ""))
            token = str(answer.get("next_page_token") or "")
            if not token:
                break
        people.discard("")
        return len(people)

    def recordings(self, meeting_id: str) -> list[ProviderRecording]:
        try:
            answer = self._call("GET", f"meetings/{_zoom_id(meeting_id)}/recordings")
        except UpstreamError as exc:
            if _upstream_status(exc) == 404:
                return []
            raise
        return zoom_recordings(answer, self.token.get())


def zoom_recordings(meeting: dict[str, Any], download_token: str, *, in_query: bool = False) -> list[ProviderRecording]:
    """The finished MP4 files of a Zoom recordings object (API answer or webhook payload).

    An API token goes in the Authorization header; a webhook's `download_token` in
    the `access_token` query parameter, as Zoom documents for it.
    """
    found = []
    for item in meeting.get("recording_files") or []:
        if not isinstance(item, dict) or item.get("file_type") != "MP4" or item.get("status") != "completed":
            continue
        start, end = item.get("recording_start"), item.get("recording_end")
        found.append(
            ProviderRecording(
                recording_id=str(item["id"]),
                download_url=_with_access_token(str(item["download_url"]), download_token)
                if in_query
                else str(item["download_url"]),
                download_headers={} if in_query else {"Authorization": f"Bearer {download_token}"},
                duration=_seconds_between(start, end),
                recorded_at=str(start) if start else None,
                size=int(item["file_size"]) if isinstance(item.get("file_size"), int) else None,
            )
        )
    return found


def _with_access_token(url: str, token: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'access_token': token})}"


def _zoom_id(meeting_id: str) -> str:
    # A meeting UUID starting with "/" or holding "//" must be encoded twice.
    once = quote(meeting_id, safe="")
    return quote(once, safe="") if meeting_id.startswith("/") or "//" in meeting_id else once


def _iso(unix_seconds: float) -> str:
    return datetime.fromtimestamp(unix_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seconds_between(start: Any, end: Any) -> int | None:
    try:
        began = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        ended = datetime.fromisoformat(str(end).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(int((ended - began).total_seconds()), 0)
