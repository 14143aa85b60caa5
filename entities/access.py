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

Plans make TIERS: an active `monthly` or `annual` subscription is PREMIUM (every published
course may be enrolled in without payment, source `subscription`), `enterprise` is
ENTERPRISE (the organization's licence), no subscription is FREE (free courses only, at
most `FREE_TIER_COURSE_LIMIT` active ones). An enrollment that came from a subscription
opens its course only while the caller's tier still includes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from entities import store
from entities.course import is_paid, teaches
from entities.enrollment import SUBSCRIBED_SOURCES
from entities.licences import lapsed
from entities.query import FIRESTORE_IN_LIMIT
from shared import config
from shared.auth import Caller
from shared.errors import ForbiddenError


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

FREE, PREMIUM, ENTERPRISE = "free", "premium", "enterprise"
TIER_OF_PLAN = {"monthly": PREMIUM, "annual": PREMIUM, "enterprise": ENTERPRISE}
# Subscription states that still give the plan's tier; past_due keeps it while Stripe retries.
TIER_STATUSES = ("active", "trialing", "past_due")


def tier(email: str | None) -> str:
    """FREE, PREMIUM or ENTERPRISE: the best plan among the user's live subscriptions."""
    if not email:
        return FREE
    subs = store.query("Subscription", {"user_email": email, "status": list(TIER_STATUSES)}, limit=10)
    tiers = {TIER_OF_PLAN.get(str(s.get("plan")), FREE) for s in subs}
    return ENTERPRISE if ENTERPRISE in tiers else PREMIUM if PREMIUM in tiers else FREE


def enrollment_source(caller: Caller, course: dict[str, Any]) -> str:
    """How the caller may enroll in the course without paying: `free` or `subscription`.

    A paid course needs a plan (403 pointing to checkout otherwise); on the free tier a
    free course is refused once the caller holds the limit of active free enrollments.
    """
    level = tier(caller.email)
    if is_paid(course):
        if level == FREE:
            raise ForbiddenError(
                "This course is paid: enroll through checkout", details={"course_id": course.get("id")}
            )
        return "subscription"
    limit = config.free_tier_course_limit()
    if level == FREE and limit > 0:
        held = store.count("Enrollment", {"student_email": caller.email, "source": "free", "status": "active"})
        if held >= limit:
            raise ForbiddenError(
                f"The free tier allows {limit} active free courses: complete one or subscribe",
                details={"course_id": course.get("id"), "reason": "free_tier_limit", "limit": limit},
            )
    return "free"


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
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    opened = [
        e
        for e in enrollments
        if e.get("course_id") in wanted
        and e.get("status") in ACCESS_STATUSES
        and (not e.get("access_until") or str(e["access_until"]) > now)
    ]
    if any(e.get("source") in SUBSCRIBED_SOURCES for e in opened) and tier(caller.email) == FREE:
        opened = [e for e in opened if e.get("source") not in SUBSCRIBED_SOURCES]
    return {e["course_id"]: View.CONTENT for e in opened}


def _within_licence(enrollments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Enrollments an organization's licence paid for open the course only while the licence is in force."""
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
