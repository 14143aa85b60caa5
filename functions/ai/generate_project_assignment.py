"""generateProjectAssignment: a final project for a course, grounded in its modules and lessons.

Role: the course's instructor, an admin, or a student enrolled in it. The module and lesson
titles go to the model as data. Checked before it is answered (then repaired once, else 502):
3-10 requirements, rubric criteria unique with integer weights summing to 100, and
`estimated_hours` within `HOURS[difficulty]`.
"""

from __future__ import annotations

import re
from typing import Any

from entities import store
from entities.access import ACCESS_STATUSES
from entities.course import teaches
from entities.enrollment import enrollment_id
from functions.ai import llm
from functions.ai.models import DraftProject, GenerateProjectAssignmentRequest
from functions.ai.responses import GenerateProjectAssignmentResponse
from shared import config
from shared.auth import Caller
from shared.errors import ForbiddenError, NotFoundError
from shared.router import Deploy, endpoint

NAME = "generateProjectAssignment"
HOURS = {"beginner": (2, 8), "intermediate": (6, 20), "advanced": (15, 40)}
REQUIREMENTS = (3, 10)
MAX_OUTLINE_ITEMS = 200  # lesson titles sent; a larger course is summarised by its first ones

INSTRUCTIONS = (
    "You design final projects for online courses. Write one project for the course in the data, "
    "at the difficulty given, that practises what its modules and lessons teach. Give {low}-{high} "
    "concrete requirements, a rubric of 3-6 criteria (snake_case names) whose integer weights add "
    "up to 100, and estimated_hours between {hours_low} and {hours_high}."
)


def _criterion(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().casefold()).strip("_")[:60]


def problems(draft: DraftProject, difficulty: str) -> list[str]:
    found = []
    if not draft.title.strip() or not draft.description.strip():
        found.append("The title and description must not be empty.")
    requirements = [r for r in draft.requirements if r.strip()]
    if not REQUIREMENTS[0] <= len(requirements) <= REQUIREMENTS[1] or len(requirements) != len(draft.requirements):
        found.append(f"Give {REQUIREMENTS[0]}-{REQUIREMENTS[1]} requirements, none empty.")
    names = [_criterion(item.criterion) for item in draft.rubric]
    if not draft.rubric or len(set(names)) != len(names) or not all(names):
        found.append("Rubric criteria must be present, named and unique.")
    if any(item.weight <= 0 for item in draft.rubric) or sum(item.weight for item in draft.rubric) != 100:
        total = sum(item.weight for item in draft.rubric)
        found.append(f"Rubric weights must be positive integers adding up to 100; they add up to {total}.")
    low, high = HOURS[difficulty]
    if not low <= draft.estimated_hours <= high:
        found.append(f"estimated_hours is {draft.estimated_hours}; for {difficulty} it must be {low}-{high}.")
    return found


def outline(course: dict[str, Any], limit: int = MAX_OUTLINE_ITEMS) -> list[dict[str, Any]]:
    modules, left = [], limit
    for module in course.get("modules") or []:
        lessons = [str(lesson.get("title") or "") for lesson in (module.get("lessons") or [])[: max(left, 0)]]
        left -= len(lessons)
        modules.append({"module": str(module.get("title") or ""), "lessons": lessons})
    return modules


def may_use(caller: Caller, course: dict[str, Any]) -> bool:
    if caller.is_admin or teaches(caller, course):
        return True
    if not caller.email:
        return False
    enrollment = store.find("Enrollment", enrollment_id(course["id"], caller.email))
    return enrollment is not None and enrollment.get("status") in ACCESS_STATUSES


@endpoint(
    NAME,
    request=GenerateProjectAssignmentRequest,
    response=GenerateProjectAssignmentResponse,
    rate=("ai",),  # not read-only: the limit is settled before any model call is paid for
    settings=(config.OPENAI_API_KEY,),
    deploy=Deploy(memory="512Mi", timeout="120s"),
    tags=("AI",),
    errors=(ForbiddenError, NotFoundError, *llm.ERRORS),
)
def generate_project_assignment(body: GenerateProjectAssignmentRequest, caller: Caller) -> dict[str, Any]:
    """A final project for a course, from its outline."""
    course = store.find("Course", body.courseId)
    allowed = course is not None and may_use(caller, course)
    if course is None or (not allowed and not course.get("is_published")):
        # An unpublished course stays unknown to whoever may not use it.
        raise NotFoundError("Course not found", details={"course_id": body.courseId})
    if not allowed:
        raise ForbiddenError("Projects are for the course's instructor, admins and enrolled students")
    low, high = HOURS[body.difficulty]
    data = {
        "course": str(course.get("title") or ""),
        "description": str(course.get("description") or "")[:2000],
        "level": course.get("level"),
        "difficulty": body.difficulty,
        "outline": outline(course),
    }
    draft = llm.generate(
        NAME,
        caller,
        DraftProject,
        instructions=INSTRUCTIONS.format(low=REQUIREMENTS[0], high=REQUIREMENTS[1], hours_low=low, hours_high=high),
        data=data,
        check=lambda d: problems(d, body.difficulty),
        narrower=lambda d: {**d, "outline": outline(course, 30), "scope": "Keep the description brief."},
    )
    return {
        "project": {
            "title": llm.plain(draft.title),
            "description": llm.plain(draft.description),
            "requirements": [llm.plain(r) for r in draft.requirements],
            "rubric": {_criterion(item.criterion): item.weight for item in draft.rubric},
            "estimated_hours": draft.estimated_hours,
            "difficulty": body.difficulty,
        }
    }
