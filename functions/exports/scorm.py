"""A course as a SCORM 1.2 package: `imsmanifest.xml`, one SCO per lesson, one scored SCO
per module quiz, the shared runtime script and styles, the schemas and the lesson media.

The manifest is checked against the SCORM 1.2 / IMS CP 1.1.2 schemas (kept beside this
module) before anything is stored. Two known faults of those schemas are worked around:
`ims_xml.xsd` binds the reserved `xml` namespace, so the W3C `xml.xsd` shipped with
xmlschema stands in for it; `imsmd` breaks XSD 1.0's Unique Particle Attribution, so the
set is built as XSD 1.1.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import Any

from entities.progress import MIN_PASSING_SCORE
from functions.exports.package import (
    ModulePart,
    PackageWriter,
    add_media,
    media_html,
    media_member,
    modules,
    page,
    paragraphs,
    publish,
)

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_DIR = Path(__file__).parent / "scorm12"
STATIC_DIR = Path(__file__).parent / "static"
SCHEMA_FILES = ("adlcp_rootv1p2.xsd", "ims_xml.xsd", "imscp_rootv1p1p2.xsd", "imsmd_rootv1p2p1.xsd")
SHARED_FILES = ("shared/course.css", "shared/sco.js")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MAX_TITLE = 200

for prefix, uri in (("", IMSCP), ("adlcp", ADLCP), ("xsi", XSI)):
    ET.register_namespace(prefix, uri)


class ManifestError(RuntimeError):
    """The manifest we built fails the schemas: a fault of ours, never stored."""


def xml_text(value: Any, limit: int = MAX_TITLE) -> str:
    """Text that XML can hold: characters XML forbids are dropped."""
    return _CONTROL.sub("", str(value or "")).strip()[:limit] or "Untitled"


@lru_cache(maxsize=1)
def manifest_schema() -> Any:
    import xmlschema

    w3c_xml = Path(xmlschema.__file__).parent / "schemas" / "XML" / "xml.xsd"
    schema = xmlschema.XMLSchema11(
        str(SCHEMA_DIR / "imscp_rootv1p1p2.xsd"),
        allow="local",
        defuse="always",
        locations=[
            (ADLCP, str((SCHEMA_DIR / "adlcp_rootv1p2.xsd").resolve())),
            (IMSMD, str((SCHEMA_DIR / "imsmd_rootv1p2p1.xsd").resolve())),
        ],
        uri_mapper=lambda uri: w3c_xml.as_uri() if uri.endswith("ims_xml.xsd") else uri,
    )
    if not {ADLCP, IMSMD} <= set(schema.maps.namespaces):
        raise ManifestError("The SCORM 1.2 schemas did not all load")
    return schema


def manifest_errors(manifest: str) -> list[str]:
    """Every schema violation of a manifest, as `path: reason`; empty when it is valid."""
    schema = manifest_schema()
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(manifest, use_location_hints=False)]


def lesson_href(module: ModulePart, index: int) -> str:
    return f"{module.key}/l{index:03d}.html"


def quiz_href(module: ModulePart) -> str:
    return f"{module.key}/quiz.html"


def mastery_score(quiz: dict[str, Any]) -> int:
    return max(int(quiz.get("passing_score") or 0), MIN_PASSING_SCORE)


def manifest(course: dict[str, Any], parts: list[ModulePart], media: list[str]) -> str:
    """The `imsmanifest.xml` text: the organization mirrors modules, lessons and quizzes."""
    root = ET.Element(
        f"{{{IMSCP}}}manifest",
        {
            "identifier": "MANIFEST_" + re.sub(r"[^A-Za-z0-9_.-]", "_", str(course["id"])),
            "version": "1.0",
            f"{{{XSI}}}schemaLocation": (
                f"{IMSCP} imscp_rootv1p1p2.xsd {IMSMD} imsmd_rootv1p2p1.xsd {ADLCP} adlcp_rootv1p2.xsd"
            ),
        },
    )
    metadata = ET.SubElement(root, f"{{{IMSCP}}}metadata")
    ET.SubElement(metadata, f"{{{IMSCP}}}schema").text = "ADL SCORM"
    ET.SubElement(metadata, f"{{{IMSCP}}}schemaversion").text = "1.2"
    organizations = ET.SubElement(root, f"{{{IMSCP}}}organizations", {"default": "ORG"})
    organization = ET.SubElement(organizations, f"{{{IMSCP}}}organization", {"identifier": "ORG"})
    ET.SubElement(organization, f"{{{IMSCP}}}title").text = xml_text(course.get("title"))
    resources = ET.Element(f"{{{IMSCP}}}resources")

    def sco(identifier: str, href: str) -> None:
        resource = ET.SubElement(
            resources,
            f"{{{IMSCP}}}resource",
            {"identifier": f"RES_{identifier}", "type": "webcontent", f"{{{ADLCP}}}scormtype": "sco", "href": href},
        )
        ET.SubElement(resource, f"{{{IMSCP}}}file", {"href": href})
        ET.SubElement(resource, f"{{{IMSCP}}}dependency", {"identifierref": "RES_shared"})

    for module in parts:
        if not module.lessons and module.quiz is None:
            continue  # nothing to launch: an empty module is left out
        item = ET.SubElement(organization, f"{{{IMSCP}}}item", {"identifier": f"ITEM_{module.key}"})
        ET.SubElement(item, f"{{{IMSCP}}}title").text = xml_text(module.module.get("title"))
        for lesson in module.lessons:
            child = ET.SubElement(
                item, f"{{{IMSCP}}}item", {"identifier": f"ITEM_{lesson.key}", "identifierref": f"RES_{lesson.key}"}
            )
            ET.SubElement(child, f"{{{IMSCP}}}title").text = xml_text(lesson.lesson.get("title"))
            sco(lesson.key, lesson_href(module, lesson.index))
        if module.quiz is not None:
            key = f"{module.key}_quiz"
            child = ET.SubElement(
                item, f"{{{IMSCP}}}item", {"identifier": f"ITEM_{key}", "identifierref": f"RES_{key}"}
            )
            ET.SubElement(child, f"{{{IMSCP}}}title").text = xml_text(module.quiz.get("title") or "Quiz")
            ET.SubElement(child, f"{{{ADLCP}}}masteryscore").text = str(mastery_score(module.quiz))
            sco(key, quiz_href(module))
    shared = ET.SubElement(
        resources,
        f"{{{IMSCP}}}resource",
        {"identifier": "RES_shared", "type": "webcontent", f"{{{ADLCP}}}scormtype": "asset"},
    )
    for name in (*SHARED_FILES, *media):
        ET.SubElement(shared, f"{{{IMSCP}}}file", {"href": name})
    root.append(resources)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _script_json(value: Any) -> str:
    """JSON safe inside a `<script type="application/json">` block: no `<`, `>` or `&`."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def answer_key(question: dict[str, Any]) -> dict[str, Any]:
    """How the page grades one question, by the same rules as the server's grading."""
    options = [str(o) for o in question.get("options") or []][: len(_LETTERS)]
    expected = question.get("correct_answer")
    if not options:
        return {"kind": "text", "correct": expected.strip() if isinstance(expected, str) else None}
    if isinstance(expected, list):
        picked = sorted({i for i in expected if isinstance(i, int) and 0 <= i < len(options)})
        return {"kind": "multi", "correct": "".join(_LETTERS[i] for i in picked)}
    if isinstance(expected, str):
        wanted = expected.strip().casefold()
        index = next((i for i, o in enumerate(options) if o.strip().casefold() == wanted), None)
        return {"kind": "choice", "correct": _LETTERS[index] if index is not None else None}
    if isinstance(expected, int) and not isinstance(expected, bool) and 0 <= expected < len(options):
        return {"kind": "choice", "correct": _LETTERS[expected]}
    return {"kind": "choice", "correct": None}


