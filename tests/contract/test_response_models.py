"""The response models describe the real answers: entity, auth and learning routes,
listPaidUsers, and the error envelope; every model yields a JSON schema."""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from entities.responses import (
    RECORDS,
    Count,
    CourseRecord,
    Deleted,
    ErrorEnvelope,
    Page,
    PageResponse,
    PasswordChanged,
    RecordList,
    ResetRequested,
    Session,
    Success,
    UserRecord,
)
from shared.api_routes import Health
from tests.certificates.conftest import course_doc
from tests.helpers import bearer

APP = "/api/apps/sparkacademy"
RESPONSE_MODULES = (
    "entities.responses",
    "functions.payments.responses",
    "functions.certificates.responses",
    "functions.learning.responses",
    "functions.admin.responses",
    "functions.video.responses",
    "functions.enterprise.responses",
)


def answer(model: type[BaseModel], resp: Any, status: int = 200) -> Any:
    """The answer, after checking its status and that `model` accepts its JSON."""
    body = resp.get_json()
    assert resp.status_code == status, body
    return model.model_validate(body, strict=False)


def response_models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = list(RECORDS.values())
    for name in RESPONSE_MODULES:
        module = importlib.import_module(name)
        found += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, BaseModel) and obj.__module__ == name
        ]
    return found


# --- the models themselves --------------------------------------------------------------


@pytest.mark.parametrize("model", response_models(), ids=lambda m: m.__name__)
def test_every_model_has_a_json_schema(model: type[BaseModel]) -> None:
    for mode in ("validation", "serialization"):
        schema = model.model_json_schema(mode=mode)
        assert schema.get("type") == "object" or "anyOf" in schema or "$ref" in schema or schema.get("type") == "array"


def test_every_route_and_function_declares_its_response_model() -> None:
    from shared import router

    for route in router.all_routes():
        if route.content_type == "application/json":
            assert route.response is not None, f"{route.name} declares no response model"
    for route in router.functions():
        assert route.response.__name__ == route.name[0].upper() + route.name[1:] + "Response"


def test_record_models_require_every_stored_field_and_refuse_others() -> None:
    schema = CourseRecord.model_json_schema()
    # What a caller's view of a course may leave out is optional; everything else is required.
    assert set(schema["required"]) == set(schema["properties"]) - {"final_project"}
    assert schema["additionalProperties"] is False
    lesson = schema["$defs"]["LessonStored"]
    assert set(lesson["required"]) == set(lesson["properties"]) - {"content", "video_url"}
    assert lesson["properties"]["id"] == {"title": "Id", "type": "string"}
    assert UserRecord.model_json_schema()["properties"]["created_by"]["anyOf"][1] == {"type": "null"}


def test_models_refuse_answers_that_differ() -> None:
    from entities import store

    course = store.record("Course", {"title": "T"}, created_by="t@example.test")
    CourseRecord.model_validate(course)
    with pytest.raises(ValidationError):  # a field the stored record always has is missing
        CourseRecord.model_validate({k: v for k, v in course.items() if k != "description"})
    with pytest.raises(ValidationError):
        CourseRecord.model_validate({**course, "password_hash": "x"})
    with pytest.raises(ValidationError):
        Page.model_validate({"items": [], "has_more": False})
    envelope = {"error": "x", "message": "x", "code": "CONFLICT", "details": {}, "timestamp": "2026-01-01T00:00:00Z"}
    ErrorEnvelope.model_validate(envelope)
    for wrong in ({"code": "NOPE"}, {"timestamp": "yesterday"}, {"extra": 1}, {"retryable": "maybe"}):
        with pytest.raises(ValidationError):
            ErrorEnvelope.model_validate({**envelope, **wrong}, strict=False)


# --- auth routes ------------------------------------------------------------------------


