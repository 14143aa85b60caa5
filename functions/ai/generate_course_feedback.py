"""generateCourseFeedback: how a student is doing in a course, from their learning record.

Role: the student, the course's instructor, or an admin. The figures are computed, never
asked of the model:

- `completion_percentage`: completed lessons / lessons of the course;
- `quiz_average`: the mean of the best scores of the quizzes taken (null when none);
- `lessons_per_week`: completed lessons per week since enrolment (at least one day counted);
- `pace`: against finishing in `EXPECTED_WEEKS` weeks: `ahead` at 1.25 times that rate or
  more (or finished), `on_track` from 0.75, else `behind`; `not_started` before a first lesson;
- `overall_performance`, from 0.6 * completion + 0.4 * quiz average (completion alone without
  quizzes): `excellent` from 85, `good` from 70, `fair` from 50, else `needs_improvement`.

Strengths, areas for improvement and next steps are written by the model from those figures
(sent as data) when a key is configured, else from templates.
"""

from __future__ import annotations

from datetime import UTC, datetime
from statistics import mean
from typing import Any

from entities import learning, progress, store
from entities.course import teaches
from entities.enrollment import enrollment_id
from functions.ai import llm
from functions.ai.models import DraftFeedback, GenerateCourseFeedbackRequest
from functions.ai.responses import GenerateCourseFeedbackResponse
from shared.auth import Caller
from shared.errors import ForbiddenError, NotFoundError
from shared.router import Deploy, endpoint

NAME = "generateCourseFeedback"
EXPECTED_WEEKS = 4
PERFORMANCE = ((85.0, "excellent"), (70.0, "good"), (50.0, "fair"), (0.0, "needs_improvement"))
ITEMS = (1, 5)

INSTRUCTIONS = (
    "You are a supportive tutor. From the figures in the data about one student in one course, "
    "write 1-5 strengths, 1-5 areas for improvement and 1-5 recommended next steps, each one "
    "short sentence, grounded in those figures and the course outline. Do not invent figures."
)


def _parse(ts: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(ts).replace("Z", "+00:00"))
    except ValueError:
        return None


def figures(course: dict[str, Any], enrollment: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    records = learning.records_of(enrollment["id"])
    done = progress.completion(course, records)
    scores = [float(r["quiz_score"]) for r in records if r.get("quiz_score") is not None and not r.get("lesson_id")]
    quiz_average = round(mean(scores), 2) if scores else None
    started = _parse(enrollment.get("enrolled_at")) or _parse(enrollment.get("created_date")) or datetime.now(UTC)
    days = max(((now or datetime.now(UTC)) - started).total_seconds() / 86400, 1.0)
    per_week = round(done.completed_lessons / (days / 7), 2)
    expected = done.total_lessons / EXPECTED_WEEKS if done.total_lessons else 0.0
    if done.completed_lessons == 0:
        pace = "not_started"
    elif done.percent >= 100 or per_week >= 1.25 * expected:
        pace = "ahead"
    elif per_week >= 0.75 * expected:
        pace = "on_track"
    else:
        pace = "behind"
    overall = done.percent if quiz_average is None else 0.6 * done.percent + 0.4 * quiz_average
    return {
        "overall_performance": next(label for floor, label in PERFORMANCE if overall >= floor),
        "completion_percentage": done.percent,
        "quiz_average": quiz_average,
        "quizzes_taken": len(scores),
        "lessons_per_week": per_week,
        "pace": pace,
        "lessons_left": [item["title"] for item in done.missing_lessons[:5]],
        "quizzes_below_passing": [item["title"] for item in done.quizzes_below[:5]],
    }


def from_templates(facts: dict[str, Any]) -> dict[str, list[str]]:
    strengths, improve, steps = [], [], []
    completion, quiz, pace = facts["completion_percentage"], facts["quiz_average"], facts["pace"]
    if completion >= 50:
        strengths.append(f"You have completed {completion:g}% of the course.")
    if quiz is not None and quiz >= 80:
        strengths.append(f"Strong quiz results: an average of {quiz:g}%.")
    if pace in ("ahead", "on_track"):
        strengths.append("Consistent progress through the lessons.")
    if quiz is not None and quiz < 70:
        improve.append(f"Quiz average of {quiz:g}%: review the lessons before retaking quizzes.")
    if pace == "behind":
        improve.append(f"Pace: {facts['lessons_per_week']:g} lessons a week; set aside regular study time.")
    if facts["quizzes_below_passing"]:
        improve.append("Quizzes not yet passed: " + ", ".join(facts["quizzes_below_passing"]) + ".")
    if facts["lessons_left"]:
        steps.append(f"Continue with: {facts['lessons_left'][0]}.")
    if completion >= 100:
        steps.append("Take a course at the next level.")
    if pace == "not_started":
        steps.append("Start with the first lesson.")
    return {
        "strengths": strengths or ["You have enrolled and can start at your own pace."],
        "areas_for_improvement": improve or ["Keep your current rhythm."],
        "recommended_next_steps": steps or ["Review the course outline and pick the next lesson."],
    }


def _text_problems(draft: DraftFeedback) -> list[str]:
    found = []
    for name in ("strengths", "areas_for_improvement", "recommended_next_steps"):
        items = getattr(draft, name)
        if not ITEMS[0] <= len(items) <= ITEMS[1] or not all(item.strip() for item in items):
            found.append(f"{name} needs {ITEMS[0]}-{ITEMS[1]} non-empty items.")
    return found


def written(caller: Caller, course: dict[str, Any], facts: dict[str, Any]) -> dict[str, list[str]]:
    if not llm.configured():
        return from_templates(facts)
    draft = llm.generate(
        NAME,
        caller,
        DraftFeedback,
        instructions=INSTRUCTIONS,
        data={"course": str(course.get("title") or ""), "figures": facts},
        check=_text_problems,
    )
    return {
        name: [llm.plain(item) for item in getattr(draft, name)]
        for name in ("strengths", "areas_for_improvement", "recommended_next_steps")
    }


@endpoint(
    NAME,
    request=GenerateCourseFeedbackRequest,
    response=GenerateCourseFeedbackResponse,
    rate=("ai",),  # not read-only: the limit is settled before any model call is paid for
    deploy=Deploy(timeout="120s"),
    tags=("AI",),
    errors=(ForbiddenError, NotFoundError, *llm.ERRORS),
)
def generate_course_feedback(body: GenerateCourseFeedbackRequest, caller: Caller) -> dict[str, Any]:
    """Feedback on a student's progress in a course."""
    course = store.find("Course", body.courseId)
    if course is None:
        raise NotFoundError("Course not found", details={"course_id": body.courseId})
    if not (caller.is_admin or caller.owns(body.studentEmail) or teaches(caller, course)):
        raise ForbiddenError("Feedback is for the student, the course's instructor and admins")
    enrollment = store.find("Enrollment", enrollment_id(course["id"], body.studentEmail))
    if enrollment is None:
        raise NotFoundError("The student is not enrolled in this course", details={"course_id": body.courseId})
    facts = figures(course, enrollment)
    shown = {k: v for k, v in facts.items() if k not in ("lessons_left", "quizzes_below_passing")}
    return {"feedback": {**shown, **written(caller, course, facts)}}
