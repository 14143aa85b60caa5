"""The 7P surface's course and lesson routes (seed 001, Courses and Lessons).

`/api/courses...` and `/api/lessons/{lessonId}/progress` over the same records as the
Base44 functions: enrolling goes through the Enrollment entity's own rule (free courses,
or any published course on a plan; the free tier's limit), progress through the same
`record_lesson` as `recordProgress`, so a lesson completed on either surface is completed
on both. A `quiz_score` sent here is kept as self-reported and never counts.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from domain.learning.ratings import rate_course
from domain.learning.records import record_lesson
from entities import access, api, learning, store
from entities.accounts import user_by_email
from entities.course import duration_hours
from entities.enrollment import SUBSCRIBED_SOURCES, enrollment_id
from rest import commerce_responses as responses
from rest.surface import rest_route
from shared.auth import Caller
from shared.errors import (
    AlreadyEnrolledError,
    ConflictError,
    CourseAccessDeniedError,
    CourseNotFoundError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from shared.firestore import existing_data, io
from shared.http import Reply
from shared.models import EntityId, RequestModel

_ID = {"courseId": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,128}$"}}
_LESSON = {"lessonId": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,128}$"}}


class CourseProgressRequest(RequestModel):
    lesson_id: EntityId
    progress_percentage: float = Field(ge=0, le=100)
    completed: bool
    time_spent_seconds: int = Field(ge=0, le=24 * 3600)


class LessonProgressRequest(RequestModel):
    progress_percentage: float = Field(ge=0, le=100)
    time_spent_seconds: int = Field(ge=0, le=24 * 3600)
    completed: bool
    quiz_score: float | None = Field(default=None, ge=0, le=100, description="Self-reported; never counts")
    notes: str | None = Field(default=None, max_length=10_000)


# --- views ------------------------------------------------------------------------------


def instructor_of(course: dict[str, Any], cache: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    email = str(course.get("instructor_email") or "")
    if email not in cache:
        cache[email] = user_by_email(email) if email else None
    user = cache[email] or {}
    return {
        "id": user.get("id"),
        "display_name": user.get("full_name") or course.get("instructor_name") or "",
        "bio": user.get("bio"),
        "avatar_url": user.get("avatar_url"),
    }


def total_lessons(course: dict[str, Any]) -> int:
    return sum(len(m.get("lessons") or []) for m in course.get("modules") or [])


def _card(course: dict[str, Any]) -> dict[str, Any]:
    """What both the list and the detail show of a course."""
    return {
        "id": course["id"],
        "title": course.get("title") or "",
        "slug": course.get("slug"),
        "description": course.get("description"),
        "short_description": course.get("short_description"),
        "thumbnail_url": course.get("thumbnail_url"),
        "level": course.get("level"),
        "duration_hours": duration_hours(course),
        "total_lessons": total_lessons(course),
        "rating": float(course.get("rating") or 0),
    }


def summary(course: dict[str, Any], cache: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """What a list shows of a course."""
    teacher = instructor_of(course, cache)
    return {
        **_card(course),
        "instructor": {"display_name": teacher["display_name"], "avatar_url": teacher["avatar_url"]},
        "category": {"name": course.get("category")},
    }


def _lesson_type(lesson: dict[str, Any]) -> str:
    """A lesson with a video is a video lesson, else text; a module's quiz is listed as a quiz lesson."""
    return "video" if lesson.get("video_url") else "text"


def detail(course: dict[str, Any], done: set[str]) -> dict[str, Any]:
    modules = []
    for m_index, module in enumerate(course.get("modules") or []):
        lessons = [
            {
                "id": lesson["id"],
                "title": lesson.get("title") or "",
                "type": _lesson_type(lesson),
                "duration_minutes": int(lesson.get("duration") or 0),
                "order_index": lesson.get("order") if lesson.get("order") is not None else index,
                "is_completed": lesson["id"] in done,
            }
            for index, lesson in enumerate(module.get("lessons") or [])
        ]
        if module.get("quiz"):
            quiz = module["quiz"]
            lessons.append(
                {
                    "id": quiz["id"],
                    "title": quiz.get("title") or module.get("title") or "",
                    "type": "quiz",
                    "duration_minutes": 0,
                    "order_index": len(lessons),
                    "is_completed": quiz["id"] in done,
                }
            )
        modules.append(
            {
                "id": module["id"],
                "title": module.get("title") or "",
                "description": module.get("description"),
                "order_index": module.get("order") if module.get("order") is not None else m_index,
                "lessons": lessons,
            }
        )
    return {
        **_card(course),
        "price": float(course.get("price") or 0),
        "is_free": not course.get("price"),
        "modules": modules,
        "instructor": instructor_of(course, {}),
        "requirements": list(course.get("requirements") or []),
        "what_you_learn": list(course.get("what_you_learn") or []),
        "target_audience": list(course.get("target_audience") or []),
    }


