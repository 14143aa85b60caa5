"""The SparkAcademy seed document (000): every SDK example, as written, through the real
@base44/sdk against `make dev` with its demo data. Each test is one example, named after
its section; setup that an example needs is done with the seed's own examples where it
names them (Sign Up, Create Enrollment)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.seeds.conftest import (
    ADMIN,
    FEEDBACK,
    HOOKS_COURSE,
    INSTRUCTOR,
    ORG_ADMIN,
    PROJECT,
    STUDENT,
    SeedPlatform,
    ok,
)

# One platform per module, its examples in the order the seed gives them (later ones read earlier ones' data).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("test_seed_000_sdk")]

SEED_STUDENT, SEED_PASSWORD = "student@example.com", "SecurePass123!"


@pytest.fixture(scope="module")
def signed_up(seed: SeedPlatform) -> dict[str, Any]:
    """Authentication / Sign Up: the seed's student, whom later examples name."""
    report: dict[str, Any] = seed.sdk("signUp")
    return report


@pytest.fixture(scope="module")
def enrolled(seed: SeedPlatform, signed_up: dict[str, Any]) -> dict[str, Any]:
    """Enrollment Entity / Create Enrollment, as the admin: the seed's student in crs_abc123."""
    report: dict[str, Any] = seed.sdk("enrollmentCreate", ADMIN)
    return report


def _as_seed_student(seed: SeedPlatform, example: str, signed_up: dict[str, Any], **context: Any) -> Any:
    ok(signed_up)
    return seed.sdk(example, SEED_STUDENT, SEED_PASSWORD, **context)


# --- Authentication -----------------------------------------------------------------


def test_authentication_sign_up(signed_up: dict[str, Any]) -> None:
    answer = ok(signed_up)
    user = answer["user"]
    assert (user["email"], user["role"], user["full_name"]) == ("student@example.com", "student", "John Doe")
    assert user["id"].startswith("usr_") and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", user["created_at"])
    assert answer["session"]["token"].startswith("eyJ") and answer["session"]["expires_at"].endswith("Z")


def test_authentication_sign_in(seed: SeedPlatform, signed_up: dict[str, Any]) -> None:
    answer = ok(_as_seed_student(seed, "signIn", signed_up))
    assert (answer["user"]["email"], answer["user"]["role"]) == ("student@example.com", "student")
    assert answer["access_token"]


def test_authentication_get_current_user(seed: SeedPlatform, signed_up: dict[str, Any]) -> None:
    user = ok(_as_seed_student(seed, "me", signed_up))
    assert {"id", "email", "role", "full_name", "avatar_url"} <= set(user)
    assert (user["email"], user["full_name"]) == ("student@example.com", "John Doe")


def test_authentication_sign_out(seed: SeedPlatform, signed_up: dict[str, Any]) -> None:
    assert ok(_as_seed_student(seed, "signOut", signed_up)) == {"afterSignOut": 401}


# --- Payment functions --------------------------------------------------------------


def _checkout_id(url: str) -> str:
    found = re.search(r"/dev/checkout/(cs_test_\w+)$", url)
    assert found, url
    return found.group(1)


def test_1_create_stripe_checkout(seed: SeedPlatform) -> None:
    seed.new_student("buyer1@example.test")
    answer = ok(seed.sdk("createStripeCheckout", "buyer1@example.test", "Passw0rd!x"))
    assert answer["sessionId"] == _checkout_id(answer["url"])


def test_2_create_subscription_checkout(seed: SeedPlatform) -> None:
    seed.new_student("subscriber2@example.test")
    answer = ok(seed.sdk("createSubscriptionCheckout", "subscriber2@example.test", "Passw0rd!x"))
    assert answer["sessionId"] == _checkout_id(answer["url"])


def test_3_create_portal_session(seed: SeedPlatform) -> None:
    token = seed.new_student("portal3@example.test")
    body = {"courseId": "crs_abc123", "successUrl": "https://x.test/s", "cancelUrl": "https://x.test/c"}
    assert seed.invoke("createStripeCheckout", body, token).status_code == 200  # a Stripe customer now
    answer = ok(seed.sdk("createPortalSession", "portal3@example.test", "Passw0rd!x"))
    assert re.search(r"/dev/portal/bps_\w+$", answer["url"])


