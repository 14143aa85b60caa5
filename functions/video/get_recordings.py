"""getRecordings: a course's session recordings, newest first (documented function 14).

Role: students enrolled in the course, its instructor and admins. Each recording
links to our copy through a signed, expiring URL (never the provider's). Paginated:
`limit` (1-100, default 20) and the `next_cursor` of the previous page as `cursor`.
Reads Course, Enrollment, Recording.
"""

from __future__ import annotations

from typing import Any

from entities import access, store
from functions.video import recordings
from functions.video.models import GetRecordingsRequest
from functions.video.responses import GetRecordingsResponse
from shared.auth import Caller
from shared.errors import ForbiddenError
from shared.router import endpoint
from shared.storage import blob_store


@endpoint(
    "getRecordings",
    deploy=recordings.LINKS_DEPLOY,
    request=GetRecordingsRequest,
    response=GetRecordingsResponse,
    read_only=True,
)
def get_recordings(body: GetRecordingsRequest, caller: Caller) -> dict[str, Any]:
    course = store.get("Course", body.courseId)
    if access.views(caller, [course]).get(course["id"], access.View.OUTLINE) < access.View.CONTENT:
        raise ForbiddenError("Recordings are for the course's students, its instructor and admins")
    page = store.page(
        "Recording", {"course_id": course["id"]}, sort="-recorded_at", limit=body.limit, cursor=body.cursor
    )
    return {"recordings": [_view(item) for item in page["items"]], "next_cursor": page["next_cursor"]}


def _view(recording: dict[str, Any]) -> dict[str, Any]:
    store_ = blob_store()
    thumbnail = recording.get("thumbnail_path")
    return {
        "id": recording["id"],
        "session_id": recording["session_id"],
        "title": recording["title"],
        "duration": recording.get("duration"),
        "recorded_at": recording.get("recorded_at"),
        "size": recording["size"],
        "url": store_.signed_url(recording["file_path"], download_name=f"{recording['id']}.mp4"),
        "thumbnail_url": store_.signed_url(thumbnail) if thumbnail else None,
    }
