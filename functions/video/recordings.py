"""Copying a provider's finished recording into our blob storage, as a stream.

The file is read from the provider in chunks and written on as it arrives, so a
recording of any size costs one chunk of memory. The Recording record is written
only once the copy is whole; its id comes from the provider's recording id, so a
second copy of the same recording finds the first and stops.
"""

from __future__ import annotations

from typing import Any

from entities import store
from entities.recording import recording_id
from functions.video.providers import ProviderRecording
from shared import config, logging
from shared.errors import ConflictError, NotFoundError, ServiceUnavailableError, UpstreamError
from shared.outbound import BUSY_STATUSES, redact_url, session
from shared.router import Deploy
from shared.storage import blob_store

# The bucket the certificates use too: one bucket for the files the product keeps (named by the deploy plan).
BUCKET_ENV = ((config.STORAGE_BUCKET, config.BUCKET_FROM_PLAN),)
# Functions that sign links to recordings.
LINKS_DEPLOY = Deploy(env=BUCKET_ENV)
CHUNK_BYTES = 1024 * 1024
# Connecting may take this long; then each read of the body may wait this long.
DOWNLOAD_TIMEOUT = (10.0, 60.0)
DOWNLOAD_RETRIES = 2


def recording_path(course_id: str, rec_id: str) -> str:
    return f"recordings/{course_id}/{rec_id}.mp4"


def copy(video_session: dict[str, Any], found: ProviderRecording) -> dict[str, Any]:
    """Our Recording for the provider's recording, copied now unless it was before."""
    rec_id = recording_id(video_session["provider"], found.recording_id)
    if (existing := store.find("Recording", rec_id)) is not None:
        return existing
    path = recording_path(video_session["course_id"], rec_id)
    size = download_into(path, found.download_url, found.download_headers, found.content_type)
    data = {
        "session_id": video_session["id"],
        "course_id": video_session["course_id"],
        "title": video_session["title"],
        "duration": found.duration,
        "recorded_at": found.recorded_at or video_session.get("scheduled_for"),
        "size": size,
        "file_path": path,
        "provider": video_session["provider"],
        "provider_recording_id": found.recording_id,
    }
    try:
        return store.create("Recording", data, created_by=None, id=rec_id)
    except ConflictError:  # a concurrent copy of the same recording landed first
        return store.get("Recording", rec_id)


def download_into(path: str, url: str, headers: dict[str, str], content_type: str) -> int:
    """Stream `url` into blob storage at `path`; its size in bytes."""
    import requests

    http = session("video-recording", retries=DOWNLOAD_RETRIES)
    try:
        response = http.get(url, headers=headers, stream=True, timeout=DOWNLOAD_TIMEOUT)
    except requests.RequestException as exc:
        logging.warning("recording download failed", url=redact_url(url), error_type=type(exc).__name__)
        raise ServiceUnavailableError("The meeting provider's recording is unreachable; retry shortly") from exc
    with response:
        status = response.status_code
        details = {"service": "video-recording", "upstream_status": status}
        if status == 404:
            raise NotFoundError("The meeting provider has no such recording", details=details)
        if status in BUSY_STATUSES:
            raise ServiceUnavailableError("The meeting provider is busy; retry shortly", details=details)
        if status >= 400:
            raise UpstreamError("The meeting provider refused the recording download", details=details)
        try:
            return blob_store().put_stream(path, response.iter_content(CHUNK_BYTES), content_type)
        except requests.RequestException as exc:
            raise ServiceUnavailableError("The recording download broke off; retry shortly") from exc
