"""exportScorm: schema-valid manifests for several course shapes, complete self-contained
packages, escaped course text, byte-identical re-exports, media, roles and refusals."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.exports.conftest import course_doc, download, invoke, open_zip, quiz

NS = {"cp": "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
SCHEMAS = Path(__file__).parents[2] / "functions" / "exports" / "scorm12"


def independent_schema() -> Any:
    """The schemas built here, separately from the export's own copy of the validator."""
    import xmlschema

    w3c_xml = Path(xmlschema.__file__).parent / "schemas" / "XML" / "xml.xsd"
    schema = xmlschema.XMLSchema11(
        str(SCHEMAS / "imscp_rootv1p1p2.xsd"),
        allow="local",
        defuse="always",
        locations=[
            ("http://www.adlnet.org/xsd/adlcp_rootv1p2", str((SCHEMAS / "adlcp_rootv1p2.xsd").resolve())),
            ("http://www.imsglobal.org/xsd/imsmd_rootv1p2p1", str((SCHEMAS / "imsmd_rootv1p2p1.xsd").resolve())),
        ],
        uri_mapper=lambda u: w3c_xml.as_uri() if u.endswith("ims_xml.xsd") else u,
    )
    assert {"http://www.adlnet.org/xsd/adlcp_rootv1p2", "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"} <= set(
        schema.maps.namespaces
    )
    return schema


def assert_valid(manifest: str) -> None:
    errors = [f"{e.path}: {e.reason}" for e in independent_schema().iter_errors(manifest, use_location_hints=False)]
    assert errors == []


def big_course() -> dict[str, Any]:
    return {
        "id": "crs_big",
        "title": "Five hundred lessons",
        "modules": [
            {
                "id": f"mod_{m}",
                "title": f"Module {m}",
                "lessons": [{"id": f"les_{m}_{n}", "title": f"Lesson {m}.{n}", "content": "x"} for n in range(50)],
                "quiz": quiz(f"Quiz {m}", 5),
            }
            for m in range(10)
        ],
    }


