"""Course, with its modules and lessons. Anyone reads published courses, their lesson
content only with access to the course (`entities.access`); instructors write their
own; admins everything."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from entities.base import EntityModel, EntityType
from entities.search import course_tokens
from shared.auth import Caller
from shared.firestore import new_id


class _Identified(EntityModel):
    """A part of a course that other records point at, so it gets an id when it has none."""

    id_prefix: ClassVar[str]
    id: str | None = None

    @model_validator(mode="after")
    def _ensure_id(self) -> Self:
        if not self.id:
            self.id = new_id(self.id_prefix)
        return self


class QuizQuestion(EntityModel):
    question: str = Field(min_length=1, max_length=2000)
    options: list[str] = Field(default_factory=list, max_length=20)
    correct_answer: int | str | list[int] | None = None
    explanation: str | None = None


class Quiz(_Identified):
    id_prefix = "quiz"
    title: str | None = None
    questions: list[QuizQuestion] = Field(default_factory=list, max_length=200)
    passing_score: int = Field(default=70, ge=0, le=100)


class Lesson(_Identified):
    id_prefix = "les"
    title: str = Field(min_length=1, max_length=300)
    content: str | None = Field(default=None, max_length=200_000)
    duration: int | None = Field(default=None, ge=0, le=100_000)  # minutes
    video_url: str | None = None
    order: int | None = None


class Module(_Identified):
    id_prefix = "mod"
    title: str = Field(min_length=1, max_length=300)
    description: str | None = None
    order: int | None = None
    lessons: list[Lesson] = Field(default_factory=list, max_length=500)
    quiz: Quiz | None = None


class Course(EntityModel):
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    category: str | None = Field(default=None, max_length=100)
    level: Literal["beginner", "intermediate", "advanced"] | None = None
    price: float | None = Field(default=None, ge=0, le=100_000)  # dollars; 0 or None is free
    currency: str | None = Field(default=None, pattern=r"^[a-z]{3}$")
    is_published: bool = False
    instructor_email: str | None = None
    instructor_name: str | None = None
    thumbnail_url: str | None = None
    duration: int | None = Field(default=None, ge=0)  # minutes
    tags: list[str] = Field(default_factory=list, max_length=50)
    modules: list[Module] = Field(default_factory=list, max_length=200)
    final_project: dict[str, Any] | None = None
    organization_id: str | None = None
    skills: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list, max_length=30)
    slug: str | None = Field(default=None, max_length=120, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # unique
    short_description: str | None = Field(default=None, max_length=500)
    original_price: float | None = Field(default=None, ge=0, le=100_000)
    duration_hours: float | None = Field(default=None, ge=0, le=10_000)
    requirements: list[str] = Field(default_factory=list, max_length=50)
    what_you_learn: list[str] = Field(default_factory=list, max_length=50)
    target_audience: list[str] = Field(default_factory=list, max_length=50)
    access_days: int | None = Field(default=None, ge=1, le=36_500)  # how long an enrollment opens it; None: for good
    # Kept by the server: learners' ratings and enrollments (SERVER_FIELDS).
    rating: float = Field(default=0, ge=0, le=5)
    rating_count: int = Field(default=0, ge=0)
    rating_total: float = Field(default=0, ge=0)
    total_students: int = Field(default=0, ge=0)
    # Derived on every write: free or not, lesson ids (unique across courses) and the search index.
    is_free: bool = True
    lesson_ids: list[str] = Field(default_factory=list)
    search_index: dict[str, bool] = Field(default_factory=dict)  # token -> true (entities.search)

    @model_validator(mode="after")
    def _unique_ids(self) -> Course:
        seen: set[str] = set()
        for module in self.modules:
            for item in [module.id, *(lesson.id for lesson in module.lessons)]:
                if item in seen:
                    raise ValueError(f"duplicate module or lesson id {item}")
                seen.add(str(item))

        # Derived, whatever a writer sent: assigned quietly (validate_assignment would re-run this).
        object.__setattr__(self, "is_free", not self.price)
        object.__setattr__(self, "lesson_ids", [str(lesson.id) for m in self.modules for lesson in m.lessons])
        object.__setattr__(self, "search_index", dict.fromkeys(course_tokens(self), True))
        return self


def is_paid(course: dict[str, Any]) -> bool:
    return bool(course.get("price"))


def duration_hours(course: dict[str, Any]) -> float:
    """The course's stated hours, else its stated minutes, else the sum of its lessons' minutes.

    One answer for every listing (7P course list, detail and marketplace)."""
    if course.get("duration_hours") is not None:
        return float(course["duration_hours"])
    minutes = course.get("duration") or sum(
        int(lesson.get("duration") or 0) for m in course.get("modules") or [] for lesson in m.get("lessons") or []
    )
    return round(float(minutes) / 60, 1)


def lesson_ids(course: dict[str, Any]) -> list[str]:
    return [lesson["id"] for module in course.get("modules") or [] for lesson in module.get("lessons") or []]


def teaches(caller: Caller, course: dict[str, Any]) -> bool:
    return caller.email is not None and caller.email in (course.get("instructor_email"), course.get("created_by"))


def named_lesson_ids(data: dict[str, Any]) -> list[str]:
    """Lesson ids a writer names (ids the server generates are unique already)."""
    modules = data.get("modules")
    if not isinstance(modules, list):
        return []
    return [
        str(lesson["id"])
        for module in modules
        if isinstance(module, dict) and isinstance(module.get("lessons"), list)
        for lesson in module["lessons"]
        if isinstance(lesson, dict) and isinstance(lesson.get("id"), str)
    ]


SERVER_FIELDS = frozenset({"rating", "rating_count", "rating_total", "total_students"})
ENTITY = EntityType(
    name="Course",
    model=Course,
    id_prefix="crs",
    protected_fields=SERVER_FIELDS,
    # The catalogue: published courses by date, price or title; by category or level.
    indexes=(
        ("is_published", "price"),
        ("is_published", "title"),
        ("category", "created_date"),
        ("level", "title"),
    ),
)
