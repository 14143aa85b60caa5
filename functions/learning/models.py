"""Request models of the learning functions (unknown fields refused)."""

from __future__ import annotations

from pydantic import Field

from shared.models import EntityId, RequestModel

Answer = int | str | list[int] | None


class RecordProgressRequest(RequestModel):
    enrollmentId: EntityId
    lessonId: EntityId
    completed: bool = True
    timeSpentSeconds: int = Field(default=0, ge=0, le=24 * 3600)


class SubmitQuizRequest(RequestModel):
    enrollmentId: EntityId
    moduleId: EntityId
    answers: list[Answer] = Field(max_length=200)
