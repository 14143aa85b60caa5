"""A course as an xAPI (Tin Can) package: `tincan.xml` with the course as one launchable
activity and its lessons and quizzes as activities under `XAPI_ACTIVITY_BASE`, a launch
page and lesson and quiz pages that send ADL-verb statements to the LRS named in their
query string, and `statements.json`: the course's recorded learner activity as xAPI
1.0.3 statements.

Statement ids are UUIDs (version 5) derived from what a statement says, so exporting
again gives the same ids and an LRS that already has one answers 204 or 409 instead of
storing it twice.
"""

from __future__ import annotations

import html
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from entities import store
from functions.exports.package import (
    ModulePart,
    PackageWriter,
    add_media,
    media_html,
    modules,
    page,
    paragraphs,
    publish,
)
from functions.exports.scorm import quiz_form, xml_text
from shared import config
from shared.config import XAPI_ACTIVITY_BASE
from shared.errors import ConfigurationError
from shared.firestore import existing_data, io

TINCAN = "http://projecttincan.com/tincan.xsd"
STATIC_DIR = Path(__file__).parent / "static"
SHARED_FILES = ("shared/course.css", "shared/xapi.js")
# Fixed namespace of statement ids: uuid5(this, the statement's content).
STATEMENT_NAMESPACE = uuid.UUID("6f1c2d3e-8b4a-5c6d-9e0f-a1b2c3d4e5f6")
VERSION = "1.0.3"
VERBS = {
    name: {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}
    for name in ("registered", "launched", "experienced", "completed", "passed", "failed", "answered")
}
TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
}
_EMAIL = re.compile(r"^[^@\s:]+@[^@\s]+\.[^@\s]+$")
# Pages reach the LRS named at launch, which is not known when the package is made.
XAPI_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src https: http:; base-uri 'none'; form-action 'none'"
)

ET.register_namespace("", TINCAN)


def activity_base() -> str:
    base = str(config.get(XAPI_ACTIVITY_BASE) or f"{config.public_base_url()}/xapi/activities").rstrip("/")
    if not re.match(r"^https?://[^/\s]+", base):
        raise ConfigurationError(f"Setting {XAPI_ACTIVITY_BASE} must be an absolute http(s) IRI")
    return base


class Iris:
    def __init__(self, course: dict[str, Any]) -> None:
        self.course = f"{activity_base()}/courses/{quote(str(course['id']), safe='')}"

    def lesson(self, lesson: dict[str, Any]) -> str:
        return f"{self.course}/lessons/{quote(str(lesson.get('id')), safe='')}"

    def quiz(self, module: dict[str, Any]) -> str:
        return f"{self.course}/modules/{quote(str(module.get('id')), safe='')}/quiz"


def lesson_href(module: ModulePart, index: int) -> str:
    return f"{module.key}/l{index:03d}.html"


def quiz_href(module: ModulePart) -> str:
    return f"{module.key}/quiz.html"


def tincan_xml(course: dict[str, Any], parts: list[ModulePart], iris: Iris) -> str:
    root = ET.Element(f"{{{TINCAN}}}tincan")
    activities = ET.SubElement(root, f"{{{TINCAN}}}activities")

    def activity(iri: str, kind: str, name: Any, launch: str | None = None) -> None:
        node = ET.SubElement(activities, f"{{{TINCAN}}}activity", {"id": iri, "type": TYPES[kind]})
        ET.SubElement(node, f"{{{TINCAN}}}name").text = xml_text(name)
        ET.SubElement(node, f"{{{TINCAN}}}description", {"lang": "en-US"}).text = xml_text(name)
        if launch:
            ET.SubElement(node, f"{{{TINCAN}}}launch", {"lang": "en-US"}).text = launch

    activity(iris.course, "course", course.get("title"), "index.html")
    for module in parts:
        for lesson in module.lessons:
            activity(iris.lesson(lesson.lesson), "lesson", lesson.lesson.get("title"))
        if module.quiz is not None:
            activity(iris.quiz(module.module), "assessment", module.quiz.get("title") or "Quiz")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _data(**values: Any) -> str:
    return "".join(f' data-{k}="{html.escape(str(v))}"' for k, v in values.items())


