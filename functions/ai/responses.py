"""Response models of the AI functions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.models import ResponseModel

Level = Literal["beginner", "intermediate", "advanced"]


class GeneratedQuestion(ResponseModel):
    question: str
    options: list[str] = Field(min_length=2, max_length=6)
    correct_answer: int = Field(ge=0, le=5, description="Zero-based index into options")
    explanation: str


class GeneratedQuiz(ResponseModel):
    title: str
    passing_score: int = Field(ge=70, le=100)
    questions: list[GeneratedQuestion]


class GeneratedLesson(ResponseModel):
    title: str
    content: str
    duration: int = Field(ge=1, description="Minutes")
    video_url: None = None
    order: int


class GeneratedModule(ResponseModel):
    title: str
    description: str
    order: int
    lessons: list[GeneratedLesson]
    quiz: GeneratedQuiz | None


class GeneratedCourse(ResponseModel):
    """Accepted unchanged by `Course.create`; nothing generated is published."""

    title: str
    description: str
    category: str
    level: Level
    duration: int = Field(description="Minutes: the sum of the lessons' durations")
    tags: list[str]
    is_published: Literal[False] = False
    modules: list[GeneratedModule]


class GenerateContentUpdatesResponse(ResponseModel):
    course: GeneratedCourse


class Recommendation(ResponseModel):
    course_id: str
    title: str
    reason: str
    match_score: float = Field(ge=0, le=1)


class GenerateRecommendationsResponse(ResponseModel):
    recommendations: list[Recommendation]


class Project(ResponseModel):
    title: str
    description: str
    requirements: list[str]
    rubric: dict[str, int] = Field(description="Criterion to weight; the weights are integers summing to 100")
    estimated_hours: int = Field(ge=1, le=80)
    difficulty: Level


class GenerateProjectAssignmentResponse(ResponseModel):
    project: Project


class Feedback(ResponseModel):
    overall_performance: Literal["excellent", "good", "fair", "needs_improvement"]
    strengths: list[str]
    areas_for_improvement: list[str]
    recommended_next_steps: list[str]
    completion_percentage: float = Field(ge=0, le=100)
    quiz_average: float | None = Field(ge=0, le=100, description="Mean best score of the quizzes taken")
    quizzes_taken: int = Field(ge=0)
    lessons_per_week: float = Field(ge=0, description="Completed lessons per week since enrolment")
    pace: Literal["ahead", "on_track", "behind", "not_started"]


class GenerateCourseFeedbackResponse(ResponseModel):
    feedback: Feedback