def test_auth_answers(gateway: Any, db: Any) -> None:
    auth = f"{APP}/auth"
    registered = answer(
        Session,
        gateway.post(
            f"{auth}/register", json={"email": "jo@example.test", "password": "Good-pass-1", "full_name": "Jo"}
        ),
    )
    assert registered.user.email == "jo@example.test"
    session = answer(
        Session, gateway.post(f"{auth}/login", json={"email": "jo@example.test", "password": "Good-pass-1"})
    )
    token = session.access_token
    answer(ResetRequested, gateway.post(f"{auth}/reset-password-request", json={"email": "jo@example.test"}))
    [mail] = [m.to_dict() for m in db.collection("mail").stream()]
    reset_token = re.search(r"token=([\w-]+)", mail["message"]["text"]).group(1)  # type: ignore[union-attr]
    answer(
        Success, gateway.post(f"{auth}/reset-password", json={"reset_token": reset_token, "new_password": "New-pass-2"})
    )
    # The reset ended every session: sign in again.
    token = answer(
        Session, gateway.post(f"{auth}/login", json={"email": "jo@example.test", "password": "New-pass-2"})
    ).access_token
    token = answer(
        PasswordChanged,
        gateway.post(
            f"{auth}/change-password",
            json={"current_password": "New-pass-2", "new_password": "New-pass-3"},
            headers=bearer(token),
        ),
    ).access_token
    answer(UserRecord, gateway.get(f"{APP}/entities/User/me", headers=bearer(token)))
    updated = answer(UserRecord, gateway.put(f"{APP}/entities/User/me", json={"bio": "Hi"}, headers=bearer(token)))
    assert updated.bio == "Hi"
    answer(Success, gateway.post(f"{auth}/logout", headers=bearer(token)))
    answer(Health, gateway.get("/health"))


# --- entity routes ----------------------------------------------------------------------


def test_entity_collection_answers(gateway: Any, make_user: Any) -> None:
    _, admin = make_user("admin", email="boss@example.test")
    headers = bearer(admin)
    courses = f"{APP}/entities/Course"
    created = answer(CourseRecord, gateway.post(courses, json=course_doc("t@example.test"), headers=headers), 201)
    got = answer(CourseRecord, gateway.get(f"{courses}/{created.id}", headers=headers))
    assert got.modules[0].lessons[0].id == "les_what"
    answer(CourseRecord, gateway.put(f"{courses}/{created.id}", json={"title": "Renamed"}, headers=headers))
    bulk = answer(
        RecordList, gateway.post(f"{courses}/bulk", json=[{"title": "A"}, {"title": "B"}], headers=headers), 201
    )
    for record in bulk.root:
        CourseRecord.model_validate(record.model_dump())
    changed = answer(
        RecordList, gateway.put(f"{courses}/bulk", json=[{"id": bulk.root[0].id, "title": "A2"}], headers=headers)
    )
    CourseRecord.model_validate(changed.root[0].model_dump())
    listed = answer(RecordList, gateway.get(f"{courses}?sort=title", headers=headers))
    assert len(listed.root) == 3
    projected = answer(RecordList, gateway.get(f"{courses}?fields=title", headers=headers))
    assert {tuple(r.model_dump()) for r in projected.root} == {("id", "title")}
    page = answer(PageResponse, gateway.get(f"{courses}/v2/list?limit=2", headers=headers)).root
    assert isinstance(page, Page) and page.has_more and page.next_cursor
    last = answer(PageResponse, gateway.get(f"{courses}/v2/list?limit=2&cursor={page.next_cursor}", headers=headers))
    assert last.root.next_cursor is None
    distinct = answer(PageResponse, gateway.get(f"{courses}/v2/list?distinct=title", headers=headers)).root
    assert distinct.items == ["A2", "B", "Renamed"]
    assert answer(Count, gateway.get(f"{courses}/count", headers=headers)).count == 3
    answer(Success, gateway.delete(f"{courses}/{created.id}", headers=headers))
    deleted = answer(Deleted, gateway.delete(courses, json={"title": "B"}, headers=headers))
    assert deleted.deleted == 1


