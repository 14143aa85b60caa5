"""analyzeTeamSkills and analyzeEnterpriseSkillGaps through HTTP: proficiency from completed
courses and quiz scores, coverage, gaps, recommendations and their cost, by the
documented formulas; each org admin confined to their own organization and teams."""

from __future__ import annotations

from typing import Any

import pytest

from entities import store
from entities.enrollment import enrollment_id
from entities.organization import membership_id
from entities.skill import skill_id
from functions.enterprise.responses import AnalyzeEnterpriseSkillGapsResponse, AnalyzeTeamSkillsResponse
from tests.enterprise.conftest import ENTITIES, invoke
from tests.helpers import bearer

COURSES = {
    "crs_react": (["React"], "advanced", 100),
    "crs_node": (["Node.js"], "intermediate", 150),
    "crs_k8s": (["Kubernetes"], "advanced", 500),
    "crs_k8s_cheap": (["kubernetes"], "beginner", 200),
    "crs_ts": (["TypeScript"], "intermediate", 50),
}


def _completed(org_id: str, email: str, course: str, quiz: float | None = None, status: str = "completed") -> None:
    doc = {
        "course_id": course,
        "student_email": email,
        "organization_id": org_id,
        "status": status,
        "quiz_score_average": quiz,
    }
    store.create("Enrollment", doc, created_by=None, id=enrollment_id(course, email))


@pytest.fixture
def company(gateway: Any, acme: Any, globex: Any) -> tuple[dict[str, Any], str, str]:
    org, token = acme
    for name, category in (
        ("React", "frontend"),
        ("TypeScript", "frontend"),
        ("Node.js", "backend"),
        ("Kubernetes", "devops"),
    ):
        store.create("Skill", {"name": name, "category": category}, created_by=None, id=skill_id(name))
    for course_id, (skills, level, price) in COURSES.items():
        course = {"title": course_id, "skills": skills, "level": level, "price": price, "is_published": True}
        store.create("Course", course, created_by=None, id=course_id)
    store.create("Course", {"title": "Draft", "skills": ["React"], "price": 1, "is_published": False}, created_by=None)
    rows = [{"email": f"{n}@acme.test", "department": "Eng"} for n in "abcd"] + [
        {"email": "e@acme.test", "department": "Sales"}
    ]
    answer = invoke(gateway, "enterpriseProvisionUsers", {"users": rows, "organizationId": org["id"]}, token).get_json()
    team = answer["users"][0]["team_id"]
    _completed(org["id"], "a@acme.test", "crs_react")  # 1.0
    _completed(org["id"], "a@acme.test", "crs_node")  # 0.8
    _completed(org["id"], "b@acme.test", "crs_react", quiz=60)  # 1.0 x 0.6
    _completed(org["id"], "c@acme.test", "crs_ts")  # 0.8
    _completed(org["id"], "d@acme.test", "crs_k8s", status="active")  # not completed: nothing
    _completed(org["id"], "e@acme.test", "crs_k8s")  # 1.0, in Sales
    other, other_token = globex
    invoke(
        gateway, "provisionUsers", {"users": [{"email": "z@globex.test"}], "organizationId": other["id"]}, other_token
    )
    _completed(other["id"], "z@globex.test", "crs_k8s")
    return org, token, team


def test_team_skills_by_the_documented_formulas(gateway: Any, company: Any) -> None:
    org, token, team = company
    answer = invoke(gateway, "analyzeTeamSkills", {"organizationId": org["id"], "teamId": team}, token)
    body = answer.get_json()
    assert answer.status_code == 200, body
    AnalyzeTeamSkillsResponse.model_validate(body)
    assert body["team_size"] == 4
    assert body["skills_analysis"] == {
        "backend": {"average_proficiency": 0.2, "coverage": 0.25},
        "devops": {"average_proficiency": 0.0, "coverage": 0.0},
        "frontend": {"average_proficiency": 0.3, "coverage": 0.75},
    }
    assert body["top_skills"] == ["React", "Node.js", "TypeScript"]
    assert body["skill_gaps"] == ["Kubernetes", "Node.js", "TypeScript", "React"]
    assert [(r["course_id"], r["priority"], r["affected_employees"]) for r in body["recommendations"]] == [
        ("crs_k8s", "high", 4),
        ("crs_k8s_cheap", "high", 4),
        ("crs_node", "high", 3),
        ("crs_ts", "high", 3),
        ("crs_react", "high", 2),
    ]


