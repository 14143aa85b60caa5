"""Request models of the AI functions, and the shapes the model is asked to answer in.

The answer shapes are sent as strict JSON schemas (structured outputs), so every field is
required and free-form maps are lists; the functions check and convert what comes back.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from shared.models import Email, EntityId, RequestModel

Level = Literal["beginner", "intermediate", "advanced"]


class GenerateContentUpdatesRequest(RequestModel):
    topic: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    level: Level
    duration: int = Field(ge=15, le=600, description="Minutes the whole course takes")
    includeQuizzes: bool = True


class GenerateRecommendationsRequest(RequestModel):
    studentEmail: Email
    limit: int = Field(default=5, ge=1, le=20)


class GenerateProjectAssignmentRequest(RequestModel):
    courseId: EntityId
    difficulty: Level = "intermediate"


class GenerateCourseFeedbackRequest(RequestModel):
    studentEmail: Email
    courseId: EntityId


# --- what the model answers -------------------------------------------------------


class DraftQuestion(BaseModel):
    question: str
    options: list[str]
    correct_answer: int = Field(description="Zero-based index of the right option")
    explanation: str


class DraftQuiz(BaseModel):
    questions: list[DraftQuestion]


class DraftLesson(BaseModel):
    title: str
    content: str
    duration: int = Field(description="Minutes")


class DraftModule(BaseModel):
    title: str
    description: str
    lessons: list[DraftLesson]
    quiz: DraftQuiz | None


class DraftCourse(BaseModel):
    title: str
    description: str
    category: str
    tags: list[str]
    modules: list[DraftModule]


class RubricItem(BaseModel):
    criterion: str
    weight: int


class DraftProject(BaseModel):
    title: str
    description: str
    requirements: list[str]
    rubric: list[RubricItem]
    estimated_hours: int


class DraftFeedback(BaseModel):
    strengths: list[str]
    areas_for_improvement: list[str]
    recommended_next_steps: list[str]