def quiz_form(quiz: dict[str, Any]) -> str:
    """The quiz's questions as an escaped form, with the key the page grades by."""
    keys = []
    fields = []
    for n, question in enumerate(quiz.get("questions") or []):
        key = answer_key(question)
        keys.append(key)
        legend = f"<legend>{n + 1}. {html.escape(str(question.get('question') or ''))}</legend>"
        if key["kind"] == "text":
            inputs = f'<label>Answer <input type="text" name="q{n}" maxlength="255"></label>'
        else:
            kind = "checkbox" if key["kind"] == "multi" else "radio"
            inputs = "\n".join(
                f'<label><input type="{kind}" name="q{n}" value="{_LETTERS[i]}"> {html.escape(str(option))}</label>'
                for i, option in enumerate((question.get("options") or [])[: len(_LETTERS)])
            )
        fields.append(
            f'<fieldset class="question" id="q{n}" data-kind="{key["kind"]}">\n{legend}\n{inputs}\n</fieldset>'
        )
    return (
        '<form id="quiz">\n' + "\n".join(fields) + "\n"
        '<button id="submit" type="submit">Submit answers</button>\n</form>\n'
        '<p id="status" role="status"></p>\n'
        '<script type="application/json" id="answer-key">'
        + _script_json({"passing": mastery_score(quiz), "questions": keys})
        + "</script>"
    )