def _completed(enrollment_id_: str, course: dict[str, Any]) -> set[str]:
    records = learning.records_of(enrollment_id_)
    done = {str(r["lesson_id"]) for r in records if r.get("lesson_id") and r.get("completed")}
    for module in course.get("modules") or []:
        quiz = module.get("quiz")
        record = next((r for r in records if not r.get("lesson_id") and r.get("module_id") == module.get("id")), None)
        if quiz and record and record.get("quiz_passed"):
            done.add(str(quiz["id"]))
    return done


def visible_course(caller: Caller, course_id: str) -> dict[str, Any]:
    """The course if the caller may see it at all (published, theirs, or an admin); 404 otherwise."""
    try:
        return api.get_record("Course", caller, course_id)
    except (NotFoundError, InvalidInputError):
        raise CourseNotFoundError("Course not found", details={"course_id": course_id}) from None


# --- routes -------------------------------------------------------------------------------


@rest_route("GET", "/courses", name="rest.courses.list", response=responses.UserCourses)
def list_courses(_body: Any, caller: Caller) -> dict[str, Any]:
    """The caller's enrolled courses with their progress, most recently accessed first."""
    enrollments = store.query(
        "Enrollment",
        {"student_email": caller.email, "status": list(access.ACCESS_STATUSES)},
        limit=store.MAX_LIMIT,
    )
    courses = store.find_all("Course", [e["course_id"] for e in enrollments])
    cache: dict[str, dict[str, Any] | None] = {}
    out = []
    for enrollment in enrollments:
        course = courses.get(enrollment["course_id"])
        if course is None:
            continue
        out.append(
            {
                **summary(course, cache),
                "progress": float(enrollment.get("progress_percent") or 0),
                "enrolled_at": enrollment.get("enrolled_at") or enrollment.get("created_date"),
                "last_accessed": enrollment.get("last_accessed"),
            }
        )
    out.sort(key=lambda c: str(c["last_accessed"] or c["enrolled_at"] or ""), reverse=True)
    return {"courses": out}


@rest_route("GET", "/courses/{courseId}", name="rest.courses.get", response=responses.CourseDetail, path_schemas=_ID)
def get_course(_body: Any, caller: Caller, courseId: str) -> dict[str, Any]:
    """A course's outline: modules and lessons in order, which the caller completed, instructor and audience."""
    course = visible_course(caller, courseId)
    done = _completed(enrollment_id(courseId, caller.email), course) if caller.email else set()
    return {"course": detail(course, done)}


@rest_route(
    "POST",
    "/courses/{courseId}/enroll",
    name="rest.courses.enroll",
    response=responses.Enrolled,
    status=201,
    path_schemas=_ID,
    errors=(ForbiddenError, NotFoundError, ConflictError),
)
def enroll(_body: Any, caller: Caller, courseId: str) -> Reply:
    """Enroll in a free course, or in any published course on a monthly or annual plan.

    A paid course without a plan is a 403 naming checkout; enrolled already is a 409; the free
    tier holds a limited number of active free courses (403).
    """
    course = visible_course(caller, courseId)
    if not course.get("is_published"):
        raise CourseNotFoundError("Course not found", details={"course_id": courseId})
    try:
        created = api.create_record("Enrollment", caller, {"course_id": courseId, "student_email": caller.email})
    except ConflictError:
        raise AlreadyEnrolledError("Already enrolled in this course", details={"course_id": courseId}) from None
    except ForbiddenError as refused:  # paid without a plan, or the free tier's limit
        pointer = {"checkout": "course"} if course.get("price") else {}
        raise CourseAccessDeniedError(refused.message, details={**refused.details, **pointer}) from None
    until = created.get("access_until")
    if until is None and created.get("source") in SUBSCRIBED_SOURCES:
        live = store.query("Subscription", {"user_email": caller.email, "status": list(access.TIER_STATUSES)}, limit=10)
        until = max((str(s.get("expires_at")) for s in live if s.get("expires_at")), default=None)
    enrollment = {
        "user_id": caller.user_id,
        "course_id": courseId,
        "enrolled_at": created.get("enrolled_at") or created["created_date"],
        "access_until": until,
        "source": created.get("source"),
    }
    return Reply({"success": True, "message": "Successfully enrolled in course", "enrollment": enrollment}, status=201)


