"""Request models of the course exports."""

from __future__ import annotations

from shared.models import EntityId, RequestModel


class ExportCourseRequest(RequestModel):
    courseId: EntityId