def _paid(seed: SeedPlatform, email: str, function: str, body: dict[str, Any]) -> str:
    token = seed.new_student(email)
    urls = {"successUrl": "https://sparkacademy.com/success?session_id={CHECKOUT_SESSION_ID}"}
    opened = seed.invoke(function, {**body, **urls, "cancelUrl": "https://sparkacademy.com/cancel"}, token)
    assert opened.status_code == 200, opened.text
    session_id = str(opened.json()["sessionId"])
    assert seed.paid_checkout(opened.json()["url"]).endswith(f"session_id={session_id}")
    return session_id


def test_4_verify_stripe_session(seed: SeedPlatform) -> None:
    session_id = _paid(seed, "verify4@example.test", "createStripeCheckout", {"courseId": "crs_abc123"})
    answer = ok(seed.sdk("verifyStripeSession", "verify4@example.test", "Passw0rd!x", sessionId=session_id))
    assert answer["success"] is True
    assert (answer["enrollment"]["course_id"], answer["enrollment"]["student_email"]) == (
        "crs_abc123",
        "verify4@example.test",
    )
    assert answer["enrollment"]["id"] and answer["enrollment"]["enrolled_at"]


def test_5_stripe_webhook_delivers_the_local_stripes_signed_events(seed: SeedPlatform) -> None:
    """The webhook's setup is Stripe's CLI; make dev registers /api/stripe-webhook with the local Stripe."""
    _paid(seed, "webhook5@example.test", "createStripeCheckout", {"courseId": "crs_abc123"})
    token, query = seed.token(ADMIN), {"q": '{"student_email": "webhook5@example.test"}'}
    deadline = time.monotonic() + 20
    while not (mine := seed.dev.api("GET", "/entities/Enrollment", token, params=query).json()):
        assert time.monotonic() < deadline, "the webhook never enrolled the buyer"
        time.sleep(0.2)
    assert [(e["course_id"], e["source"]) for e in mine] == [("crs_abc123", "purchase")]


def test_30_verify_course_checkout(seed: SeedPlatform) -> None:
    session_id = _paid(seed, "verify30@example.test", "createStripeCheckout", {"courseId": "crs_abc123"})
    answer = ok(seed.sdk("verifyCourseCheckout", "verify30@example.test", "Passw0rd!x", sessionId=session_id))
    assert (answer["success"], answer["course_id"], answer["student_email"]) == (
        True,
        "crs_abc123",
        "verify30@example.test",
    )
    assert answer["enrollment_id"]


def test_31_verify_subscription_session(seed: SeedPlatform) -> None:
    session_id = _paid(seed, "verify31@example.test", "createSubscriptionCheckout", {"planId": "plan_monthly"})
    answer = ok(seed.sdk("verifySubscriptionSession", "verify31@example.test", "Passw0rd!x", sessionId=session_id))
    assert (answer["success"], answer["plan"], answer["status"]) == (True, "monthly", "active")
    assert answer["subscription_id"].startswith("sub_")


def test_32_create_course_checkout(seed: SeedPlatform) -> None:
    seed.new_student("bundle32@example.test")
    answer = ok(seed.sdk("createCourseCheckout", "bundle32@example.test", "Passw0rd!x"))
    assert answer["sessionId"] == _checkout_id(answer["url"])
    assert answer["total_amount"] == 4999 + 2999  # cents: both demo courses are paid


# --- AI functions -------------------------------------------------------------------


def test_6_generate_course_content(seed: SeedPlatform) -> None:
    seed.model.reply({"content": HOOKS_COURSE})
    answer = ok(seed.sdk("generateContentUpdates", INSTRUCTOR))
    course = answer["course"]
    assert course["title"] and course["modules"][0]["lessons"][0]["title"]
    assert "quiz" in course["modules"][0]