def _one_of_each(make_user: Any) -> dict[str, dict[str, Any]]:
    """A stored record of every entity type, written the way the product writes it."""
    from entities import certificate, store
    from entities.enrollment import enrollment_id

    user, _ = make_user("student", email="kim@example.test")
    course = store.create("Course", course_doc("t@example.test"), created_by="t@example.test")
    enrollment = store.create(
        "Enrollment",
        {"course_id": course["id"], "student_email": user["email"], "student_id": user["id"]},
        created_by=user["email"],
        id=enrollment_id(course["id"], user["email"]),
    )
    progress = store.create(
        "Progress",
        {"enrollment_id": enrollment["id"], "lesson_id": "les_what", "completed": True},
        created_by=user["email"],
    )
    subscription = store.create(
        "Subscription",
        {"user_email": user["email"], "plan": "monthly", "status": "active", "stripe_subscription_id": "sub_1"},
        created_by=user["email"],
        id="sub_1",
    )
    purchase = store.create(
        "Purchase",
        {
            "user_email": user["email"],
            "course_ids": [course["id"]],
            "amount": 4999,
            "currency": "usd",
            "status": "paid",
            "source": "checkout",
        },
        created_by=user["email"],
        id="pur_cs_1",
    )
    event = store.create(
        "StripeEvent",
        {"type": "invoice.paid", "stripe_created": 1, "outcome": "processed"},
        created_by="stripe",
        id="evt_1",
    )
    cert = certificate.record(
        {
            "enrollment_id": enrollment["id"],
            "course_id": course["id"],
            "student_email": user["email"],
            "student_name": "Kim",
            "course_title": course["title"],
            "completion_date": "2026-01-01",
            "issued_at": "2026-01-01T00:00:00.000000Z",
            "verification_code": "CERT-2026-ABCDEF",
            "file_path": "certificates/x.pdf",
        },
        cert_id="cert_1",
        created_by=user["email"],
    )
    certificate.issue(cert)
    from functions.ai import usage
    from shared.auth import Caller, Role

    usage.record(Caller(user_id=user["id"], email=user["email"], role=Role.STUDENT), "generateCourseFeedback", 3, 2)
    ai_usage = store.get("AiUsage", usage.usage_id("user", user["email"], usage.today()))
    video = store.create(
        "VideoSession",
        {
            "course_id": course["id"],
            "title": "Live Q&A",
            "scheduled_for": "2026-01-20T14:00:00Z",
            "duration": 60,
            "host_email": user["email"],
            "provider": "jitsi",
            "provider_meeting_id": "spark-room",
            "join_url": "https://meet.example.test/spark-room",
            "start_url": "https://meet.example.test/spark-room?jwt=x",
        },
        created_by=user["email"],
    )
    recording = store.create(
        "Recording",
        {
            "session_id": video["id"],
            "course_id": course["id"],
            "title": "Live Q&A",
            "size": 10,
            "file_path": "recordings/x.mp4",
            "provider": "daily",
            "provider_recording_id": "r1",
        },
        created_by=None,
    )
    org = store.create("Organization", {"name": "Acme", "licence": {"pool_seats": 5}}, created_by=None)
    team = store.create("Team", {"organization_id": org["id"], "name": "Data"}, created_by=None)
    member = {"organization_id": org["id"], "user_id": user["id"], "user_email": user["email"], "team_id": team["id"]}
    membership = store.create("Membership", {**member, "custom_fields": {"level": 2}}, created_by=None)
    skill = store.create("Skill", {"name": "React", "category": "frontend"}, created_by=None)
    integration = store.create(
        "Integration",
        {"organization_id": org["id"], "provider": "bamboohr", "cursor": "2026-01-01T00:00:00Z"},
        created_by=None,
    )
    access_change = store.create(
        "AccessChange",
        {
            "enrollment_id": enrollment["id"],
            "course_id": course["id"],
            "student_email": user["email"],
            "from_status": "active",
            "to_status": "refunded",
            "cause": "refund",
            "stripe_event_id": "evt_1",
        },
        created_by="stripe",
    )
    payment_state = store.create(
        "PaymentState",
        {"stripe_payment_intent_id": "pi_1", "refunds": {"re_1": {"amount": 1, "status": "succeeded", "at": 1}}},
        created_by="stripe",
        id="pst_pi_1",
    )
    bundle = store.create("Bundle", {"title": "Pair", "course_ids": [course["id"]], "price": 10}, created_by=None)
    program = {"organization_id": org["id"], "name": "Onboarding", "course_ids": [course["id"]]}
    return {
        "Program": store.create("Program", program, created_by=None),
        "Skill": skill,
        "Organization": org,
        "Team": team,
        "Membership": membership,
        "AccessChange": access_change,
        "PaymentState": payment_state,
        "Bundle": bundle,
        "Course": course,
        "Enrollment": enrollment,
        "Progress": progress,
        "User": user,
        "Subscription": subscription,
        "Certificate": cert,
        "Purchase": purchase,
        "StripeEvent": event,
        "AiUsage": ai_usage,
        "VideoSession": video,
        "Recording": recording,
        "Integration": integration,
    }


