"""submitQuiz: a student's answers to a module's quiz, graded on the server.

Role: the enrollment's student or an admin. The score is the percentage of gradable
questions answered correctly; the best score counts, and a quiz is passed at its
passing score, never below 70%. Every submission is an attempt. Writes Progress and
the enrollment's derived progress.
"""

from __future__ import annotations

from typing import Any

from domain.learning.records import enrollment_summary, upsert
from entities import learning, progress, store
from functions.learning.models import SubmitQuizRequest
from functions.learning.responses import SubmitQuizResponse
from shared.auth import Caller
from shared.errors import InvalidInputError
from shared.firestore import now_iso
from shared.router import endpoint


def _is_correct(question: dict[str, Any], answer: Any) -> bool:
    expected = question.get("correct_answer")
    options = question.get("options") or []
    if isinstance(expected, list):
        return isinstance(answer, list) and sorted(answer) == sorted(expected)
    if isinstance(expected, int) and not isinstance(expected, bool):
        if isinstance(answer, int) and not isinstance(answer, bool):
            return answer == expected
        return isinstance(answer, str) and 0 <= expected < len(options) and answer.strip() == options[expected].strip()
    if isinstance(expected, str):
        if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(options):
            answer = options[answer]
        return isinstance(answer, str) and answer.strip().casefold() == expected.strip().casefold()
    return False


def grade(quiz: dict[str, Any], answers: list[Any]) -> float:
    """Percent of gradable questions (those with a correct answer) answered correctly."""
    questions = quiz.get("questions") or []
    if len(answers) > len(questions):
        raise InvalidInputError("More answers than questions", details={"questions": len(questions)})
    gradable = [
        (q, answers[i] if i < len(answers) else None)
        for i, q in enumerate(questions)
        if q.get("correct_answer") is not None
    ]
    if not gradable:
        return 100.0
    right = sum(1 for q, a in gradable if _is_correct(q, a))
    return round(100.0 * right / len(gradable), 2)


@endpoint("submitQuiz", response=SubmitQuizResponse, request=SubmitQuizRequest, rate=("entity",))
def submit_quiz(body: SubmitQuizRequest, caller: Caller) -> dict[str, Any]:
    enrollment = learning.writable_enrollment(caller, body.enrollmentId)
    course = store.get("Course", enrollment["course_id"])
    module = progress.find_quiz_module(course, body.moduleId)
    if module is None:
        raise InvalidInputError("This module has no quiz in the course", details={"module_id": body.moduleId})
    quiz = module["quiz"]
    score = grade(quiz, body.answers)
    required = progress.passing_score(quiz)
    now = now_iso()
    new = {
        "enrollment_id": enrollment["id"],
        "module_id": body.moduleId,
        "lesson_id": None,
        "completed": score >= required,
        "completed_at": now if score >= required else None,
        "quiz_score": score,
        "quiz_last_score": score,
        "quiz_passed": score >= required,
        "quiz_attempts": 1,
        "last_accessed": now,
        "student_email": enrollment["student_email"],
        "course_id": enrollment["course_id"],
    }

    def change(existing: dict[str, Any]) -> dict[str, Any]:
        best = max(float(existing.get("quiz_score") or 0), score)
        passed = best >= required
        return {
            "quiz_score": best,
            "quiz_last_score": score,
            "quiz_passed": passed,
            "quiz_attempts": int(existing.get("quiz_attempts") or 0) + 1,
            "completed": passed,
            "completed_at": existing.get("completed_at") or (now if passed else None),
            "last_accessed": now,
        }

    record = upsert(progress.progress_id(enrollment["id"], module_id=body.moduleId), new, change, by=caller.email)
    updated, _ = learning.recompute_enrollment(enrollment["id"], accessed=True)
    return {
        "score": score,
        "best_score": record["quiz_score"],
        "passed": bool(record["quiz_passed"]),
        "required_score": required,
        "attempts": record["quiz_attempts"],
        "enrollment": enrollment_summary(updated),
    }