def test_7_generate_recommendations(seed: SeedPlatform, signed_up: dict[str, Any]) -> None:
    answer = ok(_as_seed_student(seed, "generateRecommendations", signed_up))
    assert 1 <= len(answer["recommendations"]) <= 5
    assert {"course_id", "title", "reason", "match_score"} <= set(answer["recommendations"][0])


def test_8_generate_project_assignment(seed: SeedPlatform) -> None:
    seed.model.reply({"content": PROJECT})
    answer = ok(seed.sdk("generateProjectAssignment", INSTRUCTOR))
    assert answer["project"]["title"] == PROJECT["title"]
    assert answer["project"]["rubric"] == {"functionality": 60, "code_quality": 40}


def test_9_generate_course_feedback(seed: SeedPlatform, enrolled: dict[str, Any]) -> None:
    ok(enrolled)
    seed.model.reply({"content": FEEDBACK})
    answer = ok(seed.sdk("generateCourseFeedback", SEED_STUDENT, SEED_PASSWORD))
    assert {"overall_performance", "strengths", "areas_for_improvement", "completion_percentage"} <= set(
        answer["feedback"]
    )


# --- Certificate functions ----------------------------------------------------------


def test_10_generate_certificate(seed: SeedPlatform) -> None:
    certificate = ok(seed.sdk("generateCertificate", STUDENT))["certificate"]
    assert (certificate["student_name"], certificate["course_title"]) == ("Sam Student", "Introduction to Python")
    assert re.fullmatch(r"CERT-\d{4}-[A-Z0-9]{6}", certificate["verification_code"])
    assert certificate["id"].startswith("cert_") and certificate["certificate_url"].startswith(seed.url)


def test_11_generate_course_certificate(seed: SeedPlatform, enrolled: dict[str, Any]) -> None:
    enrollment = ok(enrolled)
    token = seed.token(SEED_STUDENT, SEED_PASSWORD)
    course = seed.dev.api("GET", "/entities/Course/crs_abc123", seed.token(ADMIN)).json()  # with the answers
    for module in course["modules"]:  # the student finishes the course first
        for lesson in module["lessons"]:
            body = {"enrollment_id": enrollment["id"], "lesson_id": lesson["id"], "completed": True}
            assert seed.dev.api("POST", "/entities/Progress", token, json=body).status_code == 201
        if module.get("quiz"):
            answers = [q["correct_answer"] for q in module["quiz"]["questions"]]
            quiz = {"enrollmentId": enrollment["id"], "moduleId": module["id"], "answers": answers}
            assert seed.invoke("submitQuiz", quiz, token).status_code == 200
    answer = ok(seed.sdk("generateCourseCertificate", SEED_STUDENT, SEED_PASSWORD))
    assert answer["certificate_id"].startswith("cert_") and answer["download_url"].startswith(seed.url)


# --- Video functions ----------------------------------------------------------------


def test_12_create_video_session(seed: SeedPlatform) -> None:
    session = ok(seed.sdk("createVideoSession", INSTRUCTOR))["session"]
    assert session["id"].startswith("vid_") and session["scheduled_for"] == "2026-01-20T14:00:00Z"
    assert session["join_url"] and session["start_url"]


def test_13_end_video_session(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("endVideoSession", INSTRUCTOR))
    assert answer["success"] is True and 0 <= answer["duration"] < 3600
    assert {"participants", "recording_url"} <= set(answer)


def test_14_get_recordings(seed: SeedPlatform) -> None:
    assert ok(seed.sdk("getRecordings", INSTRUCTOR))["recordings"] == []


# --- Enterprise functions -----------------------------------------------------------


def test_15_provision_users(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("provisionUsers", ORG_ADMIN))
    assert (answer["success"], answer["provisioned"], answer["failed"]) == (True, 2, 0)
    assert [(u["email"], u["status"]) for u in answer["users"]] == [
        ("user1@company.com", "active"),
        ("user2@company.com", "active"),
    ]
    assert all(u["id"].startswith("usr_") for u in answer["users"])