def test_get_answers_the_whole_record_of_every_entity(gateway: Any, make_user: Any) -> None:
    _, admin = make_user("admin", email="boss@example.test")
    records = _one_of_each(make_user)
    assert set(records) == set(RECORDS)
    for name, record in records.items():
        got = answer(RECORDS[name], gateway.get(f"{APP}/entities/{name}/{record['id']}", headers=bearer(admin)))
        assert got.id == record["id"]


# --- learning and admin functions -------------------------------------------------------


def test_learning_answers(gateway: Any, make_user: Any) -> None:
    from entities import accounts
    from functions.learning.responses import RecordProgressResponse, SubmitQuizResponse

    records = _one_of_each(make_user)
    token = accounts.session_for(records["User"])["access_token"]
    enrollment_id = records["Enrollment"]["id"]
    call = f"{APP}/functions"
    progress = answer(
        RecordProgressResponse,
        gateway.post(
            f"{call}/recordProgress",
            json={"enrollmentId": enrollment_id, "lessonId": "les_state", "timeSpentSeconds": 30},
            headers=bearer(token),
        ),
    )
    assert progress.progress.time_spent_seconds == 30
    for answers in ([1], [0]):  # a failed then a passing attempt
        quiz = answer(
            SubmitQuizResponse,
            gateway.post(
                f"{call}/submitQuiz",
                json={"enrollmentId": enrollment_id, "moduleId": "mod_basics", "answers": answers},
                headers=bearer(token),
            ),
        )
    assert quiz.passed and quiz.attempts == 2


def test_list_paid_users_answer(gateway: Any, make_user: Any) -> None:
    from functions.admin.responses import ListPaidUsersResponse

    _one_of_each(make_user)
    _, admin = make_user("admin", email="boss@example.test")
    listed = answer(
        ListPaidUsersResponse,
        gateway.post(f"{APP}/functions/listPaidUsers", json={"limit": 10}, headers=bearer(admin)),
    )
    assert [u.email for u in listed.users] == ["kim@example.test"] and listed.users[0].started_at is None


# --- errors -----------------------------------------------------------------------------


def test_error_answers_are_envelopes(gateway: Any, db: Any) -> None:
    answer(ErrorEnvelope, gateway.get("/no/such/route"), 404)
    answer(ErrorEnvelope, gateway.get(f"{APP}/entities/Enrollment"), 401)
    answer(ErrorEnvelope, gateway.post(f"{APP}/auth/login", json={"email": 1}), 400)
    answer(ErrorEnvelope, gateway.post(f"{APP}/functions/nope", json={}), 404)


def test_a_course_as_each_caller_sees_it_fits_its_record_model(gateway: Any, make_user: Any) -> None:
    from entities import store

    instructor, instructor_token = make_user("instructor")
    _student, student_token = make_user("student")
    course = store.create("Course", course_doc(instructor["email"], price=10), created_by=instructor["email"])
    url = f"{APP}/entities/Course/{course['id']}"
    outline = answer(CourseRecord, gateway.get(url))
    assert "content" not in outline.model_dump(exclude_unset=True)["modules"][0]["lessons"][0]
    answer(CourseRecord, gateway.get(url, headers=bearer(student_token)))
    full = answer(CourseRecord, gateway.get(url, headers=bearer(instructor_token)))
    assert full.model_dump()["modules"][0]["quiz"]["questions"][0]["correct_answer"] == 0