def _enrollment_for(caller: Caller, course_id: str) -> str:
    found = store.find("Enrollment", enrollment_id(course_id, caller.email or ""))
    if found is None:
        raise CourseAccessDeniedError("Not enrolled in this course", details={"course_id": course_id})
    return str(found["id"])


@rest_route(
    "PUT",
    "/courses/{courseId}/progress",
    name="rest.courses.progress",
    request=CourseProgressRequest,
    response=responses.CourseProgressAnswer,
    path_schemas=_ID,
    errors=(ForbiddenError, NotFoundError),
)
def course_progress(body: CourseProgressRequest, caller: Caller, courseId: str) -> dict[str, Any]:
    """Progress in one lesson of the course; answers the course's progress after it."""
    record, enrollment, completion = record_lesson(
        caller,
        _enrollment_for(caller, courseId),
        body.lesson_id,
        completed=body.completed,
        time_spent_seconds=body.time_spent_seconds,
        percent=body.progress_percentage,
    )
    spent = sum(int(r.get("time_spent_seconds") or 0) for r in learning.records_of(enrollment["id"]))
    return {
        "success": True,
        "updated_progress": {
            "course_progress": float(enrollment.get("progress_percent") or 0),
            "lesson_progress": float(record.get("progress_percent") or 0),
            "total_time_spent": spent,
            "completed_lessons": completion.completed_lessons,
        },
    }


def course_of_lesson(lesson_id: str) -> dict[str, Any]:
    """The one course a lesson id belongs to (ids are unique across courses)."""
    from google.cloud.firestore import FieldFilter

    query = store.collection("Course").where(filter=FieldFilter("lesson_ids", "array_contains", lesson_id))
    found = [existing_data(s) for s in query.limit(1).stream(**io())]
    if not found:
        raise NotFoundError("Lesson not found", details={"lesson_id": lesson_id})
    return found[0]


@rest_route(
    "POST",
    "/lessons/{lessonId}/progress",
    name="rest.lessons.progress",
    request=LessonProgressRequest,
    response=responses.LessonProgressAnswer,
    path_schemas=_LESSON,
    errors=(ForbiddenError, NotFoundError),
)
def lesson_progress(body: LessonProgressRequest, caller: Caller, lessonId: str) -> dict[str, Any]:
    """Progress in one lesson, found by its id alone; `quiz_score` is kept as self-reported only."""
    course = course_of_lesson(lessonId)
    record, _, _ = record_lesson(
        caller,
        _enrollment_for(caller, course["id"]),
        lessonId,
        completed=body.completed,
        time_spent_seconds=body.time_spent_seconds,
        percent=body.progress_percentage,
        notes=body.notes,
        reported_quiz_score=body.quiz_score,
    )
    answer: dict[str, Any] = {
        "lesson_id": lessonId,
        "progress_percentage": float(record.get("progress_percent") or 0),
        "time_spent_seconds": int(record.get("time_spent_seconds") or 0),
        "completed": bool(record.get("completed")),
        "last_accessed": record.get("last_accessed"),
    }
    if record.get("reported_quiz_score") is not None:
        answer["quiz_score"] = float(record["reported_quiz_score"])
    return {"success": True, "lesson_progress": answer}


class RatingRequest(RequestModel):
    rating: int = Field(ge=1, le=5)


@rest_route(
    "POST",
    "/courses/{courseId}/rating",
    name="rest.courses.rate",
    request=RatingRequest,
    response=responses.Rated,
    path_schemas=_ID,
    errors=(ForbiddenError, NotFoundError, ConflictError),
)
def rate(body: RatingRequest, caller: Caller, courseId: str) -> dict[str, Any]:
    """Rate a course you are enrolled in, 1 to 5, once per enrollment; answers the course's new mean."""
    visible_course(caller, courseId)
    try:
        changes = rate_course(caller, courseId, body.rating)
    except ForbiddenError as refused:
        raise CourseAccessDeniedError(refused.message, details=refused.details) from None
    return {
        "success": True,
        "rating": {
            "course_rating": changes["rating"],
            "rating_count": changes["rating_count"],
            "your_rating": body.rating,
        },
    }