def test_16_enterprise_provision_users(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("enterpriseProvisionUsers", ORG_ADMIN))
    assert (answer["success"], answer["provisioned"]) == (True, 1)
    assert [(u["email"], u["status"]) for u in answer["users"]] == [("user@company.com", "active")]


def test_17_analyze_team_skills(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("analyzeTeamSkills", ORG_ADMIN))
    assert {"team_size", "skills_analysis", "top_skills", "skill_gaps", "recommendations"} <= set(answer)


def test_18_analyze_enterprise_skill_gaps(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("analyzeEnterpriseSkillGaps", ORG_ADMIN))
    assert {"organization_size", "skill_gaps", "estimated_training_cost", "recommended_courses", "priority"} <= set(
        answer
    )
    assert {gap["skill"] for gap in answer["skill_gaps"]} <= {"React", "TypeScript", "AWS", "Kubernetes"}


def test_19_enterprise_get_progress(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("enterpriseGetProgress", ORG_ADMIN))
    expected = {"total_users", "active_users", "courses_completed", "average_completion_rate", "total_learning_hours"}
    assert expected <= set(answer) and isinstance(answer["users"], list)


def test_20_calculate_training_roi(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("calculateTrainingROI", ORG_ADMIN))
    assert answer["total_cost"] == 350000  # training + time cost, as the seed computes it
    assert {"roi_percentage", "estimated_benefit", "net_benefit", "payback_period_months", "metrics"} <= set(answer)


# --- HR integration functions -------------------------------------------------------


def test_21_sync_bamboohr_employees(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("syncBambooHREmployees", ORG_ADMIN))
    assert (answer["success"], answer["synced"], answer["failed"]) == (True, 2, 0)


def test_22_sync_workday_employees(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("syncWorkdayEmployees", ORG_ADMIN))
    assert (answer["success"], answer["synced"]) == (True, 2)


def test_23_push_learning_data_to_hr(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("pushLearningDataToHR", ORG_ADMIN))
    assert (answer["success"], answer["hr_system"]) == (True, "bamboohr") and answer["failed"] == 0


def test_24_test_sso_connection(seed: SeedPlatform) -> None:
    """company.okta.com is not a real identity provider (and the tests run offline): the check says so."""
    answer = ok(seed.sdk("testSSOConnection", ORG_ADMIN))
    assert (answer["provider"], answer["success"], answer["certificate_valid"]) == ("okta", False, False)
    assert answer["metadata_url"].startswith("https://company.okta.com/")


# --- Export functions ---------------------------------------------------------------


def test_25_export_scorm(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("exportScorm", INSTRUCTOR))
    assert answer["success"] is True and "scorm_crs_abc123.zip" in answer["download_url"]
    assert answer["size_bytes"] > 0 and answer["expires_at"]


def test_26_export_xapi(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("exportXapi", INSTRUCTOR))
    assert answer["success"] is True and "xapi_crs_abc123.zip" in answer["download_url"]
    assert answer["statements"] > 0


# --- Admin functions ----------------------------------------------------------------


def test_27_list_paid_users(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("listPaidUsers", ADMIN))
    assert (answer["page"], {"users", "total", "pages"} <= set(answer)) == (1, True)


def test_28_sync_course_purchases(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("syncCoursePurchases", ADMIN))
    assert answer["success"] is True and isinstance(answer["total_revenue"], int)  # cents
    assert {"purchases_synced", "new_enrollments"} <= set(answer)


def test_29_sync_stripe_subscriptions(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("syncStripeSubscriptions", ADMIN))
    assert answer["success"] is True and {"active_subscriptions", "cancelled", "past_due", "updated"} <= set(answer)


# --- Entity APIs --------------------------------------------------------------------


def test_course_entity_create_course(seed: SeedPlatform) -> None:
    course = ok(seed.sdk("courseCreate", INSTRUCTOR))
    assert (course["title"], course["price"], course["is_published"], course["created_by"]) == (
        "React Fundamentals",
        49.99,
        False,
        INSTRUCTOR,
    )


def test_course_entity_get_course(seed: SeedPlatform) -> None:
    assert ok(seed.sdk("courseGet", STUDENT))["title"] == "React Fundamentals"


