"""Progress: a student's record of one lesson, or of one module's quiz, in one enrollment.

One document per (enrollment, lesson) and per (enrollment, module quiz): its id is
derived from that pair, so completing a lesson twice still counts once, and creating
the record of a lesson already recorded updates it (the seed's "Update Progress" is a
`Progress.create`), checked as an update. Quiz results
(best score in percent, passed, attempts) are written by the server only
(`submitQuiz` grades the answers); students write their lessons' completion and time.

Course completion is derived from these records, never typed in: `completion()`
compares them with the course as it is now, and `recompute_enrollment()` stores the
result on the enrollment (`progress_percent`, `completed_at`, `status`). A lesson added
later is simply a lesson with no record, so the percentage follows the course.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, model_validator

from entities.base import EntityModel, EntityType

# Quizzes must be passed at this score or better, whatever lower bar a course sets.
MIN_PASSING_SCORE = 70
# Enrollment states completion may move between; cancelled/refunded/expired stay as they are.
OPEN_STATUSES = ("active", "completed")


class Progress(EntityModel):
    enrollment_id: str = Field(min_length=1, max_length=128)
    module_id: str | None = Field(default=None, max_length=128)
    lesson_id: str | None = Field(default=None, max_length=128)
    completed: bool = False
    completed_at: str | None = None
    time_spent_seconds: int = Field(default=0, ge=0, le=10_000_000)
    quiz_score: float | None = Field(default=None, ge=0, le=100)  # best score, percent
    quiz_last_score: float | None = Field(default=None, ge=0, le=100)
    quiz_passed: bool | None = None
    quiz_attempts: int = Field(default=0, ge=0, le=100_000)
    last_accessed: str | None = None
    student_email: str | None = None
    course_id: str | None = None
    progress_percent: float | None = Field(default=None, ge=0, le=100)  # of the lesson, as the learner reports it
    notes: str | None = Field(default=None, max_length=10_000)
    # A score the learner's own client reports: kept, never counted toward a quiz, completion
    # or a certificate (only `submitQuiz`, graded on the server, writes `quiz_score`).
    reported_quiz_score: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _lesson_or_quiz(self) -> Progress:
        if not self.lesson_id and not self.module_id:
            raise ValueError("a progress record names a lesson_id, or a module_id for the module's quiz")
        return self


def progress_id(enrollment_id: str, *, lesson_id: str | None = None, module_id: str | None = None) -> str:
    """The one id of a lesson's record, or (no lesson) of a module quiz's record."""
    key = f"lesson:{lesson_id}" if lesson_id else f"quiz:{module_id}"
    return "prg_" + hashlib.sha256(f"{enrollment_id}|{key}".encode()).hexdigest()[:24]


def _natural_id(data: dict[str, Any]) -> str:
    return progress_id(str(data["enrollment_id"]), lesson_id=data.get("lesson_id"), module_id=data.get("module_id"))


# --- the course's shape ----------------------------------------------------------------


def find_lesson(course: dict[str, Any], lesson_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(module, lesson) of a lesson in the course, or None."""
    for module in course.get("modules") or []:
        for lesson in module.get("lessons") or []:
            if lesson.get("id") == lesson_id:
                return module, lesson
    return None


def find_quiz_module(course: dict[str, Any], module_id: str) -> dict[str, Any] | None:
    modules: list[dict[str, Any]] = course.get("modules") or []
    for module in modules:
        if module.get("id") == module_id and module.get("quiz"):
            return module
    return None


def passing_score(quiz: dict[str, Any]) -> float:
    return float(max(MIN_PASSING_SCORE, int(quiz.get("passing_score") or MIN_PASSING_SCORE)))


@dataclass
class Completion:
    """Where an enrollment stands against the course as it is now."""

    total_lessons: int
    completed_lessons: int
    missing_lessons: list[dict[str, Any]] = field(default_factory=list)
    quizzes_below: list[dict[str, Any]] = field(default_factory=list)

    @property
    def percent(self) -> float:
        if self.total_lessons == 0:
            return 0.0
        return round(100.0 * self.completed_lessons / self.total_lessons, 2)

    @property
    def complete(self) -> bool:
        return self.total_lessons > 0 and not self.missing_lessons and not self.quizzes_below

    def missing(self) -> dict[str, Any]:
        """What stands between the student and a certificate (empty when complete)."""
        out: dict[str, Any] = {}
        if self.total_lessons == 0:
            out["course"] = "The course has no lessons yet"
        if self.missing_lessons:
            out["lessons_not_completed"] = self.missing_lessons
        if self.quizzes_below:
            out["quizzes_not_passed"] = self.quizzes_below
        return out


def completion(course: dict[str, Any], records: list[dict[str, Any]]) -> Completion:
    """Completed lessons / lessons of the course, and every quiz passed (70%+)."""
    done = {r["lesson_id"] for r in records if r.get("lesson_id") and r.get("completed")}
    quiz_records = {r["module_id"]: r for r in records if not r.get("lesson_id") and r.get("module_id")}
    result = Completion(total_lessons=0, completed_lessons=0)
    for module in course.get("modules") or []:
        for lesson in module.get("lessons") or []:
            result.total_lessons += 1
            if lesson.get("id") in done:
                result.completed_lessons += 1
            else:
                result.missing_lessons.append(
                    {"module_id": module.get("id"), "lesson_id": lesson.get("id"), "title": lesson.get("title")}
                )
        quiz = module.get("quiz")
        if quiz:
            record = quiz_records.get(module.get("id"))
            best = record.get("quiz_score") if record else None
            required = passing_score(quiz)
            if best is None or float(best) < required:
                result.quizzes_below.append(
                    {
                        "module_id": module.get("id"),
                        "title": quiz.get("title") or module.get("title"),
                        "best_score": best,
                        "required_score": required,
                        "attempts": record.get("quiz_attempts", 0) if record else 0,
                    }
                )
    return result


ENTITY = EntityType(
    name="Progress",
    model=Progress,
    id_prefix="prg",
    protected_fields=frozenset(
        {"quiz_score", "quiz_last_score", "quiz_passed", "quiz_attempts", "student_email", "course_id"}
    ),
    natural_id=_natural_id,
    upsert=True,
    indexes=(("enrollment_id", "created_date"),),  # an enrollment's lessons in the order they were done
)
