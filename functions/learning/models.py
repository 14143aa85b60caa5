"""Request models of the learning functions (unknown fields refused)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

ID = r"^[A-Za-z0-9_-]{1,128}$"
Answer = int | str | list[int] | None


class RecordProgressRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enrollmentId: str = Field(pattern=ID)
    lessonId: str = Field(pattern=ID)
    completed: bool = True
    timeSpentSeconds: int = Field(default=0, ge=0, le=24 * 3600)


class SubmitQuizRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enrollmentId: str = Field(pattern=ID)
    moduleId: str = Field(pattern=ID)
    answers: list[Answer] = Field(max_length=200)