SHAPES = {
    "empty_and_quiz_only_modules": {"id": "crs_shapes", **course_doc("i@example.test")},
    "unicode_titles": {
        "id": "crs_unicode",
        "title": "Zoë's 日本語 курс <b>&amp;</b> \u202eevil\u0007",
        "modules": [
            {
                "id": "mod_u",
                "title": "Ünïcödé ✓ — العربية",
                "lessons": [{"id": "les_u", "title": "🙂 <script>alert(1)</script> \"quoted\" 'x'"}],
                "quiz": {"title": "Prüfung ß", "passing_score": 90, "questions": [{"question": "?", "options": ["a"]}]},
            }
        ],
    },
    "five_hundred_lessons": big_course(),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_manifest_is_schema_valid_for_course_shapes(shape: str) -> None:
    from functions.exports import package, scorm

    course = SHAPES[shape]
    text = scorm.manifest(course, package.modules(course), [])
    assert_valid(text)
    root = ET.fromstring(text)
    lessons = sum(len(m.get("lessons") or []) for m in course["modules"])
    quizzes = sum(1 for m in course["modules"] if m.get("quiz"))
    assert len(root.findall(".//cp:resource[@adlcp:scormtype='sco']", NS)) == lessons + quizzes


def test_manifest_mastery_score_follows_passing_score_and_modules_nest_items() -> None:
    from functions.exports import package, scorm

    course = SHAPES["empty_and_quiz_only_modules"]
    root = ET.fromstring(scorm.manifest(course, package.modules(course), []))
    organization = root.find("cp:organizations/cp:organization", NS)
    assert organization is not None
    modules = organization.findall("cp:item", NS)
    # The empty module has nothing to launch; the quiz-only module keeps its quiz.
    assert [m.findtext("cp:title", namespaces=NS) for m in modules] == ["Basics", "Checkpoint"]
    assert [i.findtext("cp:title", namespaces=NS) for i in modules[0].findall("cp:item", NS)] == [
        "What are Hooks?",
        "useState",
        "Basics quiz",
    ]
    scores = [e.text for e in root.iter("{http://www.adlnet.org/xsd/adlcp_rootv1p2}masteryscore")]
    assert scores == ["80", "70"]


def test_manifest_that_breaks_the_schema_is_never_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.exports import package, scorm

    course = SHAPES["unicode_titles"]
    broken = scorm.manifest(course, package.modules(course), []).replace('scormtype="sco"', 'scormtype="SCO"')
    assert scorm.manifest_errors(broken)
    monkeypatch.setattr(scorm, "manifest", lambda *_a: broken)
    writer = package.PackageWriter()
    try:
        with pytest.raises(scorm.ManifestError):
            scorm.build(course, writer)
    finally:
        writer.close()


class Refs(HTMLParser):
    """Every URL a page loads or links to, and every script element."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.csp: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content")
        for name in ("src", "poster", "data"):
            if a.get(name):
                self.loads.append(str(a[name]))
        if tag == "link" and a.get("href"):
            self.loads.append(str(a["href"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))


def page_refs(text: str) -> Refs:
    parser = Refs()
    parser.feed(text)
    return parser


def test_export_stores_a_complete_self_contained_package(gateway: Any, world: dict[str, Any]) -> None:
    answer = invoke(gateway, "exportScorm", world["tokens"]["instructor"], {"courseId": world["course"]["id"]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["success"] is True
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=2)
    data = download(gateway, body["download_url"])
    assert body["size_bytes"] == len(data)
    package = open_zip(data)
    names = set(package.namelist())
    manifest = package.read("imsmanifest.xml").decode()
    assert_valid(manifest)
    listed = {f.get("href") for f in ET.fromstring(manifest).iter(f"{{{NS['cp']}}}file")}
    assert listed <= names
    for schema in ("imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "ims_xml.xsd"):
        assert package.read(schema) == (SCHEMAS / schema).read_bytes()
    pages = sorted(n for n in names if n.endswith(".html"))
    assert pages == ["m001/l001.html", "m001/l002.html", "m001/quiz.html", "m003/quiz.html"]
    for name in pages:
        refs = page_refs(package.read(name).decode())
        assert refs.csp and "default-src 'none'" in refs.csp and "script-src 'self'" in refs.csp
        for url in refs.loads:
            assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//", url, re.IGNORECASE), url
            target = str(PurePosixPath(name).parent / url)
            resolved = str(PurePosixPath(*[p for p in PurePosixPath(target).parts]))
            normal = re.sub(r"[^/]+/\.\./", "", resolved)
            assert normal in names, (name, url)


def test_course_text_is_escaped_never_markup(gateway: Any, world: dict[str, Any]) -> None:
    from entities import store

    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>"><iframe src="https://evil.test">'
    course = store.create(
        "Course",
        course_doc(
            world["users"]["instructor"]["email"],
            title=hostile,
            modules=[
                {
                    "id": "mod_x",
                    "title": hostile,
                    "lessons": [{"id": "les_x", "title": hostile, "content": hostile + "\n\n" + hostile}],
                    "quiz": {
                        "title": hostile,
                        "questions": [{"question": hostile, "options": [hostile, "</script>"], "correct_answer": 1}],
                    },
                }
            ],
        ),
        created_by=world["users"]["instructor"]["email"],
    )
    answer = invoke(gateway, "exportScorm", world["tokens"]["instructor"], {"courseId": course["id"]})
    assert answer.status_code == 200, answer.get_json()
    package = open_zip(download(gateway, answer.get_json()["download_url"]))
    for name in ("m001/l001.html", "m001/quiz.html"):
        refs = page_refs(package.read(name).decode())
        srcs = [s.get("src") for s in refs.scripts if s.get("src")]
        assert srcs == ["../shared/sco.js"]
        assert [s.get("type") for s in refs.scripts if not s.get("src")] in ([], ["application/json"])
        assert all(not url.startswith("x") and "evil" not in url for url in refs.loads + refs.links)
    assert_valid(package.read("imsmanifest.xml").decode())


def test_unchanged_course_exports_byte_identical_zips(gateway: Any, world: dict[str, Any]) -> None:
    first = invoke(gateway, "exportScorm", world["tokens"]["instructor"], {"courseId": world["course"]["id"]})
    second = invoke(gateway, "exportScorm", world["tokens"]["admin"], {"courseId": world["course"]["id"]})
    assert first.status_code == second.status_code == 200
    a = download(gateway, first.get_json()["download_url"])
    b = download(gateway, second.get_json()["download_url"])
    assert a == b
    assert {i.date_time for i in open_zip(a).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_stored_media_is_packaged_and_outside_links_stay_links(
    gateway: Any, world: dict[str, Any], blobs: Path
) -> None:
    from entities import store
    from shared.storage import blob_store

    video = bytes(range(256)) * 4096  # 1 MiB
    blob_store().put("media/intro.mp4", video, "video/mp4")
    stored_url = blob_store().signed_url("media/intro.mp4")
    course = store.create(
        "Course",
        course_doc(
            world["users"]["instructor"]["email"],
            modules=[
                {
                    "id": "mod_v",
                    "title": "Video",
                    "lessons": [
                        {"id": "les_in", "title": "Stored", "video_url": stored_url},
                        {"id": "les_out", "title": "Outside", "video_url": "https://videos.example.com/a.mp4"},
                        {"id": "les_js", "title": "Scheme", "video_url": "javascript:alert(1)"},
                    ],
                }
            ],
        ),
        created_by=world["users"]["instructor"]["email"],
    )
    answer = invoke(gateway, "exportScorm", world["tokens"]["instructor"], {"courseId": course["id"]})
    assert answer.status_code == 200, answer.get_json()
    package = open_zip(download(gateway, answer.get_json()["download_url"]))
    media = [n for n in package.namelist() if n.startswith("media/")]
    assert len(media) == 1 and media[0].endswith(".mp4")
    assert package.read(media[0]) == video
    assert f'src="../{media[0]}"' in package.read("m001/l001.html").decode()
    outside = page_refs(package.read("m001/l002.html").decode())
    assert outside.links == ["https://videos.example.com/a.mp4"]
    assert outside.loads == ["../shared/course.css", "../shared/sco.js"]
    assert "javascript:" not in package.read("m001/l003.html").decode()
    manifest = package.read("imsmanifest.xml").decode()
    assert f'href="{media[0]}"' in manifest
    assert_valid(manifest)


def test_course_without_lessons_is_400(gateway: Any, world: dict[str, Any]) -> None:
    from entities import store

    course = store.create(
        "Course",
        course_doc(world["users"]["instructor"]["email"], modules=[{"id": "mod_q", "title": "Q", "quiz": quiz("Q")}]),
        created_by=world["users"]["instructor"]["email"],
    )
    for name in ("exportScorm", "exportXapi"):
        answer = invoke(gateway, name, world["tokens"]["instructor"], {"courseId": course["id"]})
        assert answer.status_code == 400, answer.get_json()


@pytest.mark.parametrize("who", ["student", "other"])
def test_only_the_instructor_or_an_admin_may_export(gateway: Any, world: dict[str, Any], who: str, blobs: Path) -> None:
    for name in ("exportScorm", "exportXapi"):
        answer = invoke(gateway, name, world["tokens"][who], {"courseId": world["course"]["id"]})
        assert answer.status_code == 403, answer.get_json()
    assert not blobs.exists() or not list(blobs.rglob("*.zip"))


def test_anonymous_unknown_and_malformed_requests_are_refused(gateway: Any, world: dict[str, Any]) -> None:
    assert invoke(gateway, "exportScorm", None, {"courseId": world["course"]["id"]}).status_code == 401
    assert invoke(gateway, "exportScorm", world["tokens"]["admin"], {"courseId": "crs_missing"}).status_code == 404
    assert invoke(gateway, "exportScorm", world["tokens"]["admin"], {}).status_code == 400
    bad = {"courseId": world["course"]["id"], "extra": 1}
    assert invoke(gateway, "exportXapi", world["tokens"]["admin"], bad).status_code == 400


def test_exports_are_limited_to_five_an_hour(
    gateway: Any, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATE_LIMITS_ENABLED", "true")
    codes = [
        invoke(gateway, "exportScorm", world["tokens"]["instructor"], {"courseId": world["course"]["id"]}).status_code
        for _ in range(6)
    ]
    assert codes == [200] * 5 + [429]
