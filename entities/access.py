"""Who has access to a course, and each course record as a given caller may see it.

A caller sees a course in one of three views:

- OUTLINE, for anyone who may see the course at all: the catalogue (title, description,
  price, level, tags...) and the outline (modules with their titles and descriptions,
  lessons with their titles, durations and order, each quiz's title and passing score).
- CONTENT, for those with access: the outline plus each lesson's `content` and
  `video_url`, the quizzes' questions and options, and `final_project`.
- FULL, for the course's instructor and admins: everything, answer keys included
  (`correct_answer`, `explanation`); quizzes are graded on the server, so students never
  need them.

Access comes from GRANTS, asked in order. Each grant answers for a whole batch of courses,
so a page of courses costs one query per grant, not one per course. Free courses follow
the same rule as paid ones: their content is for enrolled students.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from entities import store
from entities.course import teaches
from entities.query import FIRESTORE_IN_LIMIT
from shared.auth import Caller


class View(IntEnum):
    OUTLINE = 0
    CONTENT = 1
    FULL = 2


# Top-level course fields that hold more than the outline.
CONTENT_FIELDS = frozenset({"modules", "final_project"})
LESSON_CONTENT = frozenset({"content", "video_url"})
ANSWER_KEYS = frozenset({"correct_answer", "explanation"})
# Enrollment states that still open the course; cancelled, refunded and expired ones do not.
ACCESS_STATUSES = frozenset({"active", "completed"})

# A grant takes the caller and the courses not yet fully open to them, and answers the
# view it grants for each course id it opens.
Grant = Callable[[Caller, list[dict[str, Any]]], dict[str, View]]


def _administers(caller: Caller, courses: list[dict[str, Any]]) -> dict[str, View]:
    return {course["id"]: View.FULL for course in courses} if caller.is_admin else {}


def _teaches(caller: Caller, courses: list[dict[str, Any]]) -> dict[str, View]:
    return {course["id"]: View.FULL for course in courses if teaches(caller, course)}


def _enrolled(caller: Caller, courses: list[dict[str, Any]]) -> dict[str, View]:
    if not caller.email or not courses:
        return {}
    wanted = {course["id"] for course in courses}
    query: dict[str, Any] = {"student_email": caller.email}
    if len(wanted) <= FIRESTORE_IN_LIMIT:
        query["course_id"] = sorted(wanted)
    enrollments = store.query("Enrollment", query, limit=store.MAX_LIMIT)
    enrollments = _within_licence(enrollments)
    return {
        e["course_id"]: View.CONTENT
        for e in enrollments
        if e.get("course_id") in wanted and e.get("status") in ACCESS_STATUSES
    }


def _within_licence(enrollments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Enrollments an organization's licence paid for open the course only while the licence is in force."""
    from entities.licences import lapsed

    ended = lapsed(enrollments)
    return [e for e in enrollments if e["id"] not in ended] if ended else enrollments


GRANTS: tuple[Grant, ...] = (_administers, _teaches, _enrolled)


def views(caller: Caller, courses: list[dict[str, Any]]) -> dict[str, View]:
    """The view each course opens to the caller, by course id (OUTLINE when absent)."""
    granted: dict[str, View] = {}
    for grant in GRANTS:
        pending = [course for course in courses if granted.get(course["id"], View.OUTLINE) < View.FULL]
        if not pending:
            break
        for course_id, view in grant(caller, pending).items():
            granted[course_id] = max(granted.get(course_id, View.OUTLINE), view)
    return granted


def visible(caller: Caller, courses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The courses as the caller may see them (complete records in, trimmed copies out)."""
    granted = views(caller, courses)
    return [redact(course, granted.get(course["id"], View.OUTLINE)) for course in courses]


def redact(course: dict[str, Any], view: View) -> dict[str, Any]:
    """A copy of the course record without what `view` does not show."""
    if view is View.FULL:
        return course
    shown = dict(course)
    if isinstance(shown.get("modules"), list):
        shown["modules"] = [_module(module, view) for module in shown["modules"]]
    if view < View.CONTENT:
        shown.pop("final_project", None)
    return shown


def _module(module: Any, view: View) -> Any:
    if not isinstance(module, dict):
        return module
    shown = dict(module)
    if isinstance(shown.get("lessons"), list):
        hidden = frozenset() if view >= View.CONTENT else LESSON_CONTENT
        shown["lessons"] = [_without(lesson, hidden) for lesson in shown["lessons"]]
    if isinstance(shown.get("quiz"), dict):
        shown["quiz"] = _quiz(shown["quiz"], view)
    return shown


def _quiz(quiz: dict[str, Any], view: View) -> dict[str, Any]:
    if view < View.CONTENT:
        outline: dict[str, Any] = _without(quiz, frozenset({"questions"}))
        return outline
    questions = quiz.get("questions")
    if not isinstance(questions, list):
        return quiz
    return {**quiz, "questions": [_without(question, ANSWER_KEYS) for question in questions]}


def _without(item: Any, keys: frozenset[str]) -> Any:
    if not isinstance(item, dict) or not keys:
        return item
    return {k: v for k, v in item.items() if k not in keys}
