"""Skills of an organization's people, derived from what they completed.

Proficiency of an employee in a skill (0 to 1): over the courses teaching the skill
(`Course.skills`) that the employee completed through the organization,

    max(level weight x quiz factor)

with level weight 0.6 (beginner), 0.8 (intermediate or unset), 1.0 (advanced) and quiz
factor the average of the employee's best quiz scores in that course / 100 (1 when the
course has no quiz). No completed course teaching the skill: 0.

- Proficient: a proficiency of PROFICIENT (0.6) or more. A team's coverage of a skill,
  or of a category (the Skill catalogue's; `other` for skills it does not hold), is
  the share of its members proficient in it (in at least one of the category's skills).
- A team's skill gaps: skills taught by published courses that fewer than
  TARGET_COVERAGE (80%) of the team are proficient in, largest shortfall first.
- Recommendations: published courses teaching gap skills, for the members not
  proficient in the skills each teaches; ranked by (sum of the shortfalls of the gap
  skills it teaches) x (members it would train). Priority: high when half the team or
  more needs it, medium from a quarter, else low.
- Organization gaps against target skills: current proficiency is the members' mean,
  the gap is target - current (never below 0), and employees needing training are those
  below the target. For each gap skill the cheapest published course teaching it is
  recommended (ties: more gap skills taught, then title); estimated_training_cost is the
  sum over recommended courses of price x employees needing one of the skills it was
  chosen for. Overall priority: high for a largest gap of 0.3 or more, medium from 0.15.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from entities import store
from entities.skill import OTHER, skill_key
from shared.firestore import io

PROFICIENT = 0.6
TARGET_COVERAGE = 0.8
TARGET_PROFICIENCY = 0.8
LEVEL_WEIGHTS = {"beginner": 0.6, "intermediate": 0.8, "advanced": 1.0}
DEFAULT_WEIGHT = 0.8
MAX_RECOMMENDATIONS = 10
MAX_GAPS = 10


@dataclass
class Catalogue:
    """Published courses that teach skills, and each skill's display name and category."""

    courses: dict[str, dict[str, Any]]
    names: dict[str, str] = field(default_factory=dict)  # key -> display name
    categories: dict[str, str] = field(default_factory=dict)  # key -> category

    def taught(self, course: dict[str, Any]) -> list[str]:
        return sorted({skill_key(name) for name in course.get("skills") or [] if name.strip()})

    def teaching(self, key: str) -> list[dict[str, Any]]:
        return [c for c in self.courses.values() if key in self.taught(c)]


def catalogue() -> Catalogue:
    courses = {c["id"]: c for c in _stream("Course", [("is_published", "==", True)]) if c.get("skills")}
    cat = Catalogue(courses)
    for skill in _stream("Skill", []):
        key = skill_key(skill["name"])
        cat.names[key], cat.categories[key] = skill["name"], skill["category"]
    for course in courses.values():
        for name in course.get("skills") or []:
            cat.names.setdefault(skill_key(name), name.strip())
    return cat


def _stream(name: str, filters: list[tuple[str, str, Any]], fields: list[str] | None = None) -> list[dict[str, Any]]:
    from google.cloud.firestore import FieldFilter

    query: Any = store.collection(name)
    for path, op, value in filters:
        query = query.where(filter=FieldFilter(path, op, value))
    if fields:
        query = query.select(fields)
    return [s.to_dict() for s in query.stream(**io())]


def members(org_id: str, team_id: str | None = None) -> list[str]:
    """Emails of the active members (of one team, if given)."""
    filters: list[tuple[str, str, Any]] = [("organization_id", "==", org_id), ("status", "==", "active")]
    if team_id is not None:
        filters.append(("team_id", "==", team_id))
    return sorted(m["user_email"] for m in _stream("Membership", filters, ["user_email"]))


def proficiencies(org_id: str, people: set[str], cat: Catalogue) -> dict[str, dict[str, float]]:
    """email -> skill key -> proficiency, from the organization's completed enrollments."""
    found: dict[str, dict[str, float]] = defaultdict(dict)
    completed = _stream(
        "Enrollment",
        [("organization_id", "==", org_id), ("status", "==", "completed")],
        ["student_email", "course_id", "quiz_score_average"],
    )
    for enrollment in completed:
        email, course = enrollment.get("student_email"), cat.courses.get(enrollment.get("course_id", ""))
        if email not in people or course is None:
            continue
        average = enrollment.get("quiz_score_average")
        factor = 1.0 if average is None else float(average) / 100
        score = LEVEL_WEIGHTS.get(str(course.get("level")), DEFAULT_WEIGHT) * factor
        for key in cat.taught(course):
            found[email][key] = max(found[email].get(key, 0.0), round(score, 4))
    return found


def _share(count: int, total: int) -> float:
    return round(count / total, 2) if total else 0.0