def test_enterprise_skill_gaps_and_their_training_cost(gateway: Any, company: Any) -> None:
    org, token, _ = company
    body = {"organizationId": org["id"], "targetSkills": ["React", "Kubernetes", "AWS"]}
    answer = invoke(gateway, "analyzeEnterpriseSkillGaps", body, token)
    result = answer.get_json()
    assert answer.status_code == 200, result
    AnalyzeEnterpriseSkillGapsResponse.model_validate(result)
    assert result["organization_size"] == 5
    assert [
        (g["skill"], g["category"], g["current_proficiency"], g["gap"], g["employees_needing_training"])
        for g in result["skill_gaps"]
    ] == [
        ("AWS", "other", 0.0, 0.8, 5),
        ("Kubernetes", "devops", 0.2, 0.6, 4),
        ("React", "frontend", 0.32, 0.48, 4),
    ]
    assert [(c["course_id"], c["employees"], c["estimated_cost"]) for c in result["recommended_courses"]] == [
        ("crs_k8s_cheap", 4, 800.0),  # the cheapest course teaching Kubernetes
        ("crs_react", 4, 400.0),
    ]
    assert (result["estimated_training_cost"], result["priority"]) == (1200.0, "high")
    lower = invoke(
        gateway, "analyzeEnterpriseSkillGaps", {**body, "targetSkills": ["React"], "targetProficiency": 0.5}, token
    )
    assert lower.get_json()["skill_gaps"][0]["employees_needing_training"] == 3  # b's 0.6 now meets the target
    assert lower.get_json()["priority"] == "medium"  # largest gap 0.18


def test_skills_are_analysed_only_inside_the_org_admins_organization(
    gateway: Any, make_user: Any, company: Any, globex: Any
) -> None:
    org, token, team = company
    other, other_token = globex
    sales = store.find("Membership", membership_id(org["id"], "e@acme.test"))["team_id"]
    assert (
        invoke(gateway, "analyzeTeamSkills", {"organizationId": org["id"], "teamId": team}, other_token).status_code
        == 404
    )
    assert (
        invoke(gateway, "analyzeTeamSkills", {"organizationId": other["id"], "teamId": sales}, other_token).status_code
        == 404
    )
    gaps = {"organizationId": org["id"], "targetSkills": ["React"]}
    assert invoke(gateway, "analyzeEnterpriseSkillGaps", gaps, other_token).status_code == 404
    _, member = make_user("student", organization_id=org["id"])
    assert invoke(gateway, "analyzeEnterpriseSkillGaps", gaps, member).status_code == 403
    assert invoke(gateway, "analyzeEnterpriseSkillGaps", {**gaps, "targetSkills": []}, token).status_code == 400
    assert invoke(gateway, "analyzeEnterpriseSkillGaps", {**gaps, "targetProficiency": 2}, token).status_code == 400


def test_the_catalogue_is_read_by_all_and_quiz_scores_are_kept_on_the_enrollment(
    gateway: Any, make_user: Any, acme: Any
) -> None:
    org, token = acme
    _, admin = make_user("admin")
    _, student = make_user("student")
    made = gateway.post(f"{ENTITIES}/Skill", json={"name": "Go", "category": "backend"}, headers=bearer(admin))
    assert made.status_code == 201 and made.get_json()["id"] == skill_id("go")
    assert (
        gateway.post(f"{ENTITIES}/Skill", json={"name": "GO", "category": "backend"}, headers=bearer(admin)).status_code
        == 409
    )
    assert [s["name"] for s in gateway.get(f"{ENTITIES}/Skill", headers=bearer(student)).get_json()] == ["Go"]
    assert (
        gateway.post(
            f"{ENTITIES}/Skill", json={"name": "Rust", "category": "backend"}, headers=bearer(student)
        ).status_code
        == 403
    )
    quiz = {"title": "Q", "questions": [{"question": "?", "options": ["a", "b"], "correct_answer": 0}]}
    modules = [{"id": "mod_1", "title": "M", "lessons": [{"id": "les_1", "title": "L"}], "quiz": quiz}]
    course = store.create(
        "Course", {"title": "Go", "skills": ["Go"], "is_published": True, "modules": modules}, created_by=None
    )
    invoke(gateway, "provisionUsers", {"users": [{"email": "a@acme.test"}], "organizationId": org["id"]}, token)
    enrolled = gateway.post(
        f"{ENTITIES}/Enrollment",
        json={"course_id": course["id"], "student_email": "a@acme.test"},
        headers=bearer(token),
    )
    scored = {"enrollment_id": enrolled.get_json()["id"], "module_id": "mod_1", "quiz_score": 90, "quiz_passed": True}
    assert gateway.post(f"{ENTITIES}/Progress", json=scored, headers=bearer(admin)).status_code == 201
    assert store.get("Enrollment", enrolled.get_json()["id"])["quiz_score_average"] == 90
    forged = gateway.put(
        f"{ENTITIES}/Enrollment/{enrolled.get_json()['id']}", json={"quiz_score_average": 100}, headers=bearer(token)
    )
    assert forged.status_code == 403  # kept by the server