def index_page(course: dict[str, Any], parts: list[ModulePart], iris: Iris) -> str:
    items = []
    for module in parts:
        links = [
            f'<li><a data-launch href="{lesson_href(module, lesson.index)}">'
            f"{html.escape(str(lesson.lesson.get('title')))}</a></li>"
            for lesson in module.lessons
        ]
        if module.quiz is not None:
            links.append(f'<li><a data-launch href="{quiz_href(module)}">Quiz</a></li>')
        if links:
            items.append(
                f"<li>{html.escape(str(module.module.get('title') or ''))}<ol>\n" + "\n".join(links) + "\n</ol></li>"
            )
    attrs = _data(kind="course", activity=iris.course, course=iris.course, name=xml_text(course.get("title")))
    body = (
        f'<main id="xapi"{attrs}>\n'
        f"<h1>{html.escape(str(course.get('title') or ''))}</h1>\n"
        f"{paragraphs(course.get('description'))}\n<nav><ol>\n" + "\n".join(items) + "\n</ol></nav>\n"
        '<p id="status" role="status"></p>\n</main>'
    )
    return page(str(course.get("title") or "Course"), body, prefix="", scripts=["shared/xapi.js"], csp=XAPI_CSP)


def back_link(course: dict[str, Any]) -> str:
    return f'<p><a data-launch href="../index.html">{html.escape(str(course.get("title") or ""))}</a></p>'


def lesson_page(course: dict[str, Any], module: ModulePart, lesson: dict[str, Any], iris: Iris) -> str:
    title = str(lesson.get("title") or "Lesson")
    attrs = _data(kind="lesson", activity=iris.lesson(lesson), course=iris.course, name=xml_text(title))
    body = (
        f'<main id="xapi"{attrs}>\n{back_link(course)}\n'
        f"<h1>{html.escape(title)}</h1>\n{media_html(lesson.get('video_url'), '../')}\n"
        f'<article id="content">\n{paragraphs(lesson.get("content"))}\n</article>\n'
        '<button id="finish" type="button">Mark as complete</button>\n<p id="status" role="status"></p>\n</main>'
    )
    return page(title, body, prefix="../", scripts=["shared/xapi.js"], csp=XAPI_CSP)


def quiz_page(course: dict[str, Any], module: ModulePart, iris: Iris) -> str:
    quiz = module.quiz or {}
    title = str(quiz.get("title") or f"{module.module.get('title') or 'Module'}: quiz")
    attrs = _data(kind="quiz", activity=iris.quiz(module.module), course=iris.course, name=xml_text(title))
    body = f'<main id="xapi"{attrs}>\n{back_link(course)}\n<h1>{html.escape(title)}</h1>\n{quiz_form(quiz)}\n</main>'
    return page(title, body, prefix="../", scripts=["shared/xapi.js"], csp=XAPI_CSP)


# --- recorded activity as statements ---------------------------------------------------


