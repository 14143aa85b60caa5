"""Response models of the learning functions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from entities.responses import ProgressRecord
from shared.models import ResponseModel


class EnrollmentSummary(ResponseModel):
    """The enrollment's derived progress after the write."""

    id: str
    progress_percent: float = Field(ge=0, le=100)
    status: Literal["active", "completed", "cancelled", "refunded", "expired", "suspended"]
    completed_at: str | None = Field(description="When every requirement was first met; null until then")
    last_accessed: str | None


class RecordProgressResponse(ResponseModel):
    progress: ProgressRecord  # type: ignore[valid-type]
    enrollment: EnrollmentSummary


class SubmitQuizResponse(ResponseModel):
    score: float = Field(ge=0, le=100, description="This attempt, in percent")
    best_score: float = Field(ge=0, le=100, description="Best attempt so far, in percent")
    passed: bool = Field(description="Whether the best score reaches the required score")
    required_score: float = Field(ge=70, le=100, description="Passing score in percent (never below 70)")
    attempts: int = Field(ge=1)
    enrollment: EnrollmentSummary
