"""generateContentUpdates: a course drafted by the model from a topic, checked before anyone sees it.

The answer is a course `Course.create` accepts unchanged; it is never published here. The
model answers in a strict JSON schema; the draft is then checked (every quiz question has 2-6
distinct options and an answer that points at one of them, lesson durations sum to the
requested duration within 10%, titles are unique within a module, no empty content). Failed
checks go back to the model once; a second failure is a 502 listing them.
Limits: 3 generations per user per 24 hours, and the AI limit of 20 an hour.
"""

from __future__ import annotations

from typing import Any

from functions.ai import llm
from functions.ai.models import DraftCourse, GenerateContentUpdatesRequest
from functions.ai.responses import GenerateContentUpdatesResponse
from shared import config
from shared.auth import Caller, Role
from shared.router import Deploy, endpoint

NAME = "generateContentUpdates"
DURATION_TOLERANCE = 0.10
MIN_OPTIONS, MAX_OPTIONS = 2, 6
PASSING_SCORE = 70

INSTRUCTIONS = (
    "You design online courses. Draft a complete course on the topic in the data, for the level "
    "given, whose lesson durations (in minutes) add up to the total duration given. Split it into "
    "modules of lessons; each lesson has a title, its full teaching content and a duration. "
    "{quizzes} Titles are unique within a module; nothing is left empty."
)
WITH_QUIZZES = (
    "Each module ends with a quiz of 2-5 questions; each question has 2-6 distinct options and "
    "correct_answer is the zero-based index of the right option."
)
WITHOUT_QUIZZES = "Set every module's quiz to null."


def problems(draft: DraftCourse, body: GenerateContentUpdatesRequest) -> list[str]:
    """Why the draft cannot be shown, one sentence each; empty when it passes."""
    found: list[str] = []
    for label, text in (("course title", draft.title), ("course description", draft.description)):
        if not text.strip():
            found.append(f"The {label} is empty.")
    if not draft.modules:
        found.append("The course has no modules.")
    total = 0
    for m, module in enumerate(draft.modules, 1):
        where = f"Module {m}"
        if not module.title.strip():
            found.append(f"{where} has an empty title.")
        if not module.lessons:
            found.append(f"{where} has no lessons.")
        titles = [lesson.title.strip().casefold() for lesson in module.lessons]
        if len(set(titles)) != len(titles):
            found.append(f"{where} repeats a lesson title; titles must be unique within a module.")
        for n, lesson in enumerate(module.lessons, 1):
            if not lesson.title.strip() or not lesson.content.strip():
                found.append(f"{where}, lesson {n} has an empty title or content.")
            if lesson.duration <= 0:
                found.append(f"{where}, lesson {n} has a duration of {lesson.duration} minutes.")
            total += max(lesson.duration, 0)
        found.extend(_quiz_problems(where, module.quiz, body.includeQuizzes))
    if abs(total - body.duration) > DURATION_TOLERANCE * body.duration:
        found.append(
            f"The lesson durations add up to {total} minutes; they must add up to {body.duration} "
            f"(within {round(DURATION_TOLERANCE * 100)}%)."
        )
    return found


def _quiz_problems(where: str, quiz: Any, wanted: bool) -> list[str]:
    if not wanted:
        return [f"{where} has a quiz, but no quizzes were asked for."] if quiz is not None else []
    if quiz is None or not quiz.questions:
        return [f"{where} has no quiz questions."]
    found = []
    for q, question in enumerate(quiz.questions, 1):
        at = f"{where}, quiz question {q}"
        options = [option.strip().casefold() for option in question.options]
        if not question.question.strip():
            found.append(f"{at} is empty.")
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            found.append(f"{at} has {len(options)} options; it needs {MIN_OPTIONS}-{MAX_OPTIONS}.")
        if len(set(options)) != len(options) or not all(options):
            found.append(f"{at} has empty or repeated options.")
        if not 0 <= question.correct_answer < len(options):
            found.append(f"{at}: correct_answer {question.correct_answer} does not point at one of its options.")
    return found


def course_from(draft: DraftCourse, body: GenerateContentUpdatesRequest) -> dict[str, Any]:
    """The checked draft in the documented course shape, as plain text."""
    text = llm.plain
    modules: list[dict[str, Any]] = []
    for m, module in enumerate(draft.modules):
        lessons = [
            {
                "title": text(lesson.title),
                "content": text(lesson.content),
                "duration": lesson.duration,
                "video_url": None,
                "order": n,
            }
            for n, lesson in enumerate(module.lessons)
        ]
        quiz = None
        if body.includeQuizzes and module.quiz is not None:
            quiz = {
                "title": f"{text(module.title)}: quiz",
                "passing_score": PASSING_SCORE,
                "questions": [
                    {
                        "question": text(q.question),
                        "options": [text(o) for o in q.options],
                        "correct_answer": q.correct_answer,
                        "explanation": text(q.explanation),
                    }
                    for q in module.quiz.questions
                ],
            }
        modules.append(
            {
                "title": text(module.title),
                "description": text(module.description),
                "order": m,
                "lessons": lessons,
                "quiz": quiz,
            }
        )
    return {
        "title": text(draft.title),
        "description": text(draft.description),
        "category": text(draft.category)[:100],
        "level": body.level,
        "duration": sum(lesson["duration"] for module in modules for lesson in module["lessons"]),
        "tags": [text(tag)[:50] for tag in draft.tags if tag.strip()][:20],
        "is_published": False,
        "modules": modules,
    }


@endpoint(
    NAME,
    request=GenerateContentUpdatesRequest,
    response=GenerateContentUpdatesResponse,
    roles=(Role.INSTRUCTOR, Role.ADMIN),
    rate=("ai", NAME),
    settings=(config.OPENAI_API_KEY,),
    deploy=Deploy(memory="512Mi", timeout="300s"),
    tags=("AI",),
    errors=llm.ERRORS,
)
def generate_content_updates(body: GenerateContentUpdatesRequest, caller: Caller) -> dict[str, Any]:
    """A course drafted by the model, checked, unpublished."""

    def narrower(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "scope": "Keep it short: at most 3 modules of at most 3 lessons, each lesson's content brief."}

    draft = llm.generate(
        NAME,
        caller,
        DraftCourse,
        instructions=INSTRUCTIONS.format(quizzes=WITH_QUIZZES if body.includeQuizzes else WITHOUT_QUIZZES),
        data={"topic": body.topic, "level": body.level, "duration_minutes": body.duration},
        check=lambda d: problems(d, body),
        narrower=narrower,
    )
    return {"course": course_from(draft, body)}
