"""A learner's record, read within bounds: enrollments, the courses behind them, quiz scores.

Reads are the learner's own records (by `student_email`), never every enrollment of every
user; each query has a cap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from entities import store
from entities.access import ACCESS_STATUSES

MAX_ENROLLMENTS = 500
MAX_PROGRESS = 2000
LEVELS = ("beginner", "intermediate", "advanced")


@dataclass
class Taken:
    """One course in the learner's history."""

    course: dict[str, Any]
    completed: bool
    quiz_average: float | None

    @property
    def weight(self) -> float:
        """How much this course says about the learner: taking it 1, finishing it 1 more, quizzes up to 1."""
        return 1.0 + (1.0 if self.completed else 0.0) + (self.quiz_average or 0.0) / 100.0


@dataclass
class History:
    taken: list[Taken] = field(default_factory=list)
    enrolled_ids: set[str] = field(default_factory=set)  # every course the learner has, whatever its state


def of(student_email: str) -> History:
    enrollments = store.query("Enrollment", {"student_email": student_email}, limit=MAX_ENROLLMENTS)
    history = History(enrolled_ids={e["course_id"] for e in enrollments})
    active = [e for e in enrollments if e.get("status") in ACCESS_STATUSES]
    courses = store.find_all("Course", sorted({e["course_id"] for e in active})) if active else {}
    scores: dict[str, list[float]] = {}
    for record in store.query("Progress", {"student_email": student_email}, limit=MAX_PROGRESS):
        if record.get("quiz_score") is not None and record.get("course_id"):
            scores.setdefault(record["course_id"], []).append(float(record["quiz_score"]))
    for enrollment in active:
        course = courses.get(enrollment["course_id"])
        if course is None:
            continue
        done = enrollment.get("status") == "completed" or float(enrollment.get("progress_percent") or 0) >= 100
        quiz = scores.get(course["id"])
        history.taken.append(Taken(course, done, round(mean(quiz), 2) if quiz else None))
    return history


def level_index(level: Any) -> int | None:
    return LEVELS.index(level) if level in LEVELS else None