def team_analysis(org_id: str, team_id: str) -> dict[str, Any]:
    people = members(org_id, team_id)
    cat = catalogue()
    known = proficiencies(org_id, set(people), cat)
    size = len(people)
    skills = sorted(cat.names)

    def level(email: str, key: str) -> float:
        return known.get(email, {}).get(key, 0.0)

    by_category: dict[str, list[str]] = defaultdict(list)
    for key in skills:
        by_category[cat.categories.get(key, OTHER)].append(key)
    analysis = {
        category: {
            "average_proficiency": round(sum(level(p, k) for p in people for k in keys) / (size * len(keys)), 2)
            if size
            else 0.0,
            "coverage": _share(sum(1 for p in people if any(level(p, k) >= PROFICIENT for k in keys)), size),
        }
        for category, keys in sorted(by_category.items())
    }
    average = {k: (sum(level(p, k) for p in people) / size if size else 0.0) for k in skills}
    coverage = {k: (sum(1 for p in people if level(p, k) >= PROFICIENT) / size if size else 0.0) for k in skills}
    top = sorted((k for k in skills if average[k] > 0), key=lambda k: (-average[k], cat.names[k]))[:5]
    gaps = sorted(
        (k for k in skills if size and coverage[k] < TARGET_COVERAGE and cat.teaching(k)),
        key=lambda k: (coverage[k], cat.names[k]),
    )[:MAX_GAPS]
    recommendations = []
    for course in cat.courses.values():
        taught_gaps = [k for k in cat.taught(course) if k in gaps]
        if not taught_gaps:
            continue
        needing = [p for p in people if any(level(p, k) < PROFICIENT for k in taught_gaps)]
        shortfall = sum(TARGET_COVERAGE - coverage[k] for k in taught_gaps)
        recommendations.append(
            {
                "course_id": course["id"],
                "title": course.get("title"),
                "skills": [cat.names[k] for k in taught_gaps],
                "priority": _priority(len(needing) / size),
                "affected_employees": len(needing),
                "_rank": shortfall * len(needing),
            }
        )
    recommendations.sort(key=lambda r: (-r["_rank"], r["course_id"]))
    return {
        "team_id": team_id,
        "team_size": size,
        "skills_analysis": analysis,
        "top_skills": [cat.names[k] for k in top],
        "skill_gaps": [cat.names[k] for k in gaps],
        "recommendations": [{k: v for k, v in r.items() if k != "_rank"} for r in recommendations][
            :MAX_RECOMMENDATIONS
        ],
    }


def _priority(share: float) -> str:
    return "high" if share >= 0.5 else "medium" if share >= 0.25 else "low"


def organization_gaps(org_id: str, targets: list[str], target: float) -> dict[str, Any]:
    people = members(org_id)
    cat = catalogue()
    known = proficiencies(org_id, set(people), cat)
    size = len(people)
    wanted = list(dict.fromkeys(skill_key(t) for t in targets))
    gaps: list[dict[str, Any]] = []
    needing: dict[str, set[str]] = {}
    for key in wanted:
        levels = [known.get(p, {}).get(key, 0.0) for p in people]
        current = round(sum(levels) / size, 2) if size else 0.0
        needing[key] = {p for p in people if known.get(p, {}).get(key, 0.0) < target}
        gaps.append(
            {
                "skill": cat.names.get(key) or next(t.strip() for t in targets if skill_key(t) == key),
                "category": cat.categories.get(key, OTHER),
                "current_proficiency": current,
                "target_proficiency": target,
                "gap": round(max(0.0, target - current), 2),
                "employees_needing_training": len(needing[key]),
                "_key": key,
            }
        )
    gaps.sort(key=lambda g: (-g["gap"], g["skill"]))
    open_gaps = [g["_key"] for g in gaps if g["gap"] > 0 and needing[g["_key"]]]
    chosen: dict[str, dict[str, Any]] = {}
    chosen_for: dict[str, list[str]] = defaultdict(list)
    for key in open_gaps:
        teaching = cat.teaching(key)
        if not teaching:
            continue
        best = min(
            teaching,
            key=lambda c: (
                float(c.get("price") or 0),
                -sum(1 for k in cat.taught(c) if k in open_gaps),
                str(c.get("title")),
            ),
        )
        chosen[best["id"]] = best
        chosen_for[best["id"]].append(key)
    recommended: list[dict[str, Any]] = []
    for course_id, course in chosen.items():
        people_needing: set[str] = set().union(*(needing[k] for k in chosen_for[course_id]))
        price = float(course.get("price") or 0)
        recommended.append(
            {
                "course_id": course_id,
                "title": course.get("title"),
                "skills": [cat.names[k] for k in chosen_for[course_id]],
                "price": price,
                "employees": len(people_needing),
                "estimated_cost": round(price * len(people_needing), 2),
            }
        )
    recommended.sort(key=lambda r: (-r["employees"], r["course_id"]))
    largest = max((g["gap"] for g in gaps), default=0.0)
    return {
        "organization_size": size,
        "skill_gaps": [{k: v for k, v in g.items() if k != "_key"} for g in gaps],
        "estimated_training_cost": round(sum(r["estimated_cost"] for r in recommended), 2),
        "recommended_courses": recommended,
        "priority": "high" if largest >= 0.3 else "medium" if largest >= 0.15 else "low",
    }