def quiz_page(course: dict[str, Any], module: ModulePart) -> str:
    quiz = module.quiz or {}
    title = str(quiz.get("title") or f"{module.module.get('title') or 'Module'}: quiz")
    body = (
        f'<main id="sco" data-kind="quiz">\n<p>{html.escape(str(course.get("title") or ""))}</p>\n'
        f"<h1>{html.escape(title)}</h1>\n{quiz_form(quiz)}\n</main>"
    )
    return page(title, body, prefix="../", scripts=["shared/sco.js"])


def lesson_page(course: dict[str, Any], module: ModulePart, lesson: dict[str, Any]) -> str:
    title = str(lesson.get("title") or "Lesson")
    body = (
        f'<main id="sco" data-kind="lesson">\n<p>{html.escape(str(course.get("title") or ""))} · '
        f"{html.escape(str(module.module.get('title') or ''))}</p>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"{media_html(lesson.get('video_url'), '../')}\n"
        f'<article id="content">\n{paragraphs(lesson.get("content"))}\n</article>\n'
        '<button id="finish" type="button">Mark as complete</button>\n'
        '<p id="status" role="status"></p>\n</main>'
    )
    return page(title, body, prefix="../", scripts=["shared/sco.js"])


def media_files(parts: list[ModulePart]) -> list[str]:
    names = set()
    for module in parts:
        for lesson in module.lessons:
            url = lesson.lesson.get("video_url")
            found = media_member(url) if isinstance(url, str) and url else None
            if found is not None:
                names.add(found[0])
    return sorted(names)


def build(course: dict[str, Any], writer: PackageWriter) -> None:
    """Write the whole package into `writer`; the manifest is validated first."""
    parts = modules(course)
    text = manifest(course, parts, media_files(parts))
    errors = manifest_errors(text)
    if errors:
        raise ManifestError("Generated imsmanifest.xml fails the SCORM 1.2 schemas: " + "; ".join(errors[:5]))
    writer.text("imsmanifest.xml", text)
    for name in SCHEMA_FILES:
        writer.data(name, (SCHEMA_DIR / name).read_bytes())
    for name in SHARED_FILES:
        writer.text(name, (STATIC_DIR / Path(name).name).read_text(encoding="utf-8"))
    for module in parts:
        for lesson in module.lessons:
            writer.text(lesson_href(module, lesson.index), lesson_page(course, module, lesson.lesson))
        if module.quiz is not None:
            writer.text(quiz_href(module), quiz_page(course, module))
    add_media(writer, parts)


def export(course: dict[str, Any]) -> dict[str, Any]:
    writer = PackageWriter()
    try:
        build(course, writer)
        return publish(writer, "scorm", course)
    finally:
        writer.close()