def timestamp(value: Any) -> str | None:
    """An ISO 8601 time with its zone (UTC, milliseconds); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def actor(enrollment: dict[str, Any]) -> dict[str, Any]:
    email = str(enrollment.get("student_email") or "").strip().lower()
    if _EMAIL.match(email):
        return {"objectType": "Agent", "mbox": f"mailto:{email}"}
    name = str(enrollment.get("student_id") or enrollment.get("id"))
    return {"objectType": "Agent", "account": {"homePage": config.public_base_url(), "name": name}}


def _activity(iri: str, kind: str, name: Any) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": iri,
        "definition": {"type": TYPES[kind], "name": {"en-US": xml_text(name)}},
    }


def statement(
    who: dict[str, Any],
    verb: str,
    what: dict[str, Any],
    when: str,
    *,
    registration: str,
    parent: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"actor": who, "verb": VERBS[verb], "object": what, "timestamp": when}
    context: dict[str, Any] = {"registration": registration}
    if parent is not None:
        context["contextActivities"] = {"parent": [parent]}
    body["context"] = context
    if result is not None:
        body["result"] = result
    body["version"] = VERSION
    key = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {"id": str(uuid.uuid5(STATEMENT_NAMESPACE, key)), **body}


def _records(name: str, field: str, value: str) -> list[dict[str, Any]]:
    from google.cloud.firestore import FieldFilter

    query = store.collection(name).where(filter=FieldFilter(field, "==", value))
    return sorted((existing_data(s) for s in query.stream(**io())), key=lambda r: str(r.get("id")))


def statements(course: dict[str, Any], parts: list[ModulePart], iris: Iris) -> Iterator[dict[str, Any]]:
    """Enrollments, lesson completions and quiz results of the course, in a fixed order."""
    course_activity = _activity(iris.course, "course", course.get("title"))
    lessons = {lesson.lesson.get("id"): lesson.lesson for module in parts for lesson in module.lessons}
    quizzes = {module.module.get("id"): module for module in parts if module.quiz is not None}
    for enrollment in _records("Enrollment", "course_id", str(course["id"])):
        who = actor(enrollment)
        registration = str(uuid.uuid5(STATEMENT_NAMESPACE, f"registration|{enrollment['id']}"))
        enrolled = timestamp(enrollment.get("enrolled_at")) or timestamp(enrollment.get("created_date"))
        if enrolled:
            yield statement(who, "registered", course_activity, enrolled, registration=registration)
        for record in _records("Progress", "enrollment_id", str(enrollment["id"])):
            lesson = lessons.get(record.get("lesson_id"))
            if lesson is not None and record.get("completed"):
                when = timestamp(record.get("completed_at")) or timestamp(record.get("updated_date"))
                if when:
                    yield statement(
                        who,
                        "completed",
                        _activity(iris.lesson(lesson), "lesson", lesson.get("title")),
                        when,
                        registration=registration,
                        parent=course_activity,
                        result={"completion": True},
                    )
            module = quizzes.get(record.get("module_id")) if not record.get("lesson_id") else None
            score = record.get("quiz_score")
            if module is not None and isinstance(score, int | float):
                when = timestamp(record.get("last_accessed")) or timestamp(record.get("updated_date"))
                passed = bool(record.get("quiz_passed"))
                if when:
                    yield statement(
                        who,
                        "passed" if passed else "failed",
                        _activity(iris.quiz(module.module), "assessment", (module.quiz or {}).get("title") or "Quiz"),
                        when,
                        registration=registration,
                        parent=course_activity,
                        result={
                            "score": {
                                "scaled": round(float(score) / 100, 4),
                                "raw": float(score),
                                "min": 0,
                                "max": 100,
                            },
                            "success": passed,
                            "completion": True,
                        },
                    )
        finished = timestamp(enrollment.get("completed_at"))
        if finished:
            yield statement(
                who, "completed", course_activity, finished, registration=registration, result={"completion": True}
            )


class _Counted:
    def __init__(self, items: Iterator[dict[str, Any]]) -> None:
        self.items = items
        self.count = 0

    def json(self) -> Iterator[str]:
        """The statements as one JSON array, a statement at a time."""
        yield "["
        for item in self.items:
            yield ("," if self.count else "") + "\n" + json.dumps(item, ensure_ascii=False, sort_keys=True)
            self.count += 1
        yield "\n]\n"


def build(course: dict[str, Any], writer: PackageWriter) -> int:
    """Write the package into `writer`; answer how many statements it holds."""
    parts = modules(course)
    iris = Iris(course)
    writer.text("tincan.xml", tincan_xml(course, parts, iris))
    writer.text("index.html", index_page(course, parts, iris))
    for name in SHARED_FILES:
        writer.text(name, (STATIC_DIR / Path(name).name).read_text(encoding="utf-8"))
    for module in parts:
        for lesson in module.lessons:
            writer.text(lesson_href(module, lesson.index), lesson_page(course, module, lesson.lesson, iris))
        if module.quiz is not None:
            writer.text(quiz_href(module), quiz_page(course, module, iris))
    counted = _Counted(statements(course, parts, iris))
    writer.chunks("statements.json", counted.json())
    add_media(writer, parts)
    return counted.count


def export(course: dict[str, Any]) -> dict[str, Any]:
    writer = PackageWriter()
    try:
        count = build(course, writer)
        answer = publish(writer, "xapi", course)
    finally:
        writer.close()
    answer.pop("size_bytes")
    return {**answer, "statements": count}