def test_course_entity_list_courses(seed: SeedPlatform) -> None:
    courses = ok(seed.sdk("courseList", STUDENT))
    assert {"crs_abc123", "crs_def456"} <= {c["id"] for c in courses}
    assert all(c["is_published"] and c["category"] == "programming" for c in courses)


def test_enrollment_entity_create_enrollment(enrolled: dict[str, Any]) -> None:
    enrollment = ok(enrolled)
    assert (enrollment["course_id"], enrollment["student_email"], enrollment["status"]) == (
        "crs_abc123",
        "student@example.com",
        "active",
    )


def test_enrollment_entity_get_enrollments(seed: SeedPlatform, enrolled: dict[str, Any]) -> None:
    ok(enrolled)
    enrollments = ok(seed.sdk("enrollmentFilter", ADMIN))
    assert [e["course_id"] for e in enrollments] == ["crs_abc123"]


def test_progress_entity_update_progress(seed: SeedPlatform) -> None:
    """The demo student has lesson les_abc123 recorded already: the create updates that record."""
    first = ok(seed.sdk("progressCreate", STUDENT))
    again = ok(seed.sdk("progressCreate", STUDENT))
    assert (first["enrollment_id"], first["module_id"], first["lesson_id"], first["completed"]) == (
        "enr_abc123",
        "mod_abc123",
        "les_abc123",
        True,
    )
    assert again["id"] == first["id"] and again["completed_at"] == first["completed_at"]


def test_progress_entity_get_progress(seed: SeedPlatform) -> None:
    progress = ok(seed.sdk("progressFilter", STUDENT))
    assert {p["lesson_id"] for p in progress} == {"les_abc123", "les_def456", "les_ghi789"}


# --- Error handling -----------------------------------------------------------------


def test_error_handling_error_response_format(seed: SeedPlatform) -> None:
    refused = seed.sdk("listPaidUsers", STUDENT)  # admins only
    assert (refused["ok"], refused["status"]) == (False, 403)
    assert set(refused["body"]) >= {"error", "code", "details", "timestamp"}
    assert refused["body"]["code"] == "PERMISSION_DENIED"


# --- Code examples ------------------------------------------------------------------


def test_code_examples_complete_course_purchase_flow(seed: SeedPlatform) -> None:
    seed.new_student("flow@example.test")
    answer = ok(seed.sdk("completeCoursePurchaseFlow", "flow@example.test", "Passw0rd!x"))
    assert answer["sessionId"] == _checkout_id(answer["url"])
    assert answer["enrollment"]["course_id"] == "crs_abc123"
    assert answer["navigatedTo"] == "/courses/crs_abc123/learn"


def test_code_examples_ai_course_generation(seed: SeedPlatform) -> None:
    project = {**PROJECT, "estimated_hours": 16}  # an advanced project's size
    seed.model.reply({"content": _generated_course()}, {"content": project})
    answer = ok(seed.sdk("aiCourseGeneration", INSTRUCTOR))
    saved, final = answer["savedCourse"], answer["final"]
    assert (saved["title"], saved["is_published"], saved["created_by"]) == (
        "Advanced TypeScript Patterns",
        False,
        INSTRUCTOR,
    )
    assert final["final_project"] == answer["project"]


def _generated_course() -> dict[str, Any]:
    from tests.ai.conftest import course

    return course()


def test_code_examples_enterprise_bulk_enrollment(seed: SeedPlatform) -> None:
    answer = ok(seed.sdk("enterpriseBulkEnrollment", ORG_ADMIN))
    assert [(u["email"], u["status"]) for u in answer["users"]] == [
        ("emp1@company.com", "active"),
        ("emp2@company.com", "active"),
    ]
    pairs = sorted((e["student_email"], e["course_id"]) for e in answer["enrollments"])
    assert pairs == [
        (email, course) for email in ("emp1@company.com", "emp2@company.com") for course in ("crs_abc123", "crs_def456")
    ]
    assert isinstance(answer["progress"], list)
