"""The learning record: who may write progress, idempotent completion, graded quizzes,
and completion derived from the record when the course changes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.certificates.conftest import ALL_LESSONS, APP, call, complete_lessons
from tests.helpers import bearer


def progress_docs(db: Any) -> list[dict[str, Any]]:
    return [s.to_dict() for s in db.collection("Progress").stream()]


def enrollment_of(world: dict[str, Any]) -> dict[str, Any]:
    from entities import store

    return store.get("Enrollment", world["enrollment"]["id"])


def test_entity_progress_for_a_lesson_not_in_the_course_is_400(gateway: Any, world: dict[str, Any], db: Any) -> None:
    resp = gateway.post(
        f"{APP}/entities/Progress",
        json={"enrollment_id": world["enrollment"]["id"], "lesson_id": "les_alien", "completed": True},
        headers=bearer(world["tokens"]["student"]),
    )
    assert resp.status_code == 400
    assert resp.get_json()["details"] == {"lesson_id": "les_alien"}
    assert progress_docs(db) == []


def test_entity_progress_on_another_students_enrollment_is_403(gateway: Any, world: dict[str, Any], db: Any) -> None:
    resp = gateway.post(
        f"{APP}/entities/Progress",
        json={"enrollment_id": world["enrollment"]["id"], "lesson_id": "les_what", "completed": True},
        headers=bearer(world["tokens"]["other"]),
    )
    assert resp.status_code == 403
    assert progress_docs(db) == []


def test_entity_progress_cannot_set_quiz_results(gateway: Any, world: dict[str, Any], db: Any) -> None:
    resp = gateway.post(
        f"{APP}/entities/Progress",
        json={
            "enrollment_id": world["enrollment"]["id"],
            "module_id": "mod_basics",
            "quiz_score": 100,
            "quiz_passed": True,
        },
        headers=bearer(world["tokens"]["student"]),
    )
    assert resp.status_code == 403
    assert progress_docs(db) == []


def test_entity_progress_twice_counts_once_and_updates_enrollment(gateway: Any, world: dict[str, Any], db: Any) -> None:
    complete_lessons(gateway, world["enrollment"], world["tokens"]["student"], ["les_what"])
    [first] = progress_docs(db)
    again = gateway.post(  # the seed's "Update Progress": a create of a lesson already recorded
        f"{APP}/entities/Progress",
        json={"enrollment_id": world["enrollment"]["id"], "lesson_id": "les_what", "completed": True, "notes": "ok"},
        headers=bearer(world["tokens"]["student"]),
    )
    assert again.status_code == 201, again.get_json()
    assert (again.get_json()["id"], again.get_json()["notes"]) == (first["id"], "ok")
    [doc] = progress_docs(db)
    assert doc["completed_at"] == first["completed_at"]  # the first completion time stands
    assert (doc["lesson_id"], doc["module_id"], doc["completed"], doc["student_email"]) == (
        "les_what",
        "mod_basics",
        True,
        world["student"]["email"],
    )
    assert doc["completed_at"]
    enrollment = enrollment_of(world)
    assert enrollment["progress_percent"] == pytest.approx(33.33)
    assert enrollment["completed_at"] is None and enrollment["last_accessed"]


def test_creating_a_recorded_lesson_again_is_checked_as_an_update(gateway: Any, world: dict[str, Any], db: Any) -> None:
    complete_lessons(gateway, world["enrollment"], world["tokens"]["student"], ["les_what"])
    [before] = progress_docs(db)
    for body, status in (
        ({"lesson_id": "les_what", "quiz_score": 100}, 403),  # server-only field
        ({"lesson_id": "les_what", "student_email": "someone@else.test"}, 403),
        ({"lesson_id": "les_what", "module_id": "mod_other"}, 400),
    ):
        answer = gateway.post(
            f"{APP}/entities/Progress",
            json={"enrollment_id": world["enrollment"]["id"], **body},
            headers=bearer(world["tokens"]["student"]),
        )
        assert answer.status_code == status, (body, answer.get_json())
    assert progress_docs(db) == [before]


def test_record_progress_is_idempotent_and_accumulates_time(gateway: Any, world: dict[str, Any], db: Any) -> None:
    payload = {"enrollmentId": world["enrollment"]["id"], "lessonId": "les_state", "timeSpentSeconds": 300}
    first = call(gateway, "recordProgress", payload, world["tokens"]["student"])
    second = call(gateway, "recordProgress", payload, world["tokens"]["student"])
    assert first.status_code == second.status_code == 200
    a, b = first.get_json(), second.get_json()
    assert a["progress"]["completed_at"] == b["progress"]["completed_at"]
    assert b["progress"]["time_spent_seconds"] == 600
    assert a["enrollment"]["progress_percent"] == b["enrollment"]["progress_percent"] == pytest.approx(33.33)
    assert len(progress_docs(db)) == 1
    wrong = call(gateway, "recordProgress", {**payload, "lessonId": "les_alien"}, world["tokens"]["student"])
    assert wrong.status_code == 400
    other = call(gateway, "recordProgress", payload, world["tokens"]["other"])
    assert other.status_code == 403
    assert len(progress_docs(db)) == 1


def test_submit_quiz_grades_keeps_best_and_counts_attempts(gateway: Any, world: dict[str, Any], db: Any) -> None:
    base = {"enrollmentId": world["enrollment"]["id"], "moduleId": "mod_basics"}
    wrong = call(gateway, "submitQuiz", {**base, "answers": [1]}, world["tokens"]["student"])
    assert wrong.status_code == 200
    assert {k: wrong.get_json()[k] for k in ("score", "best_score", "passed", "required_score", "attempts")} == {
        "score": 0,
        "best_score": 0,
        "passed": False,
        "required_score": 70,
        "attempts": 1,
    }
    right = call(gateway, "submitQuiz", {**base, "answers": ["useState"]}, world["tokens"]["student"])
    assert right.get_json()["passed"] is True and right.get_json()["attempts"] == 2
    worse = call(gateway, "submitQuiz", {**base, "answers": [1]}, world["tokens"]["student"])
    assert (worse.get_json()["score"], worse.get_json()["best_score"], worse.get_json()["passed"]) == (0, 100, True)
    [doc] = [d for d in progress_docs(db) if d.get("module_id") == "mod_basics" and not d.get("lesson_id")]
    assert (doc["quiz_score"], doc["quiz_last_score"], doc["quiz_attempts"], doc["quiz_passed"]) == (100, 0, 3, True)
    no_quiz = call(
        gateway, "submitQuiz", {**base, "moduleId": "mod_effects", "answers": []}, world["tokens"]["student"]
    )
    assert no_quiz.status_code == 400
    too_many = call(gateway, "submitQuiz", {**base, "answers": [0, 1]}, world["tokens"]["student"])
    assert too_many.status_code == 400


def test_completion_follows_the_course_when_a_lesson_is_added(gateway: Any, world: dict[str, Any]) -> None:
    from entities import store
    from tests.certificates.conftest import course_doc

    complete_lessons(gateway, world["enrollment"], world["tokens"]["student"], ALL_LESSONS)
    call(
        gateway,
        "submitQuiz",
        {"enrollmentId": world["enrollment"]["id"], "moduleId": "mod_basics", "answers": [0]},
        world["tokens"]["student"],
    )
    done = enrollment_of(world)
    assert (done["progress_percent"], done["status"]) == (100, "completed") and done["completed_at"]

    # The instructor adds a lesson through the entity API.
    modules = course_doc(world["instructor"]["email"])["modules"]
    modules[1]["lessons"].append({"id": "les_cleanup", "title": "Effect cleanup"})
    resp = gateway.put(
        f"{APP}/entities/Course/{world['course']['id']}",
        json={"modules": modules},
        headers=bearer(world["tokens"]["instructor"]),
    )
    assert resp.status_code == 200
    # THEN the enrollment was re-derived by the course write itself
    grown = enrollment_of(world)
    assert (grown["progress_percent"], grown["status"], grown["completed_at"]) == (75, "active", None)
    refused = call(
        gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"]
    )
    assert refused.status_code == 400
    assert refused.get_json()["details"]["missing"] == {
        "lessons_not_completed": [{"module_id": "mod_effects", "lesson_id": "les_cleanup", "title": "Effect cleanup"}]
    }
    # Completing the new lesson completes the course again.
    complete_lessons(gateway, world["enrollment"], world["tokens"]["student"], ["les_cleanup"])
    assert enrollment_of(world)["progress_percent"] == 100
    assert (
        call(
            gateway, "generateCertificate", {"enrollmentId": world["enrollment"]["id"]}, world["tokens"]["student"]
        ).status_code
        == 200
    )
    assert store.get("Enrollment", world["enrollment"]["id"])["status"] == "completed"


def test_grade_rules() -> None:
    from functions.learning.submit_quiz import grade

    quiz = {
        "questions": [
            {"question": "a", "options": ["x", "y"], "correct_answer": 1},
            {"question": "b", "options": ["p", "q"], "correct_answer": "Q"},
            {"question": "c", "options": ["1", "2", "3"], "correct_answer": [0, 2]},
            {"question": "d (survey)", "options": [], "correct_answer": None},
        ]
    }
    assert grade(quiz, [1, "q", [2, 0], "anything"]) == 100
    assert grade(quiz, ["y", 1, [0]]) == pytest.approx(66.67)
    assert grade(quiz, [True, None, None]) == 0
    assert grade({"questions": []}, []) == 100
