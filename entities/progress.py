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

from entities import store
from entities.base import EntityModel, EntityType, Policy, require_signed_in
from shared.auth import Caller
from shared.errors import ForbiddenError, InvalidInputError
from shared.firestore import now_iso
from shared.models import ID_PATTERN

# Quizzes must be passed at this score or better, whatever lower bar a course sets.
MIN_PASSING_SCORE = 70
# Enrollment states completion may move between; cancelled/refunded/expired stay as they are.
_OPEN_STATUSES = ("active", "completed")


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


def records_of(enrollment_id: str) -> list[dict[str, Any]]:
    return store.query("Progress", {"enrollment_id": enrollment_id}, sort="created_date", limit=store.MAX_LIMIT)


def recompute_enrollment(enrollment_id: str, *, accessed: bool = False) -> tuple[dict[str, Any], Completion]:
    """Store the derived progress on the enrollment; returns it with the completion."""
    enrollment = store.get("Enrollment", enrollment_id)
    course = store.get("Course", enrollment["course_id"])
    records = records_of(enrollment_id)
    result = completion(course, records)
    # Learning time and quiz scores kept on the enrollment, so organizations read them in aggregate.
    spent = sum(int(r.get("time_spent_seconds") or 0) for r in records)
    changes: dict[str, Any] = {"progress_percent": result.percent, "time_spent_seconds": spent}
    scores = [float(r["quiz_score"]) for r in records if not r.get("lesson_id") and r.get("quiz_score") is not None]
    changes["quiz_score_average"] = round(sum(scores) / len(scores), 2) if scores else None
    status = enrollment.get("status", "active")
    if result.complete:
        changes["completed_at"] = enrollment.get("completed_at") or now_iso()
        if status in _OPEN_STATUSES:
            changes["status"] = "completed"
    else:
        # A course that grew (a lesson added) is no longer complete until the new part is done.
        changes["completed_at"] = None
        if status in _OPEN_STATUSES:
            changes["status"] = "active"
    if accessed:
        changes["last_accessed"] = now_iso()
        if enrollment.get("organization_id"):
            from entities.organization import touch_member

            touch_member(enrollment["organization_id"], enrollment["student_email"], changes["last_accessed"])
    if all(enrollment.get(k) == v for k, v in changes.items()):
        return enrollment, result
    return store.update("Enrollment", enrollment_id, changes), result


def recompute_course(course_id: str) -> int:
    """Recompute every enrollment of a course (after its lessons or quizzes change)."""
    enrollments = store.query("Enrollment", {"course_id": course_id}, limit=store.MAX_LIMIT)
    for enrollment in enrollments:
        recompute_enrollment(enrollment["id"])
    return len(enrollments)


# --- who may write what ----------------------------------------------------------------


def writable_enrollment(caller: Caller, enrollment_id: Any) -> dict[str, Any]:
    """The enrollment if the caller is its student or an admin; 400/403 otherwise."""
    require_signed_in(caller)
    if not isinstance(enrollment_id, str) or not enrollment_id:
        raise InvalidInputError(
            "enrollment_id is required",
            details={"fields": [{"field": "enrollment_id", "type": "missing", "message": "enrollment_id is required"}]},
        )
    enrollment = store.find("Enrollment", enrollment_id) if ID_PATTERN.match(enrollment_id) else None
    if enrollment is None:
        raise InvalidInputError("Unknown enrollment", details={"enrollment_id": enrollment_id})
    if not caller.is_admin and not caller.owns(enrollment.get("student_email")):
        raise ForbiddenError("Not your enrollment")
    if enrollment.get("status") not in _OPEN_STATUSES:
        raise ForbiddenError("This enrollment is not active", details={"enrollment_status": enrollment.get("status")})
    return enrollment


class ProgressPolicy(Policy):
    def read_scope(self, caller: Caller) -> dict[str, Any] | None:
        require_signed_in(caller)
        return None if caller.is_admin else {"student_email": caller.email}

    def check_create(self, caller: Caller, data: dict[str, Any]) -> dict[str, Any]:
        enrollment = writable_enrollment(caller, data.get("enrollment_id"))
        course = store.get("Course", enrollment["course_id"])
        lesson_id = data.get("lesson_id")
        if lesson_id:
            found = find_lesson(course, str(lesson_id))
            if found is None:
                raise InvalidInputError("This lesson is not part of the course", details={"lesson_id": lesson_id})
            module, _ = found
            if data.get("module_id") not in (None, module.get("id")):
                raise InvalidInputError("The lesson belongs to another module", details={"module_id": module.get("id")})
            data = {**data, "module_id": module.get("id")}
        elif not caller.is_admin:
            raise ForbiddenError("Quiz results are recorded by submitQuiz")
        now = now_iso()
        if data.get("completed") and not data.get("completed_at"):
            data = {**data, "completed_at": now}
        return {
            **data,
            "student_email": enrollment["student_email"],
            "course_id": enrollment["course_id"],
            "last_accessed": now,
        }

    def check_update(self, caller: Caller, existing: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        require_signed_in(caller)
        if not caller.is_admin and not caller.owns(existing.get("student_email")):
            raise ForbiddenError("Not your progress")
        for key in ("enrollment_id", "student_email", "course_id", "lesson_id", "module_id"):
            if key in changes and changes[key] != existing.get(key):
                raise ForbiddenError(f"{key} cannot be changed")
        if changes.get("completed") and existing.get("completed"):
            # Completing again counts once: the first completion time stands.
            changes = {**changes, "completed_at": existing.get("completed_at")}
        elif changes.get("completed") and not changes.get("completed_at"):
            changes = {**changes, "completed_at": now_iso()}
        elif changes.get("completed") is False:
            changes = {**changes, "completed_at": None}
        return {**changes, "last_accessed": now_iso()}

    def check_delete(self, caller: Caller, existing: dict[str, Any]) -> None:
        self.check_update(caller, existing, {})

    def after_write(self, record: dict[str, Any]) -> None:
        recompute_enrollment(record["enrollment_id"], accessed=True)


ENTITY = EntityType(
    name="Progress",
    model=Progress,
    id_prefix="prg",
    policy=ProgressPolicy(),
    protected_fields=frozenset(
        {"quiz_score", "quiz_last_score", "quiz_passed", "quiz_attempts", "student_email", "course_id"}
    ),
    natural_id=_natural_id,
    upsert=True,
)
