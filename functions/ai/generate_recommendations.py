"""generateRecommendations: published courses a student does not have, ranked from data.

Role: the student themself, or an admin for anyone. The ranking never asks the model.

    match_score = 0.40 * category + 0.25 * tags + 0.20 * level + 0.15 * popularity

- category: the share of the student's history (each course weighted 1, +1 when completed,
  + its quiz average / 100) in the course's category;
- tags: the share of the course's tags found among the tags of the student's courses;
- level: 1 at the student's next level (one above the highest completed, when its quizzes
  averaged 80% or more or it had none; else that level; beginner without history), 0.5 one
  level away or unknown, 0 two levels away;
- popularity: log(1 + enrollments) / log(1 + the most enrollments among the shortlist), counted
  for the best-placed `SHORTLIST_FACTOR * limit` courses only.

The reason names the course of the student's history the recommendation comes from.
Reads are bounded: the student's own records, at most `MAX_CANDIDATES` published courses (their
catalogue fields only), one count per shortlisted course.
"""

from __future__ import annotations

import math
from typing import Any

from entities import store
from functions.ai import history
from functions.ai.history import History, Taken, level_index
from functions.ai.models import GenerateRecommendationsRequest
from functions.ai.responses import GenerateRecommendationsResponse
from shared.auth import Caller
from shared.errors import ForbiddenError
from shared.router import endpoint

WEIGHTS = {"category": 0.40, "tags": 0.25, "level": 0.20, "popularity": 0.15}
MAX_CANDIDATES = 500
SHORTLIST_FACTOR = 3
STEP_UP_QUIZ_AVERAGE = 80.0
CATALOGUE_FIELDS = ["title", "category", "level", "tags"]


def _tags(course: dict[str, Any]) -> set[str]:
    return {str(t).strip().casefold() for t in course.get("tags") or [] if str(t).strip()}


def _category(course: dict[str, Any]) -> str | None:
    value = course.get("category")
    return str(value).strip().casefold() if value else None


def target_level(past: History) -> int:
    completed = [t for t in past.taken if t.completed and level_index(t.course.get("level")) is not None]
    if completed:
        top = max(completed, key=lambda t: level_index(t.course.get("level")) or 0)
        base = level_index(top.course.get("level")) or 0
        ready = top.quiz_average is None or top.quiz_average >= STEP_UP_QUIZ_AVERAGE
        return min(base + (1 if ready else 0), 2)
    started = [level_index(t.course.get("level")) for t in past.taken]
    known = [i for i in started if i is not None]
    return max(known) if known else 0


def components(course: dict[str, Any], past: History, target: int) -> dict[str, float]:
    total = sum(t.weight for t in past.taken)
    category = _category(course)
    same = sum(t.weight for t in past.taken if category and _category(t.course) == category)
    tags = _tags(course)
    known_tags = set().union(*(_tags(t.course) for t in past.taken)) if past.taken else set()
    level = level_index(course.get("level"))
    return {
        "category": same / total if total else 0.0,
        "tags": len(tags & known_tags) / len(tags) if tags else 0.0,
        "level": 0.5 if level is None else {0: 1.0, 1: 0.5}.get(abs(level - target), 0.0),
        "popularity": 0.0,
    }


def score(parts: dict[str, float]) -> float:
    return round(min(1.0, max(0.0, sum(WEIGHTS[k] * v for k, v in parts.items()))), 2)


def reason(course: dict[str, Any], past: History, target: int) -> str:
    """The history the recommendation comes from, in words."""
    tags, category = _tags(course), _category(course)

    def closeness(taken: Taken) -> float:
        same = 1.0 if category and _category(taken.course) == category else 0.0
        return (same + len(tags & _tags(taken.course))) * taken.weight

    source = max(past.taken, key=closeness, default=None)
    level = history.LEVELS[target]
    if source is None:
        return f"A popular {level} course to start with"
    if closeness(source) == 0:
        return f"A {level} course, the next step after {source.course.get('title')}"
    title = source.course.get("title")
    if source.completed:
        scored = f" (quiz average {source.quiz_average:g}%)" if source.quiz_average is not None else ""
        return f"Based on your completion of {title}{scored}"
    return f"Because you are taking {title}"


def recommend(student_email: str, limit: int) -> list[dict[str, Any]]:
    past = history.of(student_email)
    target = target_level(past)
    catalogue = store.query("Course", {"is_published": True}, fields=CATALOGUE_FIELDS, limit=MAX_CANDIDATES)
    candidates = [c for c in catalogue if c["id"] not in past.enrolled_ids]
    scored = [(c, components(c, past, target)) for c in candidates]
    scored.sort(key=lambda item: (-score(item[1]), str(item[0].get("title")), item[0]["id"]))
    shortlist = scored[: SHORTLIST_FACTOR * limit]
    counts = {c["id"]: store.count("Enrollment", {"course_id": c["id"]}) for c, _ in shortlist}
    most = max(counts.values(), default=0)
    for course, parts in shortlist:
        parts["popularity"] = math.log1p(counts[course["id"]]) / math.log1p(most) if most else 0.0
    shortlist.sort(key=lambda item: (-score(item[1]), str(item[0].get("title")), item[0]["id"]))
    return [
        {
            "course_id": course["id"],
            "title": str(course.get("title") or ""),
            "reason": reason(course, past, target),
            "match_score": score(parts),
        }
        for course, parts in shortlist[:limit]
    ]


@endpoint(
    "generateRecommendations",
    request=GenerateRecommendationsRequest,
    response=GenerateRecommendationsResponse,
    rate=("ai",),
    read_only=True,
    tags=("AI",),
)
def generate_recommendations(body: GenerateRecommendationsRequest, caller: Caller) -> dict[str, Any]:
    """Courses for a student, ranked from their history and the catalogue."""
    if not (caller.is_admin or caller.owns(body.studentEmail)):
        raise ForbiddenError("Students see their own recommendations")
    return {"recommendations": recommend(body.studentEmail, body.limit)}
