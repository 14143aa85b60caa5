"""Copying a meeting's recordings into our storage, as a job on the queue.

A webhook records the job and answers at once (Zoom wants its answer within three
seconds; a copy takes minutes); the `jobWorker` target copies. The job's id comes
from the provider's event, so a repeated event queues nothing new, and each
Recording's id from the provider's recording id, so a copy that is delivered again
(its worker died mid-file) writes each Recording once.
"""

from __future__ import annotations

import hashlib
from typing import Any

from entities import store
from functions.video import webhooks
from functions.video.providers import DailyProvider, ProviderRecording, zoom_recordings
from shared import jobs, queue

KIND = "recording_copy"


def job_id(scope: str, key: str) -> str:
    return "job_" + hashlib.sha256(f"{KIND}|{scope}|{key}".encode()).hexdigest()[:24]


def queue_zoom(video_session: dict[str, Any], key: str, meeting: dict[str, Any], download_token: str) -> str:
    """Queue the copy of a Zoom `recording.completed` event's files; the webhook's outcome."""
    params = {"provider": "zoom", "session_id": video_session["id"], "meeting": meeting, "token": download_token}
    return _queue(job_id("zoom-event", key), params)


def queue_daily(video_session: dict[str, Any], event_id: str, recording_id: str, item: dict[str, Any]) -> str:
    """Queue the copy of a Daily `recording.ready-to-download` event's file; the webhook's outcome."""
    params = {"provider": "daily", "session_id": video_session["id"], "recording_id": recording_id, "item": item}
    return _queue(job_id("daily-event", event_id), params)


def _queue(job: str, params: dict[str, Any]) -> str:
    _, created = queue.enqueue_once(job, KIND, params)
    return "queued" if created else "duplicate"


def run(job: dict[str, Any], params: dict[str, Any]) -> queue.Result:
    """The job's work: every recording of the event copied (those copied before are kept)."""
    video_session = store.get("VideoSession", str(params["session_id"]))
    found: list[ProviderRecording]
    if params["provider"] == "zoom":
        found = zoom_recordings(params["meeting"], download_token=str(params["token"]), in_query=True)
    else:
        found = [DailyProvider().recording(str(params["recording_id"]), params.get("item") or {})]
    jobs.report_progress(job["id"], 0, len(found))
    webhooks.copy_all(video_session, found, on_copied=lambda done: jobs.report_progress(job["id"], done, len(found)))
    return queue.Result()
